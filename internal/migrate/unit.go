// Package migrate is icmigrate's engine: it plans a migration into phases of
// units of work, enqueues them as asynq tasks, and runs them in workers.
//
// A phase (admins, data attributes, tags, contacts, contact tags) starts when
// the one before it is complete. Its first unit is enqueued by whoever starts
// the phase; units enqueue their successors (the next page of contacts, a unit
// per tag) before they finish; the store says when a phase is complete (see
// store/units.go). Every unit is idempotent: the id maps in the store say what
// exists already, so a retried, re-delivered or re-run unit creates nothing
// twice.
package migrate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/hibiken/asynq"
)

// TaskType is the asynq type of every unit of work.
const TaskType = "icmigrate:unit"

// DefaultQueue is the asynq queue the units go to unless Options.Queue
// says otherwise.
const DefaultQueue = "icmigrate"

// MaxRetry is how often a failing unit is retried before asynq archives it.
// Rate-limit waits do not count (see Config.IsFailure in worker.go).
const MaxRetry = 12

// unitTimeout bounds one unit: a page of 150 contacts with rate-limit waits.
const unitTimeout = 30 * time.Minute

// The phases, in dependency order.
const (
	PhaseAdmins         = "admins"
	PhaseDataAttributes = "data_attributes"
	PhaseTags           = "tags"
	PhaseContacts       = "contacts"
	PhaseContactTags    = "contact_tags"
)

// Phases is the order a migration runs in: admins and attributes and tags
// must exist before contacts refer to them; tags are applied in bulk once
// every contact exists.
var Phases = []string{PhaseAdmins, PhaseDataAttributes, PhaseTags, PhaseContacts, PhaseContactTags}

// Unit is the payload of a task: which piece of which phase of which run.
// It never holds a token or a record's data, only ids and cursors.
type Unit struct {
	Migration string `json:"m"`
	Run       int    `json:"r"`
	Phase     string `json:"p"`
	ID        string `json:"u"`
	// Cursor is the source page to read, for paged phases.
	Cursor string `json:"c,omitempty"`
	// Page numbers pages from 0, for unit ids and progress.
	Page int `json:"n,omitempty"`
	// Key names the record a unit is about (a source tag id).
	Key string `json:"k,omitempty"`
}

func rootUnit(migration string, run int, phase string) Unit {
	return Unit{Migration: migration, Run: run, Phase: phase, ID: "root"}
}

func pageUnit(parent Unit, cursor string) Unit {
	n := parent.Page + 1
	return Unit{Migration: parent.Migration, Run: parent.Run, Phase: parent.Phase, ID: "page:" + strconv.Itoa(n), Cursor: cursor, Page: n}
}

// TaskID is deterministic, so that enqueuing a unit twice enqueues it once.
func (u Unit) TaskID() string {
	return fmt.Sprintf("icm:%s:r%d:%s:%s", u.Migration, u.Run, u.Phase, u.ID)
}

func (u Unit) payload() []byte {
	b, _ := json.Marshal(u)
	return b
}

func parseUnit(b []byte) (Unit, error) {
	var u Unit
	if err := json.Unmarshal(b, &u); err != nil {
		return u, fmt.Errorf("bad unit payload: %v", err)
	}
	if u.Migration == "" || u.Phase == "" || u.ID == "" || u.Run < 1 {
		return u, errors.New("bad unit payload: missing migration, run, phase or unit id")
	}
	return u, nil
}

// enqueue records a unit and sends its task, unless it is done already or
// queued already.
func (e *Engine) enqueue(ctx context.Context, u Unit) error {
	payload := u.payload()
	ok, err := e.store.Spawn(ctx, u.Migration, u.Run, u.Phase, u.ID, payload)
	if err != nil || !ok {
		return err
	}
	return e.send(ctx, u.TaskID(), payload)
}

func (e *Engine) send(ctx context.Context, taskID string, payload []byte) error {
	t := asynq.NewTask(TaskType, payload,
		asynq.TaskID(taskID), asynq.Queue(e.opts.Queue), asynq.MaxRetry(MaxRetry), asynq.Timeout(unitTimeout))
	_, err := e.queue.EnqueueContext(ctx, t)
	if errors.Is(err, asynq.ErrTaskIDConflict) {
		return nil
	}
	return err
}
