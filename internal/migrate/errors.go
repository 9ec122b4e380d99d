package migrate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/icmigrate/icmigrate/internal/secret"
	"github.com/icmigrate/icmigrate/internal/throttle"
	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// SideError says which workspace an error came from.
type SideError struct {
	Side secret.Side
	Err  error
}

func (e *SideError) Error() string { return fmt.Sprintf("%s: %v", e.Side, e.Err) }
func (e *SideError) Unwrap() error { return e.Err }

func onSide(side secret.Side, err error) error {
	if err == nil {
		return nil
	}
	var se *SideError
	if errors.As(err, &se) {
		return err
	}
	return &SideError{Side: side, Err: err}
}

// RateLimitedError sends a unit back to the queue until a rate-limit window
// resets. It is not a failure: it burns no retry and never archives a task.
type RateLimitedError struct {
	Until time.Time
	Err   error
}

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("rate limited until %s: %v", e.Until.UTC().Format(time.RFC3339), e.Err)
}
func (e *RateLimitedError) Unwrap() error { return e.Err }

// asRateLimited turns a 429 or a paused bucket into a RateLimitedError.
func asRateLimited(err error, now time.Time) (*RateLimitedError, bool) {
	var rl *intercom.RateLimitError
	if errors.As(err, &rl) {
		return &RateLimitedError{Until: now.Add(rl.RetryAfter(now)), Err: err}, true
	}
	var pe *throttle.PausedError
	if errors.As(err, &pe) {
		return &RateLimitedError{Until: pe.Until, Err: err}, true
	}
	return nil, false
}

// fatalReason says why an error stops the whole migration (a token Intercom
// rejects: every other unit would fail the same way), or "".
func fatalReason(err error) string {
	var ue *intercom.UnauthorizedError
	if !errors.As(err, &ue) {
		return ""
	}
	side := "an Intercom workspace"
	var se *SideError
	if errors.As(err, &se) {
		side = "the " + string(se.Side) + " workspace"
	}
	return fmt.Sprintf("%s rejected the token (401 %s): check the token and its region; nothing more will be sent", side, ue.Code())
}

// isRecordError reports whether Intercom refused one record for good, so
// that it is recorded as a failure and its batch-mates go on.
func isRecordError(err error) bool {
	var (
		inv *intercom.InvalidError
		nf  *intercom.NotFoundError
		fb  *intercom.ForbiddenError
		ce  *intercom.ConflictError
	)
	return errors.As(err, &inv) || errors.As(err, &nf) || errors.As(err, &fb) || errors.As(err, &ce)
}

// recordRetries is how often one record's write is tried in place before
// the whole unit is handed back to the queue: a lost answer or a passing
// 5xx should cost a fraction of a second, not a retry of 150 records with a
// growing backoff.
const recordRetries = 4

// retryRecord runs fn until it succeeds, fails for good, or has been tried
// recordRetries+1 times, waiting 100 ms, 200 ms, 400 ms... in between. Rate
// limits are not retried here: the throttle has waited already, and a long
// wait belongs to the queue.
func retryRecord(ctx context.Context, fn func(attempt int) error) error {
	for attempt := 0; ; attempt++ {
		err := fn(attempt)
		if err == nil || attempt >= recordRetries || !intercom.IsTemporary(err) {
			return err
		}
		if _, ok := asRateLimited(err, time.Now()); ok {
			return err
		}
		t := time.NewTimer(100 * time.Millisecond << attempt)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}
