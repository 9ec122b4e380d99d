package intercomtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"net/http"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // workspace time zones on machines without zoneinfo

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"go.uber.org/zap"

	"github.com/icmigrate/icmigrate/internal/openapi"
)

// Defaults of Options.
const (
	DefaultToken                       = "sandbox-token"
	DefaultAdmins                      = 6
	DefaultRateLimitPerMinute          = 10000
	DefaultWorkspaceRateLimitPerMinute = 25000
	// MaxBodyBytes bounds a request body.
	MaxBodyBytes = 4 << 20
)

// Options configure a Sandbox. The zero value is a valid, empty US workspace
// with one token ("sandbox-token") that validates against the spec found by
// openapi.Locate("").
type Options struct {
	// Region is "us" (default), "eu" or "au"; GET /me reports it as
	// app.region "US", "Europe" or "Australia" (the names of Intercom's
	// hosting regions in its documentation).
	Region string
	// Tokens are the accepted bearer tokens, each an app (private
	// integration) of the same workspace. Default: []string{DefaultToken}.
	Tokens []string
	// AppID is app.id_code and every record's workspace_id. Default: derived
	// from Region and the first token, so sandboxes with different tokens
	// are different workspaces.
	AppID string
	// Timezone of the workspace (search matches dates by calendar day in
	// it). Default per region: America/Los_Angeles, Europe/Dublin,
	// Australia/Sydney.
	Timezone string
	// Seed drives the generator and the fault injector.
	Seed int64
	// Contacts is the number of seeded contacts. 0 is an empty workspace:
	// admins and nothing else (no tags, no custom data attributes).
	Contacts int
	// Entities limits the generated records to some kinds, named as Count
	// takes them ("companies", "conversations", "tickets", "notes",
	// "events", "articles"...). Nil or empty generates every kind. The
	// contacts' workspace is always generated, listed or not: admins,
	// teams, subscription types, contact data attributes, tags and contacts
	// (with their tags and custom attributes); the companies' own data
	// attributes come with "companies". A kind left out is as in an empty
	// workspace: its configuration only (help centers, newsfeeds, custom
	// object types, base ticket states), none of its records. Tests that
	// only move contacts seed much faster with Entities: []string{"contacts"}
	// (see BenchmarkSeed). Unknown names make New fail.
	Entities []string
	// InvalidContacts of the seeded contacts hold an email the API refuses
	// on write ("first.last@@domain"), as old data in a real workspace can:
	// reading them works, copying them elsewhere answers 400. They are
	// users spread evenly over the creation order.
	InvalidContacts int
	// Admins is the number of admins (teammates), default DefaultAdmins.
	// Names and emails depend on Seed only (the same in every region); ids
	// depend on the workspace.
	Admins int
	// RateLimitPerMinute is the budget of each token, default 10000;
	// enforced per 10-second window as RateLimitPerMinute/6 (1666).
	RateLimitPerMinute int
	// WorkspaceRateLimitPerMinute is the budget of all tokens together,
	// default 25000 (4166 per 10-second window).
	WorkspaceRateLimitPerMinute int
	// FaultRate is the fraction of authenticated, not rate-limited requests
	// answered 500, 502 or 503 before anything happens (no side effect).
	// The sequence of decisions is deterministic from Seed.
	FaultRate float64
	// Latency is added to every response.
	Latency time.Duration
	// SpecPath is the OpenAPI description; "" means openapi.Locate("").
	SpecPath string
	// Validator, when set, is used instead of loading SpecPath.
	Validator *openapi.Validator
	// Unvalidated runs without a spec when none is found (requests and
	// responses are not validated; a warning is logged). Without it, New
	// fails when the spec is missing.
	Unvalidated bool
	// Now is the clock (rate-limit windows, timestamps of writes). Default
	// time.Now.
	Now func() time.Time
	// Logger receives one debug line per request and warnings. Default: none.
	Logger *zap.Logger
	// FullResponseValidation validates every item of list pages. By default
	// a page of contacts is validated with its envelope and a rotating tenth
	// of its items (every item position is covered over ten pages), which
	// makes walking big workspaces several times faster; every other
	// response is always validated whole.
	FullResponseValidation bool
}

