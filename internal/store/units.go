package store

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// A phase of a run is a set of units of work (a page of contacts, a tag to
// apply, ...). A unit is recorded before its task is enqueued and marked done
// after its work; a phase is complete once it is sealed (no unit will add
// more) and every recorded unit is done. Units spawn their successors before
// they finish, so a phase can never look complete too early, and a unit that
// crashes is re-run by asynq and re-spawns what it spawned (see Spawn).

// spawnScript records a unit unless it is done already: KEYS units, done;
// ARGV unit, payload. Returns 1 when the unit should be enqueued.
var spawnScript = redis.NewScript(`
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1`)

// finishScript marks a unit done (and the phase sealed when asked) and says
// whether the phase is complete: KEYS units, done, sealed; ARGV unit, seal.
var finishScript = redis.NewScript(`
if ARGV[2] == '1' then redis.call('SET', KEYS[3], '1') end
redis.call('SADD', KEYS[2], ARGV[1])
if redis.call('EXISTS', KEYS[3]) == 1 and redis.call('SCARD', KEYS[2]) >= redis.call('HLEN', KEYS[1]) then return 1 end
return 0`)

func phaseKeys(id string, run int, phase string) []string {
	return []string{runKey(id, run, "ph", phase, "units"), runKey(id, run, "ph", phase, "done"), runKey(id, run, "ph", phase, "sealed")}
}

// Spawn records a unit and reports whether to enqueue it (false when it is
// done already: a re-run parent must not make a finished child run again).
func (s *Store) Spawn(ctx context.Context, id string, run int, phase, unit string, payload []byte) (bool, error) {
	k := phaseKeys(id, run, phase)
	n, err := spawnScript.Run(ctx, s.rdb, k[:2], unit, payload).Int()
	return n == 1, err
}

// Finish marks a unit done; complete is true when its phase is.
func (s *Store) Finish(ctx context.Context, id string, run int, phase, unit string, seal bool) (complete bool, err error) {
	sealArg := "0"
	if seal {
		sealArg = "1"
	}
	n, err := finishScript.Run(ctx, s.rdb, phaseKeys(id, run, phase), unit, sealArg).Int()
	return n == 1, err
}

// Pending returns the payloads of the units of a phase that are not done,
// for resuming a run whose tasks were lost.
func (s *Store) Pending(ctx context.Context, id string, run int, phase string) ([][]byte, error) {
	k := phaseKeys(id, run, phase)
	all, err := s.rdb.HGetAll(ctx, k[0]).Result()
	if err != nil {
		return nil, err
	}
	done, err := s.rdb.SMembers(ctx, k[1]).Result()
	if err != nil {
		return nil, err
	}
	for _, d := range done {
		delete(all, d)
	}
	units := make([]string, 0, len(all))
	for u := range all {
		units = append(units, u)
	}
	sort.Strings(units)
	out := make([][]byte, len(units))
	for i, u := range units {
		out[i] = []byte(all[u])
	}
	return out, nil
}

// PhaseProgress is how far a phase of a run has come.
type PhaseProgress struct {
	Phase  string           `json:"phase"`
	Units  int64            `json:"units"`
	Done   int64            `json:"done"`
	Sealed bool             `json:"sealed"`
	Stats  map[string]int64 `json:"stats"`
}

// Complete reports whether every unit is done and none will be added.
func (p PhaseProgress) Complete() bool { return p.Sealed && p.Done >= p.Units && p.Units > 0 }

// Progress reads every phase of a run in one pipeline.
func (s *Store) Progress(ctx context.Context, m *Migration) ([]PhaseProgress, error) {
	pipe := s.rdb.Pipeline()
	type cmds struct {
		units, done, sealed *redis.IntCmd
		stats               *redis.MapStringStringCmd
	}
	cs := make([]cmds, len(m.Phases))
	for i, ph := range m.Phases {
		k := phaseKeys(m.ID, m.Run, ph)
		cs[i] = cmds{pipe.HLen(ctx, k[0]), pipe.SCard(ctx, k[1]), pipe.Exists(ctx, k[2]), pipe.HGetAll(ctx, runKey(m.ID, m.Run, "stats", ph))}
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, err
	}
	out := make([]PhaseProgress, len(m.Phases))
	for i, ph := range m.Phases {
		p := PhaseProgress{Phase: ph, Units: cs[i].units.Val(), Done: cs[i].done.Val(), Sealed: cs[i].sealed.Val() == 1, Stats: map[string]int64{}}
		for f, v := range cs[i].stats.Val() {
			p.Stats[f], _ = strconv.ParseInt(v, 10, 64)
		}
		out[i] = p
	}
	return out, nil
}

