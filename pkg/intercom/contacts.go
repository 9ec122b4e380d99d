package intercom

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/url"
)

// ContactsService reads and writes contacts (users and leads).
type ContactsService service

// Contact roles.
const (
	RoleUser = "user"
	RoleLead = "lead"
)

// Contact is a user or a lead as Intercom returns it. Timestamps are Unix
// seconds, 0 when unset; custom attribute numbers decode as json.Number so
// that they are written back exactly as read.
type Contact struct {
	Type                   string         `json:"type,omitempty"`
	ID                     string         `json:"id"`
	WorkspaceID            string         `json:"workspace_id,omitempty"`
	ExternalID             string         `json:"external_id,omitempty"`
	Role                   string         `json:"role,omitempty"`
	Email                  string         `json:"email,omitempty"`
	EmailDomain            string         `json:"email_domain,omitempty"`
	Phone                  string         `json:"phone,omitempty"`
	Name                   string         `json:"name,omitempty"`
	OwnerID                int64          `json:"owner_id,omitempty"`
	HasHardBounced         bool           `json:"has_hard_bounced,omitempty"`
	MarkedEmailAsSpam      bool           `json:"marked_email_as_spam,omitempty"`
	UnsubscribedFromEmails bool           `json:"unsubscribed_from_emails,omitempty"`
	CreatedAt              int64          `json:"created_at,omitempty"`
	UpdatedAt              int64          `json:"updated_at,omitempty"`
	SignedUpAt             int64          `json:"signed_up_at,omitempty"`
	LastSeenAt             int64          `json:"last_seen_at,omitempty"`
	LastRepliedAt          int64          `json:"last_replied_at,omitempty"`
	LastContactedAt        int64          `json:"last_contacted_at,omitempty"`
	LanguageOverride       string         `json:"language_override,omitempty"`
	CustomAttributes       map[string]any `json:"custom_attributes,omitempty"`
	Avatar                 *Avatar        `json:"avatar,omitempty"`
	Tags                   *ContactTags   `json:"tags,omitempty"`
	// Notes embeds the count of the contact's notes (NotesService lists them).
	Notes *ContactNotes `json:"notes,omitempty"`
	// The contact's explicit subscription preferences (see
	// SubscriptionTypesService).
	OptedOutSubscriptionTypes *ContactSubscriptionTypes `json:"opted_out_subscription_types,omitempty"`
	OptedInSubscriptionTypes  *ContactSubscriptionTypes `json:"opted_in_subscription_types,omitempty"`
	// Companies are the first companies the contact is attached to (see
	// CompaniesService.ListAttached for all of them).
	Companies *ContactCompanies `json:"companies,omitempty"`
}

// Avatar is a contact's picture.
type Avatar struct {
	Type     string `json:"type,omitempty"`
	ImageURL string `json:"image_url,omitempty"`
}

// ContactTags is the first tags of a contact (Intercom embeds up to 10);
// HasMore says ContactsService.ListTags must be asked for the rest.
type ContactTags struct {
	Data       []Reference `json:"data"`
	URL        string      `json:"url,omitempty"`
	TotalCount int         `json:"total_count"`
	HasMore    bool        `json:"has_more"`
}

// Reference points at another object by id.
type Reference struct {
	Type string `json:"type,omitempty"`
	ID   string `json:"id"`
	URL  string `json:"url,omitempty"`
}

// ContactList is one page of contacts.
type ContactList struct {
	Type       string       `json:"type,omitempty"`
	Data       []*Contact   `json:"data"`
	TotalCount int          `json:"total_count"`
	Pages      *cursorPages `json:"pages,omitempty"`
}

