package intercom

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strings"
)

// TicketTypesService reads and writes ticket types and their attributes,
// and reads ticket states (which the API cannot create).
type TicketTypesService service

// TicketsService reads, searches and writes tickets.
type TicketsService service

// Ticket type categories.
const (
	TicketCategoryCustomer   = "Customer"
	TicketCategoryBackOffice = "Back-office"
	TicketCategoryTracker    = "Tracker"
)

// The default attributes every ticket type has.
const (
	TicketTitleAttribute       = "_default_title_"
	TicketDescriptionAttribute = "_default_description_"
)

// TicketType is a kind of ticket with the attributes it captures.
type TicketType struct {
	Type        string `json:"type,omitempty"`
	ID          string `json:"id"`
	Category    string `json:"category,omitempty"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Icon        string `json:"icon,omitempty"`
	WorkspaceID string `json:"workspace_id,omitempty"`
	Archived    bool   `json:"archived,omitempty"`
	IsInternal  bool   `json:"is_internal,omitempty"`
	CreatedAt   int64  `json:"created_at,omitempty"`
	UpdatedAt   int64  `json:"updated_at,omitempty"`
	// TicketTypeAttributes: see Attributes.
	TicketTypeAttributes *TicketTypeAttributeList `json:"ticket_type_attributes,omitempty"`
	TicketStates         *TicketStateList         `json:"ticket_states,omitempty"`
}

// Attributes returns the type's attributes.
func (t *TicketType) Attributes() []*TicketTypeAttribute {
	if t == nil || t.TicketTypeAttributes == nil {
		return nil
	}
	return t.TicketTypeAttributes.Items()
}

// TicketTypeAttributeList holds a ticket type's attributes. The 2.14
// description names the array ticket_type_attributes while its examples
// (Intercom's answers) name it data: both are read.
type TicketTypeAttributeList struct {
	Type                 string                 `json:"type,omitempty"`
	Data                 []*TicketTypeAttribute `json:"data,omitempty"`
	TicketTypeAttributes []*TicketTypeAttribute `json:"ticket_type_attributes,omitempty"`
}

// Items returns the attributes, whichever name they came under.
func (l *TicketTypeAttributeList) Items() []*TicketTypeAttribute {
	if l == nil {
		return nil
	}
	if len(l.Data) > 0 {
		return l.Data
	}
	return l.TicketTypeAttributes
}

// TicketTypeAttribute is one field of a ticket type.
type TicketTypeAttribute struct {
	Type        string `json:"type,omitempty"`
	ID          string `json:"id"`
	WorkspaceID string `json:"workspace_id,omitempty"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// DataType is string, list, integer, decimal, boolean, datetime or files.
	DataType string `json:"data_type"`
	// InputOptions: multiline for strings; list_options for lists.
	InputOptions                map[string]any `json:"input_options,omitempty"`
	Order                       int            `json:"order,omitempty"`
	RequiredToCreate            bool           `json:"required_to_create,omitempty"`
	RequiredToCreateForContacts bool           `json:"required_to_create_for_contacts,omitempty"`
	VisibleOnCreate             bool           `json:"visible_on_create,omitempty"`
	VisibleToContacts           bool           `json:"visible_to_contacts,omitempty"`
	// Default marks the built-in attributes (title and description).
	Default      bool  `json:"default,omitempty"`
	TicketTypeID int64 `json:"ticket_type_id,omitempty"`
	Archived     bool  `json:"archived,omitempty"`
	CreatedAt    int64 `json:"created_at,omitempty"`
	UpdatedAt    int64 `json:"updated_at,omitempty"`
}

// ListOption is one item of a list attribute.
type ListOption struct {
	ID       string `json:"id"`
	Label    string `json:"label"`
	Archived bool   `json:"archived,omitempty"`
}

