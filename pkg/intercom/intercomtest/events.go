package intercomtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Data events.
//
// Modelled rules (Intercom's documentation of GET and POST /events):
//   - GET /events?type=user&{intercom_user_id|user_id|email}=... lists a
//     contact's events of the last EventListDays days, newest first,
//     DefaultEventsPerPage a page (per_page up to MaxPerPage); pages.next
//     is the URL of the next page. type must be "user"; exactly one
//     identifier; user_id finds users by external id, email users by
//     email, intercom_user_id any contact. Unknown contact: 404.
//   - With summary=true it answers the contact's counts per event name over
//     all time, older events included, with the first and last times.
//   - POST /events records an event of the contact named by id (users and
//     leads), user_id or email; created_at is required (the spec) and kept;
//     metadata values are strings, numbers, rich links {url, value} or
//     monetary amounts {amount, currency}: anything else is 400; keys past
//     the tenth are ignored. An event of the same contact, name and
//     created_at as one the contact has is ignored (Intercom's
//     de-duplication). Answer: 202, empty body.
//   - The window's end is the generator's anchor (see genAnchor), not the
//     clock: the seeded history is the same whatever day it runs, and events
//     posted with their original created_at list the same way in every
//     workspace.

const (
	EventListDays        = 90
	DefaultEventsPerPage = 50
	MaxEventMetadataKeys = 10
)

type eventMeta struct {
	key string
	v   any // string, json.Number, or map[string]any (rich link, money)
}

type event struct {
	id        string
	contactID string
	name      string
	createdAt int64
	meta      []eventMeta
}

type eventStore struct {
	byContact map[string][]*event // in the order recorded
	nextSeq   uint64
	total     int
}

func (s *Sandbox) events() *eventStore { return s.stores["events"].(*eventStore) }

func init() {
	registerEntity(entityDef{
		name:     "events",
		order:    47,
		newStore: func() any { return &eventStore{byContact: map[string][]*event{}} },
		seed:     seedEvents,
		count:    func(s *Sandbox) int { return s.events().total },
		records: func(s *Sandbox) []any {
			var out []any
			for _, c := range s.contacts().order {
				for _, e := range s.eventsOf(c.id) {
					out = append(out, s.eventView(e, c))
				}
			}
			return out
		},
		routes: []route{
			{method: "GET", path: "/events", handler: listEvents},
			{method: "POST", path: "/events", write: true, handler: createEvent},
		},
	})
}

// eventWindowStart is the oldest created_at the list endpoint shows.
func (s *Sandbox) eventWindowStart() int64 {
	return genAnchor(s.now()).Unix() - EventListDays*86400
}

// EventWindowStart is the oldest created_at GET /events lists (the
// generator's anchor less EventListDays days).
func (s *Sandbox) EventWindowStart() int64 { return s.eventWindowStart() }

// eventsOf returns a contact's events newest first (then last recorded
// first).
func (s *Sandbox) eventsOf(contactID string) []*event {
	src := s.events().byContact[contactID]
	list := make([]*event, len(src))
	for i, e := range src {
		list[len(src)-1-i] = e
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].createdAt > list[j].createdAt })
	return list
}

func (st *eventStore) add(s *Sandbox, e *event) bool {
	for _, x := range st.byContact[e.contactID] {
		if x.name == e.name && x.createdAt == e.createdAt {
			return false
		}
	}
	st.nextSeq++
	e.id = strconv.FormatUint(mix64(s.salt^st.nextSeq)%1_000_000_000_000, 10)
	st.byContact[e.contactID] = append(st.byContact[e.contactID], e)
	st.total++
	return true
}

var eventNames = []string{
	"signed-in", "viewed-pricing", "invited-teammate", "exported-report",
	"upgraded-plan", "created-project", "opened-mobile-app", "submitted-feedback",
}

// seedEvents gives ~30% of contacts one to six events: most in the last 90
// days before the anchor, about a third older (listed only in summaries).
func seedEvents(s *Sandbox, g *gen) {
	st := s.events()
	if g.ctx.contacts == 0 { // none, or left out (Options.Entities)
		return
	}
	anchor := g.ctx.anchor
	window := anchor - EventListDays*86400
	for _, c := range s.contacts().order {
		if !g.chance(0.3) {
			continue
		}
		k := 1 + g.intn(6)
		for range k {
			name := g.pick(eventNames)
			var at int64
			if g.chance(0.35) && c.createdAt < window-86400 {
				at = g.between(max(c.createdAt, window-2*365*86400), window-86400)
			} else {
				at = g.between(max(c.createdAt, window+3600), anchor)
			}
			e := &event{contactID: c.id, name: name, createdAt: at, meta: seedMetadata(g, name, at)}
			for !st.add(s, e) {
				e.createdAt++
			}
		}
	}
}

