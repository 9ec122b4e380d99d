package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/icmigrate/icmigrate/internal/logging"
	"github.com/icmigrate/icmigrate/internal/openapi"
	"github.com/icmigrate/icmigrate/pkg/intercom/intercomtest"
)

func runSandbox(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:8081", "address to serve on")
	region := fs.String("region", "us", "region the workspace reports: us, eu or au")
	tokens := fs.String("token", intercomtest.DefaultToken, "accepted bearer token(s), comma-separated: one app each")
	appID := fs.String("app-id", "", "the workspace's app id_code (default: derived from region and first token)")
	contacts := fs.Int("seed-contacts", 0, "contacts to generate (0: an empty workspace with admins only)")
	admins := fs.Int("admins", intercomtest.DefaultAdmins, "admins (teammates) to generate; same seed, same emails in any region")
	seed := fs.Int64("seed", 1, "generator seed")
	entities := fs.String("entities", "", "comma-separated kinds of records to generate (\"contacts\" for contacts, tags and attributes only; \"contacts,companies,conversations\"...); empty: every kind")
	rate := fs.Int("rate-limit", intercomtest.DefaultRateLimitPerMinute, "per-app limit, calls a minute, enforced per 10-second window")
	wsRate := fs.Int("workspace-rate-limit", intercomtest.DefaultWorkspaceRateLimitPerMinute, "limit of all apps together, calls a minute")
	faults := fs.Float64("fault-rate", 0, "fraction of calls answered with a 5xx (no side effect)")
	latency := fs.Duration("latency", 0, "added to every response")
	spec := fs.String("openapi-spec", "", "Intercom's OpenAPI description (env ICMIGRATE_OPENAPI_SPEC; default ../shared/intercom-openapi/2.14/api.intercom.io.yaml from the repo root)")
	logLevel := fs.String("log-level", "info", "debug (one line a request), info, warn or error")
	if err := parse(fs, args); err != nil {
		return err
	}
	if intercomtest.RegionName(*region) == "" {
		return fmt.Errorf("--region %q: want us, eu or au", *region)
	}
	switch {
	case *contacts < 0:
		return fmt.Errorf("--seed-contacts %d: want 0 or more", *contacts)
	case *admins < 1:
		return fmt.Errorf("--admins %d: want at least 1", *admins)
	case *rate < 6:
		return fmt.Errorf("--rate-limit %d: want at least 6 calls a minute (1 per 10-second window)", *rate)
	case *wsRate < 6:
		return fmt.Errorf("--workspace-rate-limit %d: want at least 6 calls a minute (1 per 10-second window)", *wsRate)
	case !(*faults >= 0 && *faults <= 1):
		return fmt.Errorf("--fault-rate %v: want a fraction between 0 and 1", *faults)
	case *latency < 0:
		return fmt.Errorf("--latency %v: want 0 or more", *latency)
	}
	var toks []string
	for _, t := range strings.Split(*tokens, ",") {
		if t = strings.TrimSpace(t); t != "" {
			toks = append(toks, t)
		}
	}
	if len(toks) == 0 {
		return fmt.Errorf("--token %q: want at least one token (comma-separated, one app each)", *tokens)
	}
	log, err := logging.New(*logLevel, true)
	if err != nil {
		return err
	}
	kinds, err := splitList("--entities", *entities)
	if err != nil {
		return err
	}
	opts := intercomtest.Options{Region: *region, Tokens: toks, AppID: *appID, Seed: *seed, Contacts: *contacts, Admins: *admins, Entities: kinds,
		RateLimitPerMinute: *rate, WorkspaceRateLimitPerMinute: *wsRate, FaultRate: *faults, Latency: *latency, Logger: log}
	if path, err := openapi.Locate(*spec); err == nil {
		opts.SpecPath = path
	} else {
		fmt.Fprintf(stdout, "warning: %v\nwarning: serving without validating requests against Intercom's API description\n", err)
		opts.Unvalidated = true
	}
	sb, err := intercomtest.New(opts)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("--listen %s: %v", *listen, err)
	}
	srv := &http.Server{Handler: sb, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "sandbox: %s workspace %s on http://%s with %d contacts, %d admins, %d app token(s); limit %d calls per 10 s per app\n",
		intercomtest.RegionName(*region), sb.AppID(), ln.Addr(), sb.Count("contacts"), sb.Count("admins"), len(toks), intercomtest.PerWindow(*rate))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	case err := <-errc:
		return err
	}
}
