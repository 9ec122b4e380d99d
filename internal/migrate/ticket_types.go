package migrate

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/icmigrate/icmigrate/pkg/intercom"
)

func init() {
	registerPhase(orderTicketTypes, PhaseTicketTypes, runTicketTypes)
	registerPhase(orderTicketTypesArchive, PhaseTicketTypesArchive, runTicketTypesArchive)
	dependents[PhaseContacts] = append(dependents[PhaseContacts], PhaseTickets)
	dependents[PhaseTicketTypes] = append(dependents[PhaseTicketTypes], PhaseTickets, PhaseTicketTypesArchive)
	dependents[PhaseTickets] = append(dependents[PhaseTickets], PhaseTicketTypesArchive)
}

// Ticket phases: types (with their attributes, and the states matched),
// then tickets, then archiving the types and attributes archived at the
// source (last, since an archived type takes no new ticket).
const (
	PhaseTicketTypes        = "ticket_types"
	PhaseTickets            = "tickets"
	PhaseTicketTypesArchive = "ticket_types_archive"

	orderTicketTypes        = 83
	orderTicketTypesArchive = 86
)

// Maps and notes of the ticket phases.
const (
	// MapTicketStates maps source ticket states to destination ones,
	// matched by category and internal label; a state the destination lacks
	// maps to its first state of the same category.
	MapTicketStates = "ticket_states"
	// mapTicketTypeMeta: "type:<dst type>:<attribute>" -> data type;
	// "item:<dst type>:<attribute>:<label>" -> list item id.
	mapTicketTypeMeta = "ticket_type_meta"
	// NoteTicketStatesUnmatched lists source ticket states the destination
	// has no state of the same category and label for (the API cannot
	// create states): their tickets take a state of the same category.
	NoteTicketStatesUnmatched = "ticket_states_unmatched"
)

// runTicketTypes creates the source's ticket types the destination lacks
// (matched by name, ignoring case) and their attributes (by name), adds
// missing list items, and matches ticket states.
func runTicketTypes(ctx context.Context, j *job) (bool, error) {
	src, _, err := j.src.TicketTypes.List(ctx)
	if err != nil {
		return false, srcErr(err)
	}
	dst, _, err := j.dst.TicketTypes.List(ctx)
	if err != nil {
		return false, dstErr(err)
	}
	if err := j.setTotal(ctx, len(src)); err != nil {
		return false, err
	}
	pairs := map[string]string{}
	meta := map[string]string{}
	var done []string
	for _, st := range src {
		d, err := ensureTicketType(ctx, j, st, dst)
		if err != nil {
			return false, err
		}
		if d == nil {
			continue // refused: recorded
		}
		if ok, err := ensureTicketAttributes(ctx, j, st, d, meta); err != nil {
			return false, err
		} else if !ok {
			continue
		}
		pairs[st.ID] = d.ID
		done = append(done, st.ID)
	}
	if err := j.e.store.MapSet(ctx, j.m.ID, mapTicketTypeMeta, meta); err != nil {
		return false, err
	}
	if err := j.e.store.MapSet(ctx, j.m.ID, PhaseTicketTypes, pairs); err != nil {
		return false, err
	}
	if err := matchTicketStates(ctx, j); err != nil {
		return false, err
	}
	return true, j.e.store.ClearFailures(ctx, j.m.ID, PhaseTicketTypes, done...)
}

func findTicketType(list []*intercom.TicketType, name string) *intercom.TicketType {
	for _, t := range list {
		if strings.EqualFold(t.Name, name) {
			return t
		}
	}
	return nil
}

// ensureTicketType returns the destination type of a source type, created
// when missing; nil when the destination refused it (recorded).
func ensureTicketType(ctx context.Context, j *job, st *intercom.TicketType, dst []*intercom.TicketType) (*intercom.TicketType, error) {
	if d := findTicketType(dst, st.Name); d != nil {
		j.count("matched", 1)
		return d, nil
	}
	req := &intercom.TicketTypeRequest{Name: st.Name, Description: st.Description, Category: st.Category, Icon: st.Icon}
	if st.IsInternal {
		req.IsInternal = intercom.Ptr(true)
	}
	var created *intercom.TicketType
	err := retryRecord(ctx, func(attempt int) error {
		if attempt > 0 {
			// The earlier attempt may have created it.
			list, _, err := j.dst.TicketTypes.List(ctx)
			if err != nil {
				return err
			}
			if d := findTicketType(list, st.Name); d != nil {
				created = d
				return nil
			}
		}
		d, _, err := j.dst.TicketTypes.Create(ctx, req)
		created = d
		return err
	})
	if isRecordError(err) {
		// A 400 "exists" after a lost answer: look once more.
		list, _, lerr := j.dst.TicketTypes.List(ctx)
		if lerr != nil {
			return nil, dstErr(lerr)
		}
		if d := findTicketType(list, st.Name); d != nil {
			return d, nil
		}
		return nil, j.recordFailure(ctx, PhaseTicketTypes, st.ID, "POST /ticket_types", err)
	}
	if err != nil {
		return nil, dstErr(err)
	}
	j.count("created", 1)
	return created, nil
}

