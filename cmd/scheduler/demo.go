package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"
	"sort"
	"strings"

	"github.com/icmigrate/icmigrate/internal/demo"
	"github.com/icmigrate/icmigrate/internal/logging"
	"github.com/icmigrate/icmigrate/internal/throttle"
)

func runDemo(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	contacts := fs.Int("contacts", 2000, "contacts in the seeded source workspace")
	seed := fs.Int64("seed", 1, "seed of the generated workspace")
	workers := fs.Int("workers", 2, "worker servers in the process")
	concurrency := fs.Int("concurrency", 8, "units each worker runs at once")
	rate := fs.Int("rate-limit", 10000, "each sandbox's per-app limit, calls a minute (Intercom's default 10,000)")
	faults := fs.Float64("fault-rate", 0, "fraction of calls the sandboxes answer with a 5xx")
	spec := fs.String("openapi-spec", "", "Intercom's OpenAPI description (env ICMIGRATE_OPENAPI_SPEC; default ../shared/intercom-openapi/2.14/api.intercom.io.yaml from the repo root)")
	logLevel := fs.String("log-level", "error", "debug, info, warn or error (logs go to stderr)")
	if err := parse(fs, args); err != nil {
		return err
	}
	log, err := logging.New(*logLevel, true)
	if err != nil {
		return err
	}
	rep, err := demo.Run(ctx, demo.Options{Contacts: *contacts, Seed: *seed, Workers: *workers, Concurrency: *concurrency,
		RateLimitPerMinute: *rate, FaultRate: *faults, SpecPath: *spec, Out: stdout, Logger: log})
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
		printDemoFigures(stdout, rep, *contacts)
	}
	return err
}

// printDemoFigures says what the run cost, from the sandboxes' own counts.
func printDemoFigures(w io.Writer, rep *demo.Report, contacts int) {
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
	fmt.Fprintf(w, "source calls: %d reads; destination calls: %d writes, %d reads", sum(rep.SourceCalls, false), sum(rep.DestCalls, true), sum(rep.DestCalls, false))
	if contacts > 0 {
		fmt.Fprintf(w, " (%.3f calls per contact)", float64(sum(rep.DestCalls, true)+sum(rep.DestCalls, false))/float64(contacts))
	}
	fmt.Fprintln(w)
	routes := make([]string, 0, len(rep.DestCalls))
	for r := range rep.DestCalls {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	for _, r := range routes {
		fmt.Fprintf(w, "  destination %-40s %d\n", r, rep.DestCalls[r])
	}
}
