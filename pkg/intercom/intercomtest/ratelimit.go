package intercomtest

import (
	"net/http"
	"strconv"
	"time"
)

// Rate limiting as Intercom does it: a budget per minute, enforced in fixed
// 10-second windows aligned to Unix times that are multiples of 10, with a
// per-window limit of perMinute/6 (10,000/min gives 1,666 per window). Each
// token (app) has its budget, and the workspace one for all its apps
// together (25,000/min by default, 4,166 per window).
//
// Decisions:
//   - A request is admitted when both its app and the workspace have budget
//     left in the current window; it then counts against both.
//   - A refused request (429) counts against neither: the window still ends
//     at the same time, so retrying early only gets more 429s, and waiting
//     until X-RateLimit-Reset always succeeds.
//   - Headers on every authenticated answer (429s, 5xx faults and 400s
//     included): X-RateLimit-Limit is the app's per-window limit;
//     X-RateLimit-Remaining is what is left of the tighter of the two
//     budgets (0 on a 429); X-RateLimit-Reset is the Unix second at which
//     the window ends (a multiple of 10).
type limiter struct {
	appPerMinute int
	wsPerMinute  int
	apps         map[int]*window
	ws           window
}

type window struct {
	start int64 // Unix seconds, a multiple of 10
	count int
}

type rateDecision struct {
	allowed   bool
	limit     int
	remaining int
	reset     int64
}

// WindowSeconds is the length of a rate-limit window.
const WindowSeconds = 10

// PerWindow converts a per-minute budget to the per-window limit.
func PerWindow(perMinute int) int {
	return max(perMinute*WindowSeconds/60, 1)
}

func (l *limiter) init(appPerMinute, wsPerMinute int) {
	l.appPerMinute = appPerMinute
	l.wsPerMinute = wsPerMinute
	l.apps = make(map[int]*window)
}

func (w *window) roll(start int64) {
	if w.start != start {
		w.start = start
		w.count = 0
	}
}

// take decides on one request of app at now. The caller holds the lock.
func (l *limiter) take(appIndex int, now time.Time) rateDecision {
	sec := now.Unix()
	start := sec - sec%WindowSeconds
	if sec < 0 && sec%WindowSeconds != 0 {
		start -= WindowSeconds
	}
	a := l.apps[appIndex]
	if a == nil {
		a = &window{}
		l.apps[appIndex] = a
	}
	a.roll(start)
	l.ws.roll(start)
	appLimit, wsLimit := PerWindow(l.appPerMinute), PerWindow(l.wsPerMinute)
	d := rateDecision{limit: appLimit, reset: start + WindowSeconds}
	if a.count >= appLimit || l.ws.count >= wsLimit {
		return d
	}
	a.count++
	l.ws.count++
	d.allowed = true
	d.remaining = max(min(appLimit-a.count, wsLimit-l.ws.count), 0)
	return d
}

func (d rateDecision) setHeaders(h http.Header) {
	h.Set("X-RateLimit-Limit", strconv.Itoa(d.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(d.remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(d.reset, 10))
}
