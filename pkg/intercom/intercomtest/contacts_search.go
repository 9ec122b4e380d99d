package intercomtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// POST /contacts/search, as Intercom documents it:
//   - query: one filter {field, operator, value} or a group {operator: AND|OR,
//     value: [...]}; groups nest at most MaxSearchNesting deep and hold at
//     most MaxSearchFilters entries (400 beyond).
//   - Fields: id, email, email_domain, external_id, role, name, phone
//     (strings); created_at, updated_at, signed_up_at, last_seen_at (dates);
//     owner_id (integer); unsubscribed_from_emails (boolean); tag_id; and
//     custom_attributes.<name> (by the attribute's type). Any other field:
//     400 naming it.
//   - Operators by type: strings = != IN NIN ~ !~ ^ $; integers and floats
//     = != IN NIN > < >= <=; booleans = != IN NIN; dates = > < only; tag_id
//     = != only. Others: 400 naming the operator and the field.
//   - Dates match by calendar day in the workspace's time zone: = the whole
//     day, > from the start of the next day, < before the start of the day.
//   - String comparisons ignore case, except on id and external_id (exact).
//     A contact without a value matches
//     only the negative operators (!=, NIN, !~). value null with = / !=
//     tests absence / presence.
//   - Results come in creation order; pagination {per_page (default 50, at
//     most 150), starting_after} in the body; pages.next.starting_after in
//     the answer. Search is immediately consistent (Intercom's may lag a few
//     minutes behind writes).
//
// Spec defects a client must work around (the sandbox validates against the
// spec, so it refuses these with 400 as the spec says, although Intercom
// accepts them):
//   - A group's value is oneOf [list of groups, list of filters]: a group
//     mixing filters and groups is refused. Wrap a lone filter in a
//     one-filter group: A AND (B OR C) -> (A) AND (B OR C).
//   - value is oneOf string/integer/boolean/array: a non-integral number is
//     refused.

const (
	MaxSearchNesting = 2
	MaxSearchFilters = 15
)

type fieldKind int

const (
	kindString fieldKind = iota
	kindNumber
	kindBool
	kindDate
	kindTag
)

func (k fieldKind) String() string {
	return [...]string{"string", "integer", "boolean", "date", "tag_id"}[k]
}

var kindOperators = map[fieldKind][]string{
	kindString: {"=", "!=", "IN", "NIN", "~", "!~", "^", "$"},
	kindNumber: {"=", "!=", "IN", "NIN", ">", "<", ">=", "<="},
	kindBool:   {"=", "!=", "IN", "NIN"},
	kindDate:   {"=", ">", "<"},
	kindTag:    {"=", "!="},
}

var standardSearchFields = map[string]fieldKind{
	"id": kindString, "email": kindString, "email_domain": kindString, "external_id": kindString,
	"role": kindString, "name": kindString, "phone": kindString,
	"created_at": kindDate, "updated_at": kindDate, "signed_up_at": kindDate, "last_seen_at": kindDate,
	"owner_id": kindNumber, "unsubscribed_from_emails": kindBool, "tag_id": kindTag,
}

type filterNode struct {
	group    string // "AND" / "OR" for a group, "" for a filter
	children []*filterNode

	field  string
	kind   fieldKind
	attr   *dataAttr // custom attribute
	op     string
	exact  bool // id and external_id compare case-sensitively
	isNull bool
	strs   []string  // lower-cased unless exact, for strings
	nums   []float64 // numbers, booleans (0/1), tag ids
	lo, hi int64     // day bounds, for dates
}

type searchError struct{ field, msg string }

func (e *searchError) Error() string { return e.msg }

func searchErr(field, format string, args ...any) error {
	return &searchError{field: field, msg: fmt.Sprintf(format, args...)}
}

func (s *Sandbox) compileQuery(v any, depth int) (*filterNode, error) {
	return compileTree(v, depth, s.compileFilter, func(op string, children []*filterNode) *filterNode {
		return &filterNode{group: op, children: children}
	})
}

