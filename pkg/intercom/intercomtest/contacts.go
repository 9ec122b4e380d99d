package intercomtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Contacts (users and leads).
//
// Modelled rules:
//   - 409 conflict, "A contact matching those details already exists with
//     id=<id>", when a create or update would give a user the email of
//     another user (ignoring case), or any contact the external_id of
//     another contact. Leads may share emails with users and with each
//     other.
//   - owner_id must be the id of an admin of the workspace (400).
//   - custom_attributes: each key must be a non-archived custom data
//     attribute of model contact (exact name), with a value of its type:
//     string; integer (an integral number); float (any number); boolean;
//     date (Unix seconds, or an RFC 3339 string); a list attribute takes one
//     of its options. null removes the value. Else 400 parameter_invalid
//     naming the attribute.
//   - A user cannot become a lead (400); a lead can become a user.
//   - Lists page with opaque, stateless cursors (the position of the last
//     contact of the page in creation order), so re-reading a cursor gives
//     the same page and contacts created during a walk come at its end.
//     per_page: default DefaultContactsPerPage (what Intercom returns;
//     the 2.14 description says 50 but Intercom has since corrected it to
//     10), at most MaxPerPage (400 beyond).

const (
	DefaultContactsPerPage = 10
	DefaultSearchPerPage   = 50
	MaxPerPage             = 150
)

type contact struct {
	seq        int64
	id         string
	lead       bool
	externalID string
	email      string
	phone      string
	name       string
	avatar     string
	ownerID    int64
	unsub      bool
	createdAt  int64
	updatedAt  int64
	signedUpAt int64
	lastSeenAt int64
	place      int16 // index in places, -1 for none
	custom     customList
	tags       tagList
}

type attrValue struct {
	attr int64 // data attribute id
	v    any   // string, int64, float64 or bool
}

type appliedTag struct {
	id int64
	at int64
	by string // admin id
}

func (c *contact) role() string {
	if c.lead {
		return "lead"
	}
	return "user"
}

// tagList is the tags applied to a record (a contact, a company).
type tagList []appliedTag

func (ts tagList) find(id int64) (appliedTag, bool) {
	for _, t := range ts {
		if t.id == id {
			return t, true
		}
	}
	return appliedTag{}, false
}

// add applies ap unless its tag is there already.
func (ts *tagList) add(ap appliedTag) {
	if _, ok := ts.find(ap.id); !ok {
		*ts = append(*ts, ap)
	}
}

func (ts *tagList) remove(id int64) {
	for i, t := range *ts {
		if t.id == id {
			*ts = append((*ts)[:i:i], (*ts)[i+1:]...)
			return
		}
	}
}

// customList is a record's custom attribute values (a contact, a
// company), in the order they were first set.
type customList []attrValue

func (cl customList) get(attr int64) (any, bool) {
	for _, v := range cl {
		if v.attr == attr {
			return v.v, true
		}
	}
	return nil, false
}

// set sets an attribute's value; nil removes it.
func (cl *customList) set(attr int64, v any) {
	for i := range *cl {
		if (*cl)[i].attr == attr {
			if v == nil {
				*cl = append((*cl)[:i:i], (*cl)[i+1:]...)
			} else {
				(*cl)[i].v = v
			}
			return
		}
	}
	if v != nil {
		*cl = append(*cl, attrValue{attr: attr, v: v})
	}
}

// before orders contacts by creation (created_at, then sequence).
func (c *contact) before(createdAt, seq int64) bool {
	return c.createdAt < createdAt || (c.createdAt == createdAt && c.seq < seq)
}

type contactStore struct {
	byID         map[string]*contact
	userByEmail  map[string]*contact   // lower-cased email -> the user
	byEmail      map[string][]*contact // lower-cased email -> every contact
	byExternalID map[string]*contact
	order        []*contact // creation order
	nextSeq      int64
	search       searchCache
}

