package store

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// State of delta passes: the history of completed runs (a delta moves what
// changed since the start of the last complete one), the delta settings of
// the current run, digests of what was written per record, and the
// bookkeeping of memberships (tags) a delta removes.

// MaxRunHistory bounds Migration.Runs.
const MaxRunHistory = 50

// Kinds of run.
const (
	RunBulk    = "bulk"    // every phase, every record
	RunDelta   = "delta"   // every phase, what changed since a time
	RunRequeue = "requeue" // some phases, to retry what failed
)

// RunRecord is one completed run.
type RunRecord struct {
	Run        int       `json:"run"`
	Kind       string    `json:"kind"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	// Since is the time a delta run moved the changes from.
	Since time.Time `json:"since,omitzero"`
}

// Duration is how long the run took.
func (r RunRecord) Duration() time.Duration { return r.FinishedAt.Sub(r.StartedAt) }

// DeltaRun marks a run as a delta pass.
type DeltaRun struct {
	// Run is the run it applies to: a later run (a requeue) is no delta.
	Run int `json:"run"`
	// Since is the time changes are moved from: the start of the Base run,
	// minus a margin for clocks that disagree (migrate.DeltaMargin).
	Since time.Time `json:"since"`
	// Base is the completed run the delta follows.
	Base int `json:"base"`
	// Sweep walks every source contact instead of searching the changed
	// ones, to find changes Intercom does not reflect in updated_at.
	Sweep bool `json:"sweep,omitempty"`
}

// CurrentDelta returns the delta settings of the current run, or nil when
// it is no delta pass.
func (m *Migration) CurrentDelta() *DeltaRun {
	if m.Delta != nil && m.Delta.Run == m.Run {
		return m.Delta
	}
	return nil
}

// RunKind names the current run's kind.
func (m *Migration) RunKind() string {
	switch {
	case m.CurrentDelta() != nil:
		return RunDelta
	case len(m.RunPhases) > 0:
		return RunRequeue
	}
	return RunBulk
}

// RecordRun adds the current run, ending at finished, to the history.
func (m *Migration) RecordRun(finished time.Time) {
	r := RunRecord{Run: m.Run, Kind: m.RunKind(), StartedAt: m.StartedAt, FinishedAt: finished}
	if d := m.CurrentDelta(); d != nil {
		r.Since = d.Since
	}
	if n := len(m.Runs); n > 0 && m.Runs[n-1].Run == m.Run {
		m.Runs[n-1] = r // ended again (a unit re-run after the end)
	} else {
		m.Runs = append(m.Runs, r)
	}
	if len(m.Runs) > MaxRunHistory {
		m.Runs = append([]RunRecord(nil), m.Runs[len(m.Runs)-MaxRunHistory:]...)
	}
}

// LastComplete returns the last completed run that covered every phase and
// every record (a bulk run or a delta), the one a delta starts from. A
// requeue does not count: it retried some records only. Records written
// before runs were kept count the current run when it is done and whole.
func (m *Migration) LastComplete() (RunRecord, bool) {
	for i := len(m.Runs) - 1; i >= 0; i-- {
		if r := m.Runs[i]; r.Kind == RunBulk || r.Kind == RunDelta {
			return r, true
		}
	}
	if len(m.Runs) == 0 && m.State == StateDone && len(m.RunPhases) == 0 {
		return RunRecord{Run: m.Run, Kind: RunBulk, StartedAt: m.StartedAt, FinishedAt: m.FinishedAt}, true
	}
	return RunRecord{}, false
}

// ---- digests of written records ----

// Sigs returns the recorded digests of source records ("" where none).
func (s *Store) Sigs(ctx context.Context, id, entity string, srcIDs []string) ([]string, error) {
	return s.hashGet(ctx, key(id, "sig", entity), srcIDs)
}

// SetSig records the digest of what was written for a source record.
func (s *Store) SetSig(ctx context.Context, id, entity, srcID, sig string) error {
	return s.rdb.HSet(ctx, key(id, "sig", entity), srcID, sig).Err()
}

// ---- memberships (tags) ----

// Memberships says, for each member, which of the sets <sets>:<setKey> it
// is recorded in, in one pipeline: member -> set keys.
func (s *Store) Memberships(ctx context.Context, id, sets string, setKeys, members []string) (map[string][]string, error) {
	out := map[string][]string{}
	if len(setKeys) == 0 || len(members) == 0 {
		return out, nil
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.BoolSliceCmd, len(setKeys))
	for i, k := range setKeys {
		cmds[i] = pipe.SMIsMember(ctx, key(id, sets, k), toAny(members)...)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, err
	}
	for i, k := range setKeys {
		for j, in := range cmds[i].Val() {
			if in {
				out[members[j]] = append(out[members[j]], k)
			}
		}
	}
	return out, nil
}

// TagAdded records that a destination contact is to carry a source tag
// (the contact tags phase applies it).
func (s *Store) TagAdded(ctx context.Context, id, srcTagID, dstID string) error {
	return s.rdb.SAdd(ctx, key(id, "tagged", srcTagID), dstID).Err()
}

// TagRemoved forgets that a destination contact carries a source tag, once
// the tag was removed from it.
func (s *Store) TagRemoved(ctx context.Context, id, srcTagID, dstID string) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.SRem(ctx, key(id, "tagged", srcTagID), dstID)
		p.SRem(ctx, key(id, "tagdone", srcTagID), dstID)
		return nil
	})
	return err
}

// MemberAdded records a member of the set <sets>:<setKey> (a company to
// tag); the phase that applies the set's members does the rest.
func (s *Store) MemberAdded(ctx context.Context, id, sets, setKey, member string) error {
	return s.rdb.SAdd(ctx, key(id, sets, setKey), member).Err()
}

// MemberRemoved drops a member of the set <sets>:<setKey> and its done
// mark in the map doneEntity (see PendingMembers).
func (s *Store) MemberRemoved(ctx context.Context, id, sets, setKey, member, doneEntity string) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.SRem(ctx, key(id, sets, setKey), member)
		p.HDel(ctx, key(id, "map", doneEntity), MemberField(setKey, member))
		return nil
	})
	return err
}

// MapDel removes fields of an id map (attachments undone by a delta).
func (s *Store) MapDel(ctx context.Context, id, entity string, fields ...string) error {
	if len(fields) == 0 {
		return nil
	}
	return s.rdb.HDel(ctx, key(id, "map", entity), fields...).Err()
}
