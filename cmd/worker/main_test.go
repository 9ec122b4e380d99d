package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
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

// TestServesUntilCancelled starts the worker in-process on a queue of its
// own: it registers as an asynq server on that queue, and returns nil when
// its context ends (what SIGTERM does in main) without leaving a server
// registered.
func TestServesUntilCancelled(t *testing.T) {
	rdb := redistest.Client(t)
	setTokens(t, "src", "")
	b := make([]byte, 6)
	rand.Read(b)
	queue := "icmtest-worker-" + hex.EncodeToString(b)
	insp := asynq.NewInspectorFromRedisClient(rdb)
	t.Cleanup(func() { insp.DeleteQueue(queue, true) })
	servers := func() int {
		all, err := insp.Servers()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, s := range all {
			if _, ok := s.Queues[queue]; ok {
				n++
			}
		}
		return n
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"--concurrency", "2", "--queue", queue, "--shutdown-timeout", "2s", "--log-level", "error"}, &bytes.Buffer{})
	}()
	deadline := time.Now().Add(10 * time.Second)
	for servers() == 0 {
		select {
		case err := <-errc:
			t.Fatalf("worker returned before it was stopped: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no asynq server on queue %s after 10s", queue)
		}
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
	if n := servers(); n != 0 {
		t.Errorf("%d asynq server(s) still registered on %s after shutdown", n, queue)
	}
}
