package migrate_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/internal/redisconn/redistest"
	"github.com/icmigrate/icmigrate/internal/secret"
	"github.com/icmigrate/icmigrate/internal/store"
	"github.com/icmigrate/icmigrate/internal/throttle"
	"github.com/icmigrate/icmigrate/internal/verify"
	"github.com/icmigrate/icmigrate/pkg/intercom"
	"github.com/icmigrate/icmigrate/pkg/intercom/intercomtest"
)

const (
	srcToken = "test-source-token"
	dstToken = "test-dest-token"
)

// harness is a source sandbox, a destination sandbox, a Redis and an engine
// whose queue no other test uses.
type harness struct {
	t        *testing.T
	rdb      redis.UniversalClient
	e        *migrate.Engine
	src, dst *intercomtest.Sandbox
	srcURL   string
	dstURL   string
	id       string
	queue    string
}

func unique(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func newHarness(t *testing.T, rdb redis.UniversalClient, contacts, ratePerMinute int, wrapDst func(http.Handler) http.Handler) *harness {
	return newHarnessWith(t, rdb, intercomtest.Options{Contacts: contacts, RateLimitPerMinute: ratePerMinute}, nil, wrapDst)
}

// newContactsHarness seeds the foundation's entities only (teammates,
// attributes, tags, contacts): the tests of the engine's machinery (retries,
// requeues, rate limits, lost answers) do not need the other entities, which
// would only make them slower.
func newContactsHarness(t *testing.T, rdb redis.UniversalClient, contacts, ratePerMinute int, wrapDst func(http.Handler) http.Handler) *harness {
	return newHarnessWith(t, rdb, intercomtest.Options{Contacts: contacts, RateLimitPerMinute: ratePerMinute, Entities: []string{"contacts"}}, nil, wrapDst)
}

// The kinds of records the tests of one entity seed besides the contacts'
// workspace (Options.Entities): the other entities would only make them
// slower. TestMigrateEndToEnd, TestDeltaPass and the demo seed every kind.
var (
	companyKinds      = []string{"contacts", "companies"}
	consentKinds      = []string{"contacts", "contact_subscriptions", "notes", "events"}
	contentKinds      = []string{"contacts", "help_centers", "collections", "articles", "internal_articles", "newsfeeds", "news_items", "custom_objects"}
	conversationKinds = []string{"contacts", "conversations"}
	ticketKinds       = []string{"contacts", "tickets"}
)

// newHarnessWith builds the sandboxes from opts (region, tokens and seed set
// here), each behind its wrapper when not nil.
func newHarnessWith(t *testing.T, rdb redis.UniversalClient, opts intercomtest.Options, wrapSrc, wrapDst func(http.Handler) http.Handler) *harness {
	t.Helper()
	h := &harness{t: t, rdb: rdb, id: unique("t-"), queue: unique("icmtest-")}
	so := opts
	so.Region, so.Tokens, so.Seed = "us", []string{srcToken}, 7
	var srcSrv, dstSrv *httptest.Server
	h.src, srcSrv = intercomtest.NewWrappedServer(t, so, wrapSrc)
	do := opts
	do.Region, do.Tokens, do.Seed, do.Contacts, do.InvalidContacts = "eu", []string{dstToken}, 7, 0, 0
	h.dst, dstSrv = intercomtest.NewWrappedServer(t, do, wrapDst)
	h.srcURL, h.dstURL = srcSrv.URL, dstSrv.URL
	var tokens secret.Tokens
	tokens.Add(srcToken, dstToken)
	// The sandboxes' tokens and app ids are the same in every test: a key
	// prefix of its own keeps one test's learned limits and counts out of
	// another's limiter.
	h.e = migrate.NewEngine(migrate.Options{Redis: rdb, Tokens: &tokens, Queue: h.queue,
		RateLimits: throttle.LimiterConfig{KeyPrefix: "icm:rl:" + h.queue + ":"}})
	t.Cleanup(func() { h.e.Close() })
	return h
}

func (h *harness) config() migrate.Config {
	return migrate.Config{ID: h.id,
		Source: migrate.Side{Region: intercom.US, BaseURL: h.srcURL, Tokens: []string{srcToken}},
		Dest:   migrate.Side{Region: intercom.EU, BaseURL: h.dstURL, Tokens: []string{dstToken}},
		// The API cannot list custom object types: an operator names them.
		CustomObjectTypes: h.src.CustomObjectTypes()}
}

func (h *harness) workers(n, concurrency int) {
	for range n {
		w := h.e.NewWorker(migrate.WorkerOptions{Concurrency: concurrency, PollInterval: 50 * time.Millisecond, ShutdownTimeout: 2 * time.Second})
		if err := w.Start(); err != nil {
			h.t.Fatal(err)
		}
		h.t.Cleanup(w.Shutdown)
	}
}

func (h *harness) run(ctx context.Context) *migrate.Status {
	h.t.Helper()
	m, err := h.e.Start(ctx, h.config())
	if err != nil {
		h.t.Fatalf("start: %v", err)
	}
	st, err := h.e.Wait(ctx, m.ID, 100*time.Millisecond, nil)
	if err != nil {
		h.t.Fatalf("wait: %v", err)
	}
	return st
}

// clients are the migration's own clients once it is recorded: they take
// their permits from the limiter the workers share, so that a comparison
// beside a run does not draw 429s (as `scheduler verify` does); before
// that, plain clients.
func (h *harness) clients() (*intercom.Client, *intercom.Client) {
	if m, err := h.e.Store().Get(context.Background(), h.id); err == nil {
		src, dst, err := h.e.Clients(m)
		if err != nil {
			h.t.Fatal(err)
		}
		return src, dst
	}
	src, err := intercom.NewClient(srcToken, intercom.US, intercom.WithBaseURL(h.srcURL), intercom.WithReadRetries(6))
	if err != nil {
		h.t.Fatal(err)
	}
	dst, err := intercom.NewClient(dstToken, intercom.EU, intercom.WithBaseURL(h.dstURL), intercom.WithReadRetries(6))
	if err != nil {
		h.t.Fatal(err)
	}
	return src, dst
}

func writes(calls map[string]int) int {
	n := 0
	for route, c := range calls {
		method, path, _ := strings.Cut(route, " ")
		if throttle.IsWrite(method, path) {
			n += c
		}
	}
	return n
}

func failures(t *testing.T, h *harness) []store.Failure {
	fs, err := h.e.Failures(context.Background(), h.id, "")
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// requireEqual runs every comparison of verify on the harness's migration
// and stops the test unless the two workspaces compare equal; when names
// the moment ("" for none).
func requireEqual(ctx context.Context, t *testing.T, h *harness, when string) {
	t.Helper()
	src, dst := h.clients()
	results, err := verify.All(ctx, verify.Options{Source: src, Dest: dst, Store: h.e.Store(), Migration: h.id})
	if err != nil {
		t.Fatal(err)
	}
	if !verify.Equal(results) {
		msg := "not equal"
		if when != "" {
			msg += " " + when
		}
		t.Fatalf("%s: %+v", msg, results)
	}
}

// TestMigrateEndToEnd migrates a seeded workspace of 1,000 contacts with
// every entity kind (hundreds of each) with two worker servers
// on a real Redis, compares every field, then runs the migration again and
// checks that the second run writes nothing.
func TestMigrateEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	const contacts = 1000
	h := newHarness(t, redistest.Client(t), contacts, 600_000, nil)
	h.workers(2, 8)

	st := h.run(ctx)
	if st.Migration.State != store.StateDone {
		t.Fatalf("state %s: %s", st.Migration.State, st.Migration.Error)
	}
	if fs := failures(t, h); len(fs) > 0 {
		t.Fatalf("%d failures, first: %+v", len(fs), fs[0])
	}
	src, dst := h.clients()
	results, err := verify.All(ctx, verify.Options{Source: src, Dest: dst, Store: h.e.Store(), Migration: h.id})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if !r.Equal() || r.Source == 0 {
			t.Errorf("%s: %+v", r.Entity, r)
		}
		// The conversations over the API's 500 parts are reported, row by row.
		if r.Entity == "conversations_over_500_parts" && (len(r.Diffs) == 0 || !r.Informational) {
			t.Errorf("conversations over 500 parts not reported: %+v", r)
		}
		if r.Entity == "contacts" && (r.Source != contacts || r.Matched != contacts) {
			t.Errorf("contacts: source %d matched %d, want %d", r.Source, r.Matched, contacts)
		}
	}
	calls := h.dst.Calls()
	if got := calls["POST /contacts"]; got != contacts {
		t.Errorf("POST /contacts = %d, want exactly %d (one per contact)", got, contacts)
	}
	if got := h.dst.Count("contacts"); got != contacts {
		t.Errorf("destination holds %d contacts, want %d", got, contacts)
	}
	// One write per contact (no update after a create), and bulk tagging:
	// POST /tags creates each tag once, then applies it 50 contacts or
	// companies a call, so at most one partly filled call per tag and kind
	// beyond applications/50.
	if got := calls["PUT /contacts/{contact_id}"]; got != 0 {
		t.Errorf("PUT /contacts = %d, want 0 (a contact is created whole)", got)
	}
	total := map[string]int64{}
	for _, p := range st.Phases {
		total[p.Phase] = p.Total
	}
	tags, contactApps, companyApps := total[migrate.PhaseTags], total[migrate.PhaseContactTags], total[migrate.PhaseCompanyTags]
	maxTagCalls := tags + (contactApps+49)/50 + tags + (companyApps+49)/50 + tags
	if got := int64(calls["POST /tags"]); got > maxTagCalls || contactApps == 0 {
		t.Errorf("POST /tags = %d for %d tags, %d contact and %d company applications: want <= %d", got, tags, contactApps, companyApps, maxTagCalls)
	}
	t.Logf("destination writes per contact: 1 + %.3f tag calls (%d tags, %d applications to contacts, %d to companies)",
		float64(calls["POST /tags"])/contacts, tags, contactApps, companyApps)
	for _, p := range st.Phases {
		if !p.Complete {
			t.Errorf("phase %s not complete: %+v", p.Phase, p)
		}
	}
	assertNoTokens(t, h.rdb, "icm:mig:"+h.id+"*")

	// The same migration again: a new run that reads, matches and writes
	// nothing.
	rerunWritesNothing(t, ctx, h)
	if got := h.dst.Count("contacts"); got != contacts {
		t.Errorf("after rerun the destination holds %d contacts", got)
	}
}

