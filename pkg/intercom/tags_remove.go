package intercom

import (
	"context"
	"errors"
	"fmt"
)

// RemoveTag removes a tag from a contact: DELETE
// /contacts/{contact_id}/tags/{tag_id}. Intercom answers 404 when the
// contact does not carry the tag. (POST /tags untags companies in bulk, but
// documents no such form for contacts: one call per contact and tag.)
func (s *ContactsService) RemoveTag(ctx context.Context, contactID, tagID string) (*Tag, *Response, error) {
	if contactID == "" || tagID == "" {
		return nil, nil, errors.New("intercom: empty contact or tag id")
	}
	return callDecode[Tag](ctx, s.client, "DELETE", "contacts/"+pathSegment(contactID)+"/tags/"+pathSegment(tagID), nil, nil, nil)
}

type untagRef struct {
	ID    string `json:"id"`
	Untag bool   `json:"untag"`
}

// UntagCompanies removes the tag called name from up to
// MaxTagCompaniesPerCall companies, by Intercom's id: POST /tags with
// companies marked untag.
func (s *TagsService) UntagCompanies(ctx context.Context, name string, companyIDs []string) (*Tag, *Response, error) {
	if name == "" {
		return nil, nil, errors.New("intercom: empty tag name")
	}
	if len(companyIDs) == 0 || len(companyIDs) > MaxTagCompaniesPerCall {
		return nil, nil, fmt.Errorf("intercom: untagging %d companies in one call (want 1..%d)", len(companyIDs), MaxTagCompaniesPerCall)
	}
	refs := make([]untagRef, len(companyIDs))
	for i, id := range companyIDs {
		if id == "" {
			return nil, nil, fmt.Errorf("intercom: untagging companies: id %d is empty", i)
		}
		refs[i] = untagRef{ID: id, Untag: true}
	}
	return s.post(ctx, struct {
		Name      string     `json:"name"`
		Companies []untagRef `json:"companies"`
	}{name, refs})
}