// ContactRequest creates or updates a contact. Fields left nil or empty are
// not sent (on update: not changed).
type ContactRequest struct {
	Role                   string  `json:"role,omitempty"`
	ExternalID             string  `json:"external_id,omitempty"`
	Email                  string  `json:"email,omitempty"`
	Phone                  *string `json:"phone,omitempty"`
	Name                   *string `json:"name,omitempty"`
	Avatar                 *string `json:"avatar,omitempty"`
	SignedUpAt             *int64  `json:"signed_up_at,omitempty"`
	LastSeenAt             *int64  `json:"last_seen_at,omitempty"`
	OwnerID                *int64  `json:"owner_id,omitempty"`
	UnsubscribedFromEmails *bool   `json:"unsubscribed_from_emails,omitempty"`
	// CustomAttributes are set as given; a nil value clears an attribute.
	CustomAttributes map[string]any `json:"custom_attributes,omitempty"`
	// Clear lists fields to set to null, on update: "phone", "name",
	// "avatar", "signed_up_at", "last_seen_at", "owner_id". A field both set
	// and cleared is an error.
	Clear []string `json:"-"`
}

// clearable are the fields of ContactRequest that Intercom lets a request
// set to null.
var clearable = map[string]bool{"phone": true, "name": true, "avatar": true, "signed_up_at": true, "last_seen_at": true, "owner_id": true}

