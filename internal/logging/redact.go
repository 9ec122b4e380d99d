package logging

import (
	"fmt"
	"regexp"

	"go.uber.org/zap/zapcore"
)

// What must never reach a log, whatever a caller passes: email addresses,
// valid or not (Intercom's error messages may quote the value they refused;
// a Redis URL's password goes too), bearer
// tokens (an HTTP error may quote a header) and Intercom access tokens
// (base64 of "tok:...", so they start with "dG9rO").
var (
	emailPattern  = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@+[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*`)
	bearerPattern = regexp.MustCompile(`(?i)(bearer\s+)[A-Za-z0-9._~+/=\-]+`)
	tokenPattern  = regexp.MustCompile(`dG9rO[A-Za-z0-9+/=_\-]{8,}`)
)

// Redact replaces email addresses and tokens in s.
func Redact(s string) string {
	s = emailPattern.ReplaceAllString(s, "[email]")
	s = bearerPattern.ReplaceAllString(s, "${1}[token]")
	return tokenPattern.ReplaceAllString(s, "[token]")
}

// Redacting wraps a zap core so that every message, string field and error
// field it writes is redacted (Redact): a second line of defence behind
// the rule that loggers get record ids only.
func Redacting(c zapcore.Core) zapcore.Core { return redactCore{c} }

type redactCore struct{ zapcore.Core }

func (c redactCore) With(fields []zapcore.Field) zapcore.Core {
	return redactCore{c.Core.With(redactFields(fields))}
}

func (c redactCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

func (c redactCore) Write(e zapcore.Entry, fields []zapcore.Field) error {
	e.Message = Redact(e.Message)
	return c.Core.Write(e, redactFields(fields))
}

func redactFields(fields []zapcore.Field) []zapcore.Field {
	out := make([]zapcore.Field, len(fields))
	for i, f := range fields {
		switch f.Type {
		case zapcore.StringType:
			f.String = Redact(f.String)
		case zapcore.ByteStringType:
			f = zapcore.Field{Key: f.Key, Type: zapcore.StringType, String: Redact(string(f.Interface.([]byte)))}
		case zapcore.ErrorType:
			if err, ok := f.Interface.(error); ok && err != nil {
				f = zapcore.Field{Key: f.Key, Type: zapcore.StringType, String: Redact(err.Error())}
			}
		case zapcore.StringerType:
			if s, ok := f.Interface.(fmt.Stringer); ok && s != nil {
				f = zapcore.Field{Key: f.Key, Type: zapcore.StringType, String: Redact(safeString(s))}
			}
		}
		out[i] = f
	}
	return out
}

// safeString is s.String(), or a placeholder when it panics (a nil
// pointer behind the interface), as zap itself does.
func safeString(s fmt.Stringer) (out string) {
	defer func() {
		if recover() != nil {
			out = "<nil>"
		}
	}()
	return s.String()
}
