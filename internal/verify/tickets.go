package verify

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/pkg/intercom"
)

func init() {
	Register(83, TicketTypes)
	Register(84, TicketStates)
	Register(85, Tickets)
}

// TicketTypes compares ticket types by name: category, and every attribute
// with its data type and list items.
func TicketTypes(ctx context.Context, o Options) (Result, error) {
	return comparedByName(o, "ticket_types", func(c *intercom.Client) (map[string]string, error) {
		types, _, err := c.TicketTypes.List(ctx)
		if err != nil {
			return nil, err
		}
		out := map[string]string{}
		for _, t := range types {
			var attrs []string
			for _, a := range t.Attributes() {
				var items []string
				for _, o := range a.ListOptions() {
					items = append(items, o.Label)
				}
				slices.Sort(items)
				attrs = append(attrs, fmt.Sprintf("%s:%s:%s:%t", a.Name, a.DataType, strings.Join(items, ","), a.Archived))
			}
			slices.Sort(attrs)
			out[strings.ToLower(t.Name)] = fmt.Sprintf("%s|%t|%s", t.Category, t.Archived, strings.Join(attrs, ";"))
		}
		return out, nil
	})
}

// TicketStates reports how the source's ticket states match the
// destination's (by category and internal label). Informational: the API
// cannot create states; an unmatched state (listed) is carried as the
// destination's first state of its category.
func TicketStates(ctx context.Context, o Options) (Result, error) {
	r := Result{Entity: "ticket_states", Informational: true}
	src, _, err := o.Source.TicketTypes.ListStates(ctx)
	if err != nil {
		return r, fmt.Errorf("source ticket states: %w", err)
	}
	dst, _, err := o.Dest.TicketTypes.ListStates(ctx)
	if err != nil {
		return r, fmt.Errorf("destination ticket states: %w", err)
	}
	pairs, unmatched := migrate.MatchTicketStates(src, dst)
	r.Source, r.Destination = int64(len(src)), int64(len(dst))
	r.Matched = r.Source - int64(len(unmatched))
	r.Missing = int64(len(unmatched))
	for _, s := range src {
		if slices.Contains(unmatched, s.ID) && len(r.Diffs) < maxListed {
			r.Diffs = append(r.Diffs, Diff{SourceID: s.ID, DestID: pairs[s.ID],
				Fields: []string{fmt.Sprintf("no %s state %q in the destination: tickets take its first %s state", s.Category, s.InternalLabel, s.Category)}})
		}
	}
	return r, nil
}

// Tickets compares every ticket with its copy: type, contact, created_at,
// attributes (list items by label; files left out, as the migration leaves
// them), state (through the state map), open, assignee, and the comments and
// notes in order (author, time, body, attachments).
func Tickets(ctx context.Context, o Options) (Result, error) {
	r := Result{Entity: "tickets"}
	maps, err := migrate.LoadTicketMaps(ctx, o.Store, o.Migration)
	if err != nil {
		return r, err
	}
	rdb := o.Store.Redis()
	tmp := fmt.Sprintf("icm:verify:%s:tickets:%d", o.Migration, time.Now().UnixNano())
	defer rdb.Del(context.WithoutCancel(ctx), tmp)
	all := func(c *intercom.Client) iter.Seq2[*intercom.Ticket, error] {
		return c.Tickets.SearchAll(ctx, intercom.AllTickets, &intercom.ListOptions{PerPage: intercom.MaxPerPage})
	}
	for t, err := range all(o.Dest) {
		if err != nil {
			return r, fmt.Errorf("destination tickets: %w", err)
		}
		r.Destination++
		if err := rdb.SAdd(ctx, tmp, t.ID).Err(); err != nil {
			return r, err
		}
	}
	rdb.Expire(ctx, tmp, 24*time.Hour)
	for t, err := range all(o.Source) {
		if err != nil {
			return r, fmt.Errorf("source tickets: %w", err)
		}
		r.Source++
		dstIDs, err := o.Store.MapGet(ctx, o.Migration, migrate.PhaseTickets, []string{t.ID})
		if err != nil {
			return r, err
		}
		there := false
		if dstIDs[0] != "" {
			if there, err = rdb.SIsMember(ctx, tmp, dstIDs[0]).Result(); err != nil {
				return r, err
			}
		}
		if !there {
			r.Missing++
			if len(r.MissingIDs) < maxListed {
				r.MissingIDs = append(r.MissingIDs, t.ID)
			}
			continue
		}
		rdb.SRem(ctx, tmp, dstIDs[0])
		fields, err := compareTicket(ctx, o, maps, t.ID, dstIDs[0])
		if err != nil {
			return r, err
		}
		if len(fields) == 0 {
			r.Matched++
			continue
		}
		r.Different++
		if len(r.Diffs) < maxListed {
			r.Diffs = append(r.Diffs, Diff{SourceID: t.ID, DestID: dstIDs[0], Fields: fields})
		}
	}
	extra, err := rdb.SCard(ctx, tmp).Result()
	if err != nil {
		return r, err
	}
	r.Extra = extra
	return r, nil
}

