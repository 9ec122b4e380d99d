package migrate

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/hibiken/asynq"
)

func TestOutcomeOf(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		err  error
		want Outcome
	}{
		{nil, OutcomeSuccess},
		{&RateLimitedError{Until: time.Now().Add(time.Minute)}, OutcomeRateLimited},
		{fmt.Errorf("unit: %w", &RateLimitedError{Until: time.Now()}), OutcomeRateLimited},
		{fmt.Errorf("unauthorized: %w", asynq.SkipRetry), OutcomeDead},
		{errors.New("503 from the destination"), OutcomeRetry},
	} {
		if got := outcomeOf(ctx, tc.err); got != tc.want {
			t.Errorf("outcomeOf(%v) = %s, want %s", tc.err, got, tc.want)
		}
	}
}

func TestRecordResults(t *testing.T) {
	rs := RecordResults()
	if len(rs) == 0 || rs[0] != "created" {
		t.Errorf("RecordResults() = %v", rs)
	}
	rs[0] = "changed"
	if RecordResults()[0] != "created" {
		t.Error("RecordResults returns the package's slice")
	}
}

type recordingObserver struct {
	started  int
	outcomes []Outcome
}

func (o *recordingObserver) UnitStarted(migration, phase string) { o.started++ }
func (o *recordingObserver) UnitDone(migration, phase string, outcome Outcome, d time.Duration) {
	o.outcomes = append(o.outcomes, outcome)
}
func (o *recordingObserver) Records(migration, phase string, byResult map[string]int64) {}
func (o *recordingObserver) Transport(base http.RoundTripper, side, region string) http.RoundTripper {
	return base
}

// TestObservePanic: a handler that panics is reported (as a retry, which
// is what asynq makes of it) and the panic reaches asynq.
func TestObservePanic(t *testing.T) {
	obs := &recordingObserver{}
	w := &Worker{e: &Engine{opts: Options{Observer: obs}}}
	h := w.observe(func(ctx context.Context, t *asynq.Task) error { panic("boom") })
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the panic did not reach the caller")
			}
		}()
		h(context.Background(), asynq.NewTask(TaskType, []byte("{}")))
	}()
	if obs.started != 1 || len(obs.outcomes) != 1 || obs.outcomes[0] != OutcomeRetry {
		t.Errorf("started %d, outcomes %v", obs.started, obs.outcomes)
	}
	ok := w.observe(func(ctx context.Context, t *asynq.Task) error { return nil })
	ok(context.Background(), asynq.NewTask(TaskType, []byte("{}")))
	if len(obs.outcomes) != 2 || obs.outcomes[1] != OutcomeSuccess {
		t.Errorf("outcomes %v", obs.outcomes)
	}
}
