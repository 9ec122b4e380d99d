package intercomtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// Helpers shared by the help center, news and custom object entities:
// lists paged by page number, numeric ids, decoding of request fields.

// contentPagesView is the pages object of a list paged by number (the
// spec's cursor_pages without a next cursor: pages are named by number).
type contentPagesView struct {
	Type       string `json:"type"`
	Page       int    `json:"page"`
	PerPage    int    `json:"per_page"`
	TotalPages int    `json:"total_pages"`
}

// contentPage reads page and per_page from the query and returns the slice
// bounds of the page among total items, or a 400 answer.
func (q *request) contentPage(total, defPerPage int) (lo, hi int, pages contentPagesView, status int, body any) {
	query := q.r.URL.Query()
	perPage, ok := parsePerPage(query.Get("per_page"), defPerPage)
	if !ok {
		status, body = q.failField(http.StatusBadRequest, CodeParameterInvalid, fmt.Sprintf("per_page must be an integer between 1 and %d", MaxPerPage), "per_page")
		return
	}
	page := 1
	if v := query.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			status, body = q.failField(http.StatusBadRequest, CodeParameterInvalid, "page must be a positive integer", "page")
			return
		}
		page = n
	}
	pages = contentPagesView{Type: "pages", Page: page, PerPage: perPage, TotalPages: (total + perPage - 1) / perPage}
	lo = min((page-1)*perPage, total)
	hi = min(lo+perPage, total)
	return lo, hi, pages, 0, nil
}

// numberedPage answers the page of items that page and per_page (default
// def) name, each through view: the list of help center content, news and
// custom object instances.
func numberedPage[T, V any](q *request, items []T, def int, view func(T) V) (int, any) {
	lo, hi, pages, status, body := q.contentPage(len(items), def)
	if status != 0 {
		return status, body
	}
	data := make([]V, 0, hi-lo)
	for _, x := range items[lo:hi] {
		data = append(data, view(x))
	}
	return http.StatusOK, map[string]any{"type": "list", "data": data, "total_count": len(items), "pages": pages}
}

// contentIDs hands out numeric ids, like Intercom's for articles,
// collections and news items: from a base that depends on the workspace.
type contentIDs struct{ next int64 }

func newContentIDs(salt uint64, kind string) contentIDs {
	return contentIDs{next: 100000 + int64(mix64(salt^hashString(kind))%8000000)}
}

func (n *contentIDs) take() int64 {
	id := n.next
	n.next++
	return id
}

func contentID(id int64) string { return strconv.FormatInt(id, 10) }

// parseContentID reads an id of a path.
func parseContentID(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}

// contentParam is the record of byID whose id the path parameter param
// names; nil when there is none.
func contentParam[T any](q *request, param string, byID map[int64]*T) *T {
	id, _ := parseContentID(q.param(param))
	return byID[id]
}

// contentGet answers GET of the record find names, through view; 404 when
// there is none.
func contentGet[T, V any](q *request, find func() *T, view func(*T) V) (int, any) {
	x := find()
	if x == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, MsgNotFound)
	}
	return http.StatusOK, view(x)
}

// contentUpdate finds the record a PUT names (404 when there is none) and
// decodes the fields of its body; nil with the answer when either fails.
func contentUpdate[T any](q *request, find func() *T) (*T, map[string]json.RawMessage, int, any) {
	old := find()
	if old == nil {
		status, body := q.fail(http.StatusNotFound, CodeNotFound, MsgNotFound)
		return nil, nil, status, body
	}
	f, status, body := q.contentFields()
	if f == nil {
		return nil, nil, status, body
	}
	return old, f, 0, nil
}

// contentDelete removes the record of byID whose id the path parameter
// param names (404 when there is none) and answers it deleted, as an
// object of type object.
func contentDelete[T any](q *request, param string, byID map[int64]*T, object string) (int, any) {
	id, _ := parseContentID(q.param(param))
	if byID[id] == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, MsgNotFound)
	}
	delete(byID, id)
	return http.StatusOK, contentDeletedView{ID: contentID(id), Object: object, Deleted: true}
}

// fields decodes a JSON object body into its raw fields; nil with an
// answer when the body is not an object.
func (q *request) contentFields() (map[string]json.RawMessage, int, any) {
	if len(bytes.TrimSpace(q.body)) == 0 {
		return map[string]json.RawMessage{}, 0, nil
	}
	var f map[string]json.RawMessage
	if err := json.Unmarshal(q.body, &f); err != nil || f == nil {
		status, body := q.fail(http.StatusBadRequest, CodeParameterInvalid, "the body must be a JSON object")
		return nil, status, body
	}
	return f, 0, nil
}

