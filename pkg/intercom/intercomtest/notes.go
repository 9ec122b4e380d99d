package intercomtest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// Notes on contacts.
//
// Modelled rules:
//   - GET /contacts/{id}/notes lists a contact's notes newest first (then
//     by id, highest first), DefaultNotesPerPage a page, with cursors like
//     the contacts list (per_page up to MaxPerPage).
//   - POST /contacts/{id}/notes adds a note: body (a non-empty string) and
//     admin_id (the author; the token's teammate when absent). Intercom sets
//     created_at: it cannot be given. Unknown contact: 404 "User Not Found";
//     unknown admin: 404 "Resource Not Found". Every POST adds a note (no
//     de-duplication).
//   - The contact view shows the first MaxNotesShownOnContact notes' ids,
//     the count, and has_more.

const (
	DefaultNotesPerPage    = 50
	MaxNotesShownOnContact = 10
)

type note struct {
	id        int64
	contactID string
	adminID   string
	body      string
	createdAt int64
}

type noteStore struct {
	byContact map[string][]*note // in creation order
	byID      map[int64]*note
	nextID    int64
	total     int
}

func (s *Sandbox) notes() *noteStore { return s.stores["notes"].(*noteStore) }

func init() {
	registerEntity(entityDef{
		name:     "notes",
		order:    46,
		newStore: func() any { return &noteStore{byContact: map[string][]*note{}, byID: map[int64]*note{}} },
		seed:     seedNotes,
		count:    func(s *Sandbox) int { return s.notes().total },
		records: func(s *Sandbox) []any {
			var out []any
			for _, c := range s.contacts().order {
				for _, n := range s.notesOf(c.id) {
					out = append(out, s.noteView(n))
				}
			}
			return out
		},
		routes: []route{
			{method: "GET", path: "/contacts/{contact_id}/notes", handler: listNotes},
			{method: "POST", path: "/contacts/{contact_id}/notes", write: true, handler: createNote},
			{method: "GET", path: "/notes/{note_id}", handler: getNote},
		},
	})
}

var noteBodies = []string{
	"Called about the renewal; wants a quote for 20 more seats.",
	"Asked for a walkthrough of the reporting features.",
	"Reported slow exports; escalated to engineering.",
	"Prefers to be contacted by email, not phone.",
	"Evaluating a competitor; follow up next quarter.",
	"Happy with onboarding, suggested a case study.",
	"Billing address changed; invoice re-issued.",
	"Interested in the beta program.",
	"Met at the conference booth; send the deck.",
	"Needs SSO before rolling out to the whole team.",
}

// seedNotes puts one to three notes, by teammates, on ~20% of contacts.
func seedNotes(s *Sandbox, g *gen) {
	st := s.notes()
	st.nextID = 1000 + int64(s.salt%90000)
	admins := s.admins().list
	if len(admins) == 0 || g.ctx.contacts == 0 { // none, or left out (Options.Entities)
		return
	}
	anchor := g.ctx.anchor
	for _, c := range s.contacts().order {
		if !g.chance(0.2) {
			continue
		}
		k := 1 + g.intn(3)
		at := c.createdAt
		for range k {
			at = g.between(at, anchor)
			body := "<p>" + g.pick(noteBodies) + "</p>"
			if g.chance(0.2) {
				body += "<p>Next step: " + g.pick(noteBodies) + "</p>"
			}
			st.add(&note{contactID: c.id, adminID: admins[g.intn(len(admins))].id, body: body, createdAt: at})
		}
	}
}

func (st *noteStore) add(n *note) {
	n.id = st.nextID
	st.nextID++
	st.byContact[n.contactID] = append(st.byContact[n.contactID], n)
	st.byID[n.id] = n
	st.total++
}

// notesOf returns a contact's notes as listed: newest first.
func (s *Sandbox) notesOf(contactID string) []*note {
	list := append([]*note(nil), s.notes().byContact[contactID]...)
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].createdAt != list[j].createdAt {
			return list[i].createdAt > list[j].createdAt
		}
		return list[i].id > list[j].id
	})
	return list
}

