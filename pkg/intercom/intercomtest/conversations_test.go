package intercomtest_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/icmigrate/icmigrate/pkg/intercom"
	"github.com/icmigrate/icmigrate/pkg/intercom/intercomtest"
)

func convClient(t *testing.T, opts intercomtest.Options) (*intercomtest.Sandbox, *intercom.Client, *api) {
	t.Helper()
	sb, srv := intercomtest.NewServer(t, opts)
	c, err := intercom.NewClient(sb.Tokens()[0], intercom.US, intercom.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	return sb, c, newAPI(t, srv.URL, sb.Tokens()[0])
}

// TestSeededConversations: N/2 conversations for N contacts, 1 to 30
// parts, some over 500 (the newest 500 returned, total_count the whole),
// every answer valid against the spec; deterministic from the seed.
func TestSeededConversations(t *testing.T) {
	ctx := context.Background()
	sb, c, _ := convClient(t, intercomtest.Options{Contacts: 1200, Seed: 3})
	if got := sb.Count("conversations"); got != 600 {
		t.Fatalf("%d conversations for 1200 contacts, want 600", got)
	}
	var n, big, adminInit, snoozed, closed, tagged, withAttrs, withAttachments int
	kinds := map[string]int{}
	var prev int64
	for conv, err := range c.Conversations.All(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if conv.CreatedAt < prev {
			t.Fatalf("conversations not in creation order")
		}
		prev = conv.CreatedAt
		if conv.ConversationParts != nil {
			t.Fatal("a listed conversation carries its parts")
		}
		full, _, err := c.Conversations.Get(ctx, conv.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		parts := full.Parts()
		total := full.ConversationParts.TotalCount
		switch {
		case total > 500:
			big++
			if len(parts) != 500 || !full.PartsTruncated() {
				t.Errorf("conversation %s: %d parts of %d returned", conv.ID, len(parts), total)
			}
		case total < 1 || total > 30:
			t.Errorf("conversation %s has %d parts", conv.ID, total)
		case len(parts) != total || full.PartsTruncated():
			t.Errorf("conversation %s: %d parts returned of %d", conv.ID, len(parts), total)
		}
		for i, p := range parts {
			kinds[p.PartType+"/"+p.Author.Type]++
			if i > 0 && p.CreatedAt < parts[i-1].CreatedAt {
				t.Fatalf("conversation %s: parts out of time order", conv.ID)
			}
			if len(p.Attachments) > 0 {
				withAttachments++
			}
		}
		if full.Source.DeliveredAs == "admin_initiated" {
			adminInit++
		}
		switch full.State {
		case "snoozed":
			snoozed++
			if full.SnoozedUntil <= time.Now().Unix() {
				t.Errorf("conversation %s snoozed until the past", conv.ID)
			}
		case "closed":
			closed++
		}
		if full.Tags != nil && len(full.Tags.Tags) > 0 {
			tagged++
		}
		if len(full.CustomAttributes) > 0 {
			withAttrs++
		}
		if len(full.Contacts.Contacts) != 1 {
			t.Errorf("conversation %s has %d contacts", conv.ID, len(full.Contacts.Contacts))
		}
	}
	if n != 600 || big < 2 || adminInit < 100 || snoozed == 0 || closed < 50 || tagged < 80 || withAttrs < 200 || withAttachments < 50 {
		t.Errorf("n %d big %d admin-initiated %d snoozed %d closed %d tagged %d with attributes %d parts with attachments %d",
			n, big, adminInit, snoozed, closed, tagged, withAttrs, withAttachments)
	}
	for _, k := range []string{"comment/admin", "comment/user", "comment/lead", "note/admin", "assignment/admin", "close/admin",
		"open/admin", "snoozed/admin", "timer_unsnooze/bot", "comment/bot"} {
		if kinds[k] == 0 {
			t.Errorf("no part of kind %s (%v)", k, kinds)
		}
	}
	// Deterministic: another sandbox of the same seed holds the same.
	sb2, _, _ := convClient(t, intercomtest.Options{Contacts: 1200, Seed: 3})
	a, _ := sb.Records("conversations")
	b, _ := sb2.Records("conversations")
	if len(a) != len(b) || string(a[17]) != string(b[17]) {
		t.Error("the same seed gave different conversations")
	}
}

// TestConversationWrites: creating with a past time, replies dated in the
// past, notes, state changes, assignments, tags and attributes, as
// Intercom answers them.
func TestConversationWrites(t *testing.T) {
	ctx := context.Background()
	sb, c, raw := convClient(t, intercomtest.Options{Contacts: 40, Seed: 5})
	admins, _, err := c.Admins.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var seated, seatless *intercom.Admin
	for _, a := range admins {
		if a.HasInboxSeat && seated == nil {
			seated = a
		}
		if !a.HasInboxSeat && seatless == nil {
			seatless = a
		}
	}
	page, _, err := c.Contacts.List(ctx, &intercom.ListOptions{PerPage: 5})
	if err != nil {
		t.Fatal(err)
	}
	ct := page.Data[0]
	before := sb.Count("conversations")
	m, _, err := c.Conversations.Create(ctx, &intercom.CreateConversationRequest{
		From: intercom.ConversationFrom{Type: ct.Role, ID: ct.ID}, Body: "Hello & welcome\nsecond line", CreatedAt: 1600000000,
		AttachmentURLs: []string{"https://files.example/a/shot.png"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if m.ConversationID == "" || sb.Count("conversations") != before+1 {
		t.Fatalf("created %+v", m)
	}
	id := m.ConversationID
	if _, _, err := c.Conversations.Reply(ctx, id, &intercom.ReplyRequest{MessageType: "comment", Type: "admin", AdminID: seated.ID, Body: "<p>Hi</p>", CreatedAt: 1600000100}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Conversations.Close(ctx, id, seated.ID, ""); err != nil {
		t.Fatal(err)
	}
	conv, _, err := c.Conversations.Reply(ctx, id, &intercom.ReplyRequest{MessageType: "comment", Type: "user", IntercomUserID: ct.ID, Body: "<p>Still broken</p>", CreatedAt: 1600000200})
	if err != nil {
		t.Fatal(err)
	}
	if conv.State != "open" || conv.WaitingSince != 1600000200 {
		t.Errorf("a contact's reply left state %s waiting since %d", conv.State, conv.WaitingSince)
	}
	if _, _, err := c.Conversations.Reply(ctx, id, &intercom.ReplyRequest{MessageType: "note", Type: "admin", AdminID: seated.ID, Body: "<p>internal</p>", CreatedAt: 1600000300}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Conversations.Assign(ctx, id, &intercom.AssignRequest{AdminID: seated.ID, AssigneeID: seated.ID}); err != nil {
		t.Fatal(err)
	}
	var forbidden *intercom.ForbiddenError
	if seatless != nil {
		if _, _, err := c.Conversations.Assign(ctx, id, &intercom.AssignRequest{AdminID: seated.ID, AssigneeID: seatless.ID}); !errors.As(err, &forbidden) {
			t.Errorf("assigning to an admin without a seat: %v, want 403", err)
		}
	}
	var invalid *intercom.InvalidError
	if _, _, err := c.Conversations.Snooze(ctx, id, seated.ID, 1600000000); !errors.As(err, &invalid) {
		t.Errorf("snoozing into the past: %v, want 400", err)
	}
	until := time.Now().Add(48 * time.Hour).Unix()
	if _, _, err := c.Conversations.Snooze(ctx, id, seated.ID, until); err != nil {
		t.Fatal(err)
	}
	tags, _, err := c.Tags.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, _, err := c.Conversations.AddTag(ctx, id, tags[0].ID, seated.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := c.Conversations.Update(ctx, id, &intercom.ConversationUpdate{CustomAttributes: map[string]any{"nope": "x"}}); !errors.As(err, &invalid) {
		t.Errorf("unknown attribute: %v, want 400", err)
	}
	if _, _, err := c.Conversations.Update(ctx, id, &intercom.ConversationUpdate{Title: intercom.Ptr("Refund"),
		CustomAttributes: map[string]any{"issue_type": "Billing", "severity": 2}}); err != nil {
		t.Fatal(err)
	}
	got, _, err := c.Conversations.Get(ctx, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.CreatedAt != 1600000000 || got.Source.Body != "<p>Hello &amp; welcome</p><p>second line</p>" || got.Source.Author.ID != ct.ID ||
		len(got.Source.Attachments) != 1 || got.Source.Attachments[0].Name != "shot.png" {
		t.Errorf("source %+v", got.Source)
	}
	var seq []string
	for _, p := range got.Parts() {
		seq = append(seq, p.PartType)
	}
	if want := []string{"comment", "close", "comment", "note", "assignment", "snoozed"}; !slices.Equal(seq, want) {
		t.Errorf("parts %v, want %v", seq, want)
	}
	if p := got.Parts()[2]; p.CreatedAt != 1600000200 || p.Author.ID != ct.ID {
		t.Errorf("contact reply %+v", p)
	}
	if got.State != "snoozed" || got.SnoozedUntil != until || got.AdminAssigneeID == 0 || got.Title != "Refund" ||
		len(got.Tags.Tags) != 1 || got.CustomAttributes["issue_type"] != "Billing" {
		t.Errorf("conversation %+v", got)
	}
	plain, _, err := c.Conversations.Get(ctx, id, &intercom.ConversationGetOptions{PlainText: true})
	if err != nil {
		t.Fatal(err)
	}
	if plain.Source.Body != "Hello & welcome\nsecond line" {
		t.Errorf("plaintext source body %q", plain.Source.Body)
	}

	// Admin-initiated, by message.
	msg, _, err := c.Messages.Create(ctx, &intercom.MessageRequest{MessageType: "email", Subject: "Hello", Body: "<p>Hi</p>",
		From: intercom.MessageFrom{ID: mustInt(t, seated.ID)}, To: intercom.MessageRecip{Type: ct.Role, ID: ct.ID},
		CreatedAt: 1500000000, CreateConversationWithoutContactReply: true})
	if err != nil {
		t.Fatal(err)
	}
	ad, _, err := c.Conversations.Get(ctx, msg.ConversationID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ad.Source.DeliveredAs != "admin_initiated" || ad.Source.Type != "email" || ad.Source.Subject != "Hello" || ad.CreatedAt != 1500000000 || ad.Source.Author.ID != seated.ID {
		t.Errorf("admin-initiated %+v", ad.Source)
	}

	// Search: by contact and time.
	res, _, err := c.Conversations.Search(ctx, intercom.And(intercom.Eq("contact_ids", ct.ID),
		intercom.Filter{Field: "created_at", Operator: ">", Value: 1599999999}, intercom.Filter{Field: "created_at", Operator: "<", Value: 1600000001}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Conversations) != 1 || res.Conversations[0].ID != id {
		t.Errorf("search found %d", len(res.Conversations))
	}

	// Errors: unknown conversation, unknown contact, a non-participant.
	if r := raw.do("GET", "/conversations/1", nil); r.status != 404 {
		t.Errorf("unknown conversation: %d", r.status)
	}
	if r := raw.do("POST", "/conversations", map[string]any{"from": map[string]any{"type": "user", "id": strings.Repeat("a", 24)}, "body": "x"}); r.status != 404 {
		t.Errorf("unknown contact: %d %s", r.status, r.body)
	}
	other := page.Data[1]
	if r := raw.do("POST", "/conversations/"+id+"/reply", map[string]any{"message_type": "comment", "type": "user", "intercom_user_id": other.ID, "body": "x"}); r.status != 400 {
		t.Errorf("a reply from a contact outside the conversation: %d %s", r.status, r.body)
	}
	if r := raw.do("POST", "/conversations/"+id+"/reply", map[string]any{"message_type": "comment", "type": "admin", "admin_id": seated.ID, "body": "x",
		"attachment_urls": strings.Split(strings.Repeat("https://x.example/a,", 11), ",")[:11]}); r.status != 400 {
		t.Errorf("11 attachments: %d", r.status)
	}
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	for _, ch := range s {
		if ch < '0' || ch > '9' {
			t.Fatalf("not an integer: %q", s)
		}
		n = n*10 + int64(ch-'0')
	}
	return n
}
