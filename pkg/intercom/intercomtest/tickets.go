package intercomtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Ticket types with their attributes, ticket states, and tickets with their
// parts.
//
// Modelled rules:
//   - A new ticket type gets the default attributes _default_title_
//     (required to create) and _default_description_ (multiline). Names of
//     ticket types are unique ignoring case, and attribute names within a
//     type (400 parameter_invalid; the sandbox's choice of code).
//   - A list attribute is created with list_items, a comma-separated list;
//     its items get ids (input_options.list_options: [{id, label,
//     archived}]). On a ticket a list attribute takes its item's id, as
//     Intercom documents, and reads back as the item's label.
//   - Ticket states cannot be created through the API. Every sandbox
//     workspace has Intercom's four default states and a custom "With Dev
//     Team"; seeded (non-empty) workspaces also have "Awaiting vendor", which
//     a new workspace lacks: a migration must match states and report the
//     ones it cannot.
//   - GET /ticket_types and a ticket's ticket_type list the attributes as
//     {"type": "list", "data": [...]}, as Intercom's answers (the
//     description's examples) do; the description's schema calls the array
//     ticket_type_attributes.
//   - POST /tickets: one contact ({id} or {external_id}), created_at in the
//     past, ticket_attributes checked against the type (unknown: 400; a
//     required one missing: 400; a value of the wrong type: 400), an
//     optional assignment. The ticket starts in the first submitted state,
//     open, without parts.
//   - PUT /tickets/{id}: ticket_state_id, open, snoozed_until (future),
//     assignee_id ("0" unassigns; teams: 404), ticket_attributes. A state
//     change adds a ticket_state_updated_by_admin part, an assignment an
//     assignment part, opening and closing open and close parts, all dated
//     now.
//   - POST /tickets/{id}/reply: comment or note, as for conversations; the
//     answer is the new part (ticket_reply).
//   - The ticket schema has no tags: tickets can be tagged but their tags
//     cannot be read, so the sandbox does not keep them.
//   - POST /tickets/search: fields id, ticket_type_id, contact_ids,
//     admin_assignee_id, state (category), category (strings); created_at,
//     updated_at (dates); open (boolean); as for conversations.

type listOpt struct {
	id, label string
	archived  bool
}

type ticketAttr struct {
	id                               int64
	typeID                           int64
	name, description, dataType      string
	options                          []listOpt
	multiline, allowMultiple         bool
	order                            int
	required, requiredContacts       bool
	visibleOnCreate, visibleContacts bool
	isDefault, archived              bool
	createdAt, updatedAt             int64
}

type ticketType struct {
	id                                int64
	name, description, category, icon string
	internal, archived                bool
	attrs                             []*ticketAttr
	createdAt, updatedAt              int64
}

type ticketState struct {
	id                           int64
	category, internal, external string
	archived                     bool
}

type ticketPart struct {
	id                   int64
	partType, body       string
	prevState, state     string // categories, on state changes
	createdAt, updatedAt int64
	authorType, authorID string // admin, user, bot
	assignType, assignID string
	attachments          []attachment
}

type ticket struct {
	seq, number          int64
	id                   string
	typeID               int64
	attrs                map[string]any // by name; list items by id
	stateID              int64
	contacts             []string
	adminAssign          string // "" for none
	createdAt, updatedAt int64
	open                 bool
	snoozedTill          int64
	parts                []*ticketPart
}

type ticketStore struct {
	types     []*ticketType
	states    []*ticketState
	tickets   []*ticket // creation order
	byID      map[string]*ticket
	nextID    int64 // types, attributes, states, parts
	nextSeq   int64
	idBase    int64
	nextNo    int64
	optSerial uint64
}

func (s *Sandbox) ticketStore() *ticketStore { return s.stores["tickets"].(*ticketStore) }

func init() {
	registerEntity(entityDef{
		name:     "tickets",
		order:    85,
		newStore: func() any { return &ticketStore{byID: map[string]*ticket{}, nextSeq: 1} },
		seed:     seedTickets,
		count:    func(s *Sandbox) int { return len(s.ticketStore().tickets) },
		records: func(s *Sandbox) []any {
			return recordsOf(s.ticketStore().tickets, func(t *ticket) any { return s.ticketView(t, true) })
		},
		routes: []route{
			{method: "GET", path: "/ticket_types", handler: listTicketTypes},
			{method: "POST", path: "/ticket_types", write: true, handler: createTicketType},
			{method: "GET", path: "/ticket_types/{ticket_type_id}", handler: getTicketType},
			{method: "PUT", path: "/ticket_types/{ticket_type_id}", write: true, handler: updateTicketType},
			{method: "POST", path: "/ticket_types/{ticket_type_id}/attributes", write: true, handler: createTicketTypeAttribute},
			{method: "PUT", path: "/ticket_types/{ticket_type_id}/attributes/{attribute_id}", write: true, handler: updateTicketTypeAttribute},
			{method: "GET", path: "/ticket_states", handler: listTicketStates},
			{method: "POST", path: "/tickets", write: true, handler: createTicket},
			{method: "GET", path: "/tickets/{ticket_id}", handler: getTicket},
			{method: "PUT", path: "/tickets/{ticket_id}", write: true, handler: updateTicket},
			{method: "POST", path: "/tickets/{ticket_id}/reply", write: true, handler: replyTicket},
			{method: "POST", path: "/tickets/search", handler: searchTickets},
		},
	})
}

