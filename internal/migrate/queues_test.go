package migrate

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
)

func TestParseQueues(t *testing.T) {
	for _, tc := range []struct {
		spec    string
		first   string
		queues  map[string]int
		wantErr string
	}{
		{spec: "icmigrate", first: "icmigrate", queues: map[string]int{"icmigrate": 0}},
		{spec: "big, small=4", first: "big", queues: map[string]int{"big": 0, "small": 4}},
		{spec: "b=2,a", first: "b", queues: map[string]int{"a": 0, "b": 2}},
		{spec: "", wantErr: "empty queue name"},
		{spec: "a,,b", wantErr: "empty queue name"},
		{spec: "=3", wantErr: "empty queue name"},
		{spec: "a=0", wantErr: "at least 1"},
		{spec: "a=many", wantErr: `"many"`},
		{spec: "a,a=2", wantErr: "listed twice"},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			first, queues, err := ParseQueues(tc.spec)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if first != tc.first || !maps.Equal(queues, tc.queues) {
				t.Fatalf("got %q %v, want %q %v", first, queues, tc.first, tc.queues)
			}
		})
	}
}

func TestServedQueues(t *testing.T) {
	for _, tc := range []struct {
		name   string
		queues map[string]int
		want   []queueSlots
	}{
		{"the engine's queue by default", nil, []queueSlots{{"def", 8}}},
		{"slots of their own, --concurrency by default", map[string]int{"small": 2, "big": 0}, []queueSlots{{"big", 8}, {"small", 2}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := servedQueues("def", tc.queues, 8); !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// TestQueueFor: outside a task (the scheduler) units go to the engine's
// queue; inside one, to the queue of that task (checked end to end by
// TestFairness, whose worker serves two queues).
func TestQueueFor(t *testing.T) {
	e := &Engine{opts: Options{Queue: "fleet"}}
	if got := e.queueFor(context.Background()); got != "fleet" {
		t.Fatalf("queueFor outside a task = %q, want the engine's queue", got)
	}
}
