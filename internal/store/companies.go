package store

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// State for records other than contacts that carry tags (companies), and
// for pages a walking unit parks for the units that write them.

// MapRecordTagged is MapRecord for records tagged apart from contacts: the
// record's tag memberships go to the sets <sets>:<srcTagID> (not the
// contacts' ones), in the same transaction as its id mapping.
func (s *Store) MapRecordTagged(ctx context.Context, id, entity, sets string, rec Mapped) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, key(id, "map", entity), rec.SrcID, rec.DstID)
		p.HSet(ctx, key(id, "rmap", entity), rec.DstID, rec.SrcID)
		p.HDel(ctx, key(id, "failures", entity), rec.SrcID)
		p.HDel(ctx, key(id, "intent", entity), rec.SrcID)
		if rec.Sig != "" {
			p.HSet(ctx, key(id, "sig", entity), rec.SrcID, rec.Sig)
		}
		for _, tag := range rec.SrcTagIDs {
			p.SAdd(ctx, key(id, sets, tag), rec.DstID)
		}
		return nil
	})
	return err
}

// MemberField names one membership (member of the set of key) in a done
// map: "<key>:<member>".
func MemberField(setKey, member string) string { return setKey + ":" + member }

// PendingMembers streams the members of the set <sets>:<setKey> that the
// map doneEntity does not record as done (field MemberField(setKey,
// member)), batch at a time, one page of the set in memory.
func (s *Store) PendingMembers(ctx context.Context, id, sets, setKey, doneEntity string, batch int, fn func(members []string) error) error {
	return s.scanPending(ctx, key(id, sets, setKey), batch, func(members []string) ([]bool, error) {
		fields := make([]string, len(members))
		for i, m := range members {
			fields[i] = MemberField(setKey, m)
		}
		done, err := s.MapGet(ctx, id, doneEntity, fields)
		if err != nil {
			return nil, err
		}
		pending := make([]bool, len(members))
		for i := range members {
			pending[i] = done[i] == ""
		}
		return pending, nil
	}, fn)
}

// scanPending streams the members of the set k that pending says are still
// to do, batch at a time, one page of the set (SSCAN) in memory.
func (s *Store) scanPending(ctx context.Context, k string, batch int, pending func(members []string) ([]bool, error), fn func(members []string) error) error {
	var cursor uint64
	var buf []string
	flush := func(final bool) error {
		for len(buf) >= batch || final && len(buf) > 0 {
			n := min(batch, len(buf))
			if err := fn(buf[:n]); err != nil {
				return err
			}
			buf = buf[n:]
		}
		return nil
	}
	for {
		members, next, err := s.rdb.SScan(ctx, k, cursor, "", int64(batch)).Result()
		if err != nil {
			return err
		}
		if len(members) > 0 {
			todo, err := pending(members)
			if err != nil {
				return err
			}
			for i, m := range members {
				if todo[i] {
					buf = append(buf, m)
				}
			}
		}
		if err := flush(false); err != nil {
			return err
		}
		if next == 0 {
			return flush(true)
		}
		cursor = next
	}
}

// SetSizes sums the sizes of the sets <sets>:<key> over keys, in one
// pipeline.
func (s *Store) SetSizes(ctx context.Context, id, sets string, keys []string) (int64, error) {
	if len(keys) == 0 {
		return 0, nil
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.IntCmd, len(keys))
	for i, k := range keys {
		cmds[i] = pipe.SCard(ctx, key(id, sets, k))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, err
	}
	var n int64
	for _, c := range cmds {
		n += c.Val()
	}
	return n, nil
}

// Park keeps data (a page of records read from the source) for the unit
// that writes it, under a name of the run, for at most ttl.
func (s *Store) Park(ctx context.Context, id string, run int, name string, data []byte, ttl time.Duration) error {
	return s.rdb.Set(ctx, runKey(id, run, "park", name), data, ttl).Err()
}

// Parked returns what Park kept; ok is false when it is gone (never parked,
// expired, or unparked).
func (s *Store) Parked(ctx context.Context, id string, run int, name string) (data []byte, ok bool, err error) {
	data, err = s.rdb.Get(ctx, runKey(id, run, "park", name)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	return data, err == nil, err
}

// Unpark drops what Park kept.
func (s *Store) Unpark(ctx context.Context, id string, run int, name string) error {
	return s.rdb.Del(ctx, runKey(id, run, "park", name)).Err()
}

// Incr adds one to a counter of the run, which expires ttl after its last
// change, and returns its value.
func (s *Store) Incr(ctx context.Context, id string, run int, name string, ttl time.Duration) (int64, error) {
	k := runKey(id, run, "counter", name)
	pipe := s.rdb.TxPipeline()
	n := pipe.Incr(ctx, k)
	pipe.Expire(ctx, k, ttl)
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, err
	}
	return n.Val(), nil
}