// assertNoTokens reads every value under a key pattern and fails if a token
// is there in plaintext.
func assertNoTokens(t *testing.T, rdb redis.UniversalClient, pattern string) {
	t.Helper()
	ctx := context.Background()
	keys, err := rdb.Keys(ctx, pattern).Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) == 0 {
		t.Fatalf("no keys under %s", pattern)
	}
	for _, k := range keys {
		var vals []string
		switch typ := rdb.Type(ctx, k).Val(); typ {
		case "string":
			vals = []string{rdb.Get(ctx, k).Val()}
		case "hash":
			for f, v := range rdb.HGetAll(ctx, k).Val() {
				vals = append(vals, f, v)
			}
		case "set":
			vals = rdb.SMembers(ctx, k).Val()
		default:
			t.Fatalf("key %s of unexpected type %s", k, typ)
		}
		for _, v := range vals {
			for _, tok := range []string{srcToken, dstToken} {
				if strings.Contains(k, tok) || strings.Contains(v, tok) {
					t.Fatalf("token in plaintext under %s", k)
				}
			}
		}
	}
}

// TestMigrateStopsOnUnauthorized revokes the destination token mid-run: the
// migration stops with a message naming the destination, and workers do not
// keep knocking.
func TestMigrateStopsOnUnauthorized(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var revoked atomic.Bool
	var refused atomic.Int64
	h := newContactsHarness(t, redistest.Client(t), 600, 600_000, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if revoked.Load() {
				refused.Add(1)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				w.Write([]byte(`{"type":"error.list","request_id":"00000000-0000-4000-8000-000000000000","errors":[{"code":"unauthorized","message":"Access Token Invalid"}]}`))
				return
			}
			next.ServeHTTP(w, r)
			if r.Method == http.MethodPost && r.URL.Path == "/contacts" {
				revoked.Store(true) // the first contact goes through, then the token is revoked
			}
		})
	})
	h.workers(2, 4)
	m, err := h.e.Start(ctx, h.config())
	if err != nil {
		t.Fatal(err)
	}
	st, err := h.e.Wait(ctx, m.ID, 100*time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Migration.State != store.StateFailed || !strings.Contains(st.Migration.Error, "destination") || !strings.Contains(st.Migration.Error, "401") {
		t.Fatalf("state %s, error %q; want failed naming the destination and 401", st.Migration.State, st.Migration.Error)
	}
	time.Sleep(500 * time.Millisecond) // let anything still queued show itself
	if n := refused.Load(); n > 16 {
		t.Errorf("%d requests refused with 401 after the revocation: a retry storm", n)
	}
}