// compileTree compiles a search query: a filter (an object with a field),
// compiled by leaf, or a group {operator: AND|OR, value: [queries]} of at
// most MaxSearchFilters queries, nested at most MaxSearchNesting deep, made
// by group. Contacts, conversations and tickets share the grammar.
func compileTree[N any](v any, depth int, leaf func(m map[string]any) (N, error), group func(op string, children []N) N) (N, error) {
	var none N
	m, ok := v.(map[string]any)
	if !ok {
		return none, searchErr("query", "a query must be an object")
	}
	if _, isFilter := m["field"]; isFilter {
		return leaf(m)
	}
	op, _ := m["operator"].(string)
	if op != "AND" && op != "OR" {
		return none, searchErr("query", "a group's operator must be AND or OR, not %v", m["operator"])
	}
	if depth > MaxSearchNesting {
		return none, searchErr("query", "filters nest at most %d levels deep", MaxSearchNesting)
	}
	list, ok := m["value"].([]any)
	if !ok || len(list) == 0 {
		return none, searchErr("query", "a group's value must be a non-empty list of filters")
	}
	if len(list) > MaxSearchFilters {
		return none, searchErr("query", "a group holds at most %d filters, got %d", MaxSearchFilters, len(list))
	}
	children := make([]N, 0, len(list))
	for _, child := range list {
		c, err := compileTree(child, depth+1, leaf, group)
		if err != nil {
			return none, err
		}
		children = append(children, c)
	}
	return group(op, children), nil
}

// matchGroup tells whether a record matches an AND or OR group of filters;
// match tests one child.
func matchGroup[F any](op string, children []F, match func(F) bool) bool {
	for _, ch := range children {
		m := match(ch)
		if op == "AND" && !m {
			return false
		}
		if op == "OR" && m {
			return true
		}
	}
	return op == "AND"
}

func (s *Sandbox) compileFilter(m map[string]any) (*filterNode, error) {
	field, _ := m["field"].(string)
	op, _ := m["operator"].(string)
	n := &filterNode{field: field, op: op, exact: field == "id" || field == "external_id"}
	if name, ok := strings.CutPrefix(field, "custom_attributes."); ok {
		a := s.attrs().lookupCustom("contact", name)
		if a == nil {
			return nil, searchErr(field, "Custom attribute '%s' does not exist", name)
		}
		n.attr = a
		switch a.dataType {
		case "integer", "float":
			n.kind = kindNumber
		case "boolean":
			n.kind = kindBool
		case "date":
			n.kind = kindDate
		default:
			n.kind = kindString
		}
	} else if k, ok := standardSearchFields[field]; ok {
		n.kind = k
	} else {
		return nil, searchErr(field, "%q is not a searchable field (the sandbox searches %s and custom_attributes.<name>)",
			field, strings.Join(sortedKeys(standardSearchFields), ", "))
	}
	allowed := false
	for _, o := range kindOperators[n.kind] {
		allowed = allowed || o == op
	}
	if !allowed {
		return nil, searchErr(field, "operator %q is not supported on %s (a %s field); use one of %s",
			op, field, n.kind, strings.Join(kindOperators[n.kind], " "))
	}
	value := m["value"]
	if op == "IN" || op == "NIN" {
		list, ok := value.([]any)
		if !ok {
			return nil, searchErr(field, "operator %s takes a list of values", op)
		}
		for _, x := range list {
			if err := s.addComparand(n, x); err != nil {
				return nil, err
			}
		}
		return n, nil
	}
	if value == nil {
		if op != "=" && op != "!=" {
			return nil, searchErr(field, "operator %s needs a value", op)
		}
		n.isNull = true
		return n, nil
	}
	if _, isList := value.([]any); isList {
		return nil, searchErr(field, "operator %s takes a single value", op)
	}
	if err := s.addComparand(n, value); err != nil {
		return nil, err
	}
	if n.kind == kindDate {
		day := time.Unix(n.lo, 0).In(s.loc)
		y, mo, d := day.Date()
		n.lo = time.Date(y, mo, d, 0, 0, 0, 0, s.loc).Unix()
		n.hi = time.Date(y, mo, d+1, 0, 0, 0, 0, s.loc).Unix()
	}
	return n, nil
}

