package intercom

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// testToken is distinctive so that a leak into an error text is easy to
// spot (and cannot be mistaken for anything else).
const testToken = "dG9rOjRkNTQyZDFlXzE2NTdfNDRmOF9hNDNkX3NlY3JldA=="

// recorded is one request as the fake Intercom received it.
type recorded struct {
	Method     string
	Path       string // escaped, as on the wire
	RawQuery   string
	Query      url.Values
	Header     http.Header
	Body       []byte
	RequestURI string
}

// fakeIntercom is an httptest server that records every request and answers
// through a handler of the test's choosing.
type fakeIntercom struct {
	srv *httptest.Server

	mu      sync.Mutex
	reqs    []recorded
	handler http.HandlerFunc
}

func (f *fakeIntercom) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	f.mu.Lock()
	f.reqs = append(f.reqs, recorded{
		Method:     r.Method,
		Path:       r.URL.EscapedPath(),
		RawQuery:   r.URL.RawQuery,
		Query:      r.URL.Query(),
		Header:     r.Header.Clone(),
		Body:       body,
		RequestURI: r.RequestURI,
	})
	h := f.handler
	f.mu.Unlock()
	h(w, r)
}

func (f *fakeIntercom) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

func (f *fakeIntercom) last(t *testing.T) recorded {
	t.Helper()
	rs := f.requests()
	if len(rs) == 0 {
		t.Fatal("the fake Intercom received no request")
	}
	return rs[len(rs)-1]
}

// newFake starts a fake Intercom answering with h and a client pointed at it.
func newFake(t *testing.T, h http.HandlerFunc, opts ...Option) (*Client, *fakeIntercom) {
	t.Helper()
	f := &fakeIntercom{handler: h}
	f.srv = httptest.NewServer(f)
	t.Cleanup(f.srv.Close)
	c, err := NewClient(testToken, US, append([]Option{WithBaseURL(f.srv.URL)}, opts...)...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c, f
}

// reply answers status with body as JSON, plus header pairs.
func reply(status int, body string, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// rateHeaders are the three rate-limit headers Intercom sends.
func rateHeaders(limit, remaining int, reset time.Time) []string {
	return []string{
		"X-RateLimit-Limit", strconv.Itoa(limit),
		"X-RateLimit-Remaining", strconv.Itoa(remaining),
		"X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10),
	}
}

// checkHeaders asserts the headers every request carries.
func checkHeaders(t *testing.T, r recorded, withBody bool) {
	t.Helper()
	want := map[string]string{
		"Authorization":    "Bearer " + testToken,
		"Intercom-Version": "2.14",
		"Accept":           "application/json",
		"User-Agent":       DefaultUserAgent,
	}
	for k, v := range want {
		if got := r.Header.Get(k); got != v {
			t.Errorf("%s %s: header %s = %q, want %q", r.Method, r.Path, k, got, v)
		}
	}
	ct := r.Header.Get("Content-Type")
	switch {
	case withBody && ct != "application/json":
		t.Errorf("%s %s: Content-Type = %q, want application/json", r.Method, r.Path, ct)
	case !withBody && ct != "":
		t.Errorf("%s %s: Content-Type = %q on a request without a body", r.Method, r.Path, ct)
	case !withBody && len(r.Body) > 0:
		t.Errorf("%s %s: unexpected body %s", r.Method, r.Path, r.Body)
	}
}

// decodeAny decodes JSON keeping numbers exact.
func decodeAny(t *testing.T, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("not JSON: %v: %s", err, b)
	}
	return v
}

// jsonEqual asserts got is the JSON want (ignoring key order and spacing,
// but not numbers' spelling nor extra or missing keys).
func jsonEqual(t *testing.T, got []byte, want string) {
	t.Helper()
	if !reflect.DeepEqual(decodeAny(t, got), decodeAny(t, []byte(want))) {
		t.Errorf("body\n got %s\nwant %s", got, want)
	}
}

// noToken asserts the access token appears nowhere in err's texts.
func noToken(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%s", err)} {
		if strings.Contains(s, testToken) {
			t.Errorf("the token leaks into the error text %q", s)
		}
	}
}

