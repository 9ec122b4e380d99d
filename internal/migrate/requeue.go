package migrate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/icmigrate/icmigrate/internal/store"
)

// dependents are the phases that must run again when a phase does: tags
// applied to contacts depend on both.
var dependents = map[string][]string{
	PhaseTags:     {PhaseContactTags},
	PhaseContacts: {PhaseContactTags},
}

// RequeueResult says what a requeue started.
type RequeueResult struct {
	Migration *store.Migration
	// Failed is the number of recorded failures the new run will retry.
	Failed int64
	// ArchivedDeleted is the number of dead asynq tasks of the migration
	// that were removed (the new run replaces them).
	ArchivedDeleted int
}

// Requeue runs the records that failed again, after the operator fixed the
// data or the destination: a new run of the named entities (all when none
// is named) and of what depends on them. The run reads the source again and
// writes only what the id maps lack, so records that migrated are not
// touched and failed ones are tried again; a failure leaves the list when
// its record migrates. Dead (archived) units of the migration are dropped.
func (e *Engine) Requeue(ctx context.Context, id string, entities []string) (*RequeueResult, error) {
	for _, ent := range entities {
		if !slices.Contains(Phases, ent) {
			return nil, fmt.Errorf("unknown entity %q (want one of %s)", ent, strings.Join(Phases, ", "))
		}
	}
	st, err := e.Status(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := e.checkQueue(st.Migration); err != nil {
		return nil, err
	}
	if st.Migration.State == store.StateRunning && st.UnitFailures == 0 {
		return nil, fmt.Errorf("migration %s is running (run %d): requeue once it has ended or stalled", id, st.Migration.Run)
	}
	want := map[string]bool{}
	for _, ent := range entities {
		want[ent] = true
		for _, d := range dependents[ent] {
			want[d] = true
		}
	}
	var order []string
	for _, p := range st.Migration.Phases {
		if len(entities) == 0 || want[p] {
			order = append(order, p)
		}
	}
	res := &RequeueResult{}
	for _, p := range st.Phases {
		if slices.Contains(order, p.Phase) {
			res.Failed += p.Failed
		}
	}
	if res.ArchivedDeleted, err = e.dropArchived(ctx, id); err != nil {
		return nil, err
	}
	for _, p := range Phases {
		if err := e.store.DropFailures(ctx, id, unitEntity(p)); err != nil {
			return nil, err
		}
	}
	m, err := e.store.Update(ctx, id, func(m *store.Migration) error {
		m.Run++
		m.RunPhases = order
		m.State, m.Error = store.StateRunning, ""
		m.StartedAt, m.FinishedAt = e.opts.Now().UTC(), time.Time{}
		return nil
	})
	if err != nil {
		return nil, err
	}
	res.Migration = m
	return res, e.resume(ctx, m)
}

// dropArchived deletes the migration's dead tasks from asynq's archive.
func (e *Engine) dropArchived(ctx context.Context, id string) (int, error) {
	insp := asynq.NewInspectorFromRedisClient(e.opts.Redis)
	prefix := "icm:" + id + ":"
	n := 0
	for page := 1; ; page++ {
		tasks, err := insp.ListArchivedTasks(e.opts.Queue, asynq.PageSize(500), asynq.Page(page))
		if errors.Is(err, asynq.ErrQueueNotFound) {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("listing archived tasks: %w", err)
		}
		var mine []string
		for _, t := range tasks {
			if strings.HasPrefix(t.ID, prefix) {
				mine = append(mine, t.ID)
			}
		}
		for _, tid := range mine {
			if err := insp.DeleteTask(e.opts.Queue, tid); err != nil && !errors.Is(err, asynq.ErrTaskNotFound) {
				return n, err
			}
			n++
		}
		if len(tasks) < 500 {
			return n, nil
		}
		if len(mine) > 0 {
			page-- // deleting shifted the pages
		}
	}
}
