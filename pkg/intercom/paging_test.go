package intercom

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// pagedContacts serves ids in pages, like Intercom: the cursor of the next
// page is the id of the last contact served; per_page comes from the query
// (GET) or from pagination (POST search). failOn, when set, is the cursor
// whose page answers a 500.
func pagedContacts(t *testing.T, ids []string, failOn string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		perPage, after := 50, ""
		switch r.Method {
		case "GET":
			if s := r.URL.Query().Get("per_page"); s != "" {
				perPage, _ = strconv.Atoi(s)
			}
			after = r.URL.Query().Get("starting_after")
		case "POST":
			var body searchRequest
			if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
				t.Errorf("search body: %v", err)
			}
			if body.Pagination != nil {
				if body.Pagination.PerPage > 0 {
					perPage = body.Pagination.PerPage
				}
				after = body.Pagination.StartingAfter
			}
		}
		if failOn != "" && after == failOn {
			reply(500, errorList("r", ErrorDetail{Code: "server_error", Message: "boom"}))(w, r)
			return
		}
		start := 0
		if after != "" {
			start = slices.Index(ids, after) + 1
			if start == 0 {
				reply(400, errorList("r", ErrorDetail{Code: "parameter_invalid", Message: "bad cursor"}))(w, r)
				return
			}
		}
		end := min(start+perPage, len(ids))
		next := ""
		if end < len(ids) {
			next = ids[end-1]
		}
		reply(200, contactPage(next, perPage, ids[start:end]...))(w, r)
	}
}

func makeIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("c%03d", i)
	}
	return ids
}

func TestListPaging(t *testing.T) {
	ids := makeIDs(5)
	c, f := newFake(t, pagedContacts(t, ids, ""))
	var got []string
	opts := &ListOptions{PerPage: 2}
	for {
		l, resp, err := c.Contacts.List(t.Context(), opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, ct := range l.Data {
			got = append(got, ct.ID)
		}
		if resp.NextCursor == "" {
			break
		}
		opts.StartingAfter = resp.NextCursor
	}
	if !slices.Equal(got, ids) {
		t.Errorf("got %v, want %v", got, ids)
	}
	rs := f.requests()
	wantQueries := []string{"per_page=2", "per_page=2&starting_after=c001", "per_page=2&starting_after=c003"}
	if len(rs) != len(wantQueries) {
		t.Fatalf("%d requests, want %d", len(rs), len(wantQueries))
	}
	for i, r := range rs {
		if r.Method != "GET" || r.Path != "/contacts" || r.RawQuery != wantQueries[i] {
			t.Errorf("request %d: %s %s?%s, want GET /contacts?%s", i, r.Method, r.Path, r.RawQuery, wantQueries[i])
		}
		checkHeaders(t, r, false)
	}
}

func TestAll(t *testing.T) {
	ids := makeIDs(7)
	tests := []struct {
		name      string
		opts      *ListOptions
		wantIDs   []string
		wantQuery []string
	}{
		{"nil options: 150 a page", nil, ids, []string{"per_page=150"}},
		{"cursor only: still 150 a page", &ListOptions{StartingAfter: "c002"}, ids[3:], []string{"per_page=150&starting_after=c002"}},
		{"3 a page", &ListOptions{PerPage: 3}, ids, []string{"per_page=3", "per_page=3&starting_after=c002", "per_page=3&starting_after=c005"}},
		{"7 a page: one full page", &ListOptions{PerPage: 7}, ids, []string{"per_page=7"}},
		{"resume", &ListOptions{PerPage: 4, StartingAfter: "c001"}, ids[2:], []string{"per_page=4&starting_after=c001", "per_page=4&starting_after=c005"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := newFake(t, pagedContacts(t, ids, ""))
			var origOpts ListOptions
			if tt.opts != nil {
				origOpts = *tt.opts
			}
			var got []string
			for ct, err := range c.Contacts.All(t.Context(), tt.opts) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, ct.ID)
			}
			if !slices.Equal(got, tt.wantIDs) {
				t.Errorf("got %v, want %v", got, tt.wantIDs)
			}
			var queries []string
			for _, r := range f.requests() {
				queries = append(queries, r.RawQuery)
			}
			if !slices.Equal(queries, tt.wantQuery) {
				t.Errorf("queries %q, want %q", queries, tt.wantQuery)
			}
			if tt.opts != nil && *tt.opts != origOpts {
				t.Errorf("All changed the caller's options: %+v", *tt.opts)
			}
		})
	}
}

