package throttle

import (
	"sync/atomic"
	"time"
)

// Stats are a limiter's counters since it was built, for metrics: by side
// and workspace (the limiter) and by app (its buckets).
type Stats struct {
	Side, Workspace string
	// Granted is the number of permits handed to requests.
	Granted int64
	// Waits is the number of requests that waited for a window to end or a
	// pause to be over; WaitTime their total wait, MaxWait the longest.
	Waits    int64
	WaitTime time.Duration
	MaxWait  time.Duration
	// Paused is the number of requests refused with a *PausedError.
	Paused int64
	// RateLimited is the number of 429 answers.
	RateLimited int64
	// RoundTrips is the number of script calls to Redis; Errors those that
	// failed.
	RoundTrips, Errors int64
	Apps               []AppStats
}

// AppStats are the counters of one app (token) of the workspace.
type AppStats struct {
	// Fingerprint names the token (secret.Fingerprint).
	Fingerprint string
	Granted     int64
	RateLimited int64
	// Limit is the per-window limit of the app's last grant (0 before any,
	// or while the first call probes it).
	Limit int64
}

type counters struct {
	side, workspace                string
	granted, waits, waitNanos, max atomic.Int64
	paused, limited                atomic.Int64
	roundTrips, errors             atomic.Int64
	apps                           []appCounters
}

type appCounters struct {
	fp                      string
	granted, limited, limit atomic.Int64
}

func (c *counters) init(side, workspace string, fps []string) {
	c.side, c.workspace = side, workspace
	c.apps = make([]appCounters, len(fps))
	for i, fp := range fps {
		c.apps[i].fp = fp
	}
}

func (c *counters) grant(app int) {
	c.granted.Add(1)
	c.apps[app].granted.Add(1)
}

func (c *counters) rateLimited(app int) {
	c.limited.Add(1)
	c.apps[app].limited.Add(1)
}

func (c *counters) setLimit(app int, limit int64) { c.apps[app].limit.Store(limit) }

func (c *counters) wait(d time.Duration) {
	c.waits.Add(1)
	c.waitNanos.Add(int64(d))
	for {
		m := c.max.Load()
		if int64(d) <= m || c.max.CompareAndSwap(m, int64(d)) {
			return
		}
	}
}

// Stats returns a snapshot of the limiter's counters.
func (l *Limiter) Stats() Stats {
	c := &l.c
	s := Stats{
		Side: c.side, Workspace: c.workspace,
		Granted: c.granted.Load(), Waits: c.waits.Load(),
		WaitTime: time.Duration(c.waitNanos.Load()), MaxWait: time.Duration(c.max.Load()),
		Paused: c.paused.Load(), RateLimited: c.limited.Load(),
		RoundTrips: c.roundTrips.Load(), Errors: c.errors.Load(),
	}
	for i := range c.apps {
		a := &c.apps[i]
		s.Apps = append(s.Apps, AppStats{Fingerprint: a.fp, Granted: a.granted.Load(), RateLimited: a.limited.Load(), Limit: a.limit.Load()})
	}
	return s
}
