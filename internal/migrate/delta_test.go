package migrate_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/internal/redisconn/redistest"
	"github.com/icmigrate/icmigrate/internal/store"
	"github.com/icmigrate/icmigrate/internal/throttle"
	"github.com/icmigrate/icmigrate/internal/verify"
	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// writesBy counts the write calls between two snapshots of a sandbox's
// calls, by route.
func writesBy(before, after map[string]int) map[string]int {
	out := map[string]int{}
	for route, n := range after {
		method, path, _ := strings.Cut(route, " ")
		if d := n - before[route]; d > 0 && throttle.IsWrite(method, path) {
			out[route] = d
		}
	}
	return out
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// runDelta starts a delta pass of the harness's migration and waits for it.
func runDelta(ctx context.Context, t *testing.T, h *harness, sweep bool) *migrate.Status {
	t.Helper()
	cfg := h.config()
	cfg.CustomObjectTypes = h.src.CustomObjectTypes()
	cfg.Delta, cfg.DeltaSweep = true, sweep
	m, err := h.e.Start(ctx, cfg)
	if err != nil {
		t.Fatalf("start delta: %v", err)
	}
	if d := m.CurrentDelta(); d == nil || m.RunKind() != store.RunDelta {
		t.Fatalf("run %d is not a delta: %+v", m.Run, m.Delta)
	}
	st, err := h.e.Wait(ctx, m.ID, 100*time.Millisecond, nil)
	if err != nil {
		t.Fatalf("wait delta: %v", err)
	}
	if st.Migration.State != store.StateDone {
		t.Fatalf("delta run %d: state %s: %s", st.Migration.Run, st.Migration.State, st.Migration.Error)
	}
	if fs := failures(t, h); len(fs) > 0 {
		t.Fatalf("delta: %d failures, first: %+v", len(fs), fs[0])
	}
	return st
}

func mustEqual(ctx context.Context, t *testing.T, h *harness, when string) {
	t.Helper()
	src, dst := h.clients()
	results, err := verify.All(ctx, verify.Options{Source: src, Dest: dst, Store: h.e.Store(), Migration: h.id})
	if err != nil {
		t.Fatalf("%s: verify: %v", when, err)
	}
	for _, r := range results {
		if !r.Equal() {
			t.Errorf("%s: %s differs: %+v", when, r.Entity, r)
		}
	}
}

// optedOut lists the subscription types a contact opted out of.
func optedOut(c *intercom.Contact) []string {
	var ids []string
	if c.OptedOutSubscriptionTypes != nil {
		for _, r := range c.OptedOutSubscriptionTypes.Data {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// sourceChanges are the changes made at the source between the bulk run and
// the delta, and the destination writes each needs.
type sourceChanges struct {
	want map[string]int // route -> writes the changes need
}

func (s *sourceChanges) need(route string, n int) { s.want[route] += n }

// changeSource makes the changes at the source through its API:
// new contacts (one tagged, one with a note and a new company), changed
// attributes, an opt-out (unsubscribed_from_emails and a subscription
// type), a tag removed and one added, a note and an event on a changed
// contact, a contact leaving a company that is renamed, new replies in old
// conversations, a new article translation.
func changeSource(ctx context.Context, t *testing.T, h *harness) *sourceChanges {
	t.Helper()
	src, _ := h.clients()
	ch := &sourceChanges{want: map[string]int{}}
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	tags, _, err := src.Tags.List(ctx)
	check(err)
	if len(tags) < 3 {
		t.Fatalf("the seeded source has %d tags, want 3 or more", len(tags))
	}
	admins, _, err := src.Admins.List(ctx)
	check(err)

	// Existing contacts: users with an email, one with a tag to lose, one
	// still subscribed to emails.
	var tagged, plain, subscribed, member, quiet *intercom.Contact
	for c, err := range src.Contacts.All(ctx, nil) {
		check(err)
		if c.Role != intercom.RoleUser || c.Email == "" {
			continue
		}
		hasTags := c.Tags != nil && len(c.Tags.Data) > 0 && !c.Tags.HasMore
		hasCompanies := c.Companies != nil && len(c.Companies.Data) > 0
		switch {
		case tagged == nil && hasTags:
			tagged = c
		case plain == nil && !hasTags:
			plain = c
		case member == nil && hasCompanies:
			member = c
		case subscribed == nil && !c.UnsubscribedFromEmails:
			subscribed = c
		case quiet == nil:
			quiet = c
		}
		if tagged != nil && plain != nil && subscribed != nil && member != nil && quiet != nil {
			break
		}
	}
	if tagged == nil || plain == nil || subscribed == nil || member == nil || quiet == nil {
		t.Fatal("no contacts to change in the seeded source")
	}
	// A contact renamed that leaves its first company, which is renamed.
	_, _, err = src.Contacts.Update(ctx, member.ID, &intercom.ContactRequest{Name: intercom.Ptr(member.Name + " (moved on)")})
	check(err)
	ch.need("PUT /contacts/{contact_id}", 1)
	left, _, err := src.Companies.Get(ctx, member.Companies.Data[0].ID)
	check(err)
	_, _, err = src.Companies.DetachContact(ctx, member.ID, left.ID)
	check(err)
	ch.need("DELETE /contacts/{contact_id}/companies/{company_id}", 1)
	_, _, err = src.Companies.CreateOrUpdate(ctx, &intercom.CompanyRequest{CompanyID: left.CompanyID, Name: left.Name + " (renamed)"})
	check(err)
	ch.need("POST /companies", 1)
	// Changed attributes on two contacts; the first loses a tag, the
	// second gains one and gets a note and an event.
	for _, c := range []*intercom.Contact{tagged, plain} {
		_, _, err := src.Contacts.Update(ctx, c.ID, &intercom.ContactRequest{Name: intercom.Ptr(c.Name + " (renamed)")})
		check(err)
		ch.need("PUT /contacts/{contact_id}", 1)
	}
	_, _, err = src.Contacts.RemoveTag(ctx, tagged.ID, tagged.Tags.Data[0].ID)
	check(err)
	ch.need("DELETE /contacts/{contact_id}/tags/{tag_id}", 1)
	_, _, err = src.Tags.TagContacts(ctx, tags[1].Name, []string{plain.ID})
	check(err)
	ch.need("POST /tags", 1)
	_, _, err = src.Notes.Create(ctx, plain.ID, &intercom.NoteRequest{Body: "<p>Called after the bulk run</p>", AdminID: admins[0].ID})
	check(err)
	ch.need("POST /contacts/{contact_id}/notes", 1)
	_, err = src.Events.Create(ctx, &intercom.EventRequest{EventName: "delta-test-event", CreatedAt: time.Now().Unix(), ID: plain.ID, Metadata: map[string]any{"plan": "pro"}})
	check(err)
	ch.need("POST /events", 1)

	// Opt-outs: one contact unsubscribed from emails; another opted out of
	// a subscription type, which does not move its updated_at (the delta's
	// consent phase reads every contact for that).
	_, _, err = src.Contacts.Update(ctx, subscribed.ID, &intercom.ContactRequest{UnsubscribedFromEmails: intercom.Ptr(true)})
	check(err)
	ch.need("PUT /contacts/{contact_id}", 1)
	types, _, err := src.SubscriptionTypes.List(ctx)
	check(err)
	for _, st := range types {
		if st.ConsentType == intercom.ConsentOptOut && !slices.ContainsFunc(optedOut(quiet), func(id string) bool { return id == st.ID }) {
			_, _, err := src.Contacts.AttachSubscription(ctx, quiet.ID, st.ID, intercom.ConsentOptOut)
			check(err)
			ch.need("POST /contacts/{contact_id}/subscriptions", 1)
			break
		}
	}

	// New contacts: one tagged (with another tag than the one added above:
	// one tagging call per tag), one with a note and a new company.
	var fresh []string
	for i := range 3 {
		c, _, err := src.Contacts.Create(ctx, &intercom.ContactRequest{Role: intercom.RoleUser, Email: fmt.Sprintf("delta.%d@example.org", i),
			Name: intercom.Ptr(fmt.Sprintf("Delta Contact %d", i))})
		check(err)
		fresh = append(fresh, c.ID)
		ch.need("POST /contacts", 1)
	}
	_, _, err = src.Tags.TagContacts(ctx, tags[2].Name, fresh[:1])
	check(err)
	ch.need("POST /tags", 1)
	_, _, err = src.Notes.Create(ctx, fresh[1], &intercom.NoteRequest{Body: "<p>New lead, met at the fair</p>", AdminID: admins[0].ID})
	check(err)
	ch.need("POST /contacts/{contact_id}/notes", 1)
	co, _, err := src.Companies.CreateOrUpdate(ctx, &intercom.CompanyRequest{CompanyID: "delta-co-1", Name: "Delta Company"})
	check(err)
	ch.need("POST /companies", 1)
	_, _, err = src.Companies.AttachContact(ctx, fresh[1], co.ID)
	check(err)
	ch.need("POST /contacts/{contact_id}/companies", 1)

	// New replies in two old conversations.
	n := 0
	for c, err := range src.Conversations.All(ctx, nil) {
		check(err)
		if c.State != intercom.StateOpen {
			continue
		}
		_, _, err := src.Conversations.Reply(ctx, c.ID, &intercom.ReplyRequest{MessageType: "comment", Type: "admin", AdminID: admins[0].ID, Body: "<p>Following up after the move</p>"})
		check(err)
		ch.need("POST /conversations/{conversation_id}/reply", 1)
		if n++; n == 2 {
			break
		}
	}
	if n < 2 {
		t.Fatalf("%d open conversations in the seeded source, want 2", n)
	}

	// A new translation of an article.
	for a, err := range src.Articles.All(ctx, nil) {
		check(err)
		if _, ok := a.Translations["de"]; ok || a.AuthorID == 0 {
			continue
		}
		_, _, err = src.Articles.Update(ctx, a.ID, &intercom.ArticleRequest{Translations: intercom.ArticleTranslations{
			"de": {Title: "Neu: " + a.Title, Body: "<p>Übersetzt nach dem Umzug</p>", AuthorID: a.AuthorID, State: intercom.ArticlePublished}}})
		check(err)
		ch.need("PUT /articles/{article_id}", 1)
		break
	}
	if ch.want["PUT /articles/{article_id}"] != 1 || ch.want["POST /contacts/{contact_id}/subscriptions"] != 1 {
		t.Fatal("no article to translate or subscription type to opt out of in the seeded source")
	}
	return ch
}

// TestDeltaPass: a bulk migration, changes at the source, then a delta:
// the workspaces compare equal, the delta's destination writes are exactly
// the ones the changes need, and a second delta writes nothing. The delta
// reports what it moved and how long it took, and the next delta starts
// from its start.
func TestDeltaPass(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	h := newHarness(t, redistest.Client(t), 120, 600_000, nil)
	h.workers(2, 8)

	bulk := runContent(ctx, t, h, nil)
	if bulk.Migration.State != store.StateDone {
		t.Fatalf("bulk: state %s: %s", bulk.Migration.State, bulk.Migration.Error)
	}
	mustEqual(ctx, t, h, "after the bulk run")
	bulkRun, ok := bulk.Migration.LastComplete()
	if !ok || bulkRun.Kind != store.RunBulk {
		t.Fatalf("the bulk run is not recorded as complete: %+v", bulk.Migration.Runs)
	}

	bulkWrites := writes(h.dst.Calls())
	ch := changeSource(ctx, t, h)
	before := h.dst.Calls()
	st := runDelta(ctx, t, h, false)
	got := writesBy(before, h.dst.Calls())
	mustEqual(ctx, t, h, "after the delta")

	for route, n := range ch.want {
		if got[route] != n {
			t.Errorf("%s: %d writes, the changes need %d", route, got[route], n)
		}
	}
	for route, n := range got {
		if _, ok := ch.want[route]; !ok {
			t.Errorf("%s: %d writes the changes do not need", route, n)
		}
	}
	t.Logf("bulk run: %s, %d destination writes; delta: %s, %d destination writes (%v) for changes needing %d; calls %v",
		bulkRun.Duration(), bulkWrites, st.Run.Duration, sum(got), got, sum(ch.want), st.Calls)

	// The report: a delta of run 2 since the bulk run's start minus the
	// margin, what it moved, how long it took.
	sum1 := st.Summary(time.Now())
	if sum1.Kind != store.RunDelta || sum1.Run != 2 || !sum1.Since.Equal(bulkRun.StartedAt.Add(-migrate.DeltaMargin)) {
		t.Errorf("summary: kind %s run %d since %s; want delta, 2, %s", sum1.Kind, sum1.Run, sum1.Since, bulkRun.StartedAt.Add(-migrate.DeltaMargin))
	}
	if sum1.Writes != int64(sum(got)) {
		t.Errorf("summary counts %d records written, the destination saw %d writes (%+v)", sum1.Writes, sum(got), sum1.Moved)
	}
	if sum1.Duration <= 0 || sum1.FinishedAt.IsZero() {
		t.Errorf("summary: duration %s, finished %s", sum1.Duration, sum1.FinishedAt)
	}
	moved := map[string]map[string]int64{}
	for _, p := range sum1.Moved {
		moved[p.Phase] = p.Counts
	}
	for _, c := range []struct {
		phase, counter string
		want           int64
	}{
		{migrate.PhaseContacts, "created", 3}, {migrate.PhaseContacts, "updated", 4}, {migrate.PhaseContacts, "tags_removed", 1},
		{migrate.PhaseContactTags, "applied", 2}, {migrate.PhaseNotes, "created", 2}, {migrate.PhaseEvents, "created", 1},
		{migrate.PhaseCompanies, "created", 1}, {migrate.PhaseCompanies, "updated", 1},
		{migrate.PhaseCompanyContacts, "applied", 1}, {migrate.PhaseCompanyContacts, "detached", 1},
		{migrate.PhaseArticles, "updated", 1}, {migrate.PhaseConsent, "opt_out_applied", 1}, {migrate.PhaseConversations, "parts", 2},
	} {
		if got := moved[c.phase][c.counter]; got != c.want {
			t.Errorf("summary: %s %s = %d, want %d", c.phase, c.counter, got, c.want)
		}
	}
	var text strings.Builder
	sum1.Print(&text)
	for _, want := range []string{"delta run 2 (changes since ", "record(s) written", "contacts", "API calls"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("printed summary lacks %q:\n%s", want, text.String())
		}
	}

	// No change since: a second delta writes nothing, and starts from the
	// first delta's start.
	before = h.dst.Calls()
	st2 := runDelta(ctx, t, h, false)
	if got := writesBy(before, h.dst.Calls()); len(got) > 0 {
		t.Errorf("a delta with no change wrote %v", got)
	}
	if d := st2.Migration.CurrentDelta(); d == nil || d.Base != 2 || !d.Since.Equal(st.Migration.StartedAt.Add(-migrate.DeltaMargin)) {
		t.Errorf("second delta: %+v, want based on run 2 from %s", d, st.Migration.StartedAt.Add(-migrate.DeltaMargin))
	}
	if s := st2.Summary(time.Now()); s.Writes != 0 || len(s.Moved) != 0 {
		t.Errorf("second delta reports %d writes: %+v", s.Writes, s.Moved)
	}
	kinds := make([]string, 0, len(st2.Migration.Runs))
	for _, r := range st2.Migration.Runs {
		kinds = append(kinds, fmt.Sprintf("%d:%s", r.Run, r.Kind))
	}
	if !slices.Equal(kinds, []string{"1:bulk", "2:delta", "3:delta"}) {
		t.Errorf("runs recorded: %v", kinds)
	}

	// A sweep finds nothing more to write either: every contact is read,
	// none differs from what was recorded.
	before = h.dst.Calls()
	runDelta(ctx, t, h, true)
	if got := writesBy(before, h.dst.Calls()); len(got) > 0 {
		t.Errorf("a sweep with no change wrote %v", got)
	}
}

// TestDeltaRefuses: a delta needs a migration with a completed run, and
// says so before anything is sent.
func TestDeltaRefuses(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	var calls atomic.Int64 // calls to the destination
	h := newHarness(t, rdb, 5, 600_000, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			next.ServeHTTP(w, r)
		})
	})
	ctx := context.Background()
	put := func(m *store.Migration) {
		t.Helper()
		m.ID = h.id
		if err := h.e.Store().Put(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name  string
		setup func()
		want  string
	}{
		{"no migration", func() {}, "does not exist"},
		{"bulk run failed", func() {
			put(&store.Migration{Run: 1, State: store.StateFailed, Error: "boom"})
		}, "no run of migration " + h.id + " has completed (run 1 is failed)"},
		{"bulk run going", func() {
			put(&store.Migration{Run: 1, State: store.StateRunning})
		}, "is running (run 1, bulk)"},
		{"only a requeue completed", func() {
			put(&store.Migration{Run: 2, State: store.StateDone, RunPhases: []string{migrate.PhaseContacts},
				Runs: []store.RunRecord{{Run: 2, Kind: store.RunRequeue}}})
		}, "no run of migration"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mr.FlushAll()
			calls.Store(0)
			tc.setup()
			cfg := h.config()
			cfg.Delta = true
			_, err := h.e.Start(ctx, cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "--delta") {
				t.Fatalf("err = %v, want it to name --delta and contain %q", err, tc.want)
			}
			if n := calls.Load(); n > 0 {
				t.Errorf("a refused delta called the destination %d times", n)
			}
		})
	}
}

