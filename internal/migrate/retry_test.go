package migrate

import (
	"testing"
	"time"
)

// TestRateLimitDelay: a unit handed back for a rate limit is due, in
// asynq's whole seconds, no earlier than the pause ends.
func TestRateLimitDelay(t *testing.T) {
	base := time.Unix(1_700_000_000, 0)
	for _, tc := range []struct {
		name       string
		now, until time.Duration // after base
	}{
		{"pause ends within the second", 500 * time.Millisecond, 800 * time.Millisecond},
		{"pause ends in the next second", 500 * time.Millisecond, 1300 * time.Millisecond},
		{"several seconds", 1200 * time.Millisecond, 9100 * time.Millisecond},
		{"on a whole second", 100 * time.Millisecond, 5 * time.Second},
		{"over already", 3 * time.Second, 2 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now, until := base.Add(tc.now), base.Add(tc.until)
			d := rateLimitDelay(now, until)
			// What asynq does: now + d, kept as Unix seconds.
			due := time.Unix(now.Add(d).Unix(), 0)
			if due.Before(until) {
				t.Fatalf("delay %v: due at +%v, before the pause ends at +%v", d, due.Sub(base), tc.until)
			}
			if d < time.Second || due.Sub(until) > time.Second && due.Sub(now) > time.Second {
				t.Fatalf("delay %v: due at +%v for a pause until +%v: want the first whole second after it, at least a second away", d, due.Sub(base), tc.until)
			}
		})
	}
}
