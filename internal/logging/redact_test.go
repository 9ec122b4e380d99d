package logging

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"contact 6657a1 refused":                                  "contact 6657a1 refused",
		"email jane.doe+crm@example.co.uk is invalid":             "email [email] is invalid",
		`400 parameter_invalid (Email "first.last@@domain" bad)`:  `400 parameter_invalid (Email "[email]" bad)`,
		"Authorization: Bearer dG9rOmFiY2RlZmdoaWprbG1ub3A=":      "Authorization: Bearer [token]",
		"token dG9rOjEyMzQ1Njc4OTBhYmNkZWY= rejected":             "token [token] rejected",
		"dial redis://:s3cret@redis.internal:6379: refused":       "dial redis://:[email]:6379: refused",
		"GET /contacts/find_by_external_id/crm-42: 404 not_found": "GET /contacts/find_by_external_id/crm-42: 404 not_found",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRedactingLogger: whatever a caller passes (message, string, error,
// stringer, fields added by With, a sugared logger's arguments), the JSON
// line holds no email and no token, and keeps the ids.
func TestRedactingLogger(t *testing.T) {
	var buf bytes.Buffer
	core := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(&buf), zap.DebugLevel)
	log := zap.New(Redacting(core)).With(zap.String("migration", "m1"), zap.String("owner", "boss@example.com"))
	err := errors.New(`intercom: POST /contacts: 400: parameter_invalid (email "ann@example.com" is invalid) [request r-1]`)
	log.Warn("unit failed for ann@example.com", zap.String("phase", "contacts"), zap.String("unit", "p-3"), zap.Error(err),
		zap.Stringer("who", stringer("Bearer dG9rOmFiY2RlZmdoaWprbG1ub3A=")), zap.ByteString("raw", []byte("x@y.z")))
	log.Sugar().Errorf("asynq: %v", "lost connection for bob@example.org")
	out := buf.String()
	for _, secret := range []string{"ann@example.com", "boss@example.com", "bob@example.org", "x@y.z", "dG9rOmFi"} {
		if strings.Contains(out, secret) {
			t.Errorf("log holds %q:\n%s", secret, out)
		}
	}
	for _, kept := range []string{`"migration":"m1"`, `"phase":"contacts"`, `"unit":"p-3"`, `"error":"intercom: POST /contacts: 400: parameter_invalid (email \"[email]\" is invalid) [request r-1]"`, "[token]"} {
		if !strings.Contains(out, kept) {
			t.Errorf("log lost %s:\n%s", kept, out)
		}
	}
}

type stringer string

func (s stringer) String() string { return string(s) }

// TestNewJSON: the workers' logger writes one JSON object a line to
// stderr, with level, an ISO 8601 time, the message and the fields.
func TestNewJSON(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	orig := os.Stderr
	os.Stderr = f // zap opens "stderr" when the logger is built
	log, err := New("info", false)
	os.Stderr = orig
	if err != nil {
		t.Fatal(err)
	}
	log.Debug("not at info")
	log.Info("phase complete", zap.String("migration", "m1"), zap.String("phase", "contacts"), zap.String("task_id", "icm:m1:r1:contacts:root"))
	log.Sync()
	raw, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d lines, want 1 (debug is off at info):\n%s", len(lines), raw)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatalf("not JSON: %q", lines[0])
	}
	ts, _ := rec["ts"].(string)
	if _, err := time.Parse("2006-01-02T15:04:05.000Z0700", ts); err != nil {
		t.Errorf("ts %v: want ISO 8601 (%v)", rec["ts"], err)
	}
	for k, want := range map[string]string{"level": "info", "msg": "phase complete", "migration": "m1", "phase": "contacts", "task_id": "icm:m1:r1:contacts:root"} {
		if rec[k] != want {
			t.Errorf("%s = %v, want %q", k, rec[k], want)
		}
	}
	if _, err := New("loud", false); err == nil {
		t.Error("level loud accepted")
	}
}

func TestNewRedacts(t *testing.T) {
	log, err := New("info", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := log.Core().(redactCore); !ok {
		t.Errorf("New's core is %T, want the redacting core", log.Core())
	}
}