// ListOptions returns a list attribute's items (input_options.list_options).
func (a *TicketTypeAttribute) ListOptions() []ListOption {
	raw, ok := a.InputOptions["list_options"]
	if !ok {
		return nil
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return nil
	}
	var out []ListOption
	if json.Unmarshal(b, &out) != nil {
		return nil
	}
	return out
}

// Multiline reports input_options.multiline.
func (a *TicketTypeAttribute) Multiline() bool {
	b, _ := a.InputOptions["multiline"].(bool)
	return b
}

// TicketState is a state a ticket can be in.
type TicketState struct {
	Type string `json:"type,omitempty"`
	ID   string `json:"id"`
	// Category is submitted, in_progress, waiting_on_customer or resolved.
	Category      string `json:"category"`
	InternalLabel string `json:"internal_label,omitempty"`
	ExternalLabel string `json:"external_label,omitempty"`
	Archived      bool   `json:"archived,omitempty"`
	// TicketTypes are the types using the state (GET /ticket_states only).
	TicketTypes *struct {
		Type string        `json:"type,omitempty"`
		Data []*TicketType `json:"data"`
	} `json:"ticket_types,omitempty"`
}

// TicketStateList is a list of ticket states.
type TicketStateList struct {
	Type string         `json:"type,omitempty"`
	Data []*TicketState `json:"data"`
}

// List returns every ticket type: GET /ticket_types (not paged).
func (s *TicketTypesService) List(ctx context.Context) ([]*TicketType, *Response, error) {
	return callData[TicketType](ctx, s.client, "ticket_types", nil)
}

// Get reads a ticket type: GET /ticket_types/{id}.
func (s *TicketTypesService) Get(ctx context.Context, id string) (*TicketType, *Response, error) {
	if id == "" {
		return nil, nil, errors.New("intercom: empty ticket type id")
	}
	return s.one(ctx, "GET", "ticket_types/"+pathSegment(id), nil)
}

// TicketTypeRequest creates or updates a ticket type.
type TicketTypeRequest struct {
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	Category    string `json:"category,omitempty"`
	Icon        string `json:"icon,omitempty"`
	IsInternal  *bool  `json:"is_internal,omitempty"`
	// Archived is for updates.
	Archived *bool `json:"archived,omitempty"`
}

// Create makes a ticket type (with the default title and description
// attributes): POST /ticket_types.
func (s *TicketTypesService) Create(ctx context.Context, r *TicketTypeRequest) (*TicketType, *Response, error) {
	if r == nil || r.Name == "" {
		return nil, nil, errors.New("intercom: a ticket type needs a name")
	}
	if r.Archived != nil {
		return nil, nil, errors.New("intercom: archived is set by Update, not Create")
	}
	return s.one(ctx, "POST", "ticket_types", r)
}

// Update changes a ticket type: PUT /ticket_types/{id}.
func (s *TicketTypesService) Update(ctx context.Context, id string, r *TicketTypeRequest) (*TicketType, *Response, error) {
	if id == "" || r == nil {
		return nil, nil, errors.New("intercom: a ticket type update needs an id and a request")
	}
	return s.one(ctx, "PUT", "ticket_types/"+pathSegment(id), r)
}

func (s *TicketTypesService) one(ctx context.Context, method, path string, body any) (*TicketType, *Response, error) {
	return callDecode[TicketType](ctx, s.client, method, path, nil, body, nil)
}

// TicketTypeAttributeRequest creates or updates a ticket type attribute.
type TicketTypeAttributeRequest struct {
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	// DataType (creation only): string, list, integer, decimal, boolean,
	// datetime or files.
	DataType                    string `json:"data_type,omitempty"`
	RequiredToCreate            *bool  `json:"required_to_create,omitempty"`
	RequiredToCreateForContacts *bool  `json:"required_to_create_for_contacts,omitempty"`
	VisibleOnCreate             *bool  `json:"visible_on_create,omitempty"`
	VisibleToContacts           *bool  `json:"visible_to_contacts,omitempty"`
	Multiline                   *bool  `json:"multiline,omitempty"`
	// ListItems are a list attribute's items, sent comma-separated.
	ListItems           []string `json:"-"`
	AllowMultipleValues *bool    `json:"allow_multiple_values,omitempty"`
	// Archived is for updates.
	Archived *bool `json:"archived,omitempty"`
}