// TestRateLimitWaits runs against a limit of 40 calls per 10-second window
// (about 170 calls in all, so several windows):
// the workers wait for the window to reset instead of failing or looping.
func TestRateLimitWaits(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a rate-limit window")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	h := newContactsHarness(t, redistest.Client(t), 30, 240, nil)
	h.workers(1, 4)
	st := h.run(ctx)
	if st.Migration.State != store.StateDone {
		t.Fatalf("state %s: %s", st.Migration.State, st.Migration.Error)
	}
	if fs := failures(t, h); len(fs) > 0 {
		t.Fatalf("failures: %+v", fs)
	}
	if h.dst.Count("contacts") != 30 {
		t.Fatalf("destination has %d contacts", h.dst.Count("contacts"))
	}
	limited := h.src.RateLimited() + h.dst.RateLimited()
	t.Logf("429 answers: %d; calls: source %d, destination %d", limited, h.src.TotalCalls(), h.dst.TotalCalls())
	if limited > 8 {
		t.Errorf("%d 429 answers: workers should pause on a spent window, not hammer it", limited)
	}
}

// TestStartRefuses checks what must stop a migration before anything is
// enqueued.
func TestStartRefuses(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	h := newContactsHarness(t, rdb, 25, 600_000, nil)
	for _, tc := range []struct {
		name   string
		change func(*migrate.Config)
		want   string
	}{
		{"bad id", func(c *migrate.Config) { c.ID = "no spaces" }, "migration id"},
		{"unknown region", func(c *migrate.Config) { c.Source.Region = "mars" }, "unknown region"},
		{"malformed URL", func(c *migrate.Config) { c.Dest.BaseURL = "ftp//x" }, "base URL"},
		{"missing token", func(c *migrate.Config) { c.Dest.Tokens = nil }, "INTERCOM_DEST_TOKEN"},
		{"wrong token", func(c *migrate.Config) { c.Dest.Tokens = []string{"revoked"} }, "destination: Intercom rejected token 1 of 1 (401"},
		{"region mismatch", func(c *migrate.Config) { c.Dest.Region = intercom.AU }, "not au"},
		{"non-empty destination", func(c *migrate.Config) {
			c.Dest = migrate.Side{Region: intercom.US, BaseURL: h.srcURL, Tokens: []string{srcToken}}
			c.Source = migrate.Side{Region: intercom.EU, BaseURL: h.dstURL, Tokens: []string{dstToken}}
		}, "holds 25 contacts already"},
		{"same workspace", func(c *migrate.Config) {
			c.Dest = migrate.Side{Region: intercom.US, BaseURL: h.srcURL, Tokens: []string{srcToken}}
		}, "same workspace"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := h.config()
			tc.change(&cfg)
			_, err := h.e.Start(context.Background(), cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
			if n, _ := rdb.Exists(context.Background(), "icm:mig:"+cfg.ID).Result(); n != 0 {
				t.Fatal("a refused migration was recorded")
			}
		})
	}
}