func (s *Sandbox) addComparand(n *filterNode, x any) error {
	bad := func() error {
		return searchErr(n.field, "value %v does not fit %s, a %s field", x, n.field, n.kind)
	}
	number := func() (float64, bool) {
		switch t := x.(type) {
		case json.Number:
			f, err := t.Float64()
			return f, err == nil
		case string:
			f, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
			return f, err == nil
		}
		return 0, false
	}
	switch n.kind {
	case kindString:
		str, ok := x.(string)
		if !ok {
			return bad()
		}
		if !n.exact {
			str = strings.ToLower(str)
		}
		n.strs = append(n.strs, str)
	case kindNumber:
		f, ok := number()
		if !ok {
			return bad()
		}
		n.nums = append(n.nums, f)
	case kindBool:
		switch t := x.(type) {
		case bool:
			n.nums = append(n.nums, b2f(t))
		case string:
			b, err := strconv.ParseBool(t)
			if err != nil {
				return bad()
			}
			n.nums = append(n.nums, b2f(b))
		default:
			return bad()
		}
	case kindDate:
		f, ok := number()
		if !ok || f != float64(int64(f)) {
			return bad()
		}
		n.lo = int64(f)
	case kindTag:
		f, ok := number()
		if !ok {
			return bad()
		}
		n.nums = append(n.nums, f)
	}
	return nil
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// fieldValue returns c's value of n's field in the comparable form (strings
// lower-cased unless the field compares exactly).
func (s *Sandbox) fieldValue(n *filterNode, c *contact) (str string, num float64, present bool) {
	if n.attr != nil {
		v, ok := c.custom.get(n.attr.id)
		if !ok {
			return "", 0, false
		}
		switch t := v.(type) {
		case string:
			return strings.ToLower(t), 0, t != ""
		case int64:
			return "", float64(t), true
		case float64:
			return "", t, true
		case bool:
			return "", b2f(t), true
		}
		return "", 0, false
	}
	text := func(v string) (string, float64, bool) {
		if n.exact {
			return v, 0, v != ""
		}
		return strings.ToLower(v), 0, v != ""
	}
	date := func(v int64) (string, float64, bool) { return "", float64(v), v != 0 }
	switch n.field {
	case "id":
		return text(c.id)
	case "email":
		return text(c.email)
	case "email_domain":
		if at := strings.LastIndexByte(c.email, '@'); at >= 0 {
			return text(c.email[at+1:])
		}
		return "", 0, false
	case "external_id":
		return text(c.externalID)
	case "role":
		return text(c.role())
	case "name":
		return text(c.name)
	case "phone":
		return text(c.phone)
	case "created_at":
		return date(c.createdAt)
	case "updated_at":
		return date(c.updatedAt)
	case "signed_up_at":
		return date(c.signedUpAt)
	case "last_seen_at":
		return date(c.lastSeenAt)
	case "owner_id":
		return "", float64(c.ownerID), c.ownerID != 0
	case "unsubscribed_from_emails":
		return "", b2f(c.unsub), true
	}
	return "", 0, false
}

func (s *Sandbox) matches(n *filterNode, c *contact) bool {
	if n.group != "" {
		return matchGroup(n.group, n.children, func(ch *filterNode) bool { return s.matches(ch, c) })
	}
	if n.kind == kindTag {
		has := false
		for _, want := range n.nums {
			if _, ok := c.tags.find(int64(want)); ok {
				has = true
			}
		}
		return has == (n.op == "=")
	}
	str, num, present := s.fieldValue(n, c)
	negative := n.op == "!=" || n.op == "NIN" || n.op == "!~"
	if n.isNull {
		return present == (n.op == "!=")
	}
	if !present {
		return negative
	}
	if n.kind == kindDate {
		x := int64(num)
		switch n.op {
		case "=":
			return x >= n.lo && x < n.hi
		case ">":
			return x >= n.hi
		case "<":
			return x < n.lo
		}
		return false
	}
	if n.kind == kindString {
		switch n.op {
		case "=", "IN":
			for _, w := range n.strs {
				if str == w {
					return true
				}
			}
			return false
		case "!=", "NIN":
			for _, w := range n.strs {
				if str == w {
					return false
				}
			}
			return true
		case "~":
			return strings.Contains(str, n.strs[0])
		case "!~":
			return !strings.Contains(str, n.strs[0])
		case "^":
			return strings.HasPrefix(str, n.strs[0])
		case "$":
			return strings.HasSuffix(str, n.strs[0])
		}
		return false
	}
	switch n.op {
	case "=", "IN":
		for _, w := range n.nums {
			if num == w {
				return true
			}
		}
		return false
	case "!=", "NIN":
		for _, w := range n.nums {
			if num == w {
				return false
			}
		}
		return true
	case ">":
		return num > n.nums[0]
	case "<":
		return num < n.nums[0]
	case ">=":
		return num >= n.nums[0]
	case "<=":
		return num <= n.nums[0]
	}
	return false
}

// candidates returns a superset of the matches from an index when the query
// pins id, email or external_id with =, so lookups by key stay cheap on big
// workspaces.
func (s *Sandbox) candidates(n *filterNode) ([]*contact, bool) {
	st := s.contacts()
	if n.group == "AND" {
		for _, ch := range n.children {
			if list, ok := s.candidates(ch); ok {
				return list, true
			}
		}
		return nil, false
	}
	if n.group != "" || n.attr != nil || n.op != "=" || n.isNull || len(n.strs) != 1 {
		return nil, false
	}
	switch n.field {
	case "email":
		return append([]*contact(nil), st.byEmail[n.strs[0]]...), true
	case "external_id":
		if c := st.byExternalID[n.strs[0]]; c != nil {
			return []*contact{c}, true
		}
		return nil, true
	case "id":
		if c := st.byID[n.strs[0]]; c != nil {
			return []*contact{c}, true
		}
		return nil, true
	}
	return nil, false
}

// searchCache keeps the matches of recent queries while the workspace does
// not change, so paging through a big result does not rescan every time.
type searchCache struct {
	mu      sync.Mutex
	entries []searchEntry
}

type searchEntry struct {
	key     string
	version uint64
	matches []*contact
}

const searchCacheSize = 8

func (sc *searchCache) get(key string, version uint64) ([]*contact, bool) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	for _, e := range sc.entries {
		if e.key == key && e.version == version {
			return e.matches, true
		}
	}
	return nil, false
}

