// Package openapi loads Intercom's OpenAPI description (version 2.14) and
// validates HTTP requests and responses against it.
//
// The description itself is Intercom's file and is never copied into this
// repository: it is found at run time by Locate (a flag, the environment
// variable ICMIGRATE_OPENAPI_SPEC, or ../shared/intercom-openapi/2.14 beside
// the repository) and parsed once per process by Shared.
package openapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// EnvSpecPath names the environment variable that points at the spec file.
const EnvSpecPath = "ICMIGRATE_OPENAPI_SPEC"

// ModulePath is the module whose go.mod marks the repository root.
const ModulePath = "github.com/icmigrate/icmigrate"

// RepoRelativeSpecPath is where the spec is looked for, relative to the
// repository root, when neither a flag nor the environment names it.
const RepoRelativeSpecPath = "../shared/intercom-openapi/2.14/api.intercom.io.yaml"

// PublishedAt tells an operator where Intercom publishes the description.
const PublishedAt = "https://github.com/intercom/Intercom-OpenAPI (descriptions/2.14/api.intercom.io.yaml)"

// ErrSpecNotFound is returned (wrapped, with the paths tried) by Locate when
// no spec file exists at any candidate path.
var ErrSpecNotFound = errors.New("intercom OpenAPI description not found")

// Locate returns the path of the spec file: flagValue when non-empty, else
// $ICMIGRATE_OPENAPI_SPEC when set, else RepoRelativeSpecPath resolved against
// the repository root (the nearest ancestor of the working directory holding
// the go.mod of ModulePath). The first candidate that is set decides; if its
// file does not exist the error wraps ErrSpecNotFound and names every path
// tried.
func Locate(flagValue string) (string, error) {
	var tried []string
	check := func(p, source string) (string, bool) {
		abs, err := filepath.Abs(p)
		if err != nil {
			abs = p
		}
		tried = append(tried, fmt.Sprintf("%s (%s)", abs, source))
		if st, err := os.Stat(abs); err == nil && !st.IsDir() {
			return abs, true
		}
		return "", false
	}
	switch {
	case flagValue != "":
		if p, ok := check(flagValue, "flag"); ok {
			return p, nil
		}
	case os.Getenv(EnvSpecPath) != "":
		if p, ok := check(os.Getenv(EnvSpecPath), "$"+EnvSpecPath); ok {
			return p, nil
		}
	default:
		root, err := RepoRoot()
		if err != nil {
			tried = append(tried, fmt.Sprintf("<repository root>/%s (%v)", RepoRelativeSpecPath, err))
			break
		}
		if p, ok := check(filepath.Join(root, filepath.FromSlash(RepoRelativeSpecPath)), "repository default"); ok {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: tried %s; set $%s or pass the path explicitly; Intercom publishes the file at %s",
		ErrSpecNotFound, strings.Join(tried, ", "), EnvSpecPath, PublishedAt)
}

// RepoRoot returns the nearest ancestor of the working directory (itself
// included) whose go.mod declares module ModulePath.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if isModuleRoot(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod of module %s above the working directory", ModulePath)
		}
		dir = parent
	}
}

func isModuleRoot(goMod string) bool {
	f, err := os.Open(goMod)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "module" {
			return strings.Trim(fields[1], `"`) == ModulePath
		}
	}
	return false
}

// Validator validates requests and responses against one loaded description.
// It is safe for concurrent use.
type Validator struct {
	path   string
	doc    *openapi3.T
	router routers.Router
	opts   *openapi3filter.Options
}

// Load parses the description at path and builds its router. It does not
// call doc.Validate: the examples in Intercom's file fail it, while request
// and response validation work. Servers are replaced with "/" so that routes
// match on any host and port (sandboxes, proxies, the three regions).
func Load(path string) (*Validator, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("load OpenAPI description %s: %w", path, err)
	}
	doc.Servers = openapi3.Servers{{URL: "/"}}
	// Events and notes: see defects_events_notes.go.
	patchEventsAndNotes(doc)
	// Companies: see defects_companies.go.
	patchCompanies(doc)
	// Custom object instances: see defects_content.go.
	patchCustomObjects(doc)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("build router for %s: %w", path, err)
	}
	return &Validator{
		path:   path,
		doc:    doc,
		router: router,
		opts: &openapi3filter.Options{
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
			// The handler must see the body the client sent, not one with
			// the schema's defaults written into it.
			SkipSettingDefaults: true,
			// Keep messages short: the field and the reason, without the
			// schema and the value (which may be personal data).
			SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()},
		},
	}, nil
}

