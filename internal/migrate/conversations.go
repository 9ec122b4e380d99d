package migrate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/icmigrate/icmigrate/internal/store"
	"github.com/icmigrate/icmigrate/pkg/intercom"
)

func init() {
	registerPhase(orderConversations, PhaseConversations, runConversationsPage)
	// A requeue of contacts (whose failures left conversations without
	// their contact) runs the conversations again.
	dependents[PhaseContacts] = append(dependents[PhaseContacts], PhaseConversations)
}

// PhaseConversations migrates conversations with their history.
const PhaseConversations = "conversations"

// Maps and notes of the conversations phase.
const (
	// mapConversationsCreated: source conversation -> destination
	// conversation, recorded as soon as it is created. The phase's own map
	// (PhaseConversations) is recorded once every part, attribute and tag
	// is there: a conversation in the first map and not the second is
	// unfinished, and is reconciled with the destination before anything
	// more is appended.
	mapConversationsCreated = "conversations_created"
	// mapConversationsMeta holds the destination facts every unit needs:
	// "fallback" (the admin behind the destination token) and "seat:<id>"
	// ("1" or "0") per destination admin.
	mapConversationsMeta = "conversations_meta"
	// mapTeams is the teams phase's map (source team id -> destination team
	// id, PhaseTeams), read for team assignments.
	mapTeams = "teams"
	// NoteConversationsTruncated lists the source conversations with more
	// parts than the API returns: their oldest parts could not be read, and
	// were not migrated.
	NoteConversationsTruncated = "conversations_truncated"
)

// conversationsPerPage is the size of a unit: conversations are migrated
// one after another within a unit (their parts must go in order), so small
// pages spread the work over every worker; a page read costs one source
// call per ten conversations, against ten reads and some hundred writes.
const conversationsPerPage = 10

// ConversationSearchLag is how long after a creation attempt whose outcome
// is unknown (the answer was lost) the migration trusts a search not to
// find the conversation: Intercom's search is eventually consistent. Until
// then the conversation waits (its unit comes back later) rather than risk
// a second copy.
var ConversationSearchLag = 60 * time.Second

// errDeferred marks a conversation that waits for the search to catch up.
var errDeferred = errors.New("waiting for Intercom's search to show a conversation whose creation may have happened")

// conversationThreads names the maps of the conversations phase.
var conversationThreads = threadPhase{
	phase: PhaseConversations, created: mapConversationsCreated,
	truncated: NoteConversationsTruncated, readEndpoint: "GET /conversations/{id}",
}

// runConversationsPage migrates one page of source conversations.
func runConversationsPage(ctx context.Context, j *job) (bool, error) {
	return runThreadPage(ctx, j, conversationThreads, &conversationMigrator{j: j})
}

// conversationsMeta records the destination's fallback admin and seats.
func conversationsMeta(ctx context.Context, j *job) error {
	me, _, err := j.dst.Admins.Me(ctx)
	if err != nil {
		return dstErr(err)
	}
	admins, _, err := j.dst.Admins.List(ctx)
	if err != nil {
		return dstErr(err)
	}
	meta := map[string]string{"fallback": me.ID}
	for _, a := range admins {
		meta["seat:"+a.ID] = map[bool]string{true: "1", false: "0"}[a.HasInboxSeat]
	}
	return j.e.store.MapSet(ctx, j.m.ID, mapConversationsMeta, meta)
}

// LoadConversationMaps reads the id maps a plan needs, except contacts
// (see ConversationContacts).
func LoadConversationMaps(ctx context.Context, st *store.Store, migration string, now time.Time) (*ConversationMaps, error) {
	m := &ConversationMaps{Contacts: map[string]string{}, Roles: map[string]string{}, Seated: map[string]bool{}, Now: now.Unix()}
	var err error
	if m.Admins, err = st.MapAll(ctx, migration, PhaseAdmins); err != nil {
		return nil, err
	}
	if m.Tags, err = st.MapAll(ctx, migration, PhaseTags); err != nil {
		return nil, err
	}
	if m.Teams, err = st.MapAll(ctx, migration, mapTeams); err != nil {
		return nil, err
	}
	meta, err := st.MapAll(ctx, migration, mapConversationsMeta)
	if err != nil {
		return nil, err
	}
	m.Fallback = meta["fallback"]
	for k, v := range meta {
		if id, ok := strings.CutPrefix(k, "seat:"); ok {
			m.Seated[id] = v == "1"
		}
	}
	return m, nil
}

