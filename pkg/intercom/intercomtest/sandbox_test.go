package intercomtest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/icmigrate/icmigrate/pkg/intercom/intercomtest"
)

func TestRequestPipelineErrors(t *testing.T) {
	_, a := newSandbox(t, intercomtest.Options{Seed: 3, Contacts: 5})
	noToken := newAPI(t, a.base, "")
	wrongToken := newAPI(t, a.base, "not-a-token")
	tests := []struct {
		name         string
		client       *api
		method, path string
		body         any
		header       map[string]string
		status       int
		code         string
		msgHas       []string
		rateHeaders  bool
	}{
		{name: "unknown route", client: a, method: "GET", path: "/no/such/route", status: 404, code: "not_found"},
		{name: "unknown route without token", client: noToken, method: "GET", path: "/nope", status: 404, code: "not_found"},
		{name: "missing token", client: noToken, method: "GET", path: "/me", status: 401, code: "unauthorized", msgHas: []string{"Access Token Invalid"}},
		{name: "wrong token", client: wrongToken, method: "GET", path: "/contacts", status: 401, code: "unauthorized", msgHas: []string{"Access Token Invalid"}},
		{name: "body violating the spec", client: a, method: "POST", path: "/contacts", body: `{"role":"bogus","email":5}`,
			status: 400, code: "parameter_invalid", msgHas: []string{"email"}, rateHeaders: true},
		{name: "role outside user|lead (valid per spec, refused by Intercom)", client: a, method: "POST", path: "/contacts", body: `{"role":"bogus","email":"a@b.example"}`,
			status: 400, code: "parameter_invalid", msgHas: []string{"role"}, rateHeaders: true},
		{name: "query parameter violating the spec", client: a, method: "GET", path: "/data_attributes?model=ticket", status: 400, code: "parameter_invalid", msgHas: []string{"model"}, rateHeaders: true},
		{name: "invalid Intercom-Version", client: a, method: "GET", path: "/me", header: map[string]string{"Intercom-Version": "3.0"}, status: 400, code: "parameter_invalid", msgHas: []string{"Intercom-Version"}, rateHeaders: true},
		{name: "route of the API not in the sandbox", client: a, method: "GET", path: "/ip_allowlist", status: 501, code: "sandbox_not_implemented", msgHas: []string{"GET /ip_allowlist"}, rateHeaders: true},
		{name: "contact not found", client: a, method: "GET", path: "/contacts/000000000000000000000000", status: 404, code: "not_found", msgHas: []string{"User Not Found"}, rateHeaders: true},
		{name: "ok", client: a, method: "GET", path: "/me", status: 200, rateHeaders: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := *tc.client
			c.t = t
			var r reply
			if tc.header != nil {
				r = c.doWithHeaders(tc.method, tc.path, tc.body, tc.header)
			} else {
				r = c.do(tc.method, tc.path, tc.body)
			}
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.code != "" {
				code, msg := r.errCode(t)
				if code != tc.code {
					t.Errorf("code %q, want %q (%s)", code, tc.code, msg)
				}
				for _, s := range tc.msgHas {
					if !strings.Contains(msg, s) {
						t.Errorf("message %q does not name %q", msg, s)
					}
				}
			}
			for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
				if got := r.header.Get(h) != ""; got != tc.rateHeaders {
					t.Errorf("header %s present=%v, want %v", h, got, tc.rateHeaders)
				}
			}
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

func TestAuthorizationVariants(t *testing.T) {
	sb, a := newSandbox(t, intercomtest.Options{Tokens: []string{"tok-a", "tok-b"}})
	tests := []struct {
		header string
		status int
	}{
		{"Bearer tok-a", 200},
		{"bearer tok-b", 200},
		{"Bearer  tok-a ", 200},
		{"Basic tok-a", 401},
		{"tok-a", 401},
		{"Bearer tok-c", 401},
		{"", 401},
	}
	for _, tc := range tests {
		req, _ := http.NewRequest("GET", a.base+"/me", nil)
		if tc.header != "" {
			req.Header.Set("Authorization", tc.header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("Authorization %q: status %d, want %d", tc.header, resp.StatusCode, tc.status)
		}
	}
	if got := sb.TotalCalls(); got != 3 {
		t.Errorf("TotalCalls = %d, want 3 (401s do not reach a handler)", got)
	}
}

func TestRateLimitWindow(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_700_000_003, 0)} // 3 s into a window
	sb, a := newSandbox(t, intercomtest.Options{RateLimitPerMinute: 60, Now: clock.Now})
	const limit = 10 // 60/min -> 10 per 10-second window
	for i := 1; i <= limit; i++ {
		r := a.must(200, "GET", "/me", nil)
		wantHeaders(t, r, limit, limit-i, 1_700_000_010)
	}
	r := a.do("GET", "/me", nil)
	if r.status != 429 {
		t.Fatalf("request %d: status %d, want 429", limit+1, r.status)
	}
	if code, msg := r.errCode(t); code != "rate_limit_exceeded" || msg != intercomtest.MsgRateLimited {
		t.Errorf("429 body: %q %q", code, msg)
	}
	wantHeaders(t, r, limit, 0, 1_700_000_010)
	// Still the same window (9.999 s in): refused, and the refusal does not
	// push the reset.
	clock.Set(time.Unix(1_700_000_009, 999_000_000))
	wantHeaders(t, a.must(429, "GET", "/me", nil), limit, 0, 1_700_000_010)
	// The next window starts fresh.
	clock.Set(time.Unix(1_700_000_010, 0))
	wantHeaders(t, a.must(200, "GET", "/me", nil), limit, limit-1, 1_700_000_020)
	if sb.RateLimited() != 2 {
		t.Errorf("RateLimited = %d, want 2", sb.RateLimited())
	}
	if got := sb.Calls()["GET /me"]; got != limit+1 {
		t.Errorf("Calls[GET /me] = %d, want %d", got, limit+1)
	}
	// SetRateLimit applies at once.
	sb.SetRateLimit(600) // 100 per window
	wantHeaders(t, a.must(200, "GET", "/me", nil), 100, 98, 1_700_000_020)
}

func wantHeaders(t *testing.T, r reply, limit, remaining int, reset int64) {
	t.Helper()
	got := [3]string{r.header.Get("X-RateLimit-Limit"), r.header.Get("X-RateLimit-Remaining"), r.header.Get("X-RateLimit-Reset")}
	want := [3]string{strconv.Itoa(limit), strconv.Itoa(remaining), strconv.FormatInt(reset, 10)}
	if got != want {
		t.Errorf("rate headers (limit, remaining, reset) = %v, want %v", got, want)
	}
}

func TestWorkspaceRateLimitAcrossTokens(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	sb, a := newSandbox(t, intercomtest.Options{
		Tokens: []string{"app-1", "app-2"}, RateLimitPerMinute: 60, WorkspaceRateLimitPerMinute: 90, Now: clock.Now,
	})
	b := newAPI(t, a.base, "app-2")
	// Per window: 10 per app, 15 for the workspace.
	for i := 0; i < 10; i++ {
		a.must(200, "GET", "/me", nil)
	}
	a.must(429, "GET", "/me", nil) // app-1 is out
	for i := 0; i < 5; i++ {
		r := b.must(200, "GET", "/me", nil)
		// Remaining reports the tighter budget: the workspace's.
		wantHeaders(t, r, 10, 4-i, 1_700_000_010)
	}
	r := b.must(429, "GET", "/me", nil) // app-2 has 5 left, the workspace none
	wantHeaders(t, r, 10, 0, 1_700_000_010)
	if sb.RateLimited() != 2 {
		t.Errorf("RateLimited = %d", sb.RateLimited())
	}
	clock.Set(time.Unix(1_700_000_010, 0))
	b.must(200, "GET", "/me", nil)
}

func TestRateLimitDefaults(t *testing.T) {
	_, a := newSandbox(t, intercomtest.Options{})
	r := a.must(200, "GET", "/me", nil)
	if got := r.header.Get("X-RateLimit-Limit"); got != "1666" {
		t.Errorf("default X-RateLimit-Limit = %s, want 1666", got)
	}
	reset, _ := strconv.ParseInt(r.header.Get("X-RateLimit-Reset"), 10, 64)
	if now := time.Now().Unix(); reset%10 != 0 || reset <= now-1 || reset > now+10 {
		t.Errorf("X-RateLimit-Reset = %d, now %d", reset, now)
	}
}

func TestListContactsPaging(t *testing.T) {
	sb, a := newSandbox(t, intercomtest.Options{Seed: 7, Contacts: 1000})
	all := walkContacts(t, a, 150)
	if len(all) != 1000 || sb.Count("contacts") != 1000 {
		t.Fatalf("walked %d contacts, Count %d", len(all), sb.Count("contacts"))
	}
	seen := map[string]bool{}
	for i, c := range all {
		if seen[c.ID] {
			t.Fatalf("contact %s listed twice", c.ID)
		}
		seen[c.ID] = true
		if i > 0 && c.CreatedAt < all[i-1].CreatedAt {
			t.Fatalf("not in creation order at %d", i)
		}
		if len(c.ID) != 24 || strings.Trim(c.ID, "0123456789abcdef") != "" {
			t.Fatalf("id %q is not 24 hex digits", c.ID)
		}
		if c.WorkspaceID != sb.AppID() || c.Type != "contact" {
			t.Fatalf("contact %+v", c)
		}
	}
	if sb.Calls()["GET /contacts"] != 7 {
		t.Errorf("Calls = %v, want 7 pages", sb.Calls())
	}

	// The same cursor gives the same page; a contact created during the
	// walk shows up at its end.
	var p1 listJSON
	a.must(200, "GET", "/contacts?per_page=100", nil).json(t, &p1)
	cursor := p1.Pages.Next.StartingAfter
	var p2a, p2b listJSON
	a.must(200, "GET", "/contacts?per_page=100&starting_after="+cursor, nil).json(t, &p2a)
	created := a.must(200, "POST", "/contacts", map[string]any{"email": "late@walk.example"}).obj(t)
	a.must(200, "GET", "/contacts?per_page=100&starting_after="+cursor, nil).json(t, &p2b)
	if p2a.Data[0].ID != p2b.Data[0].ID || p2a.Data[99].ID != p2b.Data[99].ID || p2a.Pages.Page != 2 {
		t.Fatal("re-reading a cursor gave another page")
	}
	rest := walkContacts(t, a, 150)
	if last := rest[len(rest)-1]; last.ID != created["id"] {
		t.Fatalf("the new contact is not last: %s", last.ID)
	}
}

func TestListContactsParameters(t *testing.T) {
	_, a := newSandbox(t, intercomtest.Options{Seed: 7, Contacts: 40})
	tests := []struct {
		query   string
		status  int
		perPage int
		n       int
	}{
		{"", 200, intercomtest.DefaultContactsPerPage, intercomtest.DefaultContactsPerPage},
		{"?per_page=150", 200, 150, 40},
		{"?per_page=1", 200, 1, 1},
		{"?per_page=151", 400, 0, 0},
		{"?per_page=0", 400, 0, 0},
		{"?per_page=x", 400, 0, 0},
		{"?starting_after=garbage", 400, 0, 0},
		{"?starting_after=c2J4MTo5OTk5OTk5OTk5Ojk5OTk5OQ", 200, 10, 0}, // a cursor past the end
	}
	for _, tc := range tests {
		r := a.do("GET", "/contacts"+tc.query, nil)
		if r.status != tc.status {
			t.Errorf("%s: status %d, want %d: %s", tc.query, r.status, tc.status, r.body)
			continue
		}
		if tc.status != 200 {
			if code, _ := r.errCode(t); code != "parameter_invalid" {
				t.Errorf("%s: code %s", tc.query, code)
			}
			continue
		}
		var l listJSON
		r.json(t, &l)
		if l.Pages.PerPage != tc.perPage || len(l.Data) != tc.n || l.TotalCount != 40 {
			t.Errorf("%s: per_page %d, %d contacts, total %d", tc.query, l.Pages.PerPage, len(l.Data), l.TotalCount)
		}
	}
}

func TestEmptyWorkspace(t *testing.T) {
	sb, a := newSandbox(t, intercomtest.Options{})
	var l listJSON
	a.must(200, "GET", "/contacts", nil).json(t, &l)
	if len(l.Data) != 0 || l.TotalCount != 0 || l.Pages.Next != nil || l.Pages.TotalPages != 0 {
		t.Fatalf("empty list: %+v", l)
	}
	for entity, want := range map[string]int{"contacts": 0, "tags": 0, "data_attributes": 0, "admins": intercomtest.DefaultAdmins, "nope": -1} {
		if got := sb.Count(entity); got != want {
			t.Errorf("Count(%s) = %d, want %d", entity, got, want)
		}
	}
}

func TestSearchPagingWalksAllMatches(t *testing.T) {
	sb, a := newSandbox(t, intercomtest.Options{Seed: 11, Contacts: 1200})
	users := 0
	for _, c := range walkContacts(t, a, 150) {
		if c.Role == "user" {
			users++
		}
	}
	query := map[string]any{"field": "role", "operator": "=", "value": "user"}
	seen := map[string]bool{}
	cursor := ""
	for page := 1; ; page++ {
		body := map[string]any{"query": query, "pagination": map[string]any{"per_page": 150}}
		if cursor != "" {
			body["pagination"].(map[string]any)["starting_after"] = cursor
		}
		var l listJSON
		a.must(200, "POST", "/contacts/search", body).json(t, &l)
		if l.TotalCount != users || l.Pages.Page != page {
			t.Fatalf("page %d: total_count %d (want %d), page %d", page, l.TotalCount, users, l.Pages.Page)
		}
		for _, c := range l.Data {
			if seen[c.ID] || c.Role != "user" {
				t.Fatalf("contact %s repeated or not a user", c.ID)
			}
			seen[c.ID] = true
		}
		if l.Pages.Next == nil {
			break
		}
		cursor = l.Pages.Next.StartingAfter
	}
	if len(seen) != users {
		t.Fatalf("search walked %d users of %d", len(seen), users)
	}
	if got := sb.Calls()["POST /contacts/search"]; got != (users+149)/150 {
		t.Errorf("search calls %d", got)
	}
}

func TestSearchFilters(t *testing.T) {
	clock := &fakeClock{t: time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)}
	sb, a := newSandbox(t, intercomtest.Options{Seed: 5, Contacts: 0, Timezone: "UTC", Now: clock.Now})
	_ = sb
	// Attributes and tags to search on.
	a.must(200, "POST", "/data_attributes", map[string]any{"name": "plan", "model": "contact", "data_type": "options", "options": []map[string]string{{"value": "Free"}, {"value": "Pro"}}})
	a.must(200, "POST", "/data_attributes", map[string]any{"name": "seats", "model": "contact", "data_type": "integer"})
	a.must(200, "POST", "/data_attributes", map[string]any{"name": "renews_at", "model": "contact", "data_type": "date"})
	admins := a.must(200, "GET", "/admins", nil).obj(t)["admins"].([]any)
	owner, _ := strconv.Atoi(admins[1].(map[string]any)["id"].(string))

	day := func(d, h int) time.Time { return time.Date(2025, 3, d, h, 0, 0, 0, time.UTC) }
	type seedContact struct {
		at   time.Time
		body map[string]any
	}
	ids := map[string]string{}
	for _, sc := range []struct {
		key  string
		at   time.Time
		body map[string]any
	}{
		{"ann", day(1, 9), map[string]any{"email": "Ann.Lee@Acme.example", "external_id": "ext-ann", "name": "Ann Lee", "phone": "+353 1 555", "custom_attributes": map[string]any{"plan": "Pro", "seats": 5, "renews_at": day(20, 10).Unix()}}},
		{"bob", day(1, 23), map[string]any{"email": "bob@beta.example", "external_id": "EXT-BOB", "name": "Bob Stone", "owner_id": owner, "unsubscribed_from_emails": true, "custom_attributes": map[string]any{"plan": "Free", "seats": 50}}},
		{"cat", day(2, 0), map[string]any{"role": "lead", "email": "cat@acme.example", "name": "Cat Ng"}},
		{"dan", day(3, 12), map[string]any{"role": "lead"}},
	} {
		clock.Set(sc.at)
		ids[sc.key] = a.must(200, "POST", "/contacts", sc.body).obj(t)["id"].(string)
	}
	clock.Set(day(10, 12))
	tag := a.must(200, "POST", "/tags", map[string]any{"name": "VIP", "users": []map[string]string{{"id": ids["ann"]}, {"id": ids["cat"]}}}).obj(t)
	tagID := tag["id"].(string)

	f := func(field, op string, v any) map[string]any {
		return map[string]any{"field": field, "operator": op, "value": v}
	}
	group := func(op string, xs ...any) map[string]any { return map[string]any{"operator": op, "value": xs} }
	tests := []struct {
		name  string
		query any
		want  []string // keys, in creation order; nil with errHas
		err   string
	}{
		{"email = ignores case", f("email", "=", "ann.lee@acme.example"), []string{"ann"}, ""},
		{"email !=", f("email", "!=", "ann.lee@acme.example"), []string{"bob", "cat", "dan"}, ""},
		{"email_domain", f("email_domain", "=", "acme.example"), []string{"ann", "cat"}, ""},
		{"external_id = is exact", f("external_id", "=", "ext-bob"), []string{}, ""},
		{"external_id =", f("external_id", "=", "EXT-BOB"), []string{"bob"}, ""},
		{"id =", f("id", "=", ids["cat"]), []string{"cat"}, ""},
		{"id IN", f("id", "IN", []any{ids["cat"], ids["dan"], "nope"}), []string{"cat", "dan"}, ""},
		{"role lead", f("role", "=", "lead"), []string{"cat", "dan"}, ""},
		{"name contains", f("name", "~", "st"), []string{"bob"}, ""},
		{"name does not contain (absent matches)", f("name", "!~", "o"), []string{"ann", "cat", "dan"}, ""},
		{"name starts", f("name", "^", "ca"), []string{"cat"}, ""},
		{"name ends", f("name", "$", "LEE"), []string{"ann"}, ""},
		{"phone null", f("phone", "=", nil), []string{"bob", "cat", "dan"}, ""},
		{"phone not null", f("phone", "!=", nil), []string{"ann"}, ""},
		{"name NIN", f("name", "NIN", []any{"Ann Lee", "Bob Stone"}), []string{"cat", "dan"}, ""},
		{"created_at = whole day", f("created_at", "=", day(1, 15).Unix()), []string{"ann", "bob"}, ""},
		{"created_at > from next day", f("created_at", ">", day(1, 0).Unix()), []string{"cat", "dan"}, ""},
		{"created_at < before the day", f("created_at", "<", day(2, 23).Unix()), []string{"ann", "bob"}, ""},
		{"created_at as a numeric string", f("created_at", "=", strconv.FormatInt(day(3, 1).Unix(), 10)), []string{"dan"}, ""},
		{"updated_at", f("updated_at", ">", day(2, 0).Unix()), []string{"dan"}, ""},
		{"owner_id", f("owner_id", "=", owner), []string{"bob"}, ""},
		{"unsubscribed", f("unsubscribed_from_emails", "=", true), []string{"bob"}, ""},
		{"tag_id =", f("tag_id", "=", tagID), []string{"ann", "cat"}, ""},
		{"tag_id !=", f("tag_id", "!=", tagID), []string{"bob", "dan"}, ""},
		{"custom list", f("custom_attributes.plan", "=", "pro"), []string{"ann"}, ""},
		{"custom integer >=", f("custom_attributes.seats", ">=", 5), []string{"ann", "bob"}, ""},
		{"custom integer >", f("custom_attributes.seats", ">", 5), []string{"bob"}, ""},
		{"custom date", f("custom_attributes.renews_at", "=", day(20, 0).Unix()), []string{"ann"}, ""},
		{"AND", group("AND", f("role", "=", "user"), f("name", "~", "a")), []string{"ann"}, ""},
		{"OR", group("OR", f("email", "=", "bob@beta.example"), f("role", "=", "lead")), []string{"bob", "cat", "dan"}, ""},
		{"nested", group("AND", group("OR", f("role", "=", "lead")), group("OR", f("name", "^", "c"), f("name", "=", nil))), []string{"cat", "dan"}, ""},
		{"unknown field", f("favourite_colour", "=", "x"), nil, "favourite_colour"},
		{"unsupported standard field", f("browser", "=", "x"), nil, "browser"},
		{"unknown custom attribute", f("custom_attributes.nope", "=", "x"), nil, "nope"},
		{"date >= unsupported", f("created_at", ">=", day(1, 0).Unix()), nil, ">="},
		{"date != unsupported", f("created_at", "!=", day(1, 0).Unix()), nil, "!="},
		{"tag_id IN unsupported", f("tag_id", "IN", []any{tagID}), nil, "IN"},
		{"contains on integer unsupported", f("custom_attributes.seats", "~", "1"), nil, "~"},
		{"date given a word", f("created_at", "=", "foorbar"), nil, "created_at"},
		{"IN needs a list", f("email", "IN", "a"), nil, "IN"},
		{"three levels", group("AND", group("OR", group("AND", f("role", "=", "lead")))), nil, "nest"},
		{"16 filters in a group", group("OR", func() []any {
			var xs []any
			for i := 0; i < 16; i++ {
				xs = append(xs, f("name", "=", strconv.Itoa(i)))
			}
			return xs
		}()...), nil, "15"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := *a
			a.t = t
			r := a.do("POST", "/contacts/search", map[string]any{"query": tc.query})
			if tc.err != "" {
				if r.status != 400 {
					t.Fatalf("status %d, want 400: %s", r.status, r.body)
				}
				if code, msg := r.errCode(t); code != "parameter_invalid" || !strings.Contains(msg, tc.err) {
					t.Fatalf("error %s %q does not name %q", code, msg, tc.err)
				}
				return
			}
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			var l listJSON
			r.json(t, &l)
			got := []string{}
			for _, c := range l.Data {
				for k, id := range ids {
					if id == c.ID {
						got = append(got, k)
					}
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") || l.TotalCount != len(tc.want) {
				t.Fatalf("matched %v (total %d), want %v", got, l.TotalCount, tc.want)
			}
		})
	}
}

