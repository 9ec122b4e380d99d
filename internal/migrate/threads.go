package migrate

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"go.uber.org/zap"

	"github.com/icmigrate/icmigrate/internal/store"
	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// Conversations and tickets are migrated the same way: both are threads, a
// record created by one call and then grown by parts that must be appended
// one after another, in order, with no way to tell from an unanswered call
// whether it happened. What differs between them (reading and planning a
// record, creating it, appending its parts) is a threadKind; what does not is
// here: a page of threads migrated one after another, each created exactly
// once (a creation whose answer was lost is found again before anything is
// sent twice), completed from where the destination stands, and recorded.

// threadPhase names the maps, note and endpoint of a thread phase.
type threadPhase struct {
	// phase is the phase, whose own map records a thread once every part,
	// attribute and tag is there.
	phase string
	// created maps a source thread to its copy as soon as the copy is
	// created: a thread in created and not in phase is unfinished, and is
	// reconciled with the destination before anything more is appended.
	created string
	// truncated is the note listing the threads with more parts than the
	// API returns: their oldest parts could not be read.
	truncated string
	// readEndpoint reads a copy back, named with a divergence.
	readEndpoint string
}

// threadKind is what one kind of thread does its own way, with R the source
// record and P its plan.
type threadKind[R, P any] interface {
	// list reads a page of source threads at a cursor: their ids, the
	// list's total, and the next page's cursor ("" after the last).
	list(ctx context.Context, cursor string) (ids []string, total int, next string, err error)
	// prepare loads what planning needs (the id maps), once a page.
	prepare(ctx context.Context) error
	// get reads a source thread with its parts.
	get(ctx context.Context, srcID string) (R, error)
	// plan maps the thread's contacts and plans it: a *PlanError when it
	// cannot be migrated.
	plan(ctx context.Context, r R) (P, error)
	// truncated says the plan lacks the thread's oldest parts.
	truncated(plan P) bool
	// adopt finds the copy an earlier attempt created without seeing the
	// answer, "" when there is none.
	adopt(ctx context.Context, plan P) (string, error)
	// send creates the copy and names it; createEndpoint names its call.
	send(ctx context.Context, plan P) (string, error)
	createEndpoint(plan P) string
	// complete appends the parts the copy lacks, in order, and sets what
	// follows them (attributes, tags, the end state). sync says the copy
	// must be read first to find where it stands; otherwise it holds no
	// part yet. partDone is called after each part appended.
	complete(ctx context.Context, dstID string, plan P, sync bool, partDone func()) error
	// migrated counts what the plan left out and logs the complete thread.
	migrated(srcID, dstID string, plan P)
}

// runThreadPage migrates one page of source threads.
func runThreadPage[R, P any](ctx context.Context, j *job, tp threadPhase, k threadKind[R, P]) (bool, error) {
	if j.u.Page == 0 {
		// Before the next page exists, so that every unit finds them.
		if err := conversationsMeta(ctx, j); err != nil {
			return false, err
		}
	}
	ids, total, next, err := k.list(ctx, j.u.Cursor)
	if err != nil {
		return false, srcErr(err)
	}
	if j.u.Page == 0 {
		if err := j.setTotal(ctx, total); err != nil {
			return false, err
		}
	}
	last := next == "" // list ends the walk at an empty page
	if !last {
		if err := j.e.enqueue(ctx, pageUnit(j.u, next)); err != nil {
			return false, err
		}
	}
	done, err := j.e.store.MapGet(ctx, j.m.ID, tp.phase, ids)
	if err != nil {
		return false, err
	}
	created, err := j.e.store.MapGet(ctx, j.m.ID, tp.created, ids)
	if err != nil {
		return false, err
	}
	if err := k.prepare(ctx); err != nil {
		return false, err
	}
	var wait time.Time
	for i, id := range ids {
		dstID := created[i]
		if done[i] != "" {
			if j.delta() == nil {
				j.count("skipped", 1)
				continue
			}
			// A delta lists the threads updated since its time: the copy
			// gets the parts it lacks (delta.go).
			dstID = done[i]
		}
		until, err := migrateThread(ctx, j, tp, k, id, dstID)
		if err != nil {
			return false, err
		}
		if until.After(wait) {
			wait = until
		}
	}
	if !wait.IsZero() {
		// Some threads wait for the search: the unit comes back then,
		// without spending a retry, and finds the others done.
		return false, &RateLimitedError{Until: wait, Err: errDeferred}
	}
	return last, nil
}

