package migrate

import (
	"strings"
	"testing"
	"time"
)

func TestRunSummaryPrint(t *testing.T) {
	since := time.Date(2026, 11, 29, 2, 14, 19, 0, time.UTC)
	calls := map[string]int64{"source_read": 9, "dest_read": 5, "dest_write": 1}
	tests := []struct {
		name string
		sum  RunSummary
		want []string
	}{
		{"delta that moved", RunSummary{Run: 2, Kind: "delta", State: "done", Since: since, Duration: 1240 * time.Millisecond, Writes: 1,
			Moved: []PhaseMoved{{Phase: "contacts", Counts: map[string]int64{"updated": 1}}}, Calls: calls},
			[]string{"delta run 2 (changes since 2026-11-29T02:14:19Z): done in 1.24s, 1 record(s) written", "contacts", "updated 1",
				"API calls: source 9 reads; destination 5 reads, 1 writes"}},
		{"delta without change", RunSummary{Run: 3, Kind: "delta", State: "done", Since: since, Calls: calls},
			[]string{"nothing moved: no change at the source since 2026-11-29T02:14:19Z"}},
		{"rerun without change", RunSummary{Run: 2, Kind: "bulk", State: "done", Calls: calls},
			[]string{"bulk run 2: done", "nothing moved: the destination held every record already"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			tt.sum.Print(&b)
			for _, w := range tt.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, b.String())
				}
			}
		})
	}
}
