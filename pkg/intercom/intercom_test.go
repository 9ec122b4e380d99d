package intercom

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestParseRegion(t *testing.T) {
	tests := []struct {
		in      string
		want    Region
		wantErr bool
	}{
		{"us", US, false},
		{"US", US, false},
		{"eu", EU, false},
		{" Eu\n", EU, false},
		{"au", AU, false},
		{"AU", AU, false},
		{"", "", true},
		{"uk", "", true},
		{"europe", "", true},
		{"u s", "", true},
	}
	for _, tt := range tests {
		got, err := ParseRegion(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseRegion(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), "us, eu or au") {
			t.Errorf("ParseRegion(%q) error %q does not say what is accepted", tt.in, err)
		}
	}
}

func TestRegionBaseURL(t *testing.T) {
	tests := []struct {
		region Region
		want   string
	}{
		{US, "https://api.intercom.io/"},
		{EU, "https://api.eu.intercom.io/"},
		{AU, "https://api.au.intercom.io/"},
		{Region("mars"), ""},
	}
	for _, tt := range tests {
		if got := tt.region.BaseURL(); got != tt.want {
			t.Errorf("%q.BaseURL() = %q, want %q", tt.region, got, tt.want)
		}
		if tt.want == "" {
			continue
		}
		c, err := NewClient(testToken, tt.region)
		if err != nil {
			t.Fatalf("NewClient(%q): %v", tt.region, err)
		}
		if got := c.BaseURL.String(); got != tt.want {
			t.Errorf("NewClient(%q).BaseURL = %q, want %q", tt.region, got, tt.want)
		}
	}
}

func TestRegionMatchesAppRegion(t *testing.T) {
	tests := []struct {
		region    Region
		appRegion string
		want      bool
	}{
		{US, "US", true},
		{US, "us", true},
		{US, "USA", true},
		{US, "United States", true},
		{US, "Europe", false},
		{EU, "Europe", true},
		{EU, "EU", true},
		{EU, " eu ", true},
		{EU, "Ireland", true},
		{EU, "US", false},
		{AU, "Australia", true},
		{AU, "AU", true},
		{AU, "Europe", false},
		{US, "", false},
		{EU, "", false},
		{AU, "Antarctica", false},
		{Region("mars"), "US", false},
	}
	for _, tt := range tests {
		if got := tt.region.MatchesAppRegion(tt.appRegion); got != tt.want {
			t.Errorf("%q.MatchesAppRegion(%q) = %v, want %v", tt.region, tt.appRegion, got, tt.want)
		}
	}
}

