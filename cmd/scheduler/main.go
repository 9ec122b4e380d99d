// Command scheduler plans, starts and watches icmigrate migrations, and runs
// the sandbox and the self-contained demo.
//
//	scheduler demo                       # everything in one process
//	scheduler sandbox --listen ADDR ...  # a fake Intercom workspace
//	scheduler plan --out DIR ...         # inventory, checklist, estimates
//	scheduler migrate --id M ...         # start or resume a migration
//	scheduler migrate --id M --delta     # move what changed since the last run
//	scheduler status --id M              # progress
//	scheduler failures --id M            # what Intercom refused
//	scheduler requeue --id M --all       # run the failed records again
//	scheduler verify --id M              # compare source and destination
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/icmigrate/icmigrate/internal/version"
)

type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout io.Writer) error
}

var commands = map[string]command{
	"demo":     {"migrate a seeded sandbox workspace to an empty one, in one process, and compare them", runDemo},
	"sandbox":  {"serve a fake Intercom workspace that validates every request against Intercom's OpenAPI description", runSandbox},
	"migrate":  {"start (or resume) a migration: check both workspaces, record it in Redis, enqueue its work", runMigrate},
	"plan":     {"read the workspaces and report what will move, what to recreate by hand, and how long the bulk run and the cutover take", runPlan},
	"status":   {"show a migration's progress per entity", runStatus},
	"failures": {"list the records Intercom refused and the units that ran out of retries", runFailures},
	"requeue":  {"run the failed records of a migration again, after the data or the destination was fixed", runRequeue},
	"verify":   {"compare a migration's source and destination record by record", runVerify},
	"version":  {"print the version", func(context.Context, []string, io.Writer) error { fmt.Println(version.Version); return nil }},
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "usage: scheduler <command> [flags]\n\ncommands:\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, "\n'scheduler <command> -h' lists a command's flags.\n")
}

func main() {
	if len(os.Args) < 2 || os.Args[1] == "-h" || os.Args[1] == "--help" || os.Args[1] == "help" {
		usage(os.Stderr)
		if len(os.Args) < 2 {
			os.Exit(2)
		}
		return
	}
	cmd, ok := commands[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "scheduler: unknown command %q\n\n", os.Args[1])
		usage(os.Stderr)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := cmd.run(ctx, os.Args[2:], os.Stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintf(os.Stderr, "scheduler %s: %v\n", os.Args[1], err)
		var ec exitCode
		if errors.As(err, &ec) {
			os.Exit(int(ec))
		}
		os.Exit(1)
	}
}

// exitCode is an error that asks for a particular exit status.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// parse parses flags and refuses stray arguments.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q: this command takes flags only (see -h)", strings.Join(fs.Args(), " "))
	}
	return nil
}