func (s *Sandbox) contacts() *contactStore { return s.stores["contacts"].(*contactStore) }

func init() {
	registerEntity(entityDef{
		name:  "contacts",
		order: 40,
		newStore: func() any {
			return &contactStore{
				byID: map[string]*contact{}, userByEmail: map[string]*contact{},
				byEmail: map[string][]*contact{}, byExternalID: map[string]*contact{}, nextSeq: 1,
			}
		},
		seed:  seedContacts,
		count: func(s *Sandbox) int { return len(s.contacts().order) },
		records: func(s *Sandbox) []any {
			return recordsOf(s.contacts().order, func(c *contact) any { return s.contactView(c) })
		},
		routes: []route{
			{method: "GET", path: "/contacts", handler: listContacts},
			{method: "POST", path: "/contacts", write: true, handler: createContact},
			{method: "GET", path: "/contacts/{contact_id}", handler: getContact},
			{method: "PUT", path: "/contacts/{contact_id}", write: true, handler: updateContact},
			{method: "DELETE", path: "/contacts/{contact_id}", write: true, handler: deleteContact},
			{method: "GET", path: "/contacts/find_by_external_id/{external_id}", handler: findContactByExternalID},
			{method: "POST", path: "/contacts/search", handler: searchContacts},
		},
	})
}

// index adds c to the lookups and to the creation order.
func (st *contactStore) index(c *contact) {
	st.byID[c.id] = c
	st.indexKeys(c)
	st.order = insertInOrder(st.order, c, c.createdAt, c.seq)
}

func (st *contactStore) indexKeys(c *contact) {
	if c.email != "" {
		k := strings.ToLower(c.email)
		st.byEmail[k] = append(st.byEmail[k], c)
		if !c.lead {
			st.userByEmail[k] = c
		}
	}
	if c.externalID != "" {
		st.byExternalID[c.externalID] = c
	}
}