// migrateThread carries one thread: it creates it (or finds the copy an
// interrupted attempt made), appends its parts in order, sets what follows
// them, and records it. dstID is the copy recorded by an earlier attempt, if
// any. A thread whose creation may have happened without the search showing
// it yet returns the time to come back.
func migrateThread[R, P any](ctx context.Context, j *job, tp threadPhase, k threadKind[R, P], srcID, dstID string) (time.Time, error) {
	r, err := k.get(ctx, srcID)
	var nf *intercom.NotFoundError
	if errors.As(err, &nf) {
		j.count("vanished", 1) // deleted at the source since it was listed
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, srcErr(err)
	}
	plan, err := k.plan(ctx, r)
	var pe *PlanError
	if errors.As(err, &pe) {
		return time.Time{}, j.recordFailure(ctx, tp.phase, srcID, "", err)
	}
	if err != nil {
		return time.Time{}, err
	}
	if k.truncated(plan) {
		// Reported, never silent: the oldest parts are beyond the API.
		j.count("truncated", 1)
		if err := j.e.store.Note(ctx, j.m.ID, tp.truncated, srcID); err != nil {
			return time.Time{}, err
		}
	}
	fresh := false
	if dstID == "" {
		var wait time.Time
		dstID, fresh, wait, err = createThread(ctx, j, tp, k, srcID, plan)
		if err != nil || !wait.IsZero() || dstID == "" {
			return wait, err
		}
	}
	return time.Time{}, finishThread(ctx, j, tp, k, srcID, dstID, plan, fresh)
}

// createThread makes the copy, or adopts the one an earlier attempt made
// when its answer was lost, and records it at once. fresh says it was made
// now (and holds no part yet). A thread that may exist without the search
// showing it yet is not created: wait says when to look again.
func createThread[R, P any](ctx context.Context, j *job, tp threadPhase, k threadKind[R, P], srcID string, plan P) (dstID string, fresh bool, wait time.Time, err error) {
	now := j.e.opts.Now()
	intents, err := j.e.store.Intents(ctx, j.m.ID, tp.phase, []string{srcID}, now.UnixMilli())
	if err != nil {
		return "", false, time.Time{}, err
	}
	tried := intents[0] // an earlier attempt, in another unit
	err = retryRecord(ctx, func(attempt int) error {
		if attempt > 0 && tried == 0 {
			tried = now.UnixMilli()
		}
		if tried > 0 {
			found, err := k.adopt(ctx, plan)
			if err != nil {
				return err
			}
			if found != "" {
				dstID = found
				j.count("adopted", 1)
				return nil
			}
			if until := time.UnixMilli(tried).Add(ConversationSearchLag); j.e.opts.Now().Before(until) {
				wait = until
				return nil
			}
		}
		id, err := k.send(ctx, plan)
		if err != nil {
			return err
		}
		dstID, fresh = id, true
		j.count("created", 1)
		return nil
	})
	switch {
	case err == nil:
	case isRecordError(err):
		return "", false, time.Time{}, j.recordFailure(ctx, tp.phase, srcID, k.createEndpoint(plan), err)
	default:
		return "", false, time.Time{}, dstErr(err)
	}
	if dstID == "" {
		j.count("deferred", 1)
		return "", false, wait, nil
	}
	return dstID, fresh, time.Time{}, j.e.store.MapRecord(ctx, j.m.ID, tp.created, store.Mapped{SrcID: srcID, DstID: dstID})
}

// finishThread completes the copy and records the thread as migrated. fresh
// says the copy was created by this very attempt (it holds no part yet);
// otherwise the destination is read first, to find where it stands.
func finishThread[R, P any](ctx context.Context, j *job, tp threadPhase, k threadKind[R, P], srcID, dstID string, plan P, fresh bool) error {
	sync := !fresh
	if sync {
		j.count("resumed", 1)
	}
	// Like retryRecord, but the budget is of failures in a row: a long
	// thread on a flaky link goes on as long as parts go through.
	inRow := 0
	partDone := func() {
		inRow = 0
		j.count("parts", 1)
	}
	var err error
	for {
		err = k.complete(ctx, dstID, plan, sync, partDone)
		if err == nil || !intercom.IsTemporary(err) || inRow >= recordRetries {
			break
		}
		if _, ok := asRateLimited(err, time.Now()); ok {
			break // the unit waits in the queue; the retry reconciles
		}
		t := time.NewTimer(100 * time.Millisecond << inRow)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		inRow++
		// Whether the last call happened is unknown: read what is there.
		sync = true
	}
	var div *divergence
	switch {
	case err == nil:
	case errors.As(err, &div):
		return j.recordFailure(ctx, tp.phase, srcID, tp.readEndpoint, err)
	case isRecordError(err):
		return j.recordFailure(ctx, tp.phase, srcID, "", err)
	default:
		return dstErr(err)
	}
	k.migrated(srcID, dstID, plan)
	return j.e.store.MapRecord(ctx, j.m.ID, tp.phase, store.Mapped{SrcID: srcID, DstID: dstID})
}

