package intercomtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode"
)

// Data attributes: the standard (built-in) attributes of contacts and
// companies, and the workspace's custom ones (custom data attributes, CDAs).
//
// Notes on Intercom's behaviour modelled here:
//   - A custom attribute of data_type "options" (a list) is listed with
//     data_type "string" and its options; "datetime" is listed as "date".
//     (The spec's data_attribute.data_type enum has neither "options" nor
//     "datetime".)
//   - Custom names are unique across both models, ignoring case, and may not
//     be a standard attribute of their own model; archived attributes keep
//     their names.
//   - At most MaxCustomAttributes non-archived custom attributes per
//     workspace.
//   - GET ?model=conversation answers an empty list: the spec's
//     data_attribute.model enum has only contact and company, so the
//     sandbox cannot describe conversation attributes validly.

// MaxCustomAttributes is Intercom's limit of custom attributes per workspace
// (archived ones do not count).
const MaxCustomAttributes = 250

type dataAttr struct {
	id                int64
	model             string // contact | company
	name              string
	label             string
	description       string
	dataType          string // string integer float boolean date options
	options           []string
	messengerWritable bool
	archived          bool
	createdAt         int64
	updatedAt         int64
	adminID           string
}

type attrStore struct {
	list   []*dataAttr // by id
	byID   map[int64]*dataAttr
	nextID int64
}

func (s *Sandbox) attrs() *attrStore { return s.stores["data_attributes"].(*attrStore) }

func init() {
	registerEntity(entityDef{
		name:     "data_attributes",
		order:    20,
		newStore: func() any { return &attrStore{byID: map[int64]*dataAttr{}} },
		seed:     seedDataAttributes,
		count:    func(s *Sandbox) int { return len(s.attrs().list) },
		records: func(s *Sandbox) []any {
			return recordsOf(s.attrs().list, func(a *dataAttr) any { return a.view() })
		},
		routes: []route{
			{method: "GET", path: "/data_attributes", handler: listDataAttributes},
			{method: "POST", path: "/data_attributes", write: true, handler: createDataAttribute},
			{method: "PUT", path: "/data_attributes/{data_attribute_id}", write: true, handler: updateDataAttribute},
		},
	})
}

// lookupCustom returns the non-archived custom attribute of model with
// exactly that name (custom attribute keys are case-sensitive on writes).
func (st *attrStore) lookupCustom(model, name string) *dataAttr {
	for _, a := range st.list {
		if a.model == model && a.name == name && !a.archived {
			return a
		}
	}
	return nil
}

// lookupAny returns any custom attribute whose name equals name ignoring case.
func (st *attrStore) lookupAny(name string) *dataAttr {
	for _, a := range st.list {
		if strings.EqualFold(a.name, name) {
			return a
		}
	}
	return nil
}

func (st *attrStore) activeCount() int {
	n := 0
	for _, a := range st.list {
		if !a.archived {
			n++
		}
	}
	return n
}

func (st *attrStore) add(a *dataAttr) {
	a.id = st.nextID
	st.nextID++
	st.list = append(st.list, a)
	st.byID[a.id] = a
}

type seedAttr struct {
	name, dataType, description string
	options                     []string
	model                       string
	archived                    bool
}

var seedAttrs = []seedAttr{
	{name: "plan", dataType: "options", description: "Subscription plan", options: []string{"Free", "Starter", "Pro", "Enterprise"}},
	{name: "monthly_spend", dataType: "float", description: "Monthly spend in USD"},
	{name: "team_mates", dataType: "integer", description: "Seats in the customer's team"},
	{name: "paid_subscriber", dataType: "boolean", description: "Pays for a plan"},
	{name: "trial_ends_at", dataType: "date", description: "End of the trial"},
	{name: "referral_source", dataType: "string", description: "Where the customer heard of us"},
	{name: "nps_score", dataType: "integer", description: "Last NPS answer"},
	{name: "last_invoice_at", dataType: "date", description: "Date of the last invoice"},
	{name: "beta_features", dataType: "boolean", description: "Opted in to beta features"},
	{name: "lifetime_value", dataType: "float", description: "Revenue to date in USD"},
	{name: "account_note", dataType: "string", description: "Free-form note from the account manager"},
	{name: "legacy_plan_code", dataType: "string", description: "Plan code of the old billing system", archived: true},
	{name: "industry_segment", dataType: "string", description: "Segment of the company's industry", model: "company"},
}