// ConversationContacts maps the source contacts a conversation names into
// m.Contacts, and notes their roles where the conversation shows them.
func ConversationContacts(ctx context.Context, st *store.Store, migration string, c *intercom.Conversation, m *ConversationMaps) error {
	seen := map[string]bool{}
	var ids []string
	add := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if c.Contacts != nil {
		for _, ref := range c.Contacts.Contacts {
			add(ref.ID)
		}
	}
	authors := []*intercom.PartAuthor{}
	if c.Source != nil {
		authors = append(authors, c.Source.Author)
	}
	for _, p := range c.Parts() {
		authors = append(authors, p.Author)
	}
	for _, a := range authors {
		if a.IsContact() {
			add(a.ID)
			if a.Type == "user" || a.Type == "lead" {
				m.Roles[a.ID] = a.Type
			}
		}
	}
	return mapThreadContacts(ctx, st, migration, ids, m.Contacts)
}

// conversationMigrator migrates the conversations of one unit: it is the
// threadKind of conversations.
type conversationMigrator struct {
	j    *job
	maps *ConversationMaps
	// read is the destination copy reconcile read last.
	read *intercom.Conversation
}

// list reads a page of source conversations: all of them, or in a delta
// those updated since its time (delta.go), whose copies are then brought up
// to date (runThreadPage).
func (cv *conversationMigrator) list(ctx context.Context, cursor string) ([]string, int, string, error) {
	opts := &intercom.ListOptions{PerPage: conversationsPerPage, StartingAfter: cursor}
	var (
		page *intercom.ConversationList
		resp *intercom.Response
		err  error
	)
	if d := cv.j.delta(); d != nil {
		page, resp, err = cv.j.src.Conversations.Search(ctx, threadsSearchFilter(d), opts)
	} else {
		page, resp, err = cv.j.src.Conversations.List(ctx, opts)
	}
	if err != nil {
		return nil, 0, "", err
	}
	ids, next := changedThreads(cv.j, page.Conversations, func(c *intercom.Conversation) (string, int64) { return c.ID, c.UpdatedAt }, resp.NextCursor)
	return ids, page.TotalCount, next, nil
}

func (cv *conversationMigrator) prepare(ctx context.Context) error {
	j := cv.j
	m, err := LoadConversationMaps(ctx, j.e.store, j.m.ID, j.e.opts.Now())
	if err != nil {
		return err
	}
	if m.Fallback == "" {
		return errors.New("conversations: the destination's fallback admin is not recorded (the phase's first unit records it)")
	}
	cv.maps = m
	return nil
}

func (cv *conversationMigrator) get(ctx context.Context, srcID string) (*intercom.Conversation, error) {
	c, _, err := cv.j.src.Conversations.Get(ctx, srcID, nil)
	return c, err
}

// plan maps the conversation's contacts, and asks the source for the role
// of the recipient of an admin's message when the parts do not show it.
func (cv *conversationMigrator) plan(ctx context.Context, c *intercom.Conversation) (*ConversationPlan, error) {
	j := cv.j
	if err := ConversationContacts(ctx, j.e.store, j.m.ID, c, cv.maps); err != nil {
		return nil, err
	}
	if c.Source != nil && !c.Source.Author.IsContact() && cv.maps.Roles[firstContact(c)] == "" {
		// An admin's message names its recipient's role; the parts did not
		// show it: ask the source.
		if id := firstContact(c); id != "" {
			ct, _, err := j.src.Contacts.Get(ctx, id)
			var nf *intercom.NotFoundError
			if err != nil && !errors.As(err, &nf) {
				return nil, srcErr(err)
			}
			if ct != nil {
				cv.maps.Roles[id] = ct.Role
			}
		}
	}
	return PlanConversation(c, cv.maps)
}

