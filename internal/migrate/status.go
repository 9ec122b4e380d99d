package migrate

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/icmigrate/icmigrate/internal/store"
)

// PhaseStatus is where one phase of the current run stands.
type PhaseStatus struct {
	Phase string `json:"phase"`
	// Total is the number of source records, once known.
	Total int64 `json:"total"`
	// Done is the number of records migrated (mapped), over every run.
	Done   int64 `json:"done"`
	Failed int64 `json:"failed"`
	// Units and UnitsDone count the phase's units of work in this run.
	Units     int64            `json:"units"`
	UnitsDone int64            `json:"units_done"`
	Complete  bool             `json:"complete"`
	Counters  map[string]int64 `json:"counters"`
	// InFlight is the units enqueued and not done (queued, running or
	// waiting for a retry); Waiting the source records not reached yet.
	InFlight int64 `json:"in_flight"`
	Waiting  int64 `json:"waiting"`
	// Rate is the records this run has handled per second since it
	// started; ETA the time the waiting ones will take at that rate.
	Rate float64       `json:"rate_per_second"`
	ETA  time.Duration `json:"eta_ns,omitempty"`
}

// handled are the counters of records a run has dealt with, one way or
// another.
var handled = []string{"created", "updated", "adopted", "skipped", "failed", "applied", "matched", "unmatched", "unchanged"}

// Status is a migration's state and progress.
type Status struct {
	Migration *store.Migration `json:"migration"`
	Phases    []PhaseStatus    `json:"phases"`
	Calls     map[string]int64 `json:"calls"`
	// UnitFailures counts units that ran out of retries in this run.
	UnitFailures int64 `json:"unit_failures"`
	// Run is what the current run moved and how long it took (a delta
	// pass's report).
	Run RunSummary `json:"run"`
}

// Failed is the number of records refused over every phase.
func (s *Status) Failed() int64 {
	var n int64
	for _, p := range s.Phases {
		n += p.Failed
	}
	return n
}

// Status reads a migration's progress from the store.
func (e *Engine) Status(ctx context.Context, id string) (*Status, error) {
	m, err := e.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	progress, err := e.store.Progress(ctx, m)
	if err != nil {
		return nil, err
	}
	st := &Status{Migration: m}
	for _, p := range progress {
		ps := PhaseStatus{Phase: p.Phase, Total: p.Stats["total"], Units: p.Units, UnitsDone: p.Done, Complete: p.Complete(), Counters: p.Stats}
		if m.CurrentDelta() != nil {
			// A delta's pages count the changed records they found (in
			// Counters["total"]), not the source's: no total to reach.
			ps.Total = 0
		}
		if p.Phase == PhaseContactTags {
			tags, err := e.store.MapAll(ctx, id, PhaseTags)
			if err != nil {
				return nil, err
			}
			ids := make([]string, 0, len(tags))
			for t := range tags {
				ids = append(ids, t)
			}
			if _, ps.Done, err = e.store.TagProgress(ctx, id, ids); err != nil {
				return nil, err
			}
		} else if ps.Done, err = e.store.MapLen(ctx, id, p.Phase); err != nil {
			return nil, err
		}
		if ps.Failed, err = e.store.FailureCount(ctx, id, p.Phase); err != nil {
			return nil, err
		}
		uf, err := e.store.FailureCount(ctx, id, unitEntity(p.Phase))
		if err != nil {
			return nil, err
		}
		st.UnitFailures += uf
		ps.InFlight = max(ps.Units-ps.UnitsDone, 0)
		ps.Waiting = max(ps.Total-ps.Done-ps.Failed, 0)
		if elapsed := e.opts.Now().Sub(m.StartedAt).Seconds(); elapsed > 0 && m.InRun(p.Phase) {
			var n int64
			for _, c := range handled {
				n += p.Stats[c]
			}
			ps.Rate = float64(n) / elapsed
			if ps.Rate > 0 && !ps.Complete {
				ps.ETA = time.Duration(float64(ps.Waiting) / ps.Rate * float64(time.Second))
			}
		}
		st.Phases = append(st.Phases, ps)
	}
	if st.Calls, err = e.store.Calls(ctx, id, m.Run); err != nil {
		return nil, err
	}
	st.Run = st.Summary(e.opts.Now())
	return st, nil
}

// Line is a one-line summary of a phase for terminals and logs.
func (p PhaseStatus) Line() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-15s ", p.Phase)
	switch {
	case p.Total > 0:
		fmt.Fprintf(&b, "%d/%d", p.Done, p.Total)
	default:
		fmt.Fprintf(&b, "%d", p.Done)
	}
	if p.Failed > 0 {
		fmt.Fprintf(&b, " failed %d", p.Failed)
	}
	switch {
	case p.Complete:
		b.WriteString(" done")
	case p.Units > 0:
		fmt.Fprintf(&b, " (units %d/%d", p.UnitsDone, p.Units)
		if p.Rate > 0 {
			fmt.Fprintf(&b, ", %.0f/s", p.Rate)
		}
		if p.ETA > 0 {
			fmt.Fprintf(&b, ", ETA %s", p.ETA.Round(time.Second))
		}
		b.WriteString(")")
	default:
		b.WriteString(" waiting")
	}
	return b.String()
}

// Wait polls a migration until its run ends, calling tick with each status.
// It returns early when the run is stalled: nothing left in the queue while
// units that ran out of retries keep a phase from completing.
func (e *Engine) Wait(ctx context.Context, id string, every time.Duration, tick func(*Status)) (*Status, error) {
	insp := asynq.NewInspectorFromRedisClient(e.opts.Redis)
	t := time.NewTicker(every)
	defer t.Stop()
	idle := 0
	for {
		st, err := e.Status(ctx, id)
		if err != nil {
			return nil, err
		}
		if tick != nil {
			tick(st)
		}
		if st.Migration.State != store.StateRunning {
			return st, nil
		}
		if st.UnitFailures > 0 {
			if qi, err := insp.GetQueueInfo(e.opts.Queue); err == nil && qi.Pending+qi.Active+qi.Scheduled+qi.Retry == 0 {
				// Twice in a row: a unit may be between two tasks.
				if idle++; idle >= 2 {
					return st, fmt.Errorf("migration %s is stalled: %d unit(s) ran out of retries and nothing is left in the queue", id, st.UnitFailures)
				}
			}
		} else {
			idle = 0
		}
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-t.C:
		}
	}
}

// unitEntity names the failures of a phase's units (as opposed to its
// records) in the store.
func unitEntity(phase string) string { return "unit:" + phase }

// Failures lists a migration's dead-letter entries: the records Intercom
// refused and the units that ran out of retries, phase by phase, or of one
// phase when phase is not "".
func (e *Engine) Failures(ctx context.Context, id, phase string) ([]store.Failure, error) {
	m, err := e.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	var out []store.Failure
	for _, p := range m.Phases {
		if phase != "" && p != phase {
			continue
		}
		for _, entity := range []string{p, unitEntity(p)} {
			fs, err := e.store.Failures(ctx, id, entity)
			if err != nil {
				return nil, err
			}
			out = append(out, fs...)
		}
	}
	return out, nil
}
