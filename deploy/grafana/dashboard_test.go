// Package grafana holds icmigrate's Grafana dashboard (icmigrate.json);
// its test checks that the dashboard imports as is and queries only what
// the code exports.
package grafana

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/icmigrate/icmigrate/internal/metrics"
)

type target struct {
	Expr       string         `json:"expr"`
	Datasource map[string]any `json:"datasource"`
	RefID      string         `json:"refId"`
}

type panel struct {
	ID         int                      `json:"id"`
	Type       string                   `json:"type"`
	Title      string                   `json:"title"`
	Datasource map[string]any           `json:"datasource"`
	GridPos    struct{ H, W, X, Y int } `json:"gridPos"`
	Targets    []target                 `json:"targets"`
	Panels     []panel                  `json:"panels"`
}

type dashboard struct {
	UID           string  `json:"uid"`
	Title         string  `json:"title"`
	SchemaVersion int     `json:"schemaVersion"`
	ID            any     `json:"id"`
	Panels        []panel `json:"panels"`
	Templating    struct {
		List []struct {
			Name       string         `json:"name"`
			Type       string         `json:"type"`
			Query      any            `json:"query"`
			Definition string         `json:"definition"`
			Datasource map[string]any `json:"datasource"`
		} `json:"list"`
	} `json:"templating"`
}

func load(t *testing.T) dashboard {
	t.Helper()
	raw, err := os.ReadFile("icmigrate.json")
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("icmigrate.json: %v", err)
	}
	return d
}

func allPanels(ps []panel) []panel {
	var out []panel
	for _, p := range ps {
		out = append(out, p)
		out = append(out, allPanels(p.Panels)...)
	}
	return out
}

const dsVar = "${DS_PROMETHEUS}"

// TestDashboardImportable: what Grafana needs to import the file as is,
// with the Prometheus data source chosen in a variable.
func TestDashboardImportable(t *testing.T) {
	d := load(t)
	if d.UID == "" || d.Title == "" || d.SchemaVersion < 36 || d.ID != nil {
		t.Errorf("uid %q, title %q, schemaVersion %d, id %v: want a uid, a title, schema >= 36 and a null id", d.UID, d.Title, d.SchemaVersion, d.ID)
	}
	var hasDS bool
	for _, v := range d.Templating.List {
		if v.Name == "DS_PROMETHEUS" && v.Type == "datasource" && v.Query == "prometheus" {
			hasDS = true
		} else if v.Type == "query" && (v.Datasource["uid"] != dsVar || v.Datasource["type"] != "prometheus") {
			t.Errorf("variable %s: data source %v, want %s", v.Name, v.Datasource, dsVar)
		}
	}
	if !hasDS {
		t.Error("no datasource variable DS_PROMETHEUS of type prometheus")
	}
	ids := map[int]bool{}
	for _, p := range allPanels(d.Panels) {
		if ids[p.ID] {
			t.Errorf("panel id %d twice", p.ID)
		}
		ids[p.ID] = true
		if p.GridPos.W <= 0 || p.GridPos.H <= 0 || p.GridPos.X+p.GridPos.W > 24 {
			t.Errorf("panel %q: gridPos %+v outside the 24 columns", p.Title, p.GridPos)
		}
		if p.Type == "row" {
			continue
		}
		if p.Datasource["uid"] != dsVar {
			t.Errorf("panel %q: data source %v, want %s", p.Title, p.Datasource, dsVar)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			if tg.Datasource["uid"] != dsVar || strings.TrimSpace(tg.Expr) == "" || tg.RefID == "" {
				t.Errorf("panel %q: target %+v", p.Title, tg)
			}
		}
	}
}

var (
	stringLit   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	rangeSel    = regexp.MustCompile(`\[[^\]]*\]`)
	grafanaVar  = regexp.MustCompile(`\$\{[^}]*\}|\$[A-Za-z_]\w*`)
	selector    = regexp.MustCompile(`([A-Za-z_:][A-Za-z0-9_:]*)\s*\{([^}]*)\}`)
	matcher     = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)`)
	grouping    = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)`)
	identifier  = regexp.MustCompile(`[A-Za-z_:][A-Za-z0-9_:]*`)
	labelValues = regexp.MustCompile(`^label_values\(\s*([A-Za-z_:][A-Za-z0-9_:]*)\s*(?:\{[^}]*\})?\s*,\s*([A-Za-z_]\w*)\s*\)$`)
)

var promqlKeywords = map[string]bool{"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
	"and": true, "or": true, "unless": true, "bool": true, "offset": true, "inf": true, "nan": true, "atan2": true}

// parsedExpr is what an expression names: metrics, and the labels it
// matches on or groups by.
type parsedExpr struct {
	metrics  []string
	matchers map[string][]string // metric -> label names in its selector
	grouping []string
}

// parse reads the metric and label names of a PromQL expression well
// enough for a dashboard's queries: strings, ranges and Grafana variables
// are dropped, selectors give metric and label names, by/without/on give
// labels, and the identifiers left that are not function calls or keywords
// are metric names.
func parse(expr string) parsedExpr {
	var p parsedExpr
	p.matchers = map[string][]string{}
	s := grafanaVar.ReplaceAllString(expr, "")
	s = stringLit.ReplaceAllString(s, `""`)
	s = rangeSel.ReplaceAllString(s, "")
	for _, m := range selector.FindAllStringSubmatch(s, -1) {
		for _, l := range matcher.FindAllStringSubmatch(m[2], -1) {
			p.matchers[m[1]] = append(p.matchers[m[1]], l[1])
		}
	}
	s = regexp.MustCompile(`\{[^}]*\}`).ReplaceAllString(s, "")
	for _, g := range grouping.FindAllStringSubmatch(s, -1) {
		for _, l := range strings.Split(g[1], ",") {
			if l = strings.TrimSpace(l); l != "" {
				p.grouping = append(p.grouping, l)
			}
		}
	}
	s = grouping.ReplaceAllString(s, "")
	for _, loc := range identifier.FindAllStringIndex(s, -1) {
		id := s[loc[0]:loc[1]]
		rest := strings.TrimLeft(s[loc[1]:], " \t\n")
		if promqlKeywords[id] || strings.HasPrefix(rest, "(") {
			continue
		}
		if loc[0] > 0 && (s[loc[0]-1] >= '0' && s[loc[0]-1] <= '9' || s[loc[0]-1] == '.') {
			continue // the exponent or unit of a number
		}
		p.metrics = append(p.metrics, id)
	}
	for m := range p.matchers {
		if !slices.Contains(p.metrics, m) {
			p.metrics = append(p.metrics, m)
		}
	}
	return p
}

