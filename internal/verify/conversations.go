package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/pkg/intercom"
)

func init() {
	Register(80, Conversations)
	Register(81, ConversationsTruncated)
}

// Conversations compares every conversation with its copy: the first
// message (time, author, body, subject, attachments), every part the API
// can create in order (kind, author, body, attachments, time where the API
// keeps it, assignee), the final state, snooze and assignee, title, custom
// attributes and tags. Authors and assignees are compared through the id
// maps (admins by email, contacts by the contacts map); what the API cannot
// create (Intercom's events, the AI agent's replies, ended snoozes) is left
// out on both sides, as the migration leaves it out (migrate.
// PlanConversation).
//
// Destination conversations are first listed into a temporary Redis set;
// each source conversation is then read with its parts, and so is its copy.
func Conversations(ctx context.Context, o Options) (Result, error) {
	r := Result{Entity: "conversations"}
	maps, err := migrate.LoadConversationMaps(ctx, o.Store, o.Migration, time.Now())
	if err != nil {
		return r, err
	}
	rdb := o.Store.Redis()
	tmp := fmt.Sprintf("icm:verify:%s:conversations:%d", o.Migration, time.Now().UnixNano())
	defer rdb.Del(context.WithoutCancel(ctx), tmp)

	if err := batches(o.Dest.Conversations.All(ctx, &intercom.ListOptions{PerPage: intercom.MaxPerPage}), func(cs []*intercom.Conversation) error {
		ids := make([]any, len(cs))
		for i, c := range cs {
			ids[i] = c.ID
		}
		r.Destination += int64(len(cs))
		return rdb.SAdd(ctx, tmp, ids...).Err()
	}); err != nil {
		return r, fmt.Errorf("destination conversations: %w", err)
	}
	rdb.Expire(ctx, tmp, 24*time.Hour)

	if err := batches(o.Source.Conversations.All(ctx, &intercom.ListOptions{PerPage: intercom.MaxPerPage}), func(cs []*intercom.Conversation) error {
		r.Source += int64(len(cs))
		ids := make([]string, len(cs))
		for i, c := range cs {
			ids[i] = c.ID
		}
		dstIDs, err := o.Store.MapGet(ctx, o.Migration, migrate.PhaseConversations, ids)
		if err != nil {
			return err
		}
		for i, id := range ids {
			missing := func() {
				r.Missing++
				if len(r.MissingIDs) < maxListed {
					r.MissingIDs = append(r.MissingIDs, id)
				}
			}
			there := false
			if dstIDs[i] != "" {
				if there, err = rdb.SIsMember(ctx, tmp, dstIDs[i]).Result(); err != nil {
					return err
				}
			}
			if !there {
				missing()
				continue
			}
			rdb.SRem(ctx, tmp, dstIDs[i])
			fields, truncated, err := compareConversation(ctx, o, maps, id, dstIDs[i])
			if err != nil {
				return err
			}
			if truncated {
				if err := o.Store.Note(ctx, o.Migration, migrate.NoteConversationsTruncated, id); err != nil {
					return err
				}
			}
			if len(fields) == 0 {
				r.Matched++
				continue
			}
			r.Different++
			if len(r.Diffs) < maxListed {
				r.Diffs = append(r.Diffs, Diff{SourceID: id, DestID: dstIDs[i], Fields: fields})
			}
		}
		return nil
	}); err != nil {
		return r, fmt.Errorf("source conversations: %w", err)
	}
	extra, err := rdb.SCard(ctx, tmp).Result()
	if err != nil {
		return r, err
	}
	r.Extra = extra
	return r, nil
}

// compareConversation reads a source conversation and its copy and names
// the fields that differ.
func compareConversation(ctx context.Context, o Options, maps *migrate.ConversationMaps, srcID, dstID string) (fields []string, truncated bool, err error) {
	src, _, err := o.Source.Conversations.Get(ctx, srcID, nil)
	if err != nil {
		return nil, false, fmt.Errorf("source conversation %s: %w", srcID, err)
	}
	dst, _, err := o.Dest.Conversations.Get(ctx, dstID, nil)
	if err != nil {
		return nil, false, fmt.Errorf("destination conversation %s: %w", dstID, err)
	}
	if err := migrate.ConversationContacts(ctx, o.Store, o.Migration, src, maps); err != nil {
		return nil, false, err
	}
	plan, err := migrate.PlanConversation(src, maps)
	if err != nil {
		return []string{"unplannable: " + err.Error()}, src.PartsTruncated(), nil
	}
	return ConversationDiff(src, dst, plan), plan.Truncated, nil
}

// maxPartDiffs bounds the part fields named per conversation.
const maxPartDiffs = 5

