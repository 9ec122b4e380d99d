package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"text/tabwriter"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/icmigrate/icmigrate/internal/logging"
	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/internal/redisconn"
	"github.com/icmigrate/icmigrate/internal/secret"
	"github.com/icmigrate/icmigrate/internal/store"
	"github.com/icmigrate/icmigrate/internal/verify"
	"github.com/icmigrate/icmigrate/internal/version"
	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// common are the flags every command that talks to Redis takes.
type common struct {
	redisURL string
	logLevel string
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.redisURL, "redis", redisconn.URLFromEnv(), "Redis URL (env REDIS_URL)")
	fs.StringVar(&c.logLevel, "log-level", "warn", "debug, info, warn or error (logs go to stderr)")
}

func (c *common) open(ctx context.Context) (*redis.Client, *zap.Logger, error) {
	log, err := logging.New(c.logLevel, true)
	if err != nil {
		return nil, nil, err
	}
	rdb, err := redisconn.Open(ctx, c.redisURL)
	if err != nil {
		return nil, nil, err
	}
	return rdb, log, nil
}

func runMigrate(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	var c common
	c.register(fs)
	id := fs.String("id", "", "migration id (letters, digits, '.', '_', '-'); the same id resumes or reruns it")
	srcRegion := fs.String("source-region", "us", "region of the source workspace: us, eu or au")
	dstRegion := fs.String("dest-region", "eu", "region of the destination workspace: us, eu or au")
	srcURL := fs.String("source-url", "", "API root of the source instead of the region's (a proxy, a sandbox)")
	dstURL := fs.String("dest-url", "", "API root of the destination instead of the region's")
	wait := fs.Bool("wait", false, "show progress until the run ends; exit non-zero if anything failed")
	every := fs.Duration("progress-every", 2*time.Second, "with --wait: how often progress is shown")
	allowNonempty := fs.Bool("allow-nonempty-destination", false, "start although the destination holds contacts; records are then matched by email and external id, tags and attributes by name")
	queue := fs.String("queue", migrate.DefaultQueue, "asynq queue of the units: the one the workers of this migration serve (worker --queue)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: scheduler migrate --id M [flags]\n\nTokens come from INTERCOM_SOURCE_TOKEN(S) and INTERCOM_DEST_TOKEN(S); workers need the same.\n\n")
		fs.PrintDefaults()
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := migrateConfig(*id, *srcRegion, *dstRegion, *srcURL, *dstURL)
	if err != nil {
		return err
	}
	if err := checkQueue(*queue); err != nil {
		return err
	}
	cfg.AllowNonemptyDestination = *allowNonempty
	rdb, log, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer rdb.Close()
	e := migrate.NewEngine(migrate.Options{Redis: rdb, UserAgent: version.UserAgent(), Logger: log, Queue: *queue})
	defer e.Close()
	m, err := e.Start(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "migration %s run %d started: %s workspace %s -> %s workspace %s\n", m.ID, m.Run, m.Source.Region, m.Source.AppID, m.Dest.Region, m.Dest.AppID)
	if !*wait {
		fmt.Fprintf(stdout, "workers do the work; watch it with: scheduler status --id %s\n", m.ID)
		return nil
	}
	return waitAndReport(ctx, e, m.ID, *every, stdout)
}

// migrateConfig checks the flags and reads the tokens before anything is
// sent or enqueued.
func migrateConfig(id, srcRegion, dstRegion, srcURL, dstURL string) (migrate.Config, error) {
	if id == "" {
		return migrate.Config{}, errors.New("--id is required")
	}
	sr, err := intercom.ParseRegion(srcRegion)
	if err != nil {
		return migrate.Config{}, fmt.Errorf("--source-region: %v", err)
	}
	dr, err := intercom.ParseRegion(dstRegion)
	if err != nil {
		return migrate.Config{}, fmt.Errorf("--dest-region: %v", err)
	}
	for _, u := range []struct{ flag, url string }{{"--source-url", srcURL}, {"--dest-url", dstURL}} {
		if u.url == "" {
			continue
		}
		if _, err := intercom.NewClient("x", sr, intercom.WithBaseURL(u.url)); err != nil {
			return migrate.Config{}, fmt.Errorf("%s: %v", u.flag, err)
		}
	}
	srcTokens, err := secret.FromEnv(secret.Source)
	if err != nil {
		return migrate.Config{}, err
	}
	dstTokens, err := secret.FromEnv(secret.Dest)
	if err != nil {
		return migrate.Config{}, err
	}
	cfg := migrate.Config{ID: id,
		Source: migrate.Side{Region: sr, BaseURL: srcURL, Tokens: srcTokens},
		Dest:   migrate.Side{Region: dr, BaseURL: dstURL, Tokens: dstTokens}}
	return cfg, cfg.Validate()
}

