package migrate

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"go.uber.org/zap"

	"github.com/icmigrate/icmigrate/internal/secret"
	"github.com/icmigrate/icmigrate/internal/store"
	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// WorkerOptions configure a worker server.
type WorkerOptions struct {
	Concurrency int
	// ShutdownTimeout is how long in-flight units may finish after SIGTERM
	// before asynq puts them back in the queue.
	ShutdownTimeout time.Duration
	// PollInterval is how often an idle worker looks for new tasks and
	// retries (asynq's TaskCheckInterval and DelayedTaskCheckInterval).
	PollInterval time.Duration
	// Queues are the queues served, each with its own slots: the number of
	// its units run at once (0: Concurrency). Empty: the engine's queue
	// with Concurrency slots. See queues.go for why each queue has slots of
	// its own rather than a weight in one shared pool.
	Queues map[string]int
}

// Worker runs units of every migration it has tokens for.
type Worker struct {
	e       *Engine
	servers []*asynq.Server // one per queue
	stop    chan struct{}
	done    chan struct{}
}

// NewWorker builds an asynq server per queue on the engine's Redis.
func (e *Engine) NewWorker(o WorkerOptions) *Worker {
	if o.Concurrency <= 0 {
		o.Concurrency = 10
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = 25 * time.Second
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	w := &Worker{e: e, stop: make(chan struct{}), done: make(chan struct{})}
	for _, q := range servedQueues(e.opts.Queue, o.Queues, o.Concurrency) {
		w.servers = append(w.servers, w.newServer(q.name, q.slots, o))
	}
	return w
}

func (w *Worker) newServer(queue string, slots int, o WorkerOptions) *asynq.Server {
	e := w.e
	return asynq.NewServerFromRedisClient(e.opts.Redis, asynq.Config{
		Concurrency:              slots,
		Queues:                   map[string]int{queue: 1},
		ShutdownTimeout:          o.ShutdownTimeout,
		TaskCheckInterval:        o.PollInterval,
		DelayedTaskCheckInterval: o.PollInterval,
		// A rate-limit wait is not a failure: no retry is spent, nothing is
		// archived, and the task comes back when the window has reset.
		IsFailure: func(err error) bool {
			var rl *RateLimitedError
			return !errors.As(err, &rl)
		},
		RetryDelayFunc: func(n int, err error, t *asynq.Task) time.Duration {
			var rl *RateLimitedError
			if errors.As(err, &rl) {
				return rateLimitDelay(time.Now(), rl.Until)
			}
			return backoff(n)
		},
		ErrorHandler: asynq.ErrorHandlerFunc(w.onError),
		Logger:       asynqLogger{e.log.Sugar()},
		LogLevel:     asynq.WarnLevel,
	})
}

// rateLimitDelay is how long a unit handed back to the queue waits for its
// rate-limit window: until `until`, rounded up to a whole second, because
// asynq keeps a retry's time in whole seconds, rounded down: a task due
// a fraction of a second early would run while its bucket is still paused
// and bounce straight back, again and again until the pause is over.
func rateLimitDelay(now, until time.Time) time.Duration {
	due := until.Truncate(time.Second)
	if due.Before(until) {
		due = due.Add(time.Second)
	}
	return max(due.Sub(now), time.Second)
}

// backoff grows from 1 s to 5 min: a flaky destination gets room to recover,
// a transient 5xx is retried quickly.
func backoff(n int) time.Duration {
	d := time.Second << min(n, 9)
	return min(d, 5*time.Minute)
}

// Start runs the worker until Shutdown.
func (w *Worker) Start() error {
	mux := asynq.NewServeMux()
	mux.HandleFunc(TaskType, w.observe(w.handle))
	for i, s := range w.servers {
		if err := s.Start(mux); err != nil {
			for _, started := range w.servers[:i] {
				started.Shutdown()
			}
			return err
		}
	}
	go w.flushLoop()
	return nil
}

// Shutdown stops taking tasks, waits for in-flight units (up to the
// shutdown timeout; asynq re-queues the rest) and flushes call counters.
func (w *Worker) Shutdown() {
	// In parallel: each server may wait its shutdown timeout for units.
	var wg sync.WaitGroup
	for _, s := range w.servers {
		wg.Go(s.Shutdown)
	}
	wg.Wait()
	close(w.stop)
	<-w.done
}

func (w *Worker) flushLoop() {
	defer close(w.done)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			w.e.flushCalls(context.Background())
			return
		case <-t.C:
			w.e.flushCalls(context.Background())
		}
	}
}

// job is one unit being run, with everything its phase needs.
type job struct {
	e      *Engine
	m      *store.Migration
	u      Unit
	src    *intercom.Client
	dst    *intercom.Client
	log    *zap.Logger
	counts map[string]int64
}

// count adds to a counter of the run's phase. Counters say what this run
// did (created, skipped...); a retried unit counts again, so progress is
// read from the id maps and failures instead (see Status).
func (j *job) count(field string, n int64) { j.counts[field] += n }

// setTotal records how many source records the phase has.
func (j *job) setTotal(ctx context.Context, n int) error {
	return j.e.store.SetStat(ctx, j.m.ID, j.m.Run, j.u.Phase, "total", int64(n))
}