func (st *contactStore) unindexKeys(c *contact) {
	if c.email != "" {
		k := strings.ToLower(c.email)
		list := st.byEmail[k]
		for i, x := range list {
			if x == c {
				list = append(list[:i:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(st.byEmail, k)
		} else {
			st.byEmail[k] = list
		}
		if st.userByEmail[k] == c {
			delete(st.userByEmail, k)
		}
	}
	if c.externalID != "" && st.byExternalID[c.externalID] == c {
		delete(st.byExternalID, c.externalID)
	}
}

func (st *contactStore) remove(c *contact) {
	delete(st.byID, c.id)
	st.unindexKeys(c)
	i := sort.Search(len(st.order), func(i int) bool { return !st.order[i].before(c.createdAt, c.seq) })
	if i < len(st.order) && st.order[i] == c {
		st.order = append(st.order[:i], st.order[i+1:]...)
	}
}

// pageOf cuts one page out of list (in creation order) after cursor.
func (s *Sandbox) pageOf(list []*contact, perPage int, cursor string) (sampledPage[contactView], bool) {
	items, pages, ok := timePage(contactCursor, list, perPage, cursor, func(c *contact) (int64, int64) { return c.createdAt, c.seq })
	if !ok {
		return sampledPage[contactView]{}, false
	}
	return sampledPage[contactView]{renderPage("list", "data", items, len(list), pages, s.contactView)}, true
}

func parsePerPage(v string, def int) (int, bool) {
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > MaxPerPage {
		return 0, false
	}
	return n, true
}

func listContacts(q *request) (int, any) {
	return timeList(q, DefaultContactsPerPage, q.s.contacts().order, q.s.pageOf)
}

// Views (the contact schema).

type contactView struct {
	Type                      string         `json:"type"`
	ID                        string         `json:"id"`
	WorkspaceID               string         `json:"workspace_id"`
	ExternalID                *string        `json:"external_id"`
	Role                      string         `json:"role"`
	Email                     string         `json:"email"`
	EmailDomain               string         `json:"email_domain"`
	Phone                     *string        `json:"phone"`
	Name                      *string        `json:"name"`
	Avatar                    *avatarObj     `json:"avatar"`
	OwnerID                   *int64         `json:"owner_id"`
	SocialProfiles            socialProfiles `json:"social_profiles"`
	HasHardBounced            bool           `json:"has_hard_bounced"`
	MarkedEmailAsSpam         bool           `json:"marked_email_as_spam"`
	UnsubscribedFromEmails    bool           `json:"unsubscribed_from_emails"`
	CreatedAt                 int64          `json:"created_at"`
	UpdatedAt                 int64          `json:"updated_at"`
	SignedUpAt                *int64         `json:"signed_up_at"`
	LastSeenAt                *int64         `json:"last_seen_at"`
	LastRepliedAt             *int64         `json:"last_replied_at"`
	LastContactedAt           *int64         `json:"last_contacted_at"`
	LastEmailOpenedAt         *int64         `json:"last_email_opened_at"`
	LastEmailClickedAt        *int64         `json:"last_email_clicked_at"`
	LanguageOverride          *string        `json:"language_override"`
	Browser                   *string        `json:"browser"`
	BrowserVersion            *string        `json:"browser_version"`
	BrowserLanguage           *string        `json:"browser_language"`
	OS                        *string        `json:"os"`
	Location                  locationView   `json:"location"`
	AndroidAppName            *string        `json:"android_app_name"`
	AndroidAppVersion         *string        `json:"android_app_version"`
	AndroidDevice             *string        `json:"android_device"`
	AndroidOSVersion          *string        `json:"android_os_version"`
	AndroidSDKVersion         *string        `json:"android_sdk_version"`
	AndroidLastSeenAt         *int64         `json:"android_last_seen_at"`
	IOSAppName                *string        `json:"ios_app_name"`
	IOSAppVersion             *string        `json:"ios_app_version"`
	IOSDevice                 *string        `json:"ios_device"`
	IOSOSVersion              *string        `json:"ios_os_version"`
	IOSSDKVersion             *string        `json:"ios_sdk_version"`
	IOSLastSeenAt             *int64         `json:"ios_last_seen_at"`
	CustomAttributes          map[string]any `json:"custom_attributes"`
	Tags                      listRef        `json:"tags"`
	Notes                     listRef        `json:"notes"`
	Companies                 listRef        `json:"companies"`
	OptedOutSubscriptionTypes listRef        `json:"opted_out_subscription_types"`
	OptedInSubscriptionTypes  listRef        `json:"opted_in_subscription_types"`
	UTMCampaign               *string        `json:"utm_campaign"`
	UTMContent                *string        `json:"utm_content"`
	UTMMedium                 *string        `json:"utm_medium"`
	UTMSource                 *string        `json:"utm_source"`
	UTMTerm                   *string        `json:"utm_term"`
	Referrer                  *string        `json:"referrer"`
	EnabledPushMessaging      *bool          `json:"enabled_push_messaging"`
}

type socialProfiles struct {
	Type string `json:"type"`
	Data []any  `json:"data"`
}

type locationView struct {
	Type          string  `json:"type"`
	Country       *string `json:"country"`
	Region        *string `json:"region"`
	City          *string `json:"city"`
	CountryCode   *string `json:"country_code"`
	ContinentCode *string `json:"continent_code"`
}

type listRef struct {
	Type       string        `json:"type"`
	Data       []addressable `json:"data"`
	URL        string        `json:"url"`
	TotalCount int           `json:"total_count"`
	HasMore    bool          `json:"has_more"`
}

type addressable struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	URL  string `json:"url"`
}

func strOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func timeOrNil(t int64) *int64 {
	if t == 0 {
		return nil
	}
	return &t
}

func emptyList(url string) listRef {
	return listRef{Type: "list", Data: []addressable{}, URL: url}
}

// contactView renders c; it copies everything (it is encoded after the lock
// is released).
func (s *Sandbox) contactView(c *contact) contactView {
	v := contactView{
		Type: "contact", ID: c.id, WorkspaceID: s.appID, ExternalID: strOrNil(c.externalID),
		Role: c.role(), Email: c.email, Phone: strOrNil(c.phone), Name: strOrNil(c.name),
		SocialProfiles:         socialProfiles{Type: "list", Data: []any{}},
		UnsubscribedFromEmails: c.unsub, CreatedAt: c.createdAt, UpdatedAt: c.updatedAt,
		SignedUpAt: timeOrNil(c.signedUpAt), LastSeenAt: timeOrNil(c.lastSeenAt),
		Location:                  locationView{Type: "location"},
		CustomAttributes:          make(map[string]any, len(c.custom)),
		Notes:                     emptyList("/contacts/" + c.id + "/notes"),
		Companies:                 s.contactCompaniesRef(c),
		OptedOutSubscriptionTypes: emptyList("/contacts/" + c.id + "/subscriptions"),
		OptedInSubscriptionTypes:  emptyList("/contacts/" + c.id + "/subscriptions"),
	}
	if at := strings.LastIndexByte(c.email, '@'); at >= 0 {
		v.EmailDomain = c.email[at+1:]
	}
	if c.avatar != "" {
		u := c.avatar
		v.Avatar = &avatarObj{Type: "avatar", ImageURL: &u}
	}
	if c.ownerID != 0 {
		o := c.ownerID
		v.OwnerID = &o
	}
	if c.place >= 0 && int(c.place) < len(places) {
		p := places[c.place]
		v.Location.Country, v.Location.Region, v.Location.City = &p.country, &p.region, &p.city
		v.Location.CountryCode, v.Location.ContinentCode = &p.countryCode, &p.continent
	}
	attrs := s.attrs()
	for _, av := range c.custom {
		if a := attrs.byID[av.attr]; a != nil && !a.archived {
			v.CustomAttributes[a.name] = av.v
		}
	}
	tags := s.tags()
	v.Tags = listRef{Type: "list", URL: "/contacts/" + c.id + "/tags", TotalCount: len(c.tags),
		Data: make([]addressable, 0, min(len(c.tags), MaxTagsShownOnContact))}
	for _, ap := range c.tags {
		if len(v.Tags.Data) == MaxTagsShownOnContact {
			break
		}
		if t := tags.byID[ap.id]; t != nil {
			id := strconv.FormatInt(t.id, 10)
			v.Tags.Data = append(v.Tags.Data, addressable{Type: "tag", ID: id, URL: "/tags/" + id})
		}
	}
	v.Tags.HasMore = len(c.tags) > MaxTagsShownOnContact
	s.notesList(c, &v)         // notes.go
	s.subscriptionLists(c, &v) // subscriptions.go
	return v
}

type contactDeletedView struct {
	Type       string  `json:"type"`
	ID         string  `json:"id"`
	ExternalID *string `json:"external_id"`
	Deleted    bool    `json:"deleted"`
}

// Handlers.

func getContact(q *request) (int, any) {
	c := q.s.contacts().byID[q.param("contact_id")]
	if c == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, MsgUserNotFound)
	}
	return http.StatusOK, q.s.contactView(c)
}

