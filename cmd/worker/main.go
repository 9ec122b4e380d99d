// Command worker runs icmigrate's units of work: an asynq server on the
// shared Redis. Run as many as the rate limits allow; they share the work of
// every migration whose tokens they hold (INTERCOM_SOURCE_TOKEN(S) and
// INTERCOM_DEST_TOKEN(S)).
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/icmigrate/icmigrate/internal/logging"
	"github.com/icmigrate/icmigrate/internal/metrics"
	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/internal/redisconn"
	"github.com/icmigrate/icmigrate/internal/secret"
	"github.com/icmigrate/icmigrate/internal/throttle"
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
	queue := fs.String("queue", migrate.DefaultQueue, "asynq queue(s) to serve: those the migrations of this fleet are started with (scheduler migrate --queue). Several, comma-separated, each get slots of their own, so that a migration on one queue never waits for slots another's units hold: --queue big,small=4 (=N: that queue's units run at once; default --concurrency)")
	wsLimit := fs.Int("workspace-rate-limit", defaultWorkspacePerMinute, "calls a minute that all apps (tokens) of a workspace may make together, on each side: Intercom's 25,000 unless it granted the workspace another (it does not report it). Counted per 10-second window (/6); set the same on every worker (env ICMIGRATE_WORKSPACE_RATE_LIMIT)")
	appLimits := fs.String("app-rate-limit", "", "cap on an app's calls a minute, below what Intercom reports (X-RateLimit-Limit), e.g. to leave part of an app's budget to another integration: N for every app, FINGERPRINT=N for the app of one token (fingerprints are logged at start), comma-separated: 6000,3f2a9c0d1e2b4a5c=2000 (env ICMIGRATE_APP_RATE_LIMIT; default none)")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	metricsAddr := fs.String("metrics-addr", ":9090", "address serving /metrics, /healthz and /readyz (\"\": none)")
	clusterMetrics := fs.Bool("cluster-metrics", true, "export the queues' and migrations' metrics when this process holds their lease in Redis (one process at a time does)")
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
	firstQueue, queues, err := migrate.ParseQueues(*queue)
	if err != nil {
		return fmt.Errorf("--queue %v", err)
	}
	slots := 0
	for q, n := range queues {
		if !queuePattern.MatchString(q) {
			return fmt.Errorf("--queue %q: want 1-64 letters, digits, '.', '_', ':' or '-', starting with a letter or digit", q)
		}
		slots += cmp.Or(n, *concurrency)
	}
	limits, err := rateLimits(fs, *wsLimit, *appLimits)
	if err != nil {
		return err
	}
	log, err := logging.New(*logLevel, false)
	if err != nil {
		return err
	}
	defer log.Sync()

	var tokens secret.Tokens
	var fps []string
	for _, side := range []secret.Side{secret.Source, secret.Dest} {
		toks, err := secret.FromEnv(side)
		if err != nil && !errors.Is(err, secret.ErrNoToken) {
			return err
		}
		fps = append(fps, tokens.Add(toks...)...)
	}
	slices.Sort(fps)
	fps = slices.Compact(fps)
	if tokens.Len() == 0 {
		return errors.New("no Intercom token in the environment: set INTERCOM_SOURCE_TOKEN and INTERCOM_DEST_TOKEN (or INTERCOM_SOURCE_TOKENS and INTERCOM_DEST_TOKENS, comma-separated)")
	}
	for fp := range limits.AppCaps {
		if _, ok := tokens.Lookup(fp); !ok {
			return fmt.Errorf("--app-rate-limit (or ICMIGRATE_APP_RATE_LIMIT): no token in the environment has fingerprint %s (this worker's: %s)", fp, strings.Join(fps, ", "))
		}
	}

	rdb, err := redisconn.Open(ctx, *redisURL)
	if err != nil {
		return err
	}
	defer rdb.Close()

	reg := metrics.New("worker")
	reg.SetConcurrency(slots)
	e := migrate.NewEngine(migrate.Options{Redis: rdb, Tokens: &tokens, UserAgent: version.UserAgent(), Logger: log, Queue: firstQueue, Observer: reg, RateLimits: limits})
	defer e.Close()
	// The shared rate limiters' waits, pauses and 429s, read at each scrape.
	reg.SetLimiterSource(metrics.FromThrottle(e.RateLimitStats))
	if *metricsAddr != "" {
		if *clusterMetrics {
			reg.WatchCluster(metrics.ClusterOptions{Redis: rdb, Status: e.Status, Logger: log})
		}
		// A port in use (a second worker on a laptop) costs the metrics,
		// not the work: on Kubernetes the probes on that port catch it.
		if srv, err := metrics.Serve(*metricsAddr, reg, metrics.RedisReady(rdb), log); err != nil {
			log.Error("not serving metrics: set --metrics-addr to a free address, or \"\"", zap.String("addr", *metricsAddr), zap.Error(err))
		} else {
			log.Info("serving metrics", zap.String("addr", srv.Addr()))
			go func() { <-ctx.Done(); srv.ShuttingDown() }()
			defer func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				reg.ReleaseCluster(ctx)
				srv.Close(ctx)
			}()
		}
	}
	w := e.NewWorker(migrate.WorkerOptions{Concurrency: *concurrency, ShutdownTimeout: *shutdown, Queues: queues})
	if err := w.Start(); err != nil {
		return err
	}
	// Fingerprints, never tokens: they name apps in --app-rate-limit and in
	// the limiter's metrics.
	log.Info("worker started", zap.Int("concurrency", *concurrency), zap.String("queue", *queue), zap.Int("tokens", tokens.Len()), zap.Strings("token_fingerprints", fps),
		zap.Int("workspace_window_limit", limits.WorkspaceLimit), zap.String("version", version.Version))
	<-ctx.Done()
	log.Info("shutting down")
	w.Shutdown()
	return nil
}

// defaultWorkspacePerMinute is Intercom's documented workspace limit.
const defaultWorkspacePerMinute = 25000

// rateLimits builds the rate limiters' configuration from --workspace-rate-limit
// and --app-rate-limit, or, for a flag not given, from its environment
// variable (a Deployment sets it once for every worker).
func rateLimits(fs *flag.FlagSet, wsPerMinute int, appSpec string) (throttle.LimiterConfig, error) {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var cfg throttle.LimiterConfig
	wsName := "--workspace-rate-limit"
	if !set["workspace-rate-limit"] {
		if v := strings.TrimSpace(os.Getenv("ICMIGRATE_WORKSPACE_RATE_LIMIT")); v != "" {
			wsName = "ICMIGRATE_WORKSPACE_RATE_LIMIT"
			n, err := strconv.Atoi(v)
			if err != nil {
				return cfg, fmt.Errorf("%s %q: want calls a minute", wsName, v)
			}
			wsPerMinute = n
		}
	}
	if wsPerMinute < 1 {
		return cfg, fmt.Errorf("%s %d: want calls a minute, at least 1", wsName, wsPerMinute)
	}
	cfg.WorkspaceLimit = throttle.PerWindow(wsPerMinute)
	appName := "--app-rate-limit"
	if !set["app-rate-limit"] {
		appName, appSpec = "ICMIGRATE_APP_RATE_LIMIT", os.Getenv("ICMIGRATE_APP_RATE_LIMIT")
	}
	var err error
	if cfg.AppCap, cfg.AppCaps, err = throttle.ParseAppLimits(appSpec); err != nil {
		return cfg, fmt.Errorf("%s %v", appName, err)
	}
	return cfg, nil
}
