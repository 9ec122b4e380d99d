package migrate

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/icmigrate/icmigrate/internal/secret"
	"github.com/icmigrate/icmigrate/internal/store"
	"github.com/icmigrate/icmigrate/internal/throttle"
	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// Options configure an Engine.
type Options struct {
	// Redis holds the queue and the migration state.
	Redis redis.UniversalClient
	// Tokens are the API tokens this process may use, found by fingerprint.
	Tokens *secret.Tokens
	// Transport carries the HTTP calls to Intercom (http.DefaultTransport
	// when nil); tests and the demo route it to sandboxes.
	Transport http.RoundTripper
	// UserAgent is sent to Intercom.
	UserAgent string
	Logger    *zap.Logger
	// Queue is the asynq queue of this fleet (default "icmigrate"); fleets
	// that share a Redis but not their tokens use different queues.
	Queue string
	// Now is for tests.
	Now func() time.Time
	// RateLimits configure the rate limiters that every process shares
	// through Redis, one per workspace (throttle.LimiterConfig: the
	// workspace's limit, which Intercom does not report; the longest wait
	// in place...). Zero fields take Intercom's documented defaults.
	RateLimits throttle.LimiterConfig
	// Observer is told about units and API calls, for metrics (nil: none).
	Observer Observer
}

// Engine is what the scheduler and the workers share: the store, the queue,
// and Intercom clients per migration.
type Engine struct {
	store  *store.Store
	queue  *asynq.Client
	tokens *secret.Tokens
	log    *zap.Logger
	opts   Options

	// limits holds the process's shared rate limiters: every client of a
	// workspace, in every migration, goes through its workspace's.
	limits *throttle.Pool

	mu      sync.Mutex
	clients map[string]*pair
}

// pair is the two clients of one migration, with their call counters.
type pair struct {
	src, dst             *intercom.Client
	srcCounts, dstCounts *throttle.Counts
	flushed              map[string]int64
	// run and key say what the clients were built for: a new run, rotated
	// tokens or another URL build new ones.
	run int
	key string
}

func endpointsKey(m *store.Migration) string {
	return fmt.Sprint(m.Source.BaseURL, m.Source.Tokens, m.Dest.BaseURL, m.Dest.Tokens)
}

