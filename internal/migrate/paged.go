package migrate

import (
	"context"
	"iter"
	"strconv"

	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// What the phases that walk the source a page per unit share: the pages of
// source contacts (consent, notes, events), and the numbered pages of the
// help center and news, whose records are matched to what the destination
// holds by natural key and then updated or created (content.go holds the
// index and the recovery of lost answers).

// idsOf lists the ids of records.
func idsOf[T any](xs []T, id func(T) string) []string {
	ids := make([]string, len(xs))
	for i, x := range xs {
		ids[i] = id(x)
	}
	return ids
}

func contactID(c *intercom.Contact) string { return c.ID }

// sourceContactsPage reads the unit's page of source contacts and enqueues
// the next page first, so that pages are read ahead and worked on by many
// workers at once. withTotal records the phase's total on the first page.
func sourceContactsPage(ctx context.Context, j *job, withTotal bool) (page *intercom.ContactList, last bool, err error) {
	// A delta run reads the contacts changed since its time (delta.go).
	page, next, err := sourceContacts(ctx, j)
	if err != nil {
		return nil, false, err
	}
	if withTotal && j.u.Page == 0 {
		if err := j.setTotal(ctx, page.TotalCount); err != nil {
			return nil, false, err
		}
	}
	last = next == ""
	if !last {
		if err := j.e.enqueue(ctx, pageUnit(j.u, next)); err != nil {
			return nil, false, err
		}
	}
	return page, last, nil
}

// destContacts returns the destination ids of source contacts ("" for a
// contact that did not migrate).
func destContacts(ctx context.Context, j *job, cs []*intercom.Contact) ([]string, error) {
	return j.e.store.MapGet(ctx, j.m.ID, PhaseContacts, idsOf(cs, contactID))
}

// lookUp reads an id map: got[i] is ids[i]'s destination id ("" for none),
// unmapped lists the ids without one.
func (j *job) lookUp(ctx context.Context, entity string, ids []string) (got, unmapped []string, err error) {
	got, err = j.e.store.MapGet(ctx, j.m.ID, entity, ids)
	if err != nil {
		return nil, nil, err
	}
	for i, id := range ids {
		if got[i] == "" {
			unmapped = append(unmapped, id)
		}
	}
	return got, unmapped, nil
}

// contentPages are the options of a walk over a destination list.
func contentPages() *intercom.PageNumberOptions {
	return &intercom.PageNumberOptions{PerPage: contentPerPage}
}

// pageEnv is what the write of one record of a numbered page needs.
type pageEnv struct {
	people teammates
	// mapped is the id map numberedPhase.parents names (nil without one).
	mapped map[string]string
	// idx indexes what the destination held when the phase began.
	idx natIndex
	// attemptedAt is the record's earlier creation attempt (Unix ms, 0 for
	// none); now is this attempt's.
	attemptedAt, now int64
}

// numberedPhase is a phase over a source list paged by number (L a page,
// T a record) whose records are matched to the destination's by natural
// key: articles, internal articles, news items.
type numberedPhase[L, T any] struct {
	entity string
	// list reads a page of the source; page takes it apart.
	list func(context.Context, *intercom.PageNumberOptions) (L, *intercom.Response, error)
	page func(L) (data []T, total int, pages *intercom.NumberedPages)
	// all walks the destination's records, to index them by key.
	all func(context.Context, *intercom.PageNumberOptions) iter.Seq2[T, error]
	id  func(T) string
	key func(T) string
	// first, when set, runs on the first page once the total is recorded,
	// before the destination is indexed (news: the newsfeeds).
	first func(context.Context, *job) error
	// parents names an id map the writes read whole (pageEnv.mapped).
	parents string
	// write migrates one record the id map lacks.
	write func(context.Context, *job, T, pageEnv) error
	// updatedAt and update, when set, bring the mapped records a delta
	// finds updated since its time up to date (delta.go): update writes
	// one to its copy (dstID) when it changed.
	updatedAt func(T) int64
	update    func(ctx context.Context, j *job, x T, dstID string, env pageEnv) error
}

// stale says whether a delta must bring a mapped record up to date.
func (p numberedPhase[L, T]) stale(j *job, x T, dstID string) bool {
	return dstID != "" && p.update != nil && j.delta() != nil && j.changedSince(p.updatedAt(x))
}

// runNumbered migrates the unit's page (by number: the unit's Page+1). The
// first unit indexes what the destination holds, when some record is not
// mapped yet, before enqueueing the next page.
func runNumbered[L, T any](ctx context.Context, j *job, p numberedPhase[L, T]) (bool, error) {
	l, _, err := p.list(ctx, &intercom.PageNumberOptions{Page: j.u.Page + 1, PerPage: contentPerPage})
	if err != nil {
		return false, srcErr(err)
	}
	data, total, pages := p.page(l)
	idx := j.natIndex(p.entity)
	if j.u.Page == 0 {
		if err := j.setTotal(ctx, total); err != nil {
			return false, err
		}
		if p.first != nil {
			if err := p.first(ctx, j); err != nil {
				return false, err
			}
		}
		if err := p.index(ctx, j, idx, total); err != nil {
			return false, err
		}
	}
	last := pages.NextPage() == 0 || len(data) == 0
	if !last {
		if err := j.e.enqueue(ctx, pageUnit(j.u, strconv.Itoa(pages.NextPage()))); err != nil {
			return false, err
		}
	}
	ids := idsOf(data, p.id)
	got, unmapped, err := j.lookUp(ctx, p.entity, ids)
	if err != nil {
		return false, err
	}
	stale := false
	for i, x := range data {
		stale = stale || p.stale(j, x, got[i])
	}
	if len(unmapped) == 0 && !stale {
		j.count("skipped", int64(len(ids)))
		return last, nil
	}
	env := pageEnv{idx: idx}
	if env.people, err = loadTeammates(ctx, j); err != nil {
		return false, err
	}
	if p.parents != "" {
		if env.mapped, err = j.e.store.MapAll(ctx, j.m.ID, p.parents); err != nil {
			return false, err
		}
	}
	env.now = j.e.opts.Now().UnixMilli()
	earlier, err := j.intents(ctx, p.entity, unmapped, env.now)
	if err != nil {
		return false, err
	}
	for i, x := range data {
		if p.stale(j, x, got[i]) {
			if err := p.update(ctx, j, x, got[i], env); err != nil {
				return false, err
			}
			continue
		}
		if got[i] != "" {
			j.count("skipped", 1)
			continue
		}
		env.attemptedAt = earlier[ids[i]]
		if err := p.write(ctx, j, x, env); err != nil {
			return false, err
		}
	}
	return last, nil
}

// index builds the natural-key index of the destination's records, once,
// and only when some source record is not mapped yet.
func (p numberedPhase[L, T]) index(ctx context.Context, j *job, idx natIndex, total int) error {
	need, err := j.needsIndex(ctx, p.entity, total)
	if err != nil {
		return err
	}
	if built, err := idx.built(ctx); err != nil || !need || built {
		return err
	}
	return idx.build(ctx, func(add func(key, dstID string) error) error {
		for x, err := range p.all(ctx, contentPages()) {
			if err != nil {
				return dstErr(err)
			}
			if err := add(p.key(x), p.id(x)); err != nil {
				return err
			}
		}
		return nil
	})
}

// contentWrite is the write of one record whose copy a natural key finds:
// the copy is updated (made equal to the source), or, without one, a copy
// created (contentCreate).
type contentWrite[T any] struct {
	entity, srcID string
	// endpoint names the call of a recorded failure.
	endpoint string
	// known are the destination records of the record's natural key.
	known            []string
	attemptedAt, now int64
	id               func(T) string
	update           func(dstID string) (T, *intercom.Response, error)
	create           func() (T, *intercom.Response, error)
	// find looks for a copy an earlier attempt created since a time.
	find func(since int64) (string, error)
}

// writeContent runs a contentWrite and counts it. ok is false when the
// record failed (the failure recorded).
func writeContent[T any](ctx context.Context, j *job, w contentWrite[T]) (dstID string, ok bool, err error) {
	dstID, err = j.unclaimed(ctx, w.entity, w.srcID, w.known)
	if err != nil {
		return "", false, err
	}
	how := "adopted"
	if dstID != "" {
		err = retryRecord(ctx, func(int) error {
			_, _, err := w.update(dstID)
			return err
		})
	} else {
		var found bool
		dstID, found, err = contentCreate(ctx, w.attemptedAt, w.now, w.find, func() (string, error) {
			created, _, err := w.create()
			if err != nil {
				return "", err
			}
			return w.id(created), nil
		})
		how = "created"
		if found {
			j.count("recovered", 1)
		}
	}
	switch {
	case err == nil:
	case isRecordError(err):
		return "", false, j.recordFailure(ctx, w.entity, w.srcID, w.endpoint, err)
	default:
		return "", false, dstErr(err)
	}
	j.count(how, 1)
	return dstID, true, nil
}

// writeIndexed runs w for a record of a numbered page, whose copies are
// what the page's index holds under key.
func writeIndexed[T any](ctx context.Context, j *job, env pageEnv, key string, w contentWrite[T]) (dstID string, ok bool, err error) {
	if w.known, err = env.idx.find(ctx, key); err != nil {
		return "", false, err
	}
	w.attemptedAt, w.now = env.attemptedAt, env.now
	return writeContent(ctx, j, w)
}

// recentCopy looks for a copy of a record that an attempt whose answer was
// lost created: the first destination record match accepts that is no
// other source record's copy (reserved for srcID), or "". match may stop
// the walk (a list sorted by time).
func recentCopy[T any](ctx context.Context, j *job, entity, srcID string, all iter.Seq2[T, error], match func(T) (id string, ok, stop bool)) (string, error) {
	var ids []string
	for x, err := range all {
		if err != nil {
			return "", dstErr(err)
		}
		id, ok, stop := match(x)
		if stop {
			break
		}
		if ok {
			ids = append(ids, id)
		}
	}
	return j.unclaimed(ctx, entity, srcID, ids)
}
