// Package demo runs a whole migration in one process: an embedded Redis
// (miniredis), a seeded US sandbox workspace, an empty EU one, the scheduler
// and workers, then a record-by-record comparison of both sides. It is
// `scheduler demo`, the first thing a new user runs.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/internal/openapi"
	"github.com/icmigrate/icmigrate/internal/report"
	"github.com/icmigrate/icmigrate/internal/secret"
	"github.com/icmigrate/icmigrate/internal/store"
	"github.com/icmigrate/icmigrate/internal/verify"
	"github.com/icmigrate/icmigrate/internal/version"
	"github.com/icmigrate/icmigrate/pkg/intercom"
	"github.com/icmigrate/icmigrate/pkg/intercom/intercomtest"
)

// Options size the demo.
type Options struct {
	Contacts    int
	Seed        int64
	Workers     int
	Concurrency int
	// RateLimitPerMinute is each sandbox's per-app limit (Intercom's
	// default: 10,000 a minute, 1,666 per 10 s).
	RateLimitPerMinute int
	// FaultRate makes the sandboxes answer that fraction of calls with 5xx.
	FaultRate float64
	// SpecPath is Intercom's OpenAPI description ("" = the default place).
	SpecPath string
	// Progress is how often progress is printed (0: every second).
	Progress time.Duration
	// OnProgress, when set, is given each progress status instead of the
	// line printed to Out (the command draws progress bars).
	OnProgress func(*migrate.Status)
	// Observer is told about units and API calls (metrics); Started is
	// called with the engine and its Redis before the migration starts.
	Observer migrate.Observer
	Started  func(e *migrate.Engine, rdb redis.UniversalClient)
	Out      io.Writer
	Logger   *zap.Logger
}

// Report is what the demo measured.
type Report struct {
	Results []verify.Result
	Status  *migrate.Status
	Wall    time.Duration
	// SourceCalls and DestCalls are the sandboxes' own counts, by route.
	SourceCalls, DestCalls map[string]int
	Validated              bool
	// Failures are the records (and units) that did not migrate.
	Failures []store.Failure
	// Notes is what the migration noted for the operator (unmatched
	// teammates, unreadable events...); NotWritable compares what the API
	// cannot create (segments, teams, help centers...).
	Notes       *report.Migration
	NotWritable []report.Entity
}

// Equal reports whether the destination matches the source.
func (r *Report) Equal() bool { return verify.Equal(r.Results) }

const (
	sourceToken = "demo-source-token"
	destToken   = "demo-dest-token"
)