func TestNewClientRejects(t *testing.T) {
	tests := []struct {
		name    string
		token   string
		region  Region
		opts    []Option
		wantErr string
	}{
		{"empty token", "", US, nil, "empty access token"},
		{"blank token", " \t\n", US, nil, "empty access token"},
		{"token with a space", "abc def", US, nil, "whitespace or control"},
		{"token with a newline inside", "abc\ndef", US, nil, "whitespace or control"},
		{"token with DEL", "abc\x7fdef", US, nil, "whitespace or control"},
		{"unknown region", testToken, Region("uk"), nil, `unknown region "uk"`},
		{"no region", testToken, "", nil, "unknown region"},
		{"nil http client", testToken, US, []Option{WithHTTPClient(nil)}, "nil http client"},
		{"bad base URL", testToken, US, []Option{WithBaseURL("api.intercom.io")}, "base URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(tt.token, tt.region, tt.opts...)
			if err == nil || c != nil {
				t.Fatalf("NewClient = %v, %v; want an error", c, err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
			if strings.TrimSpace(tt.token) != "" && strings.Contains(err.Error(), strings.TrimSpace(tt.token)) {
				t.Errorf("error %q quotes the token", err)
			}
		})
	}
}

func TestNewClientTrimsToken(t *testing.T) {
	_, f := newFake(t, reply(200, `{"type":"list","data":[]}`))
	c2, err := NewClient(" "+testToken+"\r\n", US, WithBaseURL(f.srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c2.Tags.List(t.Context()); err != nil {
		t.Fatal(err)
	}
	checkHeaders(t, f.last(t), false)
}

func TestWithBaseURL(t *testing.T) {
	tests := []struct {
		raw  string
		want string
	}{
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080/"},
		{"http://127.0.0.1:8080/", "http://127.0.0.1:8080/"},
		{"https://proxy.example.com/intercom", "https://proxy.example.com/intercom/"},
		{"https://proxy.example.com/intercom/", "https://proxy.example.com/intercom/"},
		{"  https://api.eu.intercom.io  ", "https://api.eu.intercom.io/"},
		{"https://proxy.example.com/a%2Fb", "https://proxy.example.com/a%2Fb/"},
	}
	for _, tt := range tests {
		c, err := NewClient(testToken, US, WithBaseURL(tt.raw))
		if err != nil {
			t.Errorf("WithBaseURL(%q): %v", tt.raw, err)
			continue
		}
		if got := c.BaseURL.String(); got != tt.want {
			t.Errorf("WithBaseURL(%q): BaseURL = %q, want %q", tt.raw, got, tt.want)
		}
	}
}

func TestWithBaseURLRejects(t *testing.T) {
	for _, raw := range []string{
		"",
		"api.intercom.io",
		"/contacts",
		"ftp://api.intercom.io",
		"http://",
		"https:///path",
		"http:opaque",
		"://api.intercom.io",
		"http://[::1",
		"https://api.intercom.io/?region=eu",
		"https://api.intercom.io/?",
		"https://api.intercom.io/#frag",
	} {
		c, err := NewClient(testToken, US, WithBaseURL(raw))
		if err == nil {
			t.Errorf("WithBaseURL(%q) accepted: BaseURL %s", raw, c.BaseURL)
			continue
		}
		if !strings.Contains(err.Error(), "intercom: base URL") {
			t.Errorf("WithBaseURL(%q): unclear error %q", raw, err)
		}
	}
}

// TestBaseURLPathPrefix checks requests go below a base URL's path, with or
// without its trailing slash.
func TestBaseURLPathPrefix(t *testing.T) {
	for _, suffix := range []string{"/intercom", "/intercom/"} {
		_, f := newFake(t, reply(200, `{"type":"list","data":[]}`))
		c, err := NewClient(testToken, EU, WithBaseURL(f.srv.URL+suffix))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.Tags.List(t.Context()); err != nil {
			t.Fatal(err)
		}
		// The fake answers a tag list; only the path matters here.
		_, _, _ = c.Contacts.Get(t.Context(), "abc")
		rs := f.requests()
		if rs[0].Path != "/intercom/tags" || rs[1].Path != "/intercom/contacts/abc" {
			t.Errorf("base %q: paths %q, %q; want /intercom/tags, /intercom/contacts/abc", suffix, rs[0].Path, rs[1].Path)
		}
	}
}

func TestOptions(t *testing.T) {
	var seen bool
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		seen = true
		return http.DefaultTransport.RoundTrip(r)
	})}
	c, f := newFake(t, reply(200, `{"type":"list","data":[]}`), WithHTTPClient(hc), WithUserAgent("migrator/1.0"))
	if _, _, err := c.Tags.List(t.Context()); err != nil {
		t.Fatal(err)
	}
	if !seen {
		t.Error("WithHTTPClient: the given client was not used")
	}
	if ua := f.last(t).Header.Get("User-Agent"); ua != "migrator/1.0" {
		t.Errorf("WithUserAgent: User-Agent = %q", ua)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestRate(t *testing.T) {
	reset := time.Unix(1734537500, 0)
	tests := []struct {
		name   string
		status int
		body   string
		header []string
		want   Rate
		known  bool
	}{
		{"success", 200, `{"type":"list","data":[]}`, rateHeaders(1000, 999, reset), Rate{1000, 999, reset}, true},
		{"success, spent", 200, `{"type":"list","data":[]}`, rateHeaders(167, 0, reset), Rate{167, 0, reset}, true},
		{"no headers", 200, `{"type":"list","data":[]}`, nil, Rate{}, false},
		{"garbage headers", 200, `{"type":"list","data":[]}`, []string{"X-RateLimit-Limit", "many", "X-RateLimit-Remaining", "-", "X-RateLimit-Reset", "soon"}, Rate{}, false},
		{"401", 401, errorList("r1", ErrorDetail{Code: "unauthorized", Message: "Access Token Invalid"}), nil, Rate{}, false},
		{"429", 429, errorList("r2", ErrorDetail{Code: "rate_limit_exceeded", Message: "Exceeded rate limit of 1000 in 10_seconds"}), rateHeaders(1000, 0, reset), Rate{1000, 0, reset}, true},
		{"500", 500, errorList("r3", ErrorDetail{Code: "server_error", Message: "oops"}), rateHeaders(1000, 10, reset), Rate{1000, 10, reset}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newFake(t, reply(tt.status, tt.body, tt.header...))
			_, resp, err := c.Tags.List(t.Context())
			if (err != nil) != (tt.status != 200) {
				t.Fatalf("err = %v", err)
			}
			if resp == nil {
				t.Fatal("nil Response")
			}
			if resp.Rate != tt.want || resp.Rate.Known() != tt.known {
				t.Errorf("Rate = %+v (known %v), want %+v (known %v)", resp.Rate, resp.Rate.Known(), tt.want, tt.known)
			}
			if err != nil {
				var er *ErrorResponse
				if !errors.As(err, &er) {
					t.Fatalf("%T is not an *ErrorResponse", err)
				}
				if er.Rate != tt.want {
					t.Errorf("ErrorResponse.Rate = %+v, want %+v", er.Rate, tt.want)
				}
			}
		})
	}
}

func TestResponseRequestID(t *testing.T) {
	c, _ := newFake(t, reply(200, `{"type":"list","data":[]}`, "X-Request-Id", "000d7t6ca1ak3h5f13fg"))
	_, resp, err := c.Tags.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if resp.RequestID != "000d7t6ca1ak3h5f13fg" {
		t.Errorf("RequestID = %q", resp.RequestID)
	}
	if resp.StatusCode != 200 || resp.NextCursor != "" {
		t.Errorf("StatusCode %d, NextCursor %q", resp.StatusCode, resp.NextCursor)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
	}{
		{"truncated", 200, contactJSON[:len(contactJSON)/2]},
		{"truncated page", 200, contactPage("c2", 2, "a", "b")[:40]},
		{"empty 200", 200, ""},
		{"HTML 200", 200, "<html><body>Login to your proxy</body></html>"},
		{"JSON null", 200, "null"},
		{"JSON array", 200, "[]"},
		{"wrong type", 200, `{"type":"contact","id":12}`},
		{"trailing data", 200, `{"type":"contact","id":"a"} {"id":"b"}`},
		{"trailing brace", 200, `{"type":"contact","id":"a"}}`},
		{"trailing bracket", 200, `{"type":"contact","id":"a"}]`},
		{"201 garbage", 201, "ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newFake(t, reply(tt.status, tt.body))
			got, resp, err := c.Contacts.Get(t.Context(), "a")
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("Get = %+v, %v; want a *DecodeError", got, err)
			}
			if got != nil {
				t.Errorf("a value came with the error: %+v", got)
			}
			if de.Status != tt.status || de.Method != "GET" || de.Path != "/contacts/a" || de.Err == nil {
				t.Errorf("DecodeError = %+v", de)
			}
			if resp == nil || resp.StatusCode != tt.status {
				t.Errorf("Response = %+v", resp)
			}
			if !IsTemporary(err) {
				t.Error("a DecodeError should be temporary")
			}
			if !strings.Contains(err.Error(), "not the expected JSON") {
				t.Errorf("unclear error %q", err)
			}
			noToken(t, err)
		})
	}
}

