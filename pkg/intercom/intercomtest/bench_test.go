package intercomtest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/icmigrate/icmigrate/internal/openapi/openapitest"
	"github.com/icmigrate/icmigrate/pkg/intercom/intercomtest"
)

// The benchmarks call the handler directly (no network), so they measure
// the sandbox: routing, rate limiting, request and response validation, the
// handler. Run: go test -run '^$' -bench . ./pkg/intercom/intercomtest/
func benchSandbox(b *testing.B, contacts int) (*intercomtest.Sandbox, []string) {
	sb, srv := intercomtest.NewServer(b, intercomtest.Options{Seed: 1, Contacts: contacts, RateLimitPerMinute: 1 << 30, WorkspaceRateLimitPerMinute: 1 << 30})
	srv.Close()
	recs, err := sb.Records("contacts")
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = string(r[strings.Index(string(r), `"id":"`)+6:][:24])
	}
	return sb, ids
}

func serve(b *testing.B, h http.Handler, method, path, body string) {
	var req *http.Request
	if body != "" {
		req = httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	req.Header.Set("Authorization", "Bearer "+intercomtest.DefaultToken)
	req.Header.Set("Intercom-Version", "2.14")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != 200 {
		b.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body.String())
	}
}

func BenchmarkGetContact(b *testing.B) {
	sb, ids := benchSandbox(b, 10000)
	b.ReportAllocs()
	b.ResetTimer()
	var i atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			serve(b, sb, "GET", "/contacts/"+ids[int(i.Add(1))%len(ids)], "")
		}
	})
}

func BenchmarkListContacts150(b *testing.B) {
	sb, _ := benchSandbox(b, 10000)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		serve(b, sb, "GET", "/contacts?per_page=150", "")
	}
}

func BenchmarkCreateContact(b *testing.B) {
	sb, _ := benchSandbox(b, 0)
	b.ReportAllocs()
	b.ResetTimer()
	var i atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := i.Add(1)
			serve(b, sb, "POST", "/contacts", fmt.Sprintf(`{"email":"b%d@x.example","external_id":"b%d","name":"Bench Mark"}`, n, n))
		}
	})
}

func BenchmarkSearchByEmail(b *testing.B) {
	sb, _ := benchSandbox(b, 10000)
	recs, _ := sb.Records("contacts")
	s := string(recs[10])
	email := s[strings.Index(s, `"email":"`)+9:]
	email = email[:strings.IndexByte(email, '"')]
	body := fmt.Sprintf(`{"query":{"field":"email","operator":"=","value":%q}}`, email)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			serve(b, sb, "POST", "/contacts/search", body)
		}
	})
}

func BenchmarkGetMe(b *testing.B) {
	sb, _ := benchSandbox(b, 0)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			serve(b, sb, "GET", "/me", "")
		}
	})
}

// BenchmarkHTTPMixed measures requests/s through a real (loopback) server
// with 16 concurrent clients: reads of single contacts, pages of 50,
// searches by email and creates, all validated.
func BenchmarkHTTPMixed(b *testing.B) {
	sb, srv := intercomtest.NewServer(b, intercomtest.Options{Seed: 1, Contacts: 10000, RateLimitPerMinute: 1 << 30, WorkspaceRateLimitPerMinute: 1 << 30})
	recs, _ := sb.Records("contacts")
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = string(r[strings.Index(string(r), `"id":"`)+6:][:24])
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	hc := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	do := func(method, path, body string) {
		var req *http.Request
		if body != "" {
			req, _ = http.NewRequest(method, srv.URL+path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
		} else {
			req, _ = http.NewRequest(method, srv.URL+path, nil)
		}
		req.Header.Set("Authorization", "Bearer "+intercomtest.DefaultToken)
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("%s %s: %d", method, path, resp.StatusCode)
		}
	}
	var n atomic.Int64
	b.SetParallelism(8) // 8 x GOMAXPROCS clients
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			switch i % 10 {
			case 0:
				do("GET", "/contacts?per_page=50", "")
			case 1:
				do("POST", "/contacts", fmt.Sprintf(`{"email":"h%d@x.example"}`, i))
			case 2:
				do("POST", "/contacts/search", `{"query":{"field":"email","operator":"=","value":"nobody@x.example"}}`)
			default:
				do("GET", "/contacts/"+ids[int(i)%len(ids)], "")
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// BenchmarkSeed measures New: generating a workspace of N contacts with
// every kind of record, and with the contacts' workspace only
// (Options.Entities: []string{"contacts"}), which tests that move contacts
// use. Run: go test -run '^$' -bench Seed -benchtime 3x ./pkg/intercom/intercomtest/
func BenchmarkSeed(b *testing.B) {
	v := openapitest.ForTest(b)
	for _, n := range []int{2000, 20000} {
		for _, kind := range []struct {
			name     string
			entities []string
		}{{"all", nil}, {"contacts_only", []string{"contacts"}}} {
			b.Run(fmt.Sprintf("%s/%d", kind.name, n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := intercomtest.New(intercomtest.Options{Seed: 1, Contacts: n, Entities: kind.entities, Validator: v}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