// ConversationDiff names the fields of dst that differ from what src and
// its plan say the copy must hold.
func ConversationDiff(src, dst *intercom.Conversation, plan *migrate.ConversationPlan) []string {
	var out []string
	diff := func(field string, want, got any) {
		if fmt.Sprint(want) != fmt.Sprint(got) {
			out = append(out, field)
		}
	}
	st := plan.Start
	ds := dst.Source
	if ds == nil {
		ds = &intercom.ConversationSource{}
	}
	diff("created_at", st.CreatedAt, dst.CreatedAt)
	diff("source.author", st.AuthorID, authorID(ds.Author))
	diff("source.delivered_as", st.DeliveredAs, ds.DeliveredAs)
	diff("source.body", migrate.NormalizeBody(src.Source.Body), migrate.NormalizeBody(ds.Body))
	if src.Source.Type == "email" {
		diff("source.subject", st.Subject, ds.Subject)
	}
	diff("source.attachments", st.AttachmentNames, attachmentNames(ds.Attachments))
	var contact string
	if dst.Contacts != nil && len(dst.Contacts.Contacts) > 0 {
		contact = dst.Contacts.Contacts[0].ID
	}
	diff("contacts", st.ContactID, contact)
	diff("state", plan.State, dst.State)
	if plan.State == intercom.StateSnoozed {
		diff("snoozed_until", plan.SnoozedUntil, dst.SnoozedUntil)
	}
	assignee := ""
	if dst.AdminAssigneeID != 0 {
		assignee = strconv.FormatInt(dst.AdminAssigneeID, 10)
	}
	diff("admin_assignee_id", plan.AdminAssignee, assignee)
	diff("title", src.Title, dst.Title)
	diff("custom_attributes", canonical(src.CustomAttributes), canonical(dst.CustomAttributes))
	diff("tags", tagNamesOf(src.Tags), tagNamesOf(dst.Tags))
	out = append(out, partsDiff(src, dst, plan.Ops)...)
	return out
}

// partsDiff compares the destination's parts with the plan's, in order.
func partsDiff(src, dst *intercom.Conversation, ops []migrate.PartOp) []string {
	srcParts := map[string]*intercom.ConversationPart{}
	for _, p := range src.Parts() {
		srcParts[p.ID] = p
	}
	var got []*intercom.ConversationPart
	for _, p := range dst.Parts() {
		if migrate.IsCreatedPart(p) {
			got = append(got, p)
		}
	}
	var out []string
	total := len(got)
	want := ops
	if dst.ConversationParts != nil && dst.ConversationParts.TotalCount > len(dst.Parts()) {
		// The copy has more parts than the API returns: compare the newest.
		total = dst.ConversationParts.TotalCount - len(dst.Parts()) + len(got)
		if len(want) > len(got) {
			want = want[len(want)-len(got):]
		}
	}
	if total != len(ops) {
		out = append(out, fmt.Sprintf("parts.count (%d, want %d)", total, len(ops)))
	}
	n := 0
	for i := 0; i < min(len(want), len(got)) && n < maxPartDiffs; i++ {
		op, p := want[i], got[i]
		field := func(name string, a, b any) {
			if fmt.Sprint(a) != fmt.Sprint(b) && n < maxPartDiffs {
				out = append(out, fmt.Sprintf("parts[%d].%s", i, name))
				n++
			}
		}
		field("part_type", op.Kind, p.PartType)
		field("author", op.AuthorID, authorID(p.Author))
		if sp := srcParts[op.SourcePart]; sp != nil {
			if op.Kind == "comment" || op.Kind == "note" {
				field("created_at", sp.CreatedAt, p.CreatedAt)
				field("attachments", op.AttachmentNames, attachmentNames(p.Attachments))
			}
			if op.Kind != "assignment" {
				field("body", migrate.NormalizeBody(op.Body), migrate.NormalizeBody(p.Body))
			}
		}
		if op.Kind == "assignment" {
			to := "0"
			if p.AssignedTo != nil && p.AssignedTo.ID != "" && p.AssignedTo.Type != "nobody_admin" {
				to = p.AssignedTo.ID
			}
			field("assigned_to", op.AssigneeID, to)
		}
	}
	return out
}

func authorID(a *intercom.PartAuthor) string {
	if a == nil {
		return ""
	}
	return a.ID
}

func attachmentNames(list []intercom.PartAttachment) []string {
	out := []string{}
	for _, a := range list {
		out = append(out, a.Name)
	}
	return out
}

func tagNamesOf(t *intercom.ConversationTags) []string {
	out := []string{}
	if t != nil {
		for _, x := range t.Tags {
			out = append(out, strings.ToLower(x.Name))
		}
	}
	slices.Sort(out)
	return out
}

// canonical renders custom attributes (nulls left out) as sorted JSON.
func canonical(m map[string]any) string {
	c := map[string]any{}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if m[k] != nil {
			c[k] = m[k]
		}
	}
	b, _ := json.Marshal(c)
	return string(b)
}

// ConversationsTruncated lists the conversations whose oldest parts the API
// does not return (it returns the newest 500): those parts could not be
// read, so they were not migrated. Informational: the migration cannot do
// better through the API; an operator who needs them exports them from
// Intercom by other means.
func ConversationsTruncated(ctx context.Context, o Options) (Result, error) {
	r := Result{Entity: "conversations_over_500_parts", Informational: true}
	ids, err := o.Store.Notes(ctx, o.Migration, migrate.NoteConversationsTruncated)
	if err != nil {
		return r, err
	}
	slices.Sort(ids)
	dstIDs, err := o.Store.MapGet(ctx, o.Migration, migrate.PhaseConversations, ids)
	if err != nil {
		return r, err
	}
	for i, id := range ids {
		c, _, err := o.Source.Conversations.Get(ctx, id, nil)
		if err != nil {
			return r, fmt.Errorf("source conversation %s: %w", id, err)
		}
		r.Source++
		if dstIDs[i] != "" {
			r.Destination++
			r.Matched++
		}
		if l := c.ConversationParts; l != nil && len(r.Diffs) < maxListed {
			hidden := "unknown"
			if l.TotalCount > len(l.ConversationParts) {
				hidden = strconv.Itoa(l.TotalCount - len(l.ConversationParts))
			}
			r.Diffs = append(r.Diffs, Diff{SourceID: id, DestID: dstIDs[i],
				Fields: []string{fmt.Sprintf("oldest parts not readable through the API: %s (of %d)", hidden, l.TotalCount)}})
		}
	}
	return r, nil
}
