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
	"io"
	"os"
	"os/signal"
	"regexp"
	"strings"
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
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "worker:", err)
		stop()
		os.Exit(1)
	}
}

// queuePattern is what --queue accepts: the name ends up in Redis keys.
var queuePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$`)

// run serves units until ctx is done (SIGTERM or SIGINT in main), then
// shuts the worker down gracefully.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	redisURL := fs.String("redis", redisconn.URLFromEnv(), "Redis URL (env REDIS_URL)")
	concurrency := fs.Int("concurrency", 10, "units run at once by this process")
	shutdown := fs.Duration("shutdown-timeout", 25*time.Second, "time in-flight units get to finish on SIGTERM before they are re-queued")
	queue := fs.String("queue", migrate.DefaultQueue, "asynq queue to serve: the one the migrations of this fleet are started with (scheduler migrate --queue)")
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
		fmt.Fprintln(stdout, version.Version)
		return nil
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q: worker takes flags only (see -h)", strings.Join(fs.Args(), " "))
	}
	if *concurrency < 1 {
		return fmt.Errorf("--concurrency %d: want at least 1", *concurrency)
	}
	if *shutdown <= 0 {
		return fmt.Errorf("--shutdown-timeout %v: want a positive duration", *shutdown)
	}
	if !queuePattern.MatchString(*queue) {
		return fmt.Errorf("--queue %q: want 1-64 letters, digits, '.', '_', ':' or '-', starting with a letter or digit", *queue)
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
		return errors.New("no Intercom token in the environment: set INTERCOM_SOURCE_TOKEN and INTERCOM_DEST_TOKEN (or INTERCOM_SOURCE_TOKENS and INTERCOM_DEST_TOKENS, comma-separated)")
	}

	rdb, err := redisconn.Open(ctx, *redisURL)
	if err != nil {
		return err
	}
	defer rdb.Close()

	e := migrate.NewEngine(migrate.Options{Redis: rdb, Tokens: &tokens, UserAgent: version.UserAgent(), Logger: log, Queue: *queue})
	defer e.Close()
	w := e.NewWorker(migrate.WorkerOptions{Concurrency: *concurrency, ShutdownTimeout: *shutdown})
	if err := w.Start(); err != nil {
		return err
	}
	log.Info("worker started", zap.Int("concurrency", *concurrency), zap.String("queue", *queue), zap.Int("tokens", tokens.Len()), zap.String("version", version.Version))
	<-ctx.Done()
	log.Info("shutting down")
	w.Shutdown()
	return nil
}
