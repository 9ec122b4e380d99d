package migrate

import (
	"context"
	"slices"

	"github.com/icmigrate/icmigrate/internal/store"
	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// Notes on contacts: body and author (the mapped teammate, or the fallback
// teammate), added oldest first so that the destination lists them in the
// source's order. Intercom sets a note's created_at when it is added: the
// API cannot keep the original date.
//
// Idempotency: the id map (source note id -> destination note id) says what
// exists; a note without a natural key gets an intent record before it is
// added (store.Intents). When a contact's notes had an earlier, unfinished
// attempt, the destination contact's notes are read and compared (body,
// author, added since that attempt, no other note's copy) before anything
// is added, so a note is never added twice after a crash or a lost answer.
// Without an earlier attempt no destination read is needed.
const PhaseNotes = "notes"

func init() { registerPhase(orderNotes, PhaseNotes, runNotesPage) }

func runNotesPage(ctx context.Context, j *job) (bool, error) {
	page, last, err := sourceContactsPage(ctx, j, false)
	if err != nil {
		return false, err
	}
	var with []*intercom.Contact
	for _, c := range page.Data {
		if c.Notes != nil && c.Notes.TotalCount > 0 {
			with = append(with, c)
		}
	}
	if len(with) == 0 {
		return last, nil
	}
	dstIDs, err := destContacts(ctx, j, with)
	if err != nil {
		return false, err
	}
	admins, err := j.e.store.MapAll(ctx, j.m.ID, PhaseAdmins)
	if err != nil {
		return false, err
	}
	for i, c := range with {
		if dstIDs[i] == "" {
			// Not migrated: the contact's own failure says so; a requeue of
			// contacts runs this phase again.
			j.count("contact_not_migrated", 1)
			continue
		}
		err := retryRecord(ctx, func(int) error { return migrateNotes(ctx, j, admins, c.ID, dstIDs[i]) })
		if err != nil {
			return false, err
		}
	}
	return last, nil
}

func noteID(n *intercom.Note) string { return n.ID }

// migrateNotes copies the notes of one contact that the id map lacks.
func migrateNotes(ctx context.Context, j *job, admins map[string]string, srcID, dstID string) error {
	var notes []*intercom.Note
	for n, err := range j.src.Notes.All(ctx, srcID, nil) {
		if err != nil {
			return srcErr(err)
		}
		notes = append(notes, n)
	}
	slices.Reverse(notes) // oldest first
	mapped, err := j.e.store.MapGet(ctx, j.m.ID, PhaseNotes, idsOf(notes, noteID))
	if err != nil {
		return err
	}
	var todo []*intercom.Note
	for i, n := range notes {
		if mapped[i] == "" {
			todo = append(todo, n)
		}
	}
	j.count("skipped", int64(len(notes)-len(todo)))
	if len(todo) == 0 {
		return nil
	}
	now := j.e.opts.Now().UnixMilli()
	intents, err := j.e.store.Intents(ctx, j.m.ID, PhaseNotes, idsOf(todo, noteID), now)
	if err != nil {
		return err
	}
	earliest := int64(0)
	for _, at := range intents {
		if at > 0 && (earliest == 0 || at < earliest) {
			earliest = at
		}
	}
	author := func(n *intercom.Note) string {
		if n.Author == nil {
			return ""
		}
		return admins[n.Author.ID]
	}
	var candidates []*intercom.Note
	if earliest > 0 {
		// An earlier attempt may have added some: find them first.
		if candidates, err = unclaimedNotes(ctx, j, dstID, earliest/1000-300); err != nil {
			return err
		}
	}
	for i, n := range todo {
		a := author(n)
		if n.Author != nil && a == "" {
			j.count("author_unmapped", 1)
		}
		if intents[i] > 0 {
			if k := slices.IndexFunc(candidates, func(d *intercom.Note) bool {
				return d.Body == n.Body && (a == "" || d.Author != nil && d.Author.ID == a)
			}); k >= 0 {
				d := candidates[k]
				candidates = slices.Delete(candidates, k, k+1)
				j.count("adopted", 1)
				if err := j.e.store.MapRecord(ctx, j.m.ID, PhaseNotes, store.Mapped{SrcID: n.ID, DstID: d.ID}); err != nil {
					return err
				}
				continue
			}
		}
		created, _, err := j.dst.Notes.Create(ctx, dstID, &intercom.NoteRequest{Body: n.Body, AdminID: a})
		switch {
		case err == nil:
			j.count("created", 1)
			if err := j.e.store.MapRecord(ctx, j.m.ID, PhaseNotes, store.Mapped{SrcID: n.ID, DstID: created.ID}); err != nil {
				return err
			}
		case isRecordError(err):
			if err := j.recordFailure(ctx, PhaseNotes, n.ID, "POST /contacts/{id}/notes", err); err != nil {
				return err
			}
		default:
			return dstErr(err)
		}
	}
	return nil
}

// unclaimedNotes lists a destination contact's notes added since a time
// that are no source note's copy yet.
func unclaimedNotes(ctx context.Context, j *job, dstID string, since int64) ([]*intercom.Note, error) {
	var out []*intercom.Note
	for n, err := range j.dst.Notes.All(ctx, dstID, nil) {
		if err != nil {
			return nil, dstErr(err)
		}
		if n.CreatedAt >= since {
			out = append(out, n)
		}
	}
	claimed, err := j.e.store.Claimed(ctx, j.m.ID, PhaseNotes, idsOf(out, noteID))
	if err != nil {
		return nil, err
	}
	kept := out[:0]
	for i, n := range out {
		if !claimed[i] {
			kept = append(kept, n)
		}
	}
	slices.Reverse(kept) // oldest first, the order they were added in
	return kept, nil
}
