package intercom

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"iter"
	"net/url"
)

// HelpCenterService reads help centers and reads and writes their
// collections (a tree: a collection's parent is another collection, or
// none for a top-level one). Help centers themselves cannot be created or
// changed through the API.
type HelpCenterService service

// HelpCenter is one help center of the workspace.
type HelpCenter struct {
	ID          string `json:"id"`
	WorkspaceID string `json:"workspace_id,omitempty"`
	// Identifier is the help center's name in its URL.
	Identifier      string `json:"identifier,omitempty"`
	DisplayName     string `json:"display_name,omitempty"`
	WebsiteTurnedOn bool   `json:"website_turned_on,omitempty"`
	URL             string `json:"url,omitempty"`
	CustomDomain    string `json:"custom_domain,omitempty"`
	CreatedAt       int64  `json:"created_at,omitempty"`
	UpdatedAt       int64  `json:"updated_at,omitempty"`
}

// GroupContent is a collection's name and description in one locale.
type GroupContent struct {
	Type        string `json:"type,omitempty"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
}

// GroupTranslations is a collection's content by locale ("en", "fr",
// "pt-BR"...). Intercom's object also carries "type":
// "group_translated_content", which is dropped on decoding and not sent.
type GroupTranslations map[string]*GroupContent

// UnmarshalJSON reads the locales, skipping "type" and null entries.
func (t *GroupTranslations) UnmarshalJSON(b []byte) error {
	m, err := decodeTranslations[GroupContent](b)
	*t = m
	return err
}

// Collection is a help center collection (a section, in older terms, when
// it has a parent).
type Collection struct {
	ID          string `json:"id"`
	WorkspaceID string `json:"workspace_id,omitempty"`
	// Name and Description are the default locale's.
	Name          string            `json:"name,omitempty"`
	Description   string            `json:"description,omitempty"`
	URL           string            `json:"url,omitempty"`
	Icon          string            `json:"icon,omitempty"`
	Order         int               `json:"order,omitempty"`
	DefaultLocale string            `json:"default_locale,omitempty"`
	Translations  GroupTranslations `json:"translated_content,omitempty"`
	// ParentID is "" for a top-level collection.
	ParentID string `json:"parent_id,omitempty"`
	// HelpCenterID is 0 when Intercom names none.
	HelpCenterID int64 `json:"help_center_id,omitempty"`
	CreatedAt    int64 `json:"created_at,omitempty"`
	UpdatedAt    int64 `json:"updated_at,omitempty"`
}

// CollectionList is one page of collections.
type CollectionList struct {
	Type       string         `json:"type,omitempty"`
	Data       []*Collection  `json:"data"`
	TotalCount int            `json:"total_count"`
	Pages      *NumberedPages `json:"pages,omitempty"`
}

func (l *CollectionList) numbered() ([]*Collection, *NumberedPages) { return l.Data, l.Pages }

// CollectionRequest creates or updates a collection. Fields left empty or
// nil are not sent (on update: not changed). Icon and order cannot be set
// through the API.
type CollectionRequest struct {
	Name         string            `json:"name,omitempty"`
	Description  *string           `json:"description,omitempty"`
	Translations GroupTranslations `json:"translated_content,omitempty"`
	// ParentID is the parent collection; nil leaves it out (on create: a
	// top-level collection).
	ParentID *string `json:"parent_id,omitempty"`
	// HelpCenterID is the help center (on create; nil: the default one).
	HelpCenterID *int64 `json:"help_center_id,omitempty"`
}

// Deletion is the answer to a delete: the id and kind of what is gone.
type Deletion struct {
	ID      string `json:"id"`
	Object  string `json:"object,omitempty"`
	Deleted bool   `json:"deleted"`
}

// ListHelpCenters returns every help center of the workspace:
// GET /help_center/help_centers (not paged).
func (s *HelpCenterService) ListHelpCenters(ctx context.Context) ([]*HelpCenter, *Response, error) {
	return callData[HelpCenter](ctx, s.client, "help_center/help_centers", nil)
}

// GetHelpCenter reads one help center: GET /help_center/help_centers/{id}.
func (s *HelpCenterService) GetHelpCenter(ctx context.Context, id string) (*HelpCenter, *Response, error) {
	if err := checkNumericID("help center", id); err != nil {
		return nil, nil, err
	}
	return callDecode[HelpCenter](ctx, s.client, "GET", "help_center/help_centers/"+pathSegment(id), nil, nil, nil)
}

// ListCollections reads one page of collections (of every help center),
// most recently updated first: GET /help_center/collections.
func (s *HelpCenterService) ListCollections(ctx context.Context, opts *PageNumberOptions) (*CollectionList, *Response, error) {
	return callNumberedPage(ctx, s.client, "help_center/collections", opts, (*CollectionList).numbered)
}

// AllCollections streams every collection, page by page.
func (s *HelpCenterService) AllCollections(ctx context.Context, opts *PageNumberOptions) iter.Seq2[*Collection, error] {
	return iterateNumbered(ctx, opts, numberedPages(s.ListCollections, (*CollectionList).numbered))
}

// GetCollection reads one collection: GET /help_center/collections/{id}.
func (s *HelpCenterService) GetCollection(ctx context.Context, id string) (*Collection, *Response, error) {
	if err := checkNumericID("collection", id); err != nil {
		return nil, nil, err
	}
	return s.collection(ctx, "GET", "help_center/collections/"+pathSegment(id), nil)
}

// CreateCollection makes a collection: POST /help_center/collections.
func (s *HelpCenterService) CreateCollection(ctx context.Context, r *CollectionRequest) (*Collection, *Response, error) {
	if r == nil || r.Name == "" {
		return nil, nil, errors.New("intercom: a new collection needs a name")
	}
	return s.collection(ctx, "POST", "help_center/collections", r)
}

// UpdateCollection changes a collection: PUT /help_center/collections/{id}.
func (s *HelpCenterService) UpdateCollection(ctx context.Context, id string, r *CollectionRequest) (*Collection, *Response, error) {
	if err := checkNumericID("collection", id); err != nil {
		return nil, nil, err
	}
	if r == nil {
		return nil, nil, errors.New("intercom: nil collection update")
	}
	return s.collection(ctx, "PUT", "help_center/collections/"+pathSegment(id), r)
}

// DeleteCollection deletes a collection: DELETE /help_center/collections/{id}.
func (s *HelpCenterService) DeleteCollection(ctx context.Context, id string) (*Deletion, *Response, error) {
	if err := checkNumericID("collection", id); err != nil {
		return nil, nil, err
	}
	return deleteAt(ctx, s.client, "help_center/collections/"+pathSegment(id), nil)
}

func (s *HelpCenterService) collection(ctx context.Context, method, path string, body any) (*Collection, *Response, error) {
	return callDecode[Collection](ctx, s.client, method, path, nil, body, nil)
}

func deleteAt(ctx context.Context, c *Client, path string, q url.Values) (*Deletion, *Response, error) {
	return callDecode[Deletion](ctx, c, "DELETE", path, q, nil, nil)
}

// decodeTranslations reads a translated_content object: locale keys, each
// a content object; "type" and null entries are skipped.
func decodeTranslations[T any](b []byte) (map[string]*T, error) {
	if string(bytes.TrimSpace(b)) == "null" {
		return nil, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, err
	}
	out := make(map[string]*T, len(raw))
	for k, v := range raw {
		if k == "type" || string(bytes.TrimSpace(v)) == "null" {
			continue
		}
		var c T
		if err := json.Unmarshal(v, &c); err != nil {
			return nil, err
		}
		out[k] = &c
	}
	return out, nil
}
