package intercomtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Tags, and tagging contacts.
//
// POST /tags does one of (Intercom's spec):
//   - {"name"}: create the tag, or return the existing one with that name
//     (names are case-insensitive), 200 with the tag;
//   - {"id", "name"}: rename the tag (404 when there is no such tag, 400
//     when another tag has the name);
//   - {"name", "users": [{"id"}]}: create or find the tag and tag those
//     contacts. Every id must be a contact of the workspace, else 404
//     not_found "User Not Found" and nothing is tagged; tagging a contact
//     that has the tag already is a no-op; {"id", "untag": true} removes the
//     tag (Intercom's older form). Intercom's guidance is at most 50 users
//     per call; the sandbox accepts up to MaxTagUsersPerCall and answers 400
//     beyond, so a client that batches more than Intercom advises still
//     fails loudly in tests while a client that follows it never does;
//   - {"name", "companies": [...]}: tag or untag companies (companies.go).

// MaxTagUsersPerCall is the most users POST /tags accepts in one call.
const MaxTagUsersPerCall = 100

// MaxTagsShownOnContact is how many tags the contact object lists (has_more
// tells there are more; GET /contacts/{id}/tags lists all).
const MaxTagsShownOnContact = 10

type tag struct {
	id        int64
	name      string
	createdAt int64
}

type tagStore struct {
	list   []*tag // by id
	byID   map[int64]*tag
	byName map[string]*tag // lower-cased name
	nextID int64
}

func (s *Sandbox) tags() *tagStore { return s.stores["tags"].(*tagStore) }

func init() {
	registerEntity(entityDef{
		name:     "tags",
		order:    30,
		newStore: func() any { return &tagStore{byID: map[int64]*tag{}, byName: map[string]*tag{}} },
		seed:     seedTags,
		count:    func(s *Sandbox) int { return len(s.tags().list) },
		records: func(s *Sandbox) []any {
			return recordsOf(s.tags().list, func(t *tag) any { return t.view() })
		},
		routes: []route{
			{method: "GET", path: "/tags", handler: listTags},
			{method: "POST", path: "/tags", write: true, handler: postTags},
			{method: "GET", path: "/tags/{tag_id}", handler: getTag},
			{method: "GET", path: "/contacts/{contact_id}/tags", handler: listContactTags},
			{method: "POST", path: "/contacts/{contact_id}/tags", write: true, handler: attachContactTag},
			{method: "DELETE", path: "/contacts/{contact_id}/tags/{tag_id}", write: true, handler: detachContactTag},
		},
	})
}

func seedTags(s *Sandbox, g *gen) {
	st := s.tags()
	st.nextID = 100000 + int64(s.salt%800000)
	if g.ctx.contacts == 0 {
		return
	}
	names := append([]string(nil), tagNames...)
	g.r.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	for _, n := range names[:25] {
		st.create(n, g.between(s.appCreated, g.ctx.anchor-86400))
	}
}

func (st *tagStore) create(name string, now int64) *tag {
	t := &tag{id: st.nextID, name: name, createdAt: now}
	st.nextID++
	st.list = append(st.list, t)
	st.byID[t.id] = t
	st.byName[strings.ToLower(name)] = t
	return t
}

func (st *tagStore) lookup(id string) *tag {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return nil
	}
	return st.byID[n]
}

type tagView struct {
	Type      string     `json:"type"`
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	AppliedAt *int64     `json:"applied_at,omitempty"`
	AppliedBy *reference `json:"applied_by,omitempty"`
}

type reference struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

func (t *tag) view() tagView {
	return tagView{Type: "tag", ID: strconv.FormatInt(t.id, 10), Name: t.name}
}

func (t *tag) appliedView(ap appliedTag) tagView {
	v := t.view()
	at := ap.at
	v.AppliedAt = &at
	v.AppliedBy = &reference{Type: "admin", ID: ap.by}
	return v
}

func listTags(q *request) (int, any) {
	list := q.s.tags().list
	data := make([]tagView, 0, len(list))
	for _, t := range list {
		data = append(data, t.view())
	}
	return http.StatusOK, map[string]any{"type": "list", "data": data}
}

func getTag(q *request) (int, any) {
	t := q.s.tags().lookup(q.param("tag_id"))
	if t == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, MsgNotFound)
	}
	return http.StatusOK, t.view()
}

type tagUser struct {
	ID    string `json:"id"`
	Untag bool   `json:"untag"`
}

