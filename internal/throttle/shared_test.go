package throttle

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/icmigrate/icmigrate/internal/redisconn/redistest"
	"github.com/icmigrate/icmigrate/pkg/intercom"
	"github.com/icmigrate/icmigrate/pkg/intercom/intercomtest"
)

// These tests run several "worker processes" (each its own Pool, Limiter,
// transport and connection pool) on the real Redis against one sandbox,
// which counts exactly like Intercom. A window costs 10 s of wall time, so
// they run in parallel and look at one or two windows each.

// record is one answer of the sandbox: the window it was counted in (from
// X-RateLimit-Reset), its status, the token it came with, when.
type record struct {
	window int64
	status int
	token  string
	at     time.Time
}

// recorder serves a sandbox and keeps what it answered.
type recorder struct {
	h     http.Handler
	on429 func()
	mu    sync.Mutex
	recs  []record
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(s int) { w.status = s; w.ResponseWriter.WriteHeader(s) }

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	at := time.Now()
	sw := &statusWriter{ResponseWriter: w, status: 200}
	r.h.ServeHTTP(sw, req)
	reset, _ := strconv.ParseInt(w.Header().Get("X-RateLimit-Reset"), 10, 64)
	tok := req.Header.Get("Authorization")
	r.mu.Lock()
	r.recs = append(r.recs, record{window: reset - windowSeconds, status: sw.status, token: tok, at: at})
	on := r.on429
	r.mu.Unlock()
	if sw.status == http.StatusTooManyRequests && on != nil {
		on()
	}
}

// windows sums the answers per window: accepted and 429.
type tally struct{ ok, limited int }

func (r *recorder) windows() map[int64]tally {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[int64]tally{}
	for _, rec := range r.recs {
		t := out[rec.window]
		if rec.status == http.StatusTooManyRequests {
			t.limited++
		} else {
			t.ok++
		}
		out[rec.window] = t
	}
	return out
}

func (r *recorder) byToken(window int64) map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]int{}
	for _, rec := range r.recs {
		if rec.window == window && rec.status != http.StatusTooManyRequests {
			out[rec.token]++
		}
	}
	return out
}

func newSandbox(t *testing.T, opts intercomtest.Options) (*intercomtest.Sandbox, *recorder, string) {
	t.Helper()
	opts.Unvalidated = true
	opts.Region = "eu"
	sb, _ := intercomtest.NewServer(t, opts)
	rec := &recorder{h: sb}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return sb, rec, srv.URL
}

// proc is one worker process: its own limiter, transport and client.
type proc struct {
	pool   *Pool
	client *intercom.Client
	counts *Counts
	lim    *Limiter
}

func newProc(t testing.TB, rdb redis.UniversalClient, workspace string, tokens []string, url string, cfg LimiterConfig) *proc {
	t.Helper()
	pool := NewPool(rdb, cfg)
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.MaxIdleConnsPerHost = 64
	t.Cleanup(base.CloseIdleConnections)
	counts := &Counts{}
	tr, err := pool.Transport(base, "destination", workspace, tokens, counts)
	if err != nil {
		t.Fatal(err)
	}
	c, err := intercom.NewClient(tokens[0], intercom.EU, intercom.WithBaseURL(url),
		intercom.WithHTTPClient(&http.Client{Transport: tr, Timeout: time.Minute}))
	if err != nil {
		t.Fatal(err)
	}
	return &proc{pool: pool, client: c, counts: counts, lim: tr.(*Shared).Limiter()}
}

func procs(t testing.TB, rdb redis.UniversalClient, n int, workspace string, tokens []string, url string, cfg LimiterConfig) []*proc {
	out := make([]*proc, n)
	for i := range out {
		out[i] = newProc(t, rdb, workspace, tokens, url, cfg)
	}
	return out
}

