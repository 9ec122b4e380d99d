package intercom

import (
	"context"
	"errors"
	"fmt"
)

// TagsService lists, creates and applies tags.
type TagsService service

// MaxTagUsersPerCall is how many contacts one tagging call carries at most:
// the batch size Intercom recommends.
const MaxTagUsersPerCall = 50

// Tag is a workspace tag.
type Tag struct {
	Type      string `json:"type,omitempty"`
	ID        string `json:"id"`
	Name      string `json:"name"`
	AppliedAt int64  `json:"applied_at,omitempty"`
}

// List returns every tag of the workspace: GET /tags (not paged).
func (s *TagsService) List(ctx context.Context) ([]*Tag, *Response, error) {
	return callData[Tag](ctx, s.client, "tags", nil)
}

// Create makes a tag, or returns the existing one of that name (names are
// case-insensitive): POST /tags. It is idempotent.
func (s *TagsService) Create(ctx context.Context, name string) (*Tag, *Response, error) {
	if name == "" {
		return nil, nil, errors.New("intercom: empty tag name")
	}
	return s.post(ctx, struct {
		Name string `json:"name"`
	}{name})
}

type userRef struct {
	ID string `json:"id"`
}

// TagContacts applies the tag called name (creating it when missing) to up
// to MaxTagUsersPerCall contacts, by Intercom id: POST /tags with users.
// Tagging a contact twice is harmless.
func (s *TagsService) TagContacts(ctx context.Context, name string, contactIDs []string) (*Tag, *Response, error) {
	if name == "" {
		return nil, nil, errors.New("intercom: empty tag name")
	}
	if len(contactIDs) == 0 || len(contactIDs) > MaxTagUsersPerCall {
		return nil, nil, fmt.Errorf("intercom: tagging %d contacts in one call (want 1..%d)", len(contactIDs), MaxTagUsersPerCall)
	}
	users := make([]userRef, len(contactIDs))
	for i, id := range contactIDs {
		if id == "" {
			return nil, nil, fmt.Errorf("intercom: tagging contacts: id %d is empty", i)
		}
		users[i] = userRef{ID: id}
	}
	return s.post(ctx, struct {
		Name  string    `json:"name"`
		Users []userRef `json:"users"`
	}{name, users})
}

func (s *TagsService) post(ctx context.Context, body any) (*Tag, *Response, error) {
	return callDecode[Tag](ctx, s.client, "POST", "tags", nil, body, nil)
}
