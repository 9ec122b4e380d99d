package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/internal/report"
	"github.com/icmigrate/icmigrate/internal/secret"
	"github.com/icmigrate/icmigrate/internal/store"
	"github.com/icmigrate/icmigrate/internal/version"
)

// runFailures lists the records Intercom refused and the units that ran out
// of retries: icmigrate's durable dead-letter list.
func runFailures(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("failures", flag.ContinueOnError)
	var c common
	c.register(fs)
	id := fs.String("id", "", "migration id")
	entity := fs.String("entity", "", "only this entity ("+strings.Join(migrate.Phases, ", ")+")")
	asJSON := fs.Bool("json", false, "print one JSON object per failure")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *id == "" {
		return errors.New("--id is required")
	}
	if *entity != "" && !slices.Contains(migrate.Phases, *entity) {
		return fmt.Errorf("--entity %q: want one of %s", *entity, strings.Join(migrate.Phases, ", "))
	}
	rdb, log, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer rdb.Close()
	e := migrate.NewEngine(migrate.Options{Redis: rdb, Logger: log})
	defer e.Close()
	all, err := e.Failures(ctx, *id, *entity)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		for _, f := range all {
			if err := enc.Encode(f); err != nil {
				return err
			}
		}
		return nil
	}
	if len(all) == 0 {
		fmt.Fprintf(stdout, "migration %s: no failures\n", *id)
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ENTITY\tSOURCE ID\tENDPOINT\tSTATUS\tCODE\tRUN\tMESSAGE")
	for _, f := range all {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%d\t%s\n", f.Entity, f.SourceID, f.Endpoint, f.Status, f.Code, f.Run, f.Message)
	}
	tw.Flush()
	fmt.Fprintf(stdout, "%d failure(s); after fixing the data or the destination: scheduler requeue --id %s --all\n", len(all), *id)
	return nil
}

// runRequeue starts a run of the failed entities again.
func runRequeue(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("requeue", flag.ContinueOnError)
	var c common
	c.register(fs)
	id := fs.String("id", "", "migration id")
	entity := fs.String("entity", "", "requeue this entity (and what depends on it): "+strings.Join(migrate.Phases, ", "))
	all := fs.Bool("all", false, "requeue every entity")
	wait := fs.Bool("wait", false, "show progress until the run ends; exit non-zero if anything still fails")
	every := fs.Duration("progress-every", 2*time.Second, "with --wait: how often progress is shown")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *id == "" {
		return errors.New("--id is required")
	}
	if (*entity == "") == !*all {
		return errors.New("say what to requeue: --entity E or --all")
	}
	var entities []string
	if *entity != "" {
		entities = []string{*entity}
	}
	rdb, log, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer rdb.Close()
	m, err := store.New(rdb).Get(ctx, *id)
	if err != nil {
		return err
	}
	// The tokens of the environment, when it has them, let --wait print the
	// migration's report; the requeue itself needs Redis only.
	tokens, _ := envTokens() // an error: no report, the requeue goes on
	e := migrate.NewEngine(migrate.Options{Redis: rdb, Tokens: tokens, UserAgent: version.UserAgent(), Logger: log, Queue: m.Queue})
	defer e.Close()
	res, err := e.Requeue(ctx, *id, entities)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "migration %s run %d started for %s: %d recorded failure(s) to retry, %d dead task(s) dropped\n",
		res.Migration.ID, res.Migration.Run, strings.Join(res.Migration.RunOrder(), ", "), res.Failed, res.ArchivedDeleted)
	if !*wait {
		return nil
	}
	return waitAndReport(ctx, e, res.Migration.ID, *every, stdout)
}

// waitAndReport follows a run to its end, prints where it stands and what
// failed, and turns the outcome into the exit status.
func waitAndReport(ctx context.Context, e *migrate.Engine, id string, every time.Duration, stdout io.Writer) error {
	st, err := e.Wait(ctx, id, every, newProgress(stdout).update) // progress.go
	if st != nil {
		printStatus(stdout, st)
		if ferr := printFailures(ctx, stdout, e, st); ferr != nil {
			return ferr
		}
		// The report reads both workspaces; a process without the tokens
		// (a requeue needs Redis only) says why there is none, and the
		// exit status stays the run's.
		if rerr := printReport(ctx, stdout, e, st.Migration, true); rerr != nil {
			fmt.Fprintf(stdout, "no report of what the API cannot create: %v\n", rerr)
		}
	}
	if err != nil {
		return err
	}
	return runOutcome(st)
}

// printReport writes what the operator must know or do by hand: teammates,
// teams and subscription types without a match in the destination, events
// the API cannot read and, with notWritable, the entities the API cannot
// create, source against destination.
func printReport(ctx context.Context, w io.Writer, e *migrate.Engine, m *store.Migration, notWritable bool) error {
	src, dst, err := e.Clients(m)
	if err != nil {
		return err
	}
	rm, err := report.ForMigration(ctx, e.Store(), m.ID, src)
	if err != nil {
		return err
	}
	var ents []report.Entity
	if notWritable {
		if ents, err = report.NotWritable(ctx, src, dst); err != nil {
			return err
		}
	}
	return report.Print(w, ents, rm)
}

// envTokens reads the tokens of both sides from the environment. With an
// error (a side without a token) it still returns those it found.
func envTokens() (*secret.Tokens, error) {
	var tokens secret.Tokens
	var errs []error
	for _, side := range []secret.Side{secret.Source, secret.Dest} {
		toks, err := secret.FromEnv(side)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		tokens.Add(toks...)
	}
	return &tokens, errors.Join(errs...)
}
