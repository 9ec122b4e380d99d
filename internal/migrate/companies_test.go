package migrate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
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

// companyTagCalls counts the POST /tags calls that tag companies.
type companyTagCalls struct{ n atomic.Int64 }

func (c *companyTagCalls) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/tags" {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			if bytes.Contains(body, []byte(`"companies"`)) {
				c.n.Add(1)
			}
		}
		next.ServeHTTP(w, r)
	})
}

// loseScrollAnswer loses the n-th page a continuation of a companies scroll
// served: the client gets a 502 instead, as from a proxy that failed after
// the fact. The scroll advanced; the page is lost.
type loseScrollAnswer struct {
	n     int64
	pages atomic.Int64
	lost  atomic.Int64
}

func (l *loseScrollAnswer) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/companies/scroll" || r.URL.Query().Get("scroll_param") == "" || l.lost.Load() > 0 {
			next.ServeHTTP(w, r)
			return
		}
		if serveLosingAnswerIf(next, w, r, func() bool { return l.pages.Add(1) == l.n }) {
			l.lost.Add(1)
		}
	})
}

// sourceAttachments is the number of contact-company attachments of a
// sandbox (the sum of its companies' user_count) and its companies.
func sourceAttachments(t *testing.T, sb *intercomtest.Sandbox) (attachments, companies int) {
	t.Helper()
	recs, err := sb.Records("companies")
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range recs {
		var c struct {
			UserCount int `json:"user_count"`
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatal(err)
		}
		attachments += c.UserCount
	}
	return attachments, len(recs)
}

// compareCompanies runs the company comparisons and fails on a difference.
func compareCompanies(ctx context.Context, t *testing.T, h *harness) []verify.Result {
	t.Helper()
	src, dst := h.clients()
	o := verify.Options{Source: src, Dest: dst, Store: h.e.Store(), Migration: h.id}
	var out []verify.Result
	for _, f := range []verify.Comparison{verify.CompanyAttributes, verify.Companies, verify.CompanyContacts, verify.Contacts} {
		r, err := f(ctx, o)
		if err != nil {
			t.Fatalf("%s: %v", r.Entity, err)
		}
		if !r.Equal() || r.Source == 0 {
			t.Errorf("%s: %+v", r.Entity, r)
		}
		out = append(out, r)
	}
	return out
}

func phaseOf(st *migrate.Status, name string) migrate.PhaseStatus {
	for _, p := range st.Phases {
		if p.Phase == name {
			return p
		}
	}
	return migrate.PhaseStatus{}
}

