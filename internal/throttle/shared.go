package throttle

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/icmigrate/icmigrate/internal/secret"
)

// Shared is an http.RoundTripper that sends each request as one of a
// workspace's apps, with a permit of a shared Limiter: it waits for the
// permit, sets that app's bearer token, and reports the answer's
// X-RateLimit-* headers back to the limiter. A 429 is retried here after the
// window ends (the limiter makes every process wait for it), up to
// maxAttempts; when the wait is longer than the limiter's MaxInlineWait the
// request fails with a *PausedError instead, which the engine turns into a
// reschedule that spends no retry.
type Shared struct {
	Base   http.RoundTripper
	Counts *Counts
	lim    *Limiter
	tokens []string // by app index of lim
}

// NewShared returns a transport over base (http.DefaultTransport when nil)
// that calls as the apps of lim, whose tokens must all be in tokens.
func NewShared(base http.RoundTripper, lim *Limiter, tokens []string, counts *Counts) (*Shared, error) {
	if base == nil {
		base = http.DefaultTransport
	}
	if counts == nil {
		counts = &Counts{}
	}
	byFP := map[string]string{}
	for _, t := range tokens {
		t = strings.TrimSpace(t)
		byFP[secret.Fingerprint(t)] = t
	}
	s := &Shared{Base: base, Counts: counts, lim: lim}
	for _, fp := range lim.cfg.Apps {
		t, ok := byFP[fp]
		if !ok {
			return nil, fmt.Errorf("throttle: no token with fingerprint %s", fp)
		}
		s.tokens = append(s.tokens, t)
	}
	return s, nil
}

// Limiter is the transport's limiter.
func (t *Shared) Limiter() *Limiter { return t.lim }

// RoundTrip implements http.RoundTripper. The Authorization header of req
// is replaced by the one of the app the permit names.
func (t *Shared) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	for attempt := 1; ; attempt++ {
		p, err := t.lim.Acquire(ctx)
		if err != nil {
			closeBody(req)
			return nil, err
		}
		r := req.Clone(ctx)
		if attempt > 1 && req.Body != nil && req.Body != http.NoBody {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			r.Body = body
		}
		r.Header.Set("Authorization", "Bearer "+t.tokens[p.App])
		resp, err := t.Base.RoundTrip(r)
		if err != nil {
			// Whether Intercom counted it is unknown: the permit stays spent.
			return nil, err
		}
		if IsWrite(req.Method, req.URL.Path) {
			t.Counts.Writes.Add(1)
		} else {
			t.Counts.Reads.Add(1)
		}
		t.lim.Observe(p, resp.StatusCode, resp.Header)
		if resp.StatusCode != http.StatusTooManyRequests {
			return resp, nil
		}
		t.Counts.RateLimited.Add(1)
		replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
		if attempt >= maxAttempts || !replayable {
			return resp, nil
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
	}
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// Pool builds the transports of a process: one Limiter per side, workspace
// and set of apps, shared by every migration the process runs against it,
// so that their requests share round trips to Redis. (Limiters of the same
// workspace share its buckets in Redis whatever their side label.)
type Pool struct {
	rdb      redis.UniversalClient
	defaults LimiterConfig

	mu       sync.Mutex
	limiters map[string]*Limiter
}

// NewPool returns a pool on rdb; defaults configure its limiters (Side,
// Workspace and Apps are set per transport). With a nil rdb the pool builds
// the local, per-process throttle (New) instead.
func NewPool(rdb redis.UniversalClient, defaults LimiterConfig) *Pool {
	return &Pool{rdb: rdb, defaults: defaults, limiters: map[string]*Limiter{}}
}

// Transport returns a transport over base for a side of a migration: the
// workspace (e.g. "eu:" + app id_code; "" when unknown: the tokens'
// fingerprints then name it) and the tokens of its apps this process holds.
// counts receives the transport's calls.
func (p *Pool) Transport(base http.RoundTripper, side, workspace string, tokens []string, counts *Counts) (http.RoundTripper, error) {
	if len(tokens) == 0 {
		return nil, errors.New("throttle: no token")
	}
	if p.rdb == nil {
		return New(base, counts), nil
	}
	var fps []string
	for _, t := range tokens {
		fps = append(fps, secret.Fingerprint(strings.TrimSpace(t)))
	}
	slices.Sort(fps)
	fps = slices.Compact(fps)
	if workspace == "" {
		workspace = "fp-" + fps[0]
	}
	key := side + "|" + workspace + "|" + strings.Join(fps, ",")
	p.mu.Lock()
	lim, ok := p.limiters[key]
	if !ok {
		cfg := p.defaults
		cfg.Side, cfg.Workspace, cfg.Apps = side, workspace, fps
		var err error
		if lim, err = NewLimiter(p.rdb, cfg); err != nil {
			p.mu.Unlock()
			return nil, err
		}
		p.limiters[key] = lim
	}
	p.mu.Unlock()
	return NewShared(base, lim, tokens, counts)
}

// Stats returns the stats of every limiter of the pool.
func (p *Pool) Stats() []Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []Stats
	for _, l := range p.limiters {
		out = append(out, l.Stats())
	}
	slices.SortFunc(out, func(a, b Stats) int { return strings.Compare(a.Side+a.Workspace, b.Side+b.Workspace) })
	return out
}
