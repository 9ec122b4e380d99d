package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/internal/openapi"
	"github.com/icmigrate/icmigrate/internal/openapi/openapitest"
	"github.com/icmigrate/icmigrate/internal/redisconn"
	"github.com/icmigrate/icmigrate/internal/redisconn/redistest"
	"github.com/icmigrate/icmigrate/internal/store"
	"github.com/icmigrate/icmigrate/internal/throttle"
	"github.com/icmigrate/icmigrate/internal/verify"
	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// TestProcesses runs the commands as an operator does: `scheduler sandbox`
// processes for the two workspaces, `worker` processes, `scheduler migrate`,
// `verify` and `status`, over the real Redis. Each subtest has its own
// migration id and its own asynq queue (--queue), so that no other worker on
// this Redis (another test package, another `go test`, a developer's worker
// on the default queue) can take its units.
func TestProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the commands and runs whole migrations; skipped with -short")
	}
	rdb := redistest.Client(t)
	spec := openapitest.ForTestPath(t)
	bins := buildCommands(t)
	t.Run("migration", func(t *testing.T) {
		t.Parallel()
		testMigration(t, rdb, bins, spec)
	})
	t.Run("worker SIGTERM mid-migration", func(t *testing.T) {
		t.Parallel()
		testWorkerShutdown(t, rdb, bins, spec)
	})
}