func postTags(q *request) (int, any) {
	var in struct {
		ID        *json.RawMessage `json:"id"`
		Name      string           `json:"name"`
		Users     *[]tagUser       `json:"users"`
		Companies *json.RawMessage `json:"companies"`
	}
	if err := json.Unmarshal(q.body, &in); err != nil {
		return q.fail(http.StatusBadRequest, CodeParameterInvalid, "invalid tag parameters: "+err.Error())
	}
	name := strings.TrimSpace(in.Name)
	if name == "" {
		return q.failField(http.StatusBadRequest, CodeParameterInvalid, "invalid tag parameters: name is required", "name")
	}
	st := q.s.tags()
	switch {
	case in.Companies != nil:
		if in.Users != nil {
			return q.fail(http.StatusBadRequest, CodeParameterInvalid, "invalid tag parameters: tag users or companies, not both")
		}
		return tagCompanies(q, name, *in.Companies)
	case in.ID != nil:
		var id string
		if err := json.Unmarshal(*in.ID, &id); err != nil {
			var n json.Number
			if err := json.Unmarshal(*in.ID, &n); err != nil {
				return q.failField(http.StatusBadRequest, CodeParameterInvalid, "invalid tag parameters: id must be a string", "id")
			}
			id = n.String()
		}
		t := st.lookup(id)
		if t == nil {
			return q.fail(http.StatusNotFound, CodeNotFound, MsgNotFound)
		}
		if other := st.byName[strings.ToLower(name)]; other != nil && other != t {
			return q.failField(http.StatusBadRequest, CodeParameterInvalid, "invalid tag parameters: a tag with that name already exists", "name")
		}
		delete(st.byName, strings.ToLower(t.name))
		t.name = name
		st.byName[strings.ToLower(name)] = t
		return http.StatusOK, t.view()
	case in.Users != nil:
		users := *in.Users
		if len(users) > MaxTagUsersPerCall {
			return q.failField(http.StatusBadRequest, CodeParameterInvalid,
				fmt.Sprintf("invalid tag parameters: at most %d users per call (Intercom advises 50), got %d", MaxTagUsersPerCall, len(users)), "users")
		}
		cs := q.s.contacts()
		targets := make([]*contact, 0, len(users))
		for i, u := range users {
			if u.ID == "" {
				return q.failField(http.StatusBadRequest, CodeParameterInvalid, fmt.Sprintf("invalid tag parameters: users[%d] has no id", i), "users")
			}
			c := cs.byID[u.ID]
			if c == nil {
				return q.fail(http.StatusNotFound, CodeNotFound, MsgUserNotFound)
			}
			targets = append(targets, c)
		}
		t := st.byName[strings.ToLower(name)]
		if t == nil {
			t = st.create(name, q.now)
		}
		by := q.meAdmin().id
		for i, c := range targets {
			if users[i].Untag {
				c.tags.remove(t.id)
			} else {
				c.tags.add(appliedTag{id: t.id, at: q.now, by: by})
			}
		}
		return http.StatusOK, t.view()
	default:
		t := st.byName[strings.ToLower(name)]
		if t == nil {
			t = st.create(name, q.now)
		}
		return http.StatusOK, t.view()
	}
}

func listContactTags(q *request) (int, any) {
	c := q.s.contacts().byID[q.param("contact_id")]
	if c == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, MsgUserNotFound)
	}
	st := q.s.tags()
	data := make([]tagView, 0, len(c.tags))
	for _, ap := range c.tags {
		if t := st.byID[ap.id]; t != nil {
			data = append(data, t.appliedView(ap))
		}
	}
	return http.StatusOK, map[string]any{"type": "list", "data": data}
}

func attachContactTag(q *request) (int, any) {
	c := q.s.contacts().byID[q.param("contact_id")]
	if c == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, MsgUserNotFound)
	}
	var in struct {
		ID json.RawMessage `json:"id"`
	}
	if err := json.Unmarshal(q.body, &in); err != nil {
		return q.fail(http.StatusBadRequest, CodeParameterInvalid, "invalid JSON: "+err.Error())
	}
	id := strings.Trim(string(in.ID), `"`)
	t := q.s.tags().lookup(id)
	if t == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, MsgNotFound)
	}
	ap := appliedTag{id: t.id, at: q.now, by: q.meAdmin().id}
	if old, ok := c.tags.find(t.id); ok {
		ap = old
	} else {
		c.tags.add(ap)
	}
	return http.StatusOK, t.appliedView(ap)
}

func detachContactTag(q *request) (int, any) {
	c := q.s.contacts().byID[q.param("contact_id")]
	if c == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, MsgUserNotFound)
	}
	t := q.s.tags().lookup(q.param("tag_id"))
	if t == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, MsgNotFound)
	}
	ap, ok := c.tags.find(t.id)
	if !ok {
		return q.fail(http.StatusNotFound, CodeNotFound, MsgNotFound)
	}
	c.tags.remove(t.id)
	return http.StatusOK, t.appliedView(ap)
}
