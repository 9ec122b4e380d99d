package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/icmigrate/icmigrate/internal/metrics/metricstest"
	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/internal/redisconn/redistest"
	"github.com/icmigrate/icmigrate/internal/secret"
	"github.com/icmigrate/icmigrate/internal/store"
	"github.com/icmigrate/icmigrate/pkg/intercom"
	"github.com/icmigrate/icmigrate/pkg/intercom/intercomtest"
)

// TestMetricsEndpoints: with --metrics-addr the worker serves /metrics,
// /healthz and /readyz while it runs, and stops serving them when it has
// shut down.
func TestMetricsEndpoints(t *testing.T) {
	rdb := redistest.Client(t)
	setTokens(t, "src", "dst")
	b := make([]byte, 6)
	rand.Read(b)
	queue := "icmtest-worker-" + hex.EncodeToString(b)
	t.Cleanup(func() { asynq.NewInspectorFromRedisClient(rdb).DeleteQueue(queue, true) })
	addr := metricstest.FreeAddr(t)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"--concurrency", "3", "--queue", queue, "--shutdown-timeout", "2s", "--log-level", "error",
			"--metrics-addr", addr, "--cluster-metrics=false"}, &bytes.Buffer{})
	}()
	get := func(path string) (int, string, error) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), nil
	}
	waitReady(t, addr, errc)
	if code, body, err := get("/healthz"); err != nil || code != http.StatusOK {
		t.Errorf("/healthz: %d %s %v", code, body, err)
	}
	code, body, err := get("/metrics")
	if err != nil || code != http.StatusOK {
		t.Fatalf("/metrics: %d %v", code, err)
	}
	for _, want := range []string{`icmigrate_build_info{command="worker"`, "icmigrate_worker_concurrency 3", "icmigrate_worker_tasks_in_flight 0", "go_goroutines"} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(body, "icmigrate_cluster_collector_leader") {
		t.Error("cluster metrics exported with --cluster-metrics=false")
	}
	for _, secret := range []string{"src", "dst"} {
		if strings.Contains(body, `"`+secret+`"`) {
			t.Errorf("/metrics holds the token %q", secret)
		}
	}
	stopWorker(t, cancel, errc)
	if _, _, err := get("/healthz"); err == nil {
		t.Error("metrics still served after the worker stopped")
	}
}

// The worker's tokens in TestMigrationMetricsAndLogs: distinctive, so that
// a leak into the logs or /metrics is found by a plain search.
const (
	opSrcToken = "op-src-token-6c0ffee1"
	opDstToken = "op-dst-token-5ca1ab1e"
)

// opRateLimit is the destination's budget in TestMigrationMetricsAndLogs,
// calls a minute (50 a 10-second window): the contacts and the phases
// before them take about 90 calls, so the worker's limiter spends a window
// and waits for the next one.
const opRateLimit = 300

