package migrate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/icmigrate/icmigrate/internal/store"
	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// Data events: Intercom lists a contact's events of the last 90 days only;
// older ones exist as per-name counts (summaries). The phase asks each
// source contact's summary (one call; most contacts have no events and cost
// nothing more), lists its listable events, recreates those the id map
// lacks with their original name, created_at and metadata, and counts the
// ones it could not read: summary count minus listed, per contact (map
// "events_unreadable", summed by the report), never skipped silently.
//
// Idempotency: an event has no id a write could use, so its key is its
// content: sha256(name, created_at, canonical metadata), per source contact.
// The id map holds "<source contact>:<key>" once the event was accepted; an
// intent is recorded before it is sent. When an earlier attempt did not
// finish, the destination contact's events are listed and the ones present
// (same key) are adopted before anything is sent again. Intercom itself
// ignores an event of the same contact, name and created_at as one it has,
// a last guard.
const (
	PhaseEvents         = "events"
	mapEventsUnreadable = "events_unreadable"
)

func init() { registerPhase(orderEvents, PhaseEvents, runEventsPage) }

func runEventsPage(ctx context.Context, j *job) (bool, error) {
	page, last, err := sourceContactsPage(ctx, j, false)
	if err != nil {
		return false, err
	}
	dstIDs, err := destContacts(ctx, j, page.Data)
	if err != nil {
		return false, err
	}
	for i, c := range page.Data {
		if err := retryRecord(ctx, func(int) error { return migrateEvents(ctx, j, c.ID, dstIDs[i]) }); err != nil {
			return false, err
		}
	}
	return last, nil
}

// EventKey is what identifies an event of a contact: its name, created_at
// and metadata (hashed).
func EventKey(e *intercom.Event) string {
	md, _ := json.Marshal(e.Metadata) // keys sorted: canonical
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00%s", e.EventName, e.CreatedAt, md)
	return hex.EncodeToString(h.Sum(nil)[:12])
}

func migrateEvents(ctx context.Context, j *job, srcID, dstID string) error {
	f := intercom.EventFilter{IntercomUserID: srcID}
	sums, _, err := j.src.Events.Summaries(ctx, f)
	if err != nil {
		return srcErr(err)
	}
	total := 0
	for _, s := range sums {
		total += s.Count
	}
	if total == 0 {
		return nil
	}
	var events []*intercom.Event
	for e, err := range j.src.Events.All(ctx, f, nil) {
		if err != nil {
			return srcErr(err)
		}
		events = append(events, e)
	}
	j.count("contacts_with_events", 1)
	if unreadable := total - len(events); unreadable > 0 {
		j.count("unreadable", int64(unreadable))
		if err := j.e.store.MapSet(ctx, j.m.ID, mapEventsUnreadable, map[string]string{srcID: strconv.Itoa(unreadable)}); err != nil {
			return err
		}
	}
	if len(events) == 0 {
		return nil
	}
	if dstID == "" {
		// Not migrated: the contact's own failure says so; a requeue of
		// contacts runs this phase again.
		j.count("contact_not_migrated", 1)
		return nil
	}
	keys := make([]string, len(events))
	for i, e := range events {
		keys[i] = srcID + ":" + EventKey(e)
	}
	mapped, err := j.e.store.MapGet(ctx, j.m.ID, PhaseEvents, keys)
	if err != nil {
		return err
	}
	var todo []int
	var todoKeys []string
	for i := range events {
		if mapped[i] == "" {
			todo = append(todo, i)
			todoKeys = append(todoKeys, keys[i])
		}
	}
	j.count("skipped", int64(len(events)-len(todo)))
	if len(todo) == 0 {
		return nil
	}
	intents, err := j.e.store.Intents(ctx, j.m.ID, PhaseEvents, todoKeys, j.e.opts.Now().UnixMilli())
	if err != nil {
		return err
	}
	var present map[string]bool
	for _, at := range intents {
		if at > 0 {
			// An earlier attempt may have sent some: see what arrived.
			present = map[string]bool{}
			for e, err := range j.dst.Events.All(ctx, intercom.EventFilter{IntercomUserID: dstID}, nil) {
				if err != nil {
					return dstErr(err)
				}
				present[EventKey(e)] = true
			}
			break
		}
	}
	for k, i := range todo {
		e := events[i]
		key := EventKey(e)
		rec := store.Mapped{SrcID: todoKeys[k], DstID: dstID + ":" + key}
		if present[key] {
			j.count("adopted", 1)
			if err := j.e.store.MapRecord(ctx, j.m.ID, PhaseEvents, rec); err != nil {
				return err
			}
			continue
		}
		_, err := j.dst.Events.Create(ctx, &intercom.EventRequest{EventName: e.EventName, CreatedAt: e.CreatedAt, ID: dstID, Metadata: e.Metadata})
		switch {
		case err == nil:
			j.count("created", 1)
			if err := j.e.store.MapRecord(ctx, j.m.ID, PhaseEvents, rec); err != nil {
				return err
			}
		case isRecordError(err):
			if err := j.recordFailure(ctx, PhaseEvents, todoKeys[k], "POST /events", err); err != nil {
				return err
			}
		default:
			return dstErr(err)
		}
	}
	return nil
}

// EventsUnreadable sums what the events phase could not read: events older
// than the listing window (in summaries only) and the contacts that have
// such events.
func EventsUnreadable(ctx context.Context, st *store.Store, id string) (events, contacts int64, err error) {
	return st.MapSum(ctx, id, mapEventsUnreadable)
}
