// Package logging builds the zap loggers of icmigrate's commands: JSON lines
// for machines (workers on Kubernetes), a console format for people.
//
// What is logged names records by id; no token, email or name is ever
// passed to a logger.
package logging

import (
	"fmt"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// New returns a logger at level (debug, info, warn, error) writing JSON to
// stderr, or a console format when console is true.
func New(level string, console bool) (*zap.Logger, error) {
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		return nil, fmt.Errorf("log level %q: want debug, info, warn or error", level)
	}
	cfg := zap.NewProductionConfig()
	// Log stores and people read ISO 8601 (2026-05-01T12:00:00.000Z) where
	// zap's default is seconds since the epoch.
	cfg.EncoderConfig.EncodeTime = zapcore.ISO8601TimeEncoder
	if console {
		cfg = zap.NewDevelopmentConfig()
		cfg.DisableStacktrace = true
	}
	cfg.Level = zap.NewAtomicLevelAt(lvl)
	cfg.OutputPaths = []string{"stderr"}
	cfg.ErrorOutputPaths = []string{"stderr"}
	return cfg.Build(zap.WrapCore(Redacting))
}
