package throttle

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// The shared limiter: every worker process takes its permits to call one
// Intercom workspace from the same counters in Redis, so that the fleet
// together stays within the workspace's and each app's limit.
//
// Intercom counts in fixed 10-second windows aligned to Unix multiples of
// 10 s, per app and per workspace, and reports in every answer the app's
// per-window limit, what is left (the tighter of app and workspace) and when
// the window ends. The limiter mirrors that: a hash per window holds the
// count of every app and of the workspace; a permit is granted when both
// have budget left in the current window (by Redis's clock, TIME inside the
// script, never a worker's), and the app is chosen by rotation among those
// with budget; when none has, the caller waits until the window ends.
//
// Why not GCRA (go-redis/redis_rate): it spreads calls evenly at
// limit/10 s, so a window's budget that idle time, a pause or a slow start
// left unused is lost instead of spent later in the window; any burst it
// allows can straddle Intercom's window boundary and overrun the window; and
// Intercom's Remaining and Reset, facts about one fixed window, have nothing
// in a GCRA state to correct. Two buckets taken atomically, with the choice
// of app, take one script anyway.
//
// Answers correct the counters (see limiter.lua): X-RateLimit-Limit sets the
// app's limit (the first call to an app of unknown limit is a probe, alone
// until its answer says it); a Remaining below what our counts leave means
// someone else spends the budget, and the difference is charged to the
// window; a 429 marks the window spent (every process then waits for its
// end: that is the pause, until X-RateLimit-Reset, with each process's own
// jitter); a call Intercom counted in another window than the one it was
// granted in is moved there, and one counted in an earlier window shifts
// our windows (Redis's clock is ahead of Intercom's). Our windows start Lag
// after Intercom's; a call granted in that lag may land in either window
// and is charged to both. Observations ride on the process's next script
// call; the ones others must know at once (a 429, a changed limit, a window
// nearly spent, a clock skew) wake the process's caller to send them now.
//
// Within a process, requests waiting for a permit are served by one caller
// at a time, which asks for as many permits as there are waiters (up to
// MaxBatch) in one round trip: concurrent requests share round trips, and a
// permit is never fetched ahead of a request that needs it, so none is
// wasted at the end of a window.

//go:embed limiter.lua
var limiterSource string

var limiterScript = redis.NewScript(limiterSource)

// Intercom's documented limits, per 10-second window: 10,000 calls a minute
// per app, 25,000 per workspace.
const (
	DefaultAppLimit       = 10000 / 6
	DefaultWorkspaceLimit = 25000 / 6
	windowSeconds         = 10
)

// LimiterConfig configures a Limiter. Zero fields take the defaults.
type LimiterConfig struct {
	// Side labels the limiter's stats ("source", "destination").
	Side string
	// Workspace names the workspace's buckets in Redis (e.g. region and app
	// id_code). It must never contain a token.
	Workspace string
	// Apps are the fingerprints (secret.Fingerprint) of the workspace's
	// tokens, one per app; a permit names the app by its index here.
	Apps []string

	// AppLimit is the per-window limit of an app until Intercom reports its
	// own (X-RateLimit-Limit); default DefaultAppLimit.
	AppLimit int
	// WorkspaceLimit is the per-window limit of all apps together; Intercom
	// does not report it. Default DefaultWorkspaceLimit.
	WorkspaceLimit int
	// AppCap, when positive, caps every app's per-window limit: an app is
	// called as if its limit were the lower of AppCap and what Intercom
	// reports, e.g. to leave part of an app's budget to another integration
	// that uses the same app (its calls are charged against the rest only
	// once they exceed that part). AppCaps, by fingerprint, override it per
	// app; a fingerprint that is not one of Apps is ignored.
	AppCap  int
	AppCaps map[string]int
	// MaxInlineWait is the longest wait for a permit inside a request; a
	// longer one is a *PausedError. Default 15 s.
	MaxInlineWait time.Duration
	// MaxBatch is the most permits one round trip takes; default 16.
	MaxBatch int
	// Lag starts our windows this long after Redis's multiples of 10 s, so
	// that a clock skew between Redis and Intercom does not land a request
	// sent at the very start of a window in Intercom's previous, spent one.
	// A request granted in the lag is charged to both windows. Default
	// 100 ms; negative means none.
	Lag time.Duration
	// MaxOffset bounds the extra shift learned from answers that landed in
	// an earlier window than granted (Redis's clock ahead). Default 2 s.
	MaxOffset time.Duration
	// Jitter is the most random delay added to each process's wake-up after
	// a wait, so that the fleet does not hit a new window in the same
	// millisecond. Default 250 ms; negative means none.
	Jitter time.Duration
	// Probe is how long the first call to an app whose limit is unknown has
	// to report it before the others call at AppLimit. Default 2 s; negative
	// means no probe.
	Probe time.Duration
	// KeyPrefix of every key; default "icm:rl:".
	KeyPrefix string
	// RedisTimeout bounds one script call; default 5 s.
	RedisTimeout time.Duration
}