// MarshalJSON joins ListItems into Intercom's comma-separated list_items.
func (r TicketTypeAttributeRequest) MarshalJSON() ([]byte, error) {
	type plain TicketTypeAttributeRequest
	out := struct {
		plain
		ListItems string `json:"list_items,omitempty"`
	}{plain: plain(r)}
	for _, it := range r.ListItems {
		if strings.Contains(it, ",") {
			return nil, fmt.Errorf("intercom: list item %q contains a comma, which Intercom's list_items cannot carry", it)
		}
	}
	out.ListItems = strings.Join(r.ListItems, ",")
	return json.Marshal(out)
}

// CreateAttribute adds an attribute to a ticket type:
// POST /ticket_types/{id}/attributes.
func (s *TicketTypesService) CreateAttribute(ctx context.Context, typeID string, r *TicketTypeAttributeRequest) (*TicketTypeAttribute, *Response, error) {
	if typeID == "" || r == nil || r.Name == "" || r.DataType == "" {
		return nil, nil, errors.New("intercom: a ticket type attribute needs the type's id, a name and a data type")
	}
	if r.Description == "" {
		// Intercom requires a description.
		r2 := *r
		r2.Description = r.Name
		r = &r2
	}
	return s.attribute(ctx, "POST", "ticket_types/"+pathSegment(typeID)+"/attributes", r)
}

// UpdateAttribute changes a ticket type attribute:
// PUT /ticket_types/{id}/attributes/{attribute_id}.
func (s *TicketTypesService) UpdateAttribute(ctx context.Context, typeID, attrID string, r *TicketTypeAttributeRequest) (*TicketTypeAttribute, *Response, error) {
	if typeID == "" || attrID == "" || r == nil {
		return nil, nil, errors.New("intercom: a ticket type attribute update needs the ids and a request")
	}
	if r.DataType != "" {
		return nil, nil, errors.New("intercom: an attribute's data type cannot change")
	}
	return s.attribute(ctx, "PUT", "ticket_types/"+pathSegment(typeID)+"/attributes/"+pathSegment(attrID), r)
}

func (s *TicketTypesService) attribute(ctx context.Context, method, path string, r *TicketTypeAttributeRequest) (*TicketTypeAttribute, *Response, error) {
	return callDecode[TicketTypeAttribute](ctx, s.client, method, path, nil, r, nil)
}

// ListStates returns every ticket state of the workspace: GET
// /ticket_states. The API cannot create states: a migration matches them.
func (s *TicketTypesService) ListStates(ctx context.Context) ([]*TicketState, *Response, error) {
	return callData[TicketState](ctx, s.client, "ticket_states", nil)
}

// Ticket is a ticket; TicketParts is set when it was read with Get.
type Ticket struct {
	Type string `json:"type,omitempty"`
	ID   string `json:"id"`
	// TicketID is the number shown in the inbox (not for API calls).
	TicketID         string                `json:"ticket_id,omitempty"`
	Category         string                `json:"category,omitempty"`
	TicketAttributes map[string]any        `json:"ticket_attributes,omitempty"`
	TicketState      *TicketState          `json:"ticket_state,omitempty"`
	TicketType       *TicketType           `json:"ticket_type,omitempty"`
	Contacts         *ConversationContacts `json:"contacts,omitempty"`
	AdminAssigneeID  string                `json:"admin_assignee_id,omitempty"`
	TeamAssigneeID   string                `json:"team_assignee_id,omitempty"`
	CreatedAt        int64                 `json:"created_at,omitempty"`
	UpdatedAt        int64                 `json:"updated_at,omitempty"`
	Open             bool                  `json:"open"`
	SnoozedUntil     int64                 `json:"snoozed_until,omitempty"`
	IsShared         bool                  `json:"is_shared,omitempty"`
	TicketParts      *TicketPartList       `json:"ticket_parts,omitempty"`
}

