package intercomtest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/icmigrate/icmigrate/pkg/intercom"
	"github.com/icmigrate/icmigrate/pkg/intercom/intercomtest"
)

// TestSeededTickets: states in every workspace (one more in seeded ones),
// three types with attributes of every settable type, N/8 tickets with
// parts, every answer valid against the spec.
func TestSeededTickets(t *testing.T) {
	ctx := context.Background()
	_, empty, _ := convClient(t, intercomtest.Options{Seed: 3})
	states, _, err := empty.TicketTypes.ListStates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(states) != 5 {
		t.Errorf("an empty workspace has %d ticket states, want 5", len(states))
	}
	if types, _, err := empty.TicketTypes.List(ctx); err != nil || len(types) != 0 {
		t.Errorf("an empty workspace has ticket types: %v %v", types, err)
	}

	sb, c, _ := convClient(t, intercomtest.Options{Contacts: 800, Seed: 3})
	if got := sb.Count("tickets"); got != 100 {
		t.Errorf("%d tickets for 800 contacts, want 100", got)
	}
	types, _, err := c.TicketTypes.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dataTypes := map[string]bool{}
	for _, ty := range types {
		if len(ty.Attributes()) < 4 {
			t.Errorf("type %s has %d attributes", ty.Name, len(ty.Attributes()))
		}
		for _, a := range ty.Attributes() {
			dataTypes[a.DataType] = true
			if a.DataType == "list" && len(a.ListOptions()) != 4 {
				t.Errorf("list attribute %s: %+v", a.Name, a.InputOptions)
			}
		}
	}
	if len(types) != 3 || len(dataTypes) != 6 {
		t.Errorf("%d types, data types %v", len(types), dataTypes)
	}
	var n, parts, closed, custom int
	for tk, err := range c.Tickets.SearchAll(ctx, intercom.AllTickets, &intercom.ListOptions{PerPage: 30}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		full, _, err := c.Tickets.Get(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		parts += len(full.Parts())
		if !full.Open {
			closed++
		}
		if full.TicketState != nil && full.TicketState.InternalLabel == "Awaiting vendor" {
			custom++
		}
		if full.TicketAttributes[intercom.TicketTitleAttribute] == nil || len(full.Contacts.Contacts) != 1 {
			t.Errorf("ticket %s: %+v", tk.ID, full)
		}
	}
	if n != 100 || parts < 300 || closed < 5 || custom == 0 {
		t.Errorf("tickets %d parts %d closed %d in the seeded-only state %d", n, parts, closed, custom)
	}
}

// TestTicketWrites: types, attributes, tickets, replies and updates as
// Intercom answers them.
func TestTicketWrites(t *testing.T) {
	ctx := context.Background()
	_, c, _ := convClient(t, intercomtest.Options{Contacts: 30, Seed: 9})
	ty, _, err := c.TicketTypes.Create(ctx, &intercom.TicketTypeRequest{Name: "Question", Category: "Customer", Description: "A question"})
	if err != nil {
		t.Fatal(err)
	}
	var invalid *intercom.InvalidError
	if _, _, err := c.TicketTypes.Create(ctx, &intercom.TicketTypeRequest{Name: "question"}); !errors.As(err, &invalid) {
		t.Errorf("a second type of the same name: %v, want 400", err)
	}
	a, _, err := c.TicketTypes.CreateAttribute(ctx, ty.ID, &intercom.TicketTypeAttributeRequest{Name: "topic", DataType: "list", ListItems: []string{"Billing", "Other"}})
	if err != nil {
		t.Fatal(err)
	}
	if opts := a.ListOptions(); len(opts) != 2 || opts[0].Label != "Billing" || opts[0].ID == "" {
		t.Fatalf("list options %+v", opts)
	}
	page, _, err := c.Contacts.List(ctx, &intercom.ListOptions{PerPage: 2})
	if err != nil {
		t.Fatal(err)
	}
	ct := page.Data[0]
	if _, _, err := c.Tickets.Create(ctx, &intercom.CreateTicketRequest{TicketTypeID: ty.ID, Contacts: []intercom.TicketContact{{ID: ct.ID}},
		TicketAttributes: map[string]any{"topic": "Billing"}}); !errors.As(err, &invalid) {
		t.Errorf("a list value by label and no title: %v, want 400", err)
	}
	tk, _, err := c.Tickets.Create(ctx, &intercom.CreateTicketRequest{TicketTypeID: ty.ID, Contacts: []intercom.TicketContact{{ID: ct.ID}},
		CreatedAt: 1600000000, TicketAttributes: map[string]any{intercom.TicketTitleAttribute: "Help", "topic": a.ListOptions()[0].ID}})
	if err != nil {
		t.Fatal(err)
	}
	if tk.CreatedAt != 1600000000 || tk.TicketAttributes["topic"] != "Billing" || tk.TicketState.Category != "submitted" || !tk.Open {
		t.Errorf("created %+v", tk)
	}
	admins, _, _ := c.Admins.List(ctx)
	if _, _, err := c.Tickets.Reply(ctx, tk.ID, &intercom.ReplyRequest{MessageType: "note", Type: "admin", AdminID: admins[0].ID, Body: "<p>n</p>", CreatedAt: 1600000100}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Tickets.Reply(ctx, tk.ID, &intercom.ReplyRequest{MessageType: "comment", Type: "user", IntercomUserID: ct.ID, Body: "<p>c</p>", CreatedAt: 1600000200}); err != nil {
		t.Fatal(err)
	}
	states, _, _ := c.TicketTypes.ListStates(ctx)
	var resolved string
	for _, s := range states {
		if s.Category == "resolved" {
			resolved = s.ID
		}
	}
	got, _, err := c.Tickets.Update(ctx, tk.ID, &intercom.UpdateTicketRequest{TicketStateID: resolved, Open: intercom.Ptr(false), AssigneeID: admins[1].ID})
	if err != nil {
		t.Fatal(err)
	}
	if got.Open || got.TicketState.ID != resolved || got.AdminAssigneeID != admins[1].ID {
		t.Errorf("updated %+v", got)
	}
	var kinds []string
	for _, p := range got.Parts() {
		kinds = append(kinds, p.PartType)
	}
	if len(kinds) != 5 || kinds[0] != "note" || kinds[1] != "comment" || got.Parts()[1].CreatedAt != 1600000200 {
		t.Errorf("parts %v", kinds)
	}
	found, _, err := c.Tickets.Search(ctx, intercom.And(intercom.Eq("contact_ids", ct.ID), intercom.Filter{Field: "created_at", Operator: "<", Value: 1600000001}), nil)
	if err != nil || len(found.Tickets) != 1 {
		t.Errorf("search: %v %v", found, err)
	}
}