var regions = map[string]struct{ name, tz string }{
	"us": {"US", "America/Los_Angeles"},
	"eu": {"Europe", "Europe/Dublin"},
	"au": {"Australia", "Australia/Sydney"},
}

// RegionName returns the app.region that GET /me reports for a region code
// ("us", "eu", "au"), or "" for an unknown code.
func RegionName(region string) string {
	return regions[strings.ToLower(region)].name
}

// app is one token of the workspace.
type app struct {
	index int
	admin int // index of the admin behind the token (GET /me)
}

// Sandbox is a fake Intercom workspace; it implements http.Handler. All
// methods are safe for concurrent use.
type Sandbox struct {
	v      *openapi.Validator
	log    *zap.Logger
	now    func() time.Time
	routes *routeTable

	region     string
	regionName string
	appID      string
	appName    string
	timezone   string
	loc        *time.Location
	appCreated int64
	seed       int64
	salt       uint64
	tokens     []string
	apps       map[string]*app

	mu      sync.RWMutex
	stores  map[string]any
	version uint64 // bumped by every write route, under mu

	ctr        sync.Mutex // guards everything below
	limiter    limiter
	faultRate  float64
	latency    time.Duration
	faultRNG   *rand.Rand
	calls      map[string]int
	total      int
	rateLimits int
	faults     int
	violations []string
	fullValid  bool
	sampleTurn int
}

// New builds a sandbox and seeds it.
func New(opts Options) (*Sandbox, error) {
	region := strings.ToLower(opts.Region)
	if region == "" {
		region = "us"
	}
	reg, ok := regions[region]
	if !ok {
		return nil, fmt.Errorf("intercomtest: unknown region %q (want us, eu or au)", opts.Region)
	}
	tokens := opts.Tokens
	if len(tokens) == 0 {
		tokens = []string{DefaultToken}
	}
	apps := make(map[string]*app, len(tokens))
	for i, tok := range tokens {
		if tok == "" {
			return nil, errors.New("intercomtest: empty token")
		}
		if _, dup := apps[tok]; dup {
			return nil, fmt.Errorf("intercomtest: token %d given twice", i)
		}
		apps[tok] = &app{index: i}
	}
	if opts.Contacts < 0 {
		return nil, errors.New("intercomtest: negative Contacts")
	}
	if opts.FaultRate < 0 || opts.FaultRate > 1 {
		return nil, fmt.Errorf("intercomtest: FaultRate %v outside [0, 1]", opts.FaultRate)
	}
	seeded, err := seedSelection(opts.Entities)
	if err != nil {
		return nil, err
	}
	tz := opts.Timezone
	if tz == "" {
		tz = reg.tz
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("intercomtest: time zone: %w", err)
	}
	log := opts.Logger
	if log == nil {
		log = zap.NewNop()
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}

	v := opts.Validator
	if v == nil {
		path, err := openapi.Locate(opts.SpecPath)
		if err == nil {
			v, err = openapi.Shared(path)
			if err != nil {
				return nil, err
			}
		} else if !opts.Unvalidated {
			return nil, fmt.Errorf("intercomtest: %w (set Options.Unvalidated to run without validation)", err)
		} else {
			log.Warn("intercom sandbox runs WITHOUT OpenAPI validation: requests and responses are not checked against Intercom's spec", zap.Error(err))
		}
	}

	appID := opts.AppID
	if appID == "" {
		appID = deriveAppID(region, tokens[0])
	}
	s := &Sandbox{
		v:          v,
		log:        log,
		now:        now,
		region:     region,
		regionName: reg.name,
		appID:      appID,
		timezone:   tz,
		loc:        loc,
		seed:       opts.Seed,
		salt:       hashString(appID),
		tokens:     append([]string(nil), tokens...),
		apps:       apps,
		stores:     make(map[string]any),
		faultRate:  opts.FaultRate,
		latency:    opts.Latency,
		faultRNG:   rand.New(rand.NewPCG(uint64(opts.Seed), 0xfa017)),
		calls:      make(map[string]int),
		fullValid:  opts.FullResponseValidation,
	}
	s.limiter.init(positiveOr(opts.RateLimitPerMinute, DefaultRateLimitPerMinute),
		positiveOr(opts.WorkspaceRateLimitPerMinute, DefaultWorkspaceRateLimitPerMinute))
	s.routes = newRouteTable()

	g := newGen(opts.Seed, "workspace")
	s.appName = g.companyName()
	s.appCreated = genAnchor(now()).AddDate(-6, 0, 0).Unix()
	nAdmins := positiveOr(opts.Admins, DefaultAdmins)
	for i, tok := range tokens {
		apps[tok].admin = i % nAdmins
	}

	s.mu.Lock()
	for i := range entityDefs {
		d := &entityDefs[i]
		s.stores[d.name] = d.newStore()
		for _, r := range d.routes {
			s.routes.add(r)
		}
	}
	ctx := &seedContext{contacts: opts.Contacts, invalid: opts.InvalidContacts, admins: nAdmins, anchor: genAnchor(now()).Unix()}
	// A kind left out of Options.Entities seeds as for an empty workspace;
	// each kind has its own random stream, so the others do not change.
	empty := &seedContext{admins: nAdmins, anchor: ctx.anchor}
	for i := range entityDefs {
		d := &entityDefs[i]
		if d.seed == nil {
			continue
		}
		if seeded(d.name) {
			d.seed(s, newGenFor(opts.Seed, d.name, ctx))
		} else {
			d.seed(s, newGenFor(opts.Seed, d.name, empty))
		}
	}
	s.mu.Unlock()
	return s, nil
}

