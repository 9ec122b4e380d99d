package throttle

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/icmigrate/icmigrate/internal/redisconn/redistest"
	"github.com/icmigrate/icmigrate/pkg/intercom"
	"github.com/icmigrate/icmigrate/pkg/intercom/intercomtest"
)

// The fleet benchmark: worker "processes" (each its own Redis client,
// limiter, transport and HTTP client) calling one destination sandbox
// through the real intercom.Client, on the real Redis. It is a test gated
// by ICMIGRATE_BENCH=1 that logs its figures, since what it measures is
// wall-clock windows, not a loop of b.N:
//
//	ICMIGRATE_BENCH=1 go test -run TestFleetBench -v -timeout 30m ./internal/throttle/
//
// Knobs (environment): ICMIGRATE_BENCH_SECONDS (60), ICMIGRATE_BENCH_LIMIT
// (300 calls per window), ICMIGRATE_BENCH_PROCS (4),
// ICMIGRATE_BENCH_CONCURRENCY (16), ICMIGRATE_BENCH_CALL (create: POST
// /contacts with distinct emails; me: GET /me), ICMIGRATE_BENCH_LATENCY
// (ms the sandbox adds to every answer, 0), ICMIGRATE_BENCH_SCENARIOS
// (one,three,drop). In "drop" the limit halves 300 ms into the first window
// after a third of the time: with a latency, while calls are in flight.

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// countingHook counts the commands a Redis client sends (a pipeline counts
// as one round trip).
type countingHook struct{ n *atomic.Int64 }

func (h countingHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h countingHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmd)
	}
}
func (h countingHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmds)
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type fleetResult struct {
	calls, limited       int
	wholeWindows         int
	wholeOK, wholeAllow  int
	redisCmds            int64
	scriptCalls, granted int64
	cpu                  time.Duration
	wins                 map[int64]tally
	start, end           int64
}

