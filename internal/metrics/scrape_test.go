package metrics_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/icmigrate/icmigrate/internal/metrics"
	"github.com/icmigrate/icmigrate/internal/metrics/metricstest"
	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/internal/secret"
	"github.com/icmigrate/icmigrate/internal/store"
	"github.com/icmigrate/icmigrate/internal/throttle"
	"github.com/icmigrate/icmigrate/pkg/intercom"
	"github.com/icmigrate/icmigrate/pkg/intercom/intercomtest"
)

const (
	srcToken = "metrics-test-source-token"
	dstToken = "metrics-test-dest-token"
)

func unique(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// rig is a small migration in one process: an embedded Redis, two
// sandboxes, an engine observed by a metrics registry, one worker, and the
// metrics server.
type rig struct {
	t     *testing.T
	mr    *miniredis.Miniredis
	rdb   *redis.Client
	reg   *metrics.Registry
	e     *migrate.Engine
	srv   *metrics.Server
	queue string
	cfg   migrate.Config
}

func newRig(t *testing.T, contacts, invalid int, wrapDst func(http.Handler) http.Handler) *rig {
	t.Helper()
	return newRigLimits(t, contacts, invalid, wrapDst, throttle.LimiterConfig{})
}

// newRigLimits is newRig with the engine's rate-limiter settings.
func newRigLimits(t *testing.T, contacts, invalid int, wrapDst func(http.Handler) http.Handler, limits throttle.LimiterConfig) *rig {
	t.Helper()
	r := &rig{t: t, mr: miniredis.RunT(t), queue: unique("icm-metrics-")}
	r.rdb = redis.NewClient(&redis.Options{Addr: r.mr.Addr(), PoolSize: 32})
	t.Cleanup(func() { r.rdb.Close() })

	sandbox := func(region, token string, contacts, invalid int, wrap func(http.Handler) http.Handler) string {
		_, srv := intercomtest.NewWrappedServer(t, intercomtest.Options{Region: region, Tokens: []string{token}, Seed: 11,
			Contacts: contacts, InvalidContacts: invalid, RateLimitPerMinute: 600_000, Unvalidated: true}, wrap)
		return srv.URL
	}
	srcURL := sandbox("us", srcToken, contacts, invalid, nil)
	dstURL := sandbox("eu", dstToken, 0, 0, wrapDst)

	var tokens secret.Tokens
	tokens.Add(srcToken, dstToken)
	r.reg = metrics.New("worker")
	r.reg.SetConcurrency(4)
	r.e = migrate.NewEngine(migrate.Options{Redis: r.rdb, Tokens: &tokens, Queue: r.queue, Observer: r.reg, RateLimits: limits})
	t.Cleanup(func() { r.e.Close() })
	// As cmd/worker does.
	r.reg.SetLimiterSource(metrics.FromThrottle(r.e.RateLimitStats))
	r.reg.WatchCluster(metrics.ClusterOptions{Redis: r.rdb, Status: r.e.Status, CacheTTL: time.Millisecond})
	var err error
	if r.srv, err = metrics.Serve("127.0.0.1:0", r.reg, metrics.RedisReady(r.rdb), nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.srv.Close(context.Background()) })
	w := r.e.NewWorker(migrate.WorkerOptions{Concurrency: 4, PollInterval: 50 * time.Millisecond, ShutdownTimeout: 2 * time.Second})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Shutdown)
	r.cfg = migrate.Config{ID: unique("m-"),
		Source: migrate.Side{Region: intercom.US, BaseURL: srcURL, Tokens: []string{srcToken}},
		Dest:   migrate.Side{Region: intercom.EU, BaseURL: dstURL, Tokens: []string{dstToken}}}
	return r
}