// hammer calls GET /me from `concurrency` goroutines of every process
// until ctx ends; wait waits for them and returns the calls answered.
func hammer(ctx context.Context, t testing.TB, ps []*proc, concurrency int) (wait func() int64) {
	var n atomic.Int64
	var wg sync.WaitGroup
	for _, p := range ps {
		for range concurrency {
			wg.Go(func() {
				for ctx.Err() == nil {
					_, _, err := p.client.Admins.Me(ctx)
					var pe *PausedError
					var rl *intercom.RateLimitError
					switch {
					case err == nil:
						n.Add(1)
					case ctx.Err() != nil:
					case errors.As(err, &pe), errors.As(err, &rl):
						// Sent back to the queue in a worker.
						time.Sleep(10 * time.Millisecond)
					default:
						t.Errorf("call: %v", err)
						return
					}
				}
			})
		}
	}
	return func() int64 { wg.Wait(); return n.Load() }
}

// windowStart is the Unix second the current 10-second window started at;
// when fewer than minLeft remain in it, it waits for the next.
func windowStart(minLeft time.Duration) int64 {
	now := time.Now()
	start := now.Unix() - now.Unix()%windowSeconds
	end := time.Unix(start+windowSeconds, 0)
	if end.Sub(now) < minLeft {
		time.Sleep(time.Until(end) + 20*time.Millisecond)
		start += windowSeconds
	}
	return start
}

// runUntil hammers until `until`.
func runUntil(t *testing.T, ps []*proc, concurrency int, until time.Time) {
	ctx, cancel := context.WithDeadline(context.Background(), until)
	defer cancel()
	hammer(ctx, t, ps, concurrency)()
}

// A window's budget goes in its first moments when callers wait for it, so
// a test looks at a window whose rest is at least a few seconds (windowStart)
// and stops soon after its budget is spent, not at its end.
const settle = 1500 * time.Millisecond

// TestSharedLimitAcrossProcesses: three processes of eight concurrent
// requests each spend a window's limit together (its first call probing the
// limit), and no more.
func TestSharedLimitAcrossProcesses(t *testing.T) {
	t.Parallel()
	rdb := redistest.Client(t)
	const perWindow = 20
	tok := unique("tok-")
	_, rec, url := newSandbox(t, intercomtest.Options{Tokens: []string{tok}, RateLimitPerMinute: perWindow * 6})
	ps := procs(t, rdb, 3, unique("ws-"), []string{tok}, url, LimiterConfig{})
	w0 := windowStart(3 * time.Second)
	runUntil(t, ps, 8, time.Now().Add(settle))
	wins := rec.windows()
	t.Logf("per window: %v", wins)
	if got := wins[w0]; got.ok != perWindow || got.limited != 0 || len(wins) != 1 {
		t.Errorf("window: %d accepted, %d 429s; want %d and 0", got.ok, got.limited, perWindow)
	}
	var rt, granted int64
	for _, p := range ps {
		st := p.lim.Stats()
		rt += st.RoundTrips
		granted += st.Granted
	}
	t.Logf("%d permits in %d round trips", granted, rt)
}

