package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/icmigrate/icmigrate/internal/metrics"
	"github.com/icmigrate/icmigrate/internal/metrics/metricstest"
	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/internal/secret"
	"github.com/icmigrate/icmigrate/pkg/intercom"
	"github.com/icmigrate/icmigrate/pkg/intercom/intercomtest"
)

// TestServeMetrics: what `scheduler migrate --metrics-addr` serves while
// it runs: its own calls (Start's checks, through the rate limiter), the
// queues' and the migration's progress (it holds the lease), the probes;
// and after it, nothing, the lease given back.
func TestServeMetrics(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	sandbox := func(region, token string, contacts int) string {
		sb, err := intercomtest.New(intercomtest.Options{Region: region, Tokens: []string{token}, Seed: 5, Contacts: contacts, Unvalidated: true})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(sb)
		t.Cleanup(srv.Close)
		return srv.URL
	}
	srcURL, dstURL := sandbox("us", "src", 10), sandbox("eu", "dst", 0)

	// As runMigrate does.
	var tokens secret.Tokens
	tokens.Add("src", "dst")
	reg := metrics.New("scheduler")
	const queue = "icmtest-sched-metrics"
	e := migrate.NewEngine(migrate.Options{Redis: rdb, Tokens: &tokens, Queue: queue, Observer: reg})
	defer e.Close()
	addr := metricstest.FreeAddr(t)
	stop, err := serveMetrics(addr, reg, rdb, e, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	m, err := e.Start(ctx, migrate.Config{ID: "sched-metrics",
		Source: migrate.Side{Region: intercom.US, BaseURL: srcURL, Tokens: []string{"src"}},
		Dest:   migrate.Side{Region: intercom.EU, BaseURL: dstURL, Tokens: []string{"dst"}}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := metricstest.Get(addr)
	if err != nil {
		t.Fatal(err)
	}
	type L = map[string]string
	for _, c := range []struct {
		what    string
		got     float64
		atLeast float64
	}{
		{"build_info{command=scheduler}", s.Sum("icmigrate_build_info", L{"command": "scheduler"}), 1},
		{"api_requests_total{unknown,GET /me}", s.Sum("icmigrate_api_requests_total", L{"side": "unknown", "endpoint": "/me", "status_class": "2xx"}), 2},
		// Start's checks go through the shared rate limiters too.
		{"limiter_permits_total{unknown}", s.Sum("icmigrate_limiter_permits_total", L{"side": "unknown"}), 2},
		{"cluster_collector_leader", s.Sum("icmigrate_cluster_collector_leader", nil), 1},
		{"migration_state{running}", s.Sum("icmigrate_migration_state", L{"migration": m.ID, "state": "running"}), 1},
		// No worker: the first phase's unit waits in the queue.
		{"queue_tasks{pending}", s.Sum("icmigrate_queue_tasks", L{"queue": queue, "state": "pending"}), 1},
	} {
		if c.got < c.atLeast {
			t.Errorf("%s = %v, want at least %v", c.what, c.got, c.atLeast)
		}
	}
	if got := s.Sum("icmigrate_queue_workers", L{"queue": queue}); got != 0 {
		t.Errorf("queue_workers = %v, want 0", got)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %s", path, resp.Status)
		}
	}

	stop()
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Error("metrics still served after stop")
	}
	if n, err := rdb.Exists(ctx, metrics.LeaseKey).Result(); err != nil || n != 0 {
		t.Errorf("lease still held after stop (%d, %v): the workers would wait for it to expire", n, err)
	}
	// "" serves nothing.
	stop, err = serveMetrics("", metrics.New("scheduler"), rdb, e, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	stop()
}

// TestDemoMetrics: `scheduler demo --metrics-addr` serves the metrics of
// its in-process workers while it runs (units, records, API calls, the rate
// limiter's counters).
func TestDemoMetrics(t *testing.T) {
	if testing.Short() {
		t.Skip("a whole migration; skipped with -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	addr := metricstest.FreeAddr(t)
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- runDemo(ctx, []string{"--contacts", "20", "--metrics-addr", addr}, &out) }()
	// The server stops with the demo: the last scrape is kept.
	var last metricstest.Scrape
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for running := true; running; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("demo: %v\n%s", err, out.String())
			}
			running = false
		case <-tick.C:
			if s, err := metricstest.Get(addr); err == nil && s.Sum("icmigrate_limiter_permits_total", map[string]string{"side": "destination"}) > 0 {
				last = s
			}
		}
	}
	if !strings.Contains(out.String(), "metrics served on "+addr) {
		t.Errorf("the demo does not say where the metrics are:\n%s", out.String())
	}
	if last == nil {
		t.Fatal("no scrape during the demo showed the destination's rate limiter")
	}
	type L = map[string]string
	for _, c := range []struct {
		what string
		got  float64
	}{
		{"build_info{command=demo}", last.Sum("icmigrate_build_info", L{"command": "demo"})},
		{"worker_concurrency", last.Sum("icmigrate_worker_concurrency", nil)},
		{"tasks_total{demo,success}", last.Sum("icmigrate_tasks_total", L{"migration": "demo", "outcome": "success"})},
		{"api_requests_total{source,2xx}", last.Sum("icmigrate_api_requests_total", L{"side": "source", "status_class": "2xx"})},
		{"limiter_permits_total{source}", last.Sum("icmigrate_limiter_permits_total", L{"side": "source"})},
		{"limiter_window_limit{destination}", last.Sum("icmigrate_limiter_window_limit", L{"side": "destination"})},
	} {
		if c.got <= 0 {
			t.Errorf("%s = %v during the demo, want > 0", c.what, c.got)
		}
	}
	if _, err := http.Get("http://" + addr + "/metrics"); err == nil {
		t.Error("metrics still served after the demo")
	}
}