// contactJSON is a contact in the shape of the spec's examples, with every
// field the client decodes set, and the ones it ignores present too.
const contactJSON = `{
  "type": "contact",
  "id": "6762f0dd1bb69f9f2193bb83",
  "workspace_id": "ecahpwf5",
  "external_id": "cdd29344-5e0c-4ef0-ac56-f9ba2979bc27",
  "role": "user",
  "email": "joebloggs@intercom.io",
  "email_domain": "intercom.io",
  "phone": "+353871234567",
  "formatted_phone": "+353 87 123 4567",
  "name": "Joe Bloggs",
  "owner_id": 991267459,
  "social_profiles": {"type": "list", "data": []},
  "has_hard_bounced": true,
  "marked_email_as_spam": true,
  "unsubscribed_from_emails": true,
  "created_at": 1734537437,
  "updated_at": 1734537438,
  "signed_up_at": 1734537400,
  "last_seen_at": 1734537401,
  "last_replied_at": 1734537402,
  "last_contacted_at": 1734537403,
  "last_email_opened_at": 1734537404,
  "last_email_clicked_at": null,
  "language_override": "fr",
  "browser": "chrome",
  "browser_version": "80.0.3987.132",
  "browser_language": "en-US",
  "os": "Mac OS X",
  "location": {"type": "location", "country": "Ireland", "region": "Dublin", "city": "Dublin", "country_code": "IRL", "continent_code": "EU"},
  "android_app_name": null,
  "ios_last_seen_at": null,
  "custom_attributes": {
    "big_id": 12345678901234567,
    "ratio": 1.5,
    "exp": 1e3,
    "plan": "pro",
    "paid_subscriber": true,
    "cleared": null,
    "list": [1, "a"],
    "nested": {"n": 2}
  },
  "avatar": {"type": "avatar", "image_url": "https://example.org/128Wash.jpg"},
  "tags": {
    "type": "list",
    "data": [
      {"type": "tag", "id": "80", "url": "/tags/80"},
      {"type": "tag", "id": "81", "url": "/tags/81"}
    ],
    "url": "/contacts/6762f0dd1bb69f9f2193bb83/tags",
    "total_count": 12,
    "has_more": true
  },
  "notes": {"type": "list", "data": [{"type": "note", "id": "26", "url": "/notes/26"}], "url": "/contacts/6762f0dd1bb69f9f2193bb83/notes", "total_count": 12, "has_more": true},
  "companies": {"type": "list", "data": [{"type": "company", "id": "6762f0761bb69f9f2193bae2", "url": "/companies/6762f0761bb69f9f2193bae2"}], "url": "/contacts/6762f0dd1bb69f9f2193bb83/companies", "total_count": 11, "has_more": true},
  "opted_out_subscription_types": {"type": "list", "data": [{"type": "subscription", "id": "91", "url": "/subscriptions/91"}], "url": "/contacts/6762f0dd1bb69f9f2193bb83/subscriptions", "total_count": 11, "has_more": true},
  "opted_in_subscription_types": {"type": "list", "data": [{"type": "subscription", "id": "93", "url": "/subscriptions/93"}], "url": "/contacts/6762f0dd1bb69f9f2193bb83/subscriptions", "total_count": 11, "has_more": true},
  "utm_source": null,
  "enabled_push_messaging": null
}`

// wantContact is contactJSON decoded.
func wantContact() *Contact {
	return &Contact{
		Type:                   "contact",
		ID:                     "6762f0dd1bb69f9f2193bb83",
		WorkspaceID:            "ecahpwf5",
		ExternalID:             "cdd29344-5e0c-4ef0-ac56-f9ba2979bc27",
		Role:                   "user",
		Email:                  "joebloggs@intercom.io",
		EmailDomain:            "intercom.io",
		Phone:                  "+353871234567",
		Name:                   "Joe Bloggs",
		OwnerID:                991267459,
		HasHardBounced:         true,
		MarkedEmailAsSpam:      true,
		UnsubscribedFromEmails: true,
		CreatedAt:              1734537437,
		UpdatedAt:              1734537438,
		SignedUpAt:             1734537400,
		LastSeenAt:             1734537401,
		LastRepliedAt:          1734537402,
		LastContactedAt:        1734537403,
		LanguageOverride:       "fr",
		CustomAttributes: map[string]any{
			"big_id":          json.Number("12345678901234567"),
			"ratio":           json.Number("1.5"),
			"exp":             json.Number("1e3"),
			"plan":            "pro",
			"paid_subscriber": true,
			"cleared":         nil,
			"list":            []any{json.Number("1"), "a"},
			"nested":          map[string]any{"n": json.Number("2")},
		},
		Avatar: &Avatar{Type: "avatar", ImageURL: "https://example.org/128Wash.jpg"},
		Tags: &ContactTags{
			Data: []Reference{
				{Type: "tag", ID: "80", URL: "/tags/80"},
				{Type: "tag", ID: "81", URL: "/tags/81"},
			},
			URL:        "/contacts/6762f0dd1bb69f9f2193bb83/tags",
			TotalCount: 12,
			HasMore:    true,
		},
		Notes: &ContactNotes{Data: []Reference{{Type: "note", ID: "26", URL: "/notes/26"}},
			URL: "/contacts/6762f0dd1bb69f9f2193bb83/notes", TotalCount: 12, HasMore: true},
		OptedOutSubscriptionTypes: &ContactSubscriptionTypes{Data: []Reference{{Type: "subscription", ID: "91", URL: "/subscriptions/91"}},
			URL: "/contacts/6762f0dd1bb69f9f2193bb83/subscriptions", TotalCount: 11, HasMore: true},
		OptedInSubscriptionTypes: &ContactSubscriptionTypes{Data: []Reference{{Type: "subscription", ID: "93", URL: "/subscriptions/93"}},
			URL: "/contacts/6762f0dd1bb69f9f2193bb83/subscriptions", TotalCount: 11, HasMore: true},
		Companies: &ContactCompanies{Data: []Reference{{Type: "company", ID: "6762f0761bb69f9f2193bae2", URL: "/companies/6762f0761bb69f9f2193bae2"}},
			URL: "/contacts/6762f0dd1bb69f9f2193bb83/companies", TotalCount: 11, HasMore: true},
	}
}

