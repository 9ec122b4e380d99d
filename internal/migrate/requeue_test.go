package migrate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/internal/redisconn/redistest"
	"github.com/icmigrate/icmigrate/internal/store"
)

// strictDest refuses, while strict, to create contacts whose email ends in
// a given suffix, as a destination with stricter validation would.
type strictDest struct {
	strict  atomic.Bool
	suffix  string
	mu      sync.Mutex
	refused map[string]bool
}

func (s *strictDest) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.strict.Load() && r.Method == http.MethodPost && r.URL.Path == "/contacts" {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			var c struct {
				Email string `json:"email"`
			}
			json.Unmarshal(body, &c)
			if strings.HasSuffix(c.Email, s.suffix) {
				s.mu.Lock()
				s.refused[c.Email] = true
				s.mu.Unlock()
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnprocessableEntity)
				w.Write([]byte(`{"type":"error.list","request_id":"00000000-0000-4000-8000-000000000001","errors":[{"code":"parameter_invalid","message":"Email domain is not allowed","field":"email"}]}`))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// TestRequeue: records a destination refuses are listed with Intercom's
// reason while their batch-mates migrate; once the destination accepts them,
// a requeue migrates exactly those, and the workspaces are equal.
func TestRequeue(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sd := &strictDest{refused: map[string]bool{}}
	sd.strict.Store(true)
	h := newContactsHarness(t, redistest.Client(t), 400, 600_000, sd.wrap)
	// Refuse one email domain of the seeded workspace: find a common one.
	src, _ := h.clients()
	domains := map[string]int{}
	for c, err := range src.Contacts.All(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if c.EmailDomain != "" {
			domains[c.EmailDomain]++
		}
	}
	best := ""
	for d, n := range domains {
		if n > domains[best] && n < 60 || best == "" {
			best = d
		}
	}
	sd.suffix = "@" + best
	h.workers(2, 4)

	st := h.run(ctx)
	if st.Migration.State != store.StateDone {
		t.Fatalf("state %s %s", st.Migration.State, st.Migration.Error)
	}
	// The refused contacts are the contacts phase's failures; records that
	// hang on them (their conversations, tickets...) are failures of their
	// own phases, which a requeue of contacts runs again too.
	all := failures(t, h)
	var fs []store.Failure
	for _, f := range all {
		if f.Entity == migrate.PhaseContacts {
			fs = append(fs, f)
		}
	}
	if len(fs) == 0 || len(fs) != len(sd.refused) {
		t.Fatalf("%d contact failures recorded for %d refused records", len(fs), len(sd.refused))
	}
	t.Logf("%d failures in all, %d of contacts", len(all), len(fs))
	for _, f := range fs {
		if f.Entity != "contacts" || f.Status != 422 || f.Code != "parameter_invalid" || f.Message != "Email domain is not allowed" || f.Endpoint != "POST /contacts" {
			t.Fatalf("failure %+v", f)
		}
	}
	if got := h.dst.Count("contacts"); got != 400-len(fs) {
		t.Fatalf("destination has %d contacts, want %d (the refused ones must not block their batch-mates)", got, 400-len(fs))
	}
	// A requeue of a running migration is refused.
	if _, err := h.e.Requeue(ctx, "nope-"+h.id, nil); err == nil {
		t.Fatal("requeue of an unknown migration accepted")
	}
	if _, err := h.e.Requeue(ctx, h.id, []string{"no_such_entity"}); err == nil || !strings.Contains(err.Error(), "unknown entity") {
		t.Fatalf("unknown entity: %v", err)
	}

	sd.strict.Store(false) // the destination relaxes
	before := h.dst.Calls()["POST /contacts"]
	res, err := h.e.Requeue(ctx, h.id, []string{migrate.PhaseContacts})
	if err != nil {
		t.Fatal(err)
	}
	// Contacts, then what depends on them (tags applied, consent, notes,
	// events...).
	if res.Failed != int64(len(fs)) || !strings.HasPrefix(strings.Join(res.Migration.RunPhases, ","), "contacts,") ||
		!slices.Contains(res.Migration.RunPhases, migrate.PhaseContactTags) ||
		!slices.Contains(res.Migration.RunPhases, migrate.PhaseCompanyContacts) ||
		!slices.Contains(res.Migration.RunPhases, migrate.PhaseConsent) {
		t.Fatalf("requeue result %+v, run phases %v", res, res.Migration.RunPhases)
	}
	st, err = h.e.Wait(ctx, h.id, 100*time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Migration.State != store.StateDone || st.Migration.Run != 2 {
		t.Fatalf("after requeue: %+v", st.Migration)
	}
	if left := failures(t, h); len(left) != 0 {
		t.Fatalf("failures left after requeue: %+v", left)
	}
	if got := h.dst.Calls()["POST /contacts"] - before; got != len(fs) {
		t.Errorf("requeue created %d contacts, want exactly the %d that failed", got, len(fs))
	}
	requireEqual(ctx, t, h, "after requeue")
}