// Ticket states every workspace has: Intercom's defaults and one custom.
var baseTicketStates = []ticketState{
	{category: "submitted", internal: "Submitted", external: "Submitted"},
	{category: "in_progress", internal: "In progress", external: "In progress"},
	{category: "waiting_on_customer", internal: "Waiting on customer", external: "Awaiting your reply"},
	{category: "resolved", internal: "Resolved", external: "Resolved"},
	{category: "in_progress", internal: "With Dev Team", external: "In progress"},
}

// seededOnlyTicketStates exist in seeded workspaces only.
var seededOnlyTicketStates = []ticketState{
	{category: "waiting_on_customer", internal: "Awaiting vendor", external: "Waiting on a partner"},
}

func (st *ticketStore) init(salt uint64) {
	st.nextID = 1000 + int64(salt%9000)*100
	st.idBase = 200000000 + int64(salt%800000)*1000
	st.nextNo = 1
	st.optSerial = salt
}

func (st *ticketStore) newID() int64 {
	st.nextID++
	return st.nextID
}

// newOptionID makes a list item id shaped like Intercom's (a UUID).
func (st *ticketStore) newOptionID() string {
	st.optSerial = mix64(st.optSerial + 0x9e3779b97f4a7c15)
	a, b := st.optSerial, mix64(st.optSerial^0xabcdef)
	h := fmt.Sprintf("%016x%016x", a, b)
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

func (st *ticketStore) addState(s ticketState) *ticketState {
	s.id = st.newID()
	st.states = append(st.states, &s)
	return &s
}

func (st *ticketStore) state(id int64) *ticketState {
	return first(st.states, func(s *ticketState) bool { return s.id == id })
}

func (st *ticketStore) typ(id int64) *ticketType {
	return first(st.types, func(t *ticketType) bool { return t.id == id })
}

func (st *ticketStore) typeByName(name string) *ticketType {
	return first(st.types, func(t *ticketType) bool { return strings.EqualFold(t.name, name) })
}

func (st *ticketStore) firstState(category string) *ticketState {
	return first(st.states, func(s *ticketState) bool { return s.category == category && !s.archived })
}

// newType makes a type with its default attributes.
func (st *ticketStore) newType(name, description, category, icon string, internal bool, now int64) *ticketType {
	t := &ticketType{id: st.newID(), name: name, description: description, category: category, icon: icon, internal: internal, createdAt: now, updatedAt: now}
	t.attrs = append(t.attrs,
		&ticketAttr{id: st.newID(), typeID: t.id, name: "_default_title_", dataType: "string", order: 0, required: true, visibleOnCreate: true, visibleContacts: true, isDefault: true, createdAt: now, updatedAt: now},
		&ticketAttr{id: st.newID(), typeID: t.id, name: "_default_description_", dataType: "string", multiline: true, order: 1, visibleOnCreate: true, visibleContacts: true, isDefault: true, createdAt: now, updatedAt: now},
	)
	st.types = append(st.types, t)
	return t
}

func (t *ticketType) attr(name string) *ticketAttr {
	return first(t.attrs, func(a *ticketAttr) bool { return a.name == name })
}

func (a *ticketAttr) option(id string) *listOpt {
	return firstRef(a.options, func(o *listOpt) bool { return o.id == id })
}

// Views.

type ticketAttrView struct {
	Type              string         `json:"type"`
	ID                string         `json:"id"`
	WorkspaceID       string         `json:"workspace_id"`
	Name              string         `json:"name"`
	Description       string         `json:"description"`
	DataType          string         `json:"data_type"`
	InputOptions      map[string]any `json:"input_options"`
	Order             int            `json:"order"`
	Required          bool           `json:"required_to_create"`
	RequiredContacts  bool           `json:"required_to_create_for_contacts"`
	VisibleOnCreate   bool           `json:"visible_on_create"`
	VisibleToContacts bool           `json:"visible_to_contacts"`
	Default           bool           `json:"default"`
	TicketTypeID      int64          `json:"ticket_type_id"`
	Archived          bool           `json:"archived"`
	CreatedAt         int64          `json:"created_at"`
	UpdatedAt         int64          `json:"updated_at"`
}

type ticketStateView struct {
	Type          string `json:"type"`
	ID            string `json:"id"`
	Category      string `json:"category"`
	InternalLabel string `json:"internal_label"`
	ExternalLabel string `json:"external_label"`
}

type ticketTypeView struct {
	Type        string `json:"type"`
	ID          string `json:"id"`
	Category    string `json:"category"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Icon        string `json:"icon"`
	WorkspaceID string `json:"workspace_id"`
	Attributes  struct {
		Type string           `json:"type"`
		Data []ticketAttrView `json:"data"`
	} `json:"ticket_type_attributes"`
	States struct {
		Type string            `json:"type"`
		Data []ticketStateView `json:"data"`
	} `json:"ticket_states"`
	Archived   bool  `json:"archived"`
	IsInternal bool  `json:"is_internal"`
	CreatedAt  int64 `json:"created_at"`
	UpdatedAt  int64 `json:"updated_at"`
}

func (s *Sandbox) ticketAttrView(a *ticketAttr) ticketAttrView {
	v := ticketAttrView{
		Type: "ticket_type_attribute", ID: strconv.FormatInt(a.id, 10), WorkspaceID: s.appID, Name: a.name,
		Description: a.description, DataType: a.dataType, Order: a.order, Required: a.required, RequiredContacts: a.requiredContacts,
		VisibleOnCreate: a.visibleOnCreate, VisibleToContacts: a.visibleContacts, Default: a.isDefault, TicketTypeID: a.typeID,
		Archived: a.archived, CreatedAt: a.createdAt, UpdatedAt: a.updatedAt,
	}
	switch a.dataType {
	case "string":
		v.InputOptions = map[string]any{"multiline": a.multiline}
	case "list":
		opts := make([]map[string]any, 0, len(a.options))
		for _, o := range a.options {
			opts = append(opts, map[string]any{"id": o.id, "label": o.label, "archived": o.archived})
		}
		v.InputOptions = map[string]any{"list_options": opts}
	case "files":
		v.InputOptions = map[string]any{"allow_multiple_values": a.allowMultiple}
	default:
		// Intercom's answers carry null here, which the description's
		// schema (an object, not nullable) refuses: the sandbox sends {}.
		v.InputOptions = map[string]any{}
	}
	return v
}

func stateView(st *ticketState) ticketStateView {
	return ticketStateView{Type: "ticket_state", ID: strconv.FormatInt(st.id, 10), Category: st.category, InternalLabel: st.internal, ExternalLabel: st.external}
}

func (s *Sandbox) ticketTypeView(t *ticketType) ticketTypeView {
	v := ticketTypeView{
		Type: "ticket_type", ID: strconv.FormatInt(t.id, 10), Category: t.category, Name: t.name, Description: t.description,
		Icon: t.icon, WorkspaceID: s.appID, Archived: t.archived, IsInternal: t.internal, CreatedAt: t.createdAt, UpdatedAt: t.updatedAt,
	}
	v.Attributes.Type, v.Attributes.Data = "list", make([]ticketAttrView, 0, len(t.attrs))
	for _, a := range t.attrs {
		v.Attributes.Data = append(v.Attributes.Data, s.ticketAttrView(a))
	}
	v.States.Type, v.States.Data = "list", []ticketStateView{}
	for _, st := range s.ticketStore().states {
		if !st.archived {
			v.States.Data = append(v.States.Data, stateView(st))
		}
	}
	return v
}

type ticketView struct {
	Type            string            `json:"type"`
	ID              string            `json:"id"`
	TicketID        string            `json:"ticket_id"`
	Category        string            `json:"category"`
	Attributes      map[string]any    `json:"ticket_attributes"`
	State           ticketStateView   `json:"ticket_state"`
	TicketType      ticketTypeView    `json:"ticket_type"`
	Contacts        convContactsView  `json:"contacts"`
	AdminAssigneeID string            `json:"admin_assignee_id"`
	TeamAssigneeID  string            `json:"team_assignee_id"`
	CreatedAt       int64             `json:"created_at"`
	UpdatedAt       int64             `json:"updated_at"`
	Open            bool              `json:"open"`
	SnoozedUntil    *int64            `json:"snoozed_until,omitempty"`
	LinkedObjects   linkedObjectsView `json:"linked_objects"`
	Parts           *ticketPartsView  `json:"ticket_parts,omitempty"`
	IsShared        bool              `json:"is_shared"`
}

type ticketPartsView struct {
	Type       string           `json:"type"`
	Parts      []ticketPartView `json:"ticket_parts"`
	TotalCount int              `json:"total_count"`
}

type ticketPartView struct {
	Type        string           `json:"type"`
	ID          string           `json:"id"`
	PartType    string           `json:"part_type"`
	Body        *string          `json:"body"`
	PrevState   string           `json:"previous_ticket_state,omitempty"`
	State       string           `json:"ticket_state,omitempty"`
	CreatedAt   int64            `json:"created_at"`
	UpdatedAt   int64            `json:"updated_at"`
	AssignedTo  *nullableRef     `json:"assigned_to,omitempty"`
	Author      partAuthorView   `json:"author"`
	Attachments []attachmentView `json:"attachments"`
	ExternalID  *string          `json:"external_id"`
	Redacted    bool             `json:"redacted"`
}

func (s *Sandbox) ticketPartView(p *ticketPart) ticketPartView {
	v := ticketPartView{
		Type: "ticket_part", ID: strconv.FormatInt(p.id, 10), PartType: p.partType, Body: strOrNil(p.body),
		PrevState: p.prevState, State: p.state, CreatedAt: p.createdAt, UpdatedAt: p.updatedAt,
		Author: s.authorView(p.authorType, p.authorID), Attachments: attachmentViews(p.attachments),
	}
	if v.Author.Type == "lead" || v.Author.Type == "contact" {
		v.Author.Type = "user" // the ticket part author enum: admin, bot, team, user
	}
	if p.assignType != "" {
		v.AssignedTo = &nullableRef{Type: p.assignType, ID: strOrNil(p.assignID)}
	}
	return v
}

// ticketAttrOut renders a stored value: a list item as its label.
func ticketAttrOut(t *ticketType, name string, v any) any {
	if a := t.attr(name); a != nil && a.dataType == "list" {
		if id, ok := v.(string); ok {
			if o := a.option(id); o != nil {
				return o.label
			}
		}
	}
	return v
}

func (s *Sandbox) ticketView(t *ticket, withParts bool) ticketView {
	st := s.ticketStore()
	typ := st.typ(t.typeID)
	v := ticketView{
		Type: "ticket", ID: t.id, TicketID: strconv.FormatInt(t.number, 10), Category: typ.category,
		Attributes: map[string]any{}, TicketType: s.ticketTypeView(typ),
		Contacts:        s.contactRefs(t.contacts),
		AdminAssigneeID: "0", TeamAssigneeID: "0", CreatedAt: t.createdAt, UpdatedAt: t.updatedAt, Open: t.open,
		LinkedObjects: linkedObjectsView{Type: "list", Data: []any{}}, IsShared: typ.category == "Customer",
	}
	if t.adminAssign != "" {
		v.AdminAssigneeID = t.adminAssign
	}
	if state := st.state(t.stateID); state != nil {
		v.State = stateView(state)
	}
	if t.snoozedTill != 0 {
		x := t.snoozedTill
		v.SnoozedUntil = &x
	}
	for k, x := range t.attrs {
		v.Attributes[k] = ticketAttrOut(typ, k, x)
	}
	if withParts {
		v.Parts = &ticketPartsView{Type: "ticket_part.list", Parts: newestPartViews(t.parts, s.ticketPartView), TotalCount: len(t.parts)}
	}
	return v
}

// Handlers: ticket types and states.

func listTicketTypes(q *request) (int, any) {
	st := q.s.ticketStore()
	data := make([]ticketTypeView, 0, len(st.types))
	for _, t := range st.types {
		data = append(data, q.s.ticketTypeView(t))
	}
	return http.StatusOK, map[string]any{"type": "list", "data": data}
}

func (q *request) ticketType() *ticketType {
	id, err := strconv.ParseInt(q.param("ticket_type_id"), 10, 64)
	if err != nil {
		return nil
	}
	return q.s.ticketStore().typ(id)
}

func getTicketType(q *request) (int, any) {
	t := q.ticketType()
	if t == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, "Ticket type not found")
	}
	return http.StatusOK, q.s.ticketTypeView(t)
}

var ticketCategories = []string{"Customer", "Back-office", "Tracker"}

func createTicketType(q *request) (int, any) {
	var in struct {
		Name        string `json:"name"`
		Description string `json:"description"`
		Category    string `json:"category"`
		Icon        string `json:"icon"`
		IsInternal  bool   `json:"is_internal"`
	}
	if status, body, ok := decodeBody(q, &in); !ok {
		return status, body
	}
	st := q.s.ticketStore()
	name := strings.TrimSpace(in.Name)
	if name == "" {
		return q.failField(http.StatusBadRequest, CodeParameterInvalid, "name is required", "name")
	}
	if st.typeByName(name) != nil {
		return q.failField(http.StatusBadRequest, CodeParameterInvalid, "A ticket type with this name already exists", "name")
	}
	if in.Category == "" {
		in.Category = "Customer"
	}
	if in.Icon == "" {
		in.Icon = "🎟️"
	}
	t := st.newType(name, in.Description, in.Category, in.Icon, in.IsInternal, q.now)
	return http.StatusOK, q.s.ticketTypeView(t)
}

func updateTicketType(q *request) (int, any) {
	t := q.ticketType()
	if t == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, "Ticket type not found")
	}
	var in struct {
		Name        *string `json:"name"`
		Description *string `json:"description"`
		Category    *string `json:"category"`
		Icon        *string `json:"icon"`
		Archived    *bool   `json:"archived"`
		IsInternal  *bool   `json:"is_internal"`
	}
	if status, body, ok := decodeBody(q, &in); !ok {
		return status, body
	}
	if in.Name != nil {
		if other := q.s.ticketStore().typeByName(*in.Name); other != nil && other != t {
			return q.failField(http.StatusBadRequest, CodeParameterInvalid, "A ticket type with this name already exists", "name")
		}
		t.name = strings.TrimSpace(*in.Name)
	}
	if in.Description != nil {
		t.description = *in.Description
	}
	if in.Category != nil {
		t.category = *in.Category
	}
	if in.Icon != nil {
		t.icon = *in.Icon
	}
	if in.Archived != nil {
		t.archived = *in.Archived
	}
	if in.IsInternal != nil {
		t.internal = *in.IsInternal
	}
	t.updatedAt = q.now
	return http.StatusOK, q.s.ticketTypeView(t)
}

var ticketDataTypes = []string{"string", "list", "integer", "decimal", "boolean", "datetime", "files"}

type ticketAttrIn struct {
	Name                string  `json:"name"`
	Description         *string `json:"description"`
	DataType            string  `json:"data_type"`
	RequiredToCreate    *bool   `json:"required_to_create"`
	RequiredForContacts *bool   `json:"required_to_create_for_contacts"`
	VisibleOnCreate     *bool   `json:"visible_on_create"`
	VisibleToContacts   *bool   `json:"visible_to_contacts"`
	Multiline           *bool   `json:"multiline"`
	ListItems           *string `json:"list_items"`
	AllowMultiple       *bool   `json:"allow_multiple_values"`
	Archived            *bool   `json:"archived"`
}

func (in *ticketAttrIn) apply(st *ticketStore, a *ticketAttr) {
	set := func(dst *bool, v *bool) {
		if v != nil {
			*dst = *v
		}
	}
	if in.Description != nil {
		a.description = *in.Description
	}
	set(&a.required, in.RequiredToCreate)
	set(&a.requiredContacts, in.RequiredForContacts)
	set(&a.visibleOnCreate, in.VisibleOnCreate)
	set(&a.visibleContacts, in.VisibleToContacts)
	set(&a.multiline, in.Multiline)
	set(&a.allowMultiple, in.AllowMultiple)
	set(&a.archived, in.Archived)
	if in.ListItems != nil {
		for _, label := range strings.Split(*in.ListItems, ",") {
			label = strings.TrimSpace(label)
			if label == "" || slices.ContainsFunc(a.options, func(o listOpt) bool { return o.label == label }) {
				continue
			}
			a.options = append(a.options, listOpt{id: st.newOptionID(), label: label})
		}
	}
}

func createTicketTypeAttribute(q *request) (int, any) {
	t := q.ticketType()
	if t == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, "Ticket type not found")
	}
	var in ticketAttrIn
	if status, body, ok := decodeBody(q, &in); !ok {
		return status, body
	}
	name := strings.TrimSpace(in.Name)
	if name == "" {
		return q.failField(http.StatusBadRequest, CodeParameterInvalid, "name is required", "name")
	}
	if in.Description == nil {
		return q.failField(http.StatusBadRequest, CodeParameterInvalid, "description is required", "description")
	}
	if !slices.Contains(ticketDataTypes, in.DataType) {
		return q.failField(http.StatusBadRequest, CodeParameterInvalid, "data_type must be one of "+strings.Join(ticketDataTypes, ", "), "data_type")
	}
	if t.attr(name) != nil {
		return q.failField(http.StatusBadRequest, CodeParameterInvalid, "An attribute with this name already exists on the ticket type", "name")
	}
	if in.DataType == "list" && (in.ListItems == nil || strings.TrimSpace(*in.ListItems) == "") {
		return q.failField(http.StatusBadRequest, CodeParameterInvalid, "a list attribute needs list_items", "list_items")
	}
	st := q.s.ticketStore()
	a := &ticketAttr{id: st.newID(), typeID: t.id, name: name, dataType: in.DataType, order: len(t.attrs),
		visibleOnCreate: true, visibleContacts: true, createdAt: q.now, updatedAt: q.now}
	in.apply(st, a)
	t.attrs = append(t.attrs, a)
	return http.StatusOK, q.s.ticketAttrView(a)
}

func updateTicketTypeAttribute(q *request) (int, any) {
	t := q.ticketType()
	if t == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, "Ticket type not found")
	}
	var a *ticketAttr
	for _, x := range t.attrs {
		if strconv.FormatInt(x.id, 10) == q.param("attribute_id") {
			a = x
		}
	}
	if a == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, "Ticket type attribute not found")
	}
	var in ticketAttrIn
	if status, body, ok := decodeBody(q, &in); !ok {
		return status, body
	}
	if in.Name != "" && in.Name != a.name {
		if t.attr(in.Name) != nil {
			return q.failField(http.StatusBadRequest, CodeParameterInvalid, "An attribute with this name already exists on the ticket type", "name")
		}
		a.name = in.Name
	}
	in.apply(q.s.ticketStore(), a)
	a.updatedAt = q.now
	return http.StatusOK, q.s.ticketAttrView(a)
}

func listTicketStates(q *request) (int, any) {
	st := q.s.ticketStore()
	type detailed struct {
		ticketStateView
		Archived    bool `json:"archived"`
		TicketTypes struct {
			Type string `json:"type"`
			Data []any  `json:"data"`
		} `json:"ticket_types"`
	}
	data := make([]detailed, 0, len(st.states))
	for _, s := range st.states {
		d := detailed{ticketStateView: stateView(s), Archived: s.archived}
		d.TicketTypes.Type, d.TicketTypes.Data = "list", []any{}
		for _, t := range st.types {
			d.TicketTypes.Data = append(d.TicketTypes.Data, map[string]any{
				"type": "ticket_type", "id": strconv.FormatInt(t.id, 10), "name": t.name, "description": t.description,
				"icon": t.icon, "archived": t.archived, "is_internal": t.internal, "category": t.category,
			})
		}
		data = append(data, d)
	}
	return http.StatusOK, map[string]any{"type": "list", "data": data}
}

// Handlers: tickets.

func (q *request) ticket() *ticket { return q.s.ticketStore().byID[q.param("ticket_id")] }

const msgTicketNotFound = "Ticket not found"

func getTicket(q *request) (int, any) {
	t := q.ticket()
	if t == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, msgTicketNotFound)
	}
	return http.StatusOK, q.s.ticketView(t, true)
}

// ticketAttrValue checks a value against the attribute and returns what is
// stored (list items by id).
func ticketAttrValue(a *ticketAttr, raw json.RawMessage) (any, error) {
	if isNull(raw) {
		return nil, nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("has an invalid value")
	}
	switch a.dataType {
	case "string":
		if s, ok := v.(string); ok {
			return s, nil
		}
		return nil, fmt.Errorf("must be a string")
	case "list":
		s, ok := v.(string)
		if !ok || a.option(s) == nil {
			return nil, fmt.Errorf("must be the id of one of its list items")
		}
		return s, nil
	case "integer", "datetime":
		i, err := integerValue(raw)
		if err != nil {
			return nil, err
		}
		return i, nil
	case "decimal":
		if f, ok := v.(float64); ok {
			return f, nil
		}
		return nil, fmt.Errorf("must be a number")
	case "boolean":
		if b, ok := v.(bool); ok {
			return b, nil
		}
		return nil, fmt.Errorf("must be a boolean")
	}
	return nil, fmt.Errorf("cannot be set through the sandbox (%s)", a.dataType)
}

func (q *request) applyTicketAttrs(typ *ticketType, dst map[string]any, in map[string]json.RawMessage) (int, any) {
	for _, name := range sortedKeys(in) {
		a := typ.attr(name)
		if a == nil || a.archived {
			return q.failField(http.StatusBadRequest, CodeParameterInvalid, fmt.Sprintf("ticket attribute '%s' is not an attribute of the ticket type", name), "ticket_attributes."+name)
		}
		v, err := ticketAttrValue(a, in[name])
		if err != nil {
			return q.failField(http.StatusBadRequest, CodeParameterInvalid, fmt.Sprintf("ticket attribute '%s' %v", name, err), "ticket_attributes."+name)
		}
		if v == nil {
			delete(dst, name)
		} else {
			dst[name] = v
		}
	}
	return 0, nil
}

func createTicket(q *request) (int, any) {
	var in struct {
		TicketTypeID json.RawMessage `json:"ticket_type_id"`
		Contacts     []struct {
			ID         string `json:"id"`
			ExternalID string `json:"external_id"`
			Email      string `json:"email"`
		} `json:"contacts"`
		CompanyID  *string                    `json:"company_id"`
		CreatedAt  int64                      `json:"created_at"`
		Attributes map[string]json.RawMessage `json:"ticket_attributes"`
		Assignment *struct {
			AdminAssigneeID string `json:"admin_assignee_id"`
			TeamAssigneeID  string `json:"team_assignee_id"`
		} `json:"assignment"`
	}
	if status, body, ok := decodeBody(q, &in); !ok {
		return status, body
	}
	st := q.s.ticketStore()
	typeID, _ := strconv.ParseInt(strings.Trim(string(in.TicketTypeID), `"`), 10, 64)
	typ := st.typ(typeID)
	if typ == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, "Ticket type not found")
	}
	if typ.archived {
		return q.failField(http.StatusBadRequest, CodeParameterInvalid, "the ticket type is archived", "ticket_type_id")
	}
	if len(in.Contacts) != 1 {
		return q.failField(http.StatusBadRequest, CodeParameterInvalid, "a ticket has exactly one contact", "contacts")
	}
	if in.CompanyID != nil {
		return q.failField(http.StatusBadRequest, CodeParameterInvalid, "the sandbox does not attach companies to tickets", "company_id")
	}
	ref := in.Contacts[0]
	ct := q.s.contacts().byRef(ref.ID, ref.ExternalID, ref.Email)
	if ct == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, MsgUserNotFound)
	}
	created, status, body := q.createdAtOf(in.CreatedAt, "created_at")
	if status != 0 {
		return status, body
	}
	attrs := map[string]any{}
	if status, body := q.applyTicketAttrs(typ, attrs, in.Attributes); status != 0 {
		return status, body
	}
	for _, a := range typ.attrs {
		if a.required && !a.archived && attrs[a.name] == nil {
			return q.failField(http.StatusBadRequest, CodeParameterInvalid, fmt.Sprintf("ticket attribute '%s' is required", a.name), "ticket_attributes."+a.name)
		}
	}
	t := &ticket{typeID: typ.id, attrs: attrs, contacts: []string{ct.id}, createdAt: created, updatedAt: q.now, open: true}
	if first := st.firstState("submitted"); first != nil {
		t.stateID = first.id
	}
	if in.Assignment != nil {
		if in.Assignment.TeamAssigneeID != "" && in.Assignment.TeamAssigneeID != "0" {
			return q.fail(http.StatusNotFound, CodeNotFound, "Team not found")
		}
		if id := in.Assignment.AdminAssigneeID; id != "" && id != "0" {
			if q.s.admins().byID[id] == nil {
				return q.fail(http.StatusNotFound, "admin_not_found", "Assignee not found")
			}
			t.adminAssign = id
		}
	}
	st.addTicket(t)
	return http.StatusOK, q.s.ticketView(t, true)
}