// TestBeginDelta: which run a delta starts from, and that an unfinished
// delta resumes.
func TestDeltaRuns(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		m        store.Migration
		wantRun  int
		wantBase int
		wantFrom time.Time
	}{
		{"after a bulk run", store.Migration{Run: 1, State: store.StateDone, StartedAt: t0,
			Runs: []store.RunRecord{{Run: 1, Kind: store.RunBulk, StartedAt: t0}}}, 2, 1, t0},
		{"after a requeue: from the bulk run", store.Migration{Run: 2, State: store.StateDone, StartedAt: t0.Add(time.Hour), RunPhases: []string{"contacts"},
			Runs: []store.RunRecord{{Run: 1, Kind: store.RunBulk, StartedAt: t0}, {Run: 2, Kind: store.RunRequeue, StartedAt: t0.Add(time.Hour)}}}, 3, 1, t0},
		{"after a delta: from the delta", store.Migration{Run: 2, State: store.StateDone, StartedAt: t0.Add(2 * time.Hour),
			Runs: []store.RunRecord{{Run: 1, Kind: store.RunBulk, StartedAt: t0}, {Run: 2, Kind: store.RunDelta, StartedAt: t0.Add(2 * time.Hour)}}}, 3, 2, t0.Add(2 * time.Hour)},
		{"a record from before run history", store.Migration{Run: 1, State: store.StateDone, StartedAt: t0}, 2, 1, t0},
		{"a failed delta resumes", store.Migration{Run: 3, State: store.StateFailed, StartedAt: t0.Add(3 * time.Hour),
			Delta: &store.DeltaRun{Run: 3, Since: t0, Base: 1}}, 3, 1, t0.Add(migrate.DeltaMargin)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.m
			if err := migrate.BeginDelta(&m, t0.Add(5*time.Hour), false); err != nil {
				t.Fatal(err)
			}
			d := m.CurrentDelta()
			if d == nil || m.Run != tc.wantRun || d.Base != tc.wantBase || !d.Since.Equal(tc.wantFrom.Add(-migrate.DeltaMargin)) {
				t.Fatalf("run %d delta %+v; want run %d based on %d since %s", m.Run, d, tc.wantRun, tc.wantBase, tc.wantFrom.Add(-migrate.DeltaMargin))
			}
			// Once the delta's run ends, it is the next one's base.
			m.State = store.StateDone
			m.RecordRun(t0.Add(6 * time.Hour))
			if last, ok := m.LastComplete(); !ok || last.Run != m.Run || last.Kind != store.RunDelta || last.Since != d.Since {
				t.Fatalf("after the delta: last complete %+v", last)
			}
		})
	}
}