// NewEngine builds an Engine on opts.
func NewEngine(opts Options) *Engine {
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	if opts.Tokens == nil {
		opts.Tokens = &secret.Tokens{}
	}
	if opts.Transport == nil {
		opts.Transport = http.DefaultTransport
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Queue == "" {
		opts.Queue = DefaultQueue
	}
	return &Engine{
		store:   store.New(opts.Redis),
		queue:   asynq.NewClientFromRedisClient(opts.Redis),
		tokens:  opts.Tokens,
		log:     opts.Logger,
		opts:    opts,
		limits:  throttle.NewPool(opts.Redis, opts.RateLimits),
		clients: map[string]*pair{},
	}
}

// Store is the engine's state store.
func (e *Engine) Store() *store.Store { return e.store }

// Close releases the queue client (not the Redis client, which the caller
// owns).
func (e *Engine) Close() error { return e.queue.Close() }

// newClient builds a client for one side with one token (the scheduler's
// checks), behind the rate limiter shared for the side's workspace.
func (e *Engine) newClient(ep store.Endpoint, token string, counts *throttle.Counts) (*intercom.Client, error) {
	return e.newSideClient("", ep, []string{token}, counts)
}

// newSideClient builds the client of a named side (the name labels its
// calls in the metrics, observer.go): the side's tokens this process holds,
// one per app of the workspace, behind the rate limiter that every process
// shares for the workspace, which picks the app, and so the token, of each
// request.
func (e *Engine) newSideClient(side secret.Side, ep store.Endpoint, tokens []string, counts *throttle.Counts) (*intercom.Client, error) {
	region, err := intercom.ParseRegion(ep.Region)
	if err != nil {
		return nil, err
	}
	// The region and the app id name the workspace's buckets (an id is
	// unique within a region). A side not identified yet (the scheduler's
	// GET /me) is named by its tokens' fingerprints.
	workspace := ""
	if ep.AppID != "" {
		workspace = string(region) + ":" + ep.AppID
	}
	tr, err := e.limits.Transport(e.transport(side, ep), string(side), workspace, tokens, counts)
	if err != nil {
		return nil, err
	}
	opts := []intercom.Option{
		intercom.WithHTTPClient(&http.Client{Transport: tr, Timeout: 2 * time.Minute}),
		// Reads are retried in place; writes go through the handlers'
		// record-level retries, which know how to find what a lost answer
		// created.
		intercom.WithReadRetries(4),
	}
	if e.opts.UserAgent != "" {
		opts = append(opts, intercom.WithUserAgent(e.opts.UserAgent))
	}
	if ep.BaseURL != "" {
		opts = append(opts, intercom.WithBaseURL(ep.BaseURL))
	}
	// The transport sets each request's token; the client's own (the
	// first) only names it, e.g. to redact it from error texts.
	return intercom.NewClient(tokens[0], region, opts...)
}

// clientsFor returns the (cached) clients of a migration, with tokens found
// by the fingerprints the migration recorded.
func (e *Engine) clientsFor(m *store.Migration) (*pair, error) {
	e.mu.Lock()
	old, ok := e.clients[m.ID]
	e.mu.Unlock()
	if ok && old.run == m.Run && old.key == endpointsKey(m) {
		return old, nil
	}
	if ok {
		e.flushCalls(context.Background()) // the old clients' last calls, to their run
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	p := &pair{srcCounts: &throttle.Counts{}, dstCounts: &throttle.Counts{}, flushed: map[string]int64{}, run: m.Run, key: endpointsKey(m)}
	for _, side := range []struct {
		name   secret.Side
		ep     store.Endpoint
		counts *throttle.Counts
		out    **intercom.Client
	}{{secret.Source, m.Source, p.srcCounts, &p.src}, {secret.Dest, m.Dest, p.dstCounts, &p.dst}} {
		tokens := e.tokensOf(side.ep)
		if len(tokens) == 0 {
			single, list := side.name.EnvNames()
			return nil, fmt.Errorf("migration %s: this process has no %s token with fingerprint %v: set %s or %s to the token the migration was started with",
				m.ID, side.name, side.ep.Tokens, single, list)
		}
		c, err := e.newSideClient(side.name, side.ep, tokens, side.counts)
		if err != nil {
			return nil, fmt.Errorf("migration %s: %s: %v", m.ID, side.name, err)
		}
		*side.out = c
	}
	e.clients[m.ID] = p
	return p, nil
}

// Clients returns the two clients of a migration (throttled, reads
// retried), with the tokens this engine holds: for comparing the workspaces
// after or beside a run.
func (e *Engine) Clients(m *store.Migration) (src, dst *intercom.Client, err error) {
	p, err := e.clientsFor(m)
	if err != nil {
		return nil, nil, err
	}
	return p.src, p.dst, nil
}

// tokensOf returns the tokens of a side this process holds, in the order
// the migration recorded them: all of them are used, one app each.
func (e *Engine) tokensOf(ep store.Endpoint) []string {
	var out []string
	for _, fp := range ep.Tokens {
		if tok, ok := e.tokens.Lookup(fp); ok {
			out = append(out, tok)
		}
	}
	return out
}

// RateLimitStats are the counters of this process's shared rate limiters
// (permits, waits and their durations, pauses, 429s, Redis round trips), by
// side, workspace and app, for metrics.
func (e *Engine) RateLimitStats() []throttle.Stats { return e.limits.Stats() }

// flushCalls adds the calls made since the last flush to each migration's
// counters in the store.
func (e *Engine) flushCalls(ctx context.Context) {
	e.mu.Lock()
	type delta struct {
		id  string
		run int
		d   map[string]int64
	}
	var ds []delta
	for id, p := range e.clients {
		now := map[string]int64{
			"source_read": p.srcCounts.Reads.Load(), "source_write": p.srcCounts.Writes.Load(), "source_429": p.srcCounts.RateLimited.Load(),
			"dest_read": p.dstCounts.Reads.Load(), "dest_write": p.dstCounts.Writes.Load(), "dest_429": p.dstCounts.RateLimited.Load(),
		}
		d := map[string]int64{}
		for k, v := range now {
			if v != p.flushed[k] {
				d[k] = v - p.flushed[k]
			}
		}
		if len(d) > 0 {
			ds = append(ds, delta{id, p.run, d})
			p.flushed = now
		}
	}
	e.mu.Unlock()
	for _, d := range ds {
		if err := e.store.AddCalls(ctx, d.id, d.run, d.d); err != nil {
			e.log.Warn("flushing call counts", zap.String("migration", d.id), zap.Error(err))
		}
	}
}
