package migrate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/icmigrate/icmigrate/internal/store"
	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// Delta passes. After a bulk run, `scheduler migrate --id M --delta` starts
// a new run of every phase that moves only what changed at the source since
// the start of the last complete run (bulk or delta) of the migration,
// minus DeltaMargin. The start, not the end: a record changed while the
// bulk run was copying others may have been read before its change.
//
// The id maps make it safe: nothing is created twice, and a record that
// exists is updated in place. What each phase does in a delta:
//
//   - admins, teams, attributes, tags, ticket types, help centers,
//     collections, newsfeeds and the like: they run again as in a rerun
//     (cheap, idempotent: they create what the maps lack).
//   - contacts: the source is searched for contacts whose updated_at is at
//     or after the delta's time (sourceContacts). Unmapped ones are
//     created; mapped ones are updated (every field and custom attribute,
//     unsubscribed_from_emails included) when the digest of what would be
//     written differs from the one recorded when they were last written,
//     so an overlap between two deltas writes nothing twice; their tags
//     are compared with the recorded memberships: tags added are applied
//     by the contact tags phase (in bulk), tags removed are removed.
//   - notes, events, companies of contacts: the same contacts as the
//     contacts phase; each phase writes only what its maps lack (or, for
//     attachments, what differs from what it recorded: a company the
//     contact left is detached).
//   - consent: every contact is read (a page of 150 a call), because a
//     subscription preference may change without moving updated_at and an
//     opt-out must never be lost; only preferences that differ from what
//     the phase applied are written.
//   - companies: the scroll walks them all (the API has no search for
//     companies); those updated since the delta's time whose digest
//     changed are written again (an upsert by company_id).
//   - conversations: the source is searched for conversations updated
//     since; new ones are created, and the parts the destination copy
//     lacks are appended to mapped ones.
//   - articles: changed mapped articles are updated with every
//     translation; new ones are created.
//
// Intercom's search matches dates by calendar day in the workspace's time
// zone ("updated_at > T" starts at the next midnight), so contacts are
// searched from the day before and filtered on the exact updated_at the
// answer carries. Intercom does not move a contact's updated_at when it is
// tagged or untagged, attached to a company, given a note or an event (and
// documents nothing about subscription preferences); such changes on a
// contact that did not change otherwise are found only by a sweep
// (DeltaSweep: every contact is read, as in a bulk run, and only what
// differs is written), at the cost of reading every contact.

// DeltaMargin is taken off the start of the last complete run to give a
// delta's time: the run's start is this process's clock, updated_at is
// Intercom's, and Intercom's search may show a change a few minutes late.
// Records changed inside the margin and written already are found again
// and skipped by their digest: the margin costs reads, not writes.
var DeltaMargin = 10 * time.Minute

// searchDayMargin is how far before the delta's time contacts are searched:
// more than a day (a day with a daylight-saving change lasts 25 hours), so
// that the day the search starts from is the one before the delta's time
// in any time zone.
const searchDayMargin = 26 * time.Hour

// checkDelta refuses a delta for a migration that has no complete run to
// start from, before anything is sent.
func (e *Engine) checkDelta(ctx context.Context, id string) error {
	m, err := e.store.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("--delta: migration %s does not exist: a delta moves what changed since a completed run; run the bulk migration first (scheduler migrate --id %s)", id, id)
	}
	if err != nil {
		return err
	}
	if m.CurrentDelta() != nil && m.State != store.StateDone {
		return nil // resumed
	}
	if m.State == store.StateRunning {
		return fmt.Errorf("--delta: migration %s is running (run %d, %s): a delta starts once that run has ended (scheduler status --id %s)", id, m.Run, m.RunKind(), id)
	}
	if _, ok := m.LastComplete(); !ok {
		return fmt.Errorf("--delta: no run of migration %s has completed (run %d is %s): a delta moves what changed since a completed run; finish the bulk run first (scheduler migrate --id %s)", id, m.Run, m.State, id)
	}
	return nil
}

// beginDelta turns the migration record into a delta run: a delta run
// that did not finish is resumed as it was; otherwise a new run starts,
// moving what changed since the start of the last complete run.
func beginDelta(m *store.Migration, now time.Time, sweep bool) error {
	if m.CurrentDelta() != nil && m.State != store.StateDone {
		return nil
	}
	if m.State == store.StateRunning {
		return fmt.Errorf("--delta: migration %s is running (run %d): a delta starts once that run has ended", m.ID, m.Run)
	}
	base, ok := m.LastComplete()
	if !ok {
		return fmt.Errorf("--delta: no run of migration %s has completed: finish the bulk run first", m.ID)
	}
	m.Run++
	m.StartedAt = now
	m.RunPhases = nil
	m.Delta = &store.DeltaRun{Run: m.Run, Since: base.StartedAt.Add(-DeltaMargin), Base: base.Run, Sweep: sweep}
	return nil
}