func TestNoContent(t *testing.T) {
	c, _ := newFake(t, reply(204, ""))
	req, err := c.NewRequest(t.Context(), "DELETE", "contacts/a", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	resp, err := c.Do(req, &v)
	if err != nil || resp.StatusCode != 204 || v != nil {
		t.Errorf("Do = %v, %v, %v", resp, err, v)
	}
	// v == nil ignores the body of a 2xx.
	req, _ = c.NewRequest(t.Context(), "GET", "me", nil, nil)
	if _, err := c.Do(req, nil); err != nil {
		t.Errorf("Do(nil): %v", err)
	}
}

func TestMaxResponseBytes(t *testing.T) {
	c, _ := NewClient(testToken, US)
	if c.maxResponseBytes != MaxResponseBytes {
		t.Fatalf("maxResponseBytes = %d, want MaxResponseBytes", c.maxResponseBytes)
	}
	if MaxResponseBytes != 32<<20 {
		t.Errorf("MaxResponseBytes = %d", MaxResponseBytes)
	}
	const limit = 256
	big := contactPage("", 10, "a", "b", "c", "d", "e", "f", "g", "h", "i", "j")
	if len(big) <= limit {
		t.Fatal("test page too small")
	}

	t.Run("200 over the limit", func(t *testing.T) {
		c, _ := newFake(t, reply(200, big))
		c.maxResponseBytes = limit
		l, resp, err := c.Contacts.List(t.Context(), nil)
		var de *DecodeError
		if !errors.As(err, &de) || l != nil {
			t.Fatalf("List = %v, %v; want a *DecodeError", l, err)
		}
		if de.Status != 200 || !strings.Contains(de.Error(), "larger than 256 bytes") {
			t.Errorf("DecodeError = %v", de)
		}
		if resp == nil {
			t.Error("nil Response")
		}
	})
	t.Run("unset limit means MaxResponseBytes", func(t *testing.T) {
		c, _ := newFake(t, reply(200, big))
		c.maxResponseBytes = 0
		if _, _, err := c.Contacts.List(t.Context(), nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("200 at the limit", func(t *testing.T) {
		c, _ := newFake(t, reply(200, big))
		c.maxResponseBytes = int64(len(big))
		if _, _, err := c.Contacts.List(t.Context(), nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("502 over the limit keeps its type", func(t *testing.T) {
		c, _ := newFake(t, reply(502, "<html>"+strings.Repeat("Bad Gateway ", 100)+"</html>", "Content-Type", "text/html"))
		c.maxResponseBytes = limit
		_, _, err := c.Contacts.List(t.Context(), nil)
		var se *ServerError
		if !errors.As(err, &se) || se.StatusCode != 502 {
			t.Fatalf("err = %v; want a 502 *ServerError", err)
		}
	})
	t.Run("429 over the limit keeps its type", func(t *testing.T) {
		reset := time.Now().Add(5 * time.Second)
		c, _ := newFake(t, reply(429, strings.Repeat(" ", 1000), rateHeaders(100, 0, reset)...))
		c.maxResponseBytes = limit
		_, _, err := c.Contacts.List(t.Context(), nil)
		var re *RateLimitError
		if !errors.As(err, &re) || re.Rate.Remaining != 0 || re.Rate.Limit != 100 {
			t.Fatalf("err = %v; want a *RateLimitError with its rate", err)
		}
	})
}

func TestTransportError(t *testing.T) {
	c, f := newFake(t, reply(200, "{}"))
	f.srv.Close() // connection refused from now on

	opts := &ListOptions{PerPage: 5, StartingAfter: "WzE2NzQ1Mzc0MzcwMDAsIjVmN2YwZDIxNzI4OWY4ZDJmNDI2MjA4MCIsMl0="}
	l, resp, err := c.Contacts.List(t.Context(), opts)
	var te *TransportError
	if !errors.As(err, &te) || l != nil || resp != nil {
		t.Fatalf("List = %v, %v, %v; want a *TransportError", l, resp, err)
	}
	if te.Method != "GET" || te.Path != "/contacts" {
		t.Errorf("TransportError = %+v", te)
	}
	msg := err.Error()
	for _, leak := range []string{opts.StartingAfter, "starting_after", "per_page", "?"} {
		if strings.Contains(msg, leak) {
			t.Errorf("transport error %q contains %q", msg, leak)
		}
	}
	var ne net.Error
	if !errors.As(err, &ne) {
		t.Errorf("the transport's error is not reachable with errors.As: %v", err)
	}
	if !IsTemporary(err) {
		t.Error("a TransportError should be temporary")
	}
	noToken(t, err)
}

func TestTransportErrorMidBody(t *testing.T) {
	// The connection dies after the headers: the answer is incomplete.
	c, _ := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(200)
		io.WriteString(w, `{"type":"contact","id":"6762f0dd`)
		w.(http.Flusher).Flush()
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	_, resp, err := c.Contacts.Get(t.Context(), "a")
	var te *TransportError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v; want a *TransportError", err)
	}
	if resp == nil || resp.StatusCode != 200 {
		t.Errorf("Response = %v", resp)
	}
	if !IsTemporary(err) {
		t.Error("should be temporary")
	}
}

func TestContextCanceled(t *testing.T) {
	t.Run("before the call", func(t *testing.T) {
		c, f := newFake(t, reply(200, "{}"))
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, resp, err := c.Admins.Me(ctx)
		if err != context.Canceled || resp != nil {
			t.Fatalf("Me = %v, %v; want context.Canceled itself", resp, err)
		}
		if n := len(f.requests()); n != 0 {
			t.Errorf("%d requests sent", n)
		}
		if IsTemporary(err) {
			t.Error("a cancelled context is not temporary")
		}
	})
	t.Run("while waiting for the answer", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		c, _ := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			cancel()
			<-r.Context().Done()
		})
		_, _, err := c.Admins.Me(ctx)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v; want context.Canceled", err)
		}
		var te *TransportError
		if errors.As(err, &te) {
			t.Errorf("err is a *TransportError: %v", err)
		}
	})
	t.Run("while reading the answer", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		// Cancel once the headers are in, before the body is read.
		hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			resp, err := http.DefaultTransport.RoundTrip(r)
			cancel()
			return resp, err
		})}
		c, _ := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(200)
			io.WriteString(w, `{"type":"admin",`)
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}, WithHTTPClient(hc))
		_, _, err := c.Admins.Me(ctx)
		if err != context.Canceled {
			t.Fatalf("err = %#v; want context.Canceled itself", err)
		}
	})
	t.Run("deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
		defer cancel()
		c, _ := newFake(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
		_, _, err := c.Admins.Me(ctx)
		if err != context.DeadlineExceeded {
			t.Fatalf("err = %v; want context.DeadlineExceeded", err)
		}
	})
}

