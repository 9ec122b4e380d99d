// Package store keeps a migration's durable state in Redis: the migration
// record, the old-id to new-id maps, the units of work of each phase and
// their completion, counters, and the records Intercom refused.
//
// Everything a worker needs to resume after a crash lives here, so workers
// hold no state of their own. No token is ever stored: only fingerprints.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Store is a migration state store on one Redis.
type Store struct {
	rdb redis.UniversalClient
}

// New wraps a Redis client.
func New(rdb redis.UniversalClient) *Store { return &Store{rdb: rdb} }

// Redis is the underlying client.
func (s *Store) Redis() redis.UniversalClient { return s.rdb }

// Migration states.
const (
	StateRunning = "running"
	StateDone    = "done"
	StateFailed  = "failed"
)

// Endpoint is one side of a migration as recorded: where it is and which
// workspace and tokens it was checked against.
type Endpoint struct {
	Region  string `json:"region"`
	BaseURL string `json:"base_url,omitempty"`
	// AppID is Intercom's app id_code of the workspace.
	AppID string `json:"app_id"`
	// Tokens are fingerprints (secret.Fingerprint), never tokens.
	Tokens []string `json:"tokens"`
}

// Migration is the durable record of one migration.
type Migration struct {
	ID     string   `json:"id"`
	Source Endpoint `json:"source"`
	Dest   Endpoint `json:"dest"`
	Phases []string `json:"phases"`
	// Queue is the asynq queue the migration's units go to; workers must
	// serve it.
	Queue string `json:"queue,omitempty"`
	// RunPhases are the phases the current run executes, in order, when it
	// is not all of them (a requeue of some entities); empty means all.
	RunPhases  []string  `json:"run_phases,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	Run        int       `json:"run"`
	State      string    `json:"state"`
	Error      string    `json:"error,omitempty"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
	// Delta describes the current run when it is a delta pass (delta.go).
	Delta *DeltaRun `json:"delta,omitempty"`
	// Runs are the runs that completed, oldest first (the last
	// MaxRunHistory): a delta starts from the last complete one.
	Runs []RunRecord `json:"runs,omitempty"`
}

// RunOrder is the phases the current run executes, in order.
func (m *Migration) RunOrder() []string {
	if len(m.RunPhases) > 0 {
		return m.RunPhases
	}
	return m.Phases
}

// InRun reports whether the current run executes a phase.
func (m *Migration) InRun(phase string) bool {
	for _, p := range m.RunOrder() {
		if p == phase {
			return true
		}
	}
	return false
}

// ErrNotFound is a migration id with no record.
var ErrNotFound = errors.New("no such migration")

func migKey(id string) string { return "icm:mig:" + id }

// key builds a key under a migration: icm:mig:<id>:<parts...>.
func key(id string, parts ...string) string {
	k := migKey(id)
	for _, p := range parts {
		k += ":" + p
	}
	return k
}

func runKey(id string, run int, parts ...string) string {
	return key(id, append([]string{"r" + strconv.Itoa(run)}, parts...)...)
}

// Get reads a migration record.
func (s *Store) Get(ctx context.Context, id string) (*Migration, error) {
	raw, err := s.rdb.Get(ctx, migKey(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("migration %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	var m Migration
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("migration %q: corrupt record: %v", id, err)
	}
	return &m, nil
}

// Put writes a migration record whole.
func (s *Store) Put(ctx context.Context, m *Migration) error {
	raw, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return s.rdb.Set(ctx, migKey(m.ID), raw, 0).Err()
}

// Update applies fn to the record under optimistic locking (WATCH), so that
// a worker marking the migration failed and the scheduler starting a new run
// never overwrite each other.
func (s *Store) Update(ctx context.Context, id string, fn func(*Migration) error) (*Migration, error) {
	var out *Migration
	txf := func(tx *redis.Tx) error {
		raw, err := tx.Get(ctx, migKey(id)).Bytes()
		if errors.Is(err, redis.Nil) {
			return fmt.Errorf("migration %q: %w", id, ErrNotFound)
		}
		if err != nil {
			return err
		}
		var m Migration
		if err := json.Unmarshal(raw, &m); err != nil {
			return fmt.Errorf("migration %q: corrupt record: %v", id, err)
		}
		if err := fn(&m); err != nil {
			return err
		}
		buf, err := json.Marshal(&m)
		if err != nil {
			return err
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, migKey(id), buf, 0)
			return nil
		})
		out = &m
		return err
	}
	for range 50 {
		err := s.rdb.Watch(ctx, txf, migKey(id))
		if errors.Is(err, redis.TxFailedErr) {
			continue
		}
		return out, err
	}
	return nil, fmt.Errorf("migration %q: too much contention updating the record", id)
}

// Fail marks a migration failed with a reason, once: the first reason wins,
// so that the operator sees the cause rather than its consequences.
func (s *Store) Fail(ctx context.Context, id, reason string) error {
	_, err := s.Update(ctx, id, func(m *Migration) error {
		if m.State == StateRunning {
			m.State = StateFailed
			m.Error = reason
			m.FinishedAt = time.Now().UTC()
		}
		return nil
	})
	return err
}

// ---- id maps ----

// MapGet returns the destination ids of source ids of an entity ("" where
// unmapped), in one round trip.
func (s *Store) MapGet(ctx context.Context, id, entity string, srcIDs []string) ([]string, error) {
	return s.hashGet(ctx, key(id, "map", entity), srcIDs)
}

