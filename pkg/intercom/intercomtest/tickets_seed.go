package intercomtest

import (
	"strconv"
	"strings"
)

// seedTickets gives every workspace its ticket states, and a seeded one
// (Options.Contacts > 0) ticket types and Options.Contacts/8 tickets:
//   - three types: "Bug report" and "Refund request" (Customer) and
//     "Escalation" (Back-office), with custom attributes of every data type
//     the API can set (string, multiline string, list, integer, decimal,
//     boolean, datetime);
//   - each ticket with one contact (not an invalid one), a title, most with
//     a description and custom values, ~60% assigned to an admin, in any
//     state (a few in "Awaiting vendor", which a new workspace lacks),
//     resolved ones mostly closed;
//   - 0 to 12 parts: contact and admin comments and admin notes (some with
//     attachments), and the state changes and assignments that led to the
//     ticket's state, which the API dates itself.
func seedTickets(s *Sandbox, g *gen) {
	st := s.ticketStore()
	st.init(s.salt)
	for _, x := range baseTicketStates {
		st.addState(x)
	}
	if g.ctx.contacts == 0 {
		return
	}
	for _, x := range seededOnlyTicketStates {
		st.addState(x)
	}
	anchor := g.ctx.anchor
	created := s.appCreated + 86400
	bug := st.newType("Bug report", "Something in the product does not work", "Customer", "🐞", false, created)
	st.seedAttr(bug, "severity", "list", "How bad it is", "Low,Medium,High,Critical", false, created)
	st.seedAttr(bug, "browser", "string", "Browser and version", "", false, created)
	st.seedAttr(bug, "reproducible", "boolean", "Can we reproduce it", "", false, created)
	refund := st.newType("Refund request", "A customer asks for money back", "Customer", "💸", false, created)
	st.seedAttr(refund, "amount", "decimal", "Amount to refund", "", false, created)
	st.seedAttr(refund, "order_id", "string", "Order reference", "", false, created)
	st.seedAttr(refund, "purchased_at", "datetime", "Date of purchase", "", false, created)
	esc := st.newType("Escalation", "Handed over to another team", "Back-office", "🚨", true, created)
	st.seedAttr(esc, "sla_hours", "integer", "Hours to resolve", "", false, created)
	st.seedAttr(esc, "escalation_note", "string", "Context for the team", "", true, created)
	types := []*ticketType{bug, refund, esc}

	var people []*contact
	for _, c := range s.contacts().order {
		if !strings.Contains(c.email, "@@") {
			people = append(people, c)
		}
	}
	admins := s.admins().list
	n := g.ctx.contacts / 8
	for i := 0; i < n && len(people) > 0; i++ {
		ct := people[g.intn(len(people))]
		typ := types[g.intn(len(types))]
		t := &ticket{typeID: typ.id, contacts: []string{ct.id}, open: true, attrs: map[string]any{}}
		t.createdAt = g.between(ct.createdAt, max(ct.createdAt, anchor-10*86400))
		t.attrs["_default_title_"] = g.pick(ticketTitles[typ.name])
		if g.chance(0.8) {
			t.attrs["_default_description_"] = g.message(contactLines)
		}
		for _, a := range typ.attrs {
			if a.isDefault || !g.chance(0.7) {
				continue
			}
			switch a.dataType {
			case "list":
				t.attrs[a.name] = a.options[g.intn(len(a.options))].id
			case "string":
				if a.multiline {
					t.attrs[a.name] = g.message(adminLines)
				} else if a.name == "browser" {
					t.attrs[a.name] = g.pick([]string{"Chrome 131", "Firefox 133", "Safari 18", "Edge 131"})
				} else {
					t.attrs[a.name] = "ORD-" + strconv.Itoa(10000+g.intn(90000))
				}
			case "boolean":
				t.attrs[a.name] = g.chance(0.5)
			case "decimal":
				t.attrs[a.name] = float64(100+g.intn(99900)) / 100
			case "integer":
				t.attrs[a.name] = int64(4 + g.intn(68))
			case "datetime":
				t.attrs[a.name] = g.between(t.createdAt-90*86400, t.createdAt)
			}
		}
		// The state it ends in; the parts lead there.
		final := st.states[g.intn(len(st.states))]
		cur := st.firstState("submitted")
		t.stateID = cur.id
		if g.chance(0.6) {
			t.adminAssign = admins[g.intn(len(admins))].id
		}
		when := t.createdAt
		k := g.intn(13)
		stateAt := -1
		if final != cur {
			stateAt = g.intn(k + 1)
		}
		assignAt := -1
		if t.adminAssign != "" {
			assignAt = g.intn(k + 1)
		}
		for j := 0; j <= k; j++ {
			when = min(when+300+g.int64n(86400), anchor)
			if j == assignAt {
				st.seedPart(t, &ticketPart{partType: "assignment", authorType: "admin", authorID: admins[g.intn(len(admins))].id,
					assignType: "admin", assignID: t.adminAssign, createdAt: when})
			}
			if j == stateAt {
				st.seedPart(t, &ticketPart{partType: "ticket_state_updated_by_admin", prevState: cur.category, state: final.category,
					authorType: "admin", authorID: admins[g.intn(len(admins))].id, createdAt: when})
				t.stateID = final.id
			}
			if j == k {
				break
			}
			var p *ticketPart
			switch r := g.r.Float64(); {
			case r < 0.4:
				p = &ticketPart{partType: "comment", authorType: "user", authorID: ct.id, body: paragraph(g.message(contactLines))}
			case r < 0.8:
				p = &ticketPart{partType: "comment", authorType: "admin", authorID: admins[g.intn(len(admins))].id, body: "<p>" + g.message(adminLines) + "</p>"}
			default:
				p = &ticketPart{partType: "note", authorType: "admin", authorID: admins[g.intn(len(admins))].id, body: "<p>" + g.message(adminLines) + "</p>"}
			}
			if p.partType == "comment" && g.chance(0.1) {
				p.attachments = g.attachments(1000000+i, j)
			}
			p.createdAt = when
			st.seedPart(t, p)
		}
		if final.category == "resolved" && g.chance(0.8) {
			t.open = false
			st.seedPart(t, &ticketPart{partType: "close", authorType: "admin", authorID: admins[g.intn(len(admins))].id, createdAt: min(when+60, anchor)})
		}
		t.updatedAt = max(when, t.createdAt)
		st.addTicket(t)
	}
}

func (st *ticketStore) seedAttr(t *ticketType, name, dataType, description, items string, multiline bool, now int64) {
	in := ticketAttrIn{Description: &description, Multiline: &multiline}
	if items != "" {
		in.ListItems = &items
	}
	a := &ticketAttr{id: st.newID(), typeID: t.id, name: name, dataType: dataType, order: len(t.attrs),
		visibleOnCreate: true, visibleContacts: true, createdAt: now, updatedAt: now}
	in.apply(st, a)
	t.attrs = append(t.attrs, a)
}

func (st *ticketStore) seedPart(t *ticket, p *ticketPart) {
	p.id = st.newID()
	p.updatedAt = p.createdAt
	t.parts = append(t.parts, p)
}

var ticketTitles = map[string][]string{
	"Bug report":     {"Export button does nothing", "Dashboard shows no data", "App crashes on login", "Wrong totals in report"},
	"Refund request": {"Charged twice", "Cancelled but billed", "Refund for unused seats"},
	"Escalation":     {"Customer threatens to churn", "Data deletion request", "Security questionnaire"},
}