// TestShared429PausesEveryProcess: another integration spends the app's
// window; the one 429 a process gets stops every process until the reset.
func TestShared429PausesEveryProcess(t *testing.T) {
	t.Parallel()
	rdb := redistest.Client(t)
	const perWindow = 30
	tok := unique("tok-")
	_, rec, url := newSandbox(t, intercomtest.Options{Tokens: []string{tok}, RateLimitPerMinute: perWindow * 6})
	// The limiters know the limit already (no probe), so that their first
	// call is the one that meets the 429.
	cfg := LimiterConfig{AppLimit: perWindow, Probe: -1}
	ps := procs(t, rdb, 3, unique("ws-"), []string{tok}, url, cfg)
	w0 := windowStart(5 * time.Second)
	reset := time.Unix(w0+windowSeconds, 0)

	// The other integration, straight to the sandbox with the same token.
	other, err := intercom.NewClient(tok, intercom.EU, intercom.WithBaseURL(url))
	if err != nil {
		t.Fatal(err)
	}
	for {
		_, resp, err := other.Admins.Me(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if resp.Rate.Remaining == 0 {
			break
		}
	}

	limited := make(chan struct{})
	var once sync.Once
	rec.mu.Lock()
	rec.on429 = func() { once.Do(func() { close(limited) }) }
	rec.mu.Unlock()
	done := make(chan time.Time, 3)
	go func() {
		if _, _, err := ps[0].client.Admins.Me(context.Background()); err != nil {
			t.Error(err)
		}
		done <- time.Now()
	}()
	<-limited
	// The 429 reaches Redis: the app's count of the window is its limit.
	wkey := ps[0].lim.keys[1] + strconv.FormatInt(w0, 10)
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if n, _ := rdb.HGet(context.Background(), wkey, ps[0].lim.cfg.Apps[0]).Int(); n >= perWindow {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the 429 did not reach Redis")
		}
	}
	var wg sync.WaitGroup
	for _, p := range ps[1:] {
		for range 4 {
			wg.Go(func() {
				if _, _, err := p.client.Admins.Me(context.Background()); err != nil {
					t.Error(err)
				}
			})
		}
	}
	wg.Wait()
	if d := <-done; d.Before(reset) {
		t.Errorf("the process that got the 429 went on before the reset (%v early)", reset.Sub(d))
	}
	wins := rec.windows()
	t.Logf("per window: %v", wins)
	if got := wins[w0]; got.ok != perWindow || got.limited != 1 {
		t.Errorf("window of the 429: %d accepted, %d 429s; want %d (the other integration's) and 1", got.ok, got.limited, perWindow)
	}
	if got := wins[w0+windowSeconds]; got.ok != 9 || got.limited != 0 {
		t.Errorf("next window: %d accepted, %d 429s; want 9 and 0", got.ok, got.limited)
	}
}

// TestSharedThreeTokensReachWorkspaceLimit: three apps, each limited to 12
// a window, in a workspace limited to 30 (2.5 apps): the processes spread
// their calls over the apps and spend the workspace's whole window.
func TestSharedThreeTokensReachWorkspaceLimit(t *testing.T) {
	t.Parallel()
	rdb := redistest.Client(t)
	const app, ws = 12, 30
	toks := []string{unique("tok-a-"), unique("tok-b-"), unique("tok-c-")}
	_, rec, url := newSandbox(t, intercomtest.Options{Tokens: toks, RateLimitPerMinute: app * 6, WorkspaceRateLimitPerMinute: ws * 6})
	ps := procs(t, rdb, 3, unique("ws-"), toks, url, LimiterConfig{WorkspaceLimit: ws})
	w0 := windowStart(3 * time.Second)
	runUntil(t, ps, 8, time.Now().Add(settle))
	wins := rec.windows()
	t.Logf("per window: %v; by token: %v", wins, rec.byToken(w0))
	if got := wins[w0]; got.ok != ws || got.limited != 0 || len(wins) != 1 {
		t.Errorf("window: %d accepted, %d 429s; want %d and 0", got.ok, got.limited, ws)
	}
	by := rec.byToken(w0)
	if len(by) != 3 {
		t.Errorf("calls by token %v: want all three apps used", by)
	}
	for tok, n := range by {
		if n > app {
			t.Errorf("%s: %d calls, over its limit %d", tok, n, app)
		}
	}
}

// TestSharedFollowsLimitDrop: the app's limit drops mid-run; the next
// window is spent at the new limit without a 429.
func TestSharedFollowsLimitDrop(t *testing.T) {
	t.Parallel()
	rdb := redistest.Client(t)
	const before, after = 40, 20
	const concurrency = 4
	tok := unique("tok-")
	sb, rec, url := newSandbox(t, intercomtest.Options{Tokens: []string{tok}, RateLimitPerMinute: before * 6})
	ps := procs(t, rdb, 2, unique("ws-"), []string{tok}, url, LimiterConfig{})
	w0 := windowStart(3 * time.Second)
	time.AfterFunc(settle, func() { sb.SetRateLimit(after * 6) })
	runUntil(t, ps, concurrency, time.Unix(w0+windowSeconds, 0).Add(settle))
	wins := rec.windows()
	t.Logf("per window: %v", wins)
	if got := wins[w0]; got.limited > 2*concurrency {
		t.Errorf("window of the drop: %d 429s, more than the calls in flight", got.limited)
	}
	if got := wins[w0+windowSeconds]; got.ok != after || got.limited != 0 {
		t.Errorf("window after the drop: %d accepted, %d 429s; want %d and 0", got.ok, got.limited, after)
	}
}