// hashGet reads fields of a hash in one round trip ("" where absent).
func (s *Store) hashGet(ctx context.Context, k string, fields []string) ([]string, error) {
	if len(fields) == 0 {
		return nil, nil
	}
	vals, err := s.rdb.HMGet(ctx, k, fields...).Result()
	if err != nil {
		return nil, err
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		if str, ok := v.(string); ok {
			out[i] = str
		}
	}
	return out, nil
}

// MapAll returns a whole (small) map: admins, tags, data attributes.
func (s *Store) MapAll(ctx context.Context, id, entity string) (map[string]string, error) {
	return s.rdb.HGetAll(ctx, key(id, "map", entity)).Result()
}

// MapLen is the number of mapped records of an entity.
func (s *Store) MapLen(ctx context.Context, id, entity string) (int64, error) {
	return s.rdb.HLen(ctx, key(id, "map", entity)).Result()
}

// MapSet records source id -> destination id pairs.
func (s *Store) MapSet(ctx context.Context, id, entity string, pairs map[string]string) error {
	if len(pairs) == 0 {
		return nil
	}
	return s.rdb.HSet(ctx, key(id, "map", entity), pairs).Err()
}

// Mapped is one migrated record: its ids and, for contacts, the source tag
// ids it carries (recorded for the bulk tagging phase).
type Mapped struct {
	SrcID, DstID string
	SrcTagIDs    []string
	// Sig, when set, is a digest of what was written (see Sigs): a delta
	// pass writes a record again only when its digest changed.
	Sig string
}

// MapRecord records a migrated record and its tag memberships atomically
// (MULTI), so that a crash never leaves a mapped contact without its tags,
// and clears an earlier failure of the record and its intent (Intents).
// The tag memberships go to the contacts' sets (TagMembers).
func (s *Store) MapRecord(ctx context.Context, id, entity string, rec Mapped) error {
	return s.MapRecordTagged(ctx, id, entity, "tagged", rec)
}

// Claimed reports which destination ids are the copy of some source record
// already (the reverse id map).
func (s *Store) Claimed(ctx context.Context, id, entity string, dstIDs []string) ([]bool, error) {
	if len(dstIDs) == 0 {
		return nil, nil
	}
	vals, err := s.rdb.HMGet(ctx, key(id, "rmap", entity), dstIDs...).Result()
	if err != nil {
		return nil, err
	}
	out := make([]bool, len(vals))
	for i, v := range vals {
		out[i] = v != nil
	}
	return out, nil
}

// Intents records, before records without a natural key are created, when
// each creation was first attempted, and returns the earlier attempts' times
// (Unix ms; 0 where there was none). A record with an earlier attempt may
// exist in the destination already, unmapped (the worker died between the
// creation and the id map): the caller looks for it before creating again.
func (s *Store) Intents(ctx context.Context, id, entity string, srcIDs []string, now int64) ([]int64, error) {
	if len(srcIDs) == 0 {
		return nil, nil
	}
	k := key(id, "intent", entity)
	pipe := s.rdb.TxPipeline()
	get := pipe.HMGet(ctx, k, srcIDs...)
	for _, src := range srcIDs {
		pipe.HSetNX(ctx, k, src, now)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, err
	}
	out := make([]int64, len(srcIDs))
	for i, v := range get.Val() {
		if str, ok := v.(string); ok {
			out[i], _ = strconv.ParseInt(str, 10, 64)
		}
	}
	return out, nil
}

// TagMembers streams the destination contact ids to be given a source tag,
// batch ids at a time, leaving out those already tagged.
func (s *Store) TagMembers(ctx context.Context, id, srcTagID string, batch int, fn func(dstIDs []string) error) error {
	return s.scanPending(ctx, key(id, "tagged", srcTagID), batch, func(members []string) ([]bool, error) {
		done, err := s.rdb.SMIsMember(ctx, key(id, "tagdone", srcTagID), toAny(members)...).Result()
		if err != nil {
			return nil, err
		}
		for i := range done {
			done[i] = !done[i]
		}
		return done, nil
	}, fn)
}

// TagDone records destination contacts that carry a source tag now.
func (s *Store) TagDone(ctx context.Context, id, srcTagID string, dstIDs []string) error {
	return s.rdb.SAdd(ctx, key(id, "tagdone", srcTagID), toAny(dstIDs)...).Err()
}

// TagProgress sums, over source tags, how many destination contacts should
// carry them and how many do, in one pipeline.
func (s *Store) TagProgress(ctx context.Context, id string, srcTagIDs []string) (tagged, done int64, err error) {
	pipe := s.rdb.Pipeline()
	var cmds []*redis.IntCmd
	for _, t := range srcTagIDs {
		cmds = append(cmds, pipe.SCard(ctx, key(id, "tagged", t)), pipe.SCard(ctx, key(id, "tagdone", t)))
	}
	if len(cmds) == 0 {
		return 0, 0, nil
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, 0, err
	}
	for i := 0; i < len(cmds); i += 2 {
		tagged += cmds[i].Val()
		done += cmds[i+1].Val()
	}
	return tagged, done, nil
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// ---- sets of notes (unmatched admins and the like) ----

// Note adds members to a named set of a migration, for the report.
func (s *Store) Note(ctx context.Context, id, name string, members ...string) error {
	if len(members) == 0 {
		return nil
	}
	return s.rdb.SAdd(ctx, key(id, "note", name), toAny(members)...).Err()
}

// Notes lists a named set.
func (s *Store) Notes(ctx context.Context, id, name string) ([]string, error) {
	return s.rdb.SMembers(ctx, key(id, "note", name)).Result()
}
