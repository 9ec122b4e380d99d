package migrate_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/pkg/intercom"
)

func planMaps() *migrate.ConversationMaps {
	return &migrate.ConversationMaps{
		Admins:   map[string]string{"a1": "11", "a2": "12", "a3": "13"},
		Contacts: map[string]string{"c1": "dc1"},
		Roles:    map[string]string{},
		Tags:     map[string]string{"t1": "dt1"},
		Teams:    map[string]string{"team1": "dteam1"},
		Seated:   map[string]bool{"11": true, "12": true}, // 13 has no seat
		Fallback: "99",
		Now:      2_000_000_000,
	}
}

func part(id, typ, authorType, author string, at int64) *intercom.ConversationPart {
	return &intercom.ConversationPart{ID: id, PartType: typ, Author: &intercom.PartAuthor{Type: authorType, ID: author}, CreatedAt: at, Body: "<p>" + id + "</p>"}
}

func conv(state string, parts ...*intercom.ConversationPart) *intercom.Conversation {
	return &intercom.Conversation{
		ID: "1", CreatedAt: 1000, State: state,
		Source:            &intercom.ConversationSource{Type: "conversation", Body: "<p>Hi &amp; hello</p><p>there</p>", Author: &intercom.PartAuthor{Type: "user", ID: "c1"}},
		Contacts:          &intercom.ConversationContacts{Contacts: []intercom.ContactReference{{ID: "c1"}}},
		ConversationParts: &intercom.ConversationPartList{ConversationParts: parts, TotalCount: len(parts)},
	}
}

func kinds(ops []migrate.PartOp) []string {
	var out []string
	for _, op := range ops {
		s := op.Kind + ":" + op.AuthorID
		if op.Kind == "assignment" {
			s += ">" + op.AssigneeID
		}
		out = append(out, s)
	}
	return out
}

func TestPlanConversation(t *testing.T) {
	assigned := part("p4", "assignment", "admin", "a1", 1004)
	assigned.AssignedTo = &intercom.Reference{Type: "admin", ID: "a2"}
	seatless := part("p5", "assignment", "admin", "a1", 1005)
	seatless.AssignedTo = &intercom.Reference{Type: "admin", ID: "a3"}
	team := part("p6", "assignment", "admin", "a1", 1006)
	team.AssignedTo = &intercom.Reference{Type: "team", ID: "team1"}
	c := conv("closed",
		part("p1", "comment", "user", "c1", 1001),
		part("p2", "comment", "admin", "a9", 1002), // no teammate: the fallback
		part("p3", "note", "admin", "a1", 1003),
		assigned, seatless, team,
		part("p7", "comment", "bot", "fin", 1007),      // the AI agent: not created
		part("p8", "timer_unsnooze", "bot", "x", 1008), // an event: not created
		part("p9", "snoozed", "admin", "a1", 1009),     // an ended snooze
		part("p10", "close", "admin", "a2", 1010),
	)
	c.AdminAssigneeID = 0
	c.Title = "T"
	c.CustomAttributes = map[string]any{"issue_type": "Bug", "gone": nil}
	c.Tags = &intercom.ConversationTags{Tags: []*intercom.ConversationTag{
		{ID: "t1", Name: "VIP", AppliedBy: &intercom.Reference{Type: "admin", ID: "a2"}},
		{ID: "t9", Name: "New tag"},
	}}
	p, err := migrate.PlanConversation(c, planMaps())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"comment:dc1", "comment:99", "note:11", "assignment:11>12", "assignment:11>dteam1", "close:12",
		"assignment:99>0"} // the source ends unassigned
	if got := kinds(p.Ops); !slices.Equal(got, want) {
		t.Errorf("ops\n got %v\nwant %v", got, want)
	}
	if p.SkippedParts != 4 || p.AssignmentsSkipped != 1 || p.AuthorFallbacks != 1 {
		t.Errorf("skipped %d, assignments skipped %d, fallbacks %d", p.SkippedParts, p.AssignmentsSkipped, p.AuthorFallbacks)
	}
	if p.Ops[0].CreatedAt != 1001 || !p.Ops[0].AuthorContact || p.Ops[5].CreatedAt != 0 {
		t.Errorf("times: %+v", p.Ops)
	}
	if s := p.Start.ByContact; s == nil || s.Body != "Hi & hello\nthere" || s.CreatedAt != 1000 || s.From.ID != "dc1" {
		t.Errorf("start %+v", s)
	}
	if p.State != "closed" || p.AdminAssignee != "" {
		t.Errorf("end state %s assignee %q", p.State, p.AdminAssignee)
	}
	if p.Update == nil || *p.Update.Title != "T" || len(p.Update.CustomAttributes) != 1 {
		t.Errorf("update %+v", p.Update)
	}
	if len(p.Tags) != 2 || p.Tags[0].DstID != "dt1" || p.Tags[0].AdminID != "12" || p.Tags[1].DstID != "" || p.Tags[1].AdminID != "99" {
		t.Errorf("tags %+v", p.Tags)
	}

	// A snooze still running is replayed; an unmapped contact is a failure.
	running := conv("snoozed", part("s1", "comment", "user", "c1", 1001), part("s2", "snoozed", "admin", "a1", 1002), part("s3", "note", "admin", "a1", 1003))
	running.SnoozedUntil = 2_100_000_000
	running.Parts()[1].State, running.Parts()[2].State = "snoozed", "snoozed"
	p, err = migrate.PlanConversation(running, planMaps())
	if err != nil {
		t.Fatal(err)
	}
	if got := kinds(p.Ops); !slices.Equal(got, []string{"comment:dc1", "snoozed:11", "note:11"}) || p.Ops[1].SnoozedUntil != 2_100_000_000 {
		t.Errorf("running snooze: %v", got)
	}
	orphan := conv("open")
	orphan.Source.Author.ID, orphan.Contacts.Contacts[0].ID = "c404", "c404"
	var pe *migrate.PlanError
	if _, err := migrate.PlanConversation(orphan, planMaps()); !errors.As(err, &pe) {
		t.Errorf("unmapped contact: %v", err)
	}

	// Older parts beyond the API: the end state is set by the fallback.
	cut := conv("snoozed", part("q1", "comment", "admin", "a1", 1001))
	cut.ConversationParts.TotalCount = 800
	cut.SnoozedUntil = 2_100_000_000
	cut.AdminAssigneeID = 0
	p, _ = migrate.PlanConversation(cut, planMaps())
	if !p.Truncated || !slices.Equal(kinds(p.Ops), []string{"comment:11", "snoozed:99"}) {
		t.Errorf("truncated: %v %v", p.Truncated, kinds(p.Ops))
	}

	// An admin's message, more than 10 attachments on a part.
	am := conv("open")
	am.Source = &intercom.ConversationSource{Type: "email", Subject: "Hi", Body: "<p>B</p>", Author: &intercom.PartAuthor{Type: "admin", ID: "a2"}}
	many := part("m1", "comment", "admin", "a1", 1001)
	for i := range 12 {
		many.Attachments = append(many.Attachments, intercom.PartAttachment{Name: fmt.Sprint(i), URL: fmt.Sprintf("https://x.example/%d", i)})
	}
	am.ConversationParts = &intercom.ConversationPartList{ConversationParts: []*intercom.ConversationPart{many}, TotalCount: 1}
	p, _ = migrate.PlanConversation(am, planMaps())
	if m := p.Start.ByAdmin; m == nil || m.MessageType != "email" || m.From.ID != 12 || p.Start.AuthorID != "12" || m.To.Type != "user" || !m.CreateConversationWithoutContactReply {
		t.Errorf("admin start %+v", m)
	}
	if len(p.Ops[0].AttachmentURLs) != 10 || p.AttachmentsDropped != 2 {
		t.Errorf("attachments %d dropped %d", len(p.Ops[0].AttachmentURLs), p.AttachmentsDropped)
	}
}

