package intercomtest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/icmigrate/icmigrate/internal/openapi/openapitest"
)

// A response that violates the spec is not sent: it is recorded and
// answered 500 sandbox_response_invalid. So is a handler panic.
func TestViolationsAreRecordedAndRefused(t *testing.T) {
	s, err := New(Options{Validator: openapitest.ForTest(t)})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		method  string
		path    string
		handler handlerFunc
		want    string
	}{
		{"wrong list type", "GET", "/tags", func(q *request) (int, any) {
			return 200, map[string]any{"type": "tag.list", "data": []any{}}
		}, "GET /tags -> 200"},
		{"tag id not a string", "GET", "/tags/{tag_id}", func(q *request) (int, any) {
			return 200, map[string]any{"type": "tag", "id": 5, "name": "x"}
		}, "GET /tags/{tag_id} -> 200"},
		{"error body without code", "GET", "/me", func(q *request) (int, any) {
			return 404, map[string]any{"type": "error.list", "errors": []any{map[string]any{"message": "x"}}}
		}, "GET /me -> 404"},
		{"panic", "GET", "/admins", func(q *request) (int, any) {
			panic("boom")
		}, "handler panic: boom"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Swap the handler of the route for this case.
			for _, c := range s.routes.routes {
				if c.r.method == tc.method && c.r.path == tc.path {
					old := c.r.handler
					c.r.handler = tc.handler
					defer func() { c.r.handler = old }()
				}
			}
			path := strings.ReplaceAll(tc.path, "{tag_id}", "1")
			req := httptest.NewRequest(tc.method, path, nil)
			req.Header.Set("Authorization", "Bearer "+DefaultToken)
			w := httptest.NewRecorder()
			before := len(s.ResponseViolations())
			s.ServeHTTP(w, req)
			if w.Code != http.StatusInternalServerError {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			var e errorBody
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Errors[0].Code != CodeResponseInvalid {
				t.Fatalf("body %s", w.Body)
			}
			v := s.ResponseViolations()
			if len(v) != before+1 || !strings.Contains(v[len(v)-1], tc.want) {
				t.Fatalf("violations %q, want one more containing %q", v, tc.want)
			}
		})
	}
}

func TestLimiterWindows(t *testing.T) {
	var l limiter
	l.init(60, 600) // 10 per window per app, 100 for the workspace
	tests := []struct {
		app       int
		at        int64
		allowed   bool
		remaining int
		reset     int64
	}{
		{0, 1009, true, 9, 1010},
		{0, 1010, true, 9, 1020}, // a new window at the boundary
		{1, 1019, true, 9, 1020},
		{0, -5, true, 9, 0}, // negative times floor to the window below
	}
	for _, tc := range tests {
		d := l.take(tc.app, time.Unix(tc.at, 0))
		if d.allowed != tc.allowed || d.remaining != tc.remaining || d.reset != tc.reset || d.limit != 10 {
			t.Errorf("take(%d, %d) = %+v", tc.app, tc.at, d)
		}
	}
	if PerWindow(10000) != 1666 || PerWindow(25000) != 4166 || PerWindow(1) != 1 {
		t.Error("PerWindow")
	}
}

func TestCursorRoundTrip(t *testing.T) {
	c := &contact{createdAt: 1_600_000_000, seq: 42}
	at, seq, ok := contactCursor.decode(contactCursor.encode(c.createdAt, c.seq))
	if !ok || at != c.createdAt || seq != c.seq {
		t.Fatalf("round trip: %d %d %v", at, seq, ok)
	}
	for _, bad := range []string{"", "!!", "c2J4MTox", "eHh4OjE6Mg"} {
		if _, _, ok := contactCursor.decode(bad); ok {
			t.Errorf("cursor %q accepted", bad)
		}
	}
}

func TestObjectIDsAreUniqueAndShaped(t *testing.T) {
	seen := map[string]bool{}
	for seq := int64(1); seq <= 100000; seq++ {
		id := objectID(1_600_000_000, 12345, seq)
		if len(id) != 24 || seen[id] {
			t.Fatalf("id %q (seq %d)", id, seq)
		}
		seen[id] = true
	}
	if objectID(1, 1, 1) == objectID(1, 2, 1) {
		t.Error("ids do not depend on the workspace")
	}
}