func (st *ticketStore) addTicket(t *ticket) {
	t.seq = st.nextSeq
	st.nextSeq++
	t.id = strconv.FormatInt(st.idBase+t.seq, 10)
	t.number = st.nextNo
	st.nextNo++
	st.byID[t.id] = t
	i, _ := slices.BinarySearchFunc(st.tickets, t, func(a, b *ticket) int {
		if a.createdAt != b.createdAt {
			return int(a.createdAt - b.createdAt)
		}
		return int(a.seq - b.seq)
	})
	st.tickets = slices.Insert(st.tickets, i, t)
}

func updateTicket(q *request) (int, any) {
	t := q.ticket()
	if t == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, msgTicketNotFound)
	}
	var in struct {
		Attributes   map[string]json.RawMessage `json:"ticket_attributes"`
		StateID      *string                    `json:"ticket_state_id"`
		CompanyID    *string                    `json:"company_id"`
		Open         *bool                      `json:"open"`
		IsShared     *bool                      `json:"is_shared"`
		SnoozedUntil *int64                     `json:"snoozed_until"`
		AdminID      *json.Number               `json:"admin_id"`
		AssigneeID   *string                    `json:"assignee_id"`
	}
	if status, body, ok := decodeBody(q, &in); !ok {
		return status, body
	}
	st := q.s.ticketStore()
	by := q.meAdmin()
	if in.AdminID != nil {
		if by = q.s.admins().byID[in.AdminID.String()]; by == nil {
			return q.fail(http.StatusNotFound, "admin_not_found", "Admin not found")
		}
	}
	if in.CompanyID != nil {
		return q.failField(http.StatusBadRequest, CodeParameterInvalid, "the sandbox does not attach companies to tickets", "company_id")
	}
	next := *t
	next.attrs = map[string]any{}
	for k, v := range t.attrs {
		next.attrs[k] = v
	}
	var parts []*ticketPart
	part := func(typ string) *ticketPart {
		p := &ticketPart{partType: typ, createdAt: q.now, updatedAt: q.now, authorType: "admin", authorID: by.id}
		parts = append(parts, p)
		return p
	}
	if in.Attributes != nil {
		if status, body := q.applyTicketAttrs(st.typ(t.typeID), next.attrs, in.Attributes); status != 0 {
			return status, body
		}
	}
	if in.StateID != nil {
		id, _ := strconv.ParseInt(*in.StateID, 10, 64)
		s := st.state(id)
		if s == nil || s.archived {
			return q.failField(http.StatusBadRequest, CodeParameterInvalid, "ticket_state_id is not a state of the ticket type", "ticket_state_id")
		}
		if s.id != t.stateID {
			p := part("ticket_state_updated_by_admin")
			if old := st.state(t.stateID); old != nil {
				p.prevState = old.category
			}
			p.state = s.category
			next.stateID = s.id
		}
	}
	if in.AssigneeID != nil {
		switch id := *in.AssigneeID; {
		case id == "0" || id == "":
			if t.adminAssign != "" {
				part("assignment").assignType = "nobody_admin"
			}
			next.adminAssign = ""
		case q.s.admins().byID[id] == nil:
			return q.fail(http.StatusNotFound, CodeNotFound, "Assignee not found")
		default:
			if id != t.adminAssign {
				p := part("assignment")
				p.assignType, p.assignID = "admin", id
			}
			next.adminAssign = id
		}
	}
	if in.SnoozedUntil != nil {
		if *in.SnoozedUntil <= q.now {
			return q.failField(http.StatusBadRequest, CodeParameterInvalid, "snoozed_until must be in the future", "snoozed_until")
		}
		next.snoozedTill = *in.SnoozedUntil
		part("snoozed")
	}
	if in.Open != nil && *in.Open != t.open {
		next.open = *in.Open
		if next.open {
			part("open")
		} else {
			part("close")
			next.snoozedTill = 0 // closing unsnoozes
		}
	}
	for _, p := range parts {
		p.id = st.newID()
	}
	next.parts = append(slices.Clip(t.parts), parts...)
	next.updatedAt = max(t.updatedAt, q.now)
	*t = next
	return http.StatusOK, q.s.ticketView(t, true)
}