// TestMatchParts: a destination conversation is reconciled with the plan:
// its parts must be the plan's first ones in order; Intercom's own events
// are ignored; anything else stops the appending.
func TestMatchParts(t *testing.T) {
	ops := []migrate.PartOp{
		{Kind: "comment", AuthorID: "dc1", AuthorContact: true, CreatedAt: 1001},
		{Kind: "note", AuthorID: "d1", CreatedAt: 1002},
		{Kind: "assignment", AuthorID: "d1", AssigneeID: "d2"},
		{Kind: "close", AuthorID: "d2"},
	}
	dst := func(parts ...*intercom.ConversationPart) *intercom.Conversation {
		return &intercom.Conversation{ConversationParts: &intercom.ConversationPartList{ConversationParts: parts, TotalCount: len(parts)}}
	}
	asg := part("x3", "assignment", "admin", "d1", 5000)
	asg.AssignedTo = &intercom.Reference{Type: "admin", ID: "d2"}
	wrongAsg := part("x3", "assignment", "admin", "d1", 5000)
	wrongAsg.AssignedTo = &intercom.Reference{Type: "admin", ID: "d9"}
	for _, tc := range []struct {
		name    string
		d       *intercom.Conversation
		n       int
		diverge bool
	}{
		{"empty", dst(), 0, false},
		{"two done", dst(part("x1", "comment", "user", "dc1", 1001), part("x2", "note", "admin", "d1", 1002)), 2, false},
		{"events ignored", dst(part("x1", "comment", "user", "dc1", 1001), part("e", "conversation_attribute_updated_by_admin", "admin", "d1", 9),
			part("b", "comment", "bot", "fin", 9), part("x2", "note", "admin", "d1", 1002), asg), 3, false},
		{"all", dst(part("x1", "comment", "user", "dc1", 1001), part("x2", "note", "admin", "d1", 1002), asg, part("x4", "close", "admin", "d2", 6000)), 4, false},
		{"another time", dst(part("x1", "comment", "user", "dc1", 999)), 0, true},
		{"another author", dst(part("x1", "comment", "user", "dc2", 1001)), 0, true},
		{"another assignee", dst(part("x1", "comment", "user", "dc1", 1001), part("x2", "note", "admin", "d1", 1002), wrongAsg), 2, true},
		{"a part too many", dst(part("x1", "comment", "user", "dc1", 1001), part("x2", "note", "admin", "d1", 1002), asg,
			part("x4", "close", "admin", "d2", 6000), part("x5", "open", "admin", "d2", 6001)), 4, true},
	} {
		n, why := migrate.MatchParts(tc.d, ops)
		if n != tc.n || (why != "") != tc.diverge {
			t.Errorf("%s: n %d why %q, want %d diverging %v", tc.name, n, why, tc.n, tc.diverge)
		}
	}
	// More parts than the API returns: the hidden oldest count as the plan's first.
	cut := dst(asg, part("x4", "close", "admin", "d2", 6000))
	cut.ConversationParts.TotalCount = 4
	if n, why := migrate.MatchParts(cut, ops); n != 4 || why != "" {
		t.Errorf("truncated destination: %d %q", n, why)
	}
}

func TestNormalizeBody(t *testing.T) {
	for in, want := range map[string]string{
		"<p>a &amp; b</p><p>c</p>": "a & b c",
		"a\n  b":                   "a b",
		"<p>x<br>y</p>":            "x y",
		"":                         "",
	} {
		if got := migrate.NormalizeBody(in); got != want {
			t.Errorf("NormalizeBody(%q) = %q, want %q", in, got, want)
		}
	}
}