// testMigration is the "done when": a migration between two
// `scheduler sandbox` processes with two `worker` processes and a real Redis
// ends with the destination equal to the source; and running it again
// writes nothing to the destination.
func testMigration(t *testing.T, rdb redis.UniversalClient, bins binaries, spec string) {
	id, queue := unique("e2e-"), unique("icmtest-e2e-")
	t.Cleanup(func() { removeFromRedis(t, rdb, id, queue) }) // after the processes have stopped
	src := startSandbox(t, bins, spec, "source sandbox", "src", "--region", "us", "--token", "src", "--entities", "contacts", "--seed-contacts", "1500", "--seed", "9")
	// debug: one log line per request, to count what the destination was sent.
	dst := startSandbox(t, bins, spec, "destination sandbox", "dst", "--region", "eu", "--token", "dst", "--seed", "9", "--log-level", "debug")
	if src.contacts != 1500 || dst.contacts != 0 {
		t.Fatalf("sandboxes seeded with %d and %d contacts", src.contacts, dst.contacts)
	}
	env := childEnv("INTERCOM_SOURCE_TOKEN=src", "INTERCOM_DEST_TOKEN=dst")
	for i := 1; i <= 2; i++ {
		startWorker(t, bins, env, fmt.Sprintf("worker %d", i), "--concurrency", "6", "--queue", queue)
	}
	migrateArgs := []string{"migrate", "--id", id, "--queue", queue, "--source-region", "us", "--dest-region", "eu",
		"--source-url", src.url, "--dest-url", dst.url, "--wait", "--progress-every", "500ms"}

	// Run 1 migrates everything.
	r := runCommand(t, 2*time.Minute, env, bins.scheduler, migrateArgs...)
	r.wantExit(t, 0)
	r.wantStdout(t,
		`(?m)^migration `+id+` run 1 started: us workspace `+src.appID+` -> eu workspace `+dst.appID+`$`,
		`(?m)^\[\d\d:\d\d:\d\d\] running \| admins`, // progress
		`(?m)^migration `+id+` run 1: done$`,
		`(?m)^ENTITY\s+TOTAL\s+DONE\s+FAILED\s+WAITING\s+IN FLIGHT\s+RATE/S\s+ETA\s+STATE$`,
		`(?m)^admins\s+6\s+6\s+0\s+0\s+0\s+[\d.]+\s+-\s+complete$`,
		`(?m)^data_attributes\s+(\d+)\s+(\d+)\s+0\s+0\s+0\s+[\d.]+\s+-\s+complete$`,
		`(?m)^tags\s+(\d+)\s+(\d+)\s+0\s+0\s+0\s+[\d.]+\s+-\s+complete$`,
		`(?m)^contacts\s+1500\s+1500\s+0\s+0\s+0\s+[\d.]+\s+-\s+complete$`,
		`(?m)^contact_tags\s+(\d+)\s+(\d+)\s+0\s+0\s+0\s+[\d.]+\s+-\s+complete$`,
		`(?m)^API calls this run: source \d+ reads, 0 writes; destination \d+ reads, [1-9]\d* writes; 429 answers \d+$`,
	)
	t.Logf("run 1 took %v", r.took)

	// The destination equals the source.
	r = runCommand(t, time.Minute, env, bins.scheduler, "verify", "--id", id, "--json")
	r.wantExit(t, 0)
	results := verifyResults(t, r)
	for _, e := range []string{"admins", "data_attributes", "tags", "contacts"} {
		res, ok := results[e]
		switch {
		case !ok:
			t.Errorf("verify --json has no %s line:\n%s", e, r.stdout)
		case !res.Equal() || res.Source == 0 || res.Destination != res.Source || res.Matched != res.Source:
			t.Errorf("verify %s: %+v", e, res)
		}
	}
	if c := results["contacts"]; c.Source != 1500 || c.Destination != 1500 || c.Matched != 1500 || c.Missing != 0 || c.Extra != 0 || c.Different != 0 {
		t.Errorf("verify contacts: %+v, want source = destination = matched = 1500 and nothing missing, extra or different", c)
	}
	t.Logf("verify took %v", r.took)

	// The engine's count of destination writes is the destination's own
	// (its request log), once the workers have flushed their counters.
	written := dst.writesServed(t)
	if written < 1500 {
		t.Fatalf("the destination sandbox logged %d writes for 1500 contacts: is its log format still parsed?", written)
	}
	e := migrate.NewEngine(migrate.Options{Redis: rdb, Queue: queue})
	defer e.Close()
	var counted int64
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		st, err := e.Status(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if counted = st.Calls["dest_write"]; counted == int64(written) || time.Now().After(deadline) {
			break
		}
	}
	if counted != int64(written) {
		t.Errorf("run 1: the workers counted %d destination writes, the destination served %d", counted, written)
	}

	// Run 2 over the finished migration creates, adopts, updates and
	// applies nothing: the destination gets no write at all.
	r = runCommand(t, 2*time.Minute, env, bins.scheduler, migrateArgs...)
	r.wantExit(t, 0)
	r.wantStdout(t,
		`(?m)^migration `+id+` run 2 started: us workspace `+src.appID+` -> eu workspace `+dst.appID+`$`,
		`(?m)^migration `+id+` run 2: done$`,
		`(?m)^contacts\s+1500\s+1500\s+0\s+0\s+0\s+[\d.]+\s+-\s+complete$`,
		`(?m)^API calls this run: .* destination \d+ reads, 0 writes;`,
	)
	t.Logf("run 2 took %v", r.took)
	// Still equal (and this gives the workers' last counters time to be
	// flushed before status reads them).
	r = runCommand(t, time.Minute, env, bins.scheduler, "verify", "--id", id, "--json")
	r.wantExit(t, 0)
	if c := verifyResults(t, r)["contacts"]; c.Matched != 1500 || c.Destination != 1500 {
		t.Errorf("verify after run 2, contacts: %+v", c)
	}
	r = runCommand(t, time.Minute, env, bins.scheduler, "status", "--id", id, "--json")
	r.wantExit(t, 0)
	var st migrate.Status
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		t.Fatalf("status --json: %v\n%s", err, r.stdout)
	}
	if st.Migration == nil || st.Migration.Run != 2 || st.Migration.State != store.StateDone {
		t.Fatalf("status after run 2: %+v", st.Migration)
	}
	if n, ok := st.Calls["dest_write"]; n != 0 {
		t.Errorf("status: run 2 made %d destination writes (calls %v)", n, st.Calls)
	} else if !ok && st.Calls["dest_read"] == 0 {
		t.Errorf("status: no destination calls counted for run 2 at all (calls %v): is the counter read?", st.Calls)
	}
	for _, p := range st.Phases {
		if n := p.Counters["created"] + p.Counters["adopted"] + p.Counters["updated"] + p.Counters["applied"] + p.Counters["failed"]; n != 0 || p.Failed != 0 || !p.Complete {
			t.Errorf("run 2, %s: counters %v, failed %d, complete %v", p.Phase, p.Counters, p.Failed, p.Complete)
		}
		if p.Phase == migrate.PhaseContacts && p.Counters["skipped"] != 1500 {
			t.Errorf("run 2 skipped %d contacts, want all 1500 (counters %v)", p.Counters["skipped"], p.Counters)
		}
	}
	if after := dst.writesServed(t); after != written {
		t.Errorf("the destination served %d writes during run 2", after-written)
	}
}