func seedDataAttributes(s *Sandbox, g *gen) {
	st := s.attrs()
	st.nextID = 10 + int64(s.salt%90000)
	if g.ctx.contacts == 0 {
		return // an empty workspace has no custom attributes
	}
	admins := s.admins().list
	for _, d := range seedAttrs {
		created := g.between(s.appCreated, g.ctx.anchor-86400*30)
		model := d.model
		if model == "" {
			model = "contact"
		}
		st.add(&dataAttr{
			model:             model,
			name:              d.name,
			label:             d.name,
			description:       d.description,
			dataType:          d.dataType,
			options:           d.options,
			messengerWritable: g.chance(0.3),
			archived:          d.archived,
			createdAt:         created,
			updatedAt:         g.between(created, g.ctx.anchor),
			adminID:           admins[g.intn(len(admins))].id,
		})
	}
}

// attrView is the data_attribute schema.
type attrView struct {
	Type              string   `json:"type"`
	ID                *int64   `json:"id,omitempty"`
	Model             string   `json:"model"`
	Name              string   `json:"name"`
	FullName          string   `json:"full_name"`
	Label             string   `json:"label"`
	Description       string   `json:"description"`
	DataType          string   `json:"data_type"`
	Options           []string `json:"options,omitempty"`
	APIWritable       bool     `json:"api_writable"`
	MessengerWritable bool     `json:"messenger_writable"`
	UIWritable        bool     `json:"ui_writable"`
	Custom            bool     `json:"custom"`
	Archived          bool     `json:"archived"`
	CreatedAt         int64    `json:"created_at,omitempty"`
	UpdatedAt         int64    `json:"updated_at,omitempty"`
	AdminID           string   `json:"admin_id,omitempty"`
}

func (a *dataAttr) view() attrView {
	id := a.id
	dt := a.dataType
	if dt == "options" {
		dt = "string"
	}
	return attrView{
		Type: "data_attribute", ID: &id, Model: a.model, Name: a.name,
		FullName: "custom_attributes." + a.name, Label: a.label, Description: a.description,
		DataType: dt, Options: append([]string(nil), a.options...),
		APIWritable: true, MessengerWritable: a.messengerWritable, UIWritable: true,
		Custom: true, Archived: a.archived, CreatedAt: a.createdAt, UpdatedAt: a.updatedAt, AdminID: a.adminID,
	}
}

type standardAttr struct {
	name, fullName, label, description, dataType string
	apiWritable                                  bool
}

// Standard attributes (a realistic subset of Intercom's; labels and
// descriptions are the sandbox's own words).
var standardAttrs = map[string][]standardAttr{
	"contact": {
		{"id", "id", "ID", "Intercom's id of the contact", "string", false},
		{"role", "role", "Role", "User or lead", "string", false},
		{"name", "name", "Name", "Full name", "string", true},
		{"email", "email", "Email", "Email address", "string", true},
		{"email_domain", "email_domain", "Email domain", "Domain of the email address", "string", false},
		{"phone", "phone", "Phone", "Phone number", "string", true},
		{"external_id", "external_id", "User ID", "Your id of the user", "string", true},
		{"avatar", "avatar", "Avatar", "Image of the contact", "string", true},
		{"owner_id", "owner_id", "Owner", "Teammate who owns the contact", "integer", true},
		{"signed_up_at", "signed_up_at", "Signed up", "When the user signed up", "date", true},
		{"last_seen_at", "last_seen_at", "Last seen", "When the contact was last seen", "date", true},
		{"created_at", "created_at", "First seen", "When the contact was created", "date", false},
		{"updated_at", "updated_at", "Last updated", "When the contact was last updated", "date", false},
		{"last_contacted_at", "last_contacted_at", "Last contacted", "When a teammate last messaged the contact", "date", false},
		{"last_replied_at", "last_replied_at", "Last heard from", "When the contact last messaged", "date", false},
		{"unsubscribed_from_emails", "unsubscribed_from_emails", "Unsubscribed from emails", "Opted out of email", "boolean", true},
		{"language_override", "language_override", "Language override", "Preferred Messenger language", "string", true},
		{"country", "location.country", "Country", "Country of the contact", "string", false},
		{"region", "location.region", "Region", "Region of the contact", "string", false},
		{"city", "location.city", "City", "City of the contact", "string", false},
	},
	"company": {
		{"id", "id", "ID", "Intercom's id of the company", "string", false},
		{"company_id", "company_id", "Company ID", "Your id of the company", "string", false},
		{"name", "name", "Company name", "Name of the company", "string", true},
		{"created_at", "created_at", "Created at", "When the company was added", "date", false},
		{"remote_created_at", "remote_created_at", "Company created at", "When the company was created in your system", "date", true},
		{"updated_at", "updated_at", "Updated at", "When the company was last updated", "date", false},
		{"monthly_spend", "monthly_spend", "Monthly Spend", "Revenue from the company per month", "float", true},
		{"size", "size", "Company size", "Number of employees", "integer", true},
		{"industry", "industry", "Company industry", "Industry of the company", "string", true},
		{"website", "website", "Company website", "Web address of the company", "string", true},
		{"user_count", "user_count", "People", "Number of contacts in the company", "integer", false},
	},
}

