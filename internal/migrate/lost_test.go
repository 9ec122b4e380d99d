package migrate_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/icmigrate/icmigrate/internal/redisconn/redistest"
	"github.com/icmigrate/icmigrate/internal/store"
)

// TestNoDuplicateWhenAnswerLost: the destination creates every seventh
// contact but its answer is lost (a 502 after the fact, as when a proxy or
// the connection fails). The retry must find that contact, through the 409
// for users and through the intent record and a search for leads, which
// Intercom lets share emails, instead of creating it twice.
func TestNoDuplicateWhenAnswerLost(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var n, lost atomic.Int64
	h := newContactsHarness(t, redistest.Client(t), 500, 600_000, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && r.URL.Path == "/contacts" && n.Add(1)%7 == 0 {
				if serveLosingAnswer(next, w, r) {
					lost.Add(1)
				}
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	h.workers(2, 4)
	st := h.run(ctx)
	if st.Migration.State != store.StateDone {
		t.Fatalf("state %s %s", st.Migration.State, st.Migration.Error)
	}
	if fs := failures(t, h); len(fs) > 0 {
		t.Fatalf("failures: %+v", fs[0])
	}
	if lost.Load() == 0 {
		t.Fatal("no answer was lost: the test tests nothing")
	}
	if got := h.dst.Count("contacts"); got != 500 {
		t.Fatalf("destination has %d contacts for 500 at the source (%d answers lost)", got, lost.Load())
	}
	requireEqual(ctx, t, h, "")
	t.Logf("%d answers lost; counters %v", lost.Load(), st.Phases[3].Counters)
}