func TestCreateContactConflicts(t *testing.T) {
	_, a := newSandbox(t, intercomtest.Options{Seed: 2})
	first := a.must(200, "POST", "/contacts", map[string]any{"email": "dup@x.example", "external_id": "e-1", "role": "user"}).obj(t)
	id := first["id"].(string)
	tests := []struct {
		name   string
		method string
		path   string
		body   map[string]any
		status int
	}{
		{"same email", "POST", "/contacts", map[string]any{"email": "dup@x.example"}, 409},
		{"same email other case", "POST", "/contacts", map[string]any{"email": "DUP@x.example", "role": "user"}, 409},
		{"same external_id", "POST", "/contacts", map[string]any{"email": "other@x.example", "external_id": "e-1"}, 409},
		{"lead with the email of a user", "POST", "/contacts", map[string]any{"email": "dup@x.example", "role": "lead"}, 200},
		{"lead with the same external_id", "POST", "/contacts", map[string]any{"role": "lead", "external_id": "e-1"}, 409},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := *a
			a.t = t
			r := a.must(tc.status, tc.method, tc.path, tc.body)
			if tc.status == 409 {
				code, msg := r.errCode(t)
				if code != "conflict" || msg != "A contact matching those details already exists with id="+id {
					t.Fatalf("409 body: %s %q", code, msg)
				}
			}
		})
	}
	// Updates obey the same rules.
	second := a.must(200, "POST", "/contacts", map[string]any{"email": "second@x.example", "external_id": "e-2"}).obj(t)
	sid := second["id"].(string)
	for _, body := range []map[string]any{{"email": "Dup@X.example"}, {"external_id": "e-1"}} {
		r := a.must(409, "PUT", "/contacts/"+sid, body)
		if _, msg := r.errCode(t); !strings.HasSuffix(msg, "id="+id) {
			t.Errorf("update conflict message %q", msg)
		}
	}
	// Updating a contact with its own email is fine; freed keys can be reused.
	a.must(200, "PUT", "/contacts/"+id, map[string]any{"email": "dup@x.example", "name": "Dee"})
	a.must(200, "PUT", "/contacts/"+id, map[string]any{"external_id": "e-9"})
	a.must(200, "POST", "/contacts", map[string]any{"external_id": "e-1"})
	a.must(200, "DELETE", "/contacts/"+sid, nil)
	a.must(200, "POST", "/contacts", map[string]any{"email": "second@x.example", "external_id": "e-2"})
}

