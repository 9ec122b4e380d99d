package metrics

import (
	"net/http"
	"strings"
	"sync"
	"time"
)

// APITransport returns an http.RoundTripper over base (http.DefaultTransport
// when nil) that counts every call in icmigrate_api_requests_total,
// icmigrate_api_request_duration_seconds and, for 429s,
// icmigrate_api_rate_limited_total, with the side and region given.
func (r *Registry) APITransport(base http.RoundTripper, side, region string) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	if region == "" {
		region = "unknown"
	}
	return &apiTransport{base: base, r: r, side: side, region: region,
		seconds: r.apiSeconds.WithLabelValues(side, region), limited: r.api429.WithLabelValues(side, region)}
}

type apiTransport struct {
	base         http.RoundTripper
	r            *Registry
	side, region string
	seconds      interface{ Observe(float64) }
	limited      interface{ Inc() }
}

func (t *apiTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	class := "error"
	if err == nil {
		t.seconds.Observe(time.Since(start).Seconds())
		class = StatusClass(resp.StatusCode)
		if resp.StatusCode == http.StatusTooManyRequests {
			t.limited.Inc()
		}
	}
	method, endpoint := t.r.endpoints.label(req.Method, Route(req.URL.EscapedPath()))
	t.r.apiRequests.WithLabelValues(t.side, t.region, method, endpoint, class).Inc()
	return resp, err
}

// StatusClass is "2xx" for 200-299 and so on; "other" outside 100-599.
func StatusClass(code int) string {
	if code < 100 || code > 599 {
		return "other"
	}
	return string(rune('0'+code/100)) + "xx"
}

// maxSegments bounds the depth of a route template; deeper paths end in
// "/...".
const maxSegments = 6

// Route is the route template of an API path: segments that are lowercase
// words (letters and underscores: "contacts", "find_by_external_id",
// "data_attributes") are kept; every other segment (ids, hashes, escaped
// values, anything with a digit or a capital) becomes "{id}", and so does
// the segment after find_by_external_id (an external id may be a word).
// "/contacts/5f7f0d2172/tags/17" is "/contacts/{id}/tags/{id}". The query
// is not part of the path.
func Route(escapedPath string) string {
	segs := strings.Split(strings.Trim(escapedPath, "/"), "/")
	if len(segs) == 1 && segs[0] == "" {
		return "/"
	}
	var b strings.Builder
	prev := ""
	for i, s := range segs {
		if i == maxSegments {
			b.WriteString("/...")
			break
		}
		b.WriteByte('/')
		switch {
		case prev == "find_by_external_id" || !isWord(s):
			b.WriteString("{id}")
		default:
			b.WriteString(s)
		}
		prev = s
	}
	return b.String()
}

// isWord reports whether s is a lowercase word of at most 40 letters and
// underscores, starting with a letter.
func isWord(s string) bool {
	if s == "" || len(s) > 40 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && c != '_' {
			return false
		}
	}
	return true
}

// maxEndpoints bounds the endpoint label: past this many distinct
// method/route pairs in a process, new ones are counted as "other" (the
// routes icmigrate calls are about fifty).
const maxEndpoints = 200

var knownMethods = map[string]bool{"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "OPTIONS": true}

// endpointSet caps the label values of method and endpoint.
type endpointSet struct {
	mu   sync.Mutex
	max  int
	seen map[string]bool
}

func newEndpointSet(max int) *endpointSet { return &endpointSet{max: max, seen: map[string]bool{}} }

// label returns the method and route labels of a call: the route itself
// while the set has room, "other" once it is full.
func (s *endpointSet) label(method, route string) (string, string) {
	if !knownMethods[method] {
		method = "OTHER"
	}
	key := method + " " + route
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen[key] {
		return method, route
	}
	if len(s.seen) >= s.max {
		return method, "other"
	}
	s.seen[key] = true
	return method, route
}
