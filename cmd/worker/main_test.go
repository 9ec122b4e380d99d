package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/icmigrate/icmigrate/internal/redisconn/redistest"
	"github.com/icmigrate/icmigrate/internal/version"
)

func setTokens(t *testing.T, src, dst string) {
	t.Setenv("INTERCOM_SOURCE_TOKEN", src)
	t.Setenv("INTERCOM_DEST_TOKEN", dst)
	t.Setenv("INTERCOM_SOURCE_TOKENS", "")
	t.Setenv("INTERCOM_DEST_TOKENS", "")
	t.Setenv("ICMIGRATE_WORKSPACE_RATE_LIMIT", "")
	t.Setenv("ICMIGRATE_APP_RATE_LIMIT", "")
}

// TestBadInput: the worker refuses bad flags, a missing token and a Redis
// it cannot use, with a message naming the problem.
func TestBadInput(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		src, dst string
		want     []string
	}{
		{"--concurrency 0", []string{"--concurrency", "0"}, "src", "dst", []string{"--concurrency 0", "at least 1"}},
		{"negative --concurrency", []string{"--concurrency=-3"}, "src", "dst", []string{"--concurrency -3"}},
		{"--concurrency not a number", []string{"--concurrency", "many"}, "src", "dst", []string{"invalid value", `"many"`, "-concurrency"}},
		{"--shutdown-timeout 0", []string{"--shutdown-timeout", "0s"}, "src", "dst", []string{"--shutdown-timeout 0s"}},
		{"stray argument", []string{"--concurrency", "2", "start"}, "src", "dst", []string{"unexpected argument", `"start"`}},
		{"stray argument before the flags", []string{"run", "--concurrency", "2"}, "src", "dst", []string{"unexpected argument", `"run --concurrency 2"`}},
		{"unknown flag", []string{"--token", "x"}, "src", "dst", []string{"flag provided but not defined", "-token"}},
		{"bad --queue", []string{"--queue", "{x}"}, "src", "dst", []string{"--queue", `"{x}"`}},
		{"bad queue in a --queue list", []string{"--queue", "ok,{x}=2"}, "src", "dst", []string{"--queue", `"{x}"`}},
		{"empty queue in a --queue list", []string{"--queue", "a,,b"}, "src", "dst", []string{"--queue", "empty queue name"}},
		{"--queue slots 0", []string{"--queue", "a=0"}, "src", "dst", []string{"--queue", "at least 1"}},
		{"--queue listed twice", []string{"--queue", "a,a"}, "src", "dst", []string{"--queue", "twice"}},
		{"--workspace-rate-limit 0", []string{"--workspace-rate-limit", "0"}, "src", "dst", []string{"--workspace-rate-limit 0", "at least 1"}},
		{"--app-rate-limit not a number", []string{"--app-rate-limit", "fast"}, "src", "dst", []string{"--app-rate-limit", `"fast"`}},
		{"--app-rate-limit not a fingerprint", []string{"--app-rate-limit", "src=100"}, "src", "dst", []string{"--app-rate-limit", "not a token fingerprint"}},
		{"--app-rate-limit of a token the worker lacks", []string{"--app-rate-limit", "0123456789abcdef=100"}, "src", "dst", []string{"--app-rate-limit", "no token", "0123456789abcdef"}},
		{"bad --log-level", []string{"--log-level", "chatty"}, "src", "dst", []string{`"chatty"`}},
		{"no token at all", nil, "", "", []string{"no Intercom token", "INTERCOM_SOURCE_TOKEN", "INTERCOM_DEST_TOKEN"}},
		{"blank token lists", nil, " ", " ", []string{"no Intercom token"}},
		{"unreachable Redis", []string{"--redis", "redis://127.0.0.1:1"}, "src", "dst", []string{"Redis", "127.0.0.1:1"}},
		{"malformed --redis", []string{"--redis", "localhost"}, "src", "dst", []string{"redis URL", `"localhost"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			setTokens(t, tc.src, tc.dst)
			// Were the worker to start, it would stop when this context ends.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var out bytes.Buffer
			err := run(ctx, tc.args, &out)
			if err == nil {
				t.Fatalf("%v: no error", tc.args)
			}
			t.Logf("%v", err)
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
		})
	}
}

func TestHelpAndVersion(t *testing.T) {
	setTokens(t, "", "")
	if err := run(context.Background(), []string{"-h"}, &bytes.Buffer{}); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v, want flag.ErrHelp (main exits 0 on it)", err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"--version"}, &out); err != nil {
		t.Fatalf("--version: %v", err)
	}
	if got := strings.TrimSpace(out.String()); got != version.Version {
		t.Errorf("--version printed %q, want %q", got, version.Version)
	}
}

// TestServesUntilCancelled starts the worker in-process on queues of its
// own: it registers an asynq server on each queue, with that queue's slots,
// and returns nil when its context ends (what SIGTERM does in main) without
// leaving a server registered.
func TestServesUntilCancelled(t *testing.T) {
	a, b := "icmtest-worker-"+randomHex(), "icmtest-worker-"+randomHex()
	for _, tc := range []struct {
		name      string
		args      []string
		wantSlots map[string]int
	}{
		{"one queue", []string{"--concurrency", "2", "--queue", a}, map[string]int{a: 2}},
		{"two queues with slots of their own", []string{"--concurrency", "3", "--queue", a + "," + b + "=1"}, map[string]int{a: 3, b: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rdb := redistest.Client(t)
			setTokens(t, "src", "")
			insp := asynq.NewInspectorFromRedisClient(rdb)
			t.Cleanup(func() { insp.DeleteQueue(a, true); insp.DeleteQueue(b, true) })
			// slots are the worker's slots by queue, as its servers registered them.
			slots := func() map[string]int {
				all, err := insp.Servers()
				if err != nil {
					t.Fatal(err)
				}
				got := map[string]int{}
				for _, s := range all {
					for q := range s.Queues {
						if q == a || q == b {
							if len(s.Queues) != 1 {
								t.Fatalf("a server serves %v: want one queue per server", s.Queues)
							}
							got[q] += s.Concurrency
						}
					}
				}
				return got
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			errc := make(chan error, 1)
			go func() {
				errc <- run(ctx, append(tc.args, "--shutdown-timeout", "2s", "--log-level", "error", "--metrics-addr", ""), &bytes.Buffer{})
			}()
			deadline := time.Now().Add(10 * time.Second)
			for len(slots()) < len(tc.wantSlots) {
				select {
				case err := <-errc:
					t.Fatalf("worker returned before it was stopped: %v", err)
				case <-time.After(50 * time.Millisecond):
				}
				if time.Now().After(deadline) {
					t.Fatalf("servers after 10s: %v, want %v", slots(), tc.wantSlots)
				}
			}
			if got := slots(); !maps.Equal(got, tc.wantSlots) {
				t.Errorf("slots by queue %v, want %v", got, tc.wantSlots)
			}
			cancel()
			select {
			case err := <-errc:
				if err != nil {
					t.Fatalf("worker stopped with %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("worker still running 5s after its context ended (shutdown timeout 2s)")
			}
			if got := slots(); len(got) != 0 {
				t.Errorf("asynq servers still registered after shutdown: %v", got)
			}
		})
	}
}

// TestBadRateLimitEnv: the environment variables are checked as the flags
// are, and named in the message.
func TestBadRateLimitEnv(t *testing.T) {
	for _, tc := range []struct {
		name, env, value string
		want             []string
	}{
		{"workspace limit not a number", "ICMIGRATE_WORKSPACE_RATE_LIMIT", "lots", []string{"ICMIGRATE_WORKSPACE_RATE_LIMIT", `"lots"`}},
		{"workspace limit negative", "ICMIGRATE_WORKSPACE_RATE_LIMIT", "-1", []string{"ICMIGRATE_WORKSPACE_RATE_LIMIT -1"}},
		{"app limit malformed", "ICMIGRATE_APP_RATE_LIMIT", "6000,fast", []string{"ICMIGRATE_APP_RATE_LIMIT", `"fast"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setTokens(t, "src", "dst")
			t.Setenv(tc.env, tc.value)
			err := run(context.Background(), nil, &bytes.Buffer{})
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
		})
	}
}