type noteContactRef struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

type noteView struct {
	Type      string          `json:"type"`
	ID        string          `json:"id"`
	CreatedAt int64           `json:"created_at"`
	Contact   *noteContactRef `json:"contact"`
	Author    *adminView      `json:"author"`
	Body      string          `json:"body"`
}

func (s *Sandbox) noteView(n *note) noteView {
	v := noteView{Type: "note", ID: strconv.FormatInt(n.id, 10), CreatedAt: n.createdAt,
		Contact: &noteContactRef{Type: "contact", ID: n.contactID}, Body: n.body}
	if a := s.admins().byID[n.adminID]; a != nil {
		av := a.view(false)
		v.Author = &av
	}
	return v
}

// notesList fills a contact view's notes.
func (s *Sandbox) notesList(c *contact, v *contactView) {
	list := s.notesOf(c.id)
	v.Notes = listRef{Type: "list", URL: "/contacts/" + c.id + "/notes", TotalCount: len(list),
		Data: make([]addressable, 0, min(len(list), MaxNotesShownOnContact)), HasMore: len(list) > MaxNotesShownOnContact}
	for _, n := range list[:min(len(list), MaxNotesShownOnContact)] {
		id := strconv.FormatInt(n.id, 10)
		v.Notes.Data = append(v.Notes.Data, addressable{Type: "note", ID: id, URL: "/notes/" + id})
	}
}

const noteCursorPrefix = "note1:"

func listNotes(q *request) (int, any) {
	c := q.s.contacts().byID[q.param("contact_id")]
	if c == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, MsgUserNotFound)
	}
	perPage, status, body := q.perPageQuery(DefaultNotesPerPage)
	if status != 0 {
		return status, body
	}
	query := q.r.URL.Query()
	list := q.s.notesOf(c.id)
	pos := 0
	if cur := query.Get("starting_after"); cur != "" {
		raw, err := base64.RawURLEncoding.DecodeString(cur)
		rest, found := strings.CutPrefix(string(raw), noteCursorPrefix)
		id, perr := strconv.ParseInt(rest, 10, 64)
		if err != nil || !found || perr != nil {
			return q.badCursor("starting_after")
		}
		pos = afterNumber(list, id, func(n *note) int64 { return n.id })
	}
	items, pages := cutPage(list, pos, perPage, func(n *note) string {
		return base64.RawURLEncoding.EncodeToString([]byte(noteCursorPrefix + strconv.FormatInt(n.id, 10)))
	})
	return http.StatusOK, renderPage("list", "data", items, len(list), pages, q.s.noteView)
}

func createNote(q *request) (int, any) {
	c := q.s.contacts().byID[q.param("contact_id")]
	if c == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, MsgUserNotFound)
	}
	var body struct {
		Body    *string         `json:"body"`
		AdminID json.RawMessage `json:"admin_id"`
	}
	if err := json.Unmarshal(q.body, &body); err != nil {
		return q.fail(http.StatusBadRequest, CodeParameterInvalid, "the body must be a JSON object")
	}
	if body.Body == nil || strings.TrimSpace(*body.Body) == "" {
		return q.failField(http.StatusBadRequest, CodeParameterInvalid, "body is required", "body")
	}
	author := q.meAdmin()
	if len(body.AdminID) > 0 && !isNull(body.AdminID) {
		id := strings.Trim(string(body.AdminID), `"`)
		author = q.s.admins().byID[id]
		if author == nil {
			return q.fail(http.StatusNotFound, CodeNotFound, MsgNotFound)
		}
	}
	n := &note{contactID: c.id, adminID: author.id, body: *body.Body, createdAt: q.now}
	q.s.notes().add(n)
	return http.StatusOK, q.s.noteView(n)
}

func getNote(q *request) (int, any) {
	id, err := strconv.ParseInt(q.param("note_id"), 10, 64)
	n := q.s.notes().byID[id]
	if err != nil || n == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, MsgNotFound)
	}
	return http.StatusOK, q.s.noteView(n)
}