func TestContactWriteValidation(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_750_000_000, 0)}
	sb, a := newSandbox(t, intercomtest.Options{Seed: 9, Contacts: 3, Now: clock.Now})
	admins := a.must(200, "GET", "/admins", nil).obj(t)["admins"].([]any)
	adminID, _ := strconv.Atoi(admins[0].(map[string]any)["id"].(string))
	recs, _ := sb.Records("data_attributes")
	archived := ""
	for _, r := range recs {
		var d struct {
			Name     string `json:"name"`
			Archived bool   `json:"archived"`
		}
		_ = json.Unmarshal(r, &d)
		if d.Archived {
			archived = d.Name
		}
	}
	if archived == "" {
		t.Fatal("the seeded workspace has no archived attribute")
	}
	tests := []struct {
		name   string
		body   map[string]any
		status int
		field  string
	}{
		{"all fields", map[string]any{"role": "user", "email": "full@x.example", "external_id": "full-1", "phone": "+1 555", "name": "Full Name",
			"avatar": "https://img.example/a.png", "signed_up_at": 1_600_000_000, "last_seen_at": 1_700_000_000, "owner_id": adminID,
			"unsubscribed_from_emails": true, "custom_attributes": map[string]any{"plan": "Pro", "monthly_spend": 12.5, "team_mates": 3, "paid_subscriber": true, "trial_ends_at": 1_760_000_000, "referral_source": "Blog"}}, 200, ""},
		{"date attribute as RFC 3339", map[string]any{"email": "d@x.example", "custom_attributes": map[string]any{"trial_ends_at": "2025-06-01T00:00:00Z"}}, 200, ""},
		{"integral float for an integer", map[string]any{"email": "i@x.example", "custom_attributes": map[string]any{"team_mates": 4.0}}, 200, ""},
		{"null custom value", map[string]any{"email": "n@x.example", "custom_attributes": map[string]any{"plan": nil}}, 200, ""},
		{"unknown attribute", map[string]any{"email": "u@x.example", "custom_attributes": map[string]any{"shoe_size": 44}}, 400, "shoe_size"},
		{"archived attribute", map[string]any{"email": "u@x.example", "custom_attributes": map[string]any{archived: "x"}}, 400, archived},
		{"attribute names are case-sensitive", map[string]any{"email": "u@x.example", "custom_attributes": map[string]any{"Plan": "Pro"}}, 400, "Plan"},
		{"string for an integer", map[string]any{"email": "u@x.example", "custom_attributes": map[string]any{"team_mates": "3"}}, 400, "team_mates"},
		{"fraction for an integer", map[string]any{"email": "u@x.example", "custom_attributes": map[string]any{"team_mates": 3.5}}, 400, "team_mates"},
		{"number for a string", map[string]any{"email": "u@x.example", "custom_attributes": map[string]any{"referral_source": 3}}, 400, "referral_source"},
		{"string for a boolean", map[string]any{"email": "u@x.example", "custom_attributes": map[string]any{"paid_subscriber": "yes"}}, 400, "paid_subscriber"},
		{"option not in the list", map[string]any{"email": "u@x.example", "custom_attributes": map[string]any{"plan": "Platinum"}}, 400, "plan"},
		{"bad date", map[string]any{"email": "u@x.example", "custom_attributes": map[string]any{"trial_ends_at": "tomorrow"}}, 400, "trial_ends_at"},
		{"owner not an admin", map[string]any{"email": "u@x.example", "owner_id": 42}, 400, "owner_id"},
		{"bad email", map[string]any{"email": "not an email"}, 400, "email"},
		{"avatar not a URL", map[string]any{"email": "u@x.example", "avatar": "me.png"}, 400, "avatar"},
		{"no identity (spec anyOf)", map[string]any{"name": "Nobody"}, 400, ""},
		{"empty body", nil, 400, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := *a
			a.t = t
			r := a.must(tc.status, "POST", "/contacts", tc.body)
			if tc.status != 200 {
				code, msg := r.errCode(t)
				if code != "parameter_invalid" || !strings.Contains(msg, tc.field) {
					t.Fatalf("error %s %q does not name %q", code, msg, tc.field)
				}
				return
			}
			var c contactJSON
			r.json(t, &c)
			if c.CreatedAt != 1_750_000_000 || c.UpdatedAt != c.CreatedAt {
				t.Errorf("timestamps %d %d", c.CreatedAt, c.UpdatedAt)
			}
		})
	}
	// Update: merges, null clears, updated_at moves, a user stays a user.
	c := a.must(200, "POST", "/contacts", map[string]any{"email": "upd@x.example", "name": "Old", "custom_attributes": map[string]any{"plan": "Pro", "team_mates": 2}}).obj(t)
	id := c["id"].(string)
	clock.Set(time.Unix(1_750_000_100, 0))
	var u contactJSON
	a.must(200, "PUT", "/contacts/"+id, map[string]any{"name": nil, "custom_attributes": map[string]any{"plan": nil, "team_mates": 7}}).json(t, &u)
	if u.Name != nil || u.Custom["plan"] != nil || u.Custom["team_mates"] != float64(7) || u.UpdatedAt != 1_750_000_100 || u.CreatedAt != 1_750_000_000 {
		t.Errorf("after update: %+v", u)
	}
	a.must(400, "PUT", "/contacts/"+id, map[string]any{"role": "lead"})
	lead := a.must(200, "POST", "/contacts", map[string]any{"role": "lead", "email": "l@x.example"}).obj(t)
	var conv contactJSON
	a.must(200, "PUT", "/contacts/"+lead["id"].(string), map[string]any{"role": "user", "external_id": "conv-1"}).json(t, &conv)
	if conv.Role != "user" {
		t.Errorf("lead not converted: %s", conv.Role)
	}
	a.must(404, "PUT", "/contacts/ffffffffffffffffffffffff", map[string]any{"name": "x"})
}