// TestCompaniesEndToEnd migrates a seeded workspace's companies, their
// custom attributes, tags and attached contacts with two worker servers on
// a real Redis, while the source's scroll misbehaves: Intercom breaks the
// first scroll (500, "restart the scroll") and, in the next one, the
// answer of a page is lost after the scroll advanced. One contact is
// attached to twelve companies, more than its view embeds. Every company is
// written exactly once, every attachment once; the comparison is equal; a
// second run writes nothing.
func TestCompaniesEndToEnd(t *testing.T) {
	// Every entity of the seeded workspace migrates too: generous under -race.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	const contacts = 1200
	lose := &loseScrollAnswer{n: 2}
	tagCalls := &companyTagCalls{}
	h := newHarnessWith(t, redistest.Client(t), intercomtest.Options{Contacts: contacts, RateLimitPerMinute: 600_000, Entities: companyKinds}, lose.wrap, tagCalls.wrap)
	src, _ := h.clients()

	// A contact with more companies than its view shows.
	first, _, err := src.Contacts.List(ctx, &intercom.ListOptions{PerPage: 1})
	if err != nil {
		t.Fatal(err)
	}
	many := first.Data[0].ID
	for i := range 12 {
		co, _, err := src.Companies.CreateOrUpdate(ctx, &intercom.CompanyRequest{CompanyID: fmt.Sprintf("extra-%02d", i), Name: fmt.Sprintf("Extra %d", i),
			CustomAttributes: map[string]any{"seats_purchased": i}})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := src.Companies.AttachContact(ctx, many, co.ID); err != nil {
			t.Fatal(err)
		}
	}
	if c, _, _ := src.Contacts.Get(ctx, many); c == nil || !c.Companies.HasMore {
		t.Fatal("the contact's companies list is not cut")
	}
	h.src.BreakCompanyScrolls(1)
	attachments, companies := sourceAttachments(t, h.src)
	if companies < 120 || attachments < 1000 {
		t.Fatalf("seeded %d companies, %d attachments", companies, attachments)
	}

	h.workers(2, 8)
	before := h.dst.Calls()
	st := h.run(ctx)
	if st.Migration.State != store.StateDone {
		t.Fatalf("state %s: %s", st.Migration.State, st.Migration.Error)
	}
	for _, f := range failures(t, h) {
		switch f.Entity {
		case migrate.PhaseCompanyAttributes, migrate.PhaseCompanies, migrate.PhaseCompanyContacts, migrate.PhaseCompanyTags,
			"unit:" + migrate.PhaseCompanies, "unit:" + migrate.PhaseCompanyContacts, "unit:" + migrate.PhaseCompanyTags:
			t.Errorf("failure %+v", f)
		}
	}
	if lose.lost.Load() != 1 {
		t.Fatalf("%d scroll answers lost, want 1", lose.lost.Load())
	}
	results := compareCompanies(ctx, t, h)

	calls := h.dst.Calls()
	delta := func(route string) int { return calls[route] - before[route] }
	if got := delta("POST /companies"); got != companies {
		t.Errorf("POST /companies = %d for %d companies, want one each", got, companies)
	}
	if got := delta("POST /contacts/{contact_id}/companies"); got != attachments {
		t.Errorf("POST /contacts/{id}/companies = %d for %d attachments, want one each", got, attachments)
	}
	if got := h.dst.Count("companies"); got != companies {
		t.Errorf("destination holds %d companies, want %d", got, companies)
	}
	for _, route := range []string{"GET /companies", "GET /companies/{company_id}", "POST /companies/list"} {
		if n := delta(route); n != 0 {
			t.Errorf("%d lookups %s in the destination: the id map should answer", n, route)
		}
	}
	cp := phaseOf(st, migrate.PhaseCompanies)
	if cp.Counters["scroll_passes"] < 2 || cp.Counters["scroll_waits"] != 0 {
		t.Errorf("companies counters %v: want a second pass after the lost page, and no wait for another scroll", cp.Counters)
	}
	if n := h.src.OpenCompanyScrolls(); n != 0 {
		t.Errorf("%d scrolls left open at the source", n)
	}
	if got := phaseOf(st, migrate.PhaseCompanyContacts).Counters["lists_read"]; got != 1 {
		t.Errorf("lists_read = %d, want 1 (the contact with 12 companies)", got)
	}
	tagged := phaseOf(st, migrate.PhaseCompanyTags)
	attrCalls := delta("POST /data_attributes")
	t.Logf("companies %d: POST /companies %d (%.3f per company); company tags: %d applied in %d calls (%.3f per company); "+
		"attachments %d: POST /contacts/{id}/companies %d (%.3f per attachment, %.3f per contact); data attributes created %d; "+
		"source scroll calls %d in %d passes; results %+v",
		companies, delta("POST /companies"), float64(delta("POST /companies"))/float64(companies),
		tagged.Done, tagCalls.n.Load(), float64(tagCalls.n.Load())/float64(companies),
		attachments, delta("POST /contacts/{contact_id}/companies"), float64(delta("POST /contacts/{contact_id}/companies"))/float64(attachments),
		float64(delta("POST /contacts/{contact_id}/companies"))/contacts, attrCalls,
		h.src.Calls()["GET /companies/scroll"], cp.Counters["scroll_passes"], results)
	if tagged.Done == 0 || tagCalls.n.Load() == 0 || tagCalls.n.Load() > tagged.Done {
		t.Errorf("company tags: %d applied in %d calls", tagged.Done, tagCalls.n.Load())
	}

	// The same migration again: it reads, and writes nothing.
	rerunWritesNothing(t, ctx, h)
	if h.dst.Count("companies") != companies {
		t.Errorf("after the rerun the destination holds %d companies", h.dst.Count("companies"))
	}
}

// offsetClock is the real clock plus an offset a test moves forward.
type offsetClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *offsetClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *offsetClock) advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

// TestCompaniesWaitForAnotherScroll: another walk holds the source app's
// scroll when the migration reaches its companies (400 scroll_exists). The
// walking unit waits, without spending a retry, until that scroll expires,
// then walks; nothing is written twice.
func TestCompaniesWaitForAnotherScroll(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	t.Cleanup(migrate.SetCompanyScrollWait(time.Second))
	clock := &offsetClock{}
	h := newHarnessWith(t, redistest.Client(t), intercomtest.Options{Contacts: 300, RateLimitPerMinute: 600_000, Now: clock.Now, Entities: companyKinds}, nil, nil)
	src, _ := h.clients()
	// Someone else's scroll, left open.
	if _, _, err := src.Companies.Scroll(ctx, ""); err != nil {
		t.Fatal(err)
	}
	h.workers(2, 4)
	m, err := h.e.Start(ctx, h.config())
	if err != nil {
		t.Fatal(err)
	}
	// Let the walking unit find the scroll taken, then let it expire.
	deadline := time.Now().Add(4 * time.Minute)
	for {
		st, err := h.e.Status(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if phaseOf(st, migrate.PhaseCompanies).Counters["scroll_waits"] >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the walking unit never waited: %+v", phaseOf(st, migrate.PhaseCompanies))
		}
		time.Sleep(50 * time.Millisecond)
	}
	clock.advance(intercomtest.ScrollIdleSeconds*time.Second + 2*time.Second)
	st, err := h.e.Wait(ctx, m.ID, 100*time.Millisecond, nil)
	if err != nil || st.Migration.State != store.StateDone {
		t.Fatalf("wait: %v %+v", err, st)
	}
	_, companies := sourceAttachments(t, h.src)
	if got := h.dst.Calls()["POST /companies"]; got != companies {
		t.Errorf("POST /companies = %d for %d companies", got, companies)
	}
	compareCompanies(ctx, t, h)
}
