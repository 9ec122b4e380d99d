package migrate_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/internal/redisconn/redistest"
	"github.com/icmigrate/icmigrate/internal/store"
	"github.com/icmigrate/icmigrate/internal/verify"
	"github.com/icmigrate/icmigrate/pkg/intercom"
	"github.com/icmigrate/icmigrate/pkg/intercom/intercomtest"
)

// checkConsent compares every source contact's consent with its copy's:
// every opt-out must be there, and nothing else may differ. It returns the
// number of opt-outs checked.
func checkConsent(t *testing.T, h *harness) int {
	t.Helper()
	ctx := context.Background()
	ids, err := h.e.Store().MapAll(ctx, h.id, migrate.PhaseContacts)
	if err != nil {
		t.Fatal(err)
	}
	dst := map[string]intercomtest.ConsentRecord{}
	for _, r := range h.dst.Consent() {
		dst[r.ContactID] = r
	}
	optOuts := 0
	for _, s := range h.src.Consent() {
		d, ok := dst[ids[s.ContactID]]
		if !ok {
			if len(s.OptedOut) > 0 || len(s.OptedIn) > 0 {
				t.Errorf("contact %s with preferences has no copy", s.ContactID)
			}
			continue
		}
		for _, name := range s.OptedOut {
			optOuts++
			if !slices.Contains(d.OptedOut, name) {
				t.Errorf("OPT-OUT LOST: contact %s opted out of %q, its copy %s did not", s.ContactID, name, d.ContactID)
			}
		}
		if !slices.Equal(s.OptedOut, d.OptedOut) || !slices.Equal(s.OptedIn, d.OptedIn) || s.UnsubscribedFromEmails != d.UnsubscribedFromEmails {
			t.Errorf("contact %s: consent %+v, copy %+v", s.ContactID, s, d)
		}
	}
	return optOuts
}

// checkVerify runs the comparisons and fails on any unequal row; it
// returns the rows by entity.
func checkVerify(t *testing.T, ctx context.Context, h *harness) map[string]verify.Result {
	t.Helper()
	src, dst := h.clients()
	results, err := verify.All(ctx, verify.Options{Source: src, Dest: dst, Store: h.e.Store(), Migration: h.id})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]verify.Result{}
	for _, r := range results {
		out[r.Entity] = r
		if !r.Equal() {
			t.Errorf("%s: %+v", r.Entity, r)
		}
	}
	for _, e := range []string{"consent", "notes", "events"} {
		if out[e].Source == 0 || out[e].Matched != out[e].Source {
			t.Errorf("%s: %+v", e, out[e])
		}
	}
	return out
}

// listableEvents counts the source events the list endpoint shows.
func listableEvents(t *testing.T, sb *intercomtest.Sandbox) int {
	recs, err := sb.Records("events")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, raw := range recs {
		var e struct {
			CreatedAt int64 `json:"created_at"`
		}
		json.Unmarshal(raw, &e)
		if e.CreatedAt >= sb.EventWindowStart() {
			n++
		}
	}
	return n
}

// TestConsentNotesEventsEndToEnd migrates a seeded workspace with two
// worker servers on a real Redis, compares consent, notes and events
// contact by contact, measures the destination calls per contact, and runs
// again: the second run writes nothing.
func TestConsentNotesEventsEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	const n = 600
	h := newHarnessWith(t, redistest.Client(t), intercomtest.Options{Contacts: n, RateLimitPerMinute: 600_000, Entities: consentKinds}, nil, nil)
	h.workers(2, 8)
	runClean(t, ctx, h)
	calls := h.dst.Calls() // before the comparisons read the destination
	optOuts := checkConsent(t, h)
	rows := checkVerify(t, ctx, h)
	if optOuts < 20 {
		t.Errorf("only %d opt-outs checked", optOuts)
	}
	if got, want := h.dst.Count("notes"), h.src.Count("notes"); got != want {
		t.Errorf("destination holds %d notes, source %d", got, want)
	}
	listable := listableEvents(t, h.src)
	if got := h.dst.Count("events"); got != listable {
		t.Errorf("destination holds %d events, the source lists %d", got, listable)
	}
	unreadable, withOld, err := migrate.EventsUnreadable(ctx, h.e.Store(), h.id)
	if err != nil {
		t.Fatal(err)
	}
	if int(unreadable) != h.src.Count("events")-listable || unreadable == 0 || withOld == 0 {
		t.Errorf("unreadable events reported %d (%d contacts), want %d", unreadable, withOld, h.src.Count("events")-listable)
	}

	// Destination calls per contact, by entity.
	per := func(routes ...string) float64 {
		s := 0
		for _, r := range routes {
			s += calls[r]
		}
		return float64(s) / n
	}
	consentW := per("POST /contacts/{contact_id}/subscriptions", "DELETE /contacts/{contact_id}/subscriptions/{subscription_id}")
	notesW := per("POST /contacts/{contact_id}/notes")
	eventsW := per("POST /events")
	reads := per("GET /contacts/{contact_id}/notes", "GET /events", "GET /contacts/{contact_id}/subscriptions")
	t.Logf("destination calls per contact: consent %.3f, notes %.3f, events %.3f, lookups %.3f (%d opt-outs, %d notes, %d events; %d older events counted, not readable)",
		consentW, notesW, eventsW, reads, optOuts, rows["notes"].Source, rows["events"].Source, unreadable)
	if calls["POST /contacts/{contact_id}/notes"] != h.src.Count("notes") || calls["POST /events"] != listable {
		t.Errorf("writes: %d notes for %d, %d events for %d", calls["POST /contacts/{contact_id}/notes"], h.src.Count("notes"), calls["POST /events"], listable)
	}
	if reads != 0 {
		t.Errorf("destination lookups %.3f per contact without any fault, want 0 (the id maps answer)", reads)
	}

	rerunWritesNothing(t, ctx, h)
}