// capOf is the cap of app i (0: none).
func (c *LimiterConfig) capOf(i int) int {
	if n := c.AppCaps[c.Apps[i]]; n > 0 {
		return n
	}
	return max(c.AppCap, 0)
}

// effectiveLimit is the limit app i is granted against when Intercom
// reports limit for it.
func (c *LimiterConfig) effectiveLimit(i int, limit int64) int64 {
	if cp := int64(c.capOf(i)); cp > 0 && cp < limit {
		return cp
	}
	return limit
}

func (c *LimiterConfig) defaults() {
	if c.AppLimit <= 0 {
		c.AppLimit = DefaultAppLimit
	}
	if c.WorkspaceLimit <= 0 {
		c.WorkspaceLimit = DefaultWorkspaceLimit
	}
	if c.MaxInlineWait <= 0 {
		c.MaxInlineWait = 15 * time.Second
	}
	if c.MaxBatch <= 0 {
		c.MaxBatch = 16
	}
	if c.Lag == 0 {
		c.Lag = 100 * time.Millisecond
	}
	c.Lag = max(c.Lag, 0)
	if c.MaxOffset <= 0 {
		c.MaxOffset = 2 * time.Second
	}
	if c.Jitter == 0 {
		c.Jitter = 250 * time.Millisecond
	}
	c.Jitter = max(c.Jitter, 0)
	if c.Probe == 0 {
		c.Probe = 2 * time.Second
	}
	c.Probe = max(c.Probe, 0)
	if c.KeyPrefix == "" {
		c.KeyPrefix = "icm:rl:"
	}
	if c.RedisTimeout <= 0 {
		c.RedisTimeout = 5 * time.Second
	}
}

// Permit is the right to send one request with one app's token.
type Permit struct {
	// App is the index in LimiterConfig.Apps of the app to call as.
	App int
	// Window is the Unix second the window of the permit starts at.
	Window int64

	grantMs int64     // Redis time of the grant
	limit   int64     // the limit the grant was made against (0: a probe)
	expires time.Time // the end of Window, by the local clock
}

// Limiter hands out permits for one workspace, shared through Redis with
// every other process that has a Limiter for the same workspace.
type Limiter struct {
	rdb  redis.Scripter
	cfg  LimiterConfig
	keys []string
	c    counters

	wake chan struct{}

	mu      sync.Mutex
	waiters []*waiter
	leading bool
	spare   []Permit
	// closedUntil: a wait longer than MaxInlineWait is known until then;
	// requests are refused without asking Redis again.
	closedUntil time.Time
	// sleepUntil is when the sleeping leader wakes up.
	sleepUntil time.Time
	pending    pending
	// lowSent remembers the windows whose nearly spent budget this process
	// already reported at once, per app.
	lowSent map[winApp]bool
}

type winApp struct {
	w   int64
	app int
}

type waiter struct {
	ctx    context.Context
	ch     chan result // buffered: the leader never blocks
	state  int         // under Limiter.mu: waiting, delivered, gone
	waited bool        // the leader slept while this one waited
}

const (
	waiting = iota
	delivered
	gone
)

type result struct {
	p   Permit
	err error
}

// NewLimiter returns a limiter on rdb. cfg.Workspace and cfg.Apps are
// required.
func NewLimiter(rdb redis.Scripter, cfg LimiterConfig) (*Limiter, error) {
	if rdb == nil {
		return nil, errors.New("throttle: no Redis")
	}
	if cfg.Workspace == "" || len(cfg.Apps) == 0 {
		return nil, errors.New("throttle: a limiter needs a workspace and at least one app")
	}
	cfg.Apps = append([]string(nil), cfg.Apps...)
	cfg.AppCaps = maps.Clone(cfg.AppCaps)
	cfg.defaults()
	ws := sanitize(cfg.Workspace)
	l := &Limiter{
		rdb: rdb,
		cfg: cfg,
		// The hash tag keeps a workspace's keys in one Cluster slot: the
		// script builds window keys itself.
		keys:    []string{cfg.KeyPrefix + "{" + ws + "}:cfg", cfg.KeyPrefix + "{" + ws + "}:w:"},
		wake:    make(chan struct{}, 1),
		lowSent: map[winApp]bool{},
	}
	l.c.init(cfg.Side, cfg.Workspace, cfg.Apps)
	return l, nil
}