// queuePattern is what --queue accepts: the name ends up in Redis keys.
var queuePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$`)

func checkQueue(q string) error {
	if !queuePattern.MatchString(q) {
		return fmt.Errorf("--queue %q: want 1-64 letters, digits, '.', '_', ':' or '-', starting with a letter or digit", q)
	}
	return nil
}

// runOutcome is the exit status of a finished run.
func runOutcome(st *migrate.Status) error {
	switch {
	case st.Migration.State == store.StateFailed:
		return fmt.Errorf("migration %s failed: %s", st.Migration.ID, st.Migration.Error)
	case st.Failed() > 0 || st.UnitFailures > 0:
		return fmt.Errorf("migration %s finished with %d record(s) and %d unit(s) that failed (listed above)", st.Migration.ID, st.Failed(), st.UnitFailures)
	}
	return nil
}

func printProgress(w io.Writer, st *migrate.Status) {
	fmt.Fprintf(w, "[%s] %s", time.Now().Format("15:04:05"), st.Migration.State)
	for _, p := range st.Phases {
		if p.Units > 0 || p.Done > 0 {
			fmt.Fprintf(w, " | %s", p.Line())
		}
	}
	fmt.Fprintln(w)
}

func printStatus(w io.Writer, st *migrate.Status) {
	m := st.Migration
	fmt.Fprintf(w, "migration %s run %d: %s", m.ID, m.Run, m.State)
	if m.Error != "" {
		fmt.Fprintf(w, " (%s)", m.Error)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ENTITY\tTOTAL\tDONE\tFAILED\tWAITING\tIN FLIGHT\tRATE/S\tETA\tSTATE")
	for _, p := range st.Phases {
		state := "waiting"
		if p.Complete {
			state = "complete"
		} else if p.Units > 0 {
			state = "running"
		}
		eta := "-"
		if p.ETA > 0 {
			eta = p.ETA.Round(time.Second).String()
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%.1f\t%s\t%s\n", p.Phase, p.Total, p.Done, p.Failed, p.Waiting, p.InFlight, p.Rate, eta, state)
	}
	tw.Flush()
	fmt.Fprintf(w, "API calls this run: source %d reads, %d writes; destination %d reads, %d writes; 429 answers %d\n",
		st.Calls["source_read"], st.Calls["source_write"], st.Calls["dest_read"], st.Calls["dest_write"], st.Calls["source_429"]+st.Calls["dest_429"])
}

// printFailures lists the first failures of each entity.
func printFailures(ctx context.Context, w io.Writer, e *migrate.Engine, st *migrate.Status) error {
	fs, err := e.Failures(ctx, st.Migration.ID, "")
	if err != nil {
		return err
	}
	shown := map[string]int{}
	for _, f := range fs {
		if shown[f.Entity]++; shown[f.Entity] <= 20 {
			fmt.Fprintf(w, "  failed %s %s: %d %s %s\n", f.Entity, f.SourceID, f.Status, f.Code, f.Message)
		}
	}
	for entity, n := range shown {
		if n > 20 {
			fmt.Fprintf(w, "  ... and %d more %s failures\n", n-20, entity)
		}
	}
	return nil
}

func runStatus(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	var c common
	c.register(fs)
	id := fs.String("id", "", "migration id")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *id == "" {
		return errors.New("--id is required")
	}
	rdb, log, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer rdb.Close()
	e := migrate.NewEngine(migrate.Options{Redis: rdb, Logger: log})
	defer e.Close()
	st, err := e.Status(ctx, *id)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	printStatus(stdout, st)
	return printFailures(ctx, stdout, e, st)
}

func runVerify(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	var c common
	c.register(fs)
	id := fs.String("id", "", "migration id")
	asJSON := fs.Bool("json", false, "print one JSON object per entity")
	sample := fs.Int("sample", 0, "spot-check about N contacts, read one by one, instead of comparing every record (0: all)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *id == "" {
		return errors.New("--id is required")
	}
	if *sample < 0 {
		return fmt.Errorf("--sample %d: want 0 (everything) or more", *sample)
	}
	var tokens secret.Tokens
	for _, side := range []secret.Side{secret.Source, secret.Dest} {
		toks, err := secret.FromEnv(side)
		if err != nil {
			return err
		}
		tokens.Add(toks...)
	}
	rdb, log, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer rdb.Close()
	e := migrate.NewEngine(migrate.Options{Redis: rdb, Tokens: &tokens, UserAgent: version.UserAgent(), Logger: log})
	defer e.Close()
	m, err := e.Store().Get(ctx, *id)
	if err != nil {
		return err
	}
	// The engine's clients wait out a spent rate-limit window (verify often
	// runs right after a migration has used it up) and retry reads.
	src, dst, err := e.Clients(m)
	if err != nil {
		return err
	}
	results, err := verify.All(ctx, verify.Options{Source: src, Dest: dst, Store: e.Store(), Migration: m.ID, Sample: *sample})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		for _, r := range results {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
	} else {
		printComparison(stdout, results)
	}
	if !verify.Equal(results) {
		return exitCode(3)
	}
	return nil
}

// printComparison prints verify's results as a table, then what differs.
func printComparison(w io.Writer, results []verify.Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ENTITY\tSOURCE\tDESTINATION\tMATCHED\tMISSING\tEXTRA\tDIFFERENT\t")
	for _, r := range results {
		mark := "ok"
		if !r.Equal() {
			mark = "DIFFERS"
		} else if r.Informational {
			mark = "ok (mapped by email)"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", r.Entity, r.Source, r.Destination, r.Matched, r.Missing, r.Extra, r.Different, mark)
	}
	tw.Flush()
	for _, r := range results {
		for _, id := range r.MissingIDs {
			fmt.Fprintf(w, "  %s missing in destination: source %s\n", r.Entity, id)
		}
		for _, d := range r.Diffs {
			fmt.Fprintf(w, "  %s differ: source %s / destination %s: %v\n", r.Entity, d.SourceID, d.DestID, d.Fields)
		}
	}
}
