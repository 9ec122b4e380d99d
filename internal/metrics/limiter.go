package metrics

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/icmigrate/icmigrate/internal/throttle"
)

// LimiterStats are the counters of one rate limiter of the process (one per
// side and workspace), cumulative since it was built. They are read at each
// scrape; several limiters of the same side and workspace are summed.
type LimiterStats struct {
	// Side is "source" or "destination"; Workspace names the workspace
	// (region and app id_code, or a token fingerprint): never a token.
	Side, Workspace string
	// Permits granted; Waits, the requests that waited for a window or a
	// pause, and WaitSeconds their total wait; Pauses, the requests refused
	// because the wait was too long (their unit went back to the queue);
	// RateLimited, the 429 answers seen.
	Permits, Waits, Pauses, RateLimited int64
	WaitSeconds                         float64
	// WindowLimit is the calls allowed per 10-second window (0: unknown).
	WindowLimit int64
	// RoundTrips and Errors are the limiter's calls to Redis.
	RoundTrips, Errors int64
}

// LimiterSource reports the process's limiters; it is called at every
// scrape and must be quick (atomic loads).
type LimiterSource func() []LimiterStats

// SetLimiterSource plugs the rate limiter's counters in (nil unplugs them):
// e.g. r.SetLimiterSource(metrics.FromThrottle(pool.Stats)).
func (r *Registry) SetLimiterSource(src LimiterSource) {
	r.limiter.mu.Lock()
	r.limiter.src = src
	r.limiter.mu.Unlock()
}

// FromThrottle adapts throttle's Stats (Pool.Stats) to a LimiterSource.
func FromThrottle(stats func() []throttle.Stats) LimiterSource {
	return func() []LimiterStats {
		var out []LimiterStats
		for _, s := range stats() {
			side := s.Side
			if side == "" {
				// The checks of Start, before the sides are told apart: as
				// in icmigrate_api_requests_total.
				side = "unknown"
			}
			ls := LimiterStats{Side: side, Workspace: s.Workspace,
				Permits: s.Granted, Waits: s.Waits, WaitSeconds: s.WaitTime.Seconds(), Pauses: s.Paused, RateLimited: s.RateLimited,
				RoundTrips: s.RoundTrips, Errors: s.Errors}
			for _, a := range s.Apps {
				ls.WindowLimit += a.Limit
			}
			out = append(out, ls)
		}
		return out
	}
}

type limiterCollector struct {
	mu  sync.Mutex
	src LimiterSource
}

var limiterDescs = struct {
	permits, waits, waitSeconds, pauses, limited, window, roundTrips, errors *prometheus.Desc
}{desc(LimiterPermits), desc(LimiterWaits), desc(LimiterWaitSeconds), desc(LimiterPauses), desc(LimiterRateLimited), desc(LimiterWindowLimit), desc(LimiterRoundTrips), desc(LimiterErrors)}

func (c *limiterCollector) Describe(ch chan<- *prometheus.Desc) {
	d := limiterDescs
	for _, x := range []*prometheus.Desc{d.permits, d.waits, d.waitSeconds, d.pauses, d.limited, d.window, d.roundTrips, d.errors} {
		ch <- x
	}
}

func (c *limiterCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	src := c.src
	c.mu.Unlock()
	if src == nil {
		return
	}
	type key struct{ side, workspace string }
	sum := map[key]*LimiterStats{}
	var order []key
	for _, s := range src() {
		k := key{s.Side, s.Workspace}
		a, ok := sum[k]
		if !ok {
			a = &LimiterStats{Side: s.Side, Workspace: s.Workspace}
			sum[k] = a
			order = append(order, k)
		}
		a.Permits += s.Permits
		a.Waits += s.Waits
		a.WaitSeconds += s.WaitSeconds
		a.Pauses += s.Pauses
		a.RateLimited += s.RateLimited
		a.RoundTrips += s.RoundTrips
		a.Errors += s.Errors
		// The same workspace seen by two limiters (other token sets) has
		// one limit: the largest known.
		a.WindowLimit = max(a.WindowLimit, s.WindowLimit)
	}
	d := limiterDescs
	for _, k := range order {
		s := sum[k]
		for _, m := range []struct {
			desc *prometheus.Desc
			t    prometheus.ValueType
			v    float64
		}{
			{d.permits, prometheus.CounterValue, float64(s.Permits)},
			{d.waits, prometheus.CounterValue, float64(s.Waits)},
			{d.waitSeconds, prometheus.CounterValue, s.WaitSeconds},
			{d.pauses, prometheus.CounterValue, float64(s.Pauses)},
			{d.limited, prometheus.CounterValue, float64(s.RateLimited)},
			{d.window, prometheus.GaugeValue, float64(s.WindowLimit)},
			{d.roundTrips, prometheus.CounterValue, float64(s.RoundTrips)},
			{d.errors, prometheus.CounterValue, float64(s.Errors)},
		} {
			ch <- prometheus.MustNewConstMetric(m.desc, m.t, m.v, k.side, k.workspace)
		}
	}
}
