package intercomtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// POST /conversations/search, a subset of Intercom's:
//   - query: a filter {field, operator, value} or a group {operator AND|OR,
//     value: [...]} (nesting and counts as for contacts).
//   - Fields: id, contact_ids, tag_ids, state, priority, source.type,
//     source.delivered_as, source.author.id, source.author.type (strings);
//     admin_assignee_id, team_assignee_id (integers); created_at,
//     updated_at, waiting_since, snoozed_until (dates, Unix seconds);
//     open, read (booleans). Others: 400 naming the field.
//   - Operators: strings = != IN NIN; integers and dates = != > < >= <= IN
//     NIN (the sandbox compares dates to the second; Intercom documents >
//     and < as inclusive); booleans = !=. contact_ids and tag_ids match when
//     any of the conversation's values does.
//   - Results in creation order, paged by pagination {per_page (default
//     20, at most 150), starting_after}. Immediately consistent (Intercom's
//     search may lag behind writes).

type convFieldKind int

const (
	convString convFieldKind = iota
	convNumber
	convBool
)

var convSearchFields = map[string]convFieldKind{
	"id": convString, "contact_ids": convString, "tag_ids": convString, "state": convString, "priority": convString,
	"source.type": convString, "source.delivered_as": convString, "source.author.id": convString, "source.author.type": convString,
	"admin_assignee_id": convNumber, "team_assignee_id": convNumber,
	"created_at": convNumber, "updated_at": convNumber, "waiting_since": convNumber, "snoozed_until": convNumber,
	"open": convBool, "read": convBool,
}

var convKindOperators = map[convFieldKind][]string{
	convString: {"=", "!=", "IN", "NIN"},
	convNumber: {"=", "!=", ">", "<", ">=", "<=", "IN", "NIN"},
	convBool:   {"=", "!="},
}

type convFilter struct {
	group    string
	children []*convFilter
	field    string
	kind     convFieldKind
	op       string
	values   []string // strings, and numbers and booleans in decimal
}

func compileConvQuery(v any, depth int, fields map[string]convFieldKind) (*convFilter, error) {
	return compileTree(v, depth, func(m map[string]any) (*convFilter, error) { return compileConvFilter(m, fields) },
		func(op string, children []*convFilter) *convFilter { return &convFilter{group: op, children: children} })
}

// compileConvFilter compiles one filter over fields.
func compileConvFilter(m map[string]any, fields map[string]convFieldKind) (*convFilter, error) {
	field, _ := m["field"].(string)
	op, _ := m["operator"].(string)
	kind, ok := fields[field]
	if !ok {
		return nil, searchErr(field, "%q is not a searchable field in the sandbox (it searches %s)", field, strings.Join(sortedKeys(fields), ", "))
	}
	if !slices.Contains(convKindOperators[kind], op) {
		return nil, searchErr(field, "operator %q is not supported on %s; use one of %s", op, field, strings.Join(convKindOperators[kind], " "))
	}
	f := &convFilter{field: field, kind: kind, op: op}
	vals := []any{m["value"]}
	if op == "IN" || op == "NIN" {
		list, ok := m["value"].([]any)
		if !ok {
			return nil, searchErr(field, "operator %s takes a list of values", op)
		}
		vals = list
	}
	for _, x := range vals {
		switch t := x.(type) {
		case string:
			f.values = append(f.values, t)
		case json.Number:
			f.values = append(f.values, t.String())
		case bool:
			f.values = append(f.values, strconv.FormatBool(t))
		default:
			return nil, searchErr(field, "the value of %s must be a string, an integer or a boolean", field)
		}
	}
	return f, nil
}

