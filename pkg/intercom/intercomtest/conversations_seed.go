package intercomtest

import (
	"strconv"
	"strings"
)

// seedConversations generates Options.Contacts/2 conversations, each with a
// contact of the workspace (not one of the invalid contacts, whose copy a
// migration refuses), in creation order:
//   - ~75% started by the contact (in-app, a plain-text message), ~25% by
//     an admin (in-app or, a third of them, email with a subject);
//   - 1 to 30 parts, most of them few; one conversation in 300 (at least
//     one when there are 20 or more) has 501 to 650 parts, more than the
//     API returns;
//   - parts: contact and admin comments, admin notes, assignments (to
//     admins with an inbox seat, sometimes unassigning), closes, reopens,
//     snoozes (a final one lasting until years after the anchor, so that it
//     is still in the future), and parts the API cannot create: the
//     unsnooze of a snooze's timer and comments of the AI agent (bot);
//   - a contact's comment reopens the conversation, as in Intercom;
//   - ~12% of comments carry 1 to 3 attachments; titles on ~20%, tags on
//     ~25%, custom attributes (ConversationAttributes) on about half.
func seedConversations(s *Sandbox, g *gen) {
	st := s.conversations()
	st.initIDs(s.salt)
	n := g.ctx.contacts / 2
	if n == 0 {
		return
	}
	var people []*contact
	for _, c := range s.contacts().order {
		if !strings.Contains(c.email, "@@") {
			people = append(people, c)
		}
	}
	if len(people) == 0 {
		return
	}
	admins := s.admins().list
	var seated []*admin
	for _, a := range admins {
		if a.hasInboxSeat {
			seated = append(seated, a)
		}
	}
	tags := s.tags().list
	anchor := g.ctx.anchor
	big := 0
	if n >= 20 {
		big = max(1, n/300)
	}
	bigEvery := 0
	if big > 0 {
		bigEvery = n / big
	}
	seeded := make([]*conversation, 0, n)
	for i := 0; i < n; i++ {
		ct := people[g.intn(len(people))]
		created := g.between(ct.createdAt, max(ct.createdAt, anchor-30*86400))
		c := &conversation{
			createdAt: created, msgID: st.newMessageID(), srcType: "conversation", contacts: []string{ct.id},
			state: "open", priority: "not_priority", custom: map[string]any{},
		}
		if g.chance(0.08) {
			c.priority = "priority"
		}
		c.read = g.chance(0.7)
		if g.chance(0.75) {
			c.deliveredAs, c.authorType, c.authorID = "customer_initiated", ct.role(), ct.id
			c.body = paragraph(g.message(contactLines))
			c.waiting = created
			if g.chance(0.08) {
				c.attachments = g.attachments(i, 0)
			}
		} else {
			a := admins[g.intn(len(admins))]
			c.deliveredAs, c.authorType, c.authorID = "admin_initiated", "admin", a.id
			c.body = "<p>" + g.message(adminLines) + "</p>"
			if g.chance(0.33) {
				c.srcType, c.subject = "email", g.pick(subjects)
			}
		}
		parts := 1 + g.intn(1+g.intn(30))
		step := int64(2 * 86400)
		if bigEvery > 0 && i%bigEvery == bigEvery/2 {
			parts, step = 501+g.intn(150), 3*3600
		}
		t := created
		for k := 0; k < parts; k++ {
			t = min(t+60+g.int64n(step), anchor)
			p := g.nextPart(s, c, ct, seated, admins, i, k)
			p.createdAt, p.updatedAt = t, t
			if p.partType == "comment" && p.authorType != "admin" && p.authorType != "bot" {
				c.waiting = t
			}
			p.state = c.state
			c.parts = append(c.parts, st.newPart(p))
		}
		if c.state == "snoozed" {
			// Still snoozed: until a time that stays in the future.
			c.snoozedTill = anchor + 5*365*86400 + g.int64n(365*86400)
		}
		c.updatedAt = t
		if g.chance(0.2) {
			c.title = g.pick(titles) + " #" + strconv.Itoa(1000+g.intn(9000))
		}
		if g.chance(0.5) {
			c.custom["issue_type"] = g.pick(ConversationAttributes[0].Options)
		}
		if g.chance(0.3) {
			c.custom["order_number"] = "ORD-" + strconv.Itoa(10000+g.intn(90000))
		}
		if g.chance(0.25) {
			c.custom["severity"] = int64(1 + g.intn(4))
		}
		if g.chance(0.3) {
			c.custom["product_area"] = g.pick(ConversationAttributes[3].Options)
		}
		if len(tags) > 0 && g.chance(0.25) {
			k := 1 + g.intn(3)
			for _, x := range g.r.Perm(len(tags))[:min(k, len(tags))] {
				c.tags = append(c.tags, appliedTag{id: tags[x].id, at: g.between(created, max(created, c.updatedAt)), by: admins[g.intn(len(admins))].id})
			}
		}
		seeded = append(seeded, c)
	}
	st.addSeeded(seeded)
}

