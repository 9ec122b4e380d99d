package migrate_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
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

// gate holds every contact creation of a destination until it is opened:
// the large migration's contact pages then hold their worker slots as long
// as the test wants, as pages of 150 contacts written at a tight rate limit
// hold them for minutes.
type gate struct {
	open chan struct{}
	once sync.Once

	mu      sync.Mutex
	held    int // requests waiting at the gate now
	changed chan struct{}
}

func newGate() *gate {
	return &gate{open: make(chan struct{}), changed: make(chan struct{}, 1)}
}

func (g *gate) release() { g.once.Do(func() { close(g.open) }) }

func (g *gate) add(d int) {
	g.mu.Lock()
	g.held += d
	g.mu.Unlock()
	select {
	case g.changed <- struct{}{}:
	default:
	}
}

func (g *gate) holding() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.held
}

func (g *gate) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/contacts" {
			g.add(1)
			select {
			case <-g.open:
			case <-r.Context().Done():
			}
			g.add(-1)
		}
		next.ServeHTTP(w, r)
	})
}

// side is a migration's two sandboxes, with tokens of their own (so
// workspaces and rate-limit buckets of their own), and a scheduler engine
// on its queue.
type side struct {
	id, queue      string
	srcTok, dstTok string
	src, dst       *intercomtest.Sandbox
	srcURL, dstURL string
	e              *migrate.Engine
	contacts       int
}

func newSide(t *testing.T, rdb redis.UniversalClient, name string, contacts int, wrapDst func(http.Handler) http.Handler, limits throttle.LimiterConfig) *side {
	t.Helper()
	s := &side{id: unique("t-" + name + "-"), queue: unique("icmtest-" + name + "-"), srcTok: "fair-" + name + "-src", dstTok: "fair-" + name + "-dst", contacts: contacts}
	var srcSrv *httptest.Server
	s.src, srcSrv = intercomtest.NewServer(t, intercomtest.Options{Region: "us", Tokens: []string{s.srcTok}, Seed: 11, Contacts: contacts, Entities: []string{"contacts"}, RateLimitPerMinute: 600_000})
	var dstSrv *httptest.Server
	s.dst, dstSrv = intercomtest.NewWrappedServer(t, intercomtest.Options{Region: "eu", Tokens: []string{s.dstTok}, Seed: 11, RateLimitPerMinute: 600_000}, wrapDst)
	s.srcURL, s.dstURL = srcSrv.URL, dstSrv.URL
	var tokens secret.Tokens
	tokens.Add(s.srcTok, s.dstTok)
	// The scheduler of this migration: `scheduler migrate --queue <queue>`.
	s.e = migrate.NewEngine(migrate.Options{Redis: rdb, Tokens: &tokens, Queue: s.queue, RateLimits: limits})
	t.Cleanup(func() { s.e.Close() })
	insp := asynq.NewInspectorFromRedisClient(rdb)
	t.Cleanup(func() { insp.DeleteQueue(s.queue, true) })
	return s
}

// testLimits keeps a test's rate-limit buckets apart from those of other
// tests that may run at the same time on the same Redis with sandboxes of
// the same names (workspaces are named by region and app id).
func testLimits(name string) throttle.LimiterConfig {
	return throttle.LimiterConfig{KeyPrefix: "icm:rl:" + name + ":"}
}

func (s *side) start(ctx context.Context, t *testing.T) {
	t.Helper()
	cfg := migrate.Config{ID: s.id,
		Source: migrate.Side{Region: intercom.US, BaseURL: s.srcURL, Tokens: []string{s.srcTok}},
		Dest:   migrate.Side{Region: intercom.EU, BaseURL: s.dstURL, Tokens: []string{s.dstTok}}}
	if _, err := s.e.Start(ctx, cfg); err != nil {
		t.Fatalf("start %s: %v", s.id, err)
	}
}

