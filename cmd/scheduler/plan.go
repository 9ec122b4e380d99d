package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/internal/plan"
	"github.com/icmigrate/icmigrate/internal/secret"
	"github.com/icmigrate/icmigrate/internal/version"
	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// runPlan reads the source (and the destination, when its tokens are set)
// and writes the plan: inventory and estimate, checks, the checklist of
// what to recreate by hand, and the cutover. It needs no Redis and writes
// nothing to Intercom.
func runPlan(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	srcRegion := fs.String("source-region", "us", "region of the source workspace: us, eu or au")
	dstRegion := fs.String("dest-region", "eu", "region of the destination workspace: us, eu or au")
	srcURL := fs.String("source-url", "", "API root of the source instead of the region's (a proxy, a sandbox)")
	dstURL := fs.String("dest-url", "", "API root of the destination instead of the region's")
	out := fs.String("out", ".", "directory the report is written to ("+plan.MarkdownFile+" and "+plan.JSONFile+"; created when missing)")
	sample := fs.Int("sample", plan.DefaultSample, fmt.Sprintf("conversations, tickets and contacts read one by one to measure what counts do not say (1..%d)", intercom.MaxPerPage))
	objectTypes := fs.String("custom-object-types", "", "comma-separated custom object types to count (\"Order,Shipment\"), as migrate takes them: Intercom's API cannot list the types")
	wsRate := fs.Int("workspace-rate-limit", plan.WorkspaceLimitPerMinute, "calls a minute all the apps of one workspace may make together (Intercom does not report it)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: scheduler plan [flags]\n\nReads the source through INTERCOM_SOURCE_TOKEN(S), and the destination through INTERCOM_DEST_TOKEN(S) when set; writes nothing to either.\n\n")
		fs.PrintDefaults()
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if *sample < 1 || *sample > intercom.MaxPerPage {
		return fmt.Errorf("--sample %d: want 1..%d", *sample, intercom.MaxPerPage)
	}
	if *wsRate < 6 {
		return fmt.Errorf("--workspace-rate-limit %d: want at least 6 calls a minute", *wsRate)
	}
	types, err := splitList("--custom-object-types", *objectTypes)
	if err != nil {
		return err
	}
	src, err := sideConfig(secret.Source, "--source", *srcRegion, *srcURL, true)
	if err != nil {
		return err
	}
	dst, err := sideConfig(secret.Dest, "--dest", *dstRegion, *dstURL, false)
	if err != nil {
		return err
	}
	opts := plan.Options{Source: *src, Dest: dst, Sample: *sample, CustomObjectTypes: types,
		WorkspaceLimitPerMinute: *wsRate, UserAgent: version.UserAgent()}
	rep, err := plan.Run(ctx, opts)
	if err != nil {
		return err
	}
	md, js, err := rep.WriteFiles(*out)
	if err != nil {
		return fmt.Errorf("--out %s: %v", *out, err)
	}
	rep.Summary(stdout)
	fmt.Fprintf(stdout, "report: %s and %s\n", md, js)
	return nil
}

// sideConfig reads one side's flags (--source-region and --source-url, or
// --dest-...) and its tokens from the environment. A side that is not
// required is nil without tokens, unless its URL was named: then the
// missing token is the operator's mistake.
func sideConfig(side secret.Side, prefix, region, baseURL string, required bool) (*migrate.Side, error) {
	r, err := intercom.ParseRegion(region)
	if err != nil {
		return nil, fmt.Errorf("%s-region: %v", prefix, err)
	}
	if baseURL != "" {
		if _, err := intercom.NewClient("x", r, intercom.WithBaseURL(baseURL)); err != nil {
			return nil, fmt.Errorf("%s-url: %v", prefix, err)
		}
	}
	tokens, err := secret.FromEnv(side)
	if errors.Is(err, secret.ErrNoToken) && !required && baseURL == "" {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &migrate.Side{Region: r, BaseURL: baseURL, Tokens: tokens}, nil
}