func seedMetadata(g *gen, name string, at int64) []eventMeta {
	var m []eventMeta
	switch name {
	case "upgraded-plan":
		m = append(m, eventMeta{"plan", g.pick([]string{"starter", "pro", "premium"})},
			eventMeta{"price", map[string]any{"amount": json.Number(strconv.Itoa(1000 + 100*g.intn(400))), "currency": g.pick([]string{"eur", "usd", "gbp"})}},
			eventMeta{"renewal_date", json.Number(strconv.FormatInt(at+365*86400, 10))})
	case "exported-report":
		m = append(m, eventMeta{"rows", json.Number(strconv.Itoa(g.intn(100000)))},
			eventMeta{"report_url", "https://reports.sandbox.example/r/" + strconv.Itoa(g.intn(1e6))})
	case "invited-teammate":
		m = append(m, eventMeta{"seats", json.Number(strconv.Itoa(1 + g.intn(20)))})
	case "viewed-pricing":
		m = append(m, eventMeta{"article", map[string]any{"url": "https://sandbox.example/pricing", "value": "Pricing"}})
	case "submitted-feedback":
		m = append(m, eventMeta{"score", json.Number(strconv.FormatFloat(float64(g.intn(100))/10, 'f', -1, 64))},
			eventMeta{"source", g.pick([]string{"web", "ios", "android"})})
	}
	return m
}

type eventView struct {
	Type           string         `json:"type"`
	ID             string         `json:"id"`
	EventName      string         `json:"event_name"`
	CreatedAt      int64          `json:"created_at"`
	UserID         string         `json:"user_id,omitempty"`
	Email          string         `json:"email,omitempty"`
	IntercomUserID string         `json:"intercom_user_id"`
	Metadata       map[string]any `json:"metadata"`
}

func (s *Sandbox) eventView(e *event, c *contact) eventView {
	v := eventView{Type: "event", ID: e.id, EventName: e.name, CreatedAt: e.createdAt,
		UserID: c.externalID, Email: c.email, IntercomUserID: c.id, Metadata: make(map[string]any, len(e.meta))}
	for _, m := range e.meta {
		if o, ok := m.v.(map[string]any); ok {
			cp := make(map[string]any, len(o))
			for k, x := range o {
				cp[k] = x
			}
			v.Metadata[m.key] = cp
		} else {
			v.Metadata[m.key] = m.v
		}
	}
	return v
}

type eventPagesView struct {
	Next string `json:"next,omitempty"`
}

type eventListView struct {
	Type   string         `json:"type"`
	Events []eventView    `json:"events"`
	Pages  eventPagesView `json:"pages"`
}

type eventSummaryItem struct {
	Name  string `json:"name"`
	First string `json:"first"`
	Last  string `json:"last"`
	Count int    `json:"count"`
}

type eventSummaryView struct {
	Type           string             `json:"type"`
	Email          string             `json:"email,omitempty"`
	IntercomUserID string             `json:"intercom_user_id"`
	UserID         string             `json:"user_id,omitempty"`
	Events         []eventSummaryItem `json:"events"`
}

// eventContact finds the contact a list or a new event names.
func (q *request) eventContact(id, userID, email string) (*contact, int, any) {
	n := 0
	for _, v := range []string{id, userID, email} {
		if v != "" {
			n++
		}
	}
	if n == 0 {
		status, body := q.fail(http.StatusBadRequest, CodeParameterInvalid, "one of intercom_user_id, user_id or email is required")
		return nil, status, body
	}
	st := q.s.contacts()
	var c *contact
	switch {
	case id != "":
		c = st.byID[id]
	case userID != "":
		if x := st.byExternalID[userID]; x != nil && !x.lead {
			c = x
		}
	default:
		c = st.userByEmail[strings.ToLower(email)]
	}
	if c == nil {
		status, body := q.fail(http.StatusNotFound, CodeNotFound, MsgUserNotFound)
		return nil, status, body
	}
	return c, 0, nil
}

func isoTime(t int64) string { return time.Unix(t, 0).UTC().Format("2006-01-02T15:04:05.000-07:00") }

