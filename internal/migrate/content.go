package migrate

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/icmigrate/icmigrate/internal/store"
)

// Helpers of the help center, news and custom object phases: teammates
// (authors, owners, senders) through the admins map, natural-key indexes
// of what a destination held before the run, and failures that are not
// Intercom's answer but icmigrate's reason (a missing help center, an
// author without a teammate).

// contentPerPage is the page size of the help center and news lists
// (numbered pages): large enough for few calls, within every list's limit.
const contentPerPage = 50

// recoverySlack is how much earlier than an interrupted attempt a record
// created by it may look (clocks that disagree), as for contacts.
const recoverySlack = 300

// reasonError is a record icmigrate does not send, with the reason.
type reasonError struct{ msg string }

func (e *reasonError) Error() string { return e.msg }

func reasonf(format string, args ...any) error { return &reasonError{fmt.Sprintf(format, args...)} }

// refuse records a record as failed for a reason of icmigrate's (no call was
// made): endpoint names what would have been called.
func (j *job) refuse(ctx context.Context, entity, srcID, endpoint string, reason error) error {
	return j.recordFailure(ctx, entity, srcID, endpoint, reason)
}

// teammates maps source teammate ids to destination ones: the admins
// phase's map, where unmatched teammates point at the fallback teammate
// when the migration has one (admins_fallback.go).
type teammates map[string]string

func loadTeammates(ctx context.Context, j *job) (teammates, error) {
	m, err := j.e.store.MapAll(ctx, j.m.ID, PhaseAdmins)
	return teammates(m), err
}

// dest returns the destination teammate of a source one.
func (t teammates) dest(src int64) (int64, bool) {
	if src == 0 {
		return 0, false
	}
	d, ok := t[strconv.FormatInt(src, 10)]
	if !ok || d == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(d, 10, 64)
	return n, err == nil
}

// unmappedTeammate is the failure of a record whose teammate (role:
// "author", "owner", "sender") has no teammate in the destination.
func unmappedTeammate(role string, src int64) error {
	return reasonf("%s %d has no teammate of the same email in the destination (the API cannot create teammates): invite them, or name a fallback teammate (--fallback-admin), then requeue", role, src)
}

// natKey normalises the parts of a natural key.
func natKey(parts ...string) string {
	for i, p := range parts {
		parts[i] = strings.ToLower(strings.TrimSpace(p))
	}
	return strings.Join(parts, "\x00")
}

// natIndex is a natural-key index of the records a destination held when
// a phase of a run began: natural key -> destination ids (comma-joined).
// It lets a migration into a non-empty destination adopt what is there
// rather than duplicate it. It lives in Redis (a destination may hold many
// records) under the run, and is built once, into a temporary key renamed
// into place, so that readers see all of it or none.
type natIndex struct {
	rdb redis.UniversalClient
	key string
}

const natIndexBuilt = "\x00built"

func (j *job) natIndex(entity string) natIndex {
	return natIndex{rdb: j.e.store.Redis(), key: fmt.Sprintf("icm:mig:%s:r%d:natkey:%s", j.m.ID, j.m.Run, entity)}
}

// built reports whether the index exists.
func (x natIndex) built(ctx context.Context) (bool, error) {
	n, err := x.rdb.Exists(ctx, x.key).Result()
	return n == 1, err
}

// build fills the index from walk, which calls add for every destination
// record; a crashed build is started over.
func (x natIndex) build(ctx context.Context, walk func(add func(key, dstID string) error) error) error {
	tmp := x.key + ":building"
	if err := x.rdb.Del(ctx, tmp).Err(); err != nil {
		return err
	}
	err := walk(func(key, dstID string) error {
		old, err := x.rdb.HGet(ctx, tmp, key).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return err
		}
		if old != "" {
			dstID = old + "," + dstID
		}
		return x.rdb.HSet(ctx, tmp, key, dstID).Err()
	})
	if err != nil {
		return err
	}
	if err := x.rdb.HSet(ctx, tmp, natIndexBuilt, "1").Err(); err != nil {
		return err
	}
	return x.rdb.Rename(ctx, tmp, x.key).Err()
}

// find returns the destination ids of a natural key.
func (x natIndex) find(ctx context.Context, key string) ([]string, error) {
	v, err := x.rdb.HGet(ctx, x.key, key).Result()
	if errors.Is(err, redis.Nil) || v == "" {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return strings.Split(v, ","), nil
}

// unclaimed returns the first of ids that is no other source record's copy,
// reserving it for srcID, or "". The reservation (HSETNX) makes two units
// that look at once for copies of two records with the same natural key
// (two articles of one collection with the same title) take different ones.
func (j *job) unclaimed(ctx context.Context, entity, srcID string, ids []string) (string, error) {
	if len(ids) == 0 {
		return "", nil
	}
	claimed, err := j.e.store.Claimed(ctx, j.m.ID, entity, ids)
	if err != nil {
		return "", err
	}
	rdb := j.e.store.Redis()
	k := fmt.Sprintf("icm:mig:%s:claim:%s", j.m.ID, entity)
	for i, id := range ids {
		if claimed[i] {
			continue
		}
		ok, err := rdb.HSetNX(ctx, k, id, srcID).Result()
		if err != nil {
			return "", err
		}
		if ok {
			return id, nil
		}
		if by, err := rdb.HGet(ctx, k, id).Result(); err != nil {
			return "", err
		} else if by == srcID {
			return id, nil // this record's own reservation (a retry)
		}
	}
	return "", nil
}

// needsIndex reports whether a phase must index the destination: only
// when some source record is not mapped yet (a rerun whose records are all
// mapped reads nothing).
func (j *job) needsIndex(ctx context.Context, entity string, total int) (bool, error) {
	n, err := j.e.store.MapLen(ctx, j.m.ID, entity)
	if err != nil {
		return false, err
	}
	return n < int64(total), nil
}

// intents records the first attempt at creating each of srcIDs and returns
// the earlier attempts' times (Unix ms, 0 for none), by source id.
func (j *job) intents(ctx context.Context, entity string, srcIDs []string, now int64) (map[string]int64, error) {
	at, err := j.e.store.Intents(ctx, j.m.ID, entity, srcIDs, now)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(srcIDs))
	for i, id := range srcIDs {
		if at[i] > 0 {
			out[id] = at[i]
		}
	}
	return out, nil
}

// mapped records a migrated record (id map, reverse map, failure and
// intent cleared).
func (j *job) mapped(ctx context.Context, entity, srcID, dstID string) error {
	return j.e.store.MapRecord(ctx, j.m.ID, entity, store.Mapped{SrcID: srcID, DstID: dstID})
}

// contentCreate runs one record's creation with record-level retries. An
// attempt after a failed one (whose answer may have been lost after the
// record was created), or after an interrupted earlier run (attemptedAt,
// Unix ms), first looks for what it may have created: find returns it (a
// destination id, "" for none) among records created since.
func contentCreate(ctx context.Context, attemptedAt, now int64, find func(since int64) (string, error), create func() (string, error)) (string, bool, error) {
	var dstID string
	found := false
	err := retryRecord(ctx, func(attempt int) error {
		at := attemptedAt
		if attempt > 0 && at == 0 {
			at = now
		}
		if at > 0 {
			id, err := find(at/1000 - recoverySlack)
			if err != nil {
				return err
			}
			if id != "" {
				dstID, found = id, true
				return nil
			}
		}
		id, err := create()
		if err != nil {
			return err
		}
		dstID = id
		return nil
	})
	return dstID, found, err
}
