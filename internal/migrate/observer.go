package migrate

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/hibiken/asynq"

	"github.com/icmigrate/icmigrate/internal/secret"
	"github.com/icmigrate/icmigrate/internal/store"
)

// Observer is told what the engine does, for metrics (internal/metrics
// implements it; this package does not import Prometheus). Options.Observer;
// nil observes nothing. Its methods are called from every worker slot at
// once and must not block.
type Observer interface {
	// UnitStarted is called when a worker slot starts running a unit.
	UnitStarted(migration, phase string)
	// UnitDone is called when it returns, with how it ended and how long it
	// ran.
	UnitDone(migration, phase string, outcome Outcome, d time.Duration)
	// Records is called after each run of a unit with the records it
	// handled, by result (created, updated, adopted, skipped, failed,
	// applied, matched, unmatched). A retried unit reports again.
	Records(migration, phase string, byResult map[string]int64)
	// Transport wraps the HTTP transport of a client of one side ("source",
	// "destination", or "unknown" for the checks of Start) in a region. It
	// sits under the throttle: it sees every call sent to Intercom, 429s
	// retried in place included, and none a pause held back.
	Transport(base http.RoundTripper, side, region string) http.RoundTripper
}

// Outcome is how a run of a unit ended.
type Outcome string

// The outcomes of a unit's run.
const (
	// OutcomeSuccess: done (or dropped: a unit of an older run).
	OutcomeSuccess Outcome = "success"
	// OutcomeRetry: failed; asynq runs it again after a backoff.
	OutcomeRetry Outcome = "retry"
	// OutcomeRateLimited: sent back to the queue until a rate-limit window
	// resets, without spending a retry.
	OutcomeRateLimited Outcome = "rate_limited"
	// OutcomeDead: failed for good (retries spent, or not retryable); kept
	// in the migration's failures (the dead-letter list).
	OutcomeDead Outcome = "dead"
)

// Outcomes lists every Outcome.
var Outcomes = []Outcome{OutcomeSuccess, OutcomeRetry, OutcomeRateLimited, OutcomeDead}

// RecordResults are the results Observer.Records reports: the counters of
// records a run has dealt with (see Status).
func RecordResults() []string { return slices.Clone(handled) }

// observe wraps the unit handler to report each run to the Observer.
func (w *Worker) observe(h asynq.HandlerFunc) asynq.HandlerFunc {
	obs := w.e.opts.Observer
	if obs == nil {
		return h
	}
	return func(ctx context.Context, t *asynq.Task) error {
		migration, phase := "unknown", "unknown"
		if u, err := parseUnit(t.Payload()); err == nil {
			migration, phase = u.Migration, u.Phase
		}
		start := time.Now()
		obs.UnitStarted(migration, phase)
		defer func() {
			// asynq recovers a handler's panic and retries the task: report
			// it so, and let the panic go on to asynq.
			if p := recover(); p != nil {
				obs.UnitDone(migration, phase, OutcomeRetry, time.Since(start))
				panic(p)
			}
		}()
		err := h(ctx, t)
		obs.UnitDone(migration, phase, outcomeOf(ctx, err), time.Since(start))
		return err
	}
}

// outcomeOf classifies a handler's answer the way asynq (Config.IsFailure,
// the retry count) and onError will treat it.
func outcomeOf(ctx context.Context, err error) Outcome {
	if err == nil {
		return OutcomeSuccess
	}
	var rl *RateLimitedError
	if errors.As(err, &rl) {
		return OutcomeRateLimited
	}
	retried, ok1 := asynq.GetRetryCount(ctx)
	maxRetry, ok2 := asynq.GetMaxRetry(ctx)
	if errors.Is(err, asynq.SkipRetry) || (ok1 && ok2 && retried >= maxRetry) {
		return OutcomeDead
	}
	return OutcomeRetry
}

// observeRecords reports the records a run of a unit handled.
func (e *Engine) observeRecords(u Unit, counts map[string]int64) {
	if e.opts.Observer == nil {
		return
	}
	by := map[string]int64{}
	for _, c := range handled {
		if n := counts[c]; n > 0 {
			by[c] = n
		}
	}
	if len(by) > 0 {
		e.opts.Observer.Records(u.Migration, u.Phase, by)
	}
}

// transport is the base transport of a client of one side:
// Options.Transport, observed.
func (e *Engine) transport(side secret.Side, ep store.Endpoint) http.RoundTripper {
	if e.opts.Observer == nil {
		return e.opts.Transport
	}
	name := string(side)
	if name == "" {
		name = "unknown"
	}
	return e.opts.Observer.Transport(e.opts.Transport, name, ep.Region)
}

// taskID is asynq's id of the task being run, for logs.
func taskID(ctx context.Context) string {
	id, _ := asynq.GetTaskID(ctx)
	return id
}