func (a standardAttr) view(model string) attrView {
	return attrView{
		Type: "data_attribute", Model: model, Name: a.name, FullName: a.fullName, Label: a.label,
		Description: a.description, DataType: a.dataType, APIWritable: a.apiWritable,
		MessengerWritable: false, UIWritable: a.apiWritable, Custom: false, Archived: false,
	}
}

// isStandardName reports whether name is a standard attribute of model.
// Standard names block custom ones of the same model only: Intercom's own
// examples have a contact attribute monthly_spend, a standard company one.
func isStandardName(model, name string) bool {
	for _, a := range standardAttrs[model] {
		if strings.EqualFold(a.name, name) {
			return true
		}
	}
	return false
}

func listDataAttributes(q *request) (int, any) {
	query := q.r.URL.Query()
	models := []string{"contact", "company"}
	switch m := query.Get("model"); m {
	case "":
	case "contact", "company":
		models = []string{m}
	case "conversation":
		models = nil // see the note at the top of the file
	default:
		return q.failField(http.StatusBadRequest, CodeParameterInvalid, "model must be contact, company or conversation", "model")
	}
	includeArchived := query.Get("include_archived") == "true"
	data := []attrView{}
	for _, model := range models {
		for _, a := range standardAttrs[model] {
			data = append(data, a.view(model))
		}
		for _, a := range q.s.attrs().list {
			if a.model == model && (includeArchived || !a.archived) {
				data = append(data, a.view())
			}
		}
	}
	return http.StatusOK, map[string]any{"type": "list", "data": data}
}

func modelWord(model string) string {
	if model == "company" {
		return "company"
	}
	return "people"
}

// validAttrName: letters, digits, spaces, underscores, hyphens and currency
// symbols (Intercom: "alphanumeric characters, currency symbols, and
// hyphens"; its own examples use spaces and underscores).
func validAttrName(name string) bool {
	if strings.TrimSpace(name) == "" {
		return false
	}
	for _, r := range name {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == ' ' || r == '_' || r == '-' || unicode.Is(unicode.Sc, r)) {
			return false
		}
	}
	return true
}

type attrOption struct {
	Value string `json:"value"`
}