func TestSearchAll(t *testing.T) {
	ids := makeIDs(5)
	c, f := newFake(t, pagedContacts(t, ids, ""))
	q := And(Eq("role", RoleUser), Filter{Field: "updated_at", Operator: ">", Value: 1700000000})
	var got []string
	for ct, err := range c.Contacts.SearchAll(t.Context(), q, &ListOptions{PerPage: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ct.ID)
	}
	if !slices.Equal(got, ids) {
		t.Errorf("got %v, want %v", got, ids)
	}
	const query = `{"operator":"AND","value":[{"field":"role","operator":"=","value":"user"},{"field":"updated_at","operator":">","value":1700000000}]}`
	wantBodies := []string{
		`{"query":` + query + `,"pagination":{"per_page":2}}`,
		`{"query":` + query + `,"pagination":{"per_page":2,"starting_after":"c001"}}`,
		`{"query":` + query + `,"pagination":{"per_page":2,"starting_after":"c003"}}`,
	}
	rs := f.requests()
	if len(rs) != len(wantBodies) {
		t.Fatalf("%d requests, want %d", len(rs), len(wantBodies))
	}
	for i, r := range rs {
		if r.Method != "POST" || r.Path != "/contacts/search" || r.RawQuery != "" {
			t.Errorf("request %d: %s %s?%s", i, r.Method, r.Path, r.RawQuery)
		}
		checkHeaders(t, r, true)
		jsonEqual(t, r.Body, wantBodies[i])
	}

	// nil options: 150 a page.
	c, f = newFake(t, pagedContacts(t, ids, ""))
	n := 0
	for _, err := range c.Contacts.SearchAll(t.Context(), Eq("role", "user"), nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 5 || len(f.requests()) != 1 {
		t.Errorf("%d contacts in %d requests", n, len(f.requests()))
	}
	jsonEqual(t, f.last(t).Body, `{"query":{"field":"role","operator":"=","value":"user"},"pagination":{"per_page":150}}`)
}

func TestIteratorsStopEarly(t *testing.T) {
	ids := makeIDs(10)
	for _, search := range []bool{false, true} {
		t.Run(fmt.Sprint("search=", search), func(t *testing.T) {
			c, f := newFake(t, pagedContacts(t, ids, ""))
			seq := c.Contacts.All(t.Context(), &ListOptions{PerPage: 3})
			if search {
				seq = c.Contacts.SearchAll(t.Context(), Eq("role", "user"), &ListOptions{PerPage: 3})
			}
			var got []string
			for ct, err := range seq {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, ct.ID)
				if len(got) == 4 { // the first item of the second page
					break
				}
			}
			if !slices.Equal(got, ids[:4]) {
				t.Errorf("got %v", got)
			}
			if n := len(f.requests()); n != 2 {
				t.Errorf("%d pages read, want 2", n)
			}
			// Breaking on a page's last item reads no further page.
			f.mu.Lock()
			f.reqs = nil
			f.mu.Unlock()
			got = got[:0]
			for ct := range seq {
				got = append(got, ct.ID)
				if len(got) == 3 {
					break
				}
			}
			if n := len(f.requests()); n != 1 {
				t.Errorf("%d pages read after a break at the end of page 1, want 1", n)
			}
		})
	}
}

