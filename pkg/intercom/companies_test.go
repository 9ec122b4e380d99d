package intercom

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// companyJSON is a company in the shape of the spec's examples, every field
// the client decodes set.
const companyJSON = `{
  "type": "company", "company_id": "remote_companies_scroll_2", "id": "6762f0971bb69f9f2193bb2b",
  "app_id": "this_is_an_id193_that_should_be_at_least_", "name": "IntercomQATest1",
  "remote_created_at": 1734537367, "created_at": 1734537368, "updated_at": 1734537369, "last_request_at": 1734537370,
  "size": 100, "website": "https://www.intercom.com", "industry": "Software",
  "monthly_spend": 155, "session_count": 7, "user_count": 4,
  "tags": {"type": "tag.list", "tags": [{"type": "tag", "id": "80", "name": "Partner"}]},
  "segments": {"type": "segment.list", "segments": []},
  "plan": {"type": "plan", "id": "269315", "name": "Pro"},
  "custom_attributes": {"paid_subscriber": true, "arr": 155.5, "team_mates": 9}
}`

func wantCompany() *Company {
	return &Company{
		Type: "company", CompanyID: "remote_companies_scroll_2", ID: "6762f0971bb69f9f2193bb2b",
		AppID: "this_is_an_id193_that_should_be_at_least_", Name: "IntercomQATest1",
		RemoteCreatedAt: 1734537367, CreatedAt: 1734537368, UpdatedAt: 1734537369, LastRequestAt: 1734537370,
		Size: 100, Website: "https://www.intercom.com", Industry: "Software", MonthlySpend: 155, SessionCount: 7, UserCount: 4,
		Tags:             &CompanyTags{Type: "tag.list", Tags: []*Tag{{Type: "tag", ID: "80", Name: "Partner"}}},
		Plan:             &CompanyPlan{Type: "plan", ID: "269315", Name: "Pro"},
		CustomAttributes: map[string]any{"paid_subscriber": true, "arr": json.Number("155.5"), "team_mates": json.Number("9")},
	}
}