// ensureTicketAttributes creates the type's custom attributes the
// destination type lacks, adds missing list items, and records data types
// and list item ids. It reports false when one was refused (recorded).
func ensureTicketAttributes(ctx context.Context, j *job, st, d *intercom.TicketType, meta map[string]string) (bool, error) {
	byName := map[string]*intercom.TicketTypeAttribute{}
	for _, a := range d.Attributes() {
		byName[a.Name] = a
	}
	for _, a := range st.Attributes() {
		da := byName[a.Name]
		var missing []string
		if da != nil && a.DataType == "list" {
			have := map[string]bool{}
			for _, o := range da.ListOptions() {
				have[o.Label] = true
			}
			for _, o := range a.ListOptions() {
				if !have[o.Label] {
					missing = append(missing, o.Label)
				}
			}
		}
		switch {
		case da == nil && a.Default:
			// Every type has the default attributes; a renamed one is not
			// ours to recreate.
			continue
		case da == nil:
			req := attributeRequestOf(a)
			var created *intercom.TicketTypeAttribute
			err := retryRecord(ctx, func(attempt int) error {
				if attempt > 0 {
					if cur, _, err := j.dst.TicketTypes.Get(ctx, d.ID); err != nil {
						return err
					} else if x := attrNamed(cur, a.Name); x != nil {
						created = x
						return nil
					}
				}
				x, _, err := j.dst.TicketTypes.CreateAttribute(ctx, d.ID, req)
				created = x
				return err
			})
			if isRecordError(err) {
				if cur, _, gerr := j.dst.TicketTypes.Get(ctx, d.ID); gerr == nil {
					if x := attrNamed(cur, a.Name); x != nil {
						created, err = x, nil
					}
				}
			}
			if isRecordError(err) {
				return false, j.recordFailure(ctx, PhaseTicketTypes, st.ID, "POST /ticket_types/{id}/attributes", err)
			}
			if err != nil {
				return false, dstErr(err)
			}
			j.count("attributes_created", 1)
			da = created
		case len(missing) > 0:
			// Added to the existing items (Intercom keeps items it has).
			updated, _, err := j.dst.TicketTypes.UpdateAttribute(ctx, d.ID, da.ID, &intercom.TicketTypeAttributeRequest{ListItems: missing})
			if isRecordError(err) {
				return false, j.recordFailure(ctx, PhaseTicketTypes, st.ID, "PUT /ticket_types/{id}/attributes/{attribute_id}", err)
			}
			if err != nil {
				return false, dstErr(err)
			}
			j.count("list_items_added", int64(len(missing)))
			da = updated
		}
		meta["type:"+d.ID+":"+a.Name] = da.DataType
		for _, o := range da.ListOptions() {
			meta["item:"+d.ID+":"+a.Name+":"+o.Label] = o.ID
		}
	}
	// The destination's own attributes (defaults included) are known too.
	for _, a := range d.Attributes() {
		if _, ok := meta["type:"+d.ID+":"+a.Name]; !ok {
			meta["type:"+d.ID+":"+a.Name] = a.DataType
		}
	}
	return true, nil
}

