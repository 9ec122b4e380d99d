package intercomtest

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/icmigrate/icmigrate/internal/openapi"
	"github.com/icmigrate/icmigrate/internal/openapi/openapitest"
)

// NewServer starts a sandbox on an httptest server for a test and closes it
// when the test ends. Unless opts names a validator or a spec path, or asks
// for Unvalidated, it uses openapitest.ForTest: the test is skipped when the
// spec is not on the machine (failed when CI=true). At the end of the test
// it fails the test if the sandbox refused to send a response because it
// violated the spec (see ResponseViolations).
func NewServer(t testing.TB, opts Options) (*Sandbox, *httptest.Server) {
	t.Helper()
	return NewWrappedServer(t, opts, nil)
}

// NewWrappedServer is NewServer with the sandbox behind wrap (when not nil):
// a test's middleware that loses answers, injects 429s or counts calls sees
// every request before the sandbox does.
func NewWrappedServer(t testing.TB, opts Options, wrap func(http.Handler) http.Handler) (*Sandbox, *httptest.Server) {
	t.Helper()
	if opts.Validator == nil && !opts.Unvalidated {
		if opts.SpecPath != "" {
			v, err := openapi.Shared(opts.SpecPath)
			if err != nil {
				t.Fatalf("intercomtest: %v", err)
			}
			opts.Validator = v
		} else {
			opts.Validator = openapitest.ForTest(t)
		}
	}
	sb, err := New(opts)
	if err != nil {
		t.Fatalf("intercomtest: %v", err)
	}
	var h http.Handler = sb
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		for _, v := range sb.ResponseViolations() {
			t.Errorf("intercom sandbox sent a response that violates the spec (sandbox bug): %s", v)
		}
	})
	return sb, srv
}
