package metricstest

import (
	"slices"
	"strings"
	"testing"
)

const exposition = `# TYPE icmigrate_tasks_total counter
icmigrate_tasks_total{entity="contacts",migration="m1",outcome="success"} 3
icmigrate_tasks_total{entity="contacts",migration="m1",outcome="retry"} 1
icmigrate_tasks_total{entity="tags",migration="m1",outcome="success"} 2
# TYPE icmigrate_worker_concurrency gauge
icmigrate_worker_concurrency 8
# TYPE icmigrate_task_duration_seconds histogram
icmigrate_task_duration_seconds_bucket{entity="tags",le="1"} 4
icmigrate_task_duration_seconds_bucket{entity="tags",le="+Inf"} 5
icmigrate_task_duration_seconds_sum{entity="tags"} 2.5
icmigrate_task_duration_seconds_count{entity="tags"} 5
`

func TestScrape(t *testing.T) {
	s, err := Parse(strings.NewReader(exposition))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		want map[string]string
		sum  float64
		n    int
	}{
		{"icmigrate_tasks_total", nil, 6, 3},
		{"icmigrate_tasks_total", map[string]string{"entity": "contacts"}, 4, 2},
		{"icmigrate_tasks_total", map[string]string{"entity": "contacts", "outcome": "success"}, 3, 1},
		{"icmigrate_tasks_total", map[string]string{"outcome": "dead"}, 0, 0},
		{"icmigrate_worker_concurrency", nil, 8, 1},
		{"icmigrate_task_duration_seconds", map[string]string{"entity": "tags"}, 5, 1}, // the count
		{"icmigrate_nope", nil, 0, 0},
	} {
		if got := s.Sum(c.name, c.want); got != c.sum {
			t.Errorf("Sum(%s, %v) = %v, want %v", c.name, c.want, got, c.sum)
		}
		if got := len(s.Values(c.name, c.want)); got != c.n {
			t.Errorf("Values(%s, %v): %d samples, want %d", c.name, c.want, got, c.n)
		}
	}
	got := s.LabelValues("icmigrate_tasks_total", "outcome")
	slices.Sort(got)
	if want := []string{"retry", "success", "success"}; !slices.Equal(got, want) {
		t.Errorf("LabelValues = %v, want %v", got, want)
	}
	if _, err := Parse(strings.NewReader("not { metrics")); err == nil {
		t.Error("garbage parsed")
	}
	if _, err := Get("127.0.0.1:1"); err == nil {
		t.Error("Get of a closed port: no error")
	}
}