// delta returns the current run's delta settings, or nil in a bulk run or
// a requeue.
func (j *job) delta() *store.DeltaRun { return j.m.CurrentDelta() }

// changedSince reports whether a record updated at (Unix seconds) changed
// since the delta's time; in a bulk run everything has.
func (j *job) changedSince(updatedAt int64) bool {
	d := j.delta()
	return d == nil || updatedAt >= d.Since.Unix()
}

// contactsSearchFilter finds the contacts updated since a time, and some
// from the day before (see searchDayMargin): callers keep those whose
// updated_at is at or after it.
func contactsSearchFilter(since time.Time) intercom.Filter {
	return intercom.Filter{Field: "updated_at", Operator: ">", Value: since.Add(-searchDayMargin).Unix()}
}

// sourceContacts reads the unit's page of the source contacts a phase
// works on: every contact (a bulk run, a requeue, a delta sweep), or those
// changed since the delta's time. next is the cursor of the next page, ""
// after the last. The phases over contacts (contacts, consent, notes,
// events, companies of contacts) share it, so a delta reads the changed
// contacts only.
func sourceContacts(ctx context.Context, j *job) (page *intercom.ContactList, next string, err error) {
	opts := &intercom.ListOptions{PerPage: intercom.MaxPerPage, StartingAfter: j.u.Cursor}
	d := j.delta()
	if d != nil && j.u.Phase == PhaseConsent {
		// Consent reads every contact in a delta too: a subscription
		// preference may change without moving updated_at, and losing an
		// opt-out is the worst error a migration can make. The walk costs a
		// read per page of 150; only preferences that changed are written.
		d = &store.DeltaRun{Run: d.Run, Since: d.Since, Base: d.Base, Sweep: true}
	}
	var resp *intercom.Response
	if d == nil || d.Sweep {
		page, resp, err = j.src.Contacts.List(ctx, opts)
	} else {
		page, resp, err = j.src.Contacts.Search(ctx, contactsSearchFilter(d.Since), opts)
	}
	if err != nil {
		return nil, "", srcErr(err)
	}
	if len(page.Data) > 0 {
		next = resp.NextCursor
	}
	if d != nil && !d.Sweep {
		kept := page.Data[:0]
		for _, c := range page.Data {
			if j.changedSince(c.UpdatedAt) {
				kept = append(kept, c)
			}
		}
		j.count("unchanged_read", int64(len(page.Data)-len(kept)))
		page.Data = kept
	}
	return page, next, nil
}

// digest is a short, stable fingerprint of what a request writes (JSON
// sorts map keys): equal digests mean nothing to write again.
func digest(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "" // never equal to a recorded digest: the record is written
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}

// threadsSearchFilter finds the threads (conversations, tickets) updated
// since a delta's time, and some from the day before: whether Intercom's
// searches of threads compare dates to the second or, like its contact
// search, by calendar day is not documented, and reading a few threads too
// many is harmless where missing one is not. Callers keep those whose
// updated_at is at or after the time (changedThreads).
func threadsSearchFilter(d *store.DeltaRun) intercom.Filter {
	return intercom.Filter{Field: "updated_at", Operator: ">", Value: d.Since.Add(-searchDayMargin).Unix()}
}

// changedThreads lists the ids (of says a thread's id and update time) of
// the threads of a page to migrate: all of them, or in a delta those updated
// since its time; next is the page's cursor, "" after the last page (an
// empty page ends the walk, filtered or not).
func changedThreads[T any](j *job, page []T, of func(T) (id string, updatedAt int64), cursor string) (ids []string, next string) {
	if len(page) > 0 {
		next = cursor
	}
	ids = make([]string, 0, len(page))
	for _, t := range page {
		if id, at := of(t); j.changedSince(at) {
			ids = append(ids, id)
		}
	}
	if j.delta() != nil {
		j.count("unchanged_read", int64(len(page)-len(ids)))
	}
	return ids, next
}

// conversationHas reports whether a destination conversation carries an
// update's title and custom attributes already: a delta then leaves it.
func conversationHas(d *intercom.Conversation, up *intercom.ConversationUpdate) bool {
	if d == nil {
		return false
	}
	if up.Title != nil && d.Title != *up.Title {
		return false
	}
	for k, v := range up.CustomAttributes {
		if digest(d.CustomAttributes[k]) != digest(v) {
			return false
		}
	}
	return true
}