func findContactByExternalID(q *request) (int, any) {
	c := q.s.contacts().byExternalID[q.param("external_id")]
	if c == nil || c.lead {
		return q.fail(http.StatusNotFound, CodeNotFound, MsgUserNotFound)
	}
	return http.StatusOK, q.s.contactView(c)
}

func deleteContact(q *request) (int, any) {
	st := q.s.contacts()
	c := st.byID[q.param("contact_id")]
	if c == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, MsgUserNotFound)
	}
	st.remove(c)
	return http.StatusOK, contactDeletedView{Type: "contact", ID: c.id, ExternalID: strOrNil(c.externalID), Deleted: true}
}

func createContact(q *request) (int, any) {
	st := q.s.contacts()
	c := &contact{place: -1, lead: false}
	fields, status, body := q.decodeContactFields()
	if fields == nil {
		return status, body
	}
	_, hasEmail := fields["email"]
	_, hasExternalID := fields["external_id"]
	_, hasRole := fields["role"]
	if !hasEmail && !hasExternalID && !hasRole {
		return q.fail(http.StatusBadRequest, CodeParameterInvalid, "a contact needs an email, an external_id or a role")
	}
	if status, body := q.applyContactFields(c, fields, true); status != 0 {
		return status, body
	}
	if status, body := q.checkContactUnique(c, nil); status != 0 {
		return status, body
	}
	c.seq = st.nextSeq
	st.nextSeq++
	c.createdAt, c.updatedAt = q.now, q.now
	c.id = objectID(c.createdAt, q.s.salt, c.seq)
	st.index(c)
	return http.StatusOK, q.s.contactView(c)
}

