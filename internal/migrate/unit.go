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
	"slices"
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

// The phases of the foundation. Every entity file registers its phase
// (registerPhase) with a position in the dependency order below.
const (
	PhaseAdmins         = "admins"
	PhaseDataAttributes = "data_attributes"
	PhaseTags           = "tags"
	PhaseContacts       = "contacts"
	PhaseContactTags    = "contact_tags"
)

// Positions in the dependency order: what a phase refers to must come
// before it (teammates and attributes before records, companies before the
// contacts attached to them, contacts before their conversations...).
// Entities that come later take the free numbers between these.
const (
	orderAdmins         = 10
	orderDataAttributes = 20
	orderTags           = 30
	orderCompanies      = 40
	orderContacts       = 50
	orderContactTags    = 60
	orderConsent        = 65
	orderNotes          = 70
	orderEvents         = 75
	orderConversations  = 80
	orderTickets        = 85
	orderHelpCenter     = 90
	orderNews           = 95
	orderCustomObjects  = 98
)

// runner runs one unit of a phase; seal reports that the phase will get no
// more units from this one onwards.
type runner func(ctx context.Context, j *job) (seal bool, err error)

type phaseDef struct {
	order int
	name  string
	run   runner
}

var phaseDefs []phaseDef

// registerPhase adds a phase; entity files call it from init.
func registerPhase(order int, name string, run runner) {
	for _, d := range phaseDefs {
		if d.name == name || d.order == order {
			panic(fmt.Sprintf("migrate: phase %s (order %d) registered twice", name, order))
		}
	}
	phaseDefs = append(phaseDefs, phaseDef{order, name, run})
	slices.SortFunc(phaseDefs, func(a, b phaseDef) int { return a.order - b.order })
	Phases = Phases[:0]
	for _, d := range phaseDefs {
		Phases = append(Phases, d.name)
	}
}

func phaseRunner(name string) (runner, bool) {
	for _, d := range phaseDefs {
		if d.name == name {
			return d.run, true
		}
	}
	return nil, false
}

// Phases is the order a migration runs in (all registered phases).
var Phases []string

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
		asynq.TaskID(taskID), asynq.Queue(e.queueFor(ctx)), asynq.MaxRetry(MaxRetry), asynq.Timeout(unitTimeout))
	_, err := e.queue.EnqueueContext(ctx, t)
	if errors.Is(err, asynq.ErrTaskIDConflict) {
		return nil
	}
	return err
}