func (s *side) status(ctx context.Context, t *testing.T) *migrate.Status {
	t.Helper()
	st, err := s.e.Status(ctx, s.id)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func (s *side) verify(ctx context.Context, t *testing.T) {
	t.Helper()
	src, err := intercom.NewClient(s.srcTok, intercom.US, intercom.WithBaseURL(s.srcURL), intercom.WithReadRetries(6))
	if err != nil {
		t.Fatal(err)
	}
	dst, err := intercom.NewClient(s.dstTok, intercom.EU, intercom.WithBaseURL(s.dstURL), intercom.WithReadRetries(6))
	if err != nil {
		t.Fatal(err)
	}
	results, err := verify.All(ctx, verify.Options{Source: src, Dest: dst, Store: s.e.Store(), Migration: s.id})
	if err != nil {
		t.Fatal(err)
	}
	if !verify.Equal(results) {
		t.Fatalf("%s not equal: %+v", s.id, results)
	}
	if got := s.dst.Count("contacts"); got != s.contacts {
		t.Fatalf("%s: destination holds %d contacts, want %d", s.id, got, s.contacts)
	}
}

func contactsDone(st *migrate.Status) int64 {
	for _, p := range st.Phases {
		if p.Phase == migrate.PhaseContacts {
			return p.Done
		}
	}
	return -1
}

// TestFairness: a large and a small migration on one fleet of two worker
// processes, each serving both migrations' queues (worker --queue
// large,small) with two slots per queue. The large one is started first and
// its contact pages hold every slot of its queue (its destination holds
// their writes: a gate); the small one, started then, runs to the end on
// the slots of its own queue while the large one has not created a single
// contact. In one shared pool of slots (one queue, or asynq's weighted
// queues in one server) the small one would wait for a slot the large one
// frees, here never. The units the small one's units spawn go to its queue
// although each worker's engine is on the large one's (the queue of the
// task that spawns them). Then the gate opens and the large one completes.
// Both workspaces are compared record by record.
func TestFairness(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	rdb := redistest.Client(t)
	g := newGate()
	t.Cleanup(g.release) // never leave a handler waiting
	limits := testLimits(unique("fair-"))
	large := newSide(t, rdb, "large", 1500, g.wrap, limits)
	small := newSide(t, rdb, "small", 60, nil, limits)

	const processes, slots = 2, 2
	for range processes {
		var tokens secret.Tokens
		tokens.Add(large.srcTok, large.dstTok, small.srcTok, small.dstTok)
		e := migrate.NewEngine(migrate.Options{Redis: rdb, Tokens: &tokens, Queue: large.queue, RateLimits: limits})
		t.Cleanup(func() { e.Close() })
		w := e.NewWorker(migrate.WorkerOptions{Concurrency: slots, PollInterval: 50 * time.Millisecond, ShutdownTimeout: 2 * time.Second,
			Queues: map[string]int{large.queue: 0, small.queue: 0}})
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		// Open the gate first: shutting down waits for the held units.
		t.Cleanup(w.Shutdown)
		t.Cleanup(g.release)
	}

	large.start(ctx, t)
	// Every slot of the large one's queue holds one of its contact pages (10
	// pages of 150: each enqueues the next before writing).
	for g.holding() < processes*slots {
		select {
		case <-g.changed:
		case <-ctx.Done():
			t.Fatalf("the large migration holds %d slots, want %d", g.holding(), processes*slots)
		}
	}
	small.start(ctx, t)
	st, err := small.e.Wait(ctx, small.id, 100*time.Millisecond, nil)
	if err != nil {
		t.Fatalf("the small migration did not finish while the large one held its slots: %v", err)
	}
	if st.Migration.State != store.StateDone {
		t.Fatalf("small: state %s: %s", st.Migration.State, st.Migration.Error)
	}
	lst := large.status(ctx, t)
	done := contactsDone(lst)
	t.Logf("small migration done (%d contacts) while the large one holds %d slots and has %d of %d contacts", contactsDone(st), g.holding(), done, large.contacts)
	if lst.Migration.State != store.StateRunning || done != 0 || g.holding() != processes*slots {
		t.Fatalf("when the small migration finished, the large one was %s with %d contacts and %d slots held; want running, 0, %d",
			lst.Migration.State, done, g.holding(), processes*slots)
	}

	g.release()
	lst, err = large.e.Wait(ctx, large.id, 100*time.Millisecond, nil)
	if err != nil {
		t.Fatalf("large: %v", err)
	}
	if lst.Migration.State != store.StateDone {
		t.Fatalf("large: state %s: %s", lst.Migration.State, lst.Migration.Error)
	}
	small.verify(ctx, t)
	large.verify(ctx, t)
}