type sharedEntry struct {
	once sync.Once
	v    *Validator
	err  error
}

var shared sync.Map // cleaned absolute path -> *sharedEntry

// Shared is Load with a process-wide cache: each path is parsed once, and
// every caller gets the same *Validator (or the same error).
func Shared(path string) (*Validator, error) {
	key, err := filepath.Abs(path)
	if err != nil {
		key = filepath.Clean(path)
	}
	e, _ := shared.LoadOrStore(key, &sharedEntry{})
	entry := e.(*sharedEntry)
	entry.once.Do(func() { entry.v, entry.err = Load(key) })
	return entry.v, entry.err
}

// Path returns the file the validator was loaded from.
func (v *Validator) Path() string { return v.path }

// Doc returns the loaded description; callers must not modify it.
func (v *Validator) Doc() *openapi3.T { return v.doc }

// FindRoute returns the spec's operation for r and the decoded path
// parameters. route.Path is the template (e.g. "/contacts/{contact_id}"),
// route.Method the method; RouteKey joins them. The error is
// routers.ErrPathNotFound or routers.ErrMethodNotAllowed when nothing matches.
func (v *Validator) FindRoute(r *http.Request) (*routers.Route, map[string]string, error) {
	return v.router.FindRoute(r)
}

// RouteKey returns "METHOD /template" for a route, e.g. "GET /contacts/{contact_id}".
func RouteKey(route *routers.Route) string {
	return route.Method + " " + route.Path
}

// RequestInput builds the input that ValidateRequest uses and that
// ValidateResponse needs.
func (v *Validator) RequestInput(r *http.Request, route *routers.Route, params map[string]string) *openapi3filter.RequestValidationInput {
	return &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: params,
		Route:      route,
		Options:    v.opts,
	}
}

// ValidateRequest checks r (parameters, headers, body) against route. The
// body is read and replaced, so r.Body can be read again afterwards.
// Authentication is not checked here (callers do it).
//
// A oneOf conflict is accepted: see IsOneOfConflict.
func (v *Validator) ValidateRequest(ctx context.Context, r *http.Request, route *routers.Route, params map[string]string) error {
	err := openapi3filter.ValidateRequest(ctx, v.RequestInput(r, route, params))
	if err != nil && IsOneOfConflict(err) {
		return nil
	}
	return err
}

// ValidateResponse checks a response (status, headers, body) against the
// route of in. A status the operation does not declare passes, as in
// kin-openapi's default; use ValidateComponent for error bodies.
func (v *Validator) ValidateResponse(ctx context.Context, in *openapi3filter.RequestValidationInput, status int, header http.Header, body []byte) error {
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 status,
		Header:                 header,
		Options:                v.opts,
	}
	out.SetBodyBytes(body)
	err := openapi3filter.ValidateResponse(ctx, out)
	if err != nil && IsOneOfConflict(err) {
		return nil
	}
	return err
}

// ValidateComponent validates a JSON document against the named schema of
// components/schemas (e.g. "error").
func (v *Validator) ValidateComponent(name string, body []byte) error {
	ref := v.doc.Components.Schemas[name]
	if ref == nil || ref.Value == nil {
		return fmt.Errorf("schema %q not in the description", name)
	}
	var value any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&value); err != nil {
		return fmt.Errorf("decode JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("decode JSON: trailing data")
	}
	value, err := normalizeNumbers(value)
	if err != nil {
		return err
	}
	err = ref.Value.VisitJSON(value, openapi3.VisitAsResponse(), openapi3.DisableSchemaErrorDetails())
	if err != nil && IsOneOfConflict(err) {
		return nil
	}
	return err
}

