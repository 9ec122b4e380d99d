// Package plan prepares a region move before anything is written: it reads
// the source workspace (and the destination, when given) through the API and
// reports what will move and how, what an operator must recreate or decide
// by hand, what stands in the way, and how long the bulk run and the delta
// pass will take at the workspaces' rate limits.
//
// Plan only reads, and reads little: counts come from the API's total_count
// where it gives one; what no count gives (parts per conversation, notes,
// tags and events per contact...) is measured on a sample (the first page
// of contacts, the first --sample conversations and tickets) and
// extrapolated, and marked so. The call estimates come from the engine's
// own costs (cost.go), so that the report and a real run agree.
package plan

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/internal/report"
	"github.com/icmigrate/icmigrate/internal/secret"
	"github.com/icmigrate/icmigrate/internal/throttle"
	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// Defaults of Options.
const (
	// DefaultSample is how many conversations, tickets and contacts (for
	// their events) are read one by one to measure what no count gives.
	DefaultSample = 20
	// WorkspaceLimitPerMinute is Intercom's documented budget of all the
	// private apps of a workspace together (field notes: 10,000 a minute
	// per app, 25,000 per workspace). Intercom does not report it in any
	// header, so plan takes it as given (Options.WorkspaceLimitPerMinute
	// for a workspace whose limit was raised).
	WorkspaceLimitPerMinute = 25000
	// DefaultAppLimitPerMinute is assumed for a side plan could not read
	// a limit of (no destination given, or no rate-limit headers).
	DefaultAppLimitPerMinute = 10000
	// ChangeWindowDays is the period the source's rate of change is
	// measured over (records updated in the last week, a week smoothing
	// out weekends).
	ChangeWindowDays = 7
)

// Options configure Run.
type Options struct {
	// Source is the workspace to move; Dest, when not nil, the one it
	// moves to (read for the checks, never written).
	Source migrate.Side
	Dest   *migrate.Side
	// Sample is how many conversations, tickets and contacts are read one
	// by one (default DefaultSample, at most intercom.MaxPerPage).
	Sample int
	// CustomObjectTypes are the custom object types whose instances would
	// migrate (the API cannot list types: migrate --custom-object-types).
	CustomObjectTypes []string
	// WorkspaceLimitPerMinute caps the apps of one workspace together
	// (default WorkspaceLimitPerMinute).
	WorkspaceLimitPerMinute int
	// Transport carries the calls (http.DefaultTransport when nil); each
	// app's calls go through a throttle.Transport over it.
	Transport http.RoundTripper
	UserAgent string
	// Now is the clock (the change-rate window). Default time.Now.
	Now func() time.Time
}

// Report is what plan found: the JSON of plan.json, rendered as plan.md.
type Report struct {
	Generated time.Time  `json:"generated_at"`
	Source    Workspace  `json:"source"`
	Dest      *Workspace `json:"destination,omitempty"`
	// Sample is how many records were read one by one (Options.Sample).
	Sample int `json:"sample"`
	// Apps are the apps per side the durations are given for.
	Apps []int `json:"apps_per_side"`
	// Entities are the inventory lines, Total the bulk run.
	Entities []Entity `json:"entities"`
	Total    Total    `json:"total"`
	Checks   []Check  `json:"checks"`
	// Checklist is what the operator recreates or decides by hand.
	Checklist []Item  `json:"checklist"`
	Cutover   Cutover `json:"cutover"`
	// Figures are the cost model's input, Change the source's pace.
	Figures *Figures   `json:"figures"`
	Change  ChangeRate `json:"change_rate"`
	// Notes say what plan could not do; Assumes what the estimates rest on.
	Notes   []string `json:"notes,omitempty"`
	Assumes []string `json:"assumptions"`
}