func createDataAttribute(q *request) (int, any) {
	var in struct {
		Name              string       `json:"name"`
		Model             string       `json:"model"`
		DataType          string       `json:"data_type"`
		Description       string       `json:"description"`
		MessengerWritable bool         `json:"messenger_writable"`
		Options           []attrOption `json:"options"`
	}
	if err := json.Unmarshal(q.body, &in); err != nil {
		return q.fail(http.StatusBadRequest, CodeParameterInvalid, "invalid JSON: "+err.Error())
	}
	st := q.s.attrs()
	switch {
	case in.Model != "contact" && in.Model != "company":
		return q.failField(http.StatusBadRequest, CodeParameterInvalid, "The Data Attribute model field must be either contact or company", "model")
	case !validAttrName(in.Name):
		return q.failField(http.StatusBadRequest, CodeParameterInvalid, "Your name for this attribute must only contain alphanumeric characters, currency symbols, and hyphens", "name")
	}
	if isStandardName(in.Model, in.Name) {
		return q.failField(http.StatusBadRequest, CodeParameterInvalid,
			fmt.Sprintf("'%s' is one of our standard attributes for your %s data. To save this as new %s data, use a different name.", in.Name, modelWord(in.Model), modelWord(in.Model)), "name")
	}
	if old := st.lookupAny(in.Name); old != nil {
		return q.failField(http.StatusBadRequest, CodeParameterInvalid,
			fmt.Sprintf("You already have '%s' in your %s data. To save this as new %s data, use a different name.", old.name, modelWord(old.model), modelWord(in.Model)), "name")
	}
	dataType := in.DataType
	var options []string
	switch dataType {
	case "string", "integer", "float", "boolean", "date":
	case "datetime":
		dataType = "date"
	case "options":
		seen := map[string]bool{}
		for _, o := range in.Options {
			if o.Value == "" || seen[o.Value] {
				continue
			}
			seen[o.Value] = true
			options = append(options, o.Value)
		}
		if len(options) < 2 {
			return q.failField(http.StatusBadRequest, CodeParameterInvalid, "You must have at least two options on a list type data attribute", "options")
		}
	default:
		return q.failField(http.StatusBadRequest, CodeParameterInvalid, "Data Type isn't an option", "data_type")
	}
	if st.activeCount() >= MaxCustomAttributes {
		return q.fail(http.StatusBadRequest, CodeParameterInvalid,
			fmt.Sprintf("You have reached the limit of %d custom data attributes. Archive attributes you no longer use to create new ones.", MaxCustomAttributes))
	}
	a := &dataAttr{
		model: in.Model, name: in.Name, label: in.Name, description: in.Description,
		dataType: dataType, options: options, messengerWritable: in.MessengerWritable,
		createdAt: q.now, updatedAt: q.now, adminID: q.meAdmin().id,
	}
	st.add(a)
	return http.StatusOK, a.view()
}

func updateDataAttribute(q *request) (int, any) {
	id, err := strconv.ParseInt(q.param("data_attribute_id"), 10, 64)
	st := q.s.attrs()
	a := st.byID[id]
	if err != nil || a == nil {
		return q.fail(http.StatusNotFound, CodeFieldNotFound, "We couldn't find that data attribute to update")
	}
	var in struct {
		Archived          *bool           `json:"archived"`
		Description       *string         `json:"description"`
		MessengerWritable *bool           `json:"messenger_writable"`
		Options           json.RawMessage `json:"options"`
	}
	if err := json.Unmarshal(q.body, &in); err != nil {
		return q.fail(http.StatusBadRequest, CodeParameterInvalid, "invalid JSON: "+err.Error())
	}
	var options []string
	if len(in.Options) > 0 && string(in.Options) != "null" {
		var opts []attrOption
		if err := json.Unmarshal(in.Options, &opts); err != nil {
			return q.failField(http.StatusBadRequest, CodeParameterInvalid, "Options isn't an array", "options")
		}
		if a.dataType != "options" {
			return q.failField(http.StatusBadRequest, CodeParameterInvalid, "Options can only be set on a list type data attribute", "options")
		}
		for _, o := range opts {
			if o.Value != "" {
				options = append(options, o.Value)
			}
		}
		if len(options) < 2 {
			return q.failField(http.StatusBadRequest, CodeParameterInvalid, "You must have at least two options on a list type data attribute", "options")
		}
	}
	if in.Archived != nil && !*in.Archived && a.archived && st.activeCount() >= MaxCustomAttributes {
		return q.fail(http.StatusBadRequest, CodeParameterInvalid,
			fmt.Sprintf("You have reached the limit of %d custom data attributes.", MaxCustomAttributes))
	}
	if in.Archived != nil {
		a.archived = *in.Archived
	}
	if in.Description != nil {
		a.description = *in.Description
	}
	if in.MessengerWritable != nil {
		a.messengerWritable = *in.MessengerWritable
	}
	if options != nil {
		a.options = options
	}
	a.updatedAt = q.now
	return http.StatusOK, a.view()
}