// coreEntities are always generated (see Options.Entities): the records
// every contact refers to.
var coreEntities = map[string]bool{
	"admins": true, "teams": true, "subscription_types": true,
	"data_attributes": true, "tags": true, "contacts": true,
}

// seedSelection reports which kinds Options.Entities asks to generate.
func seedSelection(names []string) (func(string) bool, error) {
	if len(names) == 0 {
		return func(string) bool { return true }, nil
	}
	set := make(map[string]bool, len(names))
	for _, n := range names {
		if findEntity(n) == nil {
			var known []string
			for _, d := range entityDefs {
				known = append(known, d.name)
			}
			return nil, fmt.Errorf("intercomtest: Entities: unknown kind %q (known: %s)", n, strings.Join(known, ", "))
		}
		set[n] = true
	}
	return func(name string) bool { return coreEntities[name] || set[name] }, nil
}

func positiveOr(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

func hashString(s string) uint64 {
	h := fnv.New64a()
	_, _ = io.WriteString(h, s)
	return h.Sum64()
}

// deriveAppID makes an id_code like Intercom's ("ecahpwf5"): 8 characters
// of [a-z0-9] from the region and the first token.
func deriveAppID(region, token string) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	x := mix64(hashString(region + "\x00" + token))
	var b [8]byte
	for i := range b {
		b[i] = alphabet[x%uint64(len(alphabet))]
		x /= uint64(len(alphabet))
	}
	return string(b[:])
}

// AppID returns app.id_code (also every record's workspace_id).
func (s *Sandbox) AppID() string { return s.appID }

// Region returns the region code ("us", "eu" or "au").
func (s *Sandbox) Region() string { return s.region }

// Tokens returns the accepted tokens.
func (s *Sandbox) Tokens() []string { return append([]string(nil), s.tokens...) }

// Validated reports whether requests and responses are checked against the spec.
func (s *Sandbox) Validated() bool { return s.v != nil }

// Calls returns, per "METHOD /route/template" (the spec's template, e.g.
// "GET /contacts/{contact_id}"), the number of requests that reached a
// handler: authenticated, within the rate limit, not faulted, valid.
func (s *Sandbox) Calls() map[string]int {
	s.ctr.Lock()
	defer s.ctr.Unlock()
	out := make(map[string]int, len(s.calls))
	for k, v := range s.calls {
		out[k] = v
	}
	return out
}