// testWorkerShutdown sends SIGTERM to a worker that is in the middle of
// writing contacts: it exits 0 within its shutdown timeout, and another
// worker finishes the migration with nothing lost or duplicated.
func testWorkerShutdown(t *testing.T, rdb redis.UniversalClient, bins binaries, spec string) {
	const contacts, shutdownTimeout = 450, 2 * time.Second
	id, queue := unique("e2e-stop-"), unique("icmtest-e2e-stop-")
	t.Cleanup(func() { removeFromRedis(t, rdb, id, queue) })
	// Latency makes a page of 150 contacts take longer than the shutdown
	// timeout: units are in flight when the worker is told to stop, and
	// still are when the timeout ends, so asynq puts them back in the queue.
	src := startSandbox(t, bins, spec, "source sandbox", "src", "--region", "us", "--token", "src",
		"--entities", "contacts", "--seed-contacts", strconv.Itoa(contacts), "--seed", "5", "--latency", "25ms", "--log-level", "warn")
	dst := startSandbox(t, bins, spec, "destination sandbox", "dst", "--region", "eu", "--token", "dst",
		"--seed", "5", "--latency", "25ms", "--log-level", "warn")
	env := childEnv("INTERCOM_SOURCE_TOKEN=src", "INTERCOM_DEST_TOKEN=dst")
	workerArgs := []string{"--concurrency", "2", "--queue", queue, "--shutdown-timeout", shutdownTimeout.String()}
	first := startWorker(t, bins, env, "worker 1 (stopped)", workerArgs...)

	r := runCommand(t, time.Minute, env, bins.scheduler, "migrate", "--id", id, "--queue", queue,
		"--source-url", src.url, "--dest-url", dst.url)
	r.wantExit(t, 0)
	r.wantStdout(t, `(?m)^migration `+id+` run 1 started: `, `(?m)^workers do the work; watch it with: scheduler status --id `+id+`$`)

	// Wait until the only worker is writing contacts.
	e := migrate.NewEngine(migrate.Options{Redis: rdb, Queue: queue})
	defer e.Close()
	contactsPhase := func(st *migrate.Status) migrate.PhaseStatus {
		for _, p := range st.Phases {
			if p.Phase == migrate.PhaseContacts {
				return p
			}
		}
		t.Fatalf("no contacts phase in %+v", st.Phases)
		return migrate.PhaseStatus{}
	}
	var before migrate.PhaseStatus
	for deadline := time.Now().Add(45 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		st, err := e.Status(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if before = contactsPhase(st); before.Done > 0 {
			if st.Migration.State != store.StateRunning || before.Done >= contacts {
				t.Fatalf("too late to stop a worker in the middle: %s, %d/%d contacts", st.Migration.State, before.Done, contacts)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no contact migrated after 45s: %+v", st.Phases)
		}
	}
	second := startWorker(t, bins, env, "worker 2", workerArgs...)

	sent := time.Now()
	if err := first.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-first.done:
	case <-time.After(shutdownTimeout + 3*time.Second): // the timeout, then asynq's and Redis's teardown
		t.Fatalf("worker still running %v after SIGTERM (--shutdown-timeout %v)", time.Since(sent).Round(time.Millisecond), shutdownTimeout)
	}
	took := time.Since(sent)
	if first.err != nil {
		t.Errorf("worker stopped by SIGTERM: %v, want exit status 0", first.err)
	}
	if !strings.Contains(first.out.String(), `"msg":"shutting down"`) {
		t.Errorf("the worker did not log its shutdown")
	}
	// asynq's own words when it hands an unfinished unit back to the queue.
	requeued := strings.Count(first.out.String(), "Quitting worker")
	t.Logf("SIGTERM at %d/%d contacts; the worker exited 0 after %v (--shutdown-timeout %v), handing %d unfinished unit(s) back to the queue",
		before.Done, contacts, took.Round(time.Millisecond), shutdownTimeout, requeued)

	// The other worker takes over what was in flight and finishes.
	st, err := e.Wait(context.Background(), id, 200*time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Migration.State != store.StateDone || st.Failed() != 0 || st.UnitFailures != 0 {
		t.Fatalf("after the worker's shutdown the migration ended %s (%s), %d record(s) and %d unit(s) failed", st.Migration.State, st.Migration.Error, st.Failed(), st.UnitFailures)
	}
	r = runCommand(t, time.Minute, env, bins.scheduler, "verify", "--id", id, "--json")
	r.wantExit(t, 0)
	if c := verifyResults(t, r)["contacts"]; c.Source != contacts || c.Destination != contacts || c.Matched != contacts || !c.Equal() {
		t.Errorf("verify contacts: %+v, want %d on both sides, all matched", c, contacts)
	}
	if second.exited() {
		t.Errorf("worker 2 exited: %v", second.err)
	}
}

// ---- processes ----

type binaries struct{ scheduler, worker string }

// buildCommands builds scheduler and worker once, without -race (the
// processes are the subject here, not their data races).
func buildCommands(t *testing.T) binaries {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command, to build the binaries: %v", err)
	}
	dir := t.TempDir()
	start := time.Now()
	cmd := exec.Command(goBin, "build", "-o", dir+string(os.PathSeparator),
		openapi.ModulePath+"/cmd/scheduler", openapi.ModulePath+"/cmd/worker")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built scheduler and worker in %v", time.Since(start).Round(time.Millisecond))
	return binaries{scheduler: dir + "/scheduler", worker: dir + "/worker"}
}

// childEnv is this process's environment without tokens, Redis URL or spec
// path, plus extra and the test Redis.
func childEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "INTERCOM_") || k == "REDIS_URL" || k == openapi.EnvSpecPath {
			continue
		}
		env = append(env, kv)
	}
	return append(append(env, "REDIS_URL="+redisconn.URLFromEnv()), extra...)
}