// TestNonemptyDestination: with AllowNonemptyDestination, contacts that the
// destination holds already are matched by email and external id and
// updated, not duplicated.
func TestNonemptyDestination(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	h := newContactsHarness(t, redistest.Client(t), 200, 600_000, nil)
	src, dst := h.clients()
	n := 0
	for c, err := range src.Contacts.All(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if c.Role != intercom.RoleUser || n == 20 {
			continue
		}
		// An older copy: same keys, another name, no attributes.
		if _, _, err := dst.Contacts.Create(ctx, &intercom.ContactRequest{Role: c.Role, Email: c.Email, ExternalID: c.ExternalID, Name: intercom.Ptr("Old Name")}); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if _, err := h.e.Start(ctx, h.config()); err == nil || !strings.Contains(err.Error(), "holds 20 contacts") {
		t.Fatalf("start into a non-empty destination: %v", err)
	}
	h.workers(1, 4)
	cfg := h.config()
	cfg.AllowNonemptyDestination = true
	m, err := h.e.Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	st, err := h.e.Wait(ctx, m.ID, 100*time.Millisecond, nil)
	if err != nil || st.Migration.State != store.StateDone {
		t.Fatalf("wait: %v %+v", err, st)
	}
	if got := h.dst.Count("contacts"); got != 200 {
		t.Fatalf("destination has %d contacts, want 200 (20 matched, not duplicated)", got)
	}
	requireEqual(ctx, t, h, "")
}
