// Package secret keeps API tokens out of Redis, task payloads and logs.
//
// A migration records only a fingerprint of each token (a truncated SHA-256);
// a worker holds the tokens themselves, from its environment, and finds the
// one a migration needs by fingerprint.
package secret

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Fingerprint names a token without revealing it.
func Fingerprint(token string) string {
	sum := sha256.Sum256([]byte("icmigrate-token:" + token))
	return hex.EncodeToString(sum[:8])
}

// Tokens maps fingerprints to tokens. The zero value is empty and usable.
type Tokens struct{ byFP map[string]string }

// Add records tokens (empty strings are ignored) and returns their
// fingerprints in order.
func (t *Tokens) Add(tokens ...string) []string {
	if t.byFP == nil {
		t.byFP = map[string]string{}
	}
	var fps []string
	for _, tok := range tokens {
		tok = strings.TrimSpace(tok)
		if tok == "" {
			continue
		}
		fp := Fingerprint(tok)
		t.byFP[fp] = tok
		fps = append(fps, fp)
	}
	return fps
}

// Lookup returns the token with that fingerprint.
func (t *Tokens) Lookup(fp string) (string, bool) {
	tok, ok := t.byFP[fp]
	return tok, ok
}

// Len is the number of distinct tokens.
func (t *Tokens) Len() int { return len(t.byFP) }

// Side names the two workspaces of a migration, for environment variables and
// messages.
type Side string

// The two sides of a migration.
const (
	Source Side = "source"
	Dest   Side = "destination"
)

// EnvNames are the variables a side's tokens are read from: a single token
// (INTERCOM_SOURCE_TOKEN) or a comma-separated list, one per app
// (INTERCOM_SOURCE_TOKENS).
func (s Side) EnvNames() (single, list string) {
	if s == Source {
		return "INTERCOM_SOURCE_TOKEN", "INTERCOM_SOURCE_TOKENS"
	}
	return "INTERCOM_DEST_TOKEN", "INTERCOM_DEST_TOKENS"
}

// ErrNoToken says a side has no token in the environment.
var ErrNoToken = errors.New("no token")

// FromEnv reads a side's tokens from the environment (both variables,
// deduplicated, in order).
func FromEnv(s Side) ([]string, error) {
	single, list := s.EnvNames()
	var out []string
	seen := map[string]bool{}
	for _, raw := range append([]string{os.Getenv(single)}, strings.Split(os.Getenv(list), ",")...) {
		tok := strings.TrimSpace(raw)
		if tok != "" && !seen[tok] {
			seen[tok] = true
			out = append(out, tok)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: %w: set %s (or %s, comma-separated)", s, ErrNoToken, single, list)
	}
	return out, nil
}