func TestCompanyRequests(t *testing.T) {
	list := `{"type":"list","data":[` + companyJSON + `],"pages":{"type":"pages","next":null,"page":1,"per_page":15,"total_pages":1},"total_count":1}`
	tests := []requestCase{
		{
			name: "CreateOrUpdate", everyField: true,
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.Companies.CreateOrUpdate(ctx, &CompanyRequest{CompanyID: "c-1", Name: "Blue Sun", Plan: "Pro", Size: Ptr(int64(0)),
					MonthlySpend: Ptr(WholeSpend(155.98)), RemoteCreatedAt: Ptr(int64(1394531169)),
					CustomAttributes: map[string]any{"team_mates": json.Number("9"), "gone": nil}})
			},
			method: "POST", path: "/companies", answer: companyJSON, want: wantCompany(),
			body: `{"company_id":"c-1","name":"Blue Sun","plan":"Pro","size":0,"monthly_spend":155,"remote_created_at":1394531169,"custom_attributes":{"team_mates":9,"gone":null}}`,
		},
		{
			name: "Get", everyField: true,
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.Companies.Get(ctx, "6762f0971bb69f9f2193bb2b")
			},
			method: "GET", path: "/companies/6762f0971bb69f9f2193bb2b", answer: companyJSON, want: wantCompany(),
		},
		{
			name: "FindByCompanyID (2.14: a list)",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.Companies.FindByCompanyID(ctx, "remote_companies_scroll_2")
			},
			method: "GET", path: "/companies", query: url.Values{"company_id": {"remote_companies_scroll_2"}}, answer: list, want: wantCompany(),
		},
		{
			name: "FindByCompanyID (older versions: the company)",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.Companies.FindByCompanyID(ctx, "remote_companies_scroll_2")
			},
			method: "GET", path: "/companies", query: url.Values{"company_id": {"remote_companies_scroll_2"}}, answer: companyJSON, want: wantCompany(),
		},
		{
			name: "List",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.Companies.List(ctx, &PageNumberOptions{Page: 2, PerPage: 50})
			},
			method: "POST", path: "/companies/list", query: url.Values{"page": {"2"}, "per_page": {"50"}}, answer: list,
			want: &CompanyList{Type: "list", Data: []*Company{wantCompany()}, TotalCount: 1,
				Pages: &NumberedPages{Type: "pages", Page: 1, PerPage: 15, TotalPages: 1, Next: json.RawMessage("null")}},
		},
		{
			name:   "Scroll (open)",
			call:   func(ctx context.Context, c *Client) (any, *Response, error) { return c.Companies.Scroll(ctx, "") },
			method: "GET", path: "/companies/scroll",
			answer: `{"type":"list","data":[` + companyJSON + `],"pages":null,"total_count":null,"scroll_param":"69352cd2-ab5b-42ac-b004-a13d4e55e9b0"}`,
			want:   &CompanyScroll{Type: "list", Data: []*Company{wantCompany()}, ScrollParam: "69352cd2-ab5b-42ac-b004-a13d4e55e9b0"},
		},
		{
			name: "Scroll (next)",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.Companies.Scroll(ctx, "69352cd2")
			},
			method: "GET", path: "/companies/scroll", query: url.Values{"scroll_param": {"69352cd2"}},
			answer: `{"type":"list","data":[],"scroll_param":"69352cd2"}`,
			want:   &CompanyScroll{Type: "list", Data: []*Company{}, ScrollParam: "69352cd2"},
		},
		{
			name: "AttachContact",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.Companies.AttachContact(ctx, "63a07ddf05a32042dffac965", "6762f0971bb69f9f2193bb2b")
			},
			method: "POST", path: "/contacts/63a07ddf05a32042dffac965/companies", body: `{"id":"6762f0971bb69f9f2193bb2b"}`,
			answer: companyJSON, want: wantCompany(),
		},
		{
			name: "DetachContact",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.Companies.DetachContact(ctx, "63a07ddf05a32042dffac965", "6762f0971bb69f9f2193bb2b")
			},
			method: "DELETE", path: "/contacts/63a07ddf05a32042dffac965/companies/6762f0971bb69f9f2193bb2b",
			answer: companyJSON, want: wantCompany(),
		},
		{
			name: "ListAttached (data, as Intercom answers)",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.Companies.ListAttached(ctx, "63a07ddf05a32042dffac965")
			},
			method: "GET", path: "/contacts/63a07ddf05a32042dffac965/companies",
			answer: `{"type":"list","data":[` + companyJSON + `],"pages":{"type":"pages","next":null,"page":1,"per_page":50,"total_pages":1},"total_count":1}`,
			want:   []*Company{wantCompany()},
		},
		{
			name: "ListAttached (companies, as the description says)",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.Companies.ListAttached(ctx, "63a07ddf05a32042dffac965")
			},
			method: "GET", path: "/contacts/63a07ddf05a32042dffac965/companies",
			answer: `{"type":"list","companies":[` + companyJSON + `],"total_count":1}`,
			want:   []*Company{wantCompany()},
		},
		{
			name: "Tags.TagCompanies",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.Tags.TagCompanies(ctx, "Partner", []string{"6762f0971bb69f9f2193bb2b", "6762f0971bb69f9f2193bb2c"})
			},
			method: "POST", path: "/tags", body: `{"name":"Partner","companies":[{"id":"6762f0971bb69f9f2193bb2b"},{"id":"6762f0971bb69f9f2193bb2c"}]}`,
			answer: `{"type":"tag","id":"80","name":"Partner"}`, want: &Tag{Type: "tag", ID: "80", Name: "Partner"},
		},
	}
	runRequestCases(t, tests)
}