func replyTicket(q *request) (int, any) {
	t := q.ticket()
	if t == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, msgTicketNotFound)
	}
	in, status, body := q.parseReply(func(id string) bool { return slices.Contains(t.contacts, id) }, "the contact is not on this ticket")
	if in == nil {
		return status, body
	}
	p := &ticketPart{partType: in.messageType, body: in.body, createdAt: in.createdAt, updatedAt: q.now, attachments: in.attachments}
	if a := in.admin; a != nil {
		p.authorType, p.authorID = "admin", a.id
	} else {
		p.authorType, p.authorID = "user", in.contact.id
	}
	st := q.s.ticketStore()
	p.id = st.newID()
	t.parts = append(t.parts, p)
	t.updatedAt = max(t.updatedAt, q.now)
	v := q.s.ticketPartView(p)
	return http.StatusOK, map[string]any{
		"type": "ticket_part", "id": v.ID, "part_type": v.PartType, "body": v.Body, "created_at": v.CreatedAt,
		"updated_at": v.UpdatedAt, "author": v.Author, "attachments": v.Attachments, "redacted": false,
	}
}

// Search.

var ticketSearchFields = map[string]convFieldKind{
	"id": convString, "ticket_type_id": convString, "contact_ids": convString, "admin_assignee_id": convString,
	"state": convString, "category": convString, "created_at": convNumber, "updated_at": convNumber, "open": convBool,
}