// threadMigrated counts what a thread's plan left out (each figure under
// its count name, zeros included) and logs the complete thread; what names
// its kind.
func (j *job) threadMigrated(what, srcID, dstID string, parts int, leftOut map[string]int) {
	for field, n := range leftOut {
		j.count(field, int64(n))
	}
	j.log.Debug(what+" migrated", zap.String("source_id", srcID), zap.String("dest_id", dstID), zap.Int("parts", parts))
}

// searchCopies lists the destination threads of a contact that a search
// finds created near at (Unix seconds) and that match, for adopting the copy
// a lost creation made.
func searchCopies[T any](ctx context.Context, search func(context.Context, intercom.Filter, *intercom.ListOptions) iter.Seq2[T, error], contactID string, at int64, match func(T) (id string, ok bool)) ([]string, error) {
	const day = 86400
	// A window of days: Intercom documents > and < on dates loosely
	// (inclusive, by day); match checks the exact second.
	q := intercom.And(
		intercom.Eq("contact_ids", contactID),
		intercom.Filter{Field: "created_at", Operator: ">", Value: at - 2*day},
		intercom.Filter{Field: "created_at", Operator: "<", Value: at + 2*day},
	)
	var ids []string
	for t, err := range search(ctx, q, &intercom.ListOptions{PerPage: 50}) {
		if err != nil {
			return nil, dstErr(err)
		}
		if id, ok := match(t); ok {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// firstUnclaimed is the first of ids that is no other source thread's copy
// (in tp's created map), "" when all are.
func firstUnclaimed(ctx context.Context, j *job, tp threadPhase, ids []string) (string, error) {
	claimed, err := j.e.store.Claimed(ctx, j.m.ID, tp.created, ids)
	if err != nil {
		return "", err
	}
	for i, id := range ids {
		if !claimed[i] {
			return id, nil
		}
	}
	return "", nil
}

// mapThreadContacts maps the source contacts a thread names (ids) into m,
// which holds one thread's contacts at a time; contacts not migrated are
// left out.
func mapThreadContacts(ctx context.Context, st *store.Store, migration string, ids []string, m map[string]string) error {
	dst, err := st.MapGet(ctx, migration, PhaseContacts, ids)
	if err != nil {
		return err
	}
	clear(m)
	for i, id := range ids {
		if dst[i] != "" {
			m[id] = dst[i]
		}
	}
	return nil
}

// divergence is a destination thread whose parts are not a prefix of the
// plan: something else wrote to it. Nothing more is appended.
type divergence struct {
	dstID string
	at    int
	why   string
}

func (d *divergence) Error() string {
	return fmt.Sprintf("destination conversation %s differs from the source at part %d (%s): nothing more is appended to it", d.dstID, d.at+1, d.why)
}

// matchOps compares the destination parts the migration created (ours,
// oldest first) with the plan's ops, in order, and returns how many ops the
// destination holds. why is "" when its parts are the first n ops; else it
// says where they differ (at op n). hidden is how many older parts the API
// did not return: they are taken to be the plan's first. differs says how a
// part differs from the op meant to create it, or "".
func matchOps[T any](ours []T, hidden int, ops []PartOp, kindAndID func(T) (kind, id string), differs func(T, PartOp) string) (n int, why string) {
	for i, p := range ours {
		k := hidden + i
		if k >= len(ops) {
			kind, id := kindAndID(p)
			return k, fmt.Sprintf("an extra %s part %s", kind, id)
		}
		if why := differs(p, ops[k]); why != "" {
			return k, why
		}
	}
	return hidden + len(ours), ""
}

// hiddenParts is how many of a thread's total parts the API did not return
// (it returns the newest intercom.MaxConversationParts).
func hiddenParts(total, returned int) int {
	if total > returned {
		return total - returned
	}
	return 0
}

// kindOrAuthorDiffers says how a destination part (its id, type and author)
// differs in kind or author from the op meant to create it, or "".
func kindOrAuthorDiffers(id, kind string, author *intercom.PartAuthor, op PartOp) string {
	if kind != op.Kind {
		return fmt.Sprintf("part %s is a %s, the source's a %s", id, kind, op.Kind)
	}
	if author == nil || author.ID != op.AuthorID {
		return fmt.Sprintf("part %s has another author", id)
	}
	return ""
}

// datedDiffers says that a destination part is dated otherwise than its op.
func datedDiffers(id string, got, want int64) string {
	return fmt.Sprintf("part %s is dated %d, the source's %d", id, got, want)
}

// replyRequest is the reply that appends a comment or a note op.
func replyRequest(op PartOp) *intercom.ReplyRequest {
	r := &intercom.ReplyRequest{MessageType: op.Kind, Body: op.Body, CreatedAt: op.CreatedAt, AttachmentURLs: op.AttachmentURLs}
	if op.AuthorContact {
		r.Type, r.IntercomUserID = "user", op.AuthorID
	} else {
		r.Type, r.AdminID = "admin", op.AuthorID
	}
	return r
}
