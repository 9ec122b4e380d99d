// Command worker runs icmigrate's units of work: an asynq server on the
// shared Redis. Run as many as the rate limits allow; they share the work of
// every migration whose tokens they hold (INTERCOM_SOURCE_TOKEN(S) and
// INTERCOM_DEST_TOKEN(S)).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/icmigrate/icmigrate/internal/logging"
	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/internal/redisconn"
	"github.com/icmigrate/icmigrate/internal/secret"
	"github.com/icmigrate/icmigrate/internal/version"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	redisURL := fs.String("redis", redisconn.URLFromEnv(), "Redis URL (env REDIS_URL)")
	concurrency := fs.Int("concurrency", 10, "units run at once by this process")
	shutdown := fs.Duration("shutdown-timeout", 25*time.Second, "time in-flight units get to finish on SIGTERM before they are re-queued")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	showVersion := fs.Bool("version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: worker [flags]\n\nTokens come from INTERCOM_SOURCE_TOKEN / INTERCOM_SOURCE_TOKENS and INTERCOM_DEST_TOKEN / INTERCOM_DEST_TOKENS.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *showVersion {
		fmt.Println(version.Version)
		return nil
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *concurrency < 1 {
		return fmt.Errorf("--concurrency %d: want at least 1", *concurrency)
	}
	log, err := logging.New(*logLevel, false)
	if err != nil {
		return err
	}
	defer log.Sync()

	var tokens secret.Tokens
	for _, side := range []secret.Side{secret.Source, secret.Dest} {
		toks, err := secret.FromEnv(side)
		if err != nil && !errors.Is(err, secret.ErrNoToken) {
			return err
		}
		tokens.Add(toks...)
	}
	if tokens.Len() == 0 {
		return errors.New("no Intercom token in the environment: set INTERCOM_SOURCE_TOKEN and INTERCOM_DEST_TOKEN")
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	rdb, err := redisconn.Open(ctx, *redisURL)
	if err != nil {
		return err
	}
	defer rdb.Close()

	e := migrate.NewEngine(migrate.Options{Redis: rdb, Tokens: &tokens, UserAgent: version.UserAgent(), Logger: log})
	defer e.Close()
	w := e.NewWorker(migrate.WorkerOptions{Concurrency: *concurrency, ShutdownTimeout: *shutdown})
	if err := w.Start(); err != nil {
		return err
	}
	log.Info("worker started", zap.Int("concurrency", *concurrency), zap.Int("tokens", tokens.Len()), zap.String("version", version.Version))
	<-ctx.Done()
	log.Info("shutting down")
	w.Shutdown()
	return nil
}