// loseConsentAnswers forwards every k-th write of the given routes and answers
// 502 instead of the result, as a proxy that dropped the answer would.
func loseConsentAnswers(k int64, match func(r *http.Request) bool) (func(http.Handler) http.Handler, *atomic.Int64) {
	var seen, lost atomic.Int64
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPost || !match(r) || seen.Add(1)%k != 0 {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			lost.Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadGateway)
			w.Write([]byte(`{"type":"error.list","request_id":"00000000-0000-4000-8000-000000000000","errors":[{"code":"bad_gateway","message":"Bad Gateway"}]}`))
		})
	}, &lost
}

// TestConsentUnderFaults: both sandboxes answer 10% of calls with a 5xx, and
// one answer in five to a note, an event or a preference written is lost
// after the write happened. Every opt-out arrives, nothing is written twice.
func TestConsentUnderFaults(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	wrap, lost := loseConsentAnswers(5, func(r *http.Request) bool {
		return strings.HasSuffix(r.URL.Path, "/notes") || strings.HasSuffix(r.URL.Path, "/subscriptions") || r.URL.Path == "/events"
	})
	h := newHarnessWith(t, redistest.Client(t), intercomtest.Options{Contacts: 300, RateLimitPerMinute: 600_000, FaultRate: 0.1, Entities: consentKinds}, nil, wrap)
	h.workers(2, 8)
	runClean(t, ctx, h)
	h.src.SetFaultRate(0)
	h.dst.SetFaultRate(0)
	if checkConsent(t, h) == 0 {
		t.Error("no opt-out checked")
	}
	checkVerify(t, ctx, h)
	if got, want := h.dst.Count("notes"), h.src.Count("notes"); got != want {
		t.Errorf("destination holds %d notes, source %d: a note was added twice or lost", got, want)
	}
	if got, want := h.dst.Count("events"), listableEvents(t, h.src); got != want {
		t.Errorf("destination holds %d events, the source lists %d", got, want)
	}
	t.Logf("%d faults, %d answers lost after the write", h.src.Faults()+h.dst.Faults(), lost.Load())
	if lost.Load() == 0 || h.dst.Faults() == 0 {
		t.Error("no fault injected")
	}
}

// TestConsentUnmatchedSubscriptionType: the destination lacks a type; the
// contacts' preferences for it are recorded failures naming it, the others
// arrive, and the type is noted for the report.
func TestConsentUnmatchedSubscriptionType(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	h := newHarnessWith(t, redistest.Client(t), intercomtest.Options{Contacts: 300, RateLimitPerMinute: 600_000, Entities: consentKinds}, nil, nil)
	const missing = "Newsletter"
	if !h.dst.RemoveSubscriptionType(missing) {
		t.Fatal("no such type")
	}
	want := 0
	for _, r := range h.src.Consent() {
		if slices.Contains(r.OptedOut, missing) {
			want++
		}
	}
	if want == 0 {
		t.Fatal("no contact opted out of the type")
	}
	h.workers(2, 4)
	st := h.run(ctx)
	if st.Migration.State != store.StateDone {
		t.Fatalf("state %s: %s", st.Migration.State, st.Migration.Error)
	}
	fs, err := h.e.Store().Failures(ctx, h.id, migrate.PhaseConsent)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != want {
		t.Errorf("%d consent failures, want %d (one per contact that opted out of %q)", len(fs), want, missing)
	}
	for _, f := range fs {
		if !strings.Contains(f.Message, `"Newsletter" (opt_out)`) || !strings.Contains(f.Message, "cannot create subscription types") {
			t.Errorf("failure %+v does not name the type and the reason", f)
		}
	}
	notes, _ := h.e.Store().Notes(ctx, h.id, migrate.NoteSubscriptionTypesUnmatched)
	if !slices.Equal(notes, []string{missing}) {
		t.Errorf("unmatched types noted: %v", notes)
	}
	ids, _ := h.e.Store().MapAll(ctx, h.id, migrate.PhaseContacts)
	dst := map[string]intercomtest.ConsentRecord{}
	for _, r := range h.dst.Consent() {
		dst[r.ContactID] = r
	}
	for _, s := range h.src.Consent() {
		d := dst[ids[s.ContactID]]
		for _, name := range s.OptedOut {
			if name != missing && !slices.Contains(d.OptedOut, name) {
				t.Errorf("contact %s: opt-out of %q lost", s.ContactID, name)
			}
		}
	}
}

