package intercom

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// step is one scripted answer: a status, a body, header pairs.
type step struct {
	status int
	body   string
	header []string
}

// scripted answers the n-th request with steps[n]; a request beyond the
// script fails the test (the client asked more than it should have).
func scripted(t *testing.T, steps ...step) http.HandlerFunc {
	var mu sync.Mutex
	n := 0
	return func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		i := n
		n++
		mu.Unlock()
		if i >= len(steps) {
			t.Errorf("request %d (%s %s?%s) beyond the script", i+1, r.Method, r.URL.Path, r.URL.RawQuery)
			reply(500, errorList("r", ErrorDetail{Code: "server_error"}))(w, r)
			return
		}
		reply(steps[i].status, steps[i].body, steps[i].header...)(w, r)
	}
}

// scrollPage is a page of the scroll with companies named by ids.
func scrollPage(param string, ids ...string) step {
	data := make([]string, len(ids))
	for i, id := range ids {
		data[i] = fmt.Sprintf(`{"type":"company","id":%q}`, id)
	}
	return step{200, fmt.Sprintf(`{"type":"list","data":[%s],"total_count":null,"scroll_param":%q}`, strings.Join(data, ","), param), nil}
}

func scrollError(status int, code string, header ...string) step {
	return step{status, errorList("r", ErrorDetail{Code: code, Message: code}), header}
}

// TestWalkFailures: how a walk reacts to each kind of failure of the
// scroll, by the passes it reads and what it returns.
func TestWalkFailures(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		name   string
		opts   *WalkOptions
		steps  []step
		passes string // pass:ids;...
		params []string
		err    func(error) bool
	}{
		{
			name: "a 404 mid-scroll (expired) starts a new pass, read whole",
			steps: []step{scrollPage("p1", "a", "b"), scrollError(404, "not_found"),
				scrollPage("p2", "a", "b", "c"), scrollPage("p2")},
			passes: "1:a,b;2:a,b,c", params: []string{"", "p1", "", "p2"},
			err: func(err error) bool { return err == nil },
		},
		{
			name: "a 429 whose window has reset is waited out in the same pass",
			steps: []step{scrollPage("p1", "a"), scrollError(429, "rate_limit_exceeded", rateHeaders(1000, 0, now.Add(-2*time.Second))...),
				scrollPage("p1", "b"), scrollPage("p1")},
			passes: "1:a,b", params: []string{"", "p1", "p1", "p1"},
			err: func(err error) bool { return err == nil },
		},
		{
			name:   "a 429 with a long window is returned",
			steps:  []step{scrollPage("p1", "a"), scrollError(429, "rate_limit_exceeded", rateHeaders(1000, 0, now.Add(time.Hour))...)},
			passes: "1:a", params: []string{"", "p1"},
			err: func(err error) bool { var rl *RateLimitError; return errors.As(err, &rl) },
		},
		{
			name:   "a 401 is returned as it is",
			steps:  []step{scrollError(401, "unauthorized")},
			params: []string{""},
			err:    func(err error) bool { var ue *UnauthorizedError; return errors.As(err, &ue) },
		},
		{
			name:   "a 404 while opening is not an expired scroll",
			steps:  []step{scrollError(404, "not_found")},
			params: []string{""},
			err:    func(err error) bool { var nf *NotFoundError; return errors.As(err, &nf) },
		},
		{
			name:   "RetryLimit failed calls in a row end the walk",
			opts:   &WalkOptions{RetryLimit: 1},
			steps:  []step{scrollError(503, "service_unavailable"), scrollError(502, "bad_gateway")},
			params: []string{"", ""},
			err: func(err error) bool {
				var se *ServerError
				return errors.As(err, &se) && se.StatusCode == 502 && strings.Contains(err.Error(), "pass 1: 2 failed calls in a row")
			},
		},
		{
			name:  "MaxPasses passes that may each miss a page",
			opts:  &WalkOptions{MaxPasses: 1},
			steps: []step{scrollPage("p1", "a"), scrollError(500, "server_error"), scrollPage("p1", "c"), scrollPage("p1")},
			// The pass is read to its end (closing the scroll) before the
			// walk gives up.
			passes: "1:a,c", params: []string{"", "p1", "p1", "p1"},
			err: func(err error) bool {
				return errors.Is(err, ErrScrollIncomplete) && strings.HasSuffix(err.Error(), "(1 passes)")
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, f := newFake(t, scripted(t, tc.steps...), WithReadRetries(3))
			// Bounded: a walk that waits where it should not fails here
			// rather than hanging the package's tests.
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			var got []string
			pass := 0
			err := c.Companies.Walk(ctx, tc.opts, func(p WalkPage) error {
				if p.Pass != pass {
					pass = p.Pass
					got = append(got, strconv.Itoa(pass)+":")
				}
				for _, co := range p.Companies {
					got[len(got)-1] += co.ID + ","
				}
				return nil
			})
			for i := range got {
				got[i] = strings.TrimSuffix(got[i], ",")
			}
			if s := strings.Join(got, ";"); s != tc.passes {
				t.Errorf("passes %q, want %q", s, tc.passes)
			}
			if !tc.err(err) {
				t.Errorf("err %v", err)
			}
			var params []string
			for _, r := range f.requests() {
				if r.Method != "GET" || r.Path != "/companies/scroll" {
					t.Errorf("sent %s %s", r.Method, r.Path)
				}
				params = append(params, r.Query.Get("scroll_param"))
			}
			if !reflect.DeepEqual(params, tc.params) {
				t.Errorf("scroll_params sent %q, want %q", params, tc.params)
			}
		})
	}
}

