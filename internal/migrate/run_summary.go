package migrate

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/icmigrate/icmigrate/internal/store"
)

// RunSummary is what a run moved and how long it took: the report of a
// delta pass (and of any run), from its counters.
type RunSummary struct {
	Run   int    `json:"run"`
	Kind  string `json:"kind"`
	State string `json:"state"`
	// Since is the time a delta moved the changes from.
	Since      time.Time     `json:"since,omitzero"`
	StartedAt  time.Time     `json:"started_at"`
	FinishedAt time.Time     `json:"finished_at,omitzero"`
	Duration   time.Duration `json:"duration_ns"`
	// Moved are the phases that wrote something, with the counts of what.
	Moved []PhaseMoved `json:"moved"`
	// Writes is the number of records written (the sum of Moved).
	Writes int64            `json:"writes"`
	Calls  map[string]int64 `json:"calls"`
}

// PhaseMoved is what one phase of a run wrote.
type PhaseMoved struct {
	Phase  string           `json:"phase"`
	Counts map[string]int64 `json:"counts"`
}

// movedCounters are the counters of records a run wrote to the
// destination (created, updated, parts appended, tags applied or removed,
// preferences applied...); the others count reads and decisions.
var movedCounters = map[string]bool{
	"created": true, "updated": true, "adopted": true, "recovered": true, "applied": true, "parts": true,
	"removed": true, "tags_removed": true, "detached": true,
	"opt_out_applied": true, "opt_in_applied": true, "failed": true,
}

// Summary summarises the current run of a status. A run still going
// counts its time up to now.
func (s *Status) Summary(now time.Time) RunSummary {
	m := s.Migration
	r := RunSummary{Run: m.Run, Kind: m.RunKind(), State: m.State, StartedAt: m.StartedAt, FinishedAt: m.FinishedAt, Calls: s.Calls}
	if d := m.CurrentDelta(); d != nil {
		r.Since = d.Since
	}
	end := m.FinishedAt
	if m.State == store.StateRunning || end.IsZero() {
		end = now
	}
	r.Duration = end.Sub(m.StartedAt)
	for _, p := range s.Phases {
		counts := map[string]int64{}
		for k, v := range p.Counters {
			if movedCounters[k] && v != 0 {
				counts[k] = v
				if k != "failed" {
					r.Writes += v
				}
			}
		}
		if len(counts) > 0 {
			r.Moved = append(r.Moved, PhaseMoved{Phase: p.Phase, Counts: counts})
		}
	}
	return r
}

// Print writes the summary for a terminal.
func (r RunSummary) Print(w io.Writer) {
	fmt.Fprintf(w, "%s run %d", r.Kind, r.Run)
	if !r.Since.IsZero() {
		fmt.Fprintf(w, " (changes since %s)", r.Since.UTC().Format(time.RFC3339))
	}
	fmt.Fprintf(w, ": %s in %s, %d record(s) written\n", r.State, r.Duration.Round(time.Millisecond), r.Writes)
	switch {
	case len(r.Moved) > 0:
	case !r.Since.IsZero():
		fmt.Fprintf(w, "  nothing moved: no change at the source since %s\n", r.Since.UTC().Format(time.RFC3339))
	default:
		fmt.Fprintln(w, "  nothing moved: the destination held every record already")
	}
	for _, p := range r.Moved {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(p.Counts)) {
			parts = append(parts, fmt.Sprintf("%s %d", k, p.Counts[k]))
		}
		fmt.Fprintf(w, "  %-20s %s\n", p.Phase, strings.Join(parts, ", "))
	}
	fmt.Fprintf(w, "  API calls: source %d reads; destination %d reads, %d writes\n",
		r.Calls["source_read"], r.Calls["dest_read"], r.Calls["dest_write"])
}