func listEvents(q *request) (int, any) {
	query := q.r.URL.Query()
	if query.Get("type") != "user" {
		return q.failField(http.StatusBadRequest, CodeParameterInvalid, "type must be user", "type")
	}
	n := 0
	for _, k := range []string{"intercom_user_id", "user_id", "email"} {
		if query.Get(k) != "" {
			n++
		}
	}
	if n > 1 {
		return q.fail(http.StatusBadRequest, CodeParameterInvalid, "give one of intercom_user_id, user_id or email")
	}
	c, status, body := q.eventContact(query.Get("intercom_user_id"), query.Get("user_id"), query.Get("email"))
	if c == nil {
		return status, body
	}
	all := q.s.eventsOf(c.id)
	if query.Get("summary") == "true" {
		out := eventSummaryView{Type: "event.summary", Email: c.email, IntercomUserID: c.id, UserID: c.externalID, Events: []eventSummaryItem{}}
		type agg struct {
			first, last int64
			count       int
		}
		byName := map[string]*agg{}
		for _, e := range all {
			a := byName[e.name]
			if a == nil {
				a = &agg{first: e.createdAt, last: e.createdAt}
				byName[e.name] = a
			}
			a.count++
			a.first, a.last = min(a.first, e.createdAt), max(a.last, e.createdAt)
		}
		for _, name := range sortedKeys(byName) {
			a := byName[name]
			out.Events = append(out.Events, eventSummaryItem{Name: name, First: isoTime(a.first), Last: isoTime(a.last), Count: a.count})
		}
		return http.StatusOK, out
	}
	perPage, status, body := q.perPageQuery(DefaultEventsPerPage)
	if status != 0 {
		return status, body
	}
	start := q.s.eventWindowStart()
	var list []*event
	for _, e := range all {
		if e.createdAt >= start {
			list = append(list, e)
		}
	}
	pos := 0
	if cur := query.Get("before"); cur != "" {
		p, err := strconv.Atoi(cur)
		if err != nil || p < 0 {
			return q.failField(http.StatusBadRequest, CodeParameterInvalid, "before is not a valid cursor", "before")
		}
		pos = min(p, len(list))
	}
	end := min(pos+perPage, len(list))
	out := eventListView{Type: "event.list", Events: []eventView{}}
	for _, e := range list[pos:end] {
		out.Events = append(out.Events, q.s.eventView(e, c))
	}
	if end < len(list) {
		next := url.Values{}
		for k, v := range query {
			next[k] = v
		}
		next.Set("per_page", strconv.Itoa(perPage))
		next.Set("before", strconv.Itoa(end))
		scheme := "http"
		if q.r.TLS != nil {
			scheme = "https"
		}
		out.Pages.Next = (&url.URL{Scheme: scheme, Host: q.r.Host, Path: "/events", RawQuery: next.Encode()}).String()
	}
	return http.StatusOK, out
}

func createEvent(q *request) (int, any) {
	var body struct {
		EventName *string         `json:"event_name"`
		CreatedAt *int64          `json:"created_at"`
		ID        string          `json:"id"`
		UserID    string          `json:"user_id"`
		Email     string          `json:"email"`
		Metadata  json.RawMessage `json:"metadata"`
	}
	if err := json.Unmarshal(q.body, &body); err != nil {
		return q.fail(http.StatusBadRequest, CodeParameterInvalid, "the body must be a JSON object")
	}
	if body.EventName == nil || strings.TrimSpace(*body.EventName) == "" {
		return q.failField(http.StatusBadRequest, CodeParameterInvalid, "event_name is required", "event_name")
	}
	if body.CreatedAt == nil || *body.CreatedAt <= 0 {
		return q.failField(http.StatusBadRequest, CodeParameterInvalid, "created_at is required (Unix seconds)", "created_at")
	}
	meta, err := parseEventMetadata(body.Metadata)
	if err != nil {
		return q.failField(http.StatusBadRequest, CodeParameterInvalid, err.Error(), "metadata")
	}
	c, status, out := q.eventContact(body.ID, body.UserID, body.Email)
	if c == nil {
		return status, out
	}
	q.s.events().add(q.s, &event{contactID: c.id, name: *body.EventName, createdAt: *body.CreatedAt, meta: meta})
	return http.StatusAccepted, nil
}

// parseEventMetadata reads metadata keeping the order of its keys (the
// first MaxEventMetadataKeys are kept).
func parseEventMetadata(raw json.RawMessage) ([]eventMeta, error) {
	if len(bytes.TrimSpace(raw)) == 0 || isNull(raw) {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errors.New("metadata must be an object")
	}
	var out []eventMeta
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, errors.New("metadata must be an object")
		}
		k, _ := t.(string)
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, errors.New("metadata must be an object")
		}
		switch x := v.(type) {
		case string, json.Number:
		case map[string]any:
			if !isRichLink(x) && !isMoney(x) {
				return nil, fmt.Errorf("metadata %q: nested JSON is not supported (only rich links {url, value} and monetary amounts {amount, currency})", k)
			}
		default:
			return nil, fmt.Errorf("metadata %q: a value must be a string, a number, a rich link or a monetary amount", k)
		}
		if len(out) < MaxEventMetadataKeys {
			out = append(out, eventMeta{k, v})
		}
	}
	return out, nil
}

func isRichLink(m map[string]any) bool {
	u, ok1 := m["url"].(string)
	_, ok2 := m["value"].(string)
	return len(m) == 2 && ok1 && ok2 && (strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://"))
}

func isMoney(m map[string]any) bool {
	a, ok1 := m["amount"].(json.Number)
	_, ok2 := m["currency"].(string)
	if !ok1 || !ok2 || len(m) != 2 {
		return false
	}
	n, err := a.Int64()
	return err == nil && n >= 0
}