// runFleet runs procs x concurrency callers against url for d, calling as
// tokens, with the limiters configured by cfg; change, when not nil, runs
// after a third of d.
func runFleet(t *testing.T, url string, rec *recorder, tokens []string, cfg LimiterConfig, procsN, concurrency int, d time.Duration, call string, change func()) fleetResult {
	t.Helper()
	workspace := unique("bench-ws-")
	var cmds atomic.Int64
	var ps []*proc
	for range procsN {
		rdb := redistest.Client(t)
		rdb.AddHook(countingHook{&cmds})
		ps = append(ps, newProc(t, rdb, workspace, tokens, url, cfg))
	}
	var seq atomic.Int64
	prefix := unique("b")
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if change != nil {
		time.AfterFunc(d/3, change)
	}
	cpu0 := cpuTime()
	start := time.Now()
	var wg sync.WaitGroup
	for _, p := range ps {
		for range concurrency {
			wg.Go(func() {
				for ctx.Err() == nil {
					var err error
					if call == "me" {
						_, _, err = p.client.Admins.Me(ctx)
					} else {
						email := fmt.Sprintf("%s-%d@example.com", prefix, seq.Add(1))
						_, _, err = p.client.Contacts.Create(ctx, &intercom.ContactRequest{Role: "user", Email: email})
					}
					var pe *PausedError
					var rl *intercom.RateLimitError
					switch {
					case err == nil, ctx.Err() != nil:
					case errors.As(err, &pe), errors.As(err, &rl):
						// A worker would send the task back to the queue.
						time.Sleep(50 * time.Millisecond)
					default:
						t.Errorf("call: %v", err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	end := time.Now()
	r := fleetResult{cpu: cpuTime() - cpu0, redisCmds: cmds.Load(), wins: rec.windows(), start: start.Unix(), end: end.Unix()}
	for _, p := range ps {
		st := p.lim.Stats()
		r.scriptCalls += st.RoundTrips
		r.granted += st.Granted
	}
	for w, c := range r.wins {
		r.calls += c.ok + c.limited
		r.limited += c.limited
		if time.Unix(w, 0).After(start) && !time.Unix(w+windowSeconds, 0).After(end) {
			r.wholeWindows++
			r.wholeOK += c.ok
		}
	}
	return r
}

func (r fleetResult) log(t *testing.T, name string, allowPerWindow int) {
	r.wholeAllow = r.wholeWindows * allowPerWindow
	achieved := float64(r.wholeOK) / float64(max(r.wholeAllow, 1))
	t.Logf("%s: %d calls answered, %d whole windows: %d accepted of %d allowed = %.4f; 429s %d = %.4f%% of calls",
		name, r.calls, r.wholeWindows, r.wholeOK, r.wholeAllow, achieved, r.limited, 100*float64(r.limited)/float64(max(r.calls, 1)))
	t.Logf("%s: Redis commands %d = %.3f per call (script calls %d = %.3f per permit); process CPU %v = %v per call (sandbox, HTTP and limiter together)",
		name, r.redisCmds, float64(r.redisCmds)/float64(max(r.calls, 1)), r.scriptCalls, float64(r.scriptCalls)/float64(max(r.granted, 1)),
		r.cpu.Round(time.Millisecond), (r.cpu / time.Duration(max(r.calls, 1))).Round(time.Microsecond))
	if achieved < 0.97 {
		t.Errorf("%s: achieved %.4f of the allowed calls, want >= 0.97", name, achieved)
	}
	if float64(r.limited) > 0.001*float64(r.calls) {
		t.Errorf("%s: %d 429s in %d calls, want <= 0.1%%", name, r.limited, r.calls)
	}
}

func (r fleetResult) table() string {
	ws := make([]int64, 0, len(r.wins))
	for w := range r.wins {
		ws = append(ws, w)
	}
	slices.Sort(ws)
	s := ""
	for _, w := range ws {
		s += fmt.Sprintf(" +%ds:%d/%d", w-ws[0], r.wins[w].ok, r.wins[w].limited)
	}
	return s
}

func TestFleetBench(t *testing.T) {
	if os.Getenv("ICMIGRATE_BENCH") != "1" {
		t.Skip("set ICMIGRATE_BENCH=1 to run the fleet benchmark")
	}
	d := time.Duration(envInt("ICMIGRATE_BENCH_SECONDS", 60)) * time.Second
	limit := envInt("ICMIGRATE_BENCH_LIMIT", 300)
	procsN := envInt("ICMIGRATE_BENCH_PROCS", 4)
	conc := envInt("ICMIGRATE_BENCH_CONCURRENCY", 16)
	call := os.Getenv("ICMIGRATE_BENCH_CALL")
	if call == "" {
		call = "create"
	}
	latency := time.Duration(envInt("ICMIGRATE_BENCH_LATENCY", 0)) * time.Millisecond
	scenarios := os.Getenv("ICMIGRATE_BENCH_SCENARIOS")
	if scenarios == "" {
		scenarios = "one,three,drop"
	}
	want := func(s string) bool { return slices.Contains(strings.Split(scenarios, ","), s) }
	t.Logf("%d processes x %d concurrent callers, %s, %v, %d calls per window per app, sandbox latency %v", procsN, conc, call, d, limit, latency)

	if want("one") {
		t.Run("one token", func(t *testing.T) {
			tok := unique("tok-")
			_, rec, url := newSandbox(t, intercomtest.Options{Tokens: []string{tok}, RateLimitPerMinute: limit * 6, Latency: latency})
			r := runFleet(t, url, rec, []string{tok}, LimiterConfig{}, procsN, conc, d, call, nil)
			r.log(t, "one token", limit)
			t.Logf("per window (accepted/429):%s", r.table())
		})
	}
	if want("three") {
		t.Run("three tokens", func(t *testing.T) {
			toks := []string{unique("tok-a-"), unique("tok-b-"), unique("tok-c-")}
			ws := limit * 5 / 2
			_, rec, url := newSandbox(t, intercomtest.Options{Tokens: toks, RateLimitPerMinute: limit * 6, WorkspaceRateLimitPerMinute: ws * 6, Latency: latency})
			r := runFleet(t, url, rec, toks, LimiterConfig{WorkspaceLimit: ws}, procsN, conc, d, call, nil)
			r.log(t, "three tokens", ws)
			t.Logf("per window (accepted/429):%s", r.table())
			t.Logf("three tokens: %.2f times one app's limit", float64(r.wholeOK)/float64(max(r.wholeWindows*limit, 1)))
		})
	}
	if want("drop") {
		t.Run("limit drops", func(t *testing.T) {
			tok := unique("tok-")
			sb, rec, url := newSandbox(t, intercomtest.Options{Tokens: []string{tok}, RateLimitPerMinute: limit * 6, Latency: latency})
			var dropAt atomic.Int64
			r := runFleet(t, url, rec, []string{tok}, LimiterConfig{}, procsN, conc, d, call, func() {
				now := time.Now()
				time.Sleep(time.Until(time.Unix(now.Unix()-now.Unix()%windowSeconds+windowSeconds, 0).Add(300 * time.Millisecond)))
				sb.SetRateLimit(limit / 2 * 6)
				dropAt.Store(time.Now().UnixMilli())
			})
			drop := time.UnixMilli(dropAt.Load())
			dw := drop.Unix() - drop.Unix()%windowSeconds
			t.Logf("limit %d -> %d per window at %.1f s into window %d", limit, limit/2, float64(drop.UnixMilli()%10000)/1000, dw)
			t.Logf("per window (accepted/429):%s", r.table())
			before, after := r.wins[dw], r.wins[dw+windowSeconds]
			t.Logf("window of the drop: %d accepted, %d 429s (calls in flight at the drop); next window: %d accepted (limit %d), %d 429s",
				before.ok, before.limited, after.ok, limit/2, after.limited)
			if before.limited > procsN*conc {
				t.Errorf("%d 429s in the window of the drop: more than the %d calls that can be in flight", before.limited, procsN*conc)
			}
			var limitedAfter int
			for w, c := range r.wins {
				if w > dw {
					limitedAfter += c.limited
				}
			}
			t.Logf("429s in the windows after the drop's: %d; all 429s: %d of %d calls", limitedAfter, r.limited, r.calls)
			if dw+2*windowSeconds > r.end {
				t.Logf("the run ended before the window after the drop did: give it more time (ICMIGRATE_BENCH_SECONDS >= 40)")
				return
			}
			if after.ok > limit/2 || float64(after.ok) < 0.97*float64(limit/2) || after.limited > 0 || limitedAfter > 0 {
				t.Errorf("the window after the drop was not at the new limit without 429s")
			}
		})
	}
}

// BenchmarkLimiter measures what a permit costs the client: CPU time
// (process, per permit) and round trips, with Acquire and Observe as a
// transport makes them, from 64 goroutines, on the real Redis, with limits
// too high to wait. Redis's own time per script call is in INFO
// commandstats (cmdstat_evalsha).
//
//	go test -run '^$' -bench BenchmarkLimiter -benchtime 200000x ./internal/throttle/
func BenchmarkLimiter(b *testing.B) {
	rdb := redistest.Client(b)
	var cmds atomic.Int64
	rdb.AddHook(countingHook{&cmds})
	lim, err := NewLimiter(rdb, LimiterConfig{Workspace: unique("bench-ws-"), Apps: []string{"a", "b", "c"},
		AppLimit: 1 << 30, WorkspaceLimit: 1 << 30, Probe: -1})
	if err != nil {
		b.Fatal(err)
	}
	h := http.Header{}
	h.Set("X-RateLimit-Limit", strconv.Itoa(1<<30))
	b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
	cpu0 := cpuTime()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			p, err := lim.Acquire(context.Background())
			if err != nil {
				b.Error(err)
				return
			}
			h := h.Clone()
			h.Set("X-RateLimit-Remaining", strconv.Itoa(1<<29))
			h.Set("X-RateLimit-Reset", strconv.FormatInt(p.Window+windowSeconds, 10))
			lim.Observe(p, 200, h)
		}
	})
	b.StopTimer()
	cpu := cpuTime() - cpu0
	waitIdle(lim)
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/1000, "cpu-µs/permit")
	b.ReportMetric(float64(cmds.Load())/float64(b.N), "roundtrips/permit")
}

// waitIdle waits until the limiter's leader has sent what it had, so that a
// test's Redis client is not closed under it.
func waitIdle(l *Limiter) {
	for {
		l.mu.Lock()
		leading := l.leading
		l.mu.Unlock()
		if !leading {
			return
		}
		time.Sleep(time.Millisecond)
	}
}