// nullContactJSON is a freshly created lead, in the shape of the spec's
// examples: most fields null.
const nullContactJSON = `{
  "type": "contact", "id": "6762f0cd1bb69f9f2193bb7c", "workspace_id": "ecahpwf5",
  "external_id": null, "role": "lead", "email": "", "phone": null, "name": null,
  "avatar": null, "owner_id": null, "has_hard_bounced": false,
  "marked_email_as_spam": false, "unsubscribed_from_emails": false,
  "created_at": 1734537421, "updated_at": 1734537422, "signed_up_at": null,
  "last_seen_at": null, "last_replied_at": null, "last_contacted_at": null,
  "language_override": null, "custom_attributes": {},
  "tags": {"type": "list", "data": [], "url": "/contacts/6762f0cd1bb69f9f2193bb7c/tags", "total_count": 0, "has_more": false}
}`

func wantNullContact() *Contact {
	return &Contact{
		Type: "contact", ID: "6762f0cd1bb69f9f2193bb7c", WorkspaceID: "ecahpwf5",
		Role: "lead", CreatedAt: 1734537421, UpdatedAt: 1734537422,
		CustomAttributes: map[string]any{},
		Tags:             &ContactTags{Data: []Reference{}, URL: "/contacts/6762f0cd1bb69f9f2193bb7c/tags"},
	}
}

// contactPage is a contact_list page of contacts with the given ids; next
// is the cursor of the following page ("" on the last).
func contactPage(next string, perPage int, ids ...string) string {
	data := make([]string, len(ids))
	for i, id := range ids {
		data[i] = fmt.Sprintf(`{"type":"contact","id":%q,"role":"user","email":"%s@example.com","custom_attributes":{}}`, id, id)
	}
	nextJSON := ""
	if next != "" {
		nextJSON = fmt.Sprintf(`,"next":{"page":2,"starting_after":%q}`, next)
	}
	return fmt.Sprintf(`{"type":"list","data":[%s],"total_count":%d,"pages":{"type":"pages","page":1,"per_page":%d,"total_pages":3%s}}`,
		strings.Join(data, ","), 1000, perPage, nextJSON)
}

// errorList is Intercom's error.list body.
func errorList(requestID string, details ...ErrorDetail) string {
	b, _ := json.Marshal(map[string]any{"type": "error.list", "request_id": requestID, "errors": details})
	return string(b)
}

// requestCase is one service call checked by runRequestCases: the request
// it must send and the decoding of the answer it gets.
type requestCase struct {
	name       string
	call       func(ctx context.Context, c *Client) (any, *Response, error)
	answer     string
	method     string
	path       string
	query      url.Values // nil: no query string at all
	body       string     // "": no body
	want       any
	wantCursor string
	// everyField: the fixture sets every field of the decoded value
	// (of the first item of a list), so that none goes unchecked.
	everyField bool
}

// runRequestCases runs each case against a fake answering its answer: one
// request, as described, and the answer decoded as wanted.
func runRequestCases(t *testing.T, tests []requestCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := newFake(t, reply(200, tt.answer, "X-Request-Id", "rid-1"))
			got, resp, err := tt.call(t.Context(), c)
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if resp == nil || resp.StatusCode != 200 || resp.RequestID != "rid-1" {
				t.Fatalf("Response = %+v", resp)
			}
			rs := f.requests()
			if len(rs) != 1 {
				t.Fatalf("%d requests, want 1", len(rs))
			}
			r := rs[0]
			if r.Method != tt.method || r.Path != tt.path {
				t.Errorf("request %s %s, want %s %s", r.Method, r.Path, tt.method, tt.path)
			}
			if tt.query == nil {
				if r.RawQuery != "" {
					t.Errorf("query %q, want none", r.RawQuery)
				}
			} else if !reflect.DeepEqual(r.Query, tt.query) {
				t.Errorf("query %v, want %v", r.Query, tt.query)
			}
			checkHeaders(t, r, tt.body != "")
			if tt.body != "" {
				jsonEqual(t, r.Body, tt.body)
			}
			if !reflect.DeepEqual(got, tt.want) {
				gj, _ := json.MarshalIndent(got, "", " ")
				wj, _ := json.MarshalIndent(tt.want, "", " ")
				t.Errorf("decoded\n%s\nwant\n%s\n(%#v)", gj, wj, got)
			}
			if tt.everyField {
				v := reflect.ValueOf(got)
				if v.Kind() == reflect.Slice {
					v = v.Index(0)
				}
				everyFieldSet(t, v, reflect.TypeOf(got).String())
			}
			if resp.NextCursor != tt.wantCursor {
				t.Errorf("NextCursor = %q, want %q", resp.NextCursor, tt.wantCursor)
			}
		})
	}
}