func (sc *searchCache) put(key string, version uint64, matches []*contact) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	kept := sc.entries[:0]
	for _, e := range sc.entries {
		if e.version == version && e.key != key {
			kept = append(kept, e)
		}
	}
	if len(kept) >= searchCacheSize {
		kept = kept[1:]
	}
	sc.entries = append(kept, searchEntry{key: key, version: version, matches: matches})
}

func searchContacts(q *request) (int, any) {
	var in struct {
		Query      any `json:"query"`
		Pagination *struct {
			PerPage       *json.Number `json:"per_page"`
			StartingAfter *string      `json:"starting_after"`
		} `json:"pagination"`
	}
	dec := json.NewDecoder(bytes.NewReader(q.body))
	dec.UseNumber()
	if err := dec.Decode(&in); err != nil {
		return q.fail(http.StatusBadRequest, CodeParameterInvalid, "invalid JSON: "+err.Error())
	}
	if in.Query == nil {
		return q.failField(http.StatusBadRequest, CodeParameterInvalid, "query is required", "query")
	}
	s := q.s
	root, err := s.compileQuery(in.Query, 1)
	if err != nil {
		se := err.(*searchError)
		return q.failField(http.StatusBadRequest, CodeParameterInvalid, se.msg, se.field)
	}
	perPage, cursor := DefaultSearchPerPage, ""
	if p := in.Pagination; p != nil {
		if p.PerPage != nil {
			n, err := strconv.Atoi(p.PerPage.String())
			if err != nil || n < 1 || n > MaxPerPage {
				return q.failField(http.StatusBadRequest, CodeParameterInvalid,
					fmt.Sprintf("per_page must be an integer between 1 and %d", MaxPerPage), "pagination.per_page")
			}
			perPage = n
		}
		if p.StartingAfter != nil {
			cursor = *p.StartingAfter
		}
	}

	var matches []*contact
	if cands, ok := s.candidates(root); ok {
		matches = matching(cands, func(c *contact) bool { return s.matches(root, c) })
		sort.Slice(matches, func(i, j int) bool { return matches[i].before(matches[j].createdAt, matches[j].seq) })
	} else {
		st := s.contacts()
		keyBytes, _ := json.Marshal(in.Query)
		key := string(keyBytes)
		if cached, ok := st.search.get(key, s.version); ok {
			matches = cached
		} else {
			matches = matching(st.order, func(c *contact) bool { return s.matches(root, c) })
			st.search.put(key, s.version, matches)
		}
	}
	page, ok := s.pageOf(matches, perPage, cursor)
	if !ok {
		return q.badCursor("pagination.starting_after")
	}
	return http.StatusOK, page
}
