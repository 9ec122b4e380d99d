package migrate

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/icmigrate/icmigrate/internal/store"
	"github.com/icmigrate/icmigrate/pkg/intercom"
)

func init() { registerPhase(orderTickets, PhaseTickets, runTicketsPage) }

// Maps and notes of the tickets phase.
const (
	// mapTicketsCreated: source ticket -> destination ticket, recorded at
	// creation; PhaseTickets' own map once the ticket is complete.
	mapTicketsCreated = "tickets_created"
	// NoteTicketsTruncated lists tickets with more parts than the API
	// returns (500): their oldest parts were not migrated.
	NoteTicketsTruncated = "tickets_truncated"
)

// ticketsPerPage: see conversationsPerPage.
const ticketsPerPage = 20

// What a ticket migration carries: the type (mapped by name), the contact,
// created_at, every attribute the API can set (list items by label, files
// left out), the assignee, the comments and notes in order with their
// authors, times and attachments, and the state (mapped by category and
// label) and open flag by one PUT at the end. Not carried: the state
// history and assignment parts (the API dates them itself: only the end
// state is set), tags (the API returns none for tickets, so they cannot be
// read), file attributes, links to conversations.

// TicketMaps turn source ids into destination ids for a ticket plan.
type TicketMaps struct {
	Admins   map[string]string
	Contacts map[string]string
	Types    map[string]string
	States   map[string]string
	// Meta: see mapTicketTypeMeta.
	Meta     map[string]string
	Fallback string
}

// TicketPlan is everything the migration sends for one ticket.
type TicketPlan struct {
	Create *intercom.CreateTicketRequest
	// ContactID is the destination contact.
	ContactID string
	Ops       []PartOp
	// Update is the final PUT (state, open); nil when the new ticket's
	// state is right already.
	Update *intercom.UpdateTicketRequest
	// StateID, Open and AdminAssignee are what the destination should show.
	StateID       string
	Open          bool
	AdminAssignee string
	// Figures.
	Truncated          bool
	SkippedParts       int
	SkippedAttributes  int
	AuthorFallbacks    int
	AttachmentsDropped int
}

// LoadTicketMaps reads the maps a ticket plan needs, except contacts.
func LoadTicketMaps(ctx context.Context, st *store.Store, migration string) (*TicketMaps, error) {
	m := &TicketMaps{Contacts: map[string]string{}}
	var err error
	for _, x := range []struct {
		dst  *map[string]string
		name string
	}{{&m.Admins, PhaseAdmins}, {&m.Types, PhaseTicketTypes}, {&m.States, MapTicketStates}, {&m.Meta, mapTicketTypeMeta}} {
		if *x.dst, err = st.MapAll(ctx, migration, x.name); err != nil {
			return nil, err
		}
	}
	meta, err := st.MapAll(ctx, migration, mapConversationsMeta)
	if err != nil {
		return nil, err
	}
	m.Fallback = meta["fallback"]
	return m, nil
}

// TicketContacts maps the source contacts a ticket names into m.Contacts.
func TicketContacts(ctx context.Context, st *store.Store, migration string, t *intercom.Ticket, m *TicketMaps) error {
	var ids []string
	if t.Contacts != nil {
		for _, c := range t.Contacts.Contacts {
			ids = append(ids, c.ID)
		}
	}
	for _, p := range t.Parts() {
		if p.Author != nil && p.Author.IsContact() && !slices.Contains(ids, p.Author.ID) {
			ids = append(ids, p.Author.ID)
		}
	}
	return mapThreadContacts(ctx, st, migration, ids, m.Contacts)
}

