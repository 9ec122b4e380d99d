package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/internal/redisconn/redistest"
	"github.com/icmigrate/icmigrate/internal/secret"
	"github.com/icmigrate/icmigrate/internal/store"
	"github.com/icmigrate/icmigrate/pkg/intercom"
	"github.com/icmigrate/icmigrate/pkg/intercom/intercomtest"
)

// TestMigrateDelta drives `scheduler migrate --delta` as an operator does:
// refused before a bulk run (nothing recorded), then the bulk run, a change
// at the source, and the delta, whose report says what it moved and how
// long it took; `status` shows it too.
func TestMigrateDelta(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rdb := redistest.Client(t)
	_, us := intercomtest.NewServer(t, intercomtest.Options{Region: "us", Tokens: []string{"src-delta"}, Seed: 3, Contacts: 30})
	_, eu := intercomtest.NewServer(t, intercomtest.Options{Region: "eu", Tokens: []string{"dst-delta"}, Seed: 3})
	t.Setenv("INTERCOM_SOURCE_TOKEN", "src-delta")
	t.Setenv("INTERCOM_DEST_TOKEN", "dst-delta")
	t.Setenv("INTERCOM_SOURCE_TOKENS", "")
	t.Setenv("INTERCOM_DEST_TOKENS", "")
	id, queue := unique("cli-delta-"), unique("icmtest-delta-")
	t.Cleanup(func() { removeFromRedis(t, rdb, id, queue) })
	base := []string{"--id", id, "--queue", queue, "--source-url", us.URL, "--dest-url", eu.URL, "--wait", "--progress-every", "100ms"}

	var out bytes.Buffer
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--delta"}, "--delta: migration " + id + " does not exist"},
		{[]string{"--delta-sweep"}, "--delta-sweep goes with --delta"},
	} {
		err := runMigrate(ctx, append(append([]string{}, base...), tc.args...), &out)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("migrate %v: %v, want %q", tc.args, err, tc.want)
		}
		assertNothingInRedis(t, rdb, id, queue)
	}

	var toks secret.Tokens
	toks.Add("src-delta", "dst-delta")
	e := migrate.NewEngine(migrate.Options{Redis: rdb, Tokens: &toks, Queue: queue})
	t.Cleanup(func() { e.Close() })
	w := e.NewWorker(migrate.WorkerOptions{Concurrency: 4, PollInterval: 50 * time.Millisecond, ShutdownTimeout: 2 * time.Second})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Shutdown)

	if err := runMigrate(ctx, base, &out); err != nil {
		t.Fatalf("bulk: %v\n%s", err, out.String())
	}
	// One change at the source: a contact renamed.
	src, err := intercom.NewClient("src-delta", intercom.US, intercom.WithBaseURL(us.URL))
	if err != nil {
		t.Fatal(err)
	}
	page, _, err := src.Contacts.List(ctx, &intercom.ListOptions{PerPage: 1})
	if err != nil || len(page.Data) == 0 {
		t.Fatalf("listing the source: %v", err)
	}
	if _, _, err := src.Contacts.Update(ctx, page.Data[0].ID, &intercom.ContactRequest{Name: intercom.Ptr("Renamed Before Cutover")}); err != nil {
		t.Fatal(err)
	}

	out.Reset()
	if err := runMigrate(ctx, append(append([]string{}, base...), "--delta"), &out); err != nil {
		t.Fatalf("delta: %v\n%s", err, out.String())
	}
	t.Logf("scheduler migrate --delta --wait:\n%s", out.String())
	for _, want := range []string{"migration " + id + " run 2 started", "delta pass after run 1: changes at the source since ",
		"delta run 2 (changes since ", ": done in ", "1 record(s) written", "contacts", "updated 1", "API calls: source"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("delta output lacks %q:\n%s", want, out.String())
		}
	}

	out.Reset()
	if err := runStatus(ctx, []string{"--id", id}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "delta run 2") || !strings.Contains(out.String(), "updated 1") {
		t.Errorf("status output:\n%s", out.String())
	}
	out.Reset()
	if err := runStatus(ctx, []string{"--id", id, "--json"}, &out); err != nil {
		t.Fatal(err)
	}
	var st migrate.Status
	if err := json.Unmarshal(out.Bytes(), &st); err != nil {
		t.Fatalf("status --json: %v\n%s", err, out.String())
	}
	if st.Run.Kind != store.RunDelta || st.Run.Writes != 1 || st.Run.Duration <= 0 || len(st.Migration.Runs) != 2 || st.Migration.Runs[1].Kind != store.RunDelta {
		t.Errorf("status --json: run %+v, runs %+v", st.Run, st.Migration.Runs)
	}
}