func TestGetFindDeleteContact(t *testing.T) {
	_, a := newSandbox(t, intercomtest.Options{Seed: 4})
	u := a.must(200, "POST", "/contacts", map[string]any{"email": "f@x.example", "external_id": "find/me 1"}).obj(t)
	l := a.must(200, "POST", "/contacts", map[string]any{"role": "lead", "external_id": "lead-ext"}).obj(t)
	var got contactJSON
	a.must(200, "GET", "/contacts/"+u["id"].(string), nil).json(t, &got)
	if got.Email != "f@x.example" {
		t.Fatal(got)
	}
	a.must(200, "GET", "/contacts/find_by_external_id/find%2Fme%201", nil).json(t, &got)
	if got.ID != u["id"] {
		t.Fatalf("find_by_external_id gave %s", got.ID)
	}
	a.must(404, "GET", "/contacts/find_by_external_id/lead-ext", nil) // users only
	a.must(404, "GET", "/contacts/find_by_external_id/none", nil)
	del := a.must(200, "DELETE", "/contacts/"+l["id"].(string), nil).obj(t)
	if del["deleted"] != true || del["id"] != l["id"] || del["type"] != "contact" {
		t.Fatalf("delete answer %v", del)
	}
	a.must(404, "GET", "/contacts/"+l["id"].(string), nil)
	a.must(404, "DELETE", "/contacts/"+l["id"].(string), nil)
}