func (cv *conversationMigrator) truncated(plan *ConversationPlan) bool { return plan.Truncated }

func firstContact(c *intercom.Conversation) string {
	if c.Contacts != nil && len(c.Contacts.Contacts) > 0 {
		return c.Contacts.Contacts[0].ID
	}
	return ""
}

func (cv *conversationMigrator) createEndpoint(plan *ConversationPlan) string {
	if plan.Start.ByAdmin != nil {
		return "POST /messages"
	}
	return "POST /conversations"
}

func (cv *conversationMigrator) send(ctx context.Context, plan *ConversationPlan) (string, error) {
	var (
		m   *intercom.Message
		err error
	)
	if plan.Start.ByAdmin != nil {
		m, _, err = cv.j.dst.Messages.Create(ctx, plan.Start.ByAdmin)
	} else {
		m, _, err = cv.j.dst.Conversations.Create(ctx, plan.Start.ByContact)
	}
	if err != nil {
		return "", err
	}
	if m.ConversationID == "" {
		return "", &intercom.DecodeError{Method: "POST", Path: cv.createEndpoint(plan), Status: 200, Err: errors.New("the answer names no conversation_id")}
	}
	return m.ConversationID, nil
}

// adopt looks for a destination conversation that an earlier attempt
// created: with the same contact, created at the same second by the same
// author, and no other source conversation's copy.
func (cv *conversationMigrator) adopt(ctx context.Context, plan *ConversationPlan) (string, error) {
	at := plan.Start.CreatedAt
	ids, err := searchCopies(ctx, cv.j.dst.Conversations.SearchAll, plan.Start.ContactID, at, func(c *intercom.Conversation) (string, bool) {
		return c.ID, c.CreatedAt == at && c.Source != nil && c.Source.Author != nil && c.Source.Author.ID == plan.Start.AuthorID
	})
	if err != nil {
		return "", err
	}
	slices.Sort(ids)
	return firstUnclaimed(ctx, cv.j, conversationThreads, ids)
}

// complete appends the parts the destination lacks, then sets attributes
// and tags.
func (cv *conversationMigrator) complete(ctx context.Context, dstID string, plan *ConversationPlan, sync bool, partDone func()) error {
	next := 0
	var present map[string]bool // destination tag ids, when read
	if sync {
		n, tags, err := cv.reconcile(ctx, dstID, plan)
		if err != nil {
			return err
		}
		next, present = n, tags
	}
	for ; next < len(plan.Ops); next++ {
		if err := cv.appendPart(ctx, dstID, plan.Ops[next]); err != nil {
			return err
		}
		partDone()
	}
	c := cv.j.dst.Conversations
	// A copy read back holding the attributes already (a delta's) is left.
	if plan.Update != nil && !(sync && conversationHas(cv.read, plan.Update)) {
		if _, _, err := c.Update(ctx, dstID, plan.Update); err != nil {
			return err
		}
	}
	for _, t := range plan.Tags {
		tagID, err := cv.tagID(ctx, t)
		if err != nil {
			return err
		}
		if present[tagID] {
			continue
		}
		if _, _, err := c.AddTag(ctx, dstID, tagID, t.AdminID); err != nil {
			return err
		}
	}
	return nil
}

func (cv *conversationMigrator) migrated(srcID, dstID string, plan *ConversationPlan) {
	cv.j.threadMigrated("conversation", srcID, dstID, len(plan.Ops), map[string]int{
		"skipped_parts":       plan.SkippedParts,
		"author_fallback":     plan.AuthorFallbacks,
		"assignments_skipped": plan.AssignmentsSkipped,
		"attachments_dropped": plan.AttachmentsDropped,
	})
}

