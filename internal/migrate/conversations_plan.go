package migrate

import (
	"fmt"
	"html"
	"strconv"
	"strings"

	"github.com/icmigrate/icmigrate/internal/htmltext"
	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// Planning a conversation: what the API can carry of a source conversation,
// as a list of destination calls in order. The plan is a pure function of
// the source conversation and the id maps, so that the migration, a retry
// that reconciles with what the destination holds, and the comparison
// (verify) all derive the same expected destination.
//
// What the API can express, and how:
//   - The first message: a contact's by POST /conversations (plain text,
//     attachments by URL, created_at kept); an admin's by POST /messages
//     with create_conversation_without_contact_reply (created_at kept).
//   - Comments (admin or contact) and notes, by POST /conversations/{id}/
//     reply with their created_at, body and up to 10 attachment URLs.
//   - Assignments, closes, reopens, and a snooze that is still running, by
//     POST /conversations/{id}/parts. The API takes no time for these: the
//     destination dates them at the migration. A snooze that has ended
//     cannot be replayed (snoozed_until must be in the future) and is left
//     out, like Intercom's own events (timer unsnoozes, workflow and rating
//     events...) and the AI agent's replies, which no API call creates.
//   - The final assignee and state: when the replayed parts leave them
//     different from the source's (the source's oldest parts were beyond the
//     API's 500, an assignee has no seat...), the plan ends with an
//     assignment and a state change by the fallback admin.
//   - Title and custom attributes by PUT /conversations/{id}; tags by POST
//     /conversations/{id}/tags (one call per tag: the API has no bulk form).
// Not carried: priority, read, ratings, SLA, statistics, participants after
// the first contact.

// Conversation part kinds the migration creates.
const (
	partComment    = "comment"
	partNote       = "note"
	partAssignment = "assignment"
	partClose      = "close"
	partOpen       = "open"
	partSnoozed    = "snoozed"
)

// createdPartKinds are the part types the API creates; other parts of a
// destination conversation (Intercom's events) are not the migration's.
var createdPartKinds = map[string]bool{partComment: true, partNote: true, partAssignment: true, partClose: true, partOpen: true, partSnoozed: true}

// ConversationMaps turn source ids into destination ids for a plan.
type ConversationMaps struct {
	// Admins maps source admin ids to destination admin ids (by email).
	Admins map[string]string
	// Contacts maps the source contacts the conversation names.
	Contacts map[string]string
	// Roles are the source contacts' roles (user or lead), where known.
	Roles map[string]string
	// Tags maps source tag ids to destination tag ids.
	Tags map[string]string
	// Teams maps source team ids to destination team ids.
	Teams map[string]string
	// Seated are the destination admins with an inbox seat (the others
	// cannot be assigned conversations: 403).
	Seated map[string]bool
	// Fallback is the destination admin who authors what has no mapped
	// author (and the plan's closing assignment and state change).
	Fallback string
	// Now is the Unix time the plan is made at (a snooze must end later).
	Now int64
}

// PartOp is one destination call that appends a part.
type PartOp struct {
	Kind string
	// AuthorContact says the author is a contact (AuthorID a destination
	// contact id); else an admin.
	AuthorContact bool
	AuthorID      string
	Body          string
	// CreatedAt is kept for comments and notes; 0 where the API dates the
	// part itself.
	CreatedAt       int64
	AttachmentURLs  []string
	AttachmentNames []string
	// AssigneeType (admin or team) and AssigneeID ("0": nobody), for
	// assignments.
	AssigneeType string
	AssigneeID   string
	SnoozedUntil int64
	// SourcePart is the source part's id; "" for the plan's closing steps.
	SourcePart string
}

// ConversationStart is the call that creates the conversation.
type ConversationStart struct {
	// One of ByContact and ByAdmin is set.
	ByContact *intercom.CreateConversationRequest
	ByAdmin   *intercom.MessageRequest
	// ContactID is the destination contact the conversation is with.
	ContactID string
	// AuthorID is the destination id of the first message's author.
	AuthorID  string
	CreatedAt int64
	// Body, Subject and AttachmentNames are what the destination's source
	// message will show (Body as text, for comparison).
	Body            string
	Subject         string
	AttachmentNames []string
	DeliveredAs     string
}

// TagOp applies one tag.
type TagOp struct {
	// DstID is the destination tag; "" when the tag is not mapped yet and
	// must be found or created by Name.
	DstID   string
	Name    string
	AdminID string
}

// ConversationPlan is everything the migration sends for one conversation.
type ConversationPlan struct {
	Start  ConversationStart
	Ops    []PartOp
	Update *intercom.ConversationUpdate
	Tags   []TagOp
	// State, SnoozedUntil and AdminAssignee are what the destination
	// should show at the end (AdminAssignee a destination id, "" none).
	State         string
	SnoozedUntil  int64
	AdminAssignee string
	// Figures for the report.
	Truncated          bool
	SourceParts        int // parts the source returned
	SkippedParts       int // parts no API call creates
	AuthorFallbacks    int // authors without a mapped admin
	AssignmentsSkipped int // assignees without a mapping or a seat
	AttachmentsDropped int // beyond 10 on one part
}

// PlanError is a conversation the migration cannot carry (a contact that
// was not migrated): it is recorded as a failure.
type PlanError struct{ Reason string }

func (e *PlanError) Error() string { return e.Reason }

// PlanConversation plans the migration of a conversation read with its
// parts.
func PlanConversation(c *intercom.Conversation, m *ConversationMaps) (*ConversationPlan, error) {
	if c.Source == nil || c.Source.Author == nil {
		return nil, &PlanError{"the conversation has no source message"}
	}
	p := &ConversationPlan{Truncated: c.PartsTruncated(), SourceParts: len(c.Parts())}
	var srcContact string
	if c.Contacts != nil && len(c.Contacts.Contacts) > 0 {
		srcContact = c.Contacts.Contacts[0].ID
	}
	if c.Source.Author.IsContact() {
		srcContact = c.Source.Author.ID
	}
	if srcContact == "" {
		return nil, &PlanError{"the conversation has no contact"}
	}
	dstContact := m.Contacts[srcContact]
	if dstContact == "" {
		return nil, &PlanError{fmt.Sprintf("its contact %s was not migrated", srcContact)}
	}
	admin := func(srcID string) string {
		if d := m.Admins[srcID]; d != "" {
			return d
		}
		p.AuthorFallbacks++
		return m.Fallback
	}
	st := &p.Start
	st.ContactID, st.CreatedAt, st.Subject = dstContact, c.CreatedAt, c.Source.Subject
	urls, names, dropped := attachmentsOf(c.Source.Attachments)
	p.AttachmentsDropped += dropped
	if c.Source.Author.IsContact() {
		text := htmltext.ToText(c.Source.Body)
		if text == "" {
			text = strings.Join(names, ", ")
		}
		if text == "" {
			return nil, &PlanError{"the first message is empty"}
		}
		typ := c.Source.Author.Type
		if typ != "user" && typ != "lead" {
			typ = "contact"
		}
		st.ByContact = &intercom.CreateConversationRequest{
			From: intercom.ConversationFrom{Type: typ, ID: dstContact}, Body: text, AttachmentURLs: urls, CreatedAt: c.CreatedAt,
		}
		if c.Source.Type == "email" {
			st.ByContact.Subject = c.Source.Subject
		}
		st.AuthorID, st.Body, st.AttachmentNames, st.DeliveredAs = dstContact, text, names, "customer_initiated"
	} else {
		from := admin(c.Source.Author.ID)
		fromNum, err := strconv.ParseInt(from, 10, 64)
		if err != nil || from == "" {
			return nil, &PlanError{"the first message's admin has no teammate in the destination and there is no fallback admin"}
		}
		role := m.Roles[srcContact]
		if role != "lead" {
			role = "user"
		}
		msgType := "in_app"
		if c.Source.Type == "email" {
			msgType = "email"
		}
		subject := c.Source.Subject
		if msgType == "email" && subject == "" {
			subject = "(no subject)"
		}
		st.ByAdmin = &intercom.MessageRequest{
			MessageType: msgType, Subject: subject, Body: c.Source.Body,
			From: intercom.MessageFrom{Type: "admin", ID: fromNum}, To: intercom.MessageRecip{Type: role, ID: dstContact},
			CreatedAt: c.CreatedAt, CreateConversationWithoutContactReply: true,
		}
		st.AuthorID, st.Body, st.Subject, st.DeliveredAs = from, htmltext.ToText(c.Source.Body), subject, "admin_initiated"
		if len(c.Source.Attachments) > 0 {
			p.AttachmentsDropped += len(c.Source.Attachments) // POST /messages takes none
		}
	}

	parts := c.Parts()
	for i, part := range parts {
		op, ok := planPart(p, part, parts[i+1:], c, m, admin)
		if !ok {
			p.SkippedParts++
			continue
		}
		p.Ops = append(p.Ops, op)
	}

	// The end state: what the replay leaves, corrected where it differs.
	state, assignee := simulate(p.Ops)
	p.State, p.SnoozedUntil = c.State, 0
	if p.State == "" {
		p.State = intercom.StateOpen
	}
	if p.State == intercom.StateSnoozed {
		if c.SnoozedUntil > m.Now {
			p.SnoozedUntil = c.SnoozedUntil
		} else {
			p.State = intercom.StateOpen // its snooze has ended
		}
	}
	want := assignee
	if c.AdminAssigneeID != 0 {
		src := strconv.FormatInt(c.AdminAssigneeID, 10)
		if d := m.Admins[src]; d != "" && m.Seated[d] {
			want = d
		} else if assignee == "" {
			p.AssignmentsSkipped++
		}
	} else {
		want = ""
	}
	if want != assignee {
		to := want
		if to == "" {
			to = "0"
		}
		p.Ops = append(p.Ops, PartOp{Kind: partAssignment, AuthorID: m.Fallback, AssigneeType: "admin", AssigneeID: to})
	}
	p.AdminAssignee = want
	if p.State != state {
		switch p.State {
		case intercom.StateClosed:
			p.Ops = append(p.Ops, PartOp{Kind: partClose, AuthorID: m.Fallback})
		case intercom.StateSnoozed:
			p.Ops = append(p.Ops, PartOp{Kind: partSnoozed, AuthorID: m.Fallback, SnoozedUntil: p.SnoozedUntil})
		default:
			p.Ops = append(p.Ops, PartOp{Kind: partOpen, AuthorID: m.Fallback})
		}
	}

	var up intercom.ConversationUpdate
	if c.Title != "" {
		up.Title = intercom.Ptr(c.Title)
	}
	for k, v := range c.CustomAttributes {
		if v == nil {
			continue
		}
		if up.CustomAttributes == nil {
			up.CustomAttributes = map[string]any{}
		}
		up.CustomAttributes[k] = v
	}
	if up.Title != nil || up.CustomAttributes != nil {
		p.Update = &up
	}
	if c.Tags != nil {
		for _, t := range c.Tags.Tags {
			op := TagOp{DstID: m.Tags[t.ID], Name: t.Name, AdminID: m.Fallback}
			if t.AppliedBy != nil && t.AppliedBy.Type == "admin" {
				if d := m.Admins[t.AppliedBy.ID]; d != "" {
					op.AdminID = d
				}
			}
			p.Tags = append(p.Tags, op)
		}
	}
	return p, nil
}

// planPart turns one source part into a call, or reports that the API
// cannot create it.
func planPart(p *ConversationPlan, part *intercom.ConversationPart, later []*intercom.ConversationPart, c *intercom.Conversation, m *ConversationMaps, admin func(string) string) (PartOp, bool) {
	if part.Author == nil {
		return PartOp{}, false
	}
	op := PartOp{Kind: part.PartType, SourcePart: part.ID}
	byAdmin := part.Author.Type == "admin"
	switch part.PartType {
	case partComment, partNote:
		switch {
		case byAdmin:
			op.AuthorID = admin(part.Author.ID)
		case part.Author.IsContact() && part.PartType == partComment:
			op.AuthorContact, op.AuthorID = true, m.Contacts[part.Author.ID]
			if op.AuthorID == "" {
				return PartOp{}, false
			}
		default:
			return PartOp{}, false // the AI agent, bots, teams
		}
		op.Body, op.CreatedAt = part.Body, part.CreatedAt
		if !withAttachments(&op, part.Attachments, &p.AttachmentsDropped) {
			return PartOp{}, false
		}
		return op, true
	case partAssignment:
		if !byAdmin {
			return PartOp{}, false
		}
		op.AuthorID = admin(part.Author.ID)
		op.AssigneeType, op.AssigneeID = "admin", "0"
		if to := part.AssignedTo; to != nil && to.ID != "" && to.Type != "nobody_admin" {
			switch to.Type {
			case "team":
				op.AssigneeType, op.AssigneeID = "team", m.Teams[to.ID]
			default:
				op.AssigneeID = m.Admins[to.ID]
				if op.AssigneeID != "" && !m.Seated[op.AssigneeID] {
					op.AssigneeID = ""
				}
			}
			if op.AssigneeID == "" {
				p.AssignmentsSkipped++
				return PartOp{}, false
			}
		}
		return op, true
	case partClose, partOpen:
		if !byAdmin {
			return PartOp{}, false
		}
		op.AuthorID = admin(part.Author.ID)
		if part.PartType == partClose {
			op.Body = part.Body
		}
		return op, true
	case partSnoozed:
		// Only a snooze still running can be replayed.
		if !byAdmin || c.State != intercom.StateSnoozed || c.SnoozedUntil <= m.Now || !stillSnoozed(later) {
			return PartOp{}, false
		}
		op.AuthorID = admin(part.Author.ID)
		op.SnoozedUntil = c.SnoozedUntil
		return op, true
	}
	return PartOp{}, false
}

// stillSnoozed reports whether nothing after a snooze changed the state.
func stillSnoozed(later []*intercom.ConversationPart) bool {
	for _, q := range later {
		if q.State != "" && q.State != intercom.StateSnoozed {
			return false
		}
		switch {
		case q.PartType == partClose || q.PartType == partOpen || q.PartType == partSnoozed,
			strings.Contains(q.PartType, "unsnooze"),
			q.PartType == partComment && q.Author.IsContact():
			return false
		}
	}
	return true
}

// simulate replays the state and the admin assignee the ops leave, by
// Intercom's rules: a new conversation is open and unassigned; a contact's
// comment reopens it.
func simulate(ops []PartOp) (state, assignee string) {
	state = intercom.StateOpen
	for _, op := range ops {
		switch op.Kind {
		case partComment:
			if op.AuthorContact {
				state = intercom.StateOpen
			}
		case partClose:
			state = intercom.StateClosed
		case partOpen:
			state = intercom.StateOpen
		case partSnoozed:
			state = intercom.StateSnoozed
		case partAssignment:
			if op.AssigneeType != "team" {
				assignee = op.AssigneeID
				if assignee == "0" {
					assignee = ""
				}
			}
		}
	}
	return state, assignee
}

// attachmentsOf returns the URLs and names of up to MaxAttachmentURLs
// attachments, and how many were left out.
func attachmentsOf(list []intercom.PartAttachment) (urls, names []string, dropped int) {
	for _, a := range list {
		if a.URL == "" {
			dropped++
			continue
		}
		if len(urls) == intercom.MaxAttachmentURLs {
			dropped++
			continue
		}
		urls = append(urls, a.URL)
		names = append(names, a.Name)
	}
	return urls, names, dropped
}

// withAttachments sets a comment's or note's attachments (adding those
// dropped to dropped) and, when its body holds no text, a body naming them
// (escaped: a name is the uploader's text): false when the part has
// neither text nor attachments, which no call can carry.
func withAttachments(op *PartOp, list []intercom.PartAttachment, dropped *int) bool {
	var n int
	op.AttachmentURLs, op.AttachmentNames, n = attachmentsOf(list)
	*dropped += n
	if strings.TrimSpace(htmltext.ToText(op.Body)) == "" {
		if len(op.AttachmentURLs) == 0 {
			return false
		}
		op.Body = "<p>" + html.EscapeString(strings.Join(op.AttachmentNames, ", ")) + "</p>"
	}
	return true
}

// NormalizeBody is how bodies are compared: as text, whitespace collapsed
// (Intercom may re-render the HTML of a message it imports).
func NormalizeBody(s string) string {
	return strings.Join(strings.Fields(htmltext.ToText(s)), " ")
}