// TestAdminsStrictAndFallback: two source teammates have no teammate in the
// destination. Strict: the migration refuses to start, naming them, before
// anything is recorded or enqueued. With a fallback: their contacts and
// notes go to it, and everything compares equal.
func TestAdminsStrictAndFallback(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	h := newHarnessWith(t, redistest.Client(t), intercomtest.Options{Contacts: 300, RateLimitPerMinute: 600_000, Entities: consentKinds}, nil, hideTeammates(2))
	_, dstC := h.clients()
	dstAdmins, _, err := dstC.Admins.List(ctx)
	if err != nil || len(dstAdmins) != intercomtest.DefaultAdmins-2 {
		t.Fatalf("destination admins %d %v", len(dstAdmins), err)
	}

	cfg := h.config()
	cfg.StrictAdmins = true
	_, err = h.e.Start(ctx, cfg)
	var ua *migrate.UnmatchedAdminsError
	if !errors.As(err, &ua) || len(ua.Admins) != 2 || !strings.Contains(err.Error(), ua.Admins[0].Email) {
		t.Fatalf("strict start: %v, want an UnmatchedAdminsError naming 2 teammates", err)
	}
	if _, err := h.e.Store().Get(ctx, h.id); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused migration was recorded: %v", err)
	}
	if notes, _ := h.e.Store().Notes(ctx, h.id, migrate.NoteAdminsUnmatched); len(notes) != 2 {
		t.Errorf("unmatched admins noted: %v", notes)
	}
	if n := writes(h.dst.Calls()); n != 0 {
		t.Errorf("%d writes before the refusal", n)
	}

	cfg = h.config()
	cfg.FallbackAdmin = "nobody@example.org"
	if _, err := h.e.Start(ctx, cfg); err == nil || !strings.Contains(err.Error(), "nobody@example.org") {
		t.Fatalf("unknown fallback: %v", err)
	}

	cfg.FallbackAdmin = strings.ToUpper(dstAdmins[0].Email)
	h.workers(2, 4)
	if st := runWith(ctx, t, h, cfg); st.Migration.State != store.StateDone {
		t.Fatalf("state %s: %s", st.Migration.State, st.Migration.Error)
	}
	if fs := failures(t, h); len(fs) > 0 {
		t.Fatalf("%d failures, first: %+v", len(fs), fs[0])
	}
	admins, _ := h.e.Store().MapAll(ctx, h.id, migrate.PhaseAdmins)
	for _, a := range ua.Admins {
		if admins[a.ID] != dstAdmins[0].ID {
			t.Errorf("admin %s mapped to %q, want the fallback %s", a.ID, admins[a.ID], dstAdmins[0].ID)
		}
	}
	checkVerify(t, ctx, h)
	// Contacts owned by the hidden teammates are owned by the fallback.
	srcC, _ := h.clients()
	owned := 0
	ids, _ := h.e.Store().MapAll(ctx, h.id, migrate.PhaseContacts)
	for c, err := range srcC.Contacts.All(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if c.OwnerID == 0 || !slices.ContainsFunc(ua.Admins, func(a *intercom.Admin) bool { return a.ID == itoa(c.OwnerID) }) {
			continue
		}
		owned++
		d, _, err := dstC.Contacts.Get(ctx, ids[c.ID])
		if err != nil {
			t.Fatal(err)
		}
		if itoa(d.OwnerID) != dstAdmins[0].ID {
			t.Errorf("contact %s owned by an unmatched teammate: copy owned by %d, want the fallback", c.ID, d.OwnerID)
		}
	}
	if owned == 0 {
		t.Error("no contact owned by an unmatched teammate")
	}
	if got, _ := migrate.AdminFallback(ctx, h.e.Store(), h.id); got != dstAdmins[0].ID {
		t.Errorf("fallback recorded %q", got)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