func TestIteratorsYieldPageError(t *testing.T) {
	ids := makeIDs(6)
	for _, search := range []bool{false, true} {
		t.Run(fmt.Sprint("search=", search), func(t *testing.T) {
			c, f := newFake(t, pagedContacts(t, ids, "c002"))
			seq := c.Contacts.All(t.Context(), &ListOptions{PerPage: 3})
			if search {
				seq = c.Contacts.SearchAll(t.Context(), Eq("role", "user"), &ListOptions{PerPage: 3})
			}
			var got []string
			var errs []error
			for ct, err := range seq {
				if err != nil {
					if ct != nil {
						t.Errorf("a contact came with the error: %+v", ct)
					}
					errs = append(errs, err)
					continue // the sequence must end by itself
				}
				got = append(got, ct.ID)
			}
			if !slices.Equal(got, ids[:3]) {
				t.Errorf("got %v, want the first page", got)
			}
			if len(errs) != 1 {
				t.Fatalf("errors %v, want exactly one", errs)
			}
			var se *ServerError
			if !errors.As(errs[0], &se) || se.StatusCode != 500 || se.Message() != "boom" {
				t.Errorf("error %v, want the 500 of page 2", errs[0])
			}
			if n := len(f.requests()); n != 2 {
				t.Errorf("%d requests, want 2 (no retry, no further page)", n)
			}
		})
	}
}

func TestIteratorFirstPageError(t *testing.T) {
	c, _ := newFake(t, reply(401, errorList("r", ErrorDetail{Code: "unauthorized", Message: "Access Token Invalid"})))
	n := 0
	for ct, err := range c.Contacts.All(t.Context(), nil) {
		n++
		var ue *UnauthorizedError
		if ct != nil || !errors.As(err, &ue) {
			t.Errorf("got %v, %v", ct, err)
		}
	}
	if n != 1 {
		t.Errorf("%d yields, want 1", n)
	}
}

// TestIteratorStuckCursor: a server naming the page it just served as the
// next one must not make the iterator loop forever.
func TestIteratorStuckCursor(t *testing.T) {
	calls := 0
	c, _ := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls > 5 {
			t.Error("looping")
			reply(200, contactPage("", 1))(w, r)
			return
		}
		reply(200, contactPage("same", 1, fmt.Sprint("id", calls)))(w, r)
	})
	var got []string
	var lastErr error
	for ct, err := range c.Contacts.All(t.Context(), nil) {
		if err != nil {
			lastErr = err
			continue
		}
		got = append(got, ct.ID)
	}
	if lastErr == nil || !strings.Contains(lastErr.Error(), "its own cursor") || strings.Contains(lastErr.Error(), "same") {
		t.Errorf("err = %v", lastErr)
	}
	if !slices.Equal(got, []string{"id1", "id2"}) || calls != 2 {
		t.Errorf("got %v in %d calls", got, calls)
	}
}

// TestIteratorEmptyPageWithCursor ends the iteration on an empty page even
// when it names a next cursor.
func TestIteratorEmptyPageWithCursor(t *testing.T) {
	c, f := newFake(t, reply(200, contactPage("more", 150)))
	for _, err := range c.Contacts.All(t.Context(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		t.Error("a contact from an empty page")
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d requests", n)
	}
}

// TestIteratorContextCanceled: a consumer cancelling between pages gets the
// context's error from the next page.
func TestIteratorContextCanceled(t *testing.T) {
	ids := makeIDs(6)
	c, f := newFake(t, pagedContacts(t, ids, ""))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var errs []error
	n := 0
	for _, err := range c.Contacts.All(ctx, &ListOptions{PerPage: 3}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if n++; n == 3 {
			cancel()
		}
	}
	if n != 3 || len(errs) != 1 || errs[0] != context.Canceled {
		t.Errorf("%d contacts, errors %v", n, errs)
	}
	if r := len(f.requests()); r != 1 {
		t.Errorf("%d requests", r)
	}
}