// syncBuffer collects a process's output while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// proc is a background process of a test.
type proc struct {
	name string
	cmd  *exec.Cmd
	out  *syncBuffer // stdout and stderr
	done chan struct{}
	err  error // Wait's, once done is closed
}

// startProc starts a process that the end of the test stops (SIGTERM, then
// a wait); its output goes to the test log only if the test failed.
func startProc(t *testing.T, name string, env []string, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, out: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		if err := p.stop(30 * time.Second); err != nil {
			t.Errorf("%s: %v", p.name, err)
		}
		if t.Failed() {
			t.Logf("---- output of %s (%s %s):\n%s", p.name, bin, strings.Join(args, " "), tail(p.out.String(), 32<<10))
		}
	})
	return p
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM and waits: nil when the process exits 0 (now or
// before), the exit status otherwise; killed after grace.
func (p *proc) stop(grace time.Duration) error {
	if !p.exited() {
		p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(grace):
			p.cmd.Process.Kill()
			<-p.done
			return fmt.Errorf("still running %v after SIGTERM: killed", grace)
		}
	}
	if p.err != nil {
		return fmt.Errorf("exited with %v", p.err)
	}
	return nil
}

// await waits for the process to print a match of re.
func (p *proc) await(t *testing.T, re *regexp.Regexp, timeout time.Duration) []string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		exited := p.exited()
		if m := re.FindStringSubmatch(p.out.String()); m != nil {
			return m
		}
		if exited {
			t.Fatalf("%s exited (%v) without printing %s:\n%s", p.name, p.err, re, tail(p.out.String(), 8<<10))
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s printed no %s in %v:\n%s", p.name, re, timeout, tail(p.out.String(), 8<<10))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return fmt.Sprintf("[... %d bytes ...]\n%s", len(s)-n, s[len(s)-n:])
}

// sandbox is a running `scheduler sandbox`.
type sandbox struct {
	*proc
	url, appID string
	contacts   int
}

var sandboxLine = regexp.MustCompile(`(?m)^sandbox: \S+ workspace (\S+) on (http://\S+) with (\d+) contacts`)