func (w *Worker) handle(ctx context.Context, t *asynq.Task) error {
	u, err := parseUnit(t.Payload())
	if err != nil {
		return fmt.Errorf("%v: %w", err, asynq.SkipRetry)
	}
	log := w.e.log.With(zap.String("migration", u.Migration), zap.String("entity", u.Phase), zap.String("unit", u.ID), zap.String("task_id", taskID(ctx)))
	m, err := w.e.store.Get(ctx, u.Migration)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%v: %w", err, asynq.SkipRetry)
	}
	if err != nil {
		return err
	}
	if m.Run != u.Run || m.State != store.StateRunning {
		// A unit of an older run, or of a migration that was stopped: a
		// rerun re-enqueues what is still needed.
		log.Info("unit dropped", zap.String("state", m.State), zap.Int("current_run", m.Run))
		return nil
	}
	p, err := w.e.clientsFor(m)
	if err != nil {
		return err
	}
	j := &job{e: w.e, m: m, u: u, src: p.src, dst: p.dst, log: log, counts: map[string]int64{}}
	run, ok := phaseRunner(u.Phase)
	if !ok {
		return fmt.Errorf("unknown phase %q: %w", u.Phase, asynq.SkipRetry)
	}
	seal, err := run(ctx, j)
	if cerr := w.e.store.Count(ctx, m.ID, m.Run, u.Phase, j.counts); cerr != nil && err == nil {
		err = cerr
	}
	w.e.observeRecords(u, j.counts)
	if err != nil {
		if rl, ok := asRateLimited(err, w.e.opts.Now()); ok {
			return rl
		}
		if reason := fatalReason(err); reason != "" {
			log.Error("migration stopped", zap.String("reason", reason))
			if ferr := w.e.store.Fail(ctx, m.ID, reason); ferr != nil {
				return ferr
			}
			return fmt.Errorf("%s: %w", reason, asynq.SkipRetry)
		}
		return err
	}
	complete, err := w.e.store.Finish(ctx, m.ID, m.Run, u.Phase, u.ID, seal)
	if err != nil {
		return err
	}
	if complete {
		log.Info("phase complete")
		return w.e.advance(ctx, m, u.Phase)
	}
	return nil
}

// onError records a unit that will not be retried (retries spent, or
// SkipRetry) as a durable failure, beside asynq's capped archive.
func (w *Worker) onError(ctx context.Context, t *asynq.Task, err error) {
	var rl *RateLimitedError
	if errors.As(err, &rl) {
		return
	}
	u, perr := parseUnit(t.Payload())
	retried, _ := asynq.GetRetryCount(ctx)
	maxRetry, _ := asynq.GetMaxRetry(ctx)
	final := retried >= maxRetry || errors.Is(err, asynq.SkipRetry)
	log := w.e.log.With(zap.String("task", t.Type()), zap.String("task_id", taskID(ctx)), zap.Int("retried", retried), zap.Bool("final", final), zap.Error(err))
	if perr != nil {
		log.Error("unit failed")
		return
	}
	log = log.With(zap.String("migration", u.Migration), zap.String("entity", u.Phase), zap.String("unit", u.ID))
	if !final {
		log.Warn("unit failed; will retry")
		return
	}
	log.Error("unit failed for good")
	f := store.Failure{Entity: unitEntity(u.Phase), SourceID: u.ID, Message: err.Error(), Run: u.Run, At: time.Now().UTC()}
	if rerr := w.e.store.RecordFailure(context.Background(), u.Migration, f); rerr != nil {
		log.Error("recording the failure", zap.Error(rerr))
	}
}

// recordFailure keeps a record Intercom refused, with its reason.
func (j *job) recordFailure(ctx context.Context, entity, srcID, endpoint string, err error) error {
	f := store.Failure{Entity: entity, SourceID: srcID, Endpoint: endpoint, Message: err.Error(), Run: j.m.Run, At: time.Now().UTC()}
	var er *intercom.ErrorResponse
	if errors.As(err, &er) {
		f.Status, f.Code, f.Message = er.StatusCode, er.Code(), er.Message()
		if f.Message == "" {
			f.Message = er.Error()
		}
	}
	j.count("failed", 1)
	// The unit's logger names its phase as "entity"; a record of another
	// kind (a conversation's contact...) says so in "record".
	fields := []zap.Field{zap.String("source_id", srcID), zap.Int("status", f.Status), zap.String("code", f.Code)}
	if entity != j.u.Phase {
		fields = append(fields, zap.String("record", entity))
	}
	j.log.Warn("record refused", fields...)
	return j.e.store.RecordFailure(ctx, j.m.ID, f)
}

func srcErr(err error) error { return onSide(secret.Source, err) }
func dstErr(err error) error { return onSide(secret.Dest, err) }

// asynqLogger routes asynq's own logs through zap.
type asynqLogger struct{ s *zap.SugaredLogger }

func (l asynqLogger) Debug(args ...any) { l.s.Debug(args...) }
func (l asynqLogger) Info(args ...any)  { l.s.Info(args...) }
func (l asynqLogger) Warn(args ...any)  { l.s.Warn(args...) }
func (l asynqLogger) Error(args ...any) { l.s.Error(args...) }
func (l asynqLogger) Fatal(args ...any) { l.s.Fatal(args...) }