// balanced reports whether the brackets of expr outside strings pair up.
func balanced(expr string) bool {
	var stack []rune
	pairs := map[rune]rune{')': '(', ']': '[', '}': '{'}
	for _, c := range stringLit.ReplaceAllString(expr, `""`) {
		switch c {
		case '(', '[', '{':
			stack = append(stack, c)
		case ')', ']', '}':
			if len(stack) == 0 || stack[len(stack)-1] != pairs[c] {
				return false
			}
			stack = stack[:len(stack)-1]
		}
	}
	return len(stack) == 0
}

func TestParse(t *testing.T) {
	p := parse(`sum by (side, workspace) (rate(icmigrate_limiter_permits_total{side=~"$side"}[$__rate_interval])) / on (side, workspace) (max by (side, workspace) (icmigrate_limiter_window_limit) / 10) > 0.5e1`)
	slices.Sort(p.metrics)
	if want := []string{"icmigrate_limiter_permits_total", "icmigrate_limiter_window_limit"}; !slices.Equal(p.metrics, want) {
		t.Errorf("metrics %v, want %v", p.metrics, want)
	}
	if !slices.Equal(p.matchers["icmigrate_limiter_permits_total"], []string{"side"}) || len(p.grouping) != 6 {
		t.Errorf("matchers %v grouping %v", p.matchers, p.grouping)
	}
	if p := parse(`count(up{job="x"})`); !slices.Equal(p.metrics, []string{"up"}) {
		t.Errorf("up: %v", p.metrics)
	}
}

// TestDashboardMetricsExported: every metric a panel or a variable queries
// is one the code exports (internal/metrics' catalogue), with labels the
// metric has; and the panels the issue asks for are there.
func TestDashboardMetricsExported(t *testing.T) {
	d := load(t)
	used := map[string]bool{}
	checkExpr := func(where, expr string) {
		if !balanced(expr) {
			t.Errorf("%s: unbalanced brackets in %q", where, expr)
		}
		p := parse(expr)
		if len(p.metrics) == 0 {
			t.Errorf("%s: no metric in %q", where, expr)
		}
		labels := map[string]bool{"le": false}
		for _, m := range p.metrics {
			def, ok := metrics.Lookup(m)
			if !ok {
				t.Errorf("%s: %s is not exported by icmigrate (internal/metrics catalogue)", where, m)
				continue
			}
			used[def.Name] = true
			for _, l := range def.Labels {
				labels[l] = true
			}
			if strings.HasSuffix(m, "_bucket") {
				labels["le"] = true
			}
			for _, l := range p.matchers[m] {
				if !slices.Contains(def.Labels, l) && !(l == "le" && strings.HasSuffix(m, "_bucket")) {
					t.Errorf("%s: %s has no label %q (labels: %v)", where, m, l, def.Labels)
				}
			}
		}
		for _, l := range p.grouping {
			if !labels[l] {
				t.Errorf("%s: groups by %q, which none of %v has", where, l, p.metrics)
			}
		}
	}
	for _, p := range allPanels(d.Panels) {
		for _, tg := range p.Targets {
			checkExpr("panel "+p.Title, tg.Expr)
		}
	}
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		m := labelValues.FindStringSubmatch(v.Definition)
		if m == nil {
			t.Errorf("variable %s: %q is not label_values(metric, label)", v.Name, v.Definition)
			continue
		}
		def, ok := metrics.Lookup(m[1])
		if !ok || !slices.Contains(def.Labels, m[2]) {
			t.Errorf("variable %s: %s has no label %s", v.Name, m[1], m[2])
		}
		used[def.Name] = true
	}
	// What the issue asks the dashboard to show.
	for what, names := range map[string][]string{
		"progress per entity":   {metrics.MigrationDone.Name, metrics.MigrationRecords.Name},
		"throughput":            {metrics.RecordsTotal.Name},
		"ETA":                   {metrics.MigrationETA.Name},
		"API calls per side":    {metrics.APIRequests.Name},
		"429s per side":         {metrics.APIRateLimited.Name},
		"limiter saturation":    {metrics.LimiterPermits.Name, metrics.LimiterWindowLimit.Name},
		"dead-letter size":      {metrics.DeadLetter.Name},
		"queue depth":           {metrics.QueueTasks.Name, metrics.QueueLatency.Name},
		"workers up":            {metrics.QueueWorkers.Name, metrics.BuildInfo.Name},
		"units by outcome":      {metrics.TasksTotal.Name, metrics.TaskDuration.Name},
		"migration state":       {metrics.MigrationState.Name},
		"limiter waits, pauses": {metrics.LimiterWaits.Name, metrics.LimiterPauses.Name},
	} {
		for _, n := range names {
			if !used[n] {
				t.Errorf("no panel shows %s (%s)", what, n)
			}
		}
	}
}