func (s *Sandbox) ticketValues(t *ticket, field string) []string {
	st := s.ticketStore()
	switch field {
	case "id":
		return []string{t.id}
	case "ticket_type_id":
		return []string{strconv.FormatInt(t.typeID, 10)}
	case "contact_ids":
		return t.contacts
	case "admin_assignee_id":
		if t.adminAssign == "" {
			return nil
		}
		return []string{t.adminAssign}
	case "state":
		if x := st.state(t.stateID); x != nil {
			return []string{x.category}
		}
	case "category":
		// Intercom searches categories by these terms.
		return []string{map[string]string{"Customer": "request", "Back-office": "task", "Tracker": "tracker"}[st.typ(t.typeID).category]}
	case "created_at":
		return []string{strconv.FormatInt(t.createdAt, 10)}
	case "updated_at":
		return []string{strconv.FormatInt(t.updatedAt, 10)}
	case "open":
		return []string{strconv.FormatBool(t.open)}
	}
	return nil
}

func (s *Sandbox) ticketMatches(f *convFilter, t *ticket) bool {
	return matchFilter(f, func(field string) []string { return s.ticketValues(t, field) })
}

// ticketCursorPrefix starts a ticket search cursor: the prefix and the
// sequence number of the page's last ticket, in clear.
const ticketCursorPrefix = "sbxt1:"

func searchTickets(q *request) (int, any) {
	f, perPage, cursor, status, body := q.parseSearch(ticketSearchFields)
	if f == nil {
		return status, body
	}
	hits := matching(q.s.ticketStore().tickets, func(t *ticket) bool { return q.s.ticketMatches(f, t) })
	pos := 0
	if cursor != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(cursor, ticketCursorPrefix))
		if err != nil || !strings.HasPrefix(cursor, ticketCursorPrefix) || n < 0 {
			return q.badCursor("pagination.starting_after")
		}
		pos = afterNumber(hits, int64(n), func(t *ticket) int64 { return t.seq })
	}
	items, pages := cutPage(hits, pos, perPage, func(t *ticket) string { return ticketCursorPrefix + strconv.FormatInt(t.seq, 10) })
	view := func(t *ticket) ticketView { return q.s.ticketView(t, false) }
	return http.StatusOK, sampledPage[ticketView]{renderPage("ticket.list", "tickets", items, len(hits), pages, view)}
}