// TotalCalls is the sum of Calls.
func (s *Sandbox) TotalCalls() int {
	s.ctr.Lock()
	defer s.ctr.Unlock()
	return s.total
}

// RateLimited returns the number of 429 answers sent.
func (s *Sandbox) RateLimited() int {
	s.ctr.Lock()
	defer s.ctr.Unlock()
	return s.rateLimits
}

// Faults returns the number of injected 5xx answers.
func (s *Sandbox) Faults() int {
	s.ctr.Lock()
	defer s.ctr.Unlock()
	return s.faults
}

// ResponseViolations returns the responses the sandbox refused to send
// because they violated the spec (and panics of handlers): each is a sandbox
// bug, answered 500 sandbox_response_invalid.
func (s *Sandbox) ResponseViolations() []string {
	s.ctr.Lock()
	defer s.ctr.Unlock()
	return append([]string(nil), s.violations...)
}

// SetRateLimit sets the per-token budget (calls per minute; the per-window
// limit is perMinute/6). It applies from the next request.
func (s *Sandbox) SetRateLimit(perMinute int) {
	s.ctr.Lock()
	defer s.ctr.Unlock()
	s.limiter.appPerMinute = positiveOr(perMinute, 1)
}

// SetWorkspaceRateLimit sets the budget of all tokens together.
func (s *Sandbox) SetWorkspaceRateLimit(perMinute int) {
	s.ctr.Lock()
	defer s.ctr.Unlock()
	s.limiter.wsPerMinute = positiveOr(perMinute, 1)
}

// SetFaultRate sets the fraction of requests answered with an injected 5xx.
func (s *Sandbox) SetFaultRate(f float64) {
	f = min(max(f, 0), 1)
	s.ctr.Lock()
	defer s.ctr.Unlock()
	s.faultRate = f
}

// SetLatency sets the delay added to every response.
func (s *Sandbox) SetLatency(d time.Duration) {
	s.ctr.Lock()
	defer s.ctr.Unlock()
	s.latency = d
}