// sanitize keeps a workspace name from breaking the key layout (braces
// would move the hash tag, colons the separators).
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, s)
}

// Config is the limiter's configuration, defaults filled in.
func (l *Limiter) Config() LimiterConfig { return l.cfg }

// Acquire waits for a permit: as long as the context allows, and at most
// MaxInlineWait; a longer wait is a *PausedError saying until when.
func (l *Limiter) Acquire(ctx context.Context) (Permit, error) {
	if err := ctx.Err(); err != nil {
		return Permit{}, err
	}
	start := time.Now()
	l.mu.Lock()
	if p, ok := l.takeSpare(start); ok {
		l.mu.Unlock()
		l.c.grant(p.App)
		return p, nil
	}
	if l.closedUntil.After(start) {
		until := l.closedUntil
		l.mu.Unlock()
		l.c.paused.Add(1)
		return Permit{}, &PausedError{Until: until}
	}
	w := &waiter{ctx: ctx, ch: make(chan result, 1)}
	if l.sleepUntil.After(start) {
		// The leader waits out a spent window: so will this request.
		if dl, ok := ctx.Deadline(); ok && dl.Before(l.sleepUntil) {
			until := l.sleepUntil
			l.mu.Unlock()
			l.c.paused.Add(1)
			return Permit{}, &PausedError{Until: until}
		}
		w.waited = true
	}
	l.waiters = append(l.waiters, w)
	l.ensureLeader()
	l.mu.Unlock()

	var r result
	select {
	case r = <-w.ch:
	case <-ctx.Done():
		l.mu.Lock()
		if w.state == delivered {
			// Granted in the same instant: keep the permit for the next
			// request rather than waste it.
			r = <-w.ch
			if r.err == nil {
				l.spare = append(l.spare, r.p)
			}
		}
		w.state = gone
		l.mu.Unlock()
		return Permit{}, ctx.Err()
	}
	if w.waited {
		l.c.wait(time.Since(start))
	}
	if r.err != nil {
		var pe *PausedError
		if errors.As(r.err, &pe) {
			l.c.paused.Add(1)
		}
		return Permit{}, r.err
	}
	l.c.grant(r.p.App)
	return r.p, nil
}

func (l *Limiter) takeSpare(now time.Time) (Permit, bool) {
	for len(l.spare) > 0 {
		p := l.spare[len(l.spare)-1]
		l.spare = l.spare[:len(l.spare)-1]
		if now.Before(p.expires) {
			return p, true
		}
	}
	return Permit{}, false
}

// ensureLeader starts the goroutine that talks to Redis for this process,
// unless it runs. Called with l.mu held.
func (l *Limiter) ensureLeader() {
	if !l.leading {
		l.leading = true
		go l.lead()
	}
}