// runUntil starts the migration and waits until the phase is complete (the
// phases after it, other entities, may still run).
func (r *rig) runUntil(ctx context.Context, phase string) *migrate.Status {
	r.t.Helper()
	m, err := r.e.Start(ctx, r.cfg)
	if err != nil {
		r.t.Fatalf("start: %v", err)
	}
	for {
		st, err := r.e.Status(ctx, m.ID)
		if err != nil {
			r.t.Fatal(err)
		}
		for _, p := range st.Phases {
			if p.Phase == phase && p.Complete {
				return st
			}
		}
		if st.Migration.State != store.StateRunning {
			r.t.Fatalf("migration %s (%s) before %s was complete", st.Migration.State, st.Migration.Error, phase)
		}
		select {
		case <-ctx.Done():
			for _, p := range st.Phases {
				r.t.Logf("%s", p.Line())
			}
			r.t.Fatalf("%s not complete: %v", phase, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (r *rig) get(path string) (int, string) {
	r.t.Helper()
	resp, err := http.Get("http://" + r.srv.Addr() + path)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (r *rig) scrape() metricstest.Scrape {
	r.t.Helper()
	s, err := metricstest.Get(r.srv.Addr())
	if err != nil {
		r.t.Fatal(err)
	}
	return s
}

type L = map[string]string

// first429 answers 429 to the first n POST /contacts, with the headers
// Intercom sends and a reset in the next second: the throttle waits for the
// reset and retries in place.
func first429(n int64) func(http.Handler) http.Handler { return first429Until(n, time.Second) }

// first429Until is first429 with the reset the answers name: the Unix
// second of now + reset (so between reset-1s and reset away).
func first429Until(n int64, reset time.Duration) func(http.Handler) http.Handler {
	var seen atomic.Int64
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if req.Method == http.MethodPost && req.URL.Path == "/contacts" && seen.Add(1) <= n {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("X-RateLimit-Limit", "1666")
				w.Header().Set("X-RateLimit-Remaining", "0")
				w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(reset).Unix(), 10))
				w.WriteHeader(http.StatusTooManyRequests)
				io.WriteString(w, `{"type":"error.list","request_id":"test","errors":[{"code":"rate_limit_exceeded","message":"Rate Limit Exceeded"}]}`)
				return
			}
			next.ServeHTTP(w, req)
		})
	}
}

var routePattern = regexp.MustCompile(`^(/|(/([a-z][a-z_]*|\{id\}))+(/\.\.\.)?|other)$`)