// Count returns the number of records of an entity: "contacts", "tags",
// "data_attributes" (custom ones, archived included), "admins". It returns
// -1 for an unknown entity.
func (s *Sandbox) Count(entity string) int {
	d := findEntity(entity)
	if d == nil || d.count == nil {
		return -1
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return d.count(s)
}

// Routes lists the routes the sandbox implements, as "METHOD /template"
// (the keys of Calls), sorted.
func Routes() []string {
	var out []string
	for _, d := range entityDefs {
		for _, r := range d.routes {
			out = append(out, r.method+" "+r.path)
		}
	}
	sort.Strings(out)
	return out
}

// Entities lists the names Count and Records accept.
func (s *Sandbox) Entities() []string {
	out := make([]string, 0, len(entityDefs))
	for _, d := range entityDefs {
		out = append(out, d.name)
	}
	return out
}

// Records returns every record of an entity as the API renders it (JSON),
// in a stable order (contacts by creation, tags and custom data attributes
// by id, admins as listed). Tests compare workspaces with it.
func (s *Sandbox) Records(entity string) ([]json.RawMessage, error) {
	d := findEntity(entity)
	if d == nil || d.records == nil {
		return nil, fmt.Errorf("intercomtest: unknown entity %q", entity)
	}
	s.mu.RLock()
	recs := d.records(s)
	s.mu.RUnlock()
	out := make([]json.RawMessage, len(recs))
	for i, r := range recs {
		b, err := json.Marshal(r)
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

// ServeHTTP answers one API request; see the package documentation for the
// steps.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	reqID := newUUID()
	s.ctr.Lock()
	latency := s.latency
	s.ctr.Unlock()
	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	status, routeKey, appIndex := s.serve(w, r, reqID)
	s.log.Debug("sandbox request",
		zap.String("request_id", reqID),
		zap.String("method", r.Method),
		zap.String("route", routeKey),
		zap.Int("app", appIndex),
		zap.Int("status", status),
		zap.Duration("took", time.Since(start)))
}

func (s *Sandbox) serve(w http.ResponseWriter, r *http.Request, reqID string) (status int, routeKey string, appIndex int) {
	appIndex = -1
	// 1. Route.
	impl, params, implFound := s.routes.match(r.Method, r.URL.EscapedPath())
	var specRoute *routers.Route
	var specParams map[string]string
	if s.v != nil {
		var err error
		specRoute, specParams, err = s.v.FindRoute(r)
		if err != nil {
			msg := MsgNotFound
			if errors.Is(err, routers.ErrMethodNotAllowed) {
				msg = fmt.Sprintf("%s is not allowed on %s", r.Method, r.URL.Path)
			}
			return s.writeError(w, r, nil, nil, reqID, http.StatusNotFound, CodeNotFound, msg), "", -1
		}
		routeKey = openapi.RouteKey(specRoute)
		if implFound && impl.method+" "+impl.path != routeKey {
			// The spec and the sandbox disagree on the template: trust
			// the spec, and treat the route as not implemented.
			implFound = false
		}
		// params come from the sandbox's table: they are path-unescaped
		// (the spec router's are not).
	} else {
		if !implFound {
			return s.writeError(w, r, nil, nil, reqID, http.StatusNotFound, CodeNotFound, MsgNotFound), "", -1
		}
		routeKey = impl.method + " " + impl.path
	}

	// 2. Authentication.
	a := s.authenticate(r)
	if a == nil {
		return s.writeError(w, r, nil, nil, reqID, http.StatusUnauthorized, CodeUnauthorized, MsgUnauthorized), routeKey, -1
	}
	appIndex = a.index
	now := s.now()

	// 3. Rate limit, 4. faults.
	s.ctr.Lock()
	rl := s.limiter.take(a.index, now)
	var fault int
	if rl.allowed {
		if s.faultRate > 0 && s.faultRNG.Float64() < s.faultRate {
			fault = []int{500, 502, 503}[s.faultRNG.IntN(3)]
			s.faults++
		}
	} else {
		s.rateLimits++
	}
	s.ctr.Unlock()
	rl.setHeaders(w.Header())
	if !rl.allowed {
		return s.writeError(w, r, nil, nil, reqID, http.StatusTooManyRequests, CodeRateLimited, MsgRateLimited), routeKey, appIndex
	}
	if fault != 0 {
		code, msg := CodeServerError, "An unexpected error occurred. Please try again."
		switch fault {
		case 502:
			code, msg = CodeBadGateway, "Bad Gateway"
		case 503:
			code, msg = CodeUnavailable, "Service Unavailable"
		}
		return s.writeError(w, r, nil, nil, reqID, fault, code, msg), routeKey, appIndex
	}

	// 5. Request validation.
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	var in *openapi3filter.RequestValidationInput
	if s.v != nil {
		in = s.v.RequestInput(r, specRoute, specParams)
		if err := s.v.ValidateRequest(r.Context(), r, specRoute, specParams); err != nil {
			field, msg := openapi.Problem(err)
			return s.writeErrorField(w, r, s.v, in, reqID, http.StatusBadRequest, CodeParameterInvalid, msg, field), routeKey, appIndex
		}
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return s.writeError(w, r, s.v, in, reqID, http.StatusBadRequest, CodeParameterInvalid, "request body could not be read: "+err.Error()), routeKey, appIndex
	}

	// 6. Handler.
	s.ctr.Lock()
	s.calls[routeKey]++
	s.total++
	s.ctr.Unlock()
	if !implFound {
		return s.writeError(w, r, s.v, in, reqID, http.StatusNotImplemented, CodeNotImplemented,
			fmt.Sprintf("the sandbox does not implement %s", routeKey)), routeKey, appIndex
	}
	q := &request{s: s, r: r, params: params, body: body, app: a, now: now.Unix(), id: reqID}
	status, out := s.runHandler(impl, q, routeKey)

	// 7. Response (validated).
	return s.writeJSON(w, r, s.v, in, reqID, routeKey, status, out), routeKey, appIndex
}

func (s *Sandbox) runHandler(rt *route, q *request, routeKey string) (status int, out any) {
	defer func() {
		if p := recover(); p != nil {
			s.recordViolation(fmt.Sprintf("%s: handler panic: %v\n%s", routeKey, p, debug.Stack()))
			status, out = q.fail(http.StatusInternalServerError, CodeResponseInvalid, fmt.Sprintf("sandbox handler panic: %v", p))
		}
	}()
	if rt.write {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.version++
	} else {
		s.mu.RLock()
		defer s.mu.RUnlock()
	}
	return rt.handler(q)
}

func (s *Sandbox) authenticate(r *http.Request) *app {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return nil
	}
	return s.apps[strings.TrimSpace(tok)]
}

func (s *Sandbox) recordViolation(v string) {
	s.ctr.Lock()
	s.violations = append(s.violations, v)
	s.ctr.Unlock()
	s.log.Error("sandbox bug: response violates the spec", zap.String("violation", firstLine(v)))
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func (s *Sandbox) writeError(w http.ResponseWriter, r *http.Request, v *openapi.Validator, in *openapi3filter.RequestValidationInput, reqID string, status int, code, msg string) int {
	return s.writeErrorField(w, r, v, in, reqID, status, code, msg, "")
}

func (s *Sandbox) writeErrorField(w http.ResponseWriter, r *http.Request, v *openapi.Validator, in *openapi3filter.RequestValidationInput, reqID string, status int, code, msg, field string) int {
	routeKey := ""
	if in != nil {
		routeKey = openapi.RouteKey(in.Route)
	}
	return s.writeJSON(w, r, v, in, reqID, routeKey, status, newErrorBody(reqID, code, msg, field))
}

// writeJSON encodes out, validates it and writes it. in is nil before the
// route is known; error bodies are then checked against the error schema
// only.
func (s *Sandbox) writeJSON(w http.ResponseWriter, r *http.Request, v *openapi.Validator, in *openapi3filter.RequestValidationInput, reqID, routeKey string, status int, out any) int {
	if out == nil && status == http.StatusAccepted {
		// 202 Accepted has no body (POST /events).
		w.WriteHeader(status)
		return status
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		s.recordViolation(fmt.Sprintf("%s -> %d: encode: %v", routeKey, status, err))
		return s.writeRaw(w, http.StatusInternalServerError, mustJSON(newErrorBody(reqID, CodeResponseInvalid, "sandbox could not encode its response: "+err.Error(), "")))
	}
	body := buf.Bytes()
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	if s.v != nil {
		var verr error
		if status >= 400 {
			verr = s.v.ValidateComponent("error", body)
		}
		if verr == nil && in != nil {
			checked := body
			if sm, ok := out.(sampler); ok && !s.fullValid {
				s.ctr.Lock()
				s.sampleTurn++
				turn := s.sampleTurn
				s.ctr.Unlock()
				checked = mustJSON(sm.validationSample(turn % sampleEvery))
			}
			verr = s.v.ValidateResponse(context.Background(), in, status, h, checked)
		}
		if verr != nil {
			_, msg := openapi.Problem(verr)
			s.recordViolation(fmt.Sprintf("%s -> %d: %s", routeKey, status, msg))
			status = http.StatusInternalServerError
			body = mustJSON(newErrorBody(reqID, CodeResponseInvalid,
				fmt.Sprintf("sandbox bug: its response to %s violates Intercom's spec: %s", routeKey, msg), ""))
		}
	}
	return s.writeRaw(w, status, body)
}

func (s *Sandbox) writeRaw(w http.ResponseWriter, status int, body []byte) int {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return status
}

// sampler is a response body of which the sandbox validates a sample (see
// Options.FullResponseValidation).
type sampler interface {
	// validationSample returns the body with only the items whose index is
	// offset modulo sampleEvery.
	validationSample(offset int) any
}

const sampleEvery = 10

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return append(b, '\n')
}

// sortedKeys returns the keys of a map in order (deterministic output).
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