// UnmarshalJSON accepts admin_assignee_id and team_assignee_id as strings
// (the description) or numbers (as conversations carry them).
func (t *Ticket) UnmarshalJSON(b []byte) error {
	type plain Ticket
	var raw struct {
		plain
		AdminAssigneeID json.RawMessage `json:"admin_assignee_id"`
		TeamAssigneeID  json.RawMessage `json:"team_assignee_id"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // attribute values keep their exact numbers
	if err := dec.Decode(&raw); err != nil {
		return err
	}
	*t = Ticket(raw.plain)
	t.AdminAssigneeID = idString(raw.AdminAssigneeID)
	t.TeamAssigneeID = idString(raw.TeamAssigneeID)
	return nil
}

// idString reads an id given as a string, a number or null ("" and "0"
// meaning none).
func idString(raw json.RawMessage) string {
	s := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	if s == "null" || s == "0" {
		return ""
	}
	return s
}

// Parts returns the parts read with the ticket.
func (t *Ticket) Parts() []*TicketPart {
	if t == nil || t.TicketParts == nil {
		return nil
	}
	return t.TicketParts.TicketParts
}

// PartsTruncated reports whether Intercom left parts out (it returns 500,
// as for conversations: see partsTruncated).
func (t *Ticket) PartsTruncated() bool {
	return t != nil && t.TicketParts != nil && partsTruncated(t.TicketParts.TotalCount, len(t.Parts()))
}

// TicketPart is one message or event of a ticket.
type TicketPart struct {
	Type     string `json:"type,omitempty"`
	ID       string `json:"id"`
	PartType string `json:"part_type"`
	Body     string `json:"body,omitempty"`
	// PreviousTicketState and TicketState are state categories, on state
	// changes.
	PreviousTicketState string           `json:"previous_ticket_state,omitempty"`
	TicketState         string           `json:"ticket_state,omitempty"`
	CreatedAt           int64            `json:"created_at,omitempty"`
	UpdatedAt           int64            `json:"updated_at,omitempty"`
	AssignedTo          *Reference       `json:"assigned_to,omitempty"`
	Author              *PartAuthor      `json:"author,omitempty"`
	Attachments         []PartAttachment `json:"attachments,omitempty"`
	ExternalID          string           `json:"external_id,omitempty"`
	Redacted            bool             `json:"redacted,omitempty"`
}

// TicketPartList is a ticket's parts, oldest first.
type TicketPartList struct {
	Type        string        `json:"type,omitempty"`
	TicketParts []*TicketPart `json:"ticket_parts"`
	TotalCount  int           `json:"total_count"`
}

// TicketList is one page of tickets.
type TicketList struct {
	Type       string       `json:"type,omitempty"`
	Tickets    []*Ticket    `json:"tickets"`
	TotalCount int          `json:"total_count"`
	Pages      *cursorPages `json:"pages,omitempty"`
}

// Get reads a ticket with its parts: GET /tickets/{id}.
func (s *TicketsService) Get(ctx context.Context, id string) (*Ticket, *Response, error) {
	if id == "" {
		return nil, nil, errors.New("intercom: empty ticket id")
	}
	return s.one(ctx, "GET", "tickets/"+pathSegment(id), nil)
}

// Search reads one page of the tickets matching q: POST /tickets/search.
// The API has no list of tickets: a search on created_at lists them all.
func (s *TicketsService) Search(ctx context.Context, q Filter, opts *ListOptions) (*TicketList, *Response, error) {
	body, err := newSearchRequest(q, opts)
	if err != nil {
		return nil, nil, err
	}
	return callCursorPage(ctx, s.client, "POST", "tickets/search", nil, body, (*TicketList).cursorPage)
}

func (l *TicketList) cursorPage() ([]*Ticket, *cursorPages) { return l.Tickets, l.Pages }

// AllTickets matches every ticket (created_at > 0), for Search.
var AllTickets = Filter{Field: "created_at", Operator: ">", Value: 0}

// SearchAll streams every ticket matching q.
func (s *TicketsService) SearchAll(ctx context.Context, q Filter, opts *ListOptions) iter.Seq2[*Ticket, error] {
	return iterate(ctx, opts, searchPages(s.Search, q, (*TicketList).cursorPage))
}

// TicketContact names the contact of a new ticket.
type TicketContact struct {
	ID         string `json:"id,omitempty"`
	ExternalID string `json:"external_id,omitempty"`
	Email      string `json:"email,omitempty"`
}

// TicketAssignment assigns a new ticket.
type TicketAssignment struct {
	AdminAssigneeID string `json:"admin_assignee_id,omitempty"`
	TeamAssigneeID  string `json:"team_assignee_id,omitempty"`
}

// CreateTicketRequest makes a ticket.
type CreateTicketRequest struct {
	TicketTypeID string          `json:"ticket_type_id"`
	Contacts     []TicketContact `json:"contacts"`
	CompanyID    string          `json:"company_id,omitempty"`
	// CreatedAt (Unix seconds) dates the ticket in the past; 0 means now.
	CreatedAt int64 `json:"created_at,omitempty"`
	// TicketAttributes by name; a list attribute takes its item's id.
	TicketAttributes  map[string]any    `json:"ticket_attributes,omitempty"`
	Assignment        *TicketAssignment `json:"assignment,omitempty"`
	SkipNotifications bool              `json:"skip_notifications,omitempty"`
}

// Create makes a ticket: POST /tickets.
func (s *TicketsService) Create(ctx context.Context, r *CreateTicketRequest) (*Ticket, *Response, error) {
	if r == nil || r.TicketTypeID == "" || len(r.Contacts) == 0 {
		return nil, nil, errors.New("intercom: a ticket needs a ticket type and a contact")
	}
	return s.one(ctx, "POST", "tickets", r)
}

// UpdateTicketRequest changes a ticket. Nil fields are not sent.
type UpdateTicketRequest struct {
	TicketAttributes map[string]any `json:"ticket_attributes,omitempty"`
	TicketStateID    string         `json:"ticket_state_id,omitempty"`
	Open             *bool          `json:"open,omitempty"`
	IsShared         *bool          `json:"is_shared,omitempty"`
	SnoozedUntil     int64          `json:"snoozed_until,omitempty"`
	// AdminID is the admin performing the update.
	AdminID int64 `json:"admin_id,omitempty"`
	// AssigneeID is the admin or team to assign to; "0" unassigns.
	AssigneeID        string `json:"assignee_id,omitempty"`
	SkipNotifications bool   `json:"skip_notifications,omitempty"`
}

// Update changes a ticket's state, assignee and attributes: PUT
// /tickets/{id}.
func (s *TicketsService) Update(ctx context.Context, id string, r *UpdateTicketRequest) (*Ticket, *Response, error) {
	if id == "" || r == nil {
		return nil, nil, errors.New("intercom: a ticket update needs an id and a request")
	}
	return s.one(ctx, "PUT", "tickets/"+pathSegment(id), r)
}

// Reply adds a comment or a note to a ticket: POST /tickets/{id}/reply.
// The answer is the new part.
func (s *TicketsService) Reply(ctx context.Context, id string, r *ReplyRequest) (*TicketPart, *Response, error) {
	path, err := replyPath("tickets", "ticket", id, r)
	if err != nil {
		return nil, nil, err
	}
	return callDecode[TicketPart](ctx, s.client, "POST", path, nil, r, nil)
}

func (s *TicketsService) one(ctx context.Context, method, path string, body any) (*Ticket, *Response, error) {
	return callDecode(ctx, s.client, method, path, nil, body, func(resp *Response, t *Ticket) error {
		return noNullItems(resp, t.Parts())
	})
}
