package intercomtest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Cursor paging, shared by the lists Intercom pages with starting_after:
// contacts, conversations and a contact's notes, and the searches of
// contacts, conversations and tickets. A cursor names the last item of the
// page before; the page after it is cut the same way everywhere (cutPage).
// Each list keeps its own cursor format (the formats are what clients
// hold between calls).

type pagesView struct {
	Type       string    `json:"type"`
	Page       int       `json:"page"`
	PerPage    int       `json:"per_page"`
	TotalPages int       `json:"total_pages"`
	Next       *nextPage `json:"next,omitempty"`
}

type nextPage struct {
	Page          int    `json:"page"`
	StartingAfter string `json:"starting_after"`
}

// listPage is a page of a list as Intercom renders it: {"type", key:
// [items], "total_count", "pages"}, the key being "data" for most lists,
// "conversations" and "tickets" for theirs.
type listPage[V any] struct {
	typ, key string
	items    []V
	total    int
	pages    pagesView
}

// sampledPage is a listPage of big records (contacts, conversations,
// tickets), of which the sandbox validates a sample of the items (sampler).
type sampledPage[V any] struct{ listPage[V] }

func (l sampledPage[V]) validationSample(offset int) any {
	out := l.listPage
	out.items = sampleOf(l.items, offset)
	return out
}

// renderPage makes the page of items, each through view.
func renderPage[T, V any](typ, key string, items []T, total int, pages pagesView, view func(T) V) listPage[V] {
	out := listPage[V]{typ: typ, key: key, items: make([]V, 0, len(items)), total: total, pages: pages}
	for _, x := range items {
		out.items = append(out.items, view(x))
	}
	return out
}

func (l listPage[V]) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // as writeJSON's encoder: bodies keep their HTML as is
	for _, f := range []struct {
		name string
		v    any
	}{{"type", l.typ}, {l.key, l.items}, {"total_count", l.total}, {"pages", l.pages}} {
		if b.Len() == 0 {
			b.WriteByte('{')
		} else {
			b.WriteByte(',')
		}
		b.WriteString(`"` + f.name + `":`)
		if err := enc.Encode(f.v); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// perPageQuery reads the per_page of a GET list (def when absent); a value
// outside 1..MaxPerPage is answered 400.
func (q *request) perPageQuery(def int) (perPage int, status int, body any) {
	perPage, ok := parsePerPage(q.r.URL.Query().Get("per_page"), def)
	if !ok {
		status, body = q.invalid("per_page", fmt.Sprintf("per_page must be an integer between 1 and %d", MaxPerPage))
		return 0, status, body
	}
	return perPage, 0, nil
}

// timeList answers GET of a list kept in creation order and paged by
// starting_after (contacts, conversations): per_page (def when absent),
// then the page pageOf cuts of list after the cursor, 400 for a cursor it
// did not make.
func timeList[T, V any](q *request, def int, list []T, pageOf func([]T, int, string) (sampledPage[V], bool)) (int, any) {
	perPage, status, body := q.perPageQuery(def)
	if status != 0 {
		return status, body
	}
	page, ok := pageOf(list, perPage, q.r.URL.Query().Get("starting_after"))
	if !ok {
		return q.badCursor("starting_after")
	}
	return http.StatusOK, page
}

// createdBefore is a record kept in creation order: before reports whether
// it comes before the record created at createdAt and numbered seq.
type createdBefore interface {
	before(createdAt, seq int64) bool
}

// insertInOrder puts x (created at createdAt, numbered seq) into list, kept
// in creation order: an append when x is the newest, as almost every new
// record is.
func insertInOrder[T createdBefore](list []T, x T, createdAt, seq int64) []T {
	n := len(list)
	if n == 0 || list[n-1].before(createdAt, seq) {
		return append(list, x)
	}
	i := sort.Search(n, func(i int) bool { return !list[i].before(createdAt, seq) })
	return slices.Insert(list, i, x)
}

// badCursor answers a cursor the list did not make; field is where it was
// given (starting_after, or pagination.starting_after in a search).
func (q *request) badCursor(field string) (int, any) {
	return q.invalid(field, "starting_after is not a valid cursor")
}

// cutPage cuts the page of at most perPage items of list that starts at
// pos, with its pages object; cursorOf makes the next page's cursor from
// the page's last item.
func cutPage[T any](list []T, pos, perPage int, cursorOf func(T) string) ([]T, pagesView) {
	end := min(pos+perPage, len(list))
	pages := pagesView{Type: "pages", Page: pos/perPage + 1, PerPage: perPage, TotalPages: (len(list) + perPage - 1) / perPage}
	if end < len(list) && end > pos {
		pages.Next = &nextPage{Page: pages.Page + 1, StartingAfter: cursorOf(list[end-1])}
	}
	return list[pos:end], pages
}

// timeCursor is the position of a record in creation order, (created_at,
// seq), as an opaque cursor: base64 of the prefix and "created_at:seq".
// Contacts ("sbx1:") and conversations ("sbxc1:") use it.
type timeCursor string

const (
	contactCursor timeCursor = "sbx1:"
	convCursor    timeCursor = "sbxc1:"
)

func (p timeCursor) encode(createdAt, seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(string(p) + strconv.FormatInt(createdAt, 10) + ":" + strconv.FormatInt(seq, 10)))
}

func (p timeCursor) decode(s string) (createdAt, seq int64, ok bool) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, 0, false
	}
	rest, found := strings.CutPrefix(string(raw), string(p))
	if !found {
		return 0, 0, false
	}
	a, b, found := strings.Cut(rest, ":")
	if !found {
		return 0, 0, false
	}
	createdAt, err1 := strconv.ParseInt(a, 10, 64)
	seq, err2 := strconv.ParseInt(b, 10, 64)
	return createdAt, seq, err1 == nil && err2 == nil
}

// timePage cuts the page after cursor ("" for the first) of list, in
// creation order; at gives an item's (created_at, seq). It reports false
// for a cursor that is not p's.
func timePage[T any](p timeCursor, list []T, perPage int, cursor string, at func(T) (int64, int64)) ([]T, pagesView, bool) {
	pos := 0
	if cursor != "" {
		createdAt, seq, ok := p.decode(cursor)
		if !ok {
			return nil, pagesView{}, false
		}
		pos = sort.Search(len(list), func(i int) bool {
			c, s := at(list[i])
			return c > createdAt || (c == createdAt && s > seq)
		})
	}
	items, pages := cutPage(list, pos, perPage, func(x T) string { return p.encode(at(x)) })
	return items, pages, true
}

// afterNumber is where the page after the item numbered n starts: past that
// item, or past the end when it is gone. Tickets (by seq) and notes (by id)
// are paged so.
func afterNumber[T any](list []T, n int64, num func(T) int64) int {
	for i, x := range list {
		if num(x) == n {
			return i + 1
		}
	}
	return len(list)
}

// sampleOf returns the items whose index is offset modulo sampleEvery (see
// sampler), never nil.
func sampleOf[T any](items []T, offset int) []T {
	out := []T{}
	for i := offset; i < len(items); i += sampleEvery {
		out = append(out, items[i])
	}
	return out
}
