package metrics

import (
	"context"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	"github.com/redis/go-redis/v9"

	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/internal/store"
)

// TestCatalogNames: Prometheus's conventions, and no label that could
// carry a record id, an email or a name.
func TestCatalogNames(t *testing.T) {
	seen := map[string]bool{}
	forbidden := []string{"id", "record", "record_id", "source_id", "dest_id", "email", "name", "user", "contact", "token", "path", "url"}
	for _, d := range Catalog() {
		if seen[d.Name] {
			t.Errorf("%s declared twice", d.Name)
		}
		seen[d.Name] = true
		if !strings.HasPrefix(d.Name, "icmigrate_") {
			t.Errorf("%s: want the icmigrate_ prefix", d.Name)
		}
		if (d.Kind == Counter) != strings.HasSuffix(d.Name, "_total") {
			t.Errorf("%s (%s): counters, and only they, end in _total", d.Name, d.Kind)
		}
		if d.Kind == Histogram && !strings.HasSuffix(d.Name, "_seconds") {
			t.Errorf("%s: histograms here are durations, in seconds", d.Name)
		}
		if d.Help == "" || d.Scope == "" {
			t.Errorf("%s: no help or scope", d.Name)
		}
		for _, l := range d.Labels {
			if slices.Contains(forbidden, l) {
				t.Errorf("%s: label %q may carry unbounded or personal values", d.Name, l)
			}
		}
	}
}

var fqName = regexp.MustCompile(`fqName: "([^"]+)".*variableLabels: \{([^}]*)\}`)

// fullRegistry is a registry with everything plugged in.
func fullRegistry(t *testing.T) *Registry {
	t.Helper()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	r := New("test")
	r.SetLimiterSource(func() []LimiterStats {
		return []LimiterStats{{Side: "source", Workspace: "us:abc", Permits: 10, WindowLimit: 1666}}
	})
	r.WatchCluster(ClusterOptions{Redis: rdb, Status: func(ctx context.Context, id string) (*migrate.Status, error) {
		return nil, store.ErrNotFound
	}})
	return r
}

// TestRegistryMatchesCatalog: what the registry can export is exactly the
// catalogue (which the dashboard test and the README's table read), with
// the catalogue's labels.
func TestRegistryMatchesCatalog(t *testing.T) {
	r := fullRegistry(t)
	ch := make(chan *prometheus.Desc, 1000)
	r.prom.Describe(ch)
	close(ch)
	described := map[string]string{}
	for d := range ch {
		m := fqName.FindStringSubmatch(d.String())
		if m == nil {
			t.Fatalf("cannot read %s", d)
		}
		if strings.HasPrefix(m[1], "go_") || strings.HasPrefix(m[1], "process_") {
			continue
		}
		described[m[1]] = m[2]
	}
	for _, d := range Catalog() {
		labels, ok := described[d.Name]
		if !ok {
			t.Errorf("%s is in the catalogue but not registered", d.Name)
			continue
		}
		if want := strings.Join(d.Labels, ","); strings.ReplaceAll(labels, " ", "") != want {
			t.Errorf("%s: registered with labels {%s}, catalogue says {%s}", d.Name, labels, want)
		}
		delete(described, d.Name)
	}
	for name := range described {
		t.Errorf("%s is registered but not in the catalogue", name)
	}
}

// TestLint runs Prometheus's own linter on a scrape with a sample of every
// kind.
func TestLint(t *testing.T) {
	r := fullRegistry(t)
	r.UnitStarted("m", "contacts")
	r.UnitDone("m", "contacts", migrate.OutcomeSuccess, time.Second)
	r.Records("m", "contacts", map[string]int64{"created": 3})
	c := &http.Client{Transport: r.APITransport(roundTripFunc(func(req *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Body: http.NoBody, Request: req}, nil
	}), "source", "us")}
	if _, err := c.Get("http://x/contacts"); err != nil {
		t.Fatal(err)
	}
	mfs, err := r.prom.Gather()
	if err != nil {
		t.Fatal(err)
	}
	problems, err := promlint.NewWithMetricFamilies(mfs).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if strings.HasPrefix(p.Metric, "icmigrate_") {
			t.Errorf("promlint: %s: %s", p.Metric, p.Text)
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestMarkdownTable(t *testing.T) {
	table := MarkdownTable()
	for _, d := range Catalog() {
		if !strings.Contains(table, "`"+d.Name+"`") {
			t.Errorf("%s missing from the table", d.Name)
		}
	}
	if testing.Verbose() {
		t.Log("\n" + table)
	}
	// ICMIGRATE_METRICS_TABLE=path writes the table there, for the README.
	if path := os.Getenv("ICMIGRATE_METRICS_TABLE"); path != "" {
		if err := os.WriteFile(path, []byte(table), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestREADMEMetricsTable: the README's table of metrics (Operations) is
// the catalogue's, so that it follows the code. Until the README has one,
// there is nothing to compare.
func TestREADMEMetricsTable(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	header, _, _ := strings.Cut(MarkdownTable(), "\n")
	_, after, found := strings.Cut(string(raw), header+"\n")
	if !found {
		t.Skip("README.md has no metrics table (ICMIGRATE_METRICS_TABLE=path go test -run TestMarkdownTable ./internal/metrics/ writes one)")
	}
	var lines []string
	for _, l := range strings.Split(after, "\n") {
		if !strings.HasPrefix(l, "|") {
			break
		}
		lines = append(lines, l)
	}
	got := header + "\n" + strings.Join(lines, "\n") + "\n"
	if want := MarkdownTable(); got != want {
		t.Errorf("README.md's metrics table is not the catalogue's; replace it with:\n%s", want)
	}
}

func TestLookup(t *testing.T) {
	for name, ok := range map[string]bool{
		"icmigrate_tasks_total": true, "icmigrate_task_duration_seconds_bucket": true, "icmigrate_task_duration_seconds_count": true,
		"icmigrate_tasks_total_bucket": false, "icmigrate_nope": false, "up": false,
	} {
		if _, got := Lookup(name); got != ok {
			t.Errorf("Lookup(%s) = %v", name, got)
		}
	}
}