// MarshalJSON adds the Clear fields as nulls.
func (r ContactRequest) MarshalJSON() ([]byte, error) {
	type plain ContactRequest
	b, err := json.Marshal(plain(r))
	if err != nil || len(r.Clear) == 0 {
		return b, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for _, f := range r.Clear {
		if !clearable[f] {
			return nil, fmt.Errorf("intercom: contact field %q cannot be cleared", f)
		}
		if _, set := m[f]; set {
			return nil, fmt.Errorf("intercom: contact field %q both set and cleared", f)
		}
		m[f] = json.RawMessage("null")
	}
	return json.Marshal(m)
}

// Ptr returns a pointer to v, for the optional fields of requests.
func Ptr[T any](v T) *T { return &v }

// List reads one page of contacts: GET /contacts. Response.NextCursor is the
// next page's cursor.
func (s *ContactsService) List(ctx context.Context, opts *ListOptions) (*ContactList, *Response, error) {
	if err := opts.validate(); err != nil {
		return nil, nil, err
	}
	return s.page(ctx, "GET", "contacts", opts.query(), nil)
}

// All streams every contact, page by page (MaxPerPage per page unless
// opts.PerPage says otherwise), starting at opts.StartingAfter. A failing
// page ends the sequence with its error.
func (s *ContactsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[*Contact, error] {
	return iterate(ctx, opts, func(ctx context.Context, o ListOptions) ([]*Contact, *Response, error) {
		l, resp, err := s.List(ctx, &o)
		if err != nil {
			return nil, resp, err
		}
		return l.Data, resp, nil
	})
}

// Filter is a search query: a single condition {Field, Operator, Value} or a
// group {Operator: AND|OR, Value: []Filter}. Build them with Eq, And and Or,
// or by hand for the other operators (!=, IN, NIN, <, <=, >, >=, ~, !~, ^,
// $). Intercom allows groups nested two deep and 15 filters per group.
type Filter struct {
	Field    string `json:"field,omitempty"`
	Operator string `json:"operator"`
	Value    any    `json:"value"`
}

// Eq is field = value.
func Eq(field string, value any) Filter { return Filter{Field: field, Operator: "=", Value: value} }

// And is true when every filter is.
func And(filters ...Filter) Filter { return Filter{Operator: "AND", Value: filters} }

// Or is true when any filter is.
func Or(filters ...Filter) Filter { return Filter{Operator: "OR", Value: filters} }

type searchPagination struct {
	PerPage       int    `json:"per_page,omitempty"`
	StartingAfter string `json:"starting_after,omitempty"`
}

type searchRequest struct {
	Query      Filter            `json:"query"`
	Pagination *searchPagination `json:"pagination,omitempty"`
}

// newSearchRequest checks a search and builds its body, shared by every
// POST /{resource}/search: a search takes its paging in the body, not in the
// query.
func newSearchRequest(q Filter, opts *ListOptions) (searchRequest, error) {
	if q.Operator == "" {
		return searchRequest{}, errors.New("intercom: search query without an operator")
	}
	if err := opts.validate(); err != nil {
		return searchRequest{}, err
	}
	body := searchRequest{Query: q}
	if opts != nil && (opts.PerPage > 0 || opts.StartingAfter != "") {
		body.Pagination = &searchPagination{PerPage: opts.PerPage, StartingAfter: opts.StartingAfter}
	}
	return body, nil
}

// Search reads one page of the contacts matching q: POST /contacts/search.
// Intercom's search is eventually consistent: a contact created moments ago
// may be missing.
func (s *ContactsService) Search(ctx context.Context, q Filter, opts *ListOptions) (*ContactList, *Response, error) {
	body, err := newSearchRequest(q, opts)
	if err != nil {
		return nil, nil, err
	}
	return s.page(ctx, "POST", "contacts/search", nil, body)
}

// SearchAll streams every contact matching q, page by page (MaxPerPage per
// page unless opts.PerPage says otherwise). A failing page ends the sequence
// with its error.
func (s *ContactsService) SearchAll(ctx context.Context, q Filter, opts *ListOptions) iter.Seq2[*Contact, error] {
	return iterate(ctx, opts, searchPages(s.Search, q, (*ContactList).cursorPage))
}

func (s *ContactsService) page(ctx context.Context, method, path string, q url.Values, body any) (*ContactList, *Response, error) {
	return callCursorPage(ctx, s.client, method, path, q, body, (*ContactList).cursorPage)
}

func (l *ContactList) cursorPage() ([]*Contact, *cursorPages) { return l.Data, l.Pages }

// Get reads one contact: GET /contacts/{id}.
func (s *ContactsService) Get(ctx context.Context, id string) (*Contact, *Response, error) {
	if id == "" {
		return nil, nil, errors.New("intercom: empty contact id")
	}
	return s.one(ctx, "GET", "contacts/"+pathSegment(id), nil)
}

// FindByExternalID reads the user with that external id:
// GET /contacts/find_by_external_id/{external_id}. Leads are not found this
// way (Intercom's rule).
func (s *ContactsService) FindByExternalID(ctx context.Context, externalID string) (*Contact, *Response, error) {
	if externalID == "" {
		return nil, nil, errors.New("intercom: empty external id")
	}
	return s.one(ctx, "GET", "contacts/find_by_external_id/"+pathSegment(externalID), nil)
}

// Create makes a contact: POST /contacts. A contact that exists already
// (same email for a user, same external id) answers a *ConflictError whose
// ExistingID names it.
func (s *ContactsService) Create(ctx context.Context, r *ContactRequest) (*Contact, *Response, error) {
	if r == nil || r.Email == "" && r.ExternalID == "" && r.Role == "" {
		return nil, nil, errors.New("intercom: a new contact needs an email, an external id or a role")
	}
	return s.one(ctx, "POST", "contacts", r)
}

// Update changes a contact: PUT /contacts/{id}.
func (s *ContactsService) Update(ctx context.Context, id string, r *ContactRequest) (*Contact, *Response, error) {
	if id == "" {
		return nil, nil, errors.New("intercom: empty contact id")
	}
	if r == nil {
		return nil, nil, errors.New("intercom: nil contact update")
	}
	return s.one(ctx, "PUT", "contacts/"+pathSegment(id), r)
}

// ListTags returns every tag of a contact: GET /contacts/{id}/tags. Needed
// when Contact.Tags.HasMore says the embedded list was cut.
func (s *ContactsService) ListTags(ctx context.Context, id string) ([]*Tag, *Response, error) {
	if id == "" {
		return nil, nil, errors.New("intercom: empty contact id")
	}
	return callData[Tag](ctx, s.client, "contacts/"+pathSegment(id)+"/tags", nil)
}

func (s *ContactsService) one(ctx context.Context, method, path string, body any) (*Contact, *Response, error) {
	return callDecode[Contact](ctx, s.client, method, path, nil, body, nil)
}