// PlanTicket plans the migration of a ticket read with its parts.
func PlanTicket(t *intercom.Ticket, m *TicketMaps) (*TicketPlan, error) {
	if t.TicketType == nil || m.Types[t.TicketType.ID] == "" {
		return nil, &PlanError{"its ticket type was not migrated"}
	}
	dstType := m.Types[t.TicketType.ID]
	if t.Contacts == nil || len(t.Contacts.Contacts) == 0 {
		return nil, &PlanError{"the ticket has no contact"}
	}
	src := t.Contacts.Contacts[0].ID
	contact := m.Contacts[src]
	if contact == "" {
		return nil, &PlanError{fmt.Sprintf("its contact %s was not migrated", src)}
	}
	p := &TicketPlan{ContactID: contact, Truncated: t.PartsTruncated(), Open: t.Open}
	attrs := map[string]any{}
	for name, v := range t.TicketAttributes {
		if v == nil {
			continue
		}
		switch m.Meta["type:"+dstType+":"+name] {
		case "":
			p.SkippedAttributes++ // not an attribute of the destination type
		case "files":
			p.SkippedAttributes++ // files cannot be set through the API
		case "list":
			label, _ := v.(string)
			id := m.Meta["item:"+dstType+":"+name+":"+label]
			if id == "" {
				p.SkippedAttributes++
				continue
			}
			attrs[name] = id
		default:
			attrs[name] = v
		}
	}
	p.Create = &intercom.CreateTicketRequest{
		TicketTypeID: dstType, Contacts: []intercom.TicketContact{{ID: contact}}, CreatedAt: t.CreatedAt,
		TicketAttributes: attrs, SkipNotifications: true,
	}
	if t.AdminAssigneeID != "" {
		if d := m.Admins[t.AdminAssigneeID]; d != "" {
			p.AdminAssignee = d
			p.Create.Assignment = &intercom.TicketAssignment{AdminAssigneeID: d}
		}
	}
	for _, part := range t.Parts() {
		op, ok := planTicketPart(p, part, m)
		if !ok {
			p.SkippedParts++
			continue
		}
		p.Ops = append(p.Ops, op)
	}
	if t.TicketState != nil {
		p.StateID = m.States[t.TicketState.ID]
	}
	up := &intercom.UpdateTicketRequest{SkipNotifications: true}
	if p.StateID != "" && p.StateID != m.Meta["initial_state"] {
		up.TicketStateID = p.StateID
	}
	if !t.Open {
		up.Open = intercom.Ptr(false)
	}
	if n, err := strconv.ParseInt(m.Fallback, 10, 64); err == nil {
		up.AdminID = n
	}
	if up.TicketStateID != "" || up.Open != nil {
		p.Update = up
	}
	return p, nil
}

func planTicketPart(p *TicketPlan, part *intercom.TicketPart, m *TicketMaps) (PartOp, bool) {
	if part.Author == nil || part.PartType != partComment && part.PartType != partNote {
		return PartOp{}, false
	}
	op := PartOp{Kind: part.PartType, SourcePart: part.ID, Body: part.Body, CreatedAt: part.CreatedAt}
	switch {
	case part.Author.Type == "admin":
		op.AuthorID = m.Admins[part.Author.ID]
		if op.AuthorID == "" {
			p.AuthorFallbacks++
			op.AuthorID = m.Fallback
		}
	case part.Author.IsContact() && part.PartType == partComment:
		op.AuthorContact, op.AuthorID = true, m.Contacts[part.Author.ID]
		if op.AuthorID == "" {
			return PartOp{}, false
		}
	default:
		return PartOp{}, false
	}
	if !withAttachments(&op, part.Attachments, &p.AttachmentsDropped) {
		return PartOp{}, false
	}
	return op, true
}

// ticketThreads names the maps of the tickets phase.
var ticketThreads = threadPhase{
	phase: PhaseTickets, created: mapTicketsCreated,
	truncated: NoteTicketsTruncated, readEndpoint: "GET /tickets/{id}",
}

// runTicketsPage migrates one page of source tickets (the API lists
// tickets only through search).
func runTicketsPage(ctx context.Context, j *job) (bool, error) {
	return runThreadPage(ctx, j, ticketThreads, &ticketMigrator{j: j})
}

// ticketMigrator migrates the tickets of one unit: it is the threadKind of
// tickets.
type ticketMigrator struct {
	j    *job
	maps *TicketMaps
}

// list reads a page of source tickets: all of them, or in a delta those
// updated since its time (delta.go).
func (tm *ticketMigrator) list(ctx context.Context, cursor string) ([]string, int, string, error) {
	q := intercom.AllTickets
	if d := tm.j.delta(); d != nil {
		q = threadsSearchFilter(d)
	}
	page, resp, err := tm.j.src.Tickets.Search(ctx, q, &intercom.ListOptions{PerPage: ticketsPerPage, StartingAfter: cursor})
	if err != nil {
		return nil, 0, "", err
	}
	ids, next := changedThreads(tm.j, page.Tickets, func(t *intercom.Ticket) (string, int64) { return t.ID, t.UpdatedAt }, resp.NextCursor)
	return ids, page.TotalCount, next, nil
}

func (tm *ticketMigrator) prepare(ctx context.Context) error {
	maps, err := LoadTicketMaps(ctx, tm.j.e.store, tm.j.m.ID)
	if err != nil {
		return err
	}
	tm.maps = maps
	return nil
}