func attrNamed(t *intercom.TicketType, name string) *intercom.TicketTypeAttribute {
	for _, a := range t.Attributes() {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// attributeRequestOf recreates an attribute (not archived: archiving comes
// after the tickets).
func attributeRequestOf(a *intercom.TicketTypeAttribute) *intercom.TicketTypeAttributeRequest {
	r := &intercom.TicketTypeAttributeRequest{
		Name: a.Name, Description: a.Description, DataType: a.DataType,
		RequiredToCreate: intercom.Ptr(a.RequiredToCreate), RequiredToCreateForContacts: intercom.Ptr(a.RequiredToCreateForContacts),
		VisibleOnCreate: intercom.Ptr(a.VisibleOnCreate), VisibleToContacts: intercom.Ptr(a.VisibleToContacts),
	}
	switch a.DataType {
	case "string":
		r.Multiline = intercom.Ptr(a.Multiline())
	case "list":
		for _, o := range a.ListOptions() {
			r.ListItems = append(r.ListItems, o.Label)
		}
	case "files":
		if b, ok := a.InputOptions["allow_multiple_values"].(bool); ok {
			r.AllowMultipleValues = intercom.Ptr(b)
		}
	}
	return r
}

// matchTicketStates maps source ticket states to destination ones and
// notes those the destination lacks.
func matchTicketStates(ctx context.Context, j *job) error {
	src, _, err := j.src.TicketTypes.ListStates(ctx)
	if err != nil {
		return srcErr(err)
	}
	dst, _, err := j.dst.TicketTypes.ListStates(ctx)
	if err != nil {
		return dstErr(err)
	}
	pairs, unmatched := MatchTicketStates(src, dst)
	j.count("states_matched", int64(len(src)-len(unmatched)))
	j.count("states_unmatched", int64(len(unmatched)))
	if err := j.e.store.MapSet(ctx, j.m.ID, MapTicketStates, pairs); err != nil {
		return err
	}
	// A new ticket starts in the first submitted state.
	for _, d := range dst {
		if d.Category == "submitted" && !d.Archived {
			if err := j.e.store.MapSet(ctx, j.m.ID, mapTicketTypeMeta, map[string]string{"initial_state": d.ID}); err != nil {
				return err
			}
			break
		}
	}
	return j.e.store.Note(ctx, j.m.ID, NoteTicketStatesUnmatched, unmatched...)
}

// MatchTicketStates pairs each source state with the destination state of
// the same category and internal label (ignoring case), else with the
// destination's first state of the same category (the state is then
// unmatched).
func MatchTicketStates(src, dst []*intercom.TicketState) (pairs map[string]string, unmatched []string) {
	pairs = map[string]string{}
	for _, s := range src {
		var same, first *intercom.TicketState
		for _, d := range dst {
			if d.Archived || d.Category != s.Category {
				continue
			}
			if first == nil {
				first = d
			}
			if strings.EqualFold(d.InternalLabel, s.InternalLabel) {
				same = d
				break
			}
		}
		switch {
		case same != nil:
			pairs[s.ID] = same.ID
		case first != nil:
			pairs[s.ID] = first.ID
			unmatched = append(unmatched, s.ID)
		default:
			unmatched = append(unmatched, s.ID)
		}
	}
	slices.Sort(unmatched)
	return pairs, unmatched
}

// runTicketTypesArchive archives the destination types and attributes that
// are archived at the source, once the tickets are in.
func runTicketTypesArchive(ctx context.Context, j *job) (bool, error) {
	src, _, err := j.src.TicketTypes.List(ctx)
	if err != nil {
		return false, srcErr(err)
	}
	pairs, err := j.e.store.MapAll(ctx, j.m.ID, PhaseTicketTypes)
	if err != nil {
		return false, err
	}
	for _, st := range src {
		dstID := pairs[st.ID]
		if dstID == "" {
			continue
		}
		var d *intercom.TicketType
		for _, a := range st.Attributes() {
			if !a.Archived || a.Default {
				continue
			}
			if d == nil {
				if d, _, err = j.dst.TicketTypes.Get(ctx, dstID); err != nil {
					return false, dstErr(err)
				}
			}
			da := attrNamed(d, a.Name)
			if da == nil || da.Archived {
				continue
			}
			if _, _, err := j.dst.TicketTypes.UpdateAttribute(ctx, dstID, da.ID, &intercom.TicketTypeAttributeRequest{Archived: intercom.Ptr(true)}); err != nil {
				if isRecordError(err) {
					if err := j.recordFailure(ctx, PhaseTicketTypesArchive, st.ID+":"+a.Name, "PUT /ticket_types/{id}/attributes/{attribute_id}", err); err != nil {
						return false, err
					}
					continue
				}
				return false, dstErr(err)
			}
			j.count("attributes_archived", 1)
		}
		if !st.Archived {
			continue
		}
		if d == nil {
			if d, _, err = j.dst.TicketTypes.Get(ctx, dstID); err != nil {
				return false, dstErr(err)
			}
		}
		if d.Archived {
			continue
		}
		if _, _, err := j.dst.TicketTypes.Update(ctx, dstID, &intercom.TicketTypeRequest{Archived: intercom.Ptr(true)}); err != nil {
			var nf *intercom.NotFoundError
			if isRecordError(err) || errors.As(err, &nf) {
				if err := j.recordFailure(ctx, PhaseTicketTypesArchive, st.ID, "PUT /ticket_types/{id}", err); err != nil {
					return false, err
				}
				continue
			}
			return false, dstErr(err)
		}
		j.count("types_archived", 1)
	}
	return true, nil
}