// contentString reads a string field: present, value, ok (false: not a
// string; null reads as absent).
func contentString(f map[string]json.RawMessage, name string) (string, bool, bool) {
	raw, ok := f[name]
	if !ok || isNull(raw) {
		return "", false, true
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", true, false
	}
	return s, true, true
}

// contentInt reads an integer field, given as a number or a numeric string.
func contentInt(f map[string]json.RawMessage, name string) (int64, bool, bool) {
	raw, ok := f[name]
	if !ok || isNull(raw) {
		return 0, false, true
	}
	var n int64
	if err := json.Unmarshal(raw, &n); err == nil {
		return n, true, true
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, true, true
		}
	}
	return 0, true, false
}

// contentAdmin returns the admin with a numeric id, or nil.
func (s *Sandbox) contentAdmin(id int64) *admin {
	return s.admins().byID[strconv.FormatInt(id, 10)]
}

// contentLocales are the locale keys of translated_content objects (the 2.14
// description's list).
var contentLocales = []string{"ar", "bg", "bs", "ca", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "he", "hr", "hu",
	"id", "it", "ja", "ko", "lt", "lv", "mn", "nb", "nl", "pl", "pt", "ro", "ru", "sl", "sr", "sv", "tr", "vi",
	"pt-BR", "zh-CN", "zh-TW"}

func contentKnownLocale(l string) bool {
	for _, x := range contentLocales {
		if x == l {
			return true
		}
	}
	return false
}

// contentTranslations decodes a translated_content object into raw locale
// objects (skipping "type" and nulls), checking the contentLocales.
func (q *request) contentTranslations(raw json.RawMessage, field string) (map[string]map[string]json.RawMessage, int, any) {
	if isNull(raw) {
		return nil, 0, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		status, body := q.failField(http.StatusBadRequest, CodeParameterInvalid, field+" must be an object keyed by locale", field)
		return nil, status, body
	}
	out := map[string]map[string]json.RawMessage{}
	for _, loc := range sortedKeys(m) {
		if loc == "type" || isNull(m[loc]) {
			continue
		}
		if !contentKnownLocale(loc) {
			status, body := q.failField(http.StatusBadRequest, CodeParameterInvalid, fmt.Sprintf("%s: %q is not a supported locale", field, loc), field+"."+loc)
			return nil, status, body
		}
		var f map[string]json.RawMessage
		if err := json.Unmarshal(m[loc], &f); err != nil {
			status, body := q.failField(http.StatusBadRequest, CodeParameterInvalid, field+"."+loc+" must be an object", field+"."+loc)
			return nil, status, body
		}
		out[loc] = f
	}
	return out, 0, nil
}

// normalizeArticleHTML is what Intercom does to an article body on write:
// plain text becomes a paragraph, and paragraphs get class "no-margin" (the
// description's examples: "Body of the Article" is answered as
// `<p class="no-margin">Body of the Article</p>`). Applying it twice
// changes nothing.
func normalizeArticleHTML(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if !strings.HasPrefix(s, "<") {
		s = "<p>" + s + "</p>"
	}
	return strings.ReplaceAll(s, "<p>", `<p class="no-margin">`)
}

// contentSortedIDs returns the keys of a map in order.
func contentSortedIDs[V any](m map[int64]V) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// history returns a seeded record's creation time, between the
// workspace's creation and settle seconds before the anchor, and its last
// update, between that and the anchor.
func (g *gen) history(s *Sandbox, settle int64) (created, updated int64) {
	created = g.between(s.appCreated, g.ctx.anchor-settle)
	return created, g.between(created, g.ctx.anchor)
}

// numberedTitle is the i-th of a cycle of titles: each title once, then
// "title (2)", "title (3)"... as the cycle repeats.
func numberedTitle(titles []string, i int) string {
	if i < len(titles) {
		return titles[i]
	}
	return titles[i%len(titles)] + " (" + strconv.Itoa(i/len(titles)+1) + ")"
}

// contentRoutes are the routes of a kind of content record: list and
// create at path; get, update and delete at path/{param}; then more.
func contentRoutes(path, param string, list, create, get, update, del handlerFunc, more ...route) []route {
	one := path + "/{" + param + "}"
	return append([]route{
		{method: "GET", path: path, handler: list},
		{method: "POST", path: path, write: true, handler: create},
		{method: "GET", path: one, handler: get},
		{method: "PUT", path: one, write: true, handler: update},
		{method: "DELETE", path: one, write: true, handler: del},
	}, more...)
}

// contentRecords renders the records of a map by id, in id order (the
// records function of the content entities).
func contentRecords[V any](m map[int64]V, view func(V) any) []any {
	return recordsOf(contentSortedIDs(m), func(id int64) any { return view(m[id]) })
}

// contentParamMissing is Intercom's error code for a required parameter
// left out (the description's examples for articles and collections).
const contentParamMissing = "parameter_not_found"
