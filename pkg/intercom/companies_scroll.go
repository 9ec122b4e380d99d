package intercom

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"
)

// The scroll API (GET /companies/scroll) is the only way to read every
// company: the list endpoint stops at 10,000 and leaves out companies
// without contacts. Its rules, from Intercom's documentation:
//
//   - an app has at most one scroll open at a time: opening a second one
//     answers 400 scroll_exists;
//   - a scroll not used for a minute expires (its scroll_param then answers
//     404), and one that reached its end (an empty page) is closed;
//   - a 500 means the scroll broke and must be started over: it cannot be
//     resumed from a point;
//   - the scroll_param is the same for every page: each call with it
//     advances the scroll. So a call whose answer is lost (a reset
//     connection, a 502 from a proxy after the fact) loses a page without a
//     trace, and repeating it reads the next page, not the lost one.
//
// Scroll is one call and is never retried by the client, whatever
// WithReadRetries says: a retry could skip a page. Walk drives whole
// scrolls and knows when a pass may have missed a page.

// ScrollIdleTimeout is how long Intercom keeps an unused scroll open.
const ScrollIdleTimeout = time.Minute

// scrollPoll is how often Walk asks again for a scroll while another one
// of the app is open (tests shorten it).
var scrollPoll = 5 * time.Second

// CompanyScroll is one page of the scroll API. An empty Data means the
// scroll reached its end (and is closed).
type CompanyScroll struct {
	Type string     `json:"type,omitempty"`
	Data []*Company `json:"data"`
	// TotalCount is null at Intercom; nil then.
	TotalCount  *int   `json:"total_count,omitempty"`
	ScrollParam string `json:"scroll_param,omitempty"`
}

// Scroll reads the next page of the app's scroll: GET /companies/scroll,
// opening a new scroll when scrollParam is empty. It is never retried in
// place (see above): a failure leaves the caller to decide, and Walk does.
func (s *CompaniesService) Scroll(ctx context.Context, scrollParam string) (*CompanyScroll, *Response, error) {
	var q url.Values
	if scrollParam != "" {
		q = url.Values{"scroll_param": {scrollParam}}
	}
	req, err := s.client.NewRequest(ctx, "GET", "companies/scroll", q, nil)
	if err != nil {
		return nil, nil, err
	}
	var page CompanyScroll
	resp, err := s.client.Do(req, &page)
	if err == nil {
		err = noNullItems(resp, page.Data)
	}
	if err != nil {
		return nil, resp, err
	}
	if len(page.Data) > 0 && page.ScrollParam == "" {
		return nil, resp, &DecodeError{Method: "GET", Path: req.URL.EscapedPath(), Status: resp.StatusCode, Err: errors.New("a page of the scroll without a scroll_param")}
	}
	return &page, resp, nil
}

// IsScrollExists reports whether err is Intercom's refusal to open a
// second scroll for the app (400 scroll_exists): another walk of this app,
// possibly of another integration using the same token, is under way, or
// one was abandoned less than ScrollIdleTimeout ago.
func IsScrollExists(err error) bool {
	var inv *InvalidError
	return errors.As(err, &inv) && inv.Code() == "scroll_exists"
}

// WalkOptions tune CompaniesService.Walk.
type WalkOptions struct {
	// MaxPasses bounds the scrolls one walk opens (default 5).
	MaxPasses int
	// WaitForScroll is how long, in all, a walk waits for another scroll of
	// the app to expire when Intercom answers scroll_exists; 0 returns the
	// error at once (see IsScrollExists). Waiting a little over
	// ScrollIdleTimeout is enough for a scroll that was abandoned.
	WaitForScroll time.Duration
	// RetryLimit is how many failed calls in a row a pass tolerates before
	// the walk gives up (default 4).
	RetryLimit int
}

// ErrScrollIncomplete is returned (wrapped) by Walk when every pass it was
// allowed may have missed a page.
var ErrScrollIncomplete = errors.New("intercom: no pass of the companies scroll was read without a failure that may have lost a page")

// WalkPage is what Walk hands to its callback: one page of a pass.
type WalkPage struct {
	// Pass numbers the scrolls of the walk from 1. A pass after the first
	// means an earlier one may have missed a page: it is read again whole,
	// so a caller that needs every company exactly once forgets what it
	// kept of earlier passes, and one that writes idempotently goes on.
	Pass int
	// Page numbers the pages of the pass from 0.
	Page      int
	Companies []*Company
}