// convValues are a conversation's values of a field, as strings.
func (s *Sandbox) convValues(c *conversation, field string) []string {
	itoa := func(n int64) []string {
		if n == 0 {
			return nil
		}
		return []string{strconv.FormatInt(n, 10)}
	}
	switch field {
	case "id":
		return []string{c.id}
	case "contact_ids":
		return c.contacts
	case "tag_ids":
		var out []string
		for _, t := range c.tags {
			out = append(out, strconv.FormatInt(t.id, 10))
		}
		return out
	case "state":
		return []string{c.state}
	case "priority":
		return []string{c.priority}
	case "source.type":
		return []string{c.srcType}
	case "source.delivered_as":
		return []string{c.deliveredAs}
	case "source.author.id":
		return []string{c.authorID}
	case "source.author.type":
		return []string{c.authorType}
	case "admin_assignee_id":
		return itoa(c.adminAssign)
	case "team_assignee_id":
		return itoa(c.teamAssign)
	case "created_at":
		return itoa(c.createdAt)
	case "updated_at":
		return itoa(c.updatedAt)
	case "waiting_since":
		return itoa(c.waiting)
	case "snoozed_until":
		if c.state == "snoozed" {
			return itoa(c.snoozedTill)
		}
		return nil
	case "open":
		return []string{strconv.FormatBool(c.state != "closed")}
	case "read":
		return []string{strconv.FormatBool(c.read)}
	}
	return nil
}

func (s *Sandbox) convMatches(f *convFilter, c *conversation) bool {
	return matchFilter(f, func(field string) []string { return s.convValues(c, field) })
}

// matchFilter tests a record against a filter tree; values gives the
// record's values of a field (conversations and tickets).
func matchFilter(f *convFilter, values func(field string) []string) bool {
	if f.group != "" {
		return matchGroup(f.group, f.children, func(ch *convFilter) bool { return matchFilter(ch, values) })
	}
	return matchValues(f, values(f.field))
}

// matchValues tests a filter against a record's values of its field.
func matchValues(f *convFilter, have []string) bool {
	anyEq := false
	for _, h := range have {
		if slices.Contains(f.values, h) {
			anyEq = true
		}
	}
	switch f.op {
	case "=", "IN":
		return anyEq
	case "!=", "NIN":
		return !anyEq
	}
	// Ordered comparisons on numbers and dates.
	want, err := strconv.ParseInt(f.values[0], 10, 64)
	if err != nil {
		return false
	}
	for _, h := range have {
		n, err := strconv.ParseInt(h, 10, 64)
		if err != nil {
			continue
		}
		switch {
		case f.op == ">" && n > want, f.op == "<" && n < want, f.op == ">=" && n >= want, f.op == "<=" && n <= want:
			return true
		}
	}
	return false
}

// parseSearch reads a search body: its query over fields, and pagination.
func (q *request) parseSearch(fields map[string]convFieldKind) (f *convFilter, perPage int, cursor string, status int, body any) {
	var in struct {
		Query      any `json:"query"`
		Pagination *struct {
			PerPage       *int   `json:"per_page"`
			StartingAfter string `json:"starting_after"`
		} `json:"pagination"`
	}
	dec := json.NewDecoder(bytes.NewReader(q.body))
	dec.UseNumber()
	if err := dec.Decode(&in); err != nil {
		status, body = q.fail(http.StatusBadRequest, CodeParameterInvalid, "the body must be a JSON object")
		return nil, 0, "", status, body
	}
	f, err := compileConvQuery(in.Query, 1, fields)
	if err != nil {
		se := err.(*searchError)
		status, body = q.failField(http.StatusBadRequest, CodeParameterInvalid, se.msg, se.field)
		return nil, 0, "", status, body
	}
	perPage = DefaultConversationsPerPage
	if in.Pagination != nil {
		if in.Pagination.PerPage != nil {
			perPage = *in.Pagination.PerPage
			if perPage < 1 || perPage > MaxPerPage {
				status, body = q.failField(http.StatusBadRequest, CodeParameterInvalid, fmt.Sprintf("per_page must be between 1 and %d", MaxPerPage), "pagination.per_page")
				return nil, 0, "", status, body
			}
		}
		cursor = in.Pagination.StartingAfter
	}
	return f, perPage, cursor, 0, nil
}

func searchConversations(q *request) (int, any) {
	f, perPage, cursor, status, body := q.parseSearch(convSearchFields)
	if f == nil {
		return status, body
	}
	hits := matching(q.s.conversations().order, func(c *conversation) bool { return q.s.convMatches(f, c) })
	page, ok := q.s.convPageOf(hits, perPage, cursor)
	if !ok {
		return q.badCursor("pagination.starting_after")
	}
	return http.StatusOK, page
}