// firstContact429 answers 429 to the first POST /contacts, with the headers
// Intercom sends and the sandbox's own limit: the limiter pauses the window
// and the request waits in place.
func firstContact429(next http.Handler, limit int) http.Handler {
	var seen atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodPost && req.URL.Path == "/contacts" && seen.Add(1) == 1 {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-RateLimit-Limit", strconv.Itoa(limit))
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Second).Unix(), 10))
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"type":"error.list","request_id":"test","errors":[{"code":"rate_limit_exceeded","message":"Rate Limit Exceeded"}]}`)
			return
		}
		next.ServeHTTP(w, req)
	})
}

// captureStderr sends what is written to os.Stderr (the worker's zap
// logger writes there) to a file until the returned function is called,
// which gives the lines back.
func captureStderr(t *testing.T) func() []string {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	orig := os.Stderr
	os.Stderr = f
	restored := false
	restore := func() {
		if !restored {
			os.Stderr, restored = orig, true
		}
	}
	t.Cleanup(restore)
	return func() []string {
		restore()
		b, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		return strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	}
}

// TestMigrationMetricsAndLogs runs the worker command on a small migration
// (40 contacts, 2 of which the destination refuses, the first write
// answered 429, the destination's budget tight) and checks what operators
// see of it: /metrics (units, records, API calls by route template, 429s,
// the rate limiter's permits, waits, pauses and window limit, the queue
// and the migration's progress) and the JSON logs (one object a line;
// units' lines name the migration, the entity and the task id); and that
// neither holds a token, an email, a name or a record id as a label.
func TestMigrationMetricsAndLogs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a migration with a tight rate limit; skipped with -short")
	}
	const contacts, invalid = 40, 2
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// An embedded Redis: the cluster metrics' lease and the rate limiter's
	// windows are this test's own.
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })

	sandbox := func(region string, token string, contacts, invalid, perMinute int, wrap func(http.Handler) http.Handler) string {
		_, srv := intercomtest.NewWrappedServer(t, intercomtest.Options{Region: region, Tokens: []string{token}, Seed: 77,
			Contacts: contacts, InvalidContacts: invalid, RateLimitPerMinute: perMinute, Unvalidated: true}, wrap)
		return srv.URL
	}
	perWindow := opRateLimit / 6
	srcURL := sandbox("us", opSrcToken, contacts, invalid, 0, nil)
	dstURL := sandbox("eu", opDstToken, 0, 0, opRateLimit, func(h http.Handler) http.Handler { return firstContact429(h, perWindow) })

	setTokens(t, opSrcToken, opDstToken)
	// The limits are the sandbox's, whatever the environment says.
	t.Setenv("ICMIGRATE_WORKSPACE_RATE_LIMIT", "")
	t.Setenv("ICMIGRATE_APP_RATE_LIMIT", "")
	const queue, id = "icmtest-op", "op-metrics-logs"
	addr := metricstest.FreeAddr(t)
	lines := captureStderr(t)
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	errc := make(chan error, 1)
	go func() {
		errc <- run(wctx, []string{"--redis", "redis://" + mr.Addr(), "--concurrency", "4", "--queue", queue, "--shutdown-timeout", "2s",
			"--log-level", "debug", "--metrics-addr", addr}, io.Discard)
	}()
	waitReady(t, addr, errc)

	// The scheduler's part: start the migration on the worker's queue.
	var tokens secret.Tokens
	tokens.Add(opSrcToken, opDstToken)
	e := migrate.NewEngine(migrate.Options{Redis: rdb, Tokens: &tokens, Queue: queue})
	defer e.Close()
	m, err := e.Start(ctx, migrate.Config{ID: id,
		Source: migrate.Side{Region: intercom.US, BaseURL: srcURL, Tokens: []string{opSrcToken}},
		Dest:   migrate.Side{Region: intercom.EU, BaseURL: dstURL, Tokens: []string{opDstToken}}})
	if err != nil {
		t.Fatal(err)
	}
	// Until the contacts are all handled: the phases after them may still
	// run when the worker stops.
	start := time.Now()
	st := waitPhase(ctx, t, e, m.ID, migrate.PhaseContacts)
	t.Logf("contacts handled in %v", time.Since(start).Round(time.Millisecond))
	var cs migrate.PhaseStatus
	for _, p := range st.Phases {
		if p.Phase == migrate.PhaseContacts {
			cs = p
		}
	}
	if cs.Done != contacts-invalid || cs.Failed != invalid {
		t.Fatalf("contacts: %+v, want %d done and %d failed", cs, contacts-invalid, invalid)
	}

	s := scrapeMetrics(t, addr)
	eq := func(what string, got, want float64) {
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
	// Units and records, by migration and entity.
	atLeast("tasks_total{contacts,success}", s.Sum("icmigrate_tasks_total", L{"migration": id, "entity": "contacts", "outcome": "success"}), 1)
	atLeast("task_duration_seconds_count{contacts}", s.Sum("icmigrate_task_duration_seconds", L{"migration": id, "entity": "contacts"}), 1)
	eq("records_total{contacts,created}", s.Sum("icmigrate_records_total", L{"migration": id, "entity": "contacts", "result": "created"}), contacts-invalid)
	eq("records_total{contacts,failed}", s.Sum("icmigrate_records_total", L{"migration": id, "entity": "contacts", "result": "failed"}), invalid)
	// API calls and 429s.
	atLeast("api_requests_total{destination,eu,POST,/contacts,2xx}",
		s.Sum("icmigrate_api_requests_total", L{"side": "destination", "region": "eu", "method": "POST", "endpoint": "/contacts", "status_class": "2xx"}), contacts-invalid)
	eq("api_rate_limited_total{destination}", s.Sum("icmigrate_api_rate_limited_total", L{"side": "destination", "region": "eu"}), 1)
	// The rate limiter: plugged in, one series per side, the 429 seen, the
	// tight budget learned from the answers and waited for.
	for _, side := range []string{"source", "destination"} {
		for _, name := range []string{"icmigrate_limiter_permits_total", "icmigrate_limiter_waits_total", "icmigrate_limiter_wait_seconds_total",
			"icmigrate_limiter_pauses_total", "icmigrate_limiter_rate_limited_total", "icmigrate_limiter_window_limit",
			"icmigrate_limiter_redis_round_trips_total", "icmigrate_limiter_redis_errors_total"} {
			if n := len(s.Values(name, L{"side": side})); n != 1 {
				t.Errorf("%s{side=%s}: %d series, want 1", name, side, n)
			}
		}
		atLeast("limiter_permits_total{"+side+"}", s.Sum("icmigrate_limiter_permits_total", L{"side": side}), 1)
		eq("limiter_redis_errors_total{"+side+"}", s.Sum("icmigrate_limiter_redis_errors_total", L{"side": side}), 0)
	}
	dstPermits := s.Sum("icmigrate_limiter_permits_total", L{"side": "destination"})
	atLeast("limiter_permits_total{destination}", dstPermits, contacts)
	eq("limiter_rate_limited_total{destination}", s.Sum("icmigrate_limiter_rate_limited_total", L{"side": "destination"}), 1)
	eq("limiter_window_limit{destination}", s.Sum("icmigrate_limiter_window_limit", L{"side": "destination"}), float64(perWindow))
	t.Logf("destination limiter: %v permits, %v waits (%.1fs), %v pauses, %v 429s, limit %v a window",
		dstPermits, s.Sum("icmigrate_limiter_waits_total", L{"side": "destination"}), s.Sum("icmigrate_limiter_wait_seconds_total", L{"side": "destination"}),
		s.Sum("icmigrate_limiter_pauses_total", L{"side": "destination"}), s.Sum("icmigrate_limiter_rate_limited_total", L{"side": "destination"}),
		s.Sum("icmigrate_limiter_window_limit", L{"side": "destination"}))
	if dstPermits > float64(perWindow) {
		// More calls than a window allows: some waited for the next one.
		atLeast("limiter_waits_total{destination}", s.Sum("icmigrate_limiter_waits_total", L{"side": "destination"}), 1)
		if got := s.Sum("icmigrate_limiter_wait_seconds_total", L{"side": "destination"}); got <= 0 {
			t.Errorf("limiter_wait_seconds_total{destination} = %v, want > 0", got)
		}
	} else {
		t.Errorf("%v destination permits: not more than one window's %d, the test does not exercise the limit", dstPermits, perWindow)
	}
	// The cluster metrics: this worker holds the lease of its Redis.
	eq("cluster_collector_leader", s.Sum("icmigrate_cluster_collector_leader", nil), 1)
	eq("migration_state{running}", s.Sum("icmigrate_migration_state", L{"migration": id, "state": "running"}), 1)
	eq("migration_records_done{contacts}", s.Sum("icmigrate_migration_records_done", L{"migration": id, "entity": "contacts"}), contacts-invalid)
	eq("dead_letter_entries{contacts,record}", s.Sum("icmigrate_dead_letter_entries", L{"migration": id, "entity": "contacts", "kind": "record"}), invalid)
	eq("queue_workers", s.Sum("icmigrate_queue_workers", L{"queue": queue}), 1)
	if n := len(s.Values("icmigrate_queue_tasks", L{"queue": queue})); n != 7 {
		t.Errorf("queue_tasks{queue=%s}: %d states, want 7", queue, n)
	}
	if n := len(s.Values("icmigrate_queue_latency_seconds", L{"queue": queue})); n != 1 {
		t.Errorf("queue_latency_seconds{queue=%s}: %d series, want 1", queue, n)
	}

	// What must not show: the tokens and the source's emails and names in
	// any label value or log line; its record ids in any label value.
	ids, personal := sourceRecords(ctx, t, srcURL)
	personal = append(personal, opSrcToken, opDstToken)
	for name, f := range s {
		if !strings.HasPrefix(name, "icmigrate_") {
			continue
		}
		for _, m := range f.Metric {
			for _, l := range m.Label {
				v := l.GetValue()
				if strings.Contains(v, "@") {
					t.Errorf("%s: label value %q holds an email", name, v)
				}
				for _, sec := range append(ids, personal...) {
					if strings.Contains(v, sec) {
						t.Errorf("%s: label value %q holds %q", name, v, sec)
					}
				}
			}
		}
	}

	stopWorker(t, stop, errc)
	logs := lines()
	checkLogs(t, logs, id, personal, contacts-invalid, invalid)
}

// waitPhase waits until the phase of the migration is complete.
func waitPhase(ctx context.Context, t *testing.T, e *migrate.Engine, id, phase string) *migrate.Status {
	t.Helper()
	for {
		st, err := e.Status(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range st.Phases {
			if p.Phase == phase && p.Complete {
				return st
			}
		}
		if st.Migration.State != store.StateRunning {
			t.Fatalf("migration %s (%s) before %s was complete", st.Migration.State, st.Migration.Error, phase)
		}
		select {
		case <-ctx.Done():
			for _, p := range st.Phases {
				t.Logf("%s", p.Line())
			}
			t.Fatalf("%s not complete: %v", phase, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stopWorker ends the context of a worker started with run (what SIGTERM
// does in main) and waits for run to return nil.
func stopWorker(t *testing.T, cancel context.CancelFunc, errc <-chan error) {
	t.Helper()
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("worker stopped with %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("worker still running 5s after its context ended (shutdown timeout 2s)")
	}
}

// waitReady waits until the worker's /readyz answers 200.
func waitReady(t *testing.T, addr string, errc <-chan error) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case err := <-errc:
			t.Fatalf("worker returned: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("worker not ready after 10s")
		}
	}
}

type L = map[string]string

func scrapeMetrics(t *testing.T, addr string) metricstest.Scrape {
	t.Helper()
	s, err := metricstest.Get(addr)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sourceRecords reads the source workspace: its contacts' ids (which may
// name records in logs, never in labels), and the emails and names of its
// contacts and admins (which must show in neither).
func sourceRecords(ctx context.Context, t *testing.T, url string) (ids, personal []string) {
	t.Helper()
	c, err := intercom.NewClient(opSrcToken, intercom.US, intercom.WithBaseURL(url))
	if err != nil {
		t.Fatal(err)
	}
	for ct, err := range c.Contacts.All(ctx, &intercom.ListOptions{PerPage: 150}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ct.ID)
		personal = append(personal, ct.Email, ct.Name)
	}
	admins, _, err := c.Admins.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range admins {
		personal = append(personal, a.Email, a.Name)
	}
	// Empty values (a contact without a name) match everything.
	personal = slices.DeleteFunc(personal, func(s string) bool { return s == "" })
	return ids, personal
}

// checkLogs: every line the worker wrote is a JSON object; the lines about
// a unit name its migration, entity (phase) and task id; the records
// refused and migrated are named by source id; no line holds a token, an
// email or a name.
func checkLogs(t *testing.T, lines []string, id string, personal []string, migrated, refused int) {
	t.Helper()
	var units, refusedLines, migratedLines, completes int
	for i, line := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("log line %d is not JSON: %q", i, line)
			continue
		}
		for _, k := range []string{"level", "ts", "msg"} {
			if _, ok := rec[k]; !ok {
				t.Errorf("log line %d has no %q: %s", i, k, line)
			}
		}
		str := func(k string) string { s, _ := rec[k].(string); return s }
		if _, ok := rec["unit"]; ok {
			units++
			if str("migration") != id || str("entity") == "" || str("task_id") == "" {
				t.Errorf("a unit's log line without its migration, phase and task id: %s", line)
			}
		}
		switch str("msg") {
		case "phase complete":
			completes++
		case "record refused":
			refusedLines++
			if str("entity") != "contacts" || str("source_id") == "" {
				t.Errorf("refused record line: %s", line)
			}
		case "contact migrated":
			migratedLines++
			if str("source_id") == "" || str("dest_id") == "" {
				t.Errorf("migrated contact line: %s", line)
			}
		}
		for _, p := range personal {
			if strings.Contains(line, p) {
				t.Errorf("log line %d holds %q: %s", i, p, line)
			}
		}
		if strings.Contains(line, "@") {
			t.Errorf("log line %d holds an @: %s", i, line)
		}
	}
	t.Logf("%d log lines, %d about units, %d phases complete", len(lines), units, completes)
	if testing.Verbose() {
		// One line of each message, to show what operators read.
		seen := map[string]bool{}
		for _, line := range lines {
			var rec struct{ Msg string }
			if json.Unmarshal([]byte(line), &rec) == nil && !seen[rec.Msg] {
				seen[rec.Msg] = true
				t.Log(line)
			}
		}
	}
	if units == 0 || completes == 0 {
		t.Errorf("%d unit lines, %d phase-complete lines: want some", units, completes)
	}
	if refusedLines != refused {
		t.Errorf("%d refused-record lines, want %d", refusedLines, refused)
	}
	if migratedLines < migrated {
		t.Errorf("%d contact-migrated lines, want at least %d", migratedLines, migrated)
	}
}