// Workspace is one side as plan saw it.
type Workspace struct {
	Region   string `json:"region"`
	AppID    string `json:"app_id"`
	Name     string `json:"name,omitempty"`
	Timezone string `json:"timezone,omitempty"`
	// Apps is the number of app tokens given for the side.
	Apps int `json:"apps"`
	// AppLimitPerMinute is the lowest per-app limit the side's answers
	// reported (X-RateLimit-Limit is per 10-second window: times 6);
	// RateDetected is false when no answer carried the header and
	// DefaultAppLimitPerMinute is assumed.
	AppLimitPerMinute       int  `json:"app_rate_limit_per_minute"`
	RateDetected            bool `json:"rate_limit_detected"`
	WorkspaceLimitPerMinute int  `json:"workspace_rate_limit_per_minute"`
	IdentityVerification    bool `json:"identity_verification"`
	// PlanCalls are the calls plan itself made to the side.
	PlanCalls int64 `json:"plan_calls"`
}

// RatePerMinute is the calls a minute n apps of the workspace get together:
// each app its own limit, all of them at most the workspace's.
func (w Workspace) RatePerMinute(apps int) int {
	return min(apps*w.AppLimitPerMinute, w.WorkspaceLimitPerMinute)
}

// Run reads the workspaces and builds the report.
func Run(ctx context.Context, opts Options) (*Report, error) {
	if opts.Sample == 0 {
		opts.Sample = DefaultSample
	}
	if opts.Sample < 1 || opts.Sample > intercom.MaxPerPage {
		return nil, fmt.Errorf("sample %d: want 1..%d", opts.Sample, intercom.MaxPerPage)
	}
	if opts.WorkspaceLimitPerMinute == 0 {
		opts.WorkspaceLimitPerMinute = WorkspaceLimitPerMinute
	}
	if opts.WorkspaceLimitPerMinute < 6 {
		return nil, fmt.Errorf("workspace rate limit %d a minute: want at least 6", opts.WorkspaceLimitPerMinute)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	src, err := openSide(ctx, secret.Source, opts.Source, opts)
	if err != nil {
		return nil, err
	}
	var dst *side
	if opts.Dest != nil {
		if dst, err = openSide(ctx, secret.Dest, *opts.Dest, opts); err != nil {
			return nil, err
		}
		if dst.ws.AppID == src.ws.AppID && dst.ws.Region == src.ws.Region {
			return nil, fmt.Errorf("source and destination are the same workspace (%s)", src.ws.AppID)
		}
	}
	inv, err := readSource(ctx, src, opts)
	if err != nil {
		return nil, err
	}
	var dinv *destInventory
	var nw []report.Entity
	if dst != nil {
		if dinv, err = readDest(ctx, dst); err != nil {
			return nil, err
		}
		// What the API cannot create, compared by name as the migration
		// report compares it.
		if nw, err = report.NotWritable(ctx, src.c(), dst.c()); err != nil {
			return nil, err
		}
	}
	rep := &Report{Generated: opts.Now().UTC().Truncate(time.Second), Sample: opts.Sample, Apps: appCounts}
	rep.Figures = figures(inv, dinv)
	rep.Change = inv.change
	src.ws.PlanCalls = src.calls()
	rep.Source = src.ws
	if dst != nil {
		dst.ws.PlanCalls = dst.calls()
		rep.Dest = &dst.ws
	} else {
		rep.Notes = append(rep.Notes, "The destination was not read (no INTERCOM_DEST_TOKEN): the checks that compare the workspaces were skipped, and its rate limit is assumed to be Intercom's default.")
	}
	dws := rep.destWS()
	rep.Entities, rep.Total = estimate(rep.Figures, rep.Source, dws)
	rep.Checks = checks(inv, dinv, nw)
	rep.Checklist = checklist(inv)
	rep.Cutover = cutover(rep, dws)
	rep.Assumes = assumptions
	return rep, nil
}

// assumptions are the report's standing caveats.
var assumptions = []string{
	"Durations are at the rate limits: the workers must keep the API busy (enough workers and concurrency); the latency of each call is not counted, so they are lower bounds.",
	"A phase runs when the one before it is complete; within a phase the source is read while the destination is written, so a phase takes as long as its busier side.",
	"Counts marked estimated are extrapolated from a sample (the first page of contacts, the first conversations and tickets listed) or are lower bounds; the call estimates inherit their error.",
	"Writes assume an empty destination: records the destination holds already (matched by natural key) cost a lookup and an update instead of a creation.",
}

// side is one workspace's clients: one per app token; the first reads.
type side struct {
	name    secret.Side
	clients []*intercom.Client
	counts  *throttle.Counts
	ws      Workspace
}

func (s *side) c() *intercom.Client { return s.clients[0] }

func (s *side) calls() int64 { return s.counts.Reads.Load() + s.counts.Writes.Load() }

// openSide builds a client per token and identifies each app (GET /me): the
// workspace, its region, and the app's rate limit from the answer's
// headers.
func openSide(ctx context.Context, name secret.Side, cfg migrate.Side, opts Options) (*side, error) {
	if len(cfg.Tokens) == 0 {
		single, list := name.EnvNames()
		return nil, fmt.Errorf("%s: no token: set %s (or %s)", name, single, list)
	}
	s := &side{name: name, counts: &throttle.Counts{}}
	s.ws = Workspace{Region: string(cfg.Region), Apps: len(cfg.Tokens), WorkspaceLimitPerMinute: opts.WorkspaceLimitPerMinute}
	for i, tok := range cfg.Tokens {
		// A throttle.Transport per app: plan runs on its own (no Redis), and
		// only needs to wait out a spent window, never to share one.
		o := []intercom.Option{
			intercom.WithHTTPClient(&http.Client{Transport: throttle.New(opts.Transport, s.counts), Timeout: 2 * time.Minute}),
			intercom.WithReadRetries(4),
		}
		if opts.UserAgent != "" {
			o = append(o, intercom.WithUserAgent(opts.UserAgent))
		}
		if cfg.BaseURL != "" {
			o = append(o, intercom.WithBaseURL(cfg.BaseURL))
		}
		c, err := intercom.NewClient(tok, cfg.Region, o...)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		me, resp, err := c.Admins.Me(ctx)
		if err != nil {
			var ue *intercom.UnauthorizedError
			if errors.As(err, &ue) {
				return nil, fmt.Errorf("%s: Intercom rejected token %d of %d (401 %s): is it revoked, or for another region than %s?", name, i+1, len(cfg.Tokens), ue.Code(), cfg.Region)
			}
			return nil, fmt.Errorf("%s: identifying the workspace (GET /me): %v", name, err)
		}
		if me.App == nil || me.App.IDCode == "" {
			return nil, fmt.Errorf("%s: GET /me named no workspace (app.id_code)", name)
		}
		if !cfg.Region.MatchesAppRegion(me.App.Region) {
			return nil, fmt.Errorf("%s: token %d belongs to a workspace hosted in %q, not %s", name, i+1, me.App.Region, cfg.Region)
		}
		if s.ws.AppID != "" && me.App.IDCode != s.ws.AppID {
			return nil, fmt.Errorf("%s: tokens belong to different workspaces (%s and %s)", name, s.ws.AppID, me.App.IDCode)
		}
		s.ws.AppID, s.ws.Name, s.ws.Timezone = me.App.IDCode, me.App.Name, me.App.Timezone
		s.ws.IdentityVerification = me.App.IdentityVerification
		if resp != nil && resp.Rate.Known() {
			// X-RateLimit-Limit is the app's budget per 10-second window
			// (field notes); the slowest app sets the side's pace.
			perMinute := resp.Rate.Limit * 60 / windowSeconds
			if !s.ws.RateDetected || perMinute < s.ws.AppLimitPerMinute {
				s.ws.AppLimitPerMinute = perMinute
			}
			s.ws.RateDetected = true
		}
		s.clients = append(s.clients, c)
	}
	if !s.ws.RateDetected {
		s.ws.AppLimitPerMinute = DefaultAppLimitPerMinute
	}
	return s, nil
}

// windowSeconds is the length of Intercom's rate-limit window.
const windowSeconds = 10
