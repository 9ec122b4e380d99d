package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"
	"strings"
	"text/tabwriter"

	"github.com/redis/go-redis/v9"

	"github.com/icmigrate/icmigrate/internal/demo"
	"github.com/icmigrate/icmigrate/internal/logging"
	"github.com/icmigrate/icmigrate/internal/metrics"
	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/internal/report"
	"github.com/icmigrate/icmigrate/internal/throttle"
)

func runDemo(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	contacts := fs.Int("contacts", 1000, "contacts in the seeded source workspace (with N/10 companies, N/2 conversations, tickets, notes, events, articles...)")
	seed := fs.Int64("seed", 1, "seed of the generated workspace")
	workers := fs.Int("workers", 2, "worker servers in the process")
	concurrency := fs.Int("concurrency", 8, "units each worker runs at once")
	rate := fs.Int("rate-limit", 10000, "each sandbox's per-app limit, calls a minute (Intercom's default 10,000)")
	faults := fs.Float64("fault-rate", 0, "fraction of calls the sandboxes answer with a 5xx")
	spec := fs.String("openapi-spec", "", "Intercom's OpenAPI description (env ICMIGRATE_OPENAPI_SPEC; default ../shared/intercom-openapi/2.14/api.intercom.io.yaml from the repo root)")
	logLevel := fs.String("log-level", "error", "debug, info, warn or error (logs go to stderr)")
	metricsAddr := fs.String("metrics-addr", "", metricsAddrUsage)
	if err := parse(fs, args); err != nil {
		return err
	}
	log, err := logging.New(*logLevel, true)
	if err != nil {
		return err
	}
	opts := demo.Options{Contacts: *contacts, Seed: *seed, Workers: *workers, Concurrency: *concurrency,
		RateLimitPerMinute: *rate, FaultRate: *faults, SpecPath: *spec, Out: stdout, Logger: log,
		OnProgress: newProgress(stdout).update}
	if *metricsAddr != "" {
		reg := metrics.New("demo")
		reg.SetConcurrency(*workers * *concurrency)
		var stop func()
		defer func() {
			if stop != nil {
				stop()
			}
		}()
		opts.Observer = reg
		opts.Started = func(e *migrate.Engine, rdb redis.UniversalClient) {
			s, serr := serveMetrics(*metricsAddr, reg, rdb, e, log)
			if serr != nil {
				fmt.Fprintf(stdout, "warning: %v\n", serr)
				return
			}
			stop = s
			fmt.Fprintf(stdout, "metrics served on %s (/metrics, /healthz, /readyz)\n", *metricsAddr)
		}
	}
	rep, err := demo.Run(ctx, opts)
	if rep != nil && rep.Status != nil {
		fmt.Fprintln(stdout)
		printStatus(stdout, rep.Status)
		for i, f := range rep.Failures {
			if i == 20 {
				fmt.Fprintf(stdout, "  ... and %d more failures\n", len(rep.Failures)-20)
				break
			}
			fmt.Fprintf(stdout, "  failed %s %s: %d %s %s\n", f.Entity, f.SourceID, f.Status, f.Code, f.Message)
		}
	}
	if rep != nil && rep.Results != nil {
		fmt.Fprintln(stdout)
		printComparison(stdout, rep.Results)
		if rep.Notes != nil {
			fmt.Fprintln(stdout)
			if perr := report.Print(stdout, rep.NotWritable, rep.Notes); perr != nil {
				return perr
			}
		}
		printDemoFigures(stdout, rep)
	}
	return err
}

// printDemoFigures says what the run cost, from the sandboxes' own counts.
func printDemoFigures(w io.Writer, rep *demo.Report) {
	sum := func(calls map[string]int, write bool) (n int) {
		for route, c := range calls {
			method, path, _ := strings.Cut(route, " ")
			if throttle.IsWrite(method, path) == write {
				n += c
			}
		}
		return n
	}
	fmt.Fprintf(w, "\nwall time %.1fs (%d CPUs); requests validated against Intercom's OpenAPI description: %v\n", rep.Wall.Seconds(), runtime.NumCPU(), rep.Validated)
	fmt.Fprintf(w, "source calls: %d reads; destination calls: %d writes, %d reads\n", sum(rep.SourceCalls, false), sum(rep.DestCalls, true), sum(rep.DestCalls, false))
	records := map[string]int64{}
	for _, r := range rep.Results {
		records[r.Entity] = r.Source
	}
	// POST /data_attributes creates contact and company attributes alike;
	// POST /tags creates tags and applies them, 50 contacts or companies a
	// call: its cost is per tagged record, not per tag.
	records["data_attributes"] += records["company_attributes"]
	records["tags"] = records["contacts"] + records["companies"]
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DESTINATION WRITES BY ENTITY\tWRITES\tRECORDS\tPER RECORD")
	for _, c := range demo.WritesByEntity(rep.DestCalls) {
		per := "-"
		if n := records[c.Entity]; n > 0 {
			per = fmt.Sprintf("%.3f", float64(c.Writes)/float64(n))
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", c.Entity, c.Writes, records[c.Entity], per)
	}
	tw.Flush()
}
