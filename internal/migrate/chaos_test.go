package migrate_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/internal/redisconn"
	"github.com/icmigrate/icmigrate/internal/redisconn/redistest"
	"github.com/icmigrate/icmigrate/internal/secret"
	"github.com/icmigrate/icmigrate/internal/store"
	"github.com/icmigrate/icmigrate/internal/throttle"
	"github.com/icmigrate/icmigrate/internal/verify"
	"github.com/icmigrate/icmigrate/pkg/intercom"
	"github.com/icmigrate/icmigrate/pkg/intercom/intercomtest"
)

// TestMain lets the test binary serve as a worker process: the chaos test
// starts copies of itself with ICMIGRATE_TEST_WORKER set, and kills them.
func TestMain(m *testing.M) {
	if os.Getenv("ICMIGRATE_TEST_WORKER") != "" {
		os.Exit(workerProcess())
	}
	os.Exit(m.Run())
}

func workerProcess() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	rdb, err := redisconn.Open(ctx, redisconn.URLFromEnv())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var tokens secret.Tokens
	tokens.Add(srcToken, dstToken)
	q := os.Getenv("ICMIGRATE_TEST_QUEUE")
	e := migrate.NewEngine(migrate.Options{Redis: rdb, Tokens: &tokens, Queue: q, RateLimits: throttle.LimiterConfig{KeyPrefix: "icm:rl:" + q + ":"}})
	w := e.NewWorker(migrate.WorkerOptions{Concurrency: 4, PollInterval: 50 * time.Millisecond, ShutdownTimeout: 2 * time.Second})
	if err := w.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	<-ctx.Done()
	w.Shutdown()
	return 0
}

// chaos breaks connections: before a request is handled (nothing happened)
// or after (it happened, but the answer is lost).
type chaos struct {
	mu              sync.Mutex
	rng             *rand.Rand
	before, after   float64
	resetsB, resets atomic.Int64
}

func (c *chaos) roll() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rng.Float64()
}

func (c *chaos) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x := c.roll()
		switch {
		case x < c.before:
			c.resetsB.Add(1)
			hangUp(w)
		case x < c.before+c.after:
			next.ServeHTTP(httptest.NewRecorder(), r)
			c.resets.Add(1)
			hangUp(w)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

func hangUp(w http.ResponseWriter) {
	if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
		conn.Close()
	}
}

// fleet runs worker processes and kills them.
type fleet struct {
	t     *testing.T
	env   []string
	mu    sync.Mutex
	procs []*exec.Cmd
	kills int
}

func (f *fleet) start() {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = f.env
	if testing.Verbose() {
		cmd.Stderr = os.Stderr
	}
	if err := cmd.Start(); err != nil {
		f.t.Fatal(err)
	}
	go cmd.Wait()
	f.mu.Lock()
	f.procs = append(f.procs, cmd)
	f.mu.Unlock()
}

// killOne SIGKILLs a running worker and starts another in its place.
func (f *fleet) killOne(rng *rand.Rand) {
	f.mu.Lock()
	i := rng.IntN(len(f.procs))
	p := f.procs[i]
	f.procs = slices.Delete(f.procs, i, i+1)
	f.kills++
	f.mu.Unlock()
	p.Process.Signal(syscall.SIGKILL)
	f.start()
}

func (f *fleet) stop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.procs {
		p.Process.Signal(syscall.SIGTERM)
	}
}

