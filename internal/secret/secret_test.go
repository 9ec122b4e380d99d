package secret

import (
	"errors"
	"strings"
	"testing"
)

func TestFingerprint(t *testing.T) {
	a, b := Fingerprint("tok-a"), Fingerprint("tok-b")
	if a == b || len(a) != 16 || strings.Contains(a, "tok") {
		t.Fatalf("fingerprints %q %q", a, b)
	}
	if Fingerprint("tok-a") != a {
		t.Fatal("fingerprint not stable")
	}
}

func TestFromEnv(t *testing.T) {
	for _, tc := range []struct {
		name, single, list string
		want               []string
		err                bool
	}{
		{"single", "a", "", []string{"a"}, false},
		{"list", "", "a, b,,c", []string{"a", "b", "c"}, false},
		{"both dedup", "a", "b,a", []string{"a", "b"}, false},
		{"none", "", " , ", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("INTERCOM_DEST_TOKEN", tc.single)
			t.Setenv("INTERCOM_DEST_TOKENS", tc.list)
			got, err := FromEnv(Dest)
			if tc.err {
				if !errors.Is(err, ErrNoToken) || !strings.Contains(err.Error(), "INTERCOM_DEST_TOKEN") {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err != nil || strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func TestTokensLookup(t *testing.T) {
	var ts Tokens
	fps := ts.Add("x", "", "y")
	if len(fps) != 2 || ts.Len() != 2 {
		t.Fatalf("fps %v len %d", fps, ts.Len())
	}
	if tok, ok := ts.Lookup(fps[1]); !ok || tok != "y" {
		t.Fatalf("lookup = %q %v", tok, ok)
	}
	if _, ok := ts.Lookup("nope"); ok {
		t.Fatal("found unknown fingerprint")
	}
}