// startSandbox starts `scheduler sandbox --listen 127.0.0.1:0`, reads the
// address it chose from what it prints, and waits until it answers GET /me
// for token as a workspace of its region.
func startSandbox(t *testing.T, bins binaries, spec, name, token string, args ...string) *sandbox {
	t.Helper()
	p := startProc(t, name, childEnv(), bins.scheduler, append([]string{"sandbox", "--listen", "127.0.0.1:0", "--openapi-spec", spec}, args...)...)
	m := p.await(t, sandboxLine, 30*time.Second)
	sb := &sandbox{proc: p, appID: m[1], url: m[2]}
	sb.contacts, _ = strconv.Atoi(m[3])
	if strings.Contains(p.out.String(), "warning:") {
		t.Fatalf("%s runs unvalidated:\n%s", name, p.out.String())
	}
	region := intercom.US
	for i, a := range args {
		if a == "--region" {
			region = intercom.Region(args[i+1])
		}
	}
	c, err := intercom.NewClient(token, region, intercom.WithBaseURL(sb.url))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	me, _, err := c.Admins.Me(ctx)
	if err != nil {
		t.Fatalf("%s at %s does not answer GET /me: %v", name, sb.url, err)
	}
	if me.App == nil || me.App.IDCode != sb.appID || !region.MatchesAppRegion(me.App.Region) {
		t.Fatalf("%s: GET /me says %+v, want workspace %s in %s", name, me.App, sb.appID, region)
	}
	return sb
}

var sandboxRequest = regexp.MustCompile(`sandbox request\s+(\{.*\})`)

// writesServed counts the writes in the sandbox's request log (it must run
// with --log-level debug).
func (sb *sandbox) writesServed(t *testing.T) int {
	t.Helper()
	n := 0
	for _, m := range sandboxRequest.FindAllStringSubmatch(sb.out.String(), -1) {
		var r struct{ Method, Route string }
		if err := json.Unmarshal([]byte(m[1]), &r); err != nil {
			t.Fatalf("sandbox request log %s: %v", m[1], err)
		}
		_, path, _ := strings.Cut(r.Route, " ")
		if throttle.IsWrite(r.Method, path) {
			n++
		}
	}
	return n
}

// startWorker starts a worker and waits until it serves.
func startWorker(t *testing.T, bins binaries, env []string, name string, args ...string) *proc {
	t.Helper()
	p := startProc(t, name, env, bins.worker, args...)
	p.await(t, regexp.MustCompile(`"msg":"worker started"`), 30*time.Second)
	return p
}

// result is a finished command.
type result struct {
	args           []string
	stdout, stderr string
	code           int
	took           time.Duration
}

// runCommand runs a command to its end (SIGTERM after timeout, which fails
// the test).
func runCommand(t *testing.T, timeout time.Duration, env []string, bin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := result{args: args, stdout: stdout.String(), stderr: stderr.String(), took: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("%s %s: still running after %v\nstdout:\n%s\nstderr:\n%s", bin, strings.Join(args, " "), timeout, tail(r.stdout, 16<<10), tail(r.stderr, 16<<10))
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("%s %s: %v", bin, strings.Join(args, " "), err)
	}
	return r
}

func (r result) String() string {
	return fmt.Sprintf("scheduler %s (exit %d, %v)\nstdout:\n%s\nstderr:\n%s", strings.Join(r.args, " "), r.code, r.took.Round(time.Millisecond),
		tail(r.stdout, 16<<10), tail(r.stderr, 16<<10))
}

func (r result) wantExit(t *testing.T, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit status %d, want %d: %s", r.code, code, r)
	}
}

func (r result) wantStdout(t *testing.T, patterns ...string) {
	t.Helper()
	for _, p := range patterns {
		m := regexp.MustCompile(p).FindStringSubmatch(r.stdout)
		if m == nil {
			t.Errorf("stdout lacks %s: %s", p, r)
			continue
		}
		// Pairs of numbers (done/total, units done/units) must be equal.
		for i := 1; i+1 < len(m); i += 2 {
			if m[i] != m[i+1] {
				t.Errorf("%q: %s != %s", m[0], m[i], m[i+1])
			}
		}
	}
}

// verifyResults parses `verify --json`: one object per entity.
func verifyResults(t *testing.T, r result) map[string]verify.Result {
	t.Helper()
	out := map[string]verify.Result{}
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var res verify.Result
		if err := json.Unmarshal(sc.Bytes(), &res); err != nil {
			t.Fatalf("verify --json line %q: %v", sc.Text(), err)
		}
		out[res.Entity] = res
	}
	return out
}