// TestSharedPausedAndCancelled: through the client, a wait longer than
// MaxInlineWait is a PausedError (the engine's reschedule), and a request
// whose context ends while it waits returns at once with the context's
// error.
func TestSharedPausedAndCancelled(t *testing.T) {
	t.Parallel()
	rdb := redistest.Client(t)
	tok := unique("tok-")
	_, _, url := newSandbox(t, intercomtest.Options{Tokens: []string{tok}, RateLimitPerMinute: 2 * 6})
	ws := unique("ws-")
	windowStart(4 * time.Second)
	short := newProc(t, rdb, ws, []string{tok}, url, LimiterConfig{MaxInlineWait: 500 * time.Millisecond})
	patient := newProc(t, rdb, ws, []string{tok}, url, LimiterConfig{})
	for range 2 {
		if _, _, err := patient.client.Admins.Me(context.Background()); err != nil {
			t.Fatal(err)
		}
	}

	start := time.Now()
	_, _, err := short.client.Admins.Me(context.Background())
	var pe *PausedError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want a PausedError", err)
	}
	if time.Since(start) > 300*time.Millisecond || pe.Until.Before(start.Add(500*time.Millisecond)) {
		t.Errorf("paused until %v after %v", pe.Until.Sub(start), time.Since(start))
	}

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start = time.Now()
	_, _, err = patient.client.Admins.Me(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("returned %v after the cancel", d-200*time.Millisecond)
	}
}

// TestSharedSidesAreSeparate: a spent source workspace does not slow the
// destination.
func TestSharedSidesAreSeparate(t *testing.T) {
	t.Parallel()
	rdb := redistest.Client(t)
	srcTok, dstTok := unique("src-"), unique("dst-")
	_, _, srcURL := newSandbox(t, intercomtest.Options{Tokens: []string{srcTok}, RateLimitPerMinute: 1 * 6})
	_, _, dstURL := newSandbox(t, intercomtest.Options{Tokens: []string{dstTok}, RateLimitPerMinute: 100 * 6})
	windowStart(3 * time.Second)
	cfg := LimiterConfig{MaxInlineWait: 100 * time.Millisecond}
	src := newProc(t, rdb, unique("us:"), []string{srcTok}, srcURL, cfg)
	dst := newProc(t, rdb, unique("eu:"), []string{dstTok}, dstURL, cfg)
	if _, _, err := src.client.Admins.Me(context.Background()); err != nil {
		t.Fatal(err)
	}
	var pe *PausedError
	if _, _, err := src.client.Admins.Me(context.Background()); !errors.As(err, &pe) {
		t.Fatalf("source: err = %v, want a PausedError", err)
	}
	for range 10 {
		if _, _, err := dst.client.Admins.Me(context.Background()); err != nil {
			t.Fatalf("destination: %v", err)
		}
	}
}

func TestPoolTransport(t *testing.T) {
	rdb := redistest.Client(t)
	for _, tc := range []struct {
		name    string
		rdb     redis.UniversalClient
		tokens  []string
		wantErr bool
		local   bool
	}{
		{"shared", rdb, []string{"b", "a"}, false, false},
		{"local without Redis", nil, []string{"a"}, false, true},
		{"no token", rdb, nil, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := NewPool(tc.rdb, LimiterConfig{})
			tr, err := p.Transport(nil, "source", "", tc.tokens, nil)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v", err)
			}
			if err != nil {
				return
			}
			_, isLocal := tr.(*Transport)
			if isLocal != tc.local {
				t.Fatalf("transport %T", tr)
			}
			if !tc.local {
				// Same workspace and tokens: same limiter.
				tr2, _ := p.Transport(nil, "source", "", []string{"a", "b"}, nil)
				if tr.(*Shared).Limiter() != tr2.(*Shared).Limiter() {
					t.Fatal("two limiters for one workspace")
				}
				if len(p.Stats()) != 1 {
					t.Fatalf("stats %+v", p.Stats())
				}
			}
		})
	}
}