// TestChaos is the fault-injection run of issue 4: 1,500 contacts with their
// companies and notes,
// sandboxes that answer 5% of calls with a 5xx and break 2% of
// connections (half of them after doing the work), three worker processes
// killed with SIGKILL and restarted at random moments, and invalid records
// seeded at the source. Then: every valid record is in the destination
// exactly once, every invalid one is listed with its reason, and once the
// source is fixed a requeue makes the workspaces equal.
func TestChaos(t *testing.T) {
	if testing.Short() {
		t.Skip("kills worker processes and waits for asynq to recover their tasks")
	}
	const contacts, invalid, kills = 1500, 12, 4
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	rdb := redistest.Client(t)
	srcChaos := &chaos{rng: rand.New(rand.NewPCG(1, 2)), before: 0.01, after: 0.01}
	dstChaos := &chaos{rng: rand.New(rand.NewPCG(3, 4)), before: 0.01, after: 0.01}
	h := newHarnessWith(t, rdb, intercomtest.Options{Contacts: contacts, InvalidContacts: invalid, RateLimitPerMinute: 600_000,
		FaultRate: 0.05, Latency: 2 * time.Millisecond,
		// Companies and notes besides contacts: phases with a natural key
		// (company_id), with a done-set (attachments) and with intents
		// (notes). Each other entity has its own lost-answer test; all of
		// them here would make the run too long for CI.
		Entities: []string{"contacts", "companies", "notes"}}, srcChaos.wrap, dstChaos.wrap)
	f := &fleet{t: t, env: append(os.Environ(), "ICMIGRATE_TEST_WORKER=1", "ICMIGRATE_TEST_QUEUE="+h.queue)}
	for range 3 {
		f.start()
	}
	t.Cleanup(f.stop)

	start := time.Now()
	m, err := h.e.Start(ctx, h.config())
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	var lastKill time.Time
	go func() {
		for range kills {
			time.Sleep(time.Duration(500+rng.IntN(1500)) * time.Millisecond)
			if ctx.Err() != nil {
				return
			}
			f.killOne(rng)
			lastKill = time.Now()
		}
	}()
	st, err := h.e.Wait(ctx, m.ID, 200*time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Migration.State != store.StateDone {
		t.Fatalf("state %s: %s", st.Migration.State, st.Migration.Error)
	}
	elapsed := time.Since(start)

	// Every invalid record, and nothing else, is a failure with its reason.
	fs := failures(t, h)
	var badIDs []string
	src, dst := h.clients()
	for c, err := range src.Contacts.All(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(c.Email, "@@") {
			badIDs = append(badIDs, c.ID)
		}
	}
	var failedIDs []string
	for _, fl := range fs {
		if fl.Entity != migrate.PhaseContacts || fl.Status != 400 || !strings.Contains(fl.Message, "email") {
			t.Errorf("unexpected failure %+v", fl)
		}
		failedIDs = append(failedIDs, fl.SourceID)
	}
	slices.Sort(badIDs)
	slices.Sort(failedIDs)
	if len(badIDs) != invalid || !slices.Equal(badIDs, failedIDs) {
		t.Fatalf("failures %v, want exactly the %d invalid records %v", failedIDs, invalid, badIDs)
	}
	r, err := verify.Contacts(ctx, verify.Options{Source: src, Dest: dst, Store: h.e.Store(), Migration: h.id})
	if err != nil {
		t.Fatal(err)
	}
	if r.Extra != 0 || r.Different != 0 || r.Missing != invalid || r.Matched != contacts-invalid || r.Destination != contacts-invalid {
		t.Fatalf("after the chaos run: %+v", r)
	}
	t.Logf("chaos run: %d contacts in %s; kills %d (last %s before the end); source faults %d, resets %d+%d; destination faults %d, resets %d+%d; duplicates %d, lost %d",
		contacts, elapsed.Round(time.Second), f.kills, time.Since(lastKill).Round(time.Second),
		h.src.Faults(), srcChaos.resetsB.Load(), srcChaos.resets.Load(), h.dst.Faults(), dstChaos.resetsB.Load(), dstChaos.resets.Load(),
		r.Extra, r.Missing-invalid)

	// The operator fixes the emails at the source and requeues.
	for _, id := range badIDs {
		c, _, err := src.Contacts.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		// The source breaks connections too: the fix (a PUT, idempotent) is
		// tried until it goes through.
		for attempt := 0; ; attempt++ {
			_, _, err := src.Contacts.Update(ctx, id, &intercom.ContactRequest{Email: strings.Replace(c.Email, "@@", "@", 1)})
			if err == nil {
				break
			}
			if attempt == 10 || !intercom.IsTemporary(err) {
				t.Fatal(err)
			}
		}
	}
	if _, err := h.e.Requeue(ctx, h.id, []string{migrate.PhaseContacts}); err != nil {
		t.Fatal(err)
	}
	if st, err = h.e.Wait(ctx, m.ID, 200*time.Millisecond, nil); err != nil || st.Migration.State != store.StateDone {
		t.Fatalf("requeue: %v %+v", err, st.Migration)
	}
	requireEqual(ctx, t, h, "after requeue")
	if left := failures(t, h); len(left) > 0 {
		t.Fatalf("failures left: %+v", left)
	}
}