// TestTokenNeverInErrors provokes every kind of failure against a server
// that echoes the Authorization header back wherever it can.
func TestTokenNeverInErrors(t *testing.T) {
	echo := func(status int, ct string, body func(auth string) string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			auth := r.Header.Get("Authorization")
			w.Header().Set("Content-Type", ct)
			w.Header().Set("X-Request-Id", auth)
			w.WriteHeader(status)
			io.WriteString(w, body(auth))
		}
	}
	jsonEcho := func(auth string) string {
		return errorList(auth, ErrorDetail{Code: "unauthorized " + auth, Message: "Access Token Invalid: " + auth, Field: auth})
	}
	htmlEcho := func(auth string) string {
		return "<html><body><h1>502</h1><pre>Authorization: " + auth + "</pre></body></html>"
	}
	longEcho := func(auth string) string { return strings.Repeat("x", 190) + auth }
	cases := []struct {
		name string
		h    http.HandlerFunc
	}{
		{"401 error.list", echo(401, "application/json", jsonEcho)},
		{"409 error.list", echo(409, "application/json", jsonEcho)},
		{"429 error.list", echo(429, "application/json", jsonEcho)},
		{"502 HTML", echo(502, "text/html", htmlEcho)},
		{"500 token across the excerpt cut", echo(500, "text/plain", longEcho)},
		{"200 HTML", echo(200, "text/html", htmlEcho)},
		{"200 truncated", echo(200, "application/json", func(auth string) string { return `{"type":"contact","id":"` + auth })},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newFake(t, tt.h)
			_, _, err := c.Contacts.Get(t.Context(), "a")
			if err == nil {
				t.Fatal("no error")
			}
			noToken(t, err)
			var er *ErrorResponse
			if errors.As(err, &er) {
				if strings.Contains(er.Code()+er.Message()+er.RequestID+er.Errors[0].Field, testToken) {
					t.Errorf("the token is in the error's fields: %+v", er)
				}
			}
		})
	}
	t.Run("transport", func(t *testing.T) {
		c, f := newFake(t, reply(200, "{}"))
		f.srv.Close()
		_, _, err := c.Contacts.Get(t.Context(), "a")
		noToken(t, err)
	})
}