// nextPart makes the next part of c from its state, and applies it.
func (g *gen) nextPart(s *Sandbox, c *conversation, ct *contact, seated, admins []*admin, conv, k int) *convPart {
	admin := func() *admin {
		if len(seated) > 0 && g.chance(0.9) {
			return seated[g.intn(len(seated))]
		}
		return admins[g.intn(len(admins))]
	}
	contactComment := func() *convPart {
		p := &convPart{partType: "comment", authorType: ct.role(), authorID: ct.id, body: paragraph(g.message(contactLines))}
		if g.chance(0.12) {
			p.attachments = g.attachments(conv, k+1)
		}
		c.state = "open" // a contact's reply reopens; waiting_since is its time
		return p
	}
	adminPart := func(typ string) *convPart {
		a := admin()
		p := &convPart{partType: typ, authorType: "admin", authorID: a.id, body: "<p>" + g.message(adminLines) + "</p>"}
		if typ == "comment" {
			c.waiting = 0
			if g.chance(0.12) {
				p.attachments = g.attachments(conv, k+1)
			}
		}
		return p
	}
	var p *convPart
	r := g.r.Float64()
	switch c.state {
	case "open":
		switch {
		case r < 0.36:
			p = contactComment()
		case r < 0.66:
			p = adminPart("comment")
		case r < 0.76:
			p = adminPart("note")
		case r < 0.84 && len(seated) > 0:
			a := admin()
			p = &convPart{partType: "assignment", authorType: "admin", authorID: a.id}
			if c.adminAssign != 0 && g.chance(0.15) {
				p.assignType = "nobody_admin"
				c.adminAssign = 0
			} else {
				to := seated[g.intn(len(seated))]
				p.assignType, p.assignID = "admin", to.id
				c.adminAssign = to.num
			}
		case r < 0.92:
			p = &convPart{partType: "close", authorType: "admin", authorID: admin().id}
			if g.chance(0.3) {
				p.body = "<p>" + g.pick(closings) + "</p>"
			}
			c.state = "closed"
		case r < 0.96:
			p = &convPart{partType: "snoozed", authorType: "admin", authorID: admin().id}
			c.state = "snoozed"
		default:
			p = &convPart{partType: "comment", authorType: "bot", authorID: "bot", body: "<p>" + g.pick(botLines) + "</p>"}
		}
	case "closed":
		switch {
		case r < 0.5:
			p = contactComment()
		case r < 0.7:
			p = &convPart{partType: "open", authorType: "admin", authorID: admin().id}
			c.state = "open"
		case r < 0.85:
			p = adminPart("note")
		default:
			p = adminPart("comment")
		}
	default: // snoozed
		switch {
		case r < 0.4:
			p = &convPart{partType: "timer_unsnooze", authorType: "bot", authorID: "bot"}
			c.state = "open"
		case r < 0.7:
			p = contactComment()
		case r < 0.85:
			p = &convPart{partType: "open", authorType: "admin", authorID: admin().id}
			c.state = "open"
		default:
			p = adminPart("note")
		}
	}
	return p
}

// attachments makes 1 to 3 attachments of part k of conversation conv.
func (g *gen) attachments(conv, k int) []attachment {
	n := 1 + g.intn(3)
	out := make([]attachment, 0, n)
	for j := 0; j < n; j++ {
		ext := g.pick([]string{"png", "jpg", "pdf", "csv"})
		name := g.pick([]string{"screenshot", "invoice", "error", "export", "photo", "receipt"}) + "-" + strconv.Itoa(j+1) + "." + ext
		u := "https://files.sandbox.example/c" + strconv.Itoa(conv) + "/p" + strconv.Itoa(k) + "/" + name
		out = append(out, attachment{name: name, url: u, contentType: contentTypeOf(name), size: int64(1000 + len(u)*37)})
	}
	return out
}

// message makes one or two lines from a list.
func (g *gen) message(lines []string) string {
	m := g.pick(lines)
	if g.chance(0.3) {
		m += "\n" + g.pick(lines)
	}
	return m
}

var contactLines = []string{
	"Hi, I can't log in to my account since this morning.",
	"The export to CSV stops halfway through.",
	"Could you tell me when my plan renews?",
	"I was charged twice this month & need a refund.",
	"The mobile app crashes when I open reports.",
	"Thanks, that fixed it!",
	"Is there an API limit I should know about?",
	"We'd like to add five more seats to our team.",
	"The integration with Slack stopped posting messages.",
	"Where can I download last month's invoice?",
	"Still not working, I'm afraid.",
	"Can I change the email address on the account?",
}

var adminLines = []string{
	"Thanks for reaching out! Let me look into this for you.",
	"Could you send me a screenshot of the error?",
	"I've refunded the duplicate charge; it should appear within 5 days.",
	"We've shipped a fix for this: could you try again?",
	"Your plan renews on the first of next month.",
	"I've passed this on to our engineering team.",
	"You can find invoices under Settings &gt; Billing.",
	"Happy to help. Is there anything else?",
}

var botLines = []string{
	"Hi there, I'm Fin. Here's an article that may help.",
	"Did that answer your question?",
}

var closings = []string{"Closing this for now: reply any time.", "Glad we could sort it out!"}

var subjects = []string{"Your account review", "Following up on your request", "Welcome to the team plan"}

var titles = []string{"Refund request", "Login problem", "Export failing", "Billing question", "Seat upgrade"}
