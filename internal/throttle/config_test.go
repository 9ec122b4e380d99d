package throttle

import (
	"maps"
	"strings"
	"testing"
)

func TestPerWindow(t *testing.T) {
	for perMinute, want := range map[int]int{10000: 1666, 25000: 4166, 1800: 300, 6: 1, 1: 1} {
		if got := PerWindow(perMinute); got != want {
			t.Errorf("PerWindow(%d) = %d, want %d", perMinute, got, want)
		}
	}
}

func TestParseAppLimits(t *testing.T) {
	const fp1, fp2 = "3f2a9c0d1e2b4a5c", "0123456789abcdef"
	for _, tc := range []struct {
		spec    string
		all     int
		byApp   map[string]int
		wantErr string
	}{
		{spec: ""},
		{spec: "  "},
		{spec: "6000", all: 1000},
		{spec: fp1 + "=1800", byApp: map[string]int{fp1: 300}},
		{spec: "6000, " + fp1 + "=1800," + fp2 + " = 60", all: 1000, byApp: map[string]int{fp1: 300, fp2: 10}},
		{spec: "0", wantErr: "positive"},
		{spec: "-5", wantErr: "positive"},
		{spec: "fast", wantErr: `"fast"`},
		{spec: "6000,3000", wantErr: "more than one"},
		{spec: "token=1000", wantErr: `"token" is not a token fingerprint`},
		{spec: fp1 + "=1," + fp1 + "=2", wantErr: "twice"},
		{spec: fp1 + "=", wantErr: "positive"},
		{spec: "6000,", wantErr: "positive"},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			all, byApp, err := ParseAppLimits(tc.spec)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if all != tc.all || !maps.Equal(byApp, tc.byApp) {
				t.Fatalf("got %d %v, want %d %v", all, byApp, tc.all, tc.byApp)
			}
		})
	}
}