func TestNewRequest(t *testing.T) {
	c, _ := NewClient(testToken, EU)
	req, err := c.NewRequest(t.Context(), "POST", "/contacts/search", nil, map[string]int{"n": 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := req.URL.String(); got != "https://api.eu.intercom.io/contacts/search" {
		t.Errorf("URL = %s", got)
	}
	if req.Header.Get("Content-Type") != "application/json" {
		t.Errorf("Content-Type = %q", req.Header.Get("Content-Type"))
	}
	if _, err := c.NewRequest(t.Context(), "POST", "contacts", nil, map[string]any{"bad": make(chan int)}); err == nil {
		t.Error("an unencodable body was accepted")
	}
	if _, err := c.NewRequest(t.Context(), "GET", "%zz", nil, nil); err == nil {
		t.Error("a bad path was accepted")
	}
	if _, err := c.NewRequest(t.Context(), "BAD METHOD", "me", nil, nil); err == nil {
		t.Error("a bad method was accepted")
	}
	c.UserAgent = ""
	req, _ = c.NewRequest(t.Context(), "GET", "me", nil, nil)
	if _, ok := req.Header["User-Agent"]; ok {
		t.Error("an empty UserAgent was sent")
	}
}

func TestPathSegment(t *testing.T) {
	tests := map[string]string{
		"6762f0dd1bb69f9f2193bb83": "6762f0dd1bb69f9f2193bb83",
		"a/b":                      "a%2Fb",
		"a b":                      "a%20b",
		"a?b#c":                    "a%3Fb%23c",
		".":                        "%2E",
		"..":                       "%2E%2E",
		"...":                      "...",
		"%2E":                      "%252E",
		"ä":                        "%C3%A4",
	}
	for in, want := range tests {
		if got := pathSegment(in); got != want {
			t.Errorf("pathSegment(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDecodeJSONKeepsNumbers(t *testing.T) {
	var v map[string]any
	if err := decodeJSON([]byte(` {"a": 12345678901234567, "b": 1.5} `+"\n"), &v); err != nil {
		t.Fatal(err)
	}
	if v["a"] != json.Number("12345678901234567") || v["b"] != json.Number("1.5") {
		t.Errorf("numbers changed: %#v", v)
	}
}

// TestRedirects: a GET follows a redirect; a POST or PUT redirected with a
// 301/302/303 (which Go would replay as a GET, whose answer would then be
// decoded as the write's result) stops at the 3xx; a 307 keeps the method
// and the body and is followed.
func TestRedirects(t *testing.T) {
	_, fake := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/old/me", "/old/contacts", "/old/contacts/a":
			http.Redirect(w, r, "/new"+strings.TrimPrefix(r.URL.Path, "/old"), http.StatusMovedPermanently)
		case "/old307/contacts":
			http.Redirect(w, r, "/new/contacts", http.StatusTemporaryRedirect)
		case "/new/me":
			reply(200, `{"type":"admin","id":"1"}`)(w, r)
		case "/new/contacts":
			if r.Method == "GET" {
				reply(200, `{"type":"list","data":[]}`)(w, r)
				return
			}
			reply(200, `{"type":"contact","id":"new"}`)(w, r)
		default:
			reply(404, "")(w, r)
		}
	})
	base := fake.srv.URL
	old, _ := NewClient(testToken, US, WithBaseURL(base+"/old"))

	if me, _, err := old.Admins.Me(t.Context()); err != nil || me.ID != "1" {
		t.Errorf("GET through a 301: %v, %v", me, err)
	}
	for _, write := range []func() (*Contact, *Response, error){
		func() (*Contact, *Response, error) {
			return old.Contacts.Create(t.Context(), &ContactRequest{Email: "a@example.com"})
		},
		func() (*Contact, *Response, error) {
			return old.Contacts.Update(t.Context(), "a", &ContactRequest{Name: Ptr("A")})
		},
	} {
		ct, resp, err := write()
		var se *ServerError
		if !errors.As(err, &se) || se.StatusCode != http.StatusMovedPermanently || ct != nil {
			t.Errorf("write through a 301 = %+v, %v; want a 301 *ServerError", ct, err)
		}
		if resp == nil || resp.StatusCode != 301 {
			t.Errorf("Response = %v", resp)
		}
	}
	for _, r := range fake.requests() {
		if r.Path == "/new/contacts" || r.Path == "/new/contacts/a" {
			t.Errorf("a write was replayed as %s %s", r.Method, r.Path)
		}
	}

	c307, _ := NewClient(testToken, US, WithBaseURL(base+"/old307"))
	ct, _, err := c307.Contacts.Create(t.Context(), &ContactRequest{Email: "a@example.com"})
	if err != nil || ct.ID != "new" {
		t.Fatalf("POST through a 307: %v, %v", ct, err)
	}
	last := fake.last(t)
	if last.Method != "POST" || last.Path != "/new/contacts" {
		t.Errorf("307 replayed as %s %s", last.Method, last.Path)
	}
	jsonEqual(t, last.Body, `{"email":"a@example.com"}`)
	checkHeaders(t, last, true)
}

func TestCheckRedirectLimit(t *testing.T) {
	get, _ := http.NewRequest("GET", "https://api.intercom.io/me", nil)
	via := make([]*http.Request, 10)
	for i := range via {
		via[i] = get
	}
	if err := checkRedirect(get, via); err == nil {
		t.Error("an 11th redirect is followed")
	}
}