func TestTags(t *testing.T) {
	sb, a := newSandbox(t, intercomtest.Options{Seed: 21, Contacts: 400})
	var tags struct {
		Data []struct {
			ID, Name string
		} `json:"data"`
	}
	a.must(200, "GET", "/tags", nil).json(t, &tags)
	if len(tags.Data) != 25 || sb.Count("tags") != 25 {
		t.Fatalf("%d tags", len(tags.Data))
	}
	// has_more on contacts with more than 10 tags; the tags route lists all.
	many := 0
	for _, c := range walkContacts(t, a, 150) {
		if c.Tags.TotalCount > 10 {
			many++
			if !c.Tags.HasMore || len(c.Tags.Data) != 10 {
				t.Fatalf("contact with %d tags: has_more %v, %d listed", c.Tags.TotalCount, c.Tags.HasMore, len(c.Tags.Data))
			}
			var ct struct {
				Data []map[string]any `json:"data"`
			}
			a.must(200, "GET", "/contacts/"+c.ID+"/tags", nil).json(t, &ct)
			if len(ct.Data) != c.Tags.TotalCount || ct.Data[0]["applied_at"] == nil {
				t.Fatalf("GET tags of %s: %d, want %d", c.ID, len(ct.Data), c.Tags.TotalCount)
			}
		} else if c.Tags.HasMore || len(c.Tags.Data) != c.Tags.TotalCount {
			t.Fatalf("contact with %d tags: has_more %v", c.Tags.TotalCount, c.Tags.HasMore)
		}
	}
	if many == 0 {
		t.Fatal("no seeded contact has more than 10 tags")
	}

	// Create is idempotent and case-insensitive.
	vip := a.must(200, "POST", "/tags", map[string]any{"name": "Gold"}).obj(t)
	again := a.must(200, "POST", "/tags", map[string]any{"name": "gOLD"}).obj(t)
	if vip["id"] != again["id"] || again["name"] != "Gold" || vip["type"] != "tag" {
		t.Fatalf("tags %v %v", vip, again)
	}
	// Tag users: idempotent, all-or-nothing on unknown ids, bounded.
	c1 := a.must(200, "POST", "/contacts", map[string]any{"email": "t1@x.example"}).obj(t)["id"].(string)
	c2 := a.must(200, "POST", "/contacts", map[string]any{"email": "t2@x.example"}).obj(t)["id"].(string)
	users := []map[string]any{{"id": c1}, {"id": c2}}
	for i := 0; i < 2; i++ {
		r := a.must(200, "POST", "/tags", map[string]any{"name": "Imported", "users": users}).obj(t)
		if r["name"] != "Imported" {
			t.Fatal(r)
		}
	}
	var c contactJSON
	a.must(200, "GET", "/contacts/"+c1, nil).json(t, &c)
	if c.Tags.TotalCount != 1 {
		t.Fatalf("tagging twice gave %d tags", c.Tags.TotalCount)
	}
	r := a.must(404, "POST", "/tags", map[string]any{"name": "Partial", "users": []map[string]any{{"id": c1}, {"id": "000000000000000000000000"}}})
	if code, msg := r.errCode(t); code != "not_found" || msg != "User Not Found" {
		t.Fatalf("%s %s", code, msg)
	}
	a.must(200, "GET", "/contacts/"+c1, nil).json(t, &c)
	if c.Tags.TotalCount != 1 {
		t.Fatal("a refused call tagged a contact")
	}
	var tooMany []map[string]any
	for i := 0; i <= intercomtest.MaxTagUsersPerCall; i++ {
		tooMany = append(tooMany, map[string]any{"id": c1})
	}
	a.must(400, "POST", "/tags", map[string]any{"name": "Big", "users": tooMany})
	// Untag, rename, attach and detach.
	a.must(200, "POST", "/tags", map[string]any{"name": "Imported", "users": []map[string]any{{"id": c1, "untag": true}}})
	a.must(200, "GET", "/contacts/"+c1, nil).json(t, &c)
	if c.Tags.TotalCount != 0 {
		t.Fatal("untag failed")
	}
	renamed := a.must(200, "POST", "/tags", map[string]any{"id": vip["id"], "name": "Platinum"}).obj(t)
	if renamed["id"] != vip["id"] || renamed["name"] != "Platinum" {
		t.Fatal(renamed)
	}
	a.must(400, "POST", "/tags", map[string]any{"id": vip["id"], "name": "imported"})
	a.must(404, "POST", "/tags", map[string]any{"id": "1", "name": "x"})
	a.must(200, "GET", "/tags/"+vip["id"].(string), nil)
	a.must(404, "GET", "/tags/999", nil)
	att := a.must(200, "POST", "/contacts/"+c2+"/tags", map[string]any{"id": vip["id"]}).obj(t)
	if att["applied_by"] == nil {
		t.Fatal(att)
	}
	a.must(200, "DELETE", "/contacts/"+c2+"/tags/"+vip["id"].(string), nil)
	a.must(404, "DELETE", "/contacts/"+c2+"/tags/"+vip["id"].(string), nil)
	a.must(404, "POST", "/tags", map[string]any{"name": "Co", "companies": []map[string]any{{"company_id": "1"}}}) // no such company
	a.must(400, "POST", "/tags", map[string]any{"test": "invalid"})
}