// tagID is the destination tag of a tag op, created by name when the tags
// phase did not map it (a tag made since).
func (cv *conversationMigrator) tagID(ctx context.Context, t TagOp) (string, error) {
	if t.DstID != "" {
		return t.DstID, nil
	}
	tag, _, err := cv.j.dst.Tags.Create(ctx, t.Name)
	if err != nil {
		return "", err
	}
	return tag.ID, nil
}

func (cv *conversationMigrator) appendPart(ctx context.Context, dstID string, op PartOp) error {
	c := cv.j.dst.Conversations
	var err error
	switch op.Kind {
	case partComment, partNote:
		_, err = c.AppendReply(ctx, dstID, replyRequest(op))
	case partAssignment:
		_, _, err = c.Assign(ctx, dstID, &intercom.AssignRequest{AdminID: op.AuthorID, AssigneeID: op.AssigneeID, AssigneeType: op.AssigneeType})
	case partClose:
		_, _, err = c.Close(ctx, dstID, op.AuthorID, op.Body)
	case partOpen:
		_, _, err = c.Open(ctx, dstID, op.AuthorID)
	case partSnoozed:
		_, _, err = c.Snooze(ctx, dstID, op.AuthorID, op.SnoozedUntil)
	default:
		err = fmt.Errorf("conversations: no call creates a %s part", op.Kind)
	}
	return err
}

// reconcile reads the destination conversation and returns how many of the
// plan's parts it holds already (they must be the plan's first ones, in
// order), and its tags.
func (cv *conversationMigrator) reconcile(ctx context.Context, dstID string, plan *ConversationPlan) (int, map[string]bool, error) {
	d, _, err := cv.j.dst.Conversations.Get(ctx, dstID, nil)
	if err != nil {
		return 0, nil, err
	}
	cv.read = d
	cv.j.count("reconciled", 1)
	n, why := MatchParts(d, plan.Ops)
	if why != "" {
		return 0, nil, &divergence{dstID: dstID, at: n, why: why}
	}
	tags := map[string]bool{}
	if d.Tags != nil {
		for _, t := range d.Tags.Tags {
			tags[t.ID] = true
		}
	}
	return n, tags, nil
}

// MatchParts compares a destination conversation's parts with the plan's
// ops, in order, and returns how many ops it holds. why is "" when its
// parts are the first n ops; else it says where they differ (at op n).
// Parts of kinds the API does not create (Intercom's events) and the AI
// agent's are ignored. When the destination holds more parts than the API
// returns, the hidden oldest ones are taken to be the plan's first.
func MatchParts(d *intercom.Conversation, ops []PartOp) (n int, why string) {
	var ours []*intercom.ConversationPart
	for _, p := range d.Parts() {
		if IsCreatedPart(p) {
			ours = append(ours, p)
		}
	}
	hidden := 0
	if d.ConversationParts != nil {
		hidden = hiddenParts(d.ConversationParts.TotalCount, len(d.Parts()))
	}
	return matchOps(ours, hidden, ops, func(p *intercom.ConversationPart) (string, string) { return p.PartType, p.ID }, partDiffers)
}

// IsCreatedPart reports whether a destination part is of a kind the
// migration creates (and not the AI agent's or another bot's).
func IsCreatedPart(p *intercom.ConversationPart) bool {
	return createdPartKinds[p.PartType] && p.Author != nil && p.Author.Type != "bot"
}

// partDiffers says how a destination part differs from the op meant to
// create it, or "".
func partDiffers(p *intercom.ConversationPart, op PartOp) string {
	if why := kindOrAuthorDiffers(p.ID, p.PartType, p.Author, op); why != "" {
		return why
	}
	// 0: a part the destination dates itself.
	if op.CreatedAt != 0 && p.CreatedAt != op.CreatedAt {
		return datedDiffers(p.ID, p.CreatedAt, op.CreatedAt)
	}
	if op.Kind == partAssignment {
		got := "0"
		if p.AssignedTo != nil && p.AssignedTo.ID != "" && p.AssignedTo.Type != "nobody_admin" {
			got = p.AssignedTo.ID
		}
		if got != op.AssigneeID {
			return fmt.Sprintf("part %s assigns to another assignee", p.ID)
		}
	}
	return ""
}