// TestScrapeAfterMigration runs a small migration (60 contacts, 2 of which
// the destination refuses, the first write answered 429) with one observed
// worker, then reads /metrics over HTTP and checks every family: units,
// records, API calls and 429s, the migration's progress and dead-letter
// list, the queue and the workers.
func TestScrapeAfterMigration(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const contacts, invalid = 60, 2
	r := newRig(t, contacts, invalid, first429(1))
	start := time.Now()
	st := r.runUntil(ctx, migrate.PhaseContactTags)
	t.Logf("contacts and their tags migrated in %v", time.Since(start).Round(time.Millisecond))
	var cs migrate.PhaseStatus
	for _, p := range st.Phases {
		if p.Phase == migrate.PhaseContacts {
			cs = p
		}
	}
	if cs.Done != contacts-invalid || cs.Failed != invalid {
		t.Fatalf("contacts: %+v, want %d done and %d failed", cs, contacts-invalid, invalid)
	}

	s := r.scrape()
	id, q := st.Migration.ID, r.queue
	check := func(what string, got, want float64) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	atLeast := func(what string, got, want float64) {
		t.Helper()
		if got < want {
			t.Errorf("%s = %v, want at least %v", what, got, want)
		}
	}

	// The process.
	check("build_info{command=worker}", s.Sum("icmigrate_build_info", L{"command": "worker"}), 1)
	check("worker_concurrency", s.Sum("icmigrate_worker_concurrency", nil), 4)
	if n := s.Sum("icmigrate_worker_tasks_in_flight", nil); n < 0 || n > 4 {
		t.Errorf("worker_tasks_in_flight = %v, want 0 to 4 (the concurrency)", n)
	}

	// Units: every phase complete so far ran its units successfully.
	for _, p := range st.Phases {
		if !p.Complete {
			continue
		}
		atLeast("tasks_total{"+p.Phase+",success}", s.Sum("icmigrate_tasks_total", L{"migration": id, "entity": p.Phase, "outcome": "success"}), float64(p.UnitsDone))
		atLeast("task_duration_seconds_count{"+p.Phase+"}", s.Sum("icmigrate_task_duration_seconds", L{"migration": id, "entity": p.Phase}), 1)
	}
	check("tasks_total{dead}", s.Sum("icmigrate_tasks_total", L{"outcome": "dead"}), 0)
	for _, o := range s.LabelValues("icmigrate_tasks_total", "outcome") {
		if !strings.Contains("success retry rate_limited dead", o) {
			t.Errorf("outcome %q", o)
		}
	}

	// Records: created and refused, as the store says.
	check("records_total{contacts,created}", s.Sum("icmigrate_records_total", L{"migration": id, "entity": "contacts", "result": "created"}), contacts-invalid)
	check("records_total{contacts,failed}", s.Sum("icmigrate_records_total", L{"migration": id, "entity": "contacts", "result": "failed"}), invalid)

	// API calls: by side and route template, 429s counted, no id in any
	// label.
	atLeast("api_requests_total{destination,POST /contacts,2xx}",
		s.Sum("icmigrate_api_requests_total", L{"side": "destination", "region": "eu", "method": "POST", "endpoint": "/contacts", "status_class": "2xx"}), contacts-invalid)
	atLeast("api_requests_total{destination,POST /contacts,4xx}",
		s.Sum("icmigrate_api_requests_total", L{"side": "destination", "method": "POST", "endpoint": "/contacts", "status_class": "4xx"}), 1+invalid)
	atLeast("api_requests_total{source,GET /contacts,2xx}",
		s.Sum("icmigrate_api_requests_total", L{"side": "source", "region": "us", "method": "GET", "endpoint": "/contacts", "status_class": "2xx"}), 1)
	check("api_rate_limited_total{destination}", s.Sum("icmigrate_api_rate_limited_total", L{"side": "destination", "region": "eu"}), 1)
	check("api_rate_limited_total{source}", s.Sum("icmigrate_api_rate_limited_total", L{"side": "source"}), 0)
	atLeast("api_request_duration_seconds_count{source}", s.Sum("icmigrate_api_request_duration_seconds", L{"side": "source"}), 1)
	endpoints := s.LabelValues("icmigrate_api_requests_total", "endpoint")
	if len(endpoints) == 0 {
		t.Error("no endpoint label")
	}
	for _, ep := range endpoints {
		if !routePattern.MatchString(ep) {
			t.Errorf("endpoint label %q is not a route template", ep)
		}
	}
	for _, side := range s.LabelValues("icmigrate_api_requests_total", "side") {
		if side != "source" && side != "destination" && side != "unknown" {
			t.Errorf("side %q", side)
		}
	}
	for _, side := range s.LabelValues("icmigrate_limiter_permits_total", "side") {
		if side != "source" && side != "destination" && side != "unknown" {
			t.Errorf("limiter side %q", side)
		}
	}

	// The rate limiter (plugged in as the worker does): a series per side,
	// every call granted, the 429 seen and waited out in place.
	for _, side := range []string{"source", "destination"} {
		for _, d := range []metrics.Def{metrics.LimiterPermits, metrics.LimiterWaits, metrics.LimiterWaitSeconds, metrics.LimiterPauses,
			metrics.LimiterRateLimited, metrics.LimiterWindowLimit, metrics.LimiterRoundTrips, metrics.LimiterErrors} {
			if n := len(s.Values(d.Name, L{"side": side})); n != 1 {
				t.Errorf("%s{side=%s}: %d series, want 1", d.Name, side, n)
			}
		}
		// Every call of the side but the checks of Start (side "unknown")
		// had a permit, the 429's retry its own.
		calls := s.Sum("icmigrate_api_requests_total", L{"side": side})
		check("limiter_permits_total{"+side+"} == api_requests_total", s.Sum("icmigrate_limiter_permits_total", L{"side": side}), calls)
		atLeast("limiter_redis_round_trips_total{"+side+"}", s.Sum("icmigrate_limiter_redis_round_trips_total", L{"side": side}), 1)
		check("limiter_redis_errors_total{"+side+"}", s.Sum("icmigrate_limiter_redis_errors_total", L{"side": side}), 0)
		check("limiter_pauses_total{"+side+"}", s.Sum("icmigrate_limiter_pauses_total", L{"side": side}), 0)
	}
	check("limiter_rate_limited_total{destination}", s.Sum("icmigrate_limiter_rate_limited_total", L{"side": "destination"}), 1)
	check("limiter_rate_limited_total{source}", s.Sum("icmigrate_limiter_rate_limited_total", L{"side": "source"}), 0)
	atLeast("limiter_waits_total{destination}", s.Sum("icmigrate_limiter_waits_total", L{"side": "destination"}), 1)
	// The sandboxes' budget: 600,000 a minute, 100,000 a window.
	check("limiter_window_limit{source}", s.Sum("icmigrate_limiter_window_limit", L{"side": "source"}), 100_000)
	for _, ws := range s.LabelValues("icmigrate_limiter_permits_total", "workspace") {
		if ws == "" || strings.Contains(ws, srcToken) || strings.Contains(ws, dstToken) {
			t.Errorf("workspace label %q", ws)
		}
	}

	// The cluster metrics: this process holds the lease.
	check("cluster_collector_leader", s.Sum("icmigrate_cluster_collector_leader", nil), 1)
	check("migration_state{running}", s.Sum("icmigrate_migration_state", L{"migration": id, "state": "running"}), 1)
	check("migration_state{done}", s.Sum("icmigrate_migration_state", L{"migration": id, "state": "done"}), 0)
	check("migration_run", s.Sum("icmigrate_migration_run", L{"migration": id}), 1)
	check("migration_records{contacts}", s.Sum("icmigrate_migration_records", L{"migration": id, "entity": "contacts"}), contacts)
	check("migration_records_done{contacts}", s.Sum("icmigrate_migration_records_done", L{"migration": id, "entity": "contacts"}), contacts-invalid)
	check("migration_records_failed{contacts}", s.Sum("icmigrate_migration_records_failed", L{"migration": id, "entity": "contacts"}), invalid)
	check("migration_phase_complete{contacts}", s.Sum("icmigrate_migration_phase_complete", L{"migration": id, "entity": "contacts"}), 1)
	check("migration_eta_seconds{contacts}", s.Sum("icmigrate_migration_eta_seconds", L{"migration": id, "entity": "contacts"}), 0)
	check("dead_letter_entries{contacts,record}", s.Sum("icmigrate_dead_letter_entries", L{"migration": id, "entity": "contacts", "kind": "record"}), invalid)
	check("dead_letter_entries{unit}", s.Sum("icmigrate_dead_letter_entries", L{"migration": id, "kind": "unit"}), 0)
	if got := len(s.Values("icmigrate_migration_records_done", L{"migration": id})); got != len(st.Phases) {
		t.Errorf("migration_records_done: %d entities, want %d", got, len(st.Phases))
	}
	check("queue_workers", s.Sum("icmigrate_queue_workers", L{"queue": q}), 1)
	if len(s.Values("icmigrate_queue_tasks", L{"queue": q})) != 7 {
		t.Errorf("queue_tasks: %v, want 7 states", s.Values("icmigrate_queue_tasks", L{"queue": q}))
	}
	if len(s.Values("icmigrate_queue_latency_seconds", L{"queue": q})) != 1 {
		t.Error("no queue_latency_seconds")
	}
	atLeast("queue_processed_total", s.Sum("icmigrate_queue_processed_total", L{"queue": q}), 1)
	// The tags phase is complete and nothing follows the completion of the
	// contact tags but more phases: its records are all there.
	check("migration_records_done{contact_tags} == records", s.Sum("icmigrate_migration_records_done", L{"migration": id, "entity": "contact_tags"}),
		s.Sum("icmigrate_migration_records", L{"migration": id, "entity": "contact_tags"}))

	// Everything in the catalogue is exported (what the dashboard queries
	// is in the catalogue: deploy/grafana's test).
	for _, d := range metrics.Catalog() {
		if _, ok := s[d.Name]; !ok {
			t.Errorf("%s (catalogue) is not exported", d.Name)
		}
	}
	// No unbounded label value: no record id (the sandboxes' ids are long
	// hex strings), no email, no token. A workspace is a region and an app
	// id, or before Start knows the app, its tokens' fingerprint: one per
	// workspace either way.
	hexID := regexp.MustCompile(`[0-9a-f]{16,}`)
	workspace := regexp.MustCompile(`^((us|eu|au):[a-z0-9]+|fp-[0-9a-f]{16})$`)
	for name, f := range s {
		if !strings.HasPrefix(name, "icmigrate_") || name == metrics.BuildInfo.Name {
			continue
		}
		for _, m := range f.Metric {
			for _, l := range m.Label {
				v := l.GetValue()
				if l.GetName() == "workspace" {
					if !workspace.MatchString(v) {
						t.Errorf("%s{workspace=%q}: not a workspace name", name, v)
					}
					continue
				}
				if strings.Contains(v, "@") || hexID.MatchString(v) || strings.Contains(v, srcToken) || strings.Contains(v, dstToken) {
					t.Errorf("%s{%s=%q}: an id, an email or a token in a label", name, l.GetName(), v)
				}
			}
		}
	}

	// Everything exported is in the catalogue, with its labels.
	for name, f := range s {
		if strings.HasPrefix(name, "go_") || strings.HasPrefix(name, "process_") || strings.HasPrefix(name, "promhttp_") {
			continue
		}
		d, ok := metrics.Lookup(name)
		if !ok {
			t.Errorf("exported %s is not in the catalogue", name)
			continue
		}
		for _, m := range f.Metric {
			for _, l := range m.Label {
				if !contains(d.Labels, l.GetName()) {
					t.Errorf("%s has label %s, not in the catalogue's %v", name, l.GetName(), d.Labels)
				}
			}
		}
	}

	// The probes.
	if code, body := r.get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d %s", code, body)
	}
	if code, body := r.get("/readyz"); code != http.StatusOK {
		t.Errorf("/readyz: %d %s", code, body)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// TestScrapeDeadUnits: a destination that rejects the token after Start
// stops the migration; the unit that saw the 401 is counted dead.
func TestScrapeDeadUnits(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var started atomic.Bool
	r := newRig(t, 10, 0, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if started.Load() {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				io.WriteString(w, `{"type":"error.list","request_id":"test","errors":[{"code":"unauthorized","message":"Access Token Invalid"}]}`)
				return
			}
			next.ServeHTTP(w, req)
		})
	})
	m, err := r.e.Start(ctx, r.cfg)
	if err != nil {
		t.Fatal(err)
	}
	started.Store(true)
	st, err := r.e.Wait(ctx, m.ID, 50*time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Migration.State != store.StateFailed {
		t.Fatalf("state %s, want failed", st.Migration.State)
	}
	// The dead unit is counted once its handler has returned.
	deadline := time.Now().Add(10 * time.Second)
	var s metricstest.Scrape
	for {
		s = r.scrape()
		if s.Sum("icmigrate_tasks_total", L{"migration": m.ID, "outcome": "dead"}) >= 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := s.Sum("icmigrate_tasks_total", L{"migration": m.ID, "outcome": "dead"}); got < 1 {
		t.Errorf("tasks_total{dead} = %v, want >= 1", got)
	}
	if got := s.Sum("icmigrate_api_requests_total", L{"side": "destination", "status_class": "4xx"}); got < 1 {
		t.Errorf("no 4xx counted on the destination")
	}
	if got := s.Sum("icmigrate_migration_state", L{"migration": m.ID, "state": "failed"}); got != 1 {
		t.Errorf("migration_state{failed} = %v", got)
	}
}

// TestScrapeLimiterPause: when the wait for a rate-limit window is longer
// than the limiter waits in place (MaxInlineWait), the request is refused
// (a pause) and its unit goes back to the queue without spending a retry:
// /metrics shows the pause and the unit's rate_limited run, and the
// contacts still all arrive.
func TestScrapeLimiterPause(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const contacts = 20
	// The 429 names a reset 1 to 2 s away; the limiter waits 50 ms at most.
	r := newRigLimits(t, contacts, 0, first429Until(1, 2*time.Second), throttle.LimiterConfig{MaxInlineWait: 50 * time.Millisecond})
	st := r.runUntil(ctx, migrate.PhaseContacts)
	id := st.Migration.ID
	s := r.scrape()
	if got := s.Sum("icmigrate_limiter_pauses_total", L{"side": "destination"}); got < 1 {
		t.Errorf("limiter_pauses_total{destination} = %v, want at least 1", got)
	}
	if got := s.Sum("icmigrate_limiter_rate_limited_total", L{"side": "destination"}); got != 1 {
		t.Errorf("limiter_rate_limited_total{destination} = %v, want 1", got)
	}
	if got := s.Sum("icmigrate_tasks_total", L{"migration": id, "entity": "contacts", "outcome": "rate_limited"}); got < 1 {
		t.Errorf("tasks_total{contacts,rate_limited} = %v, want at least 1", got)
	}
	if got := s.Sum("icmigrate_tasks_total", L{"migration": id, "outcome": "retry"}) + s.Sum("icmigrate_tasks_total", L{"migration": id, "outcome": "dead"}); got != 0 {
		t.Errorf("%v runs retried or dead: a pause spends no retry", got)
	}
	if got := s.Sum("icmigrate_migration_records_done", L{"migration": id, "entity": "contacts"}); got != contacts {
		t.Errorf("migration_records_done{contacts} = %v, want %d", got, contacts)
	}
}
