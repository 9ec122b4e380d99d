package openapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/routers"

	"github.com/icmigrate/icmigrate/internal/openapi"
)

// defectRequest is a request a defect test expects the corrected
// description to accept (ok) or refuse.
type defectRequest struct {
	method, url, body string
	ok                bool
}

// checkDefectRequests validates each request against v's route for it and
// reports the ones whose verdict is not the expected one.
func checkDefectRequests(t *testing.T, v *openapi.Validator, cases []defectRequest) {
	t.Helper()
	for _, c := range cases {
		r, route, params := routed(t, v, c)
		err := v.ValidateRequest(context.Background(), r, route, params)
		if (err == nil) != c.ok {
			t.Errorf("%s %s %s: err = %v, want ok=%v", c.method, c.url, c.body, err, c.ok)
		}
	}
}

// routed builds the request of c (JSON when it has a body) and finds its
// route, failing the test when the description has none.
func routed(t *testing.T, v *openapi.Validator, c defectRequest) (*http.Request, *routers.Route, map[string]string) {
	t.Helper()
	r := httptest.NewRequest(c.method, c.url, strings.NewReader(c.body))
	if c.body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	route, params, err := v.FindRoute(r)
	if err != nil {
		t.Fatalf("%s %s: %v", c.method, c.url, err)
	}
	return r, route, params
}
