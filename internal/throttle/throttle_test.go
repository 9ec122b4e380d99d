package throttle

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock advances only when the transport sleeps.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.slept = append(c.slept, d)
	c.now = c.now.Add(d)
	return nil
}

// server answers from a script of (status, remaining) per request and
// records the bodies it got.
func server(t *testing.T, clock *fakeClock, script []int, remaining []int) (*httptest.Server, *[]string) {
	var mu sync.Mutex
	var bodies []string
	i := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		reset := clock.Now().Truncate(10 * time.Second).Add(10 * time.Second)
		w.Header().Set("X-RateLimit-Limit", "100")
		w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(remaining[min(i, len(remaining)-1)]))
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
		w.WriteHeader(script[min(i, len(script)-1)])
		i++
	}))
	t.Cleanup(srv.Close)
	return srv, &bodies
}

func TestTransport(t *testing.T) {
	start := time.Unix(1_700_000_003, 0) // 3 s into a window: reset in 7 s
	for _, tc := range []struct {
		name        string
		script      []int
		remaining   []int
		maxInline   time.Duration
		calls       int
		wantStatus  []int
		wantPaused  bool
		wantSleeps  int
		minSlept    time.Duration
		wantBodies  int
		wantLimited int64
	}{
		{name: "429 waited out and retried with its body", script: []int{429, 200}, remaining: []int{0, 99},
			maxInline: 15 * time.Second, calls: 1, wantStatus: []int{200}, wantSleeps: 1, minSlept: 7 * time.Second, wantBodies: 2, wantLimited: 1},
		{name: "spent window pauses the next call", script: []int{200, 200}, remaining: []int{0, 99},
			maxInline: 15 * time.Second, calls: 2, wantStatus: []int{200, 200}, wantSleeps: 1, minSlept: 7 * time.Second, wantBodies: 2},
		{name: "long wait handed back as the 429", script: []int{429}, remaining: []int{0},
			maxInline: time.Second, calls: 1, wantStatus: []int{429}, wantBodies: 1, wantLimited: 1},
		{name: "paused bucket refuses without sending", script: []int{429}, remaining: []int{0},
			maxInline: time.Second, calls: 2, wantStatus: []int{429}, wantPaused: true, wantBodies: 1, wantLimited: 1},
		{name: "gives up after max attempts", script: []int{429}, remaining: []int{0},
			maxInline: time.Minute, calls: 1, wantStatus: []int{429}, wantSleeps: maxAttempts - 1, wantBodies: maxAttempts, wantLimited: maxAttempts},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := &fakeClock{now: start}
			srv, bodies := server(t, clock, tc.script, tc.remaining)
			tr := New(nil, nil)
			tr.Now, tr.Sleep, tr.MaxInlineWait = clock.Now, clock.Sleep, tc.maxInline
			hc := &http.Client{Transport: tr}
			var statuses []int
			var paused bool
			for range tc.calls {
				resp, err := hc.Post(srv.URL+"/contacts", "application/json", strings.NewReader(`{"email":"x"}`))
				var pe *PausedError
				if errors.As(err, &pe) {
					paused = true
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				statuses = append(statuses, resp.StatusCode)
			}
			if len(statuses) != len(tc.wantStatus) {
				t.Fatalf("statuses %v, want %v", statuses, tc.wantStatus)
			}
			for i := range statuses {
				if statuses[i] != tc.wantStatus[i] {
					t.Fatalf("statuses %v, want %v", statuses, tc.wantStatus)
				}
			}
			if paused != tc.wantPaused {
				t.Fatalf("paused = %v", paused)
			}
			if len(clock.slept) != tc.wantSleeps {
				t.Fatalf("slept %v, want %d sleeps", clock.slept, tc.wantSleeps)
			}
			if tc.wantSleeps > 0 && clock.slept[0] < tc.minSlept {
				t.Fatalf("slept %v, want at least %v (until the window resets)", clock.slept[0], tc.minSlept)
			}
			if len(*bodies) != tc.wantBodies {
				t.Fatalf("server got %d requests, want %d", len(*bodies), tc.wantBodies)
			}
			for _, b := range *bodies {
				if b != `{"email":"x"}` {
					t.Fatalf("body %q not replayed", b)
				}
			}
			if got := tr.Counts.RateLimited.Load(); got != tc.wantLimited {
				t.Fatalf("429s counted %d, want %d", got, tc.wantLimited)
			}
		})
	}
}

func TestTransportContextCancelledWhileWaiting(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	srv, _ := server(t, clock, []int{200}, []int{0})
	tr := New(nil, nil)
	tr.Now, tr.Sleep = clock.Now, clock.Sleep
	hc := &http.Client{Transport: tr}
	resp, err := hc.Get(srv.URL + "/me")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/me", nil)
	if _, err := hc.Do(req); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestIsWrite(t *testing.T) {
	for _, tc := range []struct {
		method, path string
		want         bool
	}{
		{"GET", "/contacts", false},
		{"POST", "/contacts", true},
		{"POST", "/contacts/search", false},
		{"PUT", "/contacts/1", true},
		{"DELETE", "/contacts/1", true},
		{"POST", "/tags", true},
	} {
		if got := IsWrite(tc.method, tc.path); got != tc.want {
			t.Errorf("IsWrite(%s %s) = %v", tc.method, tc.path, got)
		}
	}
}

func TestCounts(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	srv, _ := server(t, clock, []int{200}, []int{50})
	tr := New(nil, nil)
	hc := &http.Client{Transport: tr}
	for _, m := range []string{"GET", "POST", "PUT"} {
		req, _ := http.NewRequest(m, srv.URL+"/contacts", nil)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if tr.Counts.Reads.Load() != 1 || tr.Counts.Writes.Load() != 2 {
		t.Fatalf("reads %d writes %d", tr.Counts.Reads.Load(), tr.Counts.Writes.Load())
	}
}