// TestCompanyArgumentsRefused: what the client refuses without a call.
func TestCompanyArgumentsRefused(t *testing.T) {
	c, f := newFake(t, reply(200, companyJSON))
	ctx := t.Context()
	many := make([]string, MaxTagCompaniesPerCall+1)
	for i := range many {
		many[i] = fmt.Sprint("c", i)
	}
	for name, err := range map[string]error{
		"no company_id": second(c.Companies.CreateOrUpdate(ctx, &CompanyRequest{Name: "x"})),
		"nil request":   second(c.Companies.CreateOrUpdate(ctx, nil)),
		"empty id":      second(c.Companies.Get(ctx, "")),
		"empty cid":     second(c.Companies.FindByCompanyID(ctx, "")),
		"attach":        second(c.Companies.AttachContact(ctx, "", "x")),
		"detach":        second(c.Companies.DetachContact(ctx, "x", "")),
		"list attached": thirdOf(c.Companies.ListAttached(ctx, "")),
		"tag none":      second(c.Tags.TagCompanies(ctx, "x", nil)),
		"tag too many":  second(c.Tags.TagCompanies(ctx, "x", many)),
		"tag no name":   second(c.Tags.TagCompanies(ctx, "", []string{"a"})),
		"tag empty id":  second(c.Tags.TagCompanies(ctx, "x", []string{""})),
		"list per_page": second(c.Companies.List(ctx, &PageNumberOptions{PerPage: 1000})),
	} {
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	if got := WholeSpend(155.98); got != 155 {
		t.Errorf("WholeSpend(155.98) = %d", got)
	}
	if got := WholeSpend(1e12); got != 1<<31-1 {
		t.Errorf("WholeSpend(1e12) = %d", got)
	}
}

func second[T any](_ T, _ *Response, err error) error  { return err }
func thirdOf[T any](_ T, _ *Response, err error) error { return err }

// TestFindByCompanyIDNotFound: Intercom's 404, and a list without the
// company, are both a *NotFoundError.
func TestFindByCompanyIDNotFound(t *testing.T) {
	c, _ := newFake(t, reply(404, `{"type":"error.list","request_id":"r","errors":[{"code":"company_not_found","message":"Company Not Found"}]}`))
	_, _, err := c.Companies.FindByCompanyID(t.Context(), "x")
	var nf *NotFoundError
	if !errors.As(err, &nf) || nf.Code() != "company_not_found" {
		t.Fatalf("err = %v", err)
	}
	c, _ = newFake(t, reply(200, `{"type":"list","data":[],"total_count":0}`))
	if _, _, err := c.Companies.FindByCompanyID(t.Context(), "x"); !errors.As(err, &nf) {
		t.Fatalf("empty list: err = %v", err)
	}
}

// TestListAttachedPages follows the pages of a contact's companies.
func TestListAttachedPages(t *testing.T) {
	c, f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		page := r.URL.Query().Get("page")
		id := map[string]string{"": "a", "2": "b", "3": "c"}[page]
		reply(200, fmt.Sprintf(`{"type":"list","data":[{"type":"company","id":%q}],"pages":{"type":"pages","page":%s,"per_page":1,"total_pages":3},"total_count":3}`,
			id, map[string]string{"": "1", "2": "2", "3": "3"}[page]))(w, r)
	})
	got, _, err := c.Companies.ListAttached(t.Context(), "ct")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].ID != "a" || got[2].ID != "c" || len(f.requests()) != 3 {
		t.Fatalf("got %d companies in %d calls", len(got), len(f.requests()))
	}
}

// scrollServer is a fake scroll API over n companies, pages of size,
// with failures on chosen calls.
type scrollServer struct {
	mu      sync.Mutex
	n, size int
	pos     int
	open    bool
	calls   atomic.Int64
	// fail answers call number k (from 1) with a status, doing (after:
	// true) or not doing the work first; 0 for none.
	fail func(k int64) (status int, after bool)
}

func (s *scrollServer) setOpen(open bool) {
	s.mu.Lock()
	s.open = open
	s.mu.Unlock()
}

func (s *scrollServer) handle(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.calls.Add(1)
	param := r.URL.Query().Get("scroll_param")
	status, after := 0, false
	if s.fail != nil {
		status, after = s.fail(k)
	}
	if status != 0 && !after {
		reply(status, `{"type":"error.list","errors":[{"code":"server_error","message":"x"}]}`)(w, r)
		return
	}
	if param == "" {
		if s.open {
			reply(400, `{"type":"error.list","errors":[{"code":"scroll_exists","message":"scroll already exists"}]}`)(w, r)
			return
		}
		s.open, s.pos = true, 0
	} else if !s.open {
		reply(404, `{"type":"error.list","errors":[{"code":"not_found","message":"scroll expired"}]}`)(w, r)
		return
	}
	var data []string
	for i := s.pos; i < s.n && i < s.pos+s.size; i++ {
		data = append(data, fmt.Sprintf(`{"type":"company","id":"co%d","company_id":"c%d"}`, i, i))
	}
	s.pos += len(data)
	if len(data) == 0 {
		s.open = false
	}
	if status != 0 { // the work is done, the answer lost
		reply(status, `{"type":"error.list","errors":[{"code":"bad_gateway","message":"x"}]}`)(w, r)
		return
	}
	reply(200, `{"type":"list","data":[`+strings.Join(data, ",")+`],"scroll_param":"p1"}`)(w, r)
}

