// Package openapitest gives tests of any package the shared validator of
// Intercom's OpenAPI description, skipping (or, on CI, failing) when the
// description is not on the machine.
package openapitest

import (
	"os"
	"testing"

	"github.com/icmigrate/icmigrate/internal/openapi"
)

// ForTestPath returns the spec path found by openapi.Locate(""). When there is
// none it skips the test with the reason, except when $CI is "true", where a
// missing spec fails the test.
func ForTestPath(t testing.TB) string {
	t.Helper()
	path, err := openapi.Locate("")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and the OpenAPI description is required: %v", err)
			return ""
		}
		t.Skipf("skipping: %v", err)
		return ""
	}
	return path
}

// ForTest returns the process-wide validator (openapi.Shared) for the spec
// found by ForTestPath, with the same skip/fail rule.
func ForTest(t testing.TB) *openapi.Validator {
	t.Helper()
	path := ForTestPath(t)
	if path == "" {
		return nil
	}
	v, err := openapi.Shared(path)
	if err != nil {
		t.Fatalf("load OpenAPI description: %v", err)
	}
	return v
}