func TestDataAttributes(t *testing.T) {
	sb, a := newSandbox(t, intercomtest.Options{Seed: 8, Contacts: 1})
	type attr struct {
		ID       *int64   `json:"id"`
		Name     string   `json:"name"`
		FullName string   `json:"full_name"`
		Model    string   `json:"model"`
		DataType string   `json:"data_type"`
		Custom   bool     `json:"custom"`
		Archived bool     `json:"archived"`
		Options  []string `json:"options"`
	}
	list := func(q string) []attr {
		var l struct {
			Data []attr `json:"data"`
		}
		a.must(200, "GET", "/data_attributes"+q, nil).json(t, &l)
		return l.Data
	}
	contactAttrs := list("?model=contact")
	custom, standard := 0, 0
	types := map[string]bool{}
	for _, d := range contactAttrs {
		if d.Model != "contact" {
			t.Fatalf("model %s in ?model=contact", d.Model)
		}
		if d.Custom {
			custom++
			types[d.DataType] = true
			if d.ID == nil || d.FullName != "custom_attributes."+d.Name || d.Archived {
				t.Errorf("custom attribute %+v", d)
			}
			if d.Name == "plan" && (d.DataType != "string" || len(d.Options) < 2) {
				t.Errorf("list attribute %+v", d)
			}
		} else {
			standard++
		}
	}
	if custom < 10 || standard < 10 || len(types) != 5 {
		t.Errorf("%d custom (types %v), %d standard", custom, types, standard)
	}
	if n := len(list("?model=contact&include_archived=true")); n != len(contactAttrs)+1 {
		t.Errorf("include_archived: %d, want %d", n, len(contactAttrs)+1)
	}
	if n := len(list("?model=conversation")); n != 0 {
		t.Errorf("conversation attributes: %d", n)
	}
	if n := len(list("")); n <= len(contactAttrs) {
		t.Errorf("all models: %d", n)
	}

	before := sb.Count("data_attributes")
	created := a.must(200, "POST", "/data_attributes", map[string]any{"name": "Mithril Shirt", "model": "contact", "data_type": "datetime", "messenger_writable": true}).obj(t)
	if created["data_type"] != "date" || created["custom"] != true || created["full_name"] != "custom_attributes.Mithril Shirt" {
		t.Fatal(created)
	}
	tests := []struct {
		body   map[string]any
		status int
		msgHas string
	}{
		{map[string]any{"name": "mithril shirt", "model": "company", "data_type": "string"}, 400, "You already have 'Mithril Shirt' in your people data. To save this as new company data, use a different name."},
		{map[string]any{"name": "email", "model": "contact", "data_type": "string"}, 400, "standard attributes"},
		{map[string]any{"name": "bad!name", "model": "contact", "data_type": "string"}, 400, "alphanumeric"},
		{map[string]any{"name": "tiers", "model": "contact", "data_type": "options", "options": []map[string]string{{"value": "only"}}}, 400, "at least two options"},
		{map[string]any{"name": "x", "model": "contact", "data_type": "mithril"}, 400, "data_type"},
		{map[string]any{"name": "tiers", "model": "company", "data_type": "options", "options": []map[string]string{{"value": "a"}, {"value": "b"}}}, 200, ""},
	}
	for _, tc := range tests {
		r := a.do("POST", "/data_attributes", tc.body)
		if r.status != tc.status {
			t.Errorf("%v: status %d, want %d: %s", tc.body, r.status, tc.status, r.body)
			continue
		}
		if tc.status == 400 {
			if _, msg := r.errCode(t); !strings.Contains(msg, tc.msgHas) {
				t.Errorf("%v: message %q lacks %q", tc.body, msg, tc.msgHas)
			}
		}
	}
	if got := sb.Count("data_attributes"); got != before+2 {
		t.Errorf("Count = %d, want %d", got, before+2)
	}
	// Archive, then the limit of 250 active custom attributes.
	id := strconv.FormatFloat(created["id"].(float64), 'f', 0, 64)
	arch := a.must(200, "PUT", "/data_attributes/"+id, map[string]any{"archived": true}).obj(t)
	if arch["archived"] != true {
		t.Fatal(arch)
	}
	a.must(404, "PUT", "/data_attributes/1", map[string]any{"archived": true})
	for i := sb.Count("data_attributes") - 2; i < intercomtest.MaxCustomAttributes; i++ {
		a.must(200, "POST", "/data_attributes", map[string]any{"name": fmt.Sprintf("bulk_%d", i), "model": "contact", "data_type": "string"})
	}
	r := a.must(400, "POST", "/data_attributes", map[string]any{"name": "one_too_many", "model": "contact", "data_type": "string"})
	if _, msg := r.errCode(t); !strings.Contains(msg, "250") {
		t.Errorf("limit message %q", msg)
	}
}