// normalizeNumbers turns json.Number into float64, which VisitJSON expects.
func normalizeNumbers(v any) (any, error) {
	switch t := v.(type) {
	case json.Number:
		return t.Float64()
	case map[string]any:
		for k, x := range t {
			n, err := normalizeNumbers(x)
			if err != nil {
				return nil, err
			}
			t[k] = n
		}
	case []any:
		for i, x := range t {
			n, err := normalizeNumbers(x)
			if err != nil {
				return nil, err
			}
			t[i] = n
		}
	}
	return v, nil
}

// IsOneOfConflict reports whether err is a validation failure whose first
// schema error is a oneOf conflict: the value matched MORE than one
// alternative of a oneOf.
//
// Why this is accepted as valid: Intercom's description has oneOf lists
// whose alternatives overlap. POST /tags takes oneOf
// [create_or_update_tag_request, tag_company_request, untag_company_request,
// tag_multiple_users_request]; none of them forbids additional properties,
// so the tag-users body {"name":"vip","users":[{"id":"abc"}]} matches both
// create_or_update_tag_request (it has a name) and tag_multiple_users_request.
// Strict oneOf semantics reject it with openapi3.ErrOneOfConflict although
// Intercom accepts it; a conflict means the value matched at least one
// alternative, which is what the API means by its oneOf.
//
// The check is narrow: only when the outermost SchemaError in err's chain
// (through openapi3filter.RequestError / ResponseError) has exactly the origin
// openapi3.ErrOneOfConflict. A oneOf that matched no alternative (origin: the
// alternatives' errors, possibly themselves containing a conflict), or any
// other error, is not accepted. One limit: when a oneOf fails, kin-openapi
// stops checking that schema's other keywords, so sibling constraints of the
// conflicting oneOf (there are none in the routes we use) go unchecked.
func IsOneOfConflict(err error) bool {
	if me, ok := err.(openapi3.MultiError); ok {
		// Options.MultiError (not used here): every error must be a conflict.
		if len(me) == 0 {
			return false
		}
		for _, e := range me {
			if !IsOneOfConflict(e) {
				return false
			}
		}
		return true
	}
	var se *openapi3.SchemaError
	if !errors.As(err, &se) {
		return false
	}
	return se.Origin == openapi3.ErrOneOfConflict
}

// Problem describes a validation error briefly: the offending field (a JSON
// pointer such as "/email", a parameter name, or "" when unknown) and a
// one-line message that names it.
func Problem(err error) (field, message string) {
	var re *openapi3filter.RequestError
	if errors.As(err, &re) {
		if re.Parameter != nil {
			field = re.Parameter.Name
		}
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		if ptr := se.JSONPointer(); len(ptr) > 0 && field == "" {
			field = strings.Join(ptr, ".")
		}
		// A oneOf that matched nothing: dig for the deepest located error
		// so the message names the field, not just "oneOf".
		if deeper := deepestSchemaError(se); deeper != nil && field == "" {
			if ptr := deeper.JSONPointer(); len(ptr) > 0 {
				field = strings.Join(ptr, ".")
			}
		}
	}
	message = strings.Join(strings.Fields(err.Error()), " ")
	const max = 600
	if len(message) > max {
		message = message[:max] + "..."
	}
	return field, message
}

// deepestSchemaError looks through the origins of se (including the
// alternatives of a failed oneOf/anyOf) for the first SchemaError that has a
// location.
func deepestSchemaError(se *openapi3.SchemaError) *openapi3.SchemaError {
	var walk func(err error, depth int) *openapi3.SchemaError
	walk = func(err error, depth int) *openapi3.SchemaError {
		if err == nil || depth > 16 {
			return nil
		}
		if s, ok := err.(*openapi3.SchemaError); ok {
			if len(s.JSONPointer()) > 0 {
				return s
			}
			return walk(s.Origin, depth+1)
		}
		switch e := err.(type) {
		case interface{ Unwrap() []error }:
			for _, x := range e.Unwrap() {
				if s := walk(x, depth+1); s != nil {
					return s
				}
			}
		case interface{ Unwrap() error }:
			return walk(e.Unwrap(), depth+1)
		}
		if me, ok := err.(openapi3.MultiError); ok {
			for _, x := range me {
				if s := walk(x, depth+1); s != nil {
					return s
				}
			}
		}
		return nil
	}
	return walk(se.Origin, 0)
}
