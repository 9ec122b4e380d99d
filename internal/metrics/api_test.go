package metrics

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestRoute(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"", "/"},
		{"/", "/"},
		{"/me", "/me"},
		{"/contacts", "/contacts"},
		{"/contacts/", "/contacts"},
		{"/contacts/search", "/contacts/search"},
		{"/contacts/5f7f0d217289f8d2f4262080", "/contacts/{id}"},
		{"/contacts/5f7f0d217289f8d2f4262080/tags/17", "/contacts/{id}/tags/{id}"},
		{"/contacts/6657a1b2c3/companies/abc123", "/contacts/{id}/companies/{id}"},
		{"/contacts/find_by_external_id/crm-42", "/contacts/find_by_external_id/{id}"},
		// An external id that happens to be a word is still an id.
		{"/contacts/find_by_external_id/alice", "/contacts/find_by_external_id/{id}"},
		// An escaped slash stays in its segment.
		{"/contacts/find_by_external_id/a%2Fb/c", "/contacts/find_by_external_id/{id}/c"},
		{"/contacts/a%40b.example", "/contacts/{id}"},
		{"/data_attributes", "/data_attributes"},
		{"/companies/scroll", "/companies/scroll"},
		{"/conversations/123456/parts", "/conversations/{id}/parts"},
		{"/help_center/collections/9", "/help_center/collections/{id}"},
		{"/news/newsfeeds/12/items", "/news/newsfeeds/{id}/items"},
		{"/custom_object_instances/Order/77", "/custom_object_instances/{id}/{id}"},
		{"/tags/" + strings.Repeat("x", 41), "/tags/{id}"},
		{"/Contacts", "/{id}"},
		{"/a/b/c/d/e/f/g/h", "/a/b/c/d/e/f/..."},
	} {
		if got := Route(tc.path); got != tc.want {
			t.Errorf("Route(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
}

func TestStatusClass(t *testing.T) {
	for code, want := range map[int]string{200: "2xx", 201: "2xx", 304: "3xx", 404: "4xx", 429: "4xx", 503: "5xx", 0: "other", 600: "other"} {
		if got := StatusClass(code); got != want {
			t.Errorf("StatusClass(%d) = %q, want %q", code, got, want)
		}
	}
}

// TestEndpointCardinality: whatever paths are called, the endpoint label
// takes at most maxEndpoints+1 values, and no id reaches it.
func TestEndpointCardinality(t *testing.T) {
	r := New("test")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {}))
	defer srv.Close()
	c := &http.Client{Transport: r.APITransport(nil, "destination", "eu")}
	call := func(method, path string) {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	// Two thousand contacts, tags and external ids: one route each.
	for i := range 500 {
		call("GET", fmt.Sprintf("/contacts/%024x", i))
		call("PUT", fmt.Sprintf("/contacts/%x/tags/%d", i*7919, i))
		call("GET", fmt.Sprintf("/contacts/find_by_external_id/user-%d", i))
		call("GET", fmt.Sprintf("/contacts/find_by_external_id/%s", strings.Repeat("z", i%30+1)))
	}
	if n := testutil.CollectAndCount(r.apiRequests); n != 3 {
		t.Errorf("%d series after ids of every shape, want 3", n)
	}
	// Made-up words: the set fills up, then "other".
	for i := range 3 * maxEndpoints {
		call("GET", "/"+word(i))
	}
	if n := testutil.CollectAndCount(r.apiRequests); n != maxEndpoints+1 {
		t.Errorf("%d series, want the cap %d and other", n, maxEndpoints+1)
	}
	if got := testutil.ToFloat64(r.apiRequests.WithLabelValues("destination", "eu", "GET", "other", "2xx")); got != 3*maxEndpoints-(maxEndpoints-3) {
		t.Errorf("other = %v", got)
	}
	// A method nobody uses is OTHER.
	call("PROPFIND", "/contacts")
	if got := testutil.ToFloat64(r.apiRequests.WithLabelValues("destination", "eu", "OTHER", "other", "2xx")); got != 1 {
		t.Errorf("PROPFIND counted %v times as OTHER", got)
	}
}

// word is a distinct lowercase word for each i.
func word(i int) string {
	var b []byte
	for {
		b = append(b, byte('a'+i%26))
		if i /= 26; i == 0 {
			return string(b)
		}
	}
}

func TestAPITransportCounts(t *testing.T) {
	r := New("test")
	codes := []int{200, 201, 429, 422, 500}
	i := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.WriteHeader(codes[i%len(codes)])
		i++
	}))
	defer srv.Close()
	c := &http.Client{Transport: r.APITransport(nil, "source", "us")}
	for range codes {
		resp, err := c.Post(srv.URL+"/contacts", "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	// A call that gets no answer.
	dead := &http.Client{Transport: r.APITransport(nil, "source", "us")}
	if _, err := dead.Get("http://127.0.0.1:1/contacts/17"); err == nil {
		t.Fatal("a call to a closed port succeeded")
	}
	for class, want := range map[string]float64{"2xx": 2, "4xx": 2, "5xx": 1} {
		if got := testutil.ToFloat64(r.apiRequests.WithLabelValues("source", "us", "POST", "/contacts", class)); got != want {
			t.Errorf("%s: %v, want %v", class, got, want)
		}
	}
	if got := testutil.ToFloat64(r.apiRequests.WithLabelValues("source", "us", "GET", "/contacts/{id}", "error")); got != 1 {
		t.Errorf("error: %v, want 1", got)
	}
	if got := testutil.ToFloat64(r.api429.WithLabelValues("source", "us")); got != 1 {
		t.Errorf("429s: %v, want 1", got)
	}
	if got := testutil.CollectAndCount(r.apiSeconds); got != 1 {
		t.Errorf("duration series: %d", got)
	}
}