// Walk reads every company through the scroll API, calling fn with each
// page as soon as it arrives; fn must return quickly (Intercom closes a
// scroll idle for a minute), so park the page and do slow work elsewhere.
//
// Walk never lets a failure go unnoticed. A call that fails in a way that
// may have advanced the scroll (a 5xx, a broken connection, an unreadable
// answer) marks the pass as possibly incomplete; the pass is still read to
// its end, which closes the scroll, and a new pass starts; a 404 (the
// scroll expired or broke) starts a new pass too. Walk returns nil after a
// pass read without such a failure, and ErrScrollIncomplete after
// MaxPasses without one. A 429 whose window resets within 20 seconds is
// waited out (a call refused that way did not advance the scroll); a
// longer one, a scroll_exists beyond WaitForScroll, an error of fn, and
// errors that will not go away (401, 403...) are returned as they are.
func (s *CompaniesService) Walk(ctx context.Context, opts *WalkOptions, fn func(WalkPage) error) error {
	o := WalkOptions{MaxPasses: 5, RetryLimit: 4}
	if opts != nil {
		if opts.MaxPasses > 0 {
			o.MaxPasses = opts.MaxPasses
		}
		if opts.RetryLimit > 0 {
			o.RetryLimit = opts.RetryLimit
		}
		o.WaitForScroll = opts.WaitForScroll
	}
	deadline := time.Now().Add(o.WaitForScroll)
	for pass := 1; pass <= o.MaxPasses; pass++ {
		clean, err := s.walkPass(ctx, pass, o, deadline, fn)
		if err != nil || clean {
			return err
		}
	}
	return fmt.Errorf("%w (%d passes)", ErrScrollIncomplete, o.MaxPasses)
}

// walkPass reads one scroll to its end; clean is false when a page may be
// missing from it.
func (s *CompaniesService) walkPass(ctx context.Context, pass int, o WalkOptions, deadline time.Time, fn func(WalkPage) error) (clean bool, err error) {
	param := ""
	clean = true
	failures := 0
	for page := 0; ; {
		sp, _, err := s.Scroll(ctx, param)
		if err != nil {
			var (
				nf *NotFoundError
				rl *RateLimitError
			)
			switch {
			case ctx.Err() != nil:
				return false, ctx.Err()
			case param == "" && IsScrollExists(err):
				if !time.Now().Before(deadline) {
					return false, err
				}
				if err := sleepCtx(ctx, min(scrollPoll, time.Until(deadline))); err != nil {
					return false, err
				}
				continue
			case param != "" && errors.As(err, &nf):
				return false, nil // expired or broken: a new pass
			case errors.As(err, &rl):
				d := rl.RetryAfter(time.Now())
				if d > 20*time.Second {
					return false, err
				}
				if err := sleepCtx(ctx, d); err != nil {
					return false, err
				}
				continue
			case isPaused(err) || !IsTemporary(err):
				return false, err
			}
			// The call may or may not have advanced the scroll. Opening
			// one: nothing was read yet, try again (a scroll it opened
			// shows as scroll_exists until it expires). Reading one: a
			// page may be lost; read on to close the scroll, then a new
			// pass.
			if param != "" {
				clean = false
			}
			if failures++; failures > o.RetryLimit {
				return false, fmt.Errorf("intercom: companies scroll, pass %d: %d failed calls in a row: %w", pass, failures, err)
			}
			if err := sleepCtx(ctx, 100*time.Millisecond<<failures); err != nil {
				return false, err
			}
			continue
		}
		failures = 0
		if len(sp.Data) == 0 {
			return clean, nil
		}
		param = sp.ScrollParam
		if err := fn(WalkPage{Pass: pass, Page: page, Companies: sp.Data}); err != nil {
			return false, err
		}
		page++
	}
}

// isPaused recognises a request a rate-limiting transport refused to send
// for a while (such errors have a RateLimitUntil method): it did not reach
// Intercom, and the wait belongs to the caller.
func isPaused(err error) bool {
	var p interface{ RateLimitUntil() time.Time }
	return errors.As(err, &p)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