// What the generator seeds must be reproducible through the API, since that
// is what a migration does: every custom attribute (options included) can be
// created in an empty workspace, and every contact with its values and tags.
func TestSeededWorkspaceIsReproducibleThroughTheAPI(t *testing.T) {
	src, _ := newSandbox(t, intercomtest.Options{Seed: 17, Contacts: 150})
	_, dst := newSandbox(t, intercomtest.Options{Region: "eu", Tokens: []string{"dst"}, Seed: 17, FullResponseValidation: true})
	attrs, _ := src.Records("data_attributes")
	for _, raw := range attrs {
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		body := map[string]any{"name": m["name"], "model": m["model"], "data_type": m["data_type"]}
		if opts, ok := m["options"].([]any); ok {
			var list []map[string]any
			for _, o := range opts {
				list = append(list, map[string]any{"value": o})
			}
			body["data_type"], body["options"] = "options", list
		}
		dst.must(200, "POST", "/data_attributes", body)
	}
	tags, _ := src.Records("tags")
	for _, raw := range tags {
		var tg struct{ Name string }
		_ = json.Unmarshal(raw, &tg)
		dst.must(200, "POST", "/tags", map[string]any{"name": tg.Name})
	}
	contacts, _ := src.Records("contacts")
	for _, raw := range contacts {
		var c map[string]any
		_ = json.Unmarshal(raw, &c)
		body := map[string]any{"role": c["role"], "custom_attributes": c["custom_attributes"]}
		for _, k := range []string{"email", "external_id", "phone", "name", "signed_up_at", "last_seen_at", "unsubscribed_from_emails"} {
			if v := c[k]; v != nil && v != "" {
				body[k] = v
			}
		}
		if av, ok := c["avatar"].(map[string]any); ok {
			body["avatar"] = av["image_url"]
		}
		id := dst.must(200, "POST", "/contacts", body).obj(t)["id"].(string)
		for _, tg := range c["tags"].(map[string]any)["data"].([]any) {
			dst.must(200, "POST", "/tags", map[string]any{"name": tagName(t, tags, tg.(map[string]any)["id"].(string)), "users": []map[string]any{{"id": id}}})
		}
	}
	if got := src.Count("contacts"); got != 150 {
		t.Fatalf("source has %d contacts", got)
	}
}

func tagName(t *testing.T, tags []json.RawMessage, id string) string {
	for _, raw := range tags {
		var tg struct{ ID, Name string }
		_ = json.Unmarshal(raw, &tg)
		if tg.ID == id {
			return tg.Name
		}
	}
	t.Fatalf("tag %s not found", id)
	return ""
}

func TestMeAndAdminsAcrossRegions(t *testing.T) {
	type me struct {
		ID    string `json:"id"`
		Email string `json:"email"`
		Name  string `json:"name"`
		App   struct {
			IDCode   string `json:"id_code"`
			Region   string `json:"region"`
			Timezone string `json:"timezone"`
		} `json:"app"`
	}
	var got []me
	for _, tc := range []struct{ region, name, token string }{
		{"us", "US", "src-token"}, {"eu", "Europe", "dst-token"}, {"au", "Australia", "dst-token"}, {"", "US", "other"},
	} {
		_, a := newSandbox(t, intercomtest.Options{Region: tc.region, Tokens: []string{tc.token}, Seed: 99})
		var m me
		a.must(200, "GET", "/me", nil).json(t, &m)
		if m.App.Region != tc.name || intercomtest.RegionName(tc.region+map[bool]string{true: "us"}[tc.region == ""]) != tc.name {
			t.Errorf("region %q: app.region %q, want %q", tc.region, m.App.Region, tc.name)
		}
		got = append(got, m)
	}
	if got[0].Email != got[1].Email || got[0].Name != got[1].Name || got[0].ID == got[1].ID {
		t.Errorf("same seed, another region: %+v vs %+v", got[0], got[1])
	}
	if got[0].App.IDCode == got[1].App.IDCode || got[0].App.IDCode == got[3].App.IDCode || got[1].App.IDCode == got[2].App.IDCode {
		t.Errorf("workspaces share an id_code: %+v", got)
	}
	if _, err := intercomtest.New(intercomtest.Options{Region: "mars", Unvalidated: true, SpecPath: "/nonexistent"}); err == nil {
		t.Error("unknown region accepted")
	}
	// Each token is an app with its own admin behind it.
	_, a := newSandbox(t, intercomtest.Options{Tokens: []string{"t1", "t2"}, Seed: 99})
	var m1, m2 me
	a.must(200, "GET", "/me", nil).json(t, &m1)
	newAPI(t, a.base, "t2").must(200, "GET", "/me", nil).json(t, &m2)
	if m1.ID == m2.ID || m1.App.IDCode != m2.App.IDCode {
		t.Errorf("tokens: %+v %+v", m1, m2)
	}
	a.must(200, "GET", "/admins/"+m2.ID, nil)
	a.must(404, "GET", "/admins/1", nil)
	admins := a.must(200, "GET", "/admins?display_avatar=true", nil).obj(t)["admins"].([]any)
	if len(admins) != intercomtest.DefaultAdmins || admins[0].(map[string]any)["avatar"] == nil {
		t.Errorf("admins: %v", admins)
	}
}

func TestFaultInjection(t *testing.T) {
	sb, a := newSandbox(t, intercomtest.Options{Seed: 1, FaultRate: 0.2})
	const n = 1000
	ok := 0
	statuses := map[int]int{}
	for i := 0; i < n; i++ {
		r := a.do("POST", "/tags", map[string]any{"name": fmt.Sprintf("t%d", i)})
		statuses[r.status]++
		switch r.status {
		case 200:
			ok++
		case 500, 502, 503:
			code, _ := r.errCode(t)
			if code == "" || r.header.Get("X-RateLimit-Limit") == "" {
				t.Fatalf("fault answer %s", r.body)
			}
		default:
			t.Fatalf("status %d: %s", r.status, r.body)
		}
	}
	faults := n - ok
	if faults != sb.Faults() || faults < 150 || faults > 250 {
		t.Fatalf("%d faults (sandbox counted %d) for rate 0.2 over %d: %v", faults, sb.Faults(), n, statuses)
	}
	if len(statuses) != 4 {
		t.Errorf("statuses %v, want 200, 500, 502 and 503", statuses)
	}
	// No side effect: only the answered calls created tags, and only they
	// reached the handler.
	if sb.Count("tags") != ok || sb.Calls()["POST /tags"] != ok {
		t.Fatalf("%d tags, %d calls, %d successes", sb.Count("tags"), sb.Calls()["POST /tags"], ok)
	}
	// The same seed gives the same sequence of faults.
	sb2, a2 := newSandbox(t, intercomtest.Options{Seed: 1, FaultRate: 0.2})
	for i := 0; i < n; i++ {
		a2.do("GET", "/me", nil)
	}
	if sb2.Faults() != faults {
		t.Errorf("same seed, %d faults then %d", faults, sb2.Faults())
	}
	sb2.SetFaultRate(0)
	for i := 0; i < 50; i++ {
		a2.must(200, "GET", "/me", nil)
	}
	sb2.SetFaultRate(1)
	a2.do("GET", "/me", nil)
	if sb2.Faults() != faults+1 {
		t.Error("SetFaultRate(1) did not fault")
	}
}