// kick sends urgent observations now, waking the leader if it sleeps.
func (l *Limiter) kick() {
	l.mu.Lock()
	l.ensureLeader()
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// live drops the waiters that left and counts those still waiting whose
// context is alive. Called with l.mu held.
func (l *Limiter) live() int {
	n := 0
	kept := l.waiters[:0]
	for _, w := range l.waiters {
		if w.state != waiting {
			continue
		}
		kept = append(kept, w)
		if w.ctx.Err() == nil {
			n++
		}
	}
	clear(l.waiters[len(kept):])
	l.waiters = kept
	return n
}

// deliver hands r to the first waiter still waiting; false when there is
// none. Called with l.mu held.
func (l *Limiter) deliver(r result) bool {
	for _, w := range l.waiters {
		if w.state == waiting && w.ctx.Err() == nil {
			w.state = delivered
			w.ch <- r
			return true
		}
	}
	return false
}

// lead serves the process's waiters until there are none: one script call
// for all of them (up to MaxBatch), carrying the pending observations.
func (l *Limiter) lead() {
	for {
		l.mu.Lock()
		for now := time.Now(); ; {
			// A permit left by a waiter that gave up goes to the next one.
			p, ok := l.takeSpare(now)
			if !ok {
				break
			}
			if !l.deliver(result{p: p}) {
				l.spare = append(l.spare, p)
				break
			}
		}
		n := min(l.live(), l.cfg.MaxBatch)
		obs := l.pending.take()
		if n == 0 && len(obs) == 0 {
			l.leading = false
			l.mu.Unlock()
			return
		}
		l.mu.Unlock()

		rep, err := l.call(n, obs)
		local := time.Now()

		l.mu.Lock()
		if err != nil {
			// Redis is the queue too: without it nothing runs anyway. Fail
			// the waiters (their task is retried) rather than call Intercom
			// unthrottled.
			for l.deliver(result{err: err}) {
			}
			l.mu.Unlock()
			continue
		}
		switch rep.status {
		case statusGranted:
			expires := local.Add(time.Duration(rep.until-rep.now) * time.Millisecond)
			for range rep.n {
				p := Permit{App: rep.app, Window: rep.window, grantMs: rep.now, limit: rep.limit, expires: expires}
				if !l.deliver(result{p: p}) {
					l.spare = append(l.spare, p)
				}
			}
			l.c.setLimit(rep.app, rep.limit)
			l.mu.Unlock()
			continue
		case statusObserved:
			l.mu.Unlock()
			continue
		}
		// Wait until the window ends or a pause is over, plus jitter.
		d := time.Duration(rep.until-rep.now) * time.Millisecond
		if l.cfg.Jitter > 0 {
			d += rand.N(l.cfg.Jitter)
		}
		until := local.Add(d)
		if d > l.cfg.MaxInlineWait {
			l.closedUntil = until
			for l.deliver(result{err: &PausedError{Until: until}}) {
			}
			l.mu.Unlock()
			continue
		}
		for _, w := range l.waiters {
			if w.state != waiting {
				continue
			}
			if dl, ok := w.ctx.Deadline(); ok && dl.Before(until) {
				// It would fail with DeadlineExceeded (a spent retry):
				// send it back to the queue instead.
				w.state = delivered
				w.ch <- result{err: &PausedError{Until: until}}
				continue
			}
			w.waited = true
		}
		l.sleepUntil = until
		l.mu.Unlock()
		l.sleep(d)
		l.mu.Lock()
		l.sleepUntil = time.Time{}
		l.mu.Unlock()
	}
}

// sleep waits d, or until urgent observations are to be sent.
func (l *Limiter) sleep(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-l.wake:
	}
}

const (
	statusObserved = 0
	statusGranted  = 1
	statusWait     = 2
)

type reply struct {
	app                                         int
	status, n, window, until, now, count, limit int64
}

// call is one round trip: observations in, permits or a wait out.
func (l *Limiter) call(want int, obs []observation) (reply, error) {
	ctx, cancel := context.WithTimeout(context.Background(), l.cfg.RedisTimeout)
	defer cancel()
	args := make([]any, 0, 8+2*len(l.cfg.Apps)+5*len(obs))
	args = append(args, want, l.cfg.Lag.Milliseconds(), l.cfg.AppLimit, l.cfg.WorkspaceLimit,
		l.cfg.Probe.Milliseconds(), l.cfg.MaxOffset.Milliseconds(), len(l.cfg.Apps))
	for _, fp := range l.cfg.Apps {
		args = append(args, fp)
	}
	for i := range l.cfg.Apps {
		args = append(args, l.cfg.capOf(i))
	}
	args = append(args, len(obs))
	for _, o := range obs {
		args = append(args, o.kind, o.app+1, o.w, o.a, o.b)
	}
	l.c.roundTrips.Add(1)
	v, err := limiterScript.Run(ctx, l.rdb, l.keys, args...).Int64Slice()
	if err != nil {
		l.c.errors.Add(1)
		return reply{}, fmt.Errorf("rate limiter (%s %s): %w", l.cfg.Side, l.cfg.Workspace, err)
	}
	if len(v) != 8 {
		l.c.errors.Add(1)
		return reply{}, fmt.Errorf("rate limiter: unexpected reply %v", v)
	}
	rep := reply{status: v[0], app: int(v[1] - 1), n: v[2], window: v[3], until: v[4], now: v[5], count: v[6], limit: v[7]}
	if rep.status == statusGranted && (rep.app < 0 || rep.app >= len(l.cfg.Apps) || rep.n <= 0) {
		l.c.errors.Add(1)
		return reply{}, fmt.Errorf("rate limiter: unexpected reply %v", v)
	}
	return rep, nil
}

// Observation kinds, as limiter.lua reads them.
const (
	obsSeen   = 1
	obsAdjust = 2
	obsSkew   = 3
	obsPause  = 4
)

type observation struct {
	kind, app int
	w, a, b   int64
}

