package migrate_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/internal/store"
	"github.com/icmigrate/icmigrate/internal/verify"
)

// What the tests of the thread phases (conversations, tickets) share.

// routeWrites counts the calls of routes, in all and by route.
func routeWrites(calls map[string]int, routes []string) (total int, by map[string]int) {
	by = map[string]int{}
	for _, r := range routes {
		by[r] = calls[r]
		total += calls[r]
	}
	return total, by
}

// shortSearchLag lets a creation whose answer was lost be looked for after
// 2 s rather than a minute, so that the test sees it adopted. It is set
// before the harness starts workers, which read it.
func shortSearchLag(t *testing.T) {
	old := migrate.ConversationSearchLag
	migrate.ConversationSearchLag = 2 * time.Second
	t.Cleanup(func() { migrate.ConversationSearchLag = old })
}

// runClean runs the migration and stops the test unless it ends done
// without a failure.
func runClean(t *testing.T, ctx context.Context, h *harness) *migrate.Status {
	t.Helper()
	st := h.run(ctx)
	if st.Migration.State != store.StateDone {
		t.Fatalf("state %s: %s", st.Migration.State, st.Migration.Error)
	}
	if fs := failures(t, h); len(fs) > 0 {
		t.Fatalf("%d failures, first: %+v", len(fs), fs[0])
	}
	return st
}

// rerunWritesNothing runs the migration again and checks that the second
// run, finding everything recorded, writes nothing to the destination.
func rerunWritesNothing(t *testing.T, ctx context.Context, h *harness) {
	t.Helper()
	before := writes(h.dst.Calls())
	st := h.run(ctx)
	if st.Migration.Run != 2 || st.Migration.State != store.StateDone {
		t.Fatalf("rerun: run %d state %s %s", st.Migration.Run, st.Migration.State, st.Migration.Error)
	}
	if after := writes(h.dst.Calls()); after != before {
		t.Errorf("rerun wrote %d times to the destination, want 0 (%v)", after-before, h.dst.Calls())
	}
}

// checkLostOnce checks a run whose destination lost answers: some answers
// were lost and some calls refused (else the test tests nothing), and the
// destination holds as many of entity as the source, none twice.
func checkLostOnce(t *testing.T, h *harness, la *loseAnswers, entity string) {
	t.Helper()
	if la.lost.Load() == 0 || la.failed.Load() == 0 {
		t.Fatal("no answer was lost: the test tests nothing")
	}
	if got, want := h.dst.Count(entity), h.src.Count(entity); got != want {
		t.Fatalf("destination holds %d %s for %d at the source (%d answers lost)", got, entity, want, la.lost.Load())
	}
}

// serveLosingAnswer carries r out but, when it succeeds, answers a 502 in
// place of its answer: the call happened and the client cannot know it. It
// reports whether the answer was lost.
func serveLosingAnswer(next http.Handler, w http.ResponseWriter, r *http.Request) bool {
	return serveLosingAnswerIf(next, w, r, func() bool { return true })
}

// serveLosingAnswerIf is serveLosingAnswer for the successful calls that
// lose says to lose (asked once per successful call).
func serveLosingAnswerIf(next http.Handler, w http.ResponseWriter, r *http.Request, lose func() bool) bool {
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, r)
	if rec.Code == http.StatusOK && lose() {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		w.Write([]byte("<html>502 Bad Gateway</html>"))
		return true
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
	return false
}

// compare runs comparisons of verify on the harness's migration, in order,
// and stops the test at the first that fails to run.
func compare(t *testing.T, ctx context.Context, h *harness, rows ...func(context.Context, verify.Options) (verify.Result, error)) []verify.Result {
	t.Helper()
	src, dst := h.clients()
	o := verify.Options{Source: src, Dest: dst, Store: h.e.Store(), Migration: h.id}
	out := make([]verify.Result, len(rows))
	for i, row := range rows {
		r, err := row(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = r
	}
	return out
}