func walkIDs(t *testing.T, c *Client, opts *WalkOptions) (map[int][]string, error) {
	t.Helper()
	passes := map[int][]string{}
	err := c.Companies.Walk(t.Context(), opts, func(p WalkPage) error {
		for _, co := range p.Companies {
			passes[p.Pass] = append(passes[p.Pass], co.ID)
		}
		return nil
	})
	return passes, err
}

// TestWalk: a clean walk is one pass; a lost answer mid-scroll makes the
// pass incomplete, and a second pass reads everything; the scroll is never
// retried in place by the client's read retries.
func TestWalk(t *testing.T) {
	s := &scrollServer{n: 7, size: 3}
	c, _ := newFake(t, s.handle, WithReadRetries(5))
	passes, err := walkIDs(t, c, nil)
	if err != nil || len(passes) != 1 || len(passes[1]) != 7 || s.calls.Load() != 4 {
		t.Fatalf("clean walk: %v %v in %d calls", err, passes, s.calls.Load())
	}

	// The answer to the second page is lost after the scroll advanced.
	s = &scrollServer{n: 7, size: 3, fail: func(k int64) (int, bool) {
		if k == 2 {
			return 502, true
		}
		return 0, false
	}}
	c, _ = newFake(t, s.handle, WithReadRetries(5))
	passes, err = walkIDs(t, c, nil)
	if err != nil || len(passes) != 2 || len(passes[1]) != 4 || len(passes[2]) != 7 {
		t.Fatalf("lost page: %v %v", err, passes)
	}

	// A failure before anything happened, while opening: retried, one pass.
	s = &scrollServer{n: 7, size: 3, fail: func(k int64) (int, bool) {
		if k == 1 {
			return 503, false
		}
		return 0, false
	}}
	c, _ = newFake(t, s.handle)
	if passes, err = walkIDs(t, c, nil); err != nil || len(passes) != 1 || len(passes[1]) != 7 {
		t.Fatalf("failed open: %v %v", err, passes)
	}

	// A scroll held by someone else: the error, unless asked to wait.
	s = &scrollServer{n: 7, size: 3, open: true}
	c, _ = newFake(t, s.handle)
	if _, err = walkIDs(t, c, nil); !IsScrollExists(err) {
		t.Fatalf("scroll held elsewhere: %v", err)
	}

	// Every pass broken: ErrScrollIncomplete.
	s = &scrollServer{n: 7, size: 3, fail: func(k int64) (int, bool) {
		if k%4 == 2 {
			return 500, true
		}
		return 0, false
	}}
	c, _ = newFake(t, s.handle)
	if _, err = walkIDs(t, c, &WalkOptions{MaxPasses: 2}); !errors.Is(err, ErrScrollIncomplete) {
		t.Fatalf("broken passes: %v", err)
	}

	// The callback's error stops the walk.
	s = &scrollServer{n: 7, size: 3}
	c, _ = newFake(t, s.handle)
	boom := errors.New("boom")
	if err := c.Companies.Walk(t.Context(), nil, func(WalkPage) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("callback error: %v", err)
	}
}

// TestWalkWaitsForAnExpiringScroll: with WaitForScroll, a scroll_exists is
// waited out.
func TestWalkWaitsForAnExpiringScroll(t *testing.T) {
	defer func(d time.Duration) { scrollPoll = d }(scrollPoll)
	scrollPoll = 100 * time.Millisecond
	s := &scrollServer{n: 4, size: 3, open: true}
	c, _ := newFake(t, s.handle)
	go func() {
		time.Sleep(300 * time.Millisecond)
		s.setOpen(false) // the other scroll expires
	}()
	start := time.Now()
	passes, err := walkIDs(t, c, &WalkOptions{WaitForScroll: 10 * time.Second})
	if err != nil || len(passes[1]) != 4 {
		t.Fatalf("%v %v", err, passes)
	}
	if time.Since(start) > 3*time.Second {
		t.Fatalf("waited %s", time.Since(start))
	}
}