func updateContact(q *request) (int, any) {
	st := q.s.contacts()
	old := st.byID[q.param("contact_id")]
	if old == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, MsgUserNotFound)
	}
	fields, status, body := q.decodeContactFields()
	if fields == nil {
		return status, body
	}
	c := *old
	c.custom = append([]attrValue(nil), old.custom...)
	if status, body := q.applyContactFields(&c, fields, false); status != 0 {
		return status, body
	}
	if status, body := q.checkContactUnique(&c, old); status != 0 {
		return status, body
	}
	st.unindexKeys(old)
	c.updatedAt = max(q.now, old.createdAt)
	*old = c
	st.indexKeys(old)
	return http.StatusOK, q.s.contactView(old)
}

func (q *request) decodeContactFields() (map[string]json.RawMessage, int, any) {
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(q.body))
	if err := dec.Decode(&fields); err != nil || fields == nil {
		if len(bytes.TrimSpace(q.body)) == 0 {
			return map[string]json.RawMessage{}, 0, nil
		}
		status, body := q.fail(http.StatusBadRequest, CodeParameterInvalid, "the body must be a JSON object")
		return nil, status, body
	}
	return fields, 0, nil
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// applyContactFields validates and applies the request's fields to c. It
// returns status 0 when all is well.
func (q *request) applyContactFields(c *contact, fields map[string]json.RawMessage, creating bool) (int, any) {
	bad := q.invalid
	str := func(field string, nullable bool) (string, bool, bool) { // value, present, ok
		raw, ok := fields[field]
		if !ok {
			return "", false, true
		}
		if isNull(raw) {
			return "", true, nullable || creating
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", true, false
		}
		return strings.TrimSpace(s), true, true
	}
	if v, present, ok := str("role", false); !ok {
		return bad("role", "role must be a string: user or lead")
	} else if present && v != "" {
		switch v {
		case "user":
			c.lead = false
		case "lead":
			if !creating && !c.lead {
				return bad("role", "a user cannot be converted to a lead")
			}
			c.lead = true
		default:
			return bad("role", fmt.Sprintf("role must be user or lead, not %q", v))
		}
	}
	if v, present, ok := str("external_id", false); !ok {
		return bad("external_id", "external_id must be a string")
	} else if present {
		c.externalID = v
	}
	if v, present, ok := str("email", false); !ok {
		return bad("email", "email must be a string")
	} else if present {
		if v != "" && !plausibleEmail(v) {
			return bad("email", "email is not a valid email address")
		}
		c.email = v
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"phone", &c.phone}, {"name", &c.name}} {
		if v, present, ok := str(f.name, true); !ok {
			return bad(f.name, f.name+" must be a string or null")
		} else if present {
			*f.dst = v
		}
	}
	if v, present, ok := str("avatar", true); !ok {
		return bad("avatar", "avatar must be a URL string or null")
	} else if present {
		if v != "" {
			if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return bad("avatar", "avatar must be an http(s) URL")
			}
		}
		c.avatar = v
	}
	if status, body := q.setTimestamps(fields, timestampField{"signed_up_at", &c.signedUpAt}, timestampField{"last_seen_at", &c.lastSeenAt}); status != 0 {
		return status, body
	}
	if raw, ok := fields["owner_id"]; ok {
		if isNull(raw) {
			c.ownerID = 0
		} else {
			var n int64
			if err := json.Unmarshal(raw, &n); err != nil {
				return bad("owner_id", "owner_id must be an integer (an admin id) or null")
			}
			if q.s.admins().byID[strconv.FormatInt(n, 10)] == nil {
				return bad("owner_id", fmt.Sprintf("owner_id %d is not an admin of this workspace", n))
			}
			c.ownerID = n
		}
	}
	if raw, ok := fields["unsubscribed_from_emails"]; ok {
		if isNull(raw) {
			c.unsub = false
		} else if err := json.Unmarshal(raw, &c.unsub); err != nil {
			return bad("unsubscribed_from_emails", "unsubscribed_from_emails must be a boolean")
		}
	}
	return q.setDataAttributes(fields, "contact", c.custom.set)
}

func plausibleEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	return at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " \t\r\n,;<>") && strings.Count(s, "@") == 1
}

// customValueOf checks a JSON value against the attribute's type and
// returns the stored value (nil for null).
func customValueOf(a *dataAttr, raw json.RawMessage) (any, error) {
	v, err := decodeValue(raw)
	if v == nil || err != nil {
		return nil, err
	}
	switch a.dataType {
	case "string", "options":
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("must be a string")
		}
		if a.dataType == "options" {
			return optionValue(s, a.options)
		}
		return s, nil
	case "integer":
		n, ok := v.(json.Number)
		if !ok {
			return nil, fmt.Errorf("must be an integer")
		}
		i, err := n.Int64()
		if err != nil {
			f, ferr := n.Float64()
			if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
				return nil, fmt.Errorf("must be an integer")
			}
			i = int64(f)
		}
		return i, nil
	case "float":
		n, ok := v.(json.Number)
		if !ok {
			return nil, fmt.Errorf("must be a number")
		}
		f, err := n.Float64()
		if err != nil {
			return nil, fmt.Errorf("must be a number")
		}
		return f, nil
	case "boolean":
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("must be a boolean")
		}
		return b, nil
	case "date":
		switch t := v.(type) {
		case json.Number:
			i, err := t.Int64()
			if err != nil || i < 0 {
				return nil, fmt.Errorf("must be a date (Unix timestamp in seconds)")
			}
			return i, nil
		case string:
			tm, err := time.Parse(time.RFC3339, t)
			if err != nil {
				return nil, fmt.Errorf("must be a date (Unix timestamp in seconds or RFC 3339)")
			}
			return tm.Unix(), nil
		}
		return nil, fmt.Errorf("must be a date (Unix timestamp in seconds)")
	}
	return nil, fmt.Errorf("has an unsupported type %s", a.dataType)
}

// optionValue checks the value s of an options attribute (of a contact or a
// conversation).
func optionValue(s string, options []string) (any, error) {
	if !slices.Contains(options, s) {
		return nil, fmt.Errorf("must be one of its options %q", options)
	}
	return s, nil
}

// checkContactUnique answers 409 when c (replacing old, if any) would clash
// with another contact.
func (q *request) checkContactUnique(c, old *contact) (int, any) {
	st := q.s.contacts()
	if c.externalID != "" {
		if other := st.byExternalID[c.externalID]; other != nil && other != old {
			return q.fail(http.StatusConflict, CodeConflict, ConflictMessagePrefix+other.id)
		}
	}
	if !c.lead && c.email != "" {
		if other := st.userByEmail[strings.ToLower(c.email)]; other != nil && other != old {
			return q.fail(http.StatusConflict, CodeConflict, ConflictMessagePrefix+other.id)
		}
	}
	return 0, nil
}
