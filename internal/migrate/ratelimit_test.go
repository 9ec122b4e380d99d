package migrate_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/internal/redisconn/redistest"
	"github.com/icmigrate/icmigrate/internal/secret"
	"github.com/icmigrate/icmigrate/internal/store"
	"github.com/icmigrate/icmigrate/internal/throttle"
	"github.com/icmigrate/icmigrate/pkg/intercom/intercomtest"
)

// outsider is another integration on the destination's app: before some of
// the workers' writes, it spends what is left of the app's window (GET /me
// until the sandbox answers 429), so that the write gets a real 429 from
// the sandbox, with its headers. It acts only in the first half of a
// window, so that the wait until the window ends (5 s or more) is always
// longer than the workers wait in place: their unit goes back to the queue.
type outsider struct {
	token string
	every int // workers' writes between two spends
	max   int // spends in all

	mu      sync.Mutex
	writes  int
	next    int
	spends  int
	calls   int // the outsider's own calls
	limited int // the outsider's own 429s
	// perWindow counts the workers' requests by window (Unix second it
	// starts at), for the log.
	perWindow map[int64]int
}

func (o *outsider) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		if o.perWindow == nil {
			o.perWindow = map[int64]int{}
		}
		now := time.Now().Unix()
		o.perWindow[now-now%intercomtest.WindowSeconds]++
		o.mu.Unlock()
		if r.Method == http.MethodPost {
			o.mu.Lock()
			o.writes++
			if o.spends < o.max && o.writes >= o.next && time.Now().Unix()%intercomtest.WindowSeconds < intercomtest.WindowSeconds/2 {
				o.spends++
				o.next = o.writes + o.every
				o.spend(next)
			}
			o.mu.Unlock()
		}
		next.ServeHTTP(w, r)
	})
}

// spend calls until the window is spent. Called with o.mu held.
func (o *outsider) spend(h http.Handler) {
	for range 10_000 {
		req := httptest.NewRequest(http.MethodGet, "/me", nil)
		req.Header.Set("Authorization", "Bearer "+o.token)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Intercom-Version", "2.14")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		o.calls++
		if rec.Code == http.StatusTooManyRequests {
			o.limited++
			return
		}
	}
}

// outcomes counts how units ended (migrate.Observer).
type outcomes struct {
	mu sync.Mutex
	by map[migrate.Outcome]int
}

func (o *outcomes) UnitStarted(string, string) {}
func (o *outcomes) UnitDone(_, _ string, outcome migrate.Outcome, _ time.Duration) {
	o.mu.Lock()
	o.by[outcome]++
	o.mu.Unlock()
}
func (o *outcomes) Records(string, string, map[string]int64) {}
func (o *outcomes) Transport(base http.RoundTripper, _, _ string) http.RoundTripper {
	return base
}

func (o *outcomes) get(outcome migrate.Outcome) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.by[outcome]
}

