package plan

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
)

// Report file names in the output directory.
const (
	MarkdownFile = "plan.md"
	JSONFile     = "plan.json"
)

// WriteFiles writes the report as Markdown and JSON into dir (created when
// missing) and returns their paths.
func (r *Report) WriteFiles(dir string) (md, js string, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", err
	}
	md, js = filepath.Join(dir, MarkdownFile), filepath.Join(dir, JSONFile)
	var b strings.Builder
	r.Markdown(&b)
	// The report names teammates by email (the ones to invite): readable
	// by its owner only.
	if err := os.WriteFile(md, []byte(b.String()), 0o600); err != nil {
		return "", "", err
	}
	buf, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", "", err
	}
	if err := os.WriteFile(js, append(buf, '\n'), 0o600); err != nil {
		return "", "", err
	}
	return md, js, nil
}

func (w Workspace) line(name string) string {
	rate := fmt.Sprintf("%d calls/min per app", w.AppLimitPerMinute)
	if !w.RateDetected {
		rate += " (assumed: no rate-limit header)"
	} else {
		rate += " (X-RateLimit-Limit)"
	}
	return fmt.Sprintf("%s: %s workspace %s (%s), %d app token(s), %s, workspace cap %d calls/min",
		name, strings.ToUpper(w.Region), w.AppID, w.Name, w.Apps, rate, w.WorkspaceLimitPerMinute)
}

func (c Count) cell() string {
	if c.Estimated {
		return fmt.Sprintf("~%d", c.N)
	}
	return fmt.Sprint(c.N)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// mdEscape keeps a value from breaking a Markdown table.
func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// Markdown renders the report.
func (r *Report) Markdown(w io.Writer) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	p("# Migration plan\n\nGenerated %s by `scheduler plan`.\n\n", r.Generated.Format("2006-01-02 15:04 UTC"))
	p("- %s\n", r.Source.line("Source"))
	if r.Dest != nil {
		p("- %s\n", r.Dest.line("Destination"))
	}
	for _, n := range r.Notes {
		p("- %s\n", n)
	}
	p("- Plan made %d call(s) to the source", r.Source.PlanCalls)
	if r.Dest != nil {
		p(" and %d to the destination", r.Dest.PlanCalls)
	}
	p("; up to %d conversations, tickets and contacts' events were read one by one where no count says enough (`--sample`).\n", r.Sample)

	p("\n## Inventory and estimate\n\n")
	p("Counts marked ~ are estimated (see Basis). Calls are what the migration makes; durations are at the rate limits, with 1, 2 and 3 apps (tokens) on each side.\n\n")
	p("| Entity | Count | Basis | API migrates | How | Source calls | Destination calls | 1 app | 2 apps | 3 apps |\n")
	p("|---|---:|---|---|---|---:|---:|---:|---:|---:|\n")
	for _, e := range r.Entities {
		p("| %s | %s | %s | %s | %s | %d | %d |", e.Name, e.Count.cell(), mdEscape(e.Count.Basis), yesNo(e.APIMigrates), mdEscape(e.How), e.SourceCalls, e.DestCalls)
		for _, d := range e.Durations {
			p(" %s |", Human(d.Seconds))
		}
		p("\n")
	}
	p("| **bulk run** | | | | | **%d** | **%d** |", r.Total.SourceCalls, r.Total.DestCalls)
	for _, d := range r.Total.Durations {
		p(" **%s** |", Human(d.Seconds))
	}
	p("\n\nApps per side: 1 app = %d/%d calls/min (source/destination), 2 apps = %d/%d, 3 apps = %d/%d (the workspace cap applies).\n",
		r.Source.RatePerMinute(1), r.destWS().RatePerMinute(1), r.Source.RatePerMinute(2), r.destWS().RatePerMinute(2), r.Source.RatePerMinute(3), r.destWS().RatePerMinute(3))

	p("\n## Checks\n\n")
	for _, c := range r.Checks {
		est := ""
		if c.Estimated {
			est = " (estimated)"
		}
		p("- **%s** `%s`%s: %s\n", strings.ToUpper(c.Status), c.Name, est, c.Summary)
		for _, it := range c.Items {
			p("  - %s\n", it)
		}
	}

	p("\n## Checklist: recreate or decide by hand\n\n")
	p("| Priority | Item | Holds data | API counts | Count | Action |\n|---|---|---|---|---:|---|\n")
	for _, it := range r.Checklist {
		count := ""
		if it.Count != nil {
			count = fmt.Sprint(*it.Count)
		}
		p("| %s | %s | %s | %s | %s | %s |\n", it.Priority, mdEscape(it.Title), yesNo(it.HoldsData), yesNo(it.APICounts), count, mdEscape(it.Action))
	}

	p("\n## Cutover\n\n")
	for i, s := range r.Cutover.Steps {
		p("%d. %s\n", i+1, s)
	}
	p("\n## Assumptions\n\n")
	for _, a := range r.Assumes {
		p("- %s\n", a)
	}
}

// destWS is the destination's workspace as the estimate saw it.
func (r *Report) destWS() Workspace {
	if r.Dest != nil {
		return *r.Dest
	}
	return Workspace{AppLimitPerMinute: DefaultAppLimitPerMinute, WorkspaceLimitPerMinute: r.Source.WorkspaceLimitPerMinute, Apps: 1}
}

// Summary is the report in short, for a terminal.
func (r *Report) Summary(w io.Writer) {
	fmt.Fprintln(w, r.Source.line("source"))
	if r.Dest != nil {
		fmt.Fprintln(w, r.Dest.line("destination"))
	}
	for _, n := range r.Notes {
		fmt.Fprintln(w, n)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ENTITY\tCOUNT\tAPI\tSRC CALLS\tDST CALLS\t1 APP\t2 APPS\t3 APPS")
	for _, e := range r.Entities {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d", e.Name, e.Count.cell(), map[bool]string{true: "migrates", false: "by hand"}[e.APIMigrates], e.SourceCalls, e.DestCalls)
		for _, d := range e.Durations {
			fmt.Fprintf(tw, "\t%s", Human(d.Seconds))
		}
		fmt.Fprintln(tw)
	}
	fmt.Fprintf(tw, "bulk run\t\t\t%d\t%d", r.Total.SourceCalls, r.Total.DestCalls)
	for _, d := range r.Total.Durations {
		fmt.Fprintf(tw, "\t%s", Human(d.Seconds))
	}
	fmt.Fprintln(tw)
	tw.Flush()
	fmt.Fprintln(w, "(~ estimated)")
	for _, c := range r.Checks {
		// Counts only: the files name the teammates and records.
		n := ""
		if len(c.Items) > 0 {
			n = fmt.Sprintf(" (%d item(s), listed in the report)", len(c.Items))
		}
		fmt.Fprintf(w, "%-7s %s%s\n", strings.ToUpper(c.Status), c.Name, n)
	}
	high := 0
	for _, it := range r.Checklist {
		if it.Priority == PriorityHigh {
			high++
		}
	}
	fmt.Fprintf(w, "checklist: %d items to recreate or decide by hand, %d of high priority\n", len(r.Checklist), high)
	c := r.Cutover
	delta := "unknown"
	if c.DeltaKnown {
		delta = Human(c.DeltaSeconds)
	}
	fmt.Fprintf(w, "cutover with %d/%d app(s): bulk run %s, verify %s, then freeze; delta pass %s\n", c.AppsSource, c.AppsDest, Human(c.BulkSeconds), Human(c.VerifySeconds), delta)
}