func TestLatency(t *testing.T) {
	sb, a := newSandbox(t, intercomtest.Options{Latency: 40 * time.Millisecond})
	start := time.Now()
	a.must(200, "GET", "/me", nil)
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Errorf("answered in %v", d)
	}
	sb.SetLatency(0)
	start = time.Now()
	a.must(200, "GET", "/me", nil)
	if d := time.Since(start); d > 30*time.Millisecond {
		t.Errorf("answered in %v without latency", d)
	}
}

func TestSameSeedSameWorkspace(t *testing.T) {
	clock := func() time.Time { return time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC) }
	mk := func(seed int64, token string) *intercomtest.Sandbox {
		sb, err := intercomtest.New(intercomtest.Options{Seed: seed, Contacts: 500, Tokens: []string{token}, Now: clock, Unvalidated: true, SpecPath: filepath.Join(t.TempDir(), "none.yaml")})
		if err != nil {
			t.Fatal(err)
		}
		return sb
	}
	a, b, c, d := mk(42, "x"), mk(42, "x"), mk(43, "x"), mk(42, "y")
	dump := func(sb *intercomtest.Sandbox, entity string) string {
		recs, err := sb.Records(entity)
		if err != nil {
			t.Fatal(err)
		}
		var buf strings.Builder
		for _, r := range recs {
			buf.Write(r)
			buf.WriteByte('\n')
		}
		return buf.String()
	}
	for _, entity := range a.Entities() {
		ra, rb, rc, rd := dump(a, entity), dump(b, entity), dump(c, entity), dump(d, entity)
		if ra != rb {
			t.Errorf("%s differ for the same seed", entity)
		}
		if entity != "data_attributes" && ra == rc {
			t.Errorf("%s equal for different seeds", entity)
		}
		if ra == rd {
			t.Errorf("%s equal in two workspaces (ids should differ)", entity)
		}
	}
	// Same people in the other workspace, under other ids.
	adminsA, _ := a.Records("admins")
	adminsD, _ := d.Records("admins")
	for i := range adminsA {
		var x, y struct{ ID, Name, Email string }
		_ = json.Unmarshal(adminsA[i], &x)
		_ = json.Unmarshal(adminsD[i], &y)
		if x.Name != y.Name || x.Email != y.Email || x.ID == y.ID {
			t.Errorf("admin %d: %+v vs %+v", i, x, y)
		}
	}
	// Realistic mix.
	recs, _ := a.Records("contacts")
	users, withExt, withEmail, leads, leadsNoEmail := 0, 0, 0, 0, 0
	for _, r := range recs {
		var c contactJSON
		_ = json.Unmarshal(r, &c)
		if c.Role == "user" {
			users++
			if c.ExternalID != nil {
				withExt++
			}
			if c.Email != "" {
				withEmail++
			}
		} else {
			leads++
			if c.Email == "" {
				leadsNoEmail++
			}
		}
	}
	if users < 350 || users > 450 || withEmail != users || withExt < users*9/10 || leadsNoEmail == 0 || leadsNoEmail > leads/3 {
		t.Errorf("mix: %d users (%d with email, %d with external_id), %d leads (%d without email)", users, withEmail, withExt, leads, leadsNoEmail)
	}
}

func TestUnvalidatedMode(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.yaml")
	if _, err := intercomtest.New(intercomtest.Options{SpecPath: missing}); err == nil || !strings.Contains(err.Error(), "Intercom-OpenAPI") {
		t.Fatalf("New without a spec: %v", err)
	}
	sb, srv := intercomtest.NewServer(t, intercomtest.Options{SpecPath: missing, Unvalidated: true, Contacts: 5})
	if sb.Validated() {
		t.Fatal("validated without a spec")
	}
	a := newAPI(t, srv.URL, intercomtest.DefaultToken)
	a.must(200, "GET", "/contacts", nil)
	a.must(404, "GET", "/ip_allowlist", nil)        // unknown without the spec
	a.must(400, "POST", "/contacts", `{"email":5}`) // the handler's own checks still apply
	newAPI(t, srv.URL, "wrong").must(401, "GET", "/me", nil)
}

func TestConcurrentClients(t *testing.T) {
	sb, a := newSandbox(t, intercomtest.Options{Seed: 6, Contacts: 2000})
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := 0; g < 64; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			c := newAPI(t, a.base, a.token)
			for i := 0; i < 15; i++ {
				var r reply
				switch i % 5 {
				case 0:
					r = c.do("POST", "/contacts", map[string]any{"email": fmt.Sprintf("c%d-%d@x.example", g, i), "external_id": fmt.Sprintf("c%d-%d", g, i)})
				case 1:
					r = c.do("GET", "/contacts?per_page=50", nil)
				case 2:
					r = c.do("POST", "/contacts/search", map[string]any{"query": map[string]any{"field": "name", "operator": "~", "value": "an"}, "pagination": map[string]any{"per_page": 20}})
				case 3:
					r = c.do("POST", "/tags", map[string]any{"name": fmt.Sprintf("g%d", g%8)})
				case 4:
					r = c.do("GET", "/tags", nil)
				}
				if r.status != 200 {
					errs <- fmt.Sprintf("%d: %s", r.status, r.body)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if sb.Count("contacts") != 2000+64*3 || sb.TotalCalls() != 64*15 {
		t.Errorf("contacts %d, calls %d", sb.Count("contacts"), sb.TotalCalls())
	}
}

func TestLargeWorkspace(t *testing.T) {
	if testing.Short() {
		t.Skip("200,000 contacts")
	}
	start := time.Now()
	sb, a := newSandbox(t, intercomtest.Options{Seed: 12, Contacts: 200_000})
	took := time.Since(start)
	// A figure for the log, not a timed test: a loaded machine or the race
	// detector makes generation many times slower.
	t.Logf("generated 200,000 contacts in %v", took)
	var l listJSON
	a.must(200, "GET", "/contacts?per_page=150", nil).json(t, &l)
	if l.TotalCount != 200_000 || l.Pages.TotalPages != 1334 {
		t.Fatalf("total %d pages %d", l.TotalCount, l.Pages.TotalPages)
	}
	// Lookups by key stay fast on a big workspace.
	email := l.Data[3].Email
	start = time.Now()
	for i := 0; i < 50; i++ {
		var s listJSON
		a.must(200, "POST", "/contacts/search", map[string]any{"query": map[string]any{"field": "email", "operator": "=", "value": email}}).json(t, &s)
		if s.TotalCount < 1 {
			t.Fatal("email search found nothing")
		}
	}
	t.Logf("50 searches by email: %v", time.Since(start))
	_ = sb
}

func mustAtoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic(err)
	}
	return n
}
