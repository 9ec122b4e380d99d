package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/icmigrate/icmigrate/internal/logging"
	"github.com/icmigrate/icmigrate/internal/metrics"
	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/internal/redisconn"
	"github.com/icmigrate/icmigrate/internal/secret"
	"github.com/icmigrate/icmigrate/internal/store"
	"github.com/icmigrate/icmigrate/internal/verify"
	"github.com/icmigrate/icmigrate/internal/version"
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
	fallbackAdmin := fs.String("fallback-admin", "", "email of a destination teammate given the records (owners, note authors, conversation parts) of source teammates with no teammate of the same email in the destination")
	strictAdmins := fs.Bool("strict-admins", false, "refuse to start while a source teammate has no teammate of the same email in the destination")
	objectTypes := fs.String("custom-object-types", "", "comma-separated custom object types whose instances migrate (\"Order,Shipment\"): Intercom's API cannot list the types; empty keeps what an earlier run named")
	metricsAddr := fs.String("metrics-addr", "", metricsAddrUsage)
	delta := fs.Bool("delta", false, "after a completed run: a new run that moves only what changed at the source since the start of the last complete run (new and updated records, new conversation parts); an unfinished delta is resumed")
	deltaSweep := fs.Bool("delta-sweep", false, "with --delta: read every source contact instead of searching those whose updated_at moved, to catch changes Intercom does not date (tags, notes, events, company attachments, subscription preferences); writes only what differs")
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
	if *deltaSweep && !*delta {
		return errors.New("--delta-sweep goes with --delta")
	}
	cfg.Delta, cfg.DeltaSweep = *delta, *deltaSweep
	cfg.FallbackAdmin, cfg.StrictAdmins = strings.TrimSpace(*fallbackAdmin), *strictAdmins
	if cfg.CustomObjectTypes, err = splitList("--custom-object-types", *objectTypes); err != nil {
		return err
	}
	rdb, log, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer rdb.Close()
	reg := metrics.New("scheduler")
	// The tokens let the engine read both sides for the report and the
	// delta's summary (printReport), not only check them.
	var toks secret.Tokens
	toks.Add(cfg.Source.Tokens...)
	toks.Add(cfg.Dest.Tokens...)
	e := migrate.NewEngine(migrate.Options{Redis: rdb, Tokens: &toks, UserAgent: version.UserAgent(), Logger: log, Queue: *queue, Observer: reg})
	defer e.Close()
	stopMetrics, err := serveMetrics(*metricsAddr, reg, rdb, e, log)
	if err != nil {
		return err
	}
	defer stopMetrics()
	m, err := e.Start(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "migration %s run %d started: %s workspace %s -> %s workspace %s\n", m.ID, m.Run, m.Source.Region, m.Source.AppID, m.Dest.Region, m.Dest.AppID)
	if err := printReport(ctx, stdout, e, m, false); err != nil {
		return err
	}
	if !*wait {
		fmt.Fprintf(stdout, "workers do the work; watch it with: scheduler status --id %s\n", m.ID)
		return nil
	}
	err = waitAndReport(ctx, e, m.ID, *every, stdout)
	if *delta {
		// What the delta moved and how long it took (delta_test.go).
		if st, serr := e.Status(ctx, m.ID); serr == nil {
			st.Summary(time.Now()).Print(stdout)
		}
	}
	return err
}

// migrateConfig checks the flags and reads the tokens before anything is
// sent or enqueued.
func migrateConfig(id, srcRegion, dstRegion, srcURL, dstURL string) (migrate.Config, error) {
	if id == "" {
		return migrate.Config{}, errors.New("--id is required")
	}
	src, err := sideConfig(secret.Source, "--source", srcRegion, srcURL, true) // plan.go
	if err != nil {
		return migrate.Config{}, err
	}
	dst, err := sideConfig(secret.Dest, "--dest", dstRegion, dstURL, true)
	if err != nil {
		return migrate.Config{}, err
	}
	cfg := migrate.Config{ID: id, Source: *src, Dest: *dst}
	return cfg, cfg.Validate()
}

// splitList reads a comma-separated flag; an empty item is a typo worth
// naming rather than a type called "".
func splitList(flagName, v string) ([]string, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	var out []string
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			return nil, fmt.Errorf("%s %q: an empty item (two commas, or one at an end)", flagName, v)
		}
		out = append(out, item)
	}
	return out, nil
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
	if d := m.CurrentDelta(); d != nil {
		fmt.Fprintf(w, "delta pass after run %d: changes at the source since %s\n", d.Base, d.Since.UTC().Format(time.RFC3339))
	}
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
	if st.Migration.CurrentDelta() != nil {
		st.Run.Print(stdout)
	}
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
	tokens, err := envTokens() // ops.go
	if err != nil {
		return err
	}
	rdb, log, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer rdb.Close()
	e := migrate.NewEngine(migrate.Options{Redis: rdb, Tokens: tokens, UserAgent: version.UserAgent(), Logger: log})
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
			mark = "info"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", r.Entity, r.Source, r.Destination, r.Matched, r.Missing, r.Extra, r.Different, mark)
	}
	tw.Flush()
	info := false
	for _, r := range results {
		info = info || r.Informational
		what := "differ"
		if r.Informational {
			what = "note"
		}
		for _, id := range r.MissingIDs {
			fmt.Fprintf(w, "  %s missing in destination: source %s\n", r.Entity, id)
		}
		for _, d := range r.Diffs {
			fmt.Fprintf(w, "  %s %s: source %s / destination %s: %v\n", r.Entity, what, d.SourceID, d.DestID, d.Fields)
		}
	}
	if info {
		fmt.Fprintln(w, "  info: what the API cannot create or carry whole (teammates, teams, help centers, ticket states, conversations over 500 parts...): matched by email or name and reported, not part of the verdict")
	}
}