// pausedError is what a rate-limiting transport returns for a request it
// held back.
type pausedError struct{ until time.Time }

func (e pausedError) Error() string             { return "paused until " + e.until.Format(time.RFC3339) }
func (e pausedError) RateLimitUntil() time.Time { return e.until }

// TestWalkContext: a walk ends with the context's error whenever the
// context ends (between pages, or in any of its waits), and returns a
// request its transport held back at once, without retrying it.
func TestWalkContext(t *testing.T) {
	// The callback cancels: the next call is not made.
	c, f := newFake(t, scripted(t, scrollPage("p1", "a")))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	err := c.Companies.Walk(ctx, nil, func(WalkPage) error { cancel(); return nil })
	if !errors.Is(err, context.Canceled) || len(f.requests()) != 1 {
		t.Errorf("canceled between pages: %v after %d calls", err, len(f.requests()))
	}

	// Each wait ends with the context.
	for _, tc := range []struct {
		name  string
		opts  *WalkOptions
		steps []step
	}{
		{"waiting for another scroll to expire", &WalkOptions{WaitForScroll: time.Hour},
			[]step{scrollError(400, "scroll_exists")}},
		{"waiting for the rate-limit window", nil,
			[]step{scrollError(429, "rate_limit_exceeded", rateHeaders(1000, 0, time.Now().Add(15*time.Second))...)}},
		{"backing off after a failure", nil,
			[]step{scrollError(503, "service_unavailable")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, f := newFake(t, scripted(t, tc.steps...))
			ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
			defer cancel()
			start := time.Now()
			err := c.Companies.Walk(ctx, tc.opts, func(WalkPage) error { t.Error("a page"); return nil })
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err %v, want the context's", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("the walk outlived its context by %s", d)
			}
			if n := len(f.requests()); n != 1 {
				t.Errorf("%d calls", n)
			}
		})
	}

	// A request the transport held back never reached Intercom: the
	// walk hands it back rather than retrying it.
	var trips int
	until := time.Now().Add(time.Minute)
	hc := &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
		trips++
		return nil, pausedError{until}
	})}
	c, err = NewClient(testToken, US, WithHTTPClient(hc), WithReadRetries(3))
	if err != nil {
		t.Fatal(err)
	}
	err = c.Companies.Walk(context.Background(), nil, func(WalkPage) error { return nil })
	var p interface{ RateLimitUntil() time.Time }
	if !errors.As(err, &p) || !p.RateLimitUntil().Equal(until) || trips != 1 {
		t.Errorf("held back: %v after %d round trips", err, trips)
	}
	noToken(t, err)
}

