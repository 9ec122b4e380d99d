package openapitest_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/icmigrate/icmigrate/internal/openapi"
	"github.com/icmigrate/icmigrate/internal/openapi/openapitest"
)

// recordingTB records Skip and Fatal instead of stopping the test.
type recordingTB struct {
	testing.TB
	skipped, fatal string
}

func (r *recordingTB) Helper()                           {}
func (r *recordingTB) Skipf(format string, args ...any)  { r.skipped = fmt.Sprintf(format, args...) }
func (r *recordingTB) Fatalf(format string, args ...any) { r.fatal = fmt.Sprintf(format, args...) }

func TestMissingSpec(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.yaml")
	t.Setenv(openapi.EnvSpecPath, missing)
	tests := []struct {
		ci                string
		wantSkip, wantBad bool
	}{
		{"", true, false},
		{"false", true, false},
		{"true", false, true},
	}
	for _, tc := range tests {
		t.Run("CI="+tc.ci, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			rec := &recordingTB{TB: t}
			openapitest.ForTestPath(rec)
			if (rec.skipped != "") != tc.wantSkip || (rec.fatal != "") != tc.wantBad {
				t.Fatalf("skipped %q, fatal %q", rec.skipped, rec.fatal)
			}
			msg := rec.skipped + rec.fatal
			if !strings.Contains(msg, missing) || !strings.Contains(msg, "Intercom-OpenAPI") {
				t.Errorf("message %q does not say what was tried and where to get the file", msg)
			}
		})
	}
}

func TestForTestFindsTheSpec(t *testing.T) {
	v := openapitest.ForTest(t)
	if v.Doc().Info.Version != "2.14" {
		t.Fatalf("version %q", v.Doc().Info.Version)
	}
}