// Run migrates a seeded workspace to an empty one and compares them.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Contacts < 0 || o.Workers < 1 || o.Concurrency < 1 {
		return nil, fmt.Errorf("demo: want contacts >= 0, workers >= 1, concurrency >= 1 (got %d, %d, %d)", o.Contacts, o.Workers, o.Concurrency)
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	if o.Progress <= 0 {
		o.Progress = time.Second
	}
	start := time.Now()
	rep := &Report{}

	var v *openapi.Validator
	if path, err := openapi.Locate(o.SpecPath); err == nil {
		if v, err = openapi.Shared(path); err != nil {
			return nil, err
		}
		rep.Validated = true
	} else {
		fmt.Fprintf(o.Out, "warning: %v\nwarning: the sandboxes run without validating requests against Intercom's API description\n", err)
	}

	mr, err := miniredis.Run()
	if err != nil {
		return nil, fmt.Errorf("embedded redis: %v", err)
	}
	defer mr.Close()
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), PoolSize: 64})
	defer rdb.Close()

	sandbox := func(region, token string, contacts int) (*intercomtest.Sandbox, *httptest.Server, error) {
		sb, err := intercomtest.New(intercomtest.Options{
			Region: region, Tokens: []string{token}, Seed: o.Seed, Contacts: contacts,
			RateLimitPerMinute: o.RateLimitPerMinute, FaultRate: o.FaultRate,
			Validator: v, Unvalidated: v == nil, Logger: o.Logger,
		})
		if err != nil {
			return nil, nil, err
		}
		return sb, httptest.NewServer(sb), nil
	}
	src, srcSrv, err := sandbox("us", sourceToken, o.Contacts)
	if err != nil {
		return nil, err
	}
	defer srcSrv.Close()
	dst, dstSrv, err := sandbox("eu", destToken, 0)
	if err != nil {
		return nil, err
	}
	defer dstSrv.Close()
	fmt.Fprintf(o.Out, "source: US sandbox %s at %s with %d contacts, %d tags, %d custom data attributes, %d admins\n",
		src.AppID(), srcSrv.URL, src.Count("contacts"), src.Count("tags"), src.Count("data_attributes"), src.Count("admins"))
	fmt.Fprintf(o.Out, "destination: EU sandbox %s at %s, empty but for the same %d admins\n", dst.AppID(), dstSrv.URL, dst.Count("admins"))

	var tokens secret.Tokens
	tokens.Add(sourceToken, destToken)
	e := migrate.NewEngine(migrate.Options{Redis: rdb, Tokens: &tokens, UserAgent: version.UserAgent(), Logger: o.Logger, Observer: o.Observer})
	defer e.Close()
	if o.Started != nil {
		o.Started(e, rdb)
	}
	workers := make([]*migrate.Worker, o.Workers)
	for i := range workers {
		workers[i] = e.NewWorker(migrate.WorkerOptions{Concurrency: o.Concurrency, PollInterval: 50 * time.Millisecond, ShutdownTimeout: 5 * time.Second})
		if err := workers[i].Start(); err != nil {
			return nil, err
		}
		defer workers[i].Shutdown()
	}

	m, err := e.Start(ctx, migrate.Config{ID: "demo",
		Source: migrate.Side{Region: intercom.US, BaseURL: srcSrv.URL, Tokens: []string{sourceToken}},
		Dest:   migrate.Side{Region: intercom.EU, BaseURL: dstSrv.URL, Tokens: []string{destToken}},
		// The API cannot list custom object types: the operator names
		// them; the demo names the ones its sandbox seeded.
		CustomObjectTypes: src.CustomObjectTypes(),
	})
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(o.Out, "migration %s started with %d worker(s) x %d\n", m.ID, o.Workers, o.Concurrency)
	st, err := e.Wait(ctx, m.ID, o.Progress, func(st *migrate.Status) {
		if o.OnProgress != nil {
			o.OnProgress(st)
			return
		}
		fmt.Fprintf(o.Out, "  %5.1fs", time.Since(start).Seconds())
		for _, p := range st.Phases {
			if p.Units > 0 {
				fmt.Fprintf(o.Out, " | %s", p.Line())
			}
		}
		fmt.Fprintln(o.Out)
	})
	rep.Status = st
	fs, ferr := e.Failures(ctx, m.ID, "")
	if ferr != nil {
		return rep, ferr
	}
	rep.Failures = fs
	if err != nil {
		return rep, err
	}
	if st.Migration.State != "done" {
		return rep, fmt.Errorf("migration ended %s: %s", st.Migration.State, st.Migration.Error)
	}

	srcClient, dstClient, err := e.Clients(st.Migration)
	if err != nil {
		return rep, err
	}
	rep.SourceCalls, rep.DestCalls = src.Calls(), dst.Calls()
	if rep.Notes, err = report.ForMigration(ctx, e.Store(), m.ID, srcClient); err != nil {
		return rep, err
	}
	if rep.NotWritable, err = report.NotWritable(ctx, srcClient, dstClient); err != nil {
		return rep, err
	}
	rep.Results, err = verify.All(ctx, verify.Options{Source: srcClient, Dest: dstClient, Store: e.Store(), Migration: m.ID})
	rep.Wall = time.Since(start)
	if err != nil {
		return rep, err
	}
	if vs := append(src.ResponseViolations(), dst.ResponseViolations()...); len(vs) > 0 {
		return rep, fmt.Errorf("the sandboxes answered outside Intercom's API description: %v", vs)
	}
	if !rep.Equal() {
		return rep, errors.New("the destination differs from the source")
	}
	return rep, nil
}
