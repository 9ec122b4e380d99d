package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/internal/redisconn/redistest"
	"github.com/icmigrate/icmigrate/internal/store"
	"github.com/icmigrate/icmigrate/pkg/intercom/intercomtest"
)

// unique returns prefix and random hex: migration ids and queue names that
// no other test (or test process) on the shared Redis uses.
func unique(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// scanKeys lists the keys matching any of the patterns.
func scanKeys(t *testing.T, rdb redis.UniversalClient, patterns ...string) []string {
	t.Helper()
	var keys []string
	for _, p := range patterns {
		it := rdb.Scan(context.Background(), 0, p, 1000).Iterator()
		for it.Next(context.Background()) {
			keys = append(keys, it.Val())
		}
		if err := it.Err(); err != nil {
			t.Fatalf("scanning Redis for %s: %v", p, err)
		}
	}
	return keys
}

// migrationKeys are a migration's keys and its queue's (asynq's are
// asynq:{queue}:...).
func migrationKeys(id, queue string) []string {
	var ps []string
	if id != "" {
		ps = append(ps, "icm:mig:"+id, "icm:mig:"+id+":*")
	}
	if queue != "" {
		ps = append(ps, "asynq:{"+queue+"}:*")
	}
	return ps
}

// assertNothingInRedis checks that a refused command left no migration
// record, no state and no task behind.
func assertNothingInRedis(t *testing.T, rdb redis.UniversalClient, id, queue string) {
	t.Helper()
	if keys := scanKeys(t, rdb, migrationKeys(id, queue)...); len(keys) > 0 {
		t.Errorf("the refused command left keys in Redis: %v", keys)
	}
	if queue != "" {
		if ok, err := rdb.SIsMember(context.Background(), "asynq:queues", queue).Result(); err != nil || ok {
			t.Errorf("queue %s registered in asynq:queues (err %v)", queue, err)
		}
	}
}

// removeFromRedis deletes what a test migration left: its state and its
// queue. Tests share the Redis and never flush it.
func removeFromRedis(t *testing.T, rdb redis.UniversalClient, id, queue string) {
	t.Helper()
	if queue != "" {
		insp := asynq.NewInspectorFromRedisClient(rdb)
		if err := insp.DeleteQueue(queue, true); err != nil && !errors.Is(err, asynq.ErrQueueNotFound) {
			t.Logf("deleting queue %s: %v", queue, err)
		}
	}
	if keys := scanKeys(t, rdb, migrationKeys(id, queue)...); len(keys) > 0 {
		if err := rdb.Del(context.Background(), keys...).Err(); err != nil {
			t.Logf("deleting %d keys: %v", len(keys), err)
		}
	}
}

type runFunc func(ctx context.Context, args []string, stdout io.Writer) error

// TestBadInput runs the commands in-process with input they must refuse:
// the error names the problem (a flag, a variable, an address, an id), and
// nothing is recorded or enqueued.
func TestBadInput(t *testing.T) {
	rdb := redistest.Client(t)
	type tc struct {
		name string
		run  runFunc
		args []string
		// env overrides the default tokens (src, dst); "" unsets.
		env  map[string]string
		want []string
	}
	id, queue := "IDENTIFIER", "QUEUE" // replaced per case by unique names
	tests := []tc{
		{name: "migrate: missing --id", run: runMigrate,
			args: []string{"--queue", queue},
			want: []string{"--id is required"}},
		{name: "migrate: malformed --id", run: runMigrate,
			args: []string{"--id", "no spaces allowed", "--queue", queue},
			want: []string{`migration id "no spaces allowed"`, "letters, digits"}},
		{name: "migrate: missing INTERCOM_SOURCE_TOKEN", run: runMigrate,
			args: []string{"--id", id, "--queue", queue},
			env:  map[string]string{"INTERCOM_SOURCE_TOKEN": ""},
			want: []string{"source", "INTERCOM_SOURCE_TOKEN"}},
		{name: "migrate: missing INTERCOM_DEST_TOKEN", run: runMigrate,
			args: []string{"--id", id, "--queue", queue},
			env:  map[string]string{"INTERCOM_DEST_TOKEN": ""},
			want: []string{"destination", "INTERCOM_DEST_TOKEN"}},
		{name: "migrate: blank INTERCOM_DEST_TOKENS list", run: runMigrate,
			args: []string{"--id", id, "--queue", queue},
			env:  map[string]string{"INTERCOM_DEST_TOKEN": "", "INTERCOM_DEST_TOKENS": " , ,"},
			want: []string{"destination", "INTERCOM_DEST_TOKEN"}},
		{name: "migrate: malformed --source-url", run: runMigrate,
			args: []string{"--id", id, "--queue", queue, "--source-url", "127.0.0.1:8081"},
			want: []string{"--source-url", `"127.0.0.1:8081"`}},
		{name: "migrate: --dest-url with a query", run: runMigrate,
			args: []string{"--id", id, "--queue", queue, "--dest-url", "http://127.0.0.1:8082/?x=1"},
			want: []string{"--dest-url", "query"}},
		{name: "migrate: unknown --dest-region", run: runMigrate,
			args: []string{"--id", id, "--queue", queue, "--dest-region", "mars"},
			want: []string{"--dest-region", `"mars"`, "us, eu or au"}},
		{name: "migrate: unknown --source-region", run: runMigrate,
			args: []string{"--id", id, "--queue", queue, "--source-region", "usa-east"},
			want: []string{"--source-region", `"usa-east"`}},
		{name: "migrate: bad --queue", run: runMigrate,
			args: []string{"--id", id, "--queue", "a queue{}"},
			want: []string{"--queue", `"a queue{}"`}},
		{name: "migrate: stray argument", run: runMigrate,
			args: []string{"--id", id, "--queue", queue, "now"},
			want: []string{"unexpected argument", `"now"`}},
		{name: "migrate: unknown flag", run: runMigrate,
			args: []string{"--id", id, "--queue", queue, "--source-token", "x"},
			want: []string{"flag provided but not defined", "-source-token"}},
		{name: "migrate: unreachable Redis", run: runMigrate,
			args: []string{"--id", id, "--queue", queue, "--redis", "redis://127.0.0.1:1"},
			want: []string{"Redis", "127.0.0.1:1"}},
		{name: "migrate: malformed --redis", run: runMigrate,
			args: []string{"--id", id, "--queue", queue, "--redis", "127.0.0.1:6379"},
			want: []string{"redis URL", `"127.0.0.1:6379"`, "redis://"}},
		{name: "status: missing --id", run: runStatus,
			want: []string{"--id is required"}},
		{name: "status: unknown migration", run: runStatus,
			args: []string{"--id", id},
			want: []string{id, "no such migration"}},
		{name: "status: unknown migration, --json", run: runStatus,
			args: []string{"--id", id, "--json"},
			want: []string{id, "no such migration"}},
		{name: "status: stray argument", run: runStatus,
			args: []string{"--id", id, "extra"},
			want: []string{"unexpected argument", `"extra"`}},
		{name: "status: unreachable Redis", run: runStatus,
			args: []string{"--id", id, "--redis", "redis://127.0.0.1:1"},
			want: []string{"Redis", "127.0.0.1:1"}},
		{name: "verify: missing --id", run: runVerify,
			want: []string{"--id is required"}},
		{name: "verify: unknown migration", run: runVerify,
			args: []string{"--id", id, "--json"},
			want: []string{id, "no such migration"}},
		{name: "verify: unreachable Redis", run: runVerify,
			args: []string{"--id", id, "--redis", "redis://127.0.0.1:1"},
			want: []string{"Redis", "127.0.0.1:1"}},
		{name: "verify: stray argument", run: runVerify,
			args: []string{"--id", id, "x", "y"},
			want: []string{"unexpected argument", `"x y"`}},
		{name: "sandbox: bad --region", run: runSandbox,
			args: []string{"--listen", "127.0.0.1:0", "--region", "mars"},
			want: []string{"--region", `"mars"`, "us, eu or au"}},
		{name: "sandbox: --fault-rate above 1", run: runSandbox,
			args: []string{"--listen", "127.0.0.1:0", "--fault-rate", "1.5"},
			want: []string{"--fault-rate 1.5", "between 0 and 1"}},
		{name: "sandbox: negative --fault-rate", run: runSandbox,
			args: []string{"--listen", "127.0.0.1:0", "--fault-rate", "-0.1"},
			want: []string{"--fault-rate -0.1"}},
		{name: "sandbox: NaN --fault-rate", run: runSandbox,
			args: []string{"--listen", "127.0.0.1:0", "--fault-rate", "NaN"},
			want: []string{"--fault-rate NaN"}},
		{name: "sandbox: --rate-limit too low", run: runSandbox,
			args: []string{"--listen", "127.0.0.1:0", "--rate-limit", "5"},
			want: []string{"--rate-limit 5"}},
		{name: "sandbox: no token", run: runSandbox,
			args: []string{"--listen", "127.0.0.1:0", "--token", " , "},
			want: []string{"--token"}},
		{name: "sandbox: stray argument", run: runSandbox,
			args: []string{"--listen", "127.0.0.1:0", "serve"},
			want: []string{"unexpected argument", `"serve"`}},
		{name: "sandbox: bad --listen", run: runSandbox,
			args: []string{"--listen", "127.0.0.1:99999"},
			want: []string{"--listen 127.0.0.1:99999"}},
		{name: "demo: stray argument", run: runDemo,
			args: []string{"--contacts", "10", "quick"},
			want: []string{"unexpected argument", `"quick"`}},
		{name: "demo: bad --log-level", run: runDemo,
			args: []string{"--log-level", "loud"},
			want: []string{`"loud"`, "debug, info, warn or error"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, queue := unique("cli-"), unique("icmtest-cli-")
			args := make([]string, len(tc.args))
			for i, a := range tc.args {
				args[i] = strings.NewReplacer("IDENTIFIER", id, "QUEUE", queue).Replace(a)
			}
			want := make([]string, len(tc.want))
			for i, w := range tc.want {
				want[i] = strings.ReplaceAll(w, "IDENTIFIER", id)
			}
			t.Setenv("INTERCOM_SOURCE_TOKEN", "src")
			t.Setenv("INTERCOM_DEST_TOKEN", "dst")
			t.Setenv("INTERCOM_SOURCE_TOKENS", "")
			t.Setenv("INTERCOM_DEST_TOKENS", "")
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			// A sandbox that starts by mistake serves until this context
			// ends instead of hanging the test.
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			var out bytes.Buffer
			start := time.Now()
			err := tc.run(ctx, args, &out)
			if err == nil {
				t.Fatalf("%v: no error; output:\n%s", args, out.String())
			}
			t.Logf("%v", err)
			if time.Since(start) > 10*time.Second {
				t.Errorf("took %v to refuse", time.Since(start))
			}
			for _, w := range want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
			if strings.Contains(out.String(), "started") {
				t.Errorf("printed as if it had started:\n%s", out.String())
			}
			assertNothingInRedis(t, rdb, id, queue)
		})
	}
}

// TestMigrateRefusesWorkspaces: what GET /me says stops a migration before
// anything is recorded or enqueued, with a message naming the side.
func TestMigrateRefusesWorkspaces(t *testing.T) {
	rdb := redistest.Client(t)
	_, us := intercomtest.NewServer(t, intercomtest.Options{Region: "us", Tokens: []string{"src"}, Seed: 3})
	_, eu := intercomtest.NewServer(t, intercomtest.Options{Region: "eu", Tokens: []string{"dst"}, Seed: 3})
	tests := []struct {
		name     string
		args     []string
		src, dst string
		want     []string
	}{
		{name: "destination token rejected", src: "src", dst: "tok-revoked-1",
			args: []string{"--source-url", us.URL, "--dest-url", eu.URL},
			want: []string{"destination", "rejected", "401"}},
		{name: "source token rejected", src: "tok-wrong-2", dst: "dst",
			args: []string{"--source-url", us.URL, "--dest-url", eu.URL},
			want: []string{"source", "rejected"}},
		{name: "destination in another region than --dest-region", src: "src", dst: "dst",
			args: []string{"--source-url", us.URL, "--dest-url", eu.URL, "--dest-region", "au"},
			want: []string{"destination", "Europe", "not au"}},
		{name: "same workspace on both sides", src: "src", dst: "src",
			args: []string{"--source-url", us.URL, "--dest-url", us.URL, "--dest-region", "us"},
			want: []string{"same workspace"}},
		{name: "destination unreachable", src: "src", dst: "dst",
			args: []string{"--source-url", us.URL, "--dest-url", "http://127.0.0.1:1"},
			want: []string{"destination", "GET /me", "127.0.0.1:1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, queue := unique("cli-"), unique("icmtest-cli-")
			t.Setenv("INTERCOM_SOURCE_TOKEN", tc.src)
			t.Setenv("INTERCOM_DEST_TOKEN", tc.dst)
			t.Setenv("INTERCOM_SOURCE_TOKENS", "")
			t.Setenv("INTERCOM_DEST_TOKENS", "")
			var out bytes.Buffer
			err := runMigrate(context.Background(), append([]string{"--id", id, "--queue", queue}, tc.args...), &out)
			if err == nil {
				t.Fatalf("no error; output:\n%s", out.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
			t.Logf("%v", err)
			for _, tok := range []string{"tok-revoked-1", "tok-wrong-2"} {
				if strings.Contains(err.Error(), tok) {
					t.Errorf("error %q shows the token", err)
				}
			}
			assertNothingInRedis(t, rdb, id, queue)
		})
	}
}

// TestStatusOfARecordedMigration: status reads what migrate recorded; an
// id that differs only in case is another migration.
func TestStatusOfARecordedMigration(t *testing.T) {
	rdb := redistest.Client(t)
	id := unique("cli-")
	t.Cleanup(func() { removeFromRedis(t, rdb, id, "") })
	m := &store.Migration{ID: id, Phases: []string{"admins"}, Run: 1, State: store.StateRunning,
		Source: store.Endpoint{Region: "us", AppID: "a"}, Dest: store.Endpoint{Region: "eu", AppID: "b"}}
	if err := store.New(rdb).Put(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := runStatus(context.Background(), []string{"--id", id}, &out); err != nil {
		t.Fatalf("status: %v", err)
	}
	if !strings.Contains(out.String(), "migration "+id+" run 1: running") {
		t.Errorf("status output:\n%s", out.String())
	}
	if err := runStatus(context.Background(), []string{"--id", strings.ToUpper(id)}, io.Discard); err == nil || !strings.Contains(err.Error(), "no such migration") {
		t.Errorf("status of %s: %v", strings.ToUpper(id), err)
	}
}

// TestDemo runs `scheduler demo --contacts 300` in-process: it exits nil
// and prints the comparison with every entity matched.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("a whole migration; skipped with -short")
	}
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	if err := runDemo(ctx, []string{"--contacts", "300"}, &out); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	t.Logf("demo --contacts 300: %v", time.Since(start).Round(time.Millisecond))
	for _, re := range []string{
		`(?m)^ENTITY\s+SOURCE\s+DESTINATION\s+MATCHED\s+MISSING\s+EXTRA\s+DIFFERENT\s*$`,
		`(?m)^admins\s+6\s+6\s+6\s+0\s+0\s+0\s+info$`,
		`(?m)^data_attributes\s+(\d+)\s+(\d+)\s+(\d+)\s+0\s+0\s+0\s+ok$`,
		`(?m)^tags\s+(\d+)\s+(\d+)\s+(\d+)\s+0\s+0\s+0\s+ok$`,
		`(?m)^contacts\s+300\s+300\s+300\s+0\s+0\s+0\s+ok$`,
		`(?m)^migration demo run 1: done$`,
	} {
		if !regexp.MustCompile(re).MatchString(out.String()) {
			t.Errorf("output lacks %s:\n%s", re, out.String())
		}
	}
	if strings.Contains(out.String(), "DIFFERS") || strings.Contains(out.String(), "failed ") {
		t.Errorf("output:\n%s", out.String())
	}
	// Every entity kind of issue 5 is in the table, with records, and the
	// same counts on both sides.
	row := regexp.MustCompile(`(?m)^([a-z_0-9]+)\s+(\d+)\s+(\d+)\s+(\d+)\s+0\s+0\s+0\s+ok$`)
	seen := map[string]bool{}
	for _, m := range row.FindAllStringSubmatch(out.String(), -1) {
		if m[2] != m[3] || m[2] != m[4] || m[2] == "0" {
			t.Errorf("row %q: want equal non-zero source, destination and matched", m[0])
		}
		seen[m[1]] = true
	}
	for _, kind := range []string{"data_attributes", "company_attributes", "tags", "companies", "contacts", "company_contacts",
		"consent", "notes", "events", "conversations", "ticket_types", "tickets", "collections", "articles",
		"internal_articles", "news_items", "custom_objects"} {
		if !seen[kind] {
			t.Errorf("no equal row of %s in the demo's table:\n%s", kind, out.String())
		}
	}
}

// TestFailuresAndRequeue: `failures` lists what Intercom refused, with the
// reason, filtered by entity, as a table or JSON; `requeue` starts a new run
// of the failed entities on the migration's own queue, and refuses while
// the migration runs.
func TestFailuresAndRequeue(t *testing.T) {
	rdb := redistest.Client(t)
	ctx := context.Background()
	id, queue := unique("cli-"), unique("cliq-")
	t.Cleanup(func() { removeFromRedis(t, rdb, id, queue) })
	st := store.New(rdb)
	m := &store.Migration{ID: id, Phases: []string{"tags", "contacts", "contact_tags"}, Queue: queue, Run: 1, State: store.StateRunning,
		Source: store.Endpoint{Region: "us", AppID: "a"}, Dest: store.Endpoint{Region: "eu", AppID: "b"}}
	if err := st.Put(ctx, m); err != nil {
		t.Fatal(err)
	}
	for _, f := range []store.Failure{
		{Entity: "contacts", SourceID: "c1", Endpoint: "POST /contacts", Status: 400, Code: "parameter_invalid", Message: "email is not a valid email address", Run: 1},
		{Entity: "tags", SourceID: "t9", Endpoint: "POST /tags", Status: 422, Code: "parameter_invalid", Message: "name too long", Run: 1},
	} {
		if err := st.RecordFailure(ctx, id, f); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if err := runFailures(ctx, []string{"--id", id}, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"contacts  c1", "POST /contacts", "email is not a valid email address", "tags      t9", "2 failure(s)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("failures output lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := runFailures(ctx, []string{"--id", id, "--entity", "contacts", "--json"}, &out); err != nil {
		t.Fatal(err)
	}
	var f store.Failure
	if lines := strings.Split(strings.TrimSpace(out.String()), "\n"); len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &f) != nil || f.SourceID != "c1" || f.Status != 400 {
		t.Fatalf("failures --entity contacts --json:\n%s", out.String())
	}
	if err := runFailures(ctx, []string{"--id", id, "--entity", "nope"}, io.Discard); err == nil || !strings.Contains(err.Error(), `--entity "nope"`) {
		t.Fatalf("unknown entity: %v", err)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--id", id}, "--entity E or --all"},
		{[]string{"--id", id, "--all", "--entity", "tags"}, "--entity E or --all"},
		{[]string{"--id", id, "--all"}, "is running"},
		{[]string{"--id", id, "--entity", "conversations_x"}, "unknown entity"},
	} {
		if err := runRequeue(ctx, tc.args, io.Discard); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("requeue %v: %v, want %q", tc.args, err, tc.want)
		}
	}
	if _, err := st.Update(ctx, id, func(m *store.Migration) error { m.State = store.StateDone; return nil }); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := runRequeue(ctx, []string{"--id", id, "--entity", "contacts"}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "run 2 started for contacts, contact_tags: 1 recorded failure(s) to retry") {
		t.Fatalf("requeue output: %s", out.String())
	}
	got, _ := st.Get(ctx, id)
	if got.Run != 2 || got.State != store.StateRunning {
		t.Fatalf("after requeue: %+v", got)
	}
	if n, _ := rdb.LLen(ctx, "asynq:{"+queue+"}:pending").Result(); n != 1 {
		t.Fatalf("%d tasks pending on the migration's queue, want the contacts phase's first unit", n)
	}
}

// TestWaitAndReportWithoutTokens: a process that holds no token (a requeue
// needs Redis only) follows a run to its end and says why it prints no
// report; the exit status is the run's, not the report's.
func TestWaitAndReportWithoutTokens(t *testing.T) {
	rdb := redistest.Client(t)
	ctx := context.Background()
	id, queue := unique("cli-wait-"), unique("cliq-wait-")
	t.Cleanup(func() { removeFromRedis(t, rdb, id, queue) })
	m := &store.Migration{ID: id, Phases: []string{"tags"}, Queue: queue, Run: 1, State: store.StateDone,
		Source: store.Endpoint{Region: "us", AppID: "a"}, Dest: store.Endpoint{Region: "eu", AppID: "b"}}
	if err := store.New(rdb).Put(ctx, m); err != nil {
		t.Fatal(err)
	}
	e := migrate.NewEngine(migrate.Options{Redis: rdb, Queue: queue})
	defer e.Close()
	var out bytes.Buffer
	if err := waitAndReport(ctx, e, id, 10*time.Millisecond, &out); err != nil {
		t.Fatalf("a done run without failures: %v\n%s", err, out.String())
	}
	for _, want := range []string{"run 1: done", "no report of what the API cannot create", "no source token"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
