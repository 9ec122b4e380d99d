package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/icmigrate/icmigrate/internal/throttle"
)

func TestLimiterSource(t *testing.T) {
	r := New("test")
	if n := testutil.CollectAndCount(r.limiter); n != 0 {
		t.Fatalf("%d limiter series before a source is plugged in", n)
	}
	stats := []LimiterStats{
		{Side: "source", Workspace: "us:abc", Permits: 100, Waits: 4, WaitSeconds: 2.5, Pauses: 1, RateLimited: 2, WindowLimit: 1666, RoundTrips: 30, Errors: 1},
		// Another limiter of the same workspace (another set of tokens):
		// summed, one limit.
		{Side: "source", Workspace: "us:abc", Permits: 50, Waits: 1, WaitSeconds: 0.5, WindowLimit: 1666},
		{Side: "destination", Workspace: "eu:def", Permits: 70, WindowLimit: 0},
	}
	r.SetLimiterSource(func() []LimiterStats { return stats })
	want := `
# HELP icmigrate_limiter_permits_total ` + LimiterPermits.Help + `
# TYPE icmigrate_limiter_permits_total counter
icmigrate_limiter_permits_total{side="destination",workspace="eu:def"} 70
icmigrate_limiter_permits_total{side="source",workspace="us:abc"} 150
# HELP icmigrate_limiter_wait_seconds_total ` + LimiterWaitSeconds.Help + `
# TYPE icmigrate_limiter_wait_seconds_total counter
icmigrate_limiter_wait_seconds_total{side="destination",workspace="eu:def"} 0
icmigrate_limiter_wait_seconds_total{side="source",workspace="us:abc"} 3
# HELP icmigrate_limiter_window_limit ` + LimiterWindowLimit.Help + `
# TYPE icmigrate_limiter_window_limit gauge
icmigrate_limiter_window_limit{side="destination",workspace="eu:def"} 0
icmigrate_limiter_window_limit{side="source",workspace="us:abc"} 1666
# HELP icmigrate_limiter_pauses_total ` + LimiterPauses.Help + `
# TYPE icmigrate_limiter_pauses_total counter
icmigrate_limiter_pauses_total{side="destination",workspace="eu:def"} 0
icmigrate_limiter_pauses_total{side="source",workspace="us:abc"} 1
`
	if err := testutil.CollectAndCompare(r.limiter, strings.NewReader(want),
		"icmigrate_limiter_permits_total", "icmigrate_limiter_wait_seconds_total", "icmigrate_limiter_window_limit", "icmigrate_limiter_pauses_total"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(r.limiter); n != 2*8 {
		t.Errorf("%d series, want 16 (8 metrics, 2 limiters)", n)
	}
	r.SetLimiterSource(nil)
	if n := testutil.CollectAndCount(r.limiter); n != 0 {
		t.Errorf("%d series after unplugging", n)
	}
}

// TestFromThrottle adapts the shared limiter's Stats (throttle.Pool.Stats).
func TestFromThrottle(t *testing.T) {
	src := FromThrottle(func() []throttle.Stats {
		return []throttle.Stats{{Side: "destination", Workspace: "eu:xyz", Granted: 9, Waits: 3, WaitTime: 1500 * time.Millisecond,
			Paused: 2, RateLimited: 1, RoundTrips: 5, Errors: 0,
			Apps: []throttle.AppStats{{Fingerprint: "a", Limit: 1000}, {Fingerprint: "b", Limit: 666}}}}
	})
	got := src()
	want := LimiterStats{Side: "destination", Workspace: "eu:xyz", Permits: 9, Waits: 3, WaitSeconds: 1.5, Pauses: 2, RateLimited: 1, WindowLimit: 1666, RoundTrips: 5}
	if len(got) != 1 || got[0] != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	// The limiters of Start's checks have no side yet.
	got = FromThrottle(func() []throttle.Stats { return []throttle.Stats{{Workspace: "fp-0123456789abcdef", Granted: 1}} })()
	if len(got) != 1 || got[0].Side != "unknown" || got[0].Permits != 1 {
		t.Errorf("no side: got %+v, want side unknown", got)
	}
}
