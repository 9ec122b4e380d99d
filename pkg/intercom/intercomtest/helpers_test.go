package intercomtest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/icmigrate/icmigrate/pkg/intercom/intercomtest"
)

// api is a raw net/http client of a sandbox for tests.
type api struct {
	t     testing.TB
	base  string
	token string
	hc    *http.Client
}

func newAPI(t testing.TB, base, token string) *api {
	return &api{t: t, base: base, token: token, hc: &http.Client{Timeout: 30 * time.Second}}
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %d %s: %v", r.status, r.body, err)
	}
}

func (r reply) obj(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	r.json(t, &m)
	return m
}

// errCode returns the first error's code and message.
func (r reply) errCode(t testing.TB) (code, msg string) {
	t.Helper()
	var e struct {
		Type      string `json:"type"`
		RequestID string `json:"request_id"`
		Errors    []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	r.json(t, &e)
	if e.Type != "error.list" || len(e.Errors) == 0 {
		t.Fatalf("not an error list: %s", r.body)
	}
	if !uuidRE.MatchString(e.RequestID) {
		t.Errorf("request_id %q is not a UUID", e.RequestID)
	}
	return e.Errors[0].Code, e.Errors[0].Message
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func (a *api) do(method, path string, body any) reply {
	a.t.Helper()
	return a.doWithHeaders(method, path, body, nil)
}

func (a *api) doWithHeaders(method, path string, body any, headers map[string]string) reply {
	a.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			a.t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, a.base+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Intercom-Version", "2.14")
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: out}
}

// must does a request and fails the test unless the status is want.
func (a *api) must(want int, method, path string, body any) reply {
	a.t.Helper()
	r := a.do(method, path, body)
	if r.status != want {
		a.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.status, want, r.body)
	}
	return r
}

type contactJSON struct {
	Type        string         `json:"type"`
	ID          string         `json:"id"`
	WorkspaceID string         `json:"workspace_id"`
	ExternalID  *string        `json:"external_id"`
	Role        string         `json:"role"`
	Email       string         `json:"email"`
	Name        *string        `json:"name"`
	OwnerID     *int64         `json:"owner_id"`
	CreatedAt   int64          `json:"created_at"`
	UpdatedAt   int64          `json:"updated_at"`
	Custom      map[string]any `json:"custom_attributes"`
	Tags        struct {
		Data []struct {
			Type string `json:"type"`
			ID   string `json:"id"`
		} `json:"data"`
		TotalCount int  `json:"total_count"`
		HasMore    bool `json:"has_more"`
	} `json:"tags"`
}

type listJSON struct {
	Type       string        `json:"type"`
	Data       []contactJSON `json:"data"`
	TotalCount int           `json:"total_count"`
	Pages      struct {
		Type       string `json:"type"`
		Page       int    `json:"page"`
		PerPage    int    `json:"per_page"`
		TotalPages int    `json:"total_pages"`
		Next       *struct {
			Page          int    `json:"page"`
			StartingAfter string `json:"starting_after"`
		} `json:"next"`
	} `json:"pages"`
}

// fakeClock is a settable clock for rate-limit tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// newSandbox starts a validated sandbox and a client with its first token.
func newSandbox(t testing.TB, opts intercomtest.Options) (*intercomtest.Sandbox, *api) {
	t.Helper()
	sb, srv := intercomtest.NewServer(t, opts)
	return sb, newAPI(t, srv.URL, sb.Tokens()[0])
}

// walkContacts lists all contacts with GET /contacts.
func walkContacts(t testing.TB, a *api, perPage int) []contactJSON {
	t.Helper()
	var all []contactJSON
	cursor := ""
	for page := 1; ; page++ {
		path := "/contacts?per_page=" + itoa(perPage)
		if cursor != "" {
			path += "&starting_after=" + cursor
		}
		var l listJSON
		a.must(200, "GET", path, nil).json(t, &l)
		if l.Pages.Page != page {
			t.Fatalf("pages.page = %d, want %d", l.Pages.Page, page)
		}
		all = append(all, l.Data...)
		if l.Pages.Next == nil {
			if len(all) != l.TotalCount {
				t.Fatalf("walked %d contacts, total_count %d", len(all), l.TotalCount)
			}
			return all
		}
		if l.Pages.Next.Page != page+1 {
			t.Fatalf("next.page = %d, want %d", l.Pages.Next.Page, page+1)
		}
		cursor = l.Pages.Next.StartingAfter
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