// TestRateLimits: the limiters' configuration from the flags, else from the
// environment, in calls per 10-second window.
func TestRateLimits(t *testing.T) {
	const fp = "0123456789abcdef"
	for _, tc := range []struct {
		name          string
		args          []string
		wsEnv, appEnv string
		wantWS        int
		wantCap       int
		wantCaps      map[string]int
	}{
		{name: "Intercom's defaults", wantWS: 4166},
		{name: "workspace flag", args: []string{"--workspace-rate-limit", "15000"}, wantWS: 2500},
		{name: "workspace env", wsEnv: "15000", wantWS: 2500},
		{name: "the flag wins over the env", args: []string{"--workspace-rate-limit", "60000"}, wsEnv: "15000", wantWS: 10000},
		{name: "app cap for every app", args: []string{"--app-rate-limit", "6000"}, wantWS: 4166, wantCap: 1000},
		{name: "app caps from the env", appEnv: "6000," + fp + "=1800", wantWS: 4166, wantCap: 1000, wantCaps: map[string]int{fp: 300}},
		{name: "app flag wins over the env", args: []string{"--app-rate-limit", fp + "=600"}, appEnv: "6000", wantWS: 4166, wantCaps: map[string]int{fp: 100}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("ICMIGRATE_WORKSPACE_RATE_LIMIT", tc.wsEnv)
			t.Setenv("ICMIGRATE_APP_RATE_LIMIT", tc.appEnv)
			fs := flag.NewFlagSet("worker", flag.ContinueOnError)
			ws := fs.Int("workspace-rate-limit", defaultWorkspacePerMinute, "")
			app := fs.String("app-rate-limit", "", "")
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			cfg, err := rateLimits(fs, *ws, *app)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.WorkspaceLimit != tc.wantWS || cfg.AppCap != tc.wantCap || !maps.Equal(cfg.AppCaps, tc.wantCaps) {
				t.Fatalf("workspace %d, cap %d, caps %v; want %d, %d, %v", cfg.WorkspaceLimit, cfg.AppCap, cfg.AppCaps, tc.wantWS, tc.wantCap, tc.wantCaps)
			}
		})
	}
}

func randomHex() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}
