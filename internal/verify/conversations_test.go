package verify_test

import (
	"slices"
	"testing"

	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/internal/verify"
	"github.com/icmigrate/icmigrate/pkg/intercom"
)

func cpart(id, typ, authorType, author string, at int64, body string) *intercom.ConversationPart {
	return &intercom.ConversationPart{ID: id, PartType: typ, Author: &intercom.PartAuthor{Type: authorType, ID: author}, CreatedAt: at, Body: body}
}

// TestConversationDiff: a copy is compared with its source through the
// plan: ids through the maps, parts in order, the API's own dating of state
// parts ignored; every difference is named.
func TestConversationDiff(t *testing.T) {
	maps := &migrate.ConversationMaps{
		Admins: map[string]string{"a1": "11"}, Contacts: map[string]string{"c1": "dc1"}, Roles: map[string]string{},
		Tags: map[string]string{}, Seated: map[string]bool{"11": true}, Fallback: "99", Now: 2_000_000_000,
	}
	src := &intercom.Conversation{
		ID: "1", CreatedAt: 1000, State: "closed", Title: "T", CustomAttributes: map[string]any{"issue_type": "Bug"},
		Source:   &intercom.ConversationSource{Type: "conversation", Body: "<p>Hi</p>", Author: &intercom.PartAuthor{Type: "user", ID: "c1"}},
		Contacts: &intercom.ConversationContacts{Contacts: []intercom.ContactReference{{ID: "c1"}}},
		Tags:     &intercom.ConversationTags{Tags: []*intercom.ConversationTag{{ID: "t", Name: "VIP"}}},
		ConversationParts: &intercom.ConversationPartList{TotalCount: 3, ConversationParts: []*intercom.ConversationPart{
			cpart("1", "comment", "user", "c1", 1001, "<p>help</p>"),
			cpart("2", "comment", "bot", "fin", 1002, "<p>I am Fin</p>"),
			cpart("3", "close", "admin", "a1", 1003, ""),
		}},
	}
	good := func() *intercom.Conversation {
		return &intercom.Conversation{
			ID: "9", CreatedAt: 1000, State: "closed", Title: "T", CustomAttributes: map[string]any{"issue_type": "Bug"},
			Source:   &intercom.ConversationSource{Type: "conversation", DeliveredAs: "customer_initiated", Body: "<p>Hi</p>", Author: &intercom.PartAuthor{Type: "user", ID: "dc1"}},
			Contacts: &intercom.ConversationContacts{Contacts: []intercom.ContactReference{{ID: "dc1"}}},
			Tags:     &intercom.ConversationTags{Tags: []*intercom.ConversationTag{{ID: "x", Name: "vip"}}},
			ConversationParts: &intercom.ConversationPartList{TotalCount: 2, ConversationParts: []*intercom.ConversationPart{
				cpart("7", "comment", "user", "dc1", 1001, "<p>help</p>"),
				cpart("8", "close", "admin", "11", 1_800_000_000, ""), // dated by the API
			}},
		}
	}
	plan, err := migrate.PlanConversation(src, maps)
	if err != nil {
		t.Fatal(err)
	}
	if d := verify.ConversationDiff(src, good(), plan); len(d) != 0 {
		t.Fatalf("a faithful copy differs: %v", d)
	}
	for _, tc := range []struct {
		change func(c *intercom.Conversation)
		want   string
	}{
		{func(c *intercom.Conversation) { c.CreatedAt = 1 }, "created_at"},
		{func(c *intercom.Conversation) { c.State = "open" }, "state"},
		{func(c *intercom.Conversation) { c.Title = "" }, "title"},
		{func(c *intercom.Conversation) { c.CustomAttributes["issue_type"] = "Billing" }, "custom_attributes"},
		{func(c *intercom.Conversation) { c.Tags.Tags = nil }, "tags"},
		{func(c *intercom.Conversation) { c.Source.Body = "<p>Ho</p>" }, "source.body"},
		{func(c *intercom.Conversation) { c.Source.Author.ID = "dc2" }, "source.author"},
		{func(c *intercom.Conversation) { c.AdminAssigneeID = 11 }, "admin_assignee_id"},
		{func(c *intercom.Conversation) { c.ConversationParts.ConversationParts[0].CreatedAt = 5 }, "parts[0].created_at"},
		{func(c *intercom.Conversation) { c.ConversationParts.ConversationParts[0].Body = "<p>x</p>" }, "parts[0].body"},
		{func(c *intercom.Conversation) { c.ConversationParts.ConversationParts[1].Author.ID = "12" }, "parts[1].author"},
		{func(c *intercom.Conversation) {
			p := c.ConversationParts.ConversationParts
			c.ConversationParts.ConversationParts = []*intercom.ConversationPart{p[1], p[0]}
		}, "parts[0].part_type"},
		{func(c *intercom.Conversation) {
			c.ConversationParts.ConversationParts = c.ConversationParts.ConversationParts[:1]
			c.ConversationParts.TotalCount = 1
		}, "parts.count (1, want 2)"},
	} {
		c := good()
		tc.change(c)
		if d := verify.ConversationDiff(src, c, plan); !slices.Contains(d, tc.want) {
			t.Errorf("want %q among %v", tc.want, d)
		}
	}
}