// TestRateLimitNeverArchives: two worker processes (engines of their own,
// so limiters of their own sharing Redis) migrate against a destination
// limited to 30 calls per 10-second window whose budget another
// integration spends now and then, so that the workers get real 429s and
// waits longer than they take in place. Where TestRateLimitWaits checks
// that such a run completes, this checks how: every wait that did not fit
// in place went back to the queue without spending a retry (asynq's
// Retried stays 0, its failure counter too), nothing was archived or
// recorded as a failure, a 429 seen by one process paused both (the 429s
// stay within what was in flight), and the workspaces are equal.
func TestRateLimitNeverArchives(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for rate-limit windows")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	rdb := redistest.Client(t)
	out := &outsider{token: dstToken, every: 20, max: 3}
	// Core entities only: about 150 destination calls, five windows or so.
	h := newHarnessWith(t, rdb, intercomtest.Options{Contacts: 40, Entities: []string{"contacts"}}, nil, out.wrap)
	h.dst.SetRateLimit(180) // 30 per window
	insp := asynq.NewInspectorFromRedisClient(rdb)
	t.Cleanup(func() { insp.DeleteQueue(h.queue, true) })

	// The limiters' keys are the test's own: other tests, perhaps running
	// at the same time on this Redis, have sandboxes of the same names
	// (workspaces are named by region and app id), and their limits and
	// calls must not count here.
	limits := throttle.LimiterConfig{KeyPrefix: "icm:rl:" + h.queue + ":",
		// Waits longer than 2 s go back to the queue.
		MaxInlineWait: 2 * time.Second}
	var tokens secret.Tokens
	tokens.Add(srcToken, dstToken)
	sched := migrate.NewEngine(migrate.Options{Redis: rdb, Tokens: &tokens, Queue: h.queue, RateLimits: limits})
	t.Cleanup(func() { sched.Close() })

	const processes, slots = 2, 3
	obs := &outcomes{by: map[migrate.Outcome]int{}}
	var engines []*migrate.Engine
	for range processes {
		e := migrate.NewEngine(migrate.Options{Redis: rdb, Tokens: &tokens, Queue: h.queue, Observer: obs, RateLimits: limits})
		t.Cleanup(func() { e.Close() })
		engines = append(engines, e)
		w := e.NewWorker(migrate.WorkerOptions{Concurrency: slots, PollInterval: 50 * time.Millisecond, ShutdownTimeout: 2 * time.Second})
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(w.Shutdown)
	}

	m, err := sched.Start(ctx, h.config())
	if err != nil {
		t.Fatal(err)
	}
	// What asynq holds while the run goes on: the tasks waiting for a
	// window (the retry set) and how often each was counted as retried.
	waiting := map[string]bool{}
	var maxRetried int
	var retriedErr string
	st, err := sched.Wait(ctx, m.ID, 100*time.Millisecond, func(*migrate.Status) {
		tasks, err := insp.ListRetryTasks(h.queue, asynq.PageSize(100))
		if err != nil {
			return // the queue exists once a task was enqueued
		}
		for _, ti := range tasks {
			if strings.Contains(ti.LastErr, "rate limit") {
				waiting[ti.ID] = true
			}
			if ti.Retried > maxRetried {
				maxRetried, retriedErr = ti.Retried, ti.LastErr
			}
		}
	})
	for i, e := range engines {
		for _, st := range e.RateLimitStats() {
			if st.Side == string(secret.Dest) {
				t.Logf("process %d, destination limiter: %d permits, %d waits in place, %d refused to go back to the queue, %d 429s", i, st.Granted, st.Waits, st.Paused, st.RateLimited)
			}
		}
	}
	out.mu.Lock()
	var windows []string
	first := slices.Min(slices.Collect(maps.Keys(out.perWindow)))
	for _, w := range slices.Sorted(maps.Keys(out.perWindow)) {
		windows = append(windows, fmt.Sprintf("+%ds:%d", w-first, out.perWindow[w]))
	}
	out.mu.Unlock()
	t.Logf("the workers' requests by window: %s", strings.Join(windows, " "))
	if err != nil && st != nil {
		for _, p := range st.Phases {
			t.Logf("%s: %d/%d units, %d done", p.Phase, p.UnitsDone, p.Units, p.Done)
		}
		t.Fatalf("wait: %v", err)
	}
	if st.Migration.State != store.StateDone {
		t.Fatalf("state %s: %s", st.Migration.State, st.Migration.Error)
	}

	out.mu.Lock()
	spends, outCalls, outLimited := out.spends, out.calls, out.limited
	out.mu.Unlock()
	workers429 := h.dst.RateLimited() - outLimited
	t.Logf("destination: %d calls by the workers, %d 429s to them; the other integration spent %d windows (%d calls); units handed back to the queue: %d; tasks seen waiting for a window in the retry set: %d",
		h.dst.TotalCalls()-outCalls, workers429, spends, outCalls, obs.get(migrate.OutcomeRateLimited), len(waiting))

	if spends == 0 {
		t.Fatal("the other integration never spent a window: the test did not test 429s")
	}
	// Each spend makes the write it preceded a 429; besides it, only
	// requests already holding a permit (one per slot) may get one before
	// the pause reaches every process.
	if workers429 < spends || workers429 > spends*(1+processes*slots) {
		t.Errorf("%d 429s to the workers for %d spent windows: want between %d and %d (a 429 pauses every process)", workers429, spends, spends, spends*(1+processes*slots))
	}
	if n := obs.get(migrate.OutcomeRateLimited); n == 0 {
		t.Error("no unit went back to the queue: the waits longer than MaxInlineWait were not exercised")
	}
	if n, d := obs.get(migrate.OutcomeRetry), obs.get(migrate.OutcomeDead); n+d > 0 {
		t.Errorf("%d unit runs failed (retry) and %d died: a rate limit must be neither", n, d)
	}
	if len(waiting) == 0 {
		t.Error("never saw a task waiting for a window in asynq's retry set")
	}
	if maxRetried > 0 {
		t.Errorf("a task was counted as retried %d times (last error %q): a rate-limit wait must not spend a retry", maxRetried, retriedErr)
	}
	qi, err := insp.GetQueueInfo(h.queue)
	if err != nil {
		t.Fatal(err)
	}
	if qi.Archived != 0 || qi.FailedTotal != 0 || qi.Retry != 0 {
		t.Errorf("queue: %d archived, %d failed in all, %d waiting to retry; want 0, 0, 0", qi.Archived, qi.FailedTotal, qi.Retry)
	}
	if st.UnitFailures != 0 {
		t.Errorf("%d units ran out of retries", st.UnitFailures)
	}
	if fs := failures(t, h); len(fs) > 0 {
		t.Fatalf("%d failures, first: %+v", len(fs), fs[0])
	}

	h.dst.SetRateLimit(600_000) // the comparison below reads without a limiter
	requireEqual(ctx, t, h, "")
	if got := h.dst.Count("contacts"); got != 40 {
		t.Fatalf("destination holds %d contacts, want 40", got)
	}
}