func compareTicket(ctx context.Context, o Options, maps *migrate.TicketMaps, srcID, dstID string) ([]string, error) {
	src, _, err := o.Source.Tickets.Get(ctx, srcID)
	if err != nil {
		return nil, fmt.Errorf("source ticket %s: %w", srcID, err)
	}
	dst, _, err := o.Dest.Tickets.Get(ctx, dstID)
	if err != nil {
		return nil, fmt.Errorf("destination ticket %s: %w", dstID, err)
	}
	if err := migrate.TicketContacts(ctx, o.Store, o.Migration, src, maps); err != nil {
		return nil, err
	}
	plan, err := migrate.PlanTicket(src, maps)
	if err != nil {
		return []string{"unplannable: " + err.Error()}, nil
	}
	return TicketDiff(src, dst, plan, maps), nil
}

// TicketDiff names the fields of dst that differ from what src and its
// plan say the copy must hold.
func TicketDiff(src, dst *intercom.Ticket, plan *migrate.TicketPlan, maps *migrate.TicketMaps) []string {
	var out []string
	diff := func(field string, want, got any) {
		if fmt.Sprint(want) != fmt.Sprint(got) {
			out = append(out, field)
		}
	}
	typeID := ""
	if dst.TicketType != nil {
		typeID = dst.TicketType.ID
	}
	diff("ticket_type", plan.Create.TicketTypeID, typeID)
	contact := ""
	if dst.Contacts != nil && len(dst.Contacts.Contacts) > 0 {
		contact = dst.Contacts.Contacts[0].ID
	}
	diff("contacts", plan.ContactID, contact)
	diff("created_at", src.CreatedAt, dst.CreatedAt)
	want := map[string]any{}
	for k, v := range src.TicketAttributes {
		if maps.Meta["type:"+typeID+":"+k] != "files" {
			want[k] = v
		}
	}
	got := map[string]any{}
	for k, v := range dst.TicketAttributes {
		if maps.Meta["type:"+typeID+":"+k] != "files" {
			got[k] = v
		}
	}
	diff("ticket_attributes", canonical(want), canonical(got))
	state := ""
	if dst.TicketState != nil {
		state = dst.TicketState.ID
	}
	diff("ticket_state", plan.StateID, state)
	diff("open", src.Open, dst.Open)
	diff("admin_assignee_id", plan.AdminAssignee, dst.AdminAssigneeID)
	srcParts := map[string]*intercom.TicketPart{}
	for _, p := range src.Parts() {
		srcParts[p.ID] = p
	}
	replies := migrate.TicketReplies(dst)
	if len(replies) != len(plan.Ops) {
		out = append(out, fmt.Sprintf("parts.count (%d, want %d)", len(replies), len(plan.Ops)))
	}
	n := 0
	for i := 0; i < min(len(replies), len(plan.Ops)) && n < maxPartDiffs; i++ {
		op, p := plan.Ops[i], replies[i]
		sp := srcParts[op.SourcePart]
		for _, f := range []struct {
			name      string
			want, got any
		}{
			{"part_type", op.Kind, p.PartType},
			{"author", op.AuthorID, authorID(p.Author)},
			{"created_at", sp.CreatedAt, p.CreatedAt},
			{"body", migrate.NormalizeBody(sp.Body), migrate.NormalizeBody(p.Body)},
			{"attachments", op.AttachmentNames, attachmentNames(p.Attachments)},
		} {
			if fmt.Sprint(f.want) != fmt.Sprint(f.got) && n < maxPartDiffs {
				out = append(out, fmt.Sprintf("parts[%d].%s", i, f.name))
				n++
			}
		}
	}
	return out
}