// Count adds to counters of a phase of a run (created, skipped, failed,
// total...). Zero deltas are not sent.
func (s *Store) Count(ctx context.Context, id string, run int, phase string, deltas map[string]int64) error {
	pipe := s.rdb.Pipeline()
	n := 0
	for f, d := range deltas {
		if d != 0 {
			pipe.HIncrBy(ctx, runKey(id, run, "stats", phase), f, d)
			n++
		}
	}
	if n == 0 {
		return nil
	}
	_, err := pipe.Exec(ctx)
	return err
}

// SetStat sets a counter (e.g. the total a list reported).
func (s *Store) SetStat(ctx context.Context, id string, run int, phase, field string, v int64) error {
	return s.rdb.HSet(ctx, runKey(id, run, "stats", phase), field, v).Err()
}

// AddCalls adds API call counts of a run, by side and kind ("source_read",
// "dest_write"...).
func (s *Store) AddCalls(ctx context.Context, id string, run int, deltas map[string]int64) error {
	pipe := s.rdb.Pipeline()
	for f, d := range deltas {
		if d != 0 {
			pipe.HIncrBy(ctx, runKey(id, run, "calls"), f, d)
		}
	}
	_, err := pipe.Exec(ctx)
	return err
}

// Calls reads the API call counts of a run.
func (s *Store) Calls(ctx context.Context, id string, run int) (map[string]int64, error) {
	raw, err := s.rdb.HGetAll(ctx, runKey(id, run, "calls")).Result()
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for f, v := range raw {
		out[f], _ = strconv.ParseInt(v, 10, 64)
	}
	return out, nil
}

// ---- failures ----

// Failure is a record Intercom refused for good, or a unit of work that ran
// out of retries. It is icmigrate's durable dead-letter entry: asynq's
// archive is capped and trims silently.
type Failure struct {
	Entity   string    `json:"entity"`
	SourceID string    `json:"source_id"`
	Endpoint string    `json:"endpoint,omitempty"`
	Status   int       `json:"status,omitempty"`
	Code     string    `json:"code,omitempty"`
	Message  string    `json:"message"`
	Run      int       `json:"run"`
	At       time.Time `json:"at"`
}

// RecordFailure keeps a failure under its entity and source id (a later
// failure of the same record replaces it).
func (s *Store) RecordFailure(ctx context.Context, id string, f Failure) error {
	raw, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return s.rdb.HSet(ctx, key(id, "failures", f.Entity), f.SourceID, raw).Err()
}

// ClearFailures removes the failures of records that have migrated since.
func (s *Store) ClearFailures(ctx context.Context, id, entity string, srcIDs ...string) error {
	if len(srcIDs) == 0 {
		return nil
	}
	return s.rdb.HDel(ctx, key(id, "failures", entity), srcIDs...).Err()
}

// DropFailures forgets every failure of an entity (units that a requeue
// runs again).
func (s *Store) DropFailures(ctx context.Context, id, entity string) error {
	return s.rdb.Del(ctx, key(id, "failures", entity)).Err()
}

// Failures lists the failures of an entity.
func (s *Store) Failures(ctx context.Context, id, entity string) ([]Failure, error) {
	raw, err := s.rdb.HGetAll(ctx, key(id, "failures", entity)).Result()
	if err != nil {
		return nil, err
	}
	out := make([]Failure, 0, len(raw))
	for _, v := range raw {
		var f Failure
		if json.Unmarshal([]byte(v), &f) == nil {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SourceID < out[j].SourceID })
	return out, nil
}

// FailureCount is the number of failures of an entity.
func (s *Store) FailureCount(ctx context.Context, id, entity string) (int64, error) {
	return s.rdb.HLen(ctx, key(id, "failures", entity)).Result()
}
