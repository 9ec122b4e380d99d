// Package throttle keeps calls to Intercom within the rate limits Intercom
// enforces, as http.RoundTrippers under the client.
//
// Two flavours:
//
//   - Shared (NewShared, Pool; limiter.go, shared.go): the limit of a
//     workspace and of each of its apps is shared through Redis by every
//     worker process, each request takes a permit first, and requests are
//     spread over the workspace's apps (tokens). This is what workers use.
//   - Transport (New, this file): the local fallback, one process on its
//     own: it only pauses after Intercom said a window is spent.
//
// Intercom counts calls per app and per workspace in 10-second windows and
// says where a window stands in every answer (X-RateLimit-Limit/Remaining/
// Reset). When a window is spent (Remaining 0) or Intercom answers 429,
// requests wait until the window resets, with jitter, instead of hammering
// it; a 429 whose wait is short is retried in place, so handlers never see
// it. A wait longer than MaxInlineWait is handed back (a *PausedError, or
// the 429), for the task queue to reschedule the work without counting a
// failure.
package throttle

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Counts are the calls a Transport made, by kind.
type Counts struct {
	Reads, Writes, RateLimited atomic.Int64
}

// Transport pauses requests of one bucket (an app token of a workspace)
// while its window is spent.
type Transport struct {
	Base http.RoundTripper
	// MaxInlineWait is the longest pause a request waits out in place.
	MaxInlineWait time.Duration
	// Counts receives every call; may be shared by several transports.
	Counts *Counts
	// Now and Sleep are for tests.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error

	mu          sync.Mutex
	pausedUntil time.Time
}

// New returns a Transport over base (http.DefaultTransport when nil).
func New(base http.RoundTripper, counts *Counts) *Transport {
	if base == nil {
		base = http.DefaultTransport
	}
	if counts == nil {
		counts = &Counts{}
	}
	return &Transport{Base: base, MaxInlineWait: 15 * time.Second, Counts: counts}
}

func (t *Transport) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

func (t *Transport) sleep(ctx context.Context, d time.Duration) error {
	if t.Sleep != nil {
		return t.Sleep(ctx, d)
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// pause extends the pause to until (never shortens it).
func (t *Transport) pause(until time.Time) {
	t.mu.Lock()
	if until.After(t.pausedUntil) {
		t.pausedUntil = until
	}
	t.mu.Unlock()
}

func (t *Transport) waitTime() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.pausedUntil.Sub(t.now())
}

// maxAttempts bounds the 429 retries of one request: a limit shared with
// other integrations may stay spent for several windows.
const maxAttempts = 5

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	for attempt := 1; ; attempt++ {
		if d := t.waitTime(); d > 0 {
			if d > t.MaxInlineWait {
				return nil, &PausedError{Until: t.now().Add(d)}
			}
			if err := t.sleep(req.Context(), d); err != nil {
				return nil, err
			}
		}
		r := req
		if attempt > 1 {
			if req.GetBody == nil && req.Body != nil {
				return nil, &PausedError{Until: t.now().Add(t.waitTime())}
			}
			r = req.Clone(req.Context())
			if req.GetBody != nil {
				body, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				r.Body = body
			}
		}
		resp, err := t.Base.RoundTrip(r)
		if err != nil {
			return nil, err
		}
		t.count(req)
		reset := resetTime(resp.Header, t.now())
		if resp.StatusCode == http.StatusTooManyRequests {
			t.Counts.RateLimited.Add(1)
			t.pause(reset.Add(jitter()))
			if attempt >= maxAttempts || t.waitTime() > t.MaxInlineWait {
				return resp, nil
			}
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			continue
		}
		if rem, err := strconv.Atoi(resp.Header.Get("X-RateLimit-Remaining")); err == nil && rem <= 0 {
			// The window is spent: the next call would be a 429.
			t.pause(reset.Add(jitter()))
		}
		return resp, nil
	}
}

func (t *Transport) count(req *http.Request) {
	if IsWrite(req.Method, req.URL.Path) {
		t.Counts.Writes.Add(1)
	} else {
		t.Counts.Reads.Add(1)
	}
}

// IsWrite tells calls that change a workspace from those that read it;
// Intercom's searches are POSTs that only read.
func IsWrite(method, path string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	case http.MethodPost:
		return !(len(path) >= 7 && path[len(path)-7:] == "/search")
	}
	return true
}

// resetTime is the window's end from X-RateLimit-Reset, or a whole window
// from now when Intercom did not say.
func resetTime(h http.Header, now time.Time) time.Time {
	if s, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil && s > 0 {
		return time.Unix(s, 0)
	}
	return now.Add(10 * time.Second)
}

// jitter spreads the restart of many waiting requests over a quarter second,
// so that they do not all hit the new window in the same millisecond.
func jitter() time.Duration { return time.Duration(rand.Int64N(int64(250 * time.Millisecond))) }

// PausedError is a request not sent because its bucket is paused for longer
// than the transport waits in place.
type PausedError struct{ Until time.Time }

func (e *PausedError) Error() string {
	return "rate limit: paused until " + e.Until.UTC().Format(time.RFC3339)
}

// RateLimitUntil says, to packages that cannot name this type (pkg/intercom
// through an interface), that the request was held back by a rate limit
// until then: retrying it sooner is pointless.
func (e *PausedError) RateLimitUntil() time.Time { return e.Until }