// pending are observations waiting for the next round trip, merged: the
// least Remaining per window and app, net count adjustments.
type pending struct {
	seen   map[winApp][2]int64 // remaining, limit
	adjust map[winApp]int64
	other  []observation
}

func (p *pending) take() []observation {
	var out []observation
	// Adjustments first: a count moved out of a window must not undo a
	// Remaining seen in it.
	for k, d := range p.adjust {
		if d != 0 {
			out = append(out, observation{kind: obsAdjust, app: k.app, w: k.w, a: d})
		}
	}
	for k, v := range p.seen {
		out = append(out, observation{kind: obsSeen, app: k.app, w: k.w, a: v[0], b: v[1]})
	}
	out = append(out, p.other...)
	clear(p.adjust)
	clear(p.seen)
	p.other = p.other[:0]
	return out
}

func (p *pending) addSeen(k winApp, remaining, limit int64) {
	if p.seen == nil {
		p.seen = map[winApp][2]int64{}
	}
	if v, ok := p.seen[k]; ok && v[0] <= remaining {
		return
	}
	p.seen[k] = [2]int64{remaining, limit}
}

func (p *pending) addAdjust(k winApp, d int64) {
	if p.adjust == nil {
		p.adjust = map[winApp]int64{}
	}
	p.adjust[k] += d
}

// Rate is what one answer said about the rate limit.
type Rate struct {
	Limit, Remaining int64
	// Reset is the Unix second the window ends at.
	Reset int64
}

// ParseRate reads the X-RateLimit-* headers; ok is false when they are
// missing (an unauthenticated answer) or malformed.
func ParseRate(h http.Header) (r Rate, ok bool) {
	var err1, err2, err3 error
	r.Limit, err1 = strconv.ParseInt(h.Get("X-RateLimit-Limit"), 10, 64)
	r.Remaining, err2 = strconv.ParseInt(h.Get("X-RateLimit-Remaining"), 10, 64)
	r.Reset, err3 = strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64)
	return r, err1 == nil && err2 == nil && err3 == nil && r.Limit > 0 && r.Reset > 0
}

// Observe reports the answer a permit's request got (status, X-RateLimit-*
// headers) so that the shared counters follow what Intercom counted.
func (l *Limiter) Observe(p Permit, status int, h http.Header) {
	rate, ok := ParseRate(h)
	limited := status == http.StatusTooManyRequests
	if limited {
		l.c.rateLimited(p.App)
	}
	urgent := false
	l.mu.Lock()
	switch {
	case !ok:
		if limited {
			// A 429 without a reset time: pause the app one window.
			l.pending.other = append(l.pending.other, observation{kind: obsPause, app: p.App, a: windowSeconds * 1000})
			urgent = true
		}
	case rate.Reset%windowSeconds != 0 || rate.Reset-windowSeconds < p.Window-windowSeconds || rate.Reset-windowSeconds > p.Window+windowSeconds:
		// Not a window of ours (not aligned, or far from the one granted):
		// a clock or a proxy we do not understand. Take the limit and the
		// Remaining as if for the permit's window.
		remaining := rate.Remaining
		if limited {
			remaining = 0
		}
		l.pending.addSeen(winApp{p.Window, p.App}, remaining, rate.Limit)
		urgent = limited || l.cfg.effectiveLimit(p.App, rate.Limit) != p.limit
	default:
		w := rate.Reset - windowSeconds
		if w != p.Window {
			// Intercom counted it in another window than it was granted in:
			// move the count (a 429 counts nowhere).
			l.pending.addAdjust(winApp{p.Window, p.App}, -1)
			if !limited {
				l.pending.addAdjust(winApp{w, p.App}, 1)
			}
			if w < p.Window {
				l.pending.other = append(l.pending.other, observation{kind: obsSkew, app: p.App, w: w, a: p.grantMs})
				urgent = true
			}
		}
		remaining := rate.Remaining
		if limited {
			remaining = 0
			urgent = true
		}
		l.pending.addSeen(winApp{w, p.App}, remaining, rate.Limit)
		if l.cfg.effectiveLimit(p.App, rate.Limit) != p.limit {
			urgent = true
		}
		// Nearly spent: others must stop now, not at their next call.
		if low := max(rate.Limit/20, 1); remaining <= low && !limited {
			k := winApp{w, p.App}
			if !l.lowSent[k] {
				if len(l.lowSent) > 64 {
					clear(l.lowSent)
				}
				l.lowSent[k] = true
				urgent = true
			}
		}
	}
	l.mu.Unlock()
	if urgent {
		l.kick()
	}
}