func (tm *ticketMigrator) get(ctx context.Context, srcID string) (*intercom.Ticket, error) {
	t, _, err := tm.j.src.Tickets.Get(ctx, srcID)
	return t, err
}

func (tm *ticketMigrator) plan(ctx context.Context, t *intercom.Ticket) (*TicketPlan, error) {
	if err := TicketContacts(ctx, tm.j.e.store, tm.j.m.ID, t, tm.maps); err != nil {
		return nil, err
	}
	return PlanTicket(t, tm.maps)
}

func (tm *ticketMigrator) truncated(plan *TicketPlan) bool { return plan.Truncated }

func (tm *ticketMigrator) createEndpoint(*TicketPlan) string { return "POST /tickets" }

func (tm *ticketMigrator) send(ctx context.Context, plan *TicketPlan) (string, error) {
	d, _, err := tm.j.dst.Tickets.Create(ctx, plan.Create)
	if err != nil {
		return "", err
	}
	return d.ID, nil
}

// adopt finds the ticket a lost creation made: same contact and type,
// created at the same second, no other ticket's copy.
func (tm *ticketMigrator) adopt(ctx context.Context, plan *TicketPlan) (string, error) {
	at := plan.Create.CreatedAt
	ids, err := searchCopies(ctx, tm.j.dst.Tickets.SearchAll, plan.ContactID, at, func(t *intercom.Ticket) (string, bool) {
		return t.ID, t.CreatedAt == at && t.TicketType != nil && t.TicketType.ID == plan.Create.TicketTypeID
	})
	if err != nil {
		return "", err
	}
	return firstUnclaimed(ctx, tm.j, ticketThreads, ids)
}

// complete appends the replies the destination lacks, in order, then sets
// the end state.
func (tm *ticketMigrator) complete(ctx context.Context, dstID string, plan *TicketPlan, sync bool, partDone func()) error {
	j := tm.j
	next := 0
	if sync {
		d, _, err := j.dst.Tickets.Get(ctx, dstID)
		if err != nil {
			return err
		}
		j.count("reconciled", 1)
		n, why := MatchTicketParts(d, plan.Ops)
		if why != "" {
			return &divergence{dstID: dstID, at: n, why: why}
		}
		next = n
	}
	for ; next < len(plan.Ops); next++ {
		if _, _, err := j.dst.Tickets.Reply(ctx, dstID, replyRequest(plan.Ops[next])); err != nil {
			return err
		}
		partDone()
	}
	if plan.Update != nil {
		if _, _, err := j.dst.Tickets.Update(ctx, dstID, plan.Update); err != nil {
			return err
		}
	}
	return nil
}

func (tm *ticketMigrator) migrated(srcID, dstID string, plan *TicketPlan) {
	tm.j.threadMigrated("ticket", srcID, dstID, len(plan.Ops), map[string]int{
		"skipped_parts":       plan.SkippedParts,
		"skipped_attributes":  plan.SkippedAttributes,
		"author_fallback":     plan.AuthorFallbacks,
		"attachments_dropped": plan.AttachmentsDropped,
	})
}

// MatchTicketParts is MatchParts for tickets: the destination's comments
// and notes must be the plan's first ones, in order.
func MatchTicketParts(d *intercom.Ticket, ops []PartOp) (n int, why string) {
	hidden := 0
	if d.TicketParts != nil {
		hidden = hiddenParts(d.TicketParts.TotalCount, len(d.Parts()))
	}
	return matchOps(TicketReplies(d), hidden, ops, func(p *intercom.TicketPart) (string, string) { return p.PartType, p.ID }, ticketPartDiffers)
}

// ticketPartDiffers is partDiffers for a ticket's reply, whose op is always
// dated.
func ticketPartDiffers(p *intercom.TicketPart, op PartOp) string {
	if why := kindOrAuthorDiffers(p.ID, p.PartType, p.Author, op); why != "" {
		return why
	}
	if p.CreatedAt != op.CreatedAt {
		return datedDiffers(p.ID, p.CreatedAt, op.CreatedAt)
	}
	return ""
}

// TicketReplies are a ticket's comments and notes (not a bot's).
func TicketReplies(t *intercom.Ticket) []*intercom.TicketPart {
	var out []*intercom.TicketPart
	for _, p := range t.Parts() {
		if (p.PartType == partComment || p.PartType == partNote) && p.Author != nil && p.Author.Type != "bot" {
			out = append(out, p)
		}
	}
	return out
}
