package throttle

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

func unique(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// scriptHarness runs the script on miniredis at a fixed Redis time.
type scriptHarness struct {
	t   *testing.T
	mr  *miniredis.Miniredis
	lim *Limiter
}

func newScriptHarness(t *testing.T, cfg LimiterConfig) *scriptHarness {
	t.Helper()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	if cfg.Workspace == "" {
		cfg.Workspace = "ws"
	}
	lim, err := NewLimiter(rdb, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &scriptHarness{t: t, mr: mr, lim: lim}
}

// at sets Redis's clock to a Unix time in milliseconds.
func (h *scriptHarness) at(ms int64) { h.mr.SetTime(time.UnixMilli(ms)) }

func (h *scriptHarness) call(want int, obs ...observation) reply {
	h.t.Helper()
	r, err := h.lim.call(want, obs)
	if err != nil {
		h.t.Fatal(err)
	}
	return r
}

// step is one script call at a Redis time, with what it must answer.
type step struct {
	atMs   int64 // Redis time, ms after the window start t0
	want   int
	obs    []observation
	status int64
	app    int   // 0-based, when granted
	n      int64 // permits, when granted
	until  int64 // ms after t0, when waiting (0: not checked)
	win    int64 // window of the permits, seconds after t0 (0: not checked)
}

func TestLimiterScript(t *testing.T) {
	const t0 = 1_700_000_000 * 1000 // a window start, in ms
	const w0 = t0 / 1000
	for _, tc := range []struct {
		name  string
		cfg   LimiterConfig
		steps []step
	}{
		{
			name: "app limit then wait until the window ends plus lag",
			cfg:  LimiterConfig{Apps: []string{"a"}, AppLimit: 5, Probe: -1, Lag: 100 * time.Millisecond},
			steps: []step{
				{atMs: 200, want: 3, status: statusGranted, app: 0, n: 3},
				{atMs: 300, want: 3, status: statusGranted, app: 0, n: 2},
				{atMs: 400, want: 1, status: statusWait, until: 10_100},
				{atMs: 10_050, want: 1, status: statusWait, until: 10_100}, // Intercom's window ended, ours not yet
				{atMs: 10_100, want: 4, status: statusGranted, app: 0, n: 4},
			},
		},
		{
			name: "a call in the lag after Intercom's window ended is charged to both windows",
			cfg:  LimiterConfig{Apps: []string{"a"}, AppLimit: 5, Probe: -1, Lag: 100 * time.Millisecond},
			steps: []step{
				{atMs: 9_000, want: 3, status: statusGranted, n: 3},
				{atMs: 10_050, want: 3, status: statusGranted, n: 2, win: 10},
				{atMs: 10_100, want: 5, status: statusGranted, n: 3, win: 10},
			},
		},
		{
			name: "workspace limit binds over rotating apps",
			cfg:  LimiterConfig{Apps: []string{"a", "b", "c"}, AppLimit: 4, WorkspaceLimit: 10, Probe: -1, Lag: -1},
			steps: []step{
				{atMs: 1, want: 4, status: statusGranted, app: 1, n: 4},
				{atMs: 2, want: 4, status: statusGranted, app: 2, n: 4},
				{atMs: 3, want: 4, status: statusGranted, app: 0, n: 2},
				{atMs: 4, want: 1, status: statusWait, until: 10_000},
			},
		},
		{
			name: "a spent app is skipped for the next",
			cfg:  LimiterConfig{Apps: []string{"a", "b"}, AppLimit: 2, Probe: -1, Lag: -1},
			steps: []step{
				{atMs: 1, want: 5, status: statusGranted, app: 1, n: 2},
				{atMs: 2, want: 5, status: statusGranted, app: 0, n: 2},
				{atMs: 3, want: 5, status: statusWait, until: 10_000},
			},
		},
		{
			name: "a smaller Remaining than ours is charged: someone else spends the budget",
			cfg:  LimiterConfig{Apps: []string{"a"}, AppLimit: 10, Probe: -1, Lag: -1},
			steps: []step{
				{atMs: 1, want: 2, status: statusGranted, n: 2},
				// Intercom: 3 left of 10, we spent 2: 5 went elsewhere.
				{atMs: 2, want: 10, obs: []observation{{kind: obsSeen, app: 0, w: w0, a: 3, b: 10}}, status: statusGranted, n: 3},
				{atMs: 3, want: 1, status: statusWait, until: 10_000},
			},
		},
		{
			name: "a Remaining that our calls in flight explain changes nothing",
			cfg:  LimiterConfig{Apps: []string{"a"}, AppLimit: 10, Probe: -1, Lag: -1},
			steps: []step{
				{atMs: 1, want: 6, status: statusGranted, n: 6},
				{atMs: 2, want: 10, obs: []observation{{kind: obsSeen, app: 0, w: w0, a: 8, b: 10}}, status: statusGranted, n: 4},
			},
		},
		{
			name: "a lower X-RateLimit-Limit applies at once",
			cfg:  LimiterConfig{Apps: []string{"a"}, AppLimit: 10, Probe: -1, Lag: -1},
			steps: []step{
				{atMs: 1, want: 6, status: statusGranted, n: 6},
				{atMs: 2, want: 1, obs: []observation{{kind: obsSeen, app: 0, w: w0, a: 0, b: 5}}, status: statusWait, until: 10_000},
				{atMs: 10_001, want: 9, status: statusGranted, n: 5},
			},
		},
		{
			name: "a limit reported in an older window does not undo a newer one",
			cfg:  LimiterConfig{Apps: []string{"a"}, AppLimit: 10, Probe: -1, Lag: -1},
			steps: []step{
				{atMs: 1, want: 0, obs: []observation{{kind: obsSeen, app: 0, w: w0, a: 9, b: 5}}, status: statusObserved},
				{atMs: 2, want: 9, obs: []observation{{kind: obsSeen, app: 0, w: w0 - 10, a: 9, b: 10}}, status: statusGranted, n: 5},
			},
		},
		{
			name: "a 429 spends the window for every process",
			cfg:  LimiterConfig{Apps: []string{"a"}, AppLimit: 10, Probe: -1, Lag: -1},
			steps: []step{
				{atMs: 1, want: 2, status: statusGranted, n: 2},
				{atMs: 2, want: 0, obs: []observation{{kind: obsSeen, app: 0, w: w0, a: 0, b: 10}}, status: statusObserved},
				{atMs: 3, want: 1, status: statusWait, until: 10_000},
			},
		},
		{
			name: "a call counted in the next window is moved there",
			cfg:  LimiterConfig{Apps: []string{"a"}, AppLimit: 3, Probe: -1, Lag: -1},
			steps: []step{
				{atMs: 9_999, want: 3, status: statusGranted, n: 3},
				{atMs: 10_001, want: 3, obs: []observation{{kind: obsAdjust, app: 0, w: w0, a: -1}, {kind: obsAdjust, app: 0, w: w0 + 10, a: 1}}, status: statusGranted, n: 2},
			},
		},
		{
			name: "a call Intercom counted in the previous window shifts our windows",
			cfg:  LimiterConfig{Apps: []string{"a"}, AppLimit: 3, Probe: -1, Lag: -1},
			steps: []step{
				// Granted at 10.02 s in our window w0+10; Intercom counted it
				// in w0 (its clock is behind) and refused it.
				{atMs: 10_020, want: 1, status: statusGranted, n: 1},
				{atMs: 10_030, want: 1, obs: []observation{{kind: obsAdjust, app: 0, w: w0 + 10, a: -1}, {kind: obsSeen, app: 0, w: w0, a: 0, b: 3}, {kind: obsSkew, app: 0, w: w0, a: t0 + 10_020}},
					// Our window is w0 again until 10.02 s + margin: spent.
					status: statusWait, until: 10_070},
				{atMs: 10_070, want: 3, status: statusGranted, n: 3},
			},
		},
		{
			name: "a 429 without a reset pauses the app",
			cfg:  LimiterConfig{Apps: []string{"a"}, AppLimit: 3, Probe: -1, Lag: -1},
			steps: []step{
				{atMs: 1, want: 1, obs: []observation{{kind: obsPause, app: 0, a: 10_000}}, status: statusWait, until: 10_001},
				{atMs: 10_001, want: 1, status: statusGranted, n: 1},
			},
		},
		{
			name: "an app cap below Intercom's limit binds",
			cfg:  LimiterConfig{Apps: []string{"a"}, AppLimit: 10, AppCap: 4, Probe: -1, Lag: -1},
			steps: []step{
				{atMs: 1, want: 3, status: statusGranted, n: 3},
				{atMs: 2, want: 3, obs: []observation{{kind: obsSeen, app: 0, w: w0, a: 7, b: 10}}, status: statusGranted, n: 1},
				{atMs: 3, want: 1, status: statusWait, until: 10_000},
			},
		},
		{
			name: "a reported limit below the cap wins",
			cfg:  LimiterConfig{Apps: []string{"a"}, AppLimit: 10, AppCap: 8, Probe: -1, Lag: -1},
			steps: []step{
				{atMs: 1, want: 0, obs: []observation{{kind: obsSeen, app: 0, w: w0, a: 5, b: 5}}, status: statusObserved},
				{atMs: 2, want: 9, status: statusGranted, n: 5},
			},
		},
		{
			name: "per-app caps override the cap of every app",
			cfg:  LimiterConfig{Apps: []string{"a", "b"}, AppLimit: 10, AppCap: 3, AppCaps: map[string]int{"b": 1, "x": 7}, Probe: -1, Lag: -1},
			steps: []step{
				{atMs: 1, want: 5, status: statusGranted, app: 1, n: 1},
				{atMs: 2, want: 5, status: statusGranted, app: 0, n: 3},
				{atMs: 3, want: 5, status: statusWait, until: 10_000},
			},
		},
		{
			name: "what others spend within the part a cap leaves them is not charged",
			cfg:  LimiterConfig{Apps: []string{"a"}, AppLimit: 10, AppCap: 6, Probe: -1, Lag: -1},
			steps: []step{
				{atMs: 1, want: 2, status: statusGranted, n: 2},
				// 5 left of 10, we spent 2: 3 went elsewhere, within the 4
				// the cap leaves.
				{atMs: 2, want: 10, obs: []observation{{kind: obsSeen, app: 0, w: w0, a: 5, b: 10}}, status: statusGranted, n: 4},
			},
		},
		{
			name: "what others spend beyond the part a cap leaves them is charged",
			cfg:  LimiterConfig{Apps: []string{"a"}, AppLimit: 10, AppCap: 6, Probe: -1, Lag: -1},
			steps: []step{
				{atMs: 1, want: 2, status: statusGranted, n: 2},
				// 1 left of 10, we spent 2: 7 went elsewhere, 3 beyond the 4
				// the cap leaves.
				{atMs: 2, want: 10, obs: []observation{{kind: obsSeen, app: 0, w: w0, a: 1, b: 10}}, status: statusGranted, n: 1},
				{atMs: 3, want: 1, status: statusWait, until: 10_000},
			},
		},
		{
			name: "an app of unknown limit is probed with one call",
			cfg:  LimiterConfig{Apps: []string{"a"}, AppLimit: 100, Lag: -1, Probe: 2 * time.Second},
			steps: []step{
				{atMs: 1, want: 8, status: statusGranted, n: 1},
				{atMs: 2, want: 8, status: statusWait, until: 52},
				{atMs: 60, want: 8, obs: []observation{{kind: obsSeen, app: 0, w: w0, a: 4, b: 5}}, status: statusGranted, n: 4},
			},
		},
		{
			name: "a probe without an answer falls back to the configured limit",
			cfg:  LimiterConfig{Apps: []string{"a"}, AppLimit: 3, Lag: -1, Probe: time.Second},
			steps: []step{
				{atMs: 1, want: 8, status: statusGranted, n: 1},
				{atMs: 1_001, want: 8, status: statusGranted, n: 2},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newScriptHarness(t, tc.cfg)
			for i, s := range tc.steps {
				h.at(t0 + s.atMs)
				r := h.call(s.want, s.obs...)
				if r.status != s.status {
					t.Fatalf("step %d: status %d, want %d (%+v)", i, r.status, s.status, r)
				}
				switch s.status {
				case statusGranted:
					if r.app != s.app || r.n != s.n {
						t.Fatalf("step %d: granted %d of app %d, want %d of app %d", i, r.n, r.app, s.n, s.app)
					}
					if s.win != 0 && r.window != w0+s.win {
						t.Fatalf("step %d: window +%d s, want +%d", i, r.window-w0, s.win)
					}
				case statusWait:
					if s.until != 0 && r.until != t0+s.until {
						t.Fatalf("step %d: wait until +%d ms, want +%d", i, r.until-t0, s.until)
					}
				}
			}
		})
	}
}

func TestLimiterKeysHoldNoToken(t *testing.T) {
	h := newScriptHarness(t, LimiterConfig{Workspace: "eu:a{b}c", Apps: []string{"fp1"}, Probe: -1})
	h.at(1_700_000_001_000)
	h.call(1)
	for _, k := range h.mr.Keys() {
		if k != "icm:rl:{eu_a_b_c}:cfg" && k != "icm:rl:{eu_a_b_c}:w:1700000000" {
			t.Errorf("unexpected key %q", k)
		}
	}
}

func TestObserve(t *testing.T) {
	hdr := func(limit, remaining, reset int64) http.Header {
		h := http.Header{}
		h.Set("X-RateLimit-Limit", strconv.FormatInt(limit, 10))
		h.Set("X-RateLimit-Remaining", strconv.FormatInt(remaining, 10))
		h.Set("X-RateLimit-Reset", strconv.FormatInt(reset, 10))
		return h
	}
	const w = 1_700_000_000
	p := Permit{App: 0, Window: w, grantMs: w*1000 + 500, limit: 100}
	for _, tc := range []struct {
		name   string
		status int
		h      http.Header
		want   []observation
	}{
		{"plain answer", 200, hdr(100, 50, w+10), []observation{{kind: obsSeen, w: w, a: 50, b: 100}}},
		{"no headers", 401, http.Header{}, nil},
		{"429", 429, hdr(100, 0, w+10), []observation{{kind: obsSeen, w: w, a: 0, b: 100}}},
		{"429 without reset", 429, http.Header{}, []observation{{kind: obsPause, a: 10_000}}},
		{"counted in the next window", 200, hdr(100, 99, w+20), []observation{{kind: obsAdjust, w: w, a: -1}, {kind: obsAdjust, w: w + 10, a: 1}, {kind: obsSeen, w: w + 10, a: 99, b: 100}}},
		{"refused in the previous window", 429, hdr(100, 0, w), []observation{{kind: obsAdjust, w: w, a: -1}, {kind: obsSeen, w: w - 10, a: 0, b: 100}, {kind: obsSkew, w: w - 10, a: w*1000 + 500}}},
		{"unaligned reset", 200, hdr(100, 7, w+13), []observation{{kind: obsSeen, w: w, a: 7, b: 100}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newScriptHarness(t, LimiterConfig{Apps: []string{"a"}})
			// Observe without a leader running: take the pending list.
			h.lim.mu.Lock()
			h.lim.leading = true
			h.lim.mu.Unlock()
			h.lim.Observe(p, tc.status, tc.h)
			h.lim.mu.Lock()
			got := h.lim.pending.take()
			h.lim.mu.Unlock()
			if len(got) != len(tc.want) {
				t.Fatalf("observations %+v, want %+v", got, tc.want)
			}
			for _, o := range tc.want {
				found := false
				for _, g := range got {
					found = found || g == o
				}
				if !found {
					t.Fatalf("observations %+v, want %+v", got, tc.want)
				}
			}
		})
	}
}

// TestObserveUrgency: what others must know at once wakes the process's
// caller to send it; an answer that only confirms the limit a permit was
// granted against (the app's cap, when below Intercom's) rides on the next
// round trip.
func TestObserveUrgency(t *testing.T) {
	const w = 1_700_000_000
	hdr := http.Header{}
	hdr.Set("X-RateLimit-Limit", "100")
	hdr.Set("X-RateLimit-Remaining", "60")
	hdr.Set("X-RateLimit-Reset", strconv.Itoa(w+10))
	for _, tc := range []struct {
		name        string
		cap         int
		permitLimit int64
		status      int
		urgent      bool
	}{
		{"same limit", 0, 100, 200, false},
		{"limit changed", 0, 50, 200, true},
		{"probe", 0, 0, 200, true},
		{"capped limit unchanged", 40, 40, 200, false},
		{"cap applied after a probe", 40, 0, 200, true},
		{"cap above the reported limit", 150, 100, 200, false},
		{"429", 0, 100, 429, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newScriptHarness(t, LimiterConfig{Apps: []string{"a"}, AppCap: tc.cap})
			h.lim.mu.Lock()
			h.lim.leading = true // no leader goroutine: the wake-up stays in the channel
			h.lim.mu.Unlock()
			h.lim.Observe(Permit{App: 0, Window: w, grantMs: w*1000 + 500, limit: tc.permitLimit}, tc.status, hdr)
			if got := len(h.lim.wake) == 1; got != tc.urgent {
				t.Fatalf("urgent = %v, want %v", got, tc.urgent)
			}
		})
	}
}

// TestAcquireBatchesWaiters checks that concurrent requests of a process
// share round trips, and that a wait too long for the request is a
// PausedError.
func TestAcquireBatchesWaiters(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	lim, err := NewLimiter(rdb, LimiterConfig{Workspace: "ws", Apps: []string{"a"}, AppLimit: 1000, Probe: -1, MaxBatch: 16})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			if _, err := lim.Acquire(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	st := lim.Stats()
	if st.Granted != 64 {
		t.Fatalf("granted %d", st.Granted)
	}
	if st.RoundTrips > 40 {
		t.Errorf("%d round trips for 64 concurrent permits: waiters should share them", st.RoundTrips)
	}
	t.Logf("64 permits in %d round trips", st.RoundTrips)
}

func TestAcquireLongWaitIsPaused(t *testing.T) {
	for _, tc := range []struct {
		name     string
		maxWait  time.Duration
		deadline time.Duration
	}{
		{"longer than MaxInlineWait", time.Second, 0},
		{"longer than the context's deadline", time.Minute, time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mr := miniredis.RunT(t)
			rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
			t.Cleanup(func() { rdb.Close() })
			lim, err := NewLimiter(rdb, LimiterConfig{Workspace: "ws", Apps: []string{"a"}, AppLimit: 5, Probe: -1, MaxInlineWait: tc.maxWait, Jitter: -1})
			if err != nil {
				t.Fatal(err)
			}
			// Early in a window (Redis time), spent by a 429.
			mr.SetTime(time.Unix(1_700_000_000, 0).Add(time.Second))
			lim.pending.addSeen(winApp{1_700_000_000, 0}, 0, 5)
			ctx := context.Background()
			if tc.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.deadline)
				defer cancel()
			}
			start := time.Now()
			_, err = lim.Acquire(ctx)
			var pe *PausedError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a PausedError", err)
			}
			if d := pe.Until.Sub(start); d < 8*time.Second || d > 10*time.Second {
				t.Fatalf("paused for %v, want the rest of the window (9.1 s)", d)
			}
			if time.Since(start) > 500*time.Millisecond {
				t.Fatal("a long wait was waited out")
			}
			if st := lim.Stats(); st.Paused != 1 {
				t.Fatalf("paused %d", st.Paused)
			}
			// Known now: the next request is refused without a round trip.
			rt := lim.Stats().RoundTrips
			if _, err := lim.Acquire(ctx); !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a PausedError", err)
			}
			if tc.deadline == 0 && lim.Stats().RoundTrips != rt {
				t.Fatal("a known pause cost a round trip")
			}
		})
	}
}

func TestAcquireContextCancelledWhileWaiting(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	lim, err := NewLimiter(rdb, LimiterConfig{Workspace: "ws", Apps: []string{"a"}, AppLimit: 1, Probe: -1})
	if err != nil {
		t.Fatal(err)
	}
	mr.SetTime(time.Unix(1_700_000_000, 0).Add(time.Second))
	if _, err := lim.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	if _, err := lim.Acquire(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("cancelled after %v", d)
	}
}