// TestScrollAnswers: a page with companies but no scroll_param cannot be
// followed and is a *DecodeError; an empty last page needs none; a request
// that cannot be built is returned without a call.
func TestScrollAnswers(t *testing.T) {
	ctx := context.Background()
	c, _ := newFake(t, reply(200, `{"type":"list","data":[{"type":"company","id":"a"}],"scroll_param":""}`))
	page, resp, err := c.Companies.Scroll(ctx, "")
	var de *DecodeError
	if !errors.As(err, &de) || page != nil || resp == nil || de.Path != "/companies/scroll" || de.Status != 200 {
		t.Errorf("page without a scroll_param: %v %v", page, err)
	}

	c, f := newFake(t, reply(200, `{"type":"list","data":[],"total_count":null}`))
	page, _, err = c.Companies.Scroll(ctx, "p/1 2")
	if err != nil || page == nil || len(page.Data) != 0 || page.TotalCount != nil {
		t.Errorf("last page: %+v %v", page, err)
	}
	if r := f.last(t); r.RawQuery != "scroll_param=p%2F1+2" {
		t.Errorf("query %q", r.RawQuery)
	}

	c.BaseURL = &url.URL{Scheme: "http", Host: "bad host", Path: "/"}
	page, resp, err = c.Companies.Scroll(ctx, "")
	if err == nil || page != nil || resp != nil {
		t.Errorf("unbuildable request: %v %v %v", page, resp, err)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d requests", n)
	}
}

// TestListAttachedStops: a failing page fails the whole list (a partial
// list would drop attachments silently), and so does a page that does not
// name the following one as the next.
func TestListAttachedStops(t *testing.T) {
	page := func(n, total int, id string) step {
		return step{200, fmt.Sprintf(`{"type":"list","data":[{"type":"company","id":%q}],"pages":{"type":"pages","page":%d,"per_page":1,"total_pages":%d}}`, id, n, total), nil}
	}
	for _, tc := range []struct {
		name  string
		steps []step
		want  func(error) bool
	}{
		{"the second page fails", []step{page(1, 3, "a"), scrollError(500, "server_error")},
			func(err error) bool { var se *ServerError; return errors.As(err, &se) }},
		{"a page skips one", []step{page(2, 3, "a")},
			func(err error) bool {
				return err != nil && strings.Contains(err.Error(), "page 1 names page 3 as the next one")
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newFake(t, scripted(t, tc.steps...))
			got, resp, err := c.Companies.ListAttached(context.Background(), "ct")
			if !tc.want(err) || got != nil || resp == nil {
				t.Errorf("%v %v", got, err)
			}
		})
	}
	// The 2.14 description's "companies" key is read when "data" is absent.
	c, _ := newFake(t, reply(200, `{"type":"list","companies":[{"type":"company","id":"a"}],"pages":{"page":1,"total_pages":1}}`))
	got, _, err := c.Companies.ListAttached(context.Background(), "ct")
	if err != nil || len(got) != 1 || got[0].ID != "a" {
		t.Errorf("companies key: %v %v", got, err)
	}
}

// TestNilSafeAccessors: the accessors callers use on decoded records
// answer "" or nil for a record, or a part of one, that is missing.
func TestNilSafeAccessors(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  any
		want any
	}{
		{"nil company plan", (*Company)(nil).PlanName(), ""},
		{"company without plan", (&Company{}).PlanName(), ""},
		{"company plan", (&Company{Plan: &CompanyPlan{Name: "Pro"}}).PlanName(), "Pro"},
		{"nil company tags", (*Company)(nil).TagIDs(), []string(nil)},
		{"company without tags", (&Company{}).TagIDs(), []string(nil)},
		{"company tags, a null among them", (&Company{Tags: &CompanyTags{Tags: []*Tag{{ID: "1"}, nil, {ID: "3"}}}}).TagIDs(), []string{"1", "3"}},
		{"company with an empty tag list", (&Company{Tags: &CompanyTags{}}).TagIDs(), []string{}},
		{"nil subscription type", (*SubscriptionType)(nil).Name(), ""},
		{"subscription type without translation", (&SubscriptionType{}).Name(), ""},
		{"subscription type", (&SubscriptionType{DefaultTranslation: &SubscriptionTranslation{Name: "News"}}).Name(), "News"},
	} {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s: %#v, want %#v", tc.name, tc.got, tc.want)
		}
	}
}
