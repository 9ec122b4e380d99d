package intercom

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

const ticketJSON = `{"type":"ticket","id":"626","ticket_id":"33","category":"Customer",
 "ticket_attributes":{"_default_title_":"example","_default_description_":"there is a problem","amount":12.5,"count":12345678901234567},
 "ticket_state":{"type":"ticket_state","id":"8481","category":"submitted","internal_label":"Submitted","external_label":"Submitted"},
 "ticket_type":{"type":"ticket_type","id":"88","name":"my-ticket-type-23","description":"d","icon":"🦁","workspace_id":"w","archived":false,
  "created_at":1734537943,"updated_at":1734537943,"is_internal":false,
  "ticket_type_attributes":{"type":"list","data":[
   {"type":"ticket_type_attribute","id":"196","name":"_default_title_","data_type":"string","input_options":null,"default":true,"ticket_type_id":88},
   {"type":"ticket_type_attribute","id":"198","name":"severity","data_type":"list","input_options":{"list_options":[{"id":"a1","label":"Low","archived":false},{"id":"a2","label":"High"}]}}]},
  "category":"Customer"},
 "contacts":{"type":"contact.list","contacts":[{"type":"contact","id":"6762f2d81bb69f9f2193bc54","external_id":"70"}]},
 "admin_assignee_id":"0","team_assignee_id":7,"created_at":1734537943,"updated_at":1734537943,"is_shared":true,"open":true,
 "linked_objects":{"type":"list","data":[],"total_count":0,"has_more":false},
 "ticket_parts":{"type":"ticket_part.list","ticket_parts":[{"type":"ticket_part","id":"1","part_type":"ticket_state_updated_by_admin",
  "previous_ticket_state":"submitted","ticket_state":"in_progress","created_at":1,"author":{"type":"admin","id":"9"}}],"total_count":1}}`

func TestTicketRequests(t *testing.T) {
	ctx := context.Background()
	c, f := newFake(t, reply(200, ticketJSON))
	tk, _, err := c.Tickets.Create(ctx, &CreateTicketRequest{TicketTypeID: "88", Contacts: []TicketContact{{ID: "6762"}}, CreatedAt: 1590000000,
		TicketAttributes: map[string]any{TicketTitleAttribute: "example", "severity": "a1"}, Assignment: &TicketAssignment{AdminAssigneeID: "9"}})
	if err != nil {
		t.Fatal(err)
	}
	r := f.last(t)
	if r.Method != "POST" || r.Path != "/tickets" {
		t.Errorf("sent %s %s", r.Method, r.Path)
	}
	jsonEqual(t, r.Body, `{"ticket_type_id":"88","contacts":[{"id":"6762"}],"created_at":1590000000,
		"ticket_attributes":{"_default_title_":"example","severity":"a1"},"assignment":{"admin_assignee_id":"9"}}`)
	checkHeaders(t, r, true)
	if tk.AdminAssigneeID != "" || tk.TeamAssigneeID != "7" || tk.TicketState.Category != "submitted" || tk.TicketID != "33" {
		t.Errorf("ticket %+v", tk)
	}
	if n, ok := tk.TicketAttributes["count"].(json.Number); !ok || n.String() != "12345678901234567" {
		t.Errorf("attribute precision: %#v", tk.TicketAttributes["count"])
	}
	attrs := tk.TicketType.Attributes()
	if len(attrs) != 2 || attrs[1].ListOptions()[1].Label != "High" || attrs[0].ListOptions() != nil {
		t.Errorf("attributes %+v", attrs)
	}
	if p := tk.Parts(); len(p) != 1 || p[0].TicketState != "in_progress" || tk.PartsTruncated() {
		t.Errorf("parts %+v", p)
	}

	// The description's shape of the attribute list is read too.
	var ty TicketType
	if err := json.Unmarshal([]byte(`{"id":"1","name":"n","ticket_type_attributes":{"type":"ticket_type_attributes.list","ticket_type_attributes":[{"id":"2","name":"a","data_type":"string","input_options":{"multiline":true}}]}}`), &ty); err != nil {
		t.Fatal(err)
	}
	if a := ty.Attributes(); len(a) != 1 || !a[0].Multiline() {
		t.Errorf("attributes %+v", a)
	}

	for _, tc := range []struct {
		name, method, path, body string
		call                     func() error
	}{
		{"Update", "PUT", "/tickets/626", `{"ticket_state_id":"8482","open":false,"admin_id":9,"assignee_id":"0"}`, func() error {
			_, _, err := c.Tickets.Update(ctx, "626", &UpdateTicketRequest{TicketStateID: "8482", Open: Ptr(false), AdminID: 9, AssigneeID: "0"})
			return err
		}},
		{"Get", "GET", "/tickets/626", "", func() error { _, _, err := c.Tickets.Get(ctx, "626"); return err }},
		{"Search", "POST", "/tickets/search", `{"query":{"field":"created_at","operator":">","value":0},"pagination":{"per_page":50}}`, func() error {
			_, _, err := c.Tickets.Search(ctx, AllTickets, &ListOptions{PerPage: 50})
			return err
		}},
		{"TicketTypes.Create", "POST", "/ticket_types", `{"name":"Bug","category":"Customer","is_internal":false}`, func() error {
			_, _, err := c.TicketTypes.Create(ctx, &TicketTypeRequest{Name: "Bug", Category: "Customer", IsInternal: Ptr(false)})
			return err
		}},
		{"TicketTypes.Update", "PUT", "/ticket_types/88", `{"archived":true}`, func() error {
			_, _, err := c.TicketTypes.Update(ctx, "88", &TicketTypeRequest{Archived: Ptr(true)})
			return err
		}},
		{"TicketTypes.CreateAttribute", "POST", "/ticket_types/88/attributes",
			`{"name":"severity","description":"severity","data_type":"list","list_items":"Low,High","required_to_create":false}`, func() error {
				_, _, err := c.TicketTypes.CreateAttribute(ctx, "88", &TicketTypeAttributeRequest{Name: "severity", DataType: "list", ListItems: []string{"Low", "High"}, RequiredToCreate: Ptr(false)})
				return err
			}},
		{"TicketTypes.Get", "GET", "/ticket_types/88", "", func() error { _, _, err := c.TicketTypes.Get(ctx, "88"); return err }},
		{"TicketTypes.UpdateAttribute", "PUT", "/ticket_types/88/attributes/198", `{"list_items":"Critical"}`, func() error {
			_, _, err := c.TicketTypes.UpdateAttribute(ctx, "88", "198", &TicketTypeAttributeRequest{ListItems: []string{"Critical"}})
			return err
		}},
	} {
		if err := tc.call(); err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		r := f.last(t)
		if r.Method != tc.method || r.Path != tc.path {
			t.Errorf("%s: sent %s %s", tc.name, r.Method, r.Path)
		}
		if tc.body != "" {
			jsonEqual(t, r.Body, tc.body)
		}
	}

	// Lists.
	c2, _ := newFake(t, reply(200, `{"type":"list","data":[{"type":"ticket_state","id":"8269","category":"submitted","internal_label":"Submitted",
		"external_label":"Submitted","archived":false,"ticket_types":{"type":"list","data":[{"type":"ticket_type","id":"55","name":"t"}]}}]}`))
	states, _, err := c2.TicketTypes.ListStates(ctx)
	if err != nil || len(states) != 1 || states[0].TicketTypes.Data[0].ID != "55" {
		t.Errorf("states %+v %v", states, err)
	}
	if _, _, err := c.TicketTypes.CreateAttribute(ctx, "88", &TicketTypeAttributeRequest{Name: "x", DataType: "list", ListItems: []string{"a,b"}}); err == nil {
		t.Error("a list item with a comma was sent")
	}
	if _, _, err := c.Tickets.Create(ctx, &CreateTicketRequest{TicketTypeID: "88"}); err == nil {
		t.Error("a ticket without a contact was sent")
	}
}

// TestTicketWalksAndLists: SearchAll follows the cursor to the last page;
// the lists Intercom answers whole are read whole.
func TestTicketWalksAndLists(t *testing.T) {
	ctx := context.Background()
	c, f := newFake(t, cursorFake("tickets", "ticket", "a", "b", "c", "d", "e"))
	var got []string
	for tk, err := range c.Tickets.SearchAll(ctx, AllTickets, &ListOptions{PerPage: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, tk.ID)
	}
	if strings.Join(got, ",") != "a,b,c,d,e" || len(f.requests()) != 3 {
		t.Errorf("walked %v in %d requests", got, len(f.requests()))
	}

	c2, f2 := newFake(t, reply(200, `{"type":"list","data":[{"type":"ticket_type","id":"88","name":"Bug"},{"type":"ticket_type","id":"89","name":"Task"}]}`))
	types, _, err := c2.TicketTypes.List(ctx)
	if err != nil || len(types) != 2 || types[1].Name != "Task" {
		t.Errorf("types %+v %v", types, err)
	}
	if r := f2.last(t); r.Method != "GET" || r.Path != "/ticket_types" {
		t.Errorf("sent %s %s", r.Method, r.Path)
	}

	// A reply answers the new part.
	c3, f3 := newFake(t, reply(200, `{"type":"ticket_part","id":"9","part_type":"comment","body":"<p>b</p>","created_at":5,"author":{"type":"user","id":"6762"}}`))
	p, _, err := c3.Tickets.Reply(ctx, "626", &ReplyRequest{MessageType: MessageTypeComment, Type: "user", IntercomUserID: "6762", Body: "b", CreatedAt: 5})
	if err != nil || p.ID != "9" || p.Author.ID != "6762" {
		t.Errorf("part %+v %v", p, err)
	}
	r := f3.last(t)
	if r.Method != "POST" || r.Path != "/tickets/626/reply" {
		t.Errorf("sent %s %s", r.Method, r.Path)
	}
	jsonEqual(t, r.Body, `{"message_type":"comment","type":"user","intercom_user_id":"6762","body":"b","created_at":5}`)
}

// TestTicketAnswerErrors: an error answer, or a list or a ticket with a
// null in it, gives the caller no value, only the error and the Response.
func TestTicketAnswerErrors(t *testing.T) {
	ctx := context.Background()
	notFound := reply(404, errorList("r", ErrorDetail{Code: "not_found", Message: "no"}))
	checkAnswerErrors(t, []answerErrorCase{
		{"TicketTypes.List null", reply(200, `{"type":"list","data":[null]}`),
			func(c *Client) (any, *Response, error) { return c.TicketTypes.List(ctx) }, &DecodeError{}},
		{"ListStates 404", notFound, func(c *Client) (any, *Response, error) { return c.TicketTypes.ListStates(ctx) }, &NotFoundError{}},
		{"TicketTypes.Get 404", notFound, func(c *Client) (any, *Response, error) { return c.TicketTypes.Get(ctx, "1") }, &NotFoundError{}},
		{"CreateAttribute 404", notFound, func(c *Client) (any, *Response, error) {
			return c.TicketTypes.CreateAttribute(ctx, "1", &TicketTypeAttributeRequest{Name: "a", Description: "d", DataType: "string"})
		}, &NotFoundError{}},
		{"Search null", reply(200, `{"type":"ticket.list","tickets":[null],"total_count":1}`),
			func(c *Client) (any, *Response, error) { return c.Tickets.Search(ctx, AllTickets, nil) }, &DecodeError{}},
		{"Get null part", reply(200, `{"type":"ticket","id":"1","ticket_parts":{"ticket_parts":[null],"total_count":1}}`),
			func(c *Client) (any, *Response, error) { return c.Tickets.Get(ctx, "1") }, &DecodeError{}},
		{"Reply 404", notFound, func(c *Client) (any, *Response, error) {
			return c.Tickets.Reply(ctx, "1", &ReplyRequest{MessageType: MessageTypeNote, Type: "admin", AdminID: "2", Body: "b"})
		}, &NotFoundError{}},
	})
}

// TestTicketValidation: calls that cannot be right are refused before
// anything is sent.
func TestTicketValidation(t *testing.T) {
	ctx := context.Background()
	c, f := newFake(t, reply(200, `{}`))
	for name, call := range map[string]func() error{
		"Get without id":         func() error { _, _, err := c.Tickets.Get(ctx, ""); return err },
		"Update without request": func() error { _, _, err := c.Tickets.Update(ctx, "1", nil); return err },
		"Reply without id":       func() error { _, _, err := c.Tickets.Reply(ctx, "", &ReplyRequest{}); return err },
		"Reply without body": func() error {
			_, _, err := c.Tickets.Reply(ctx, "1", &ReplyRequest{MessageType: "note", Type: "admin", AdminID: "2"})
			return err
		},
		"Search without operator":  func() error { _, _, err := c.Tickets.Search(ctx, Filter{}, nil); return err },
		"type Get without id":      func() error { _, _, err := c.TicketTypes.Get(ctx, ""); return err },
		"type Create without name": func() error { _, _, err := c.TicketTypes.Create(ctx, &TicketTypeRequest{}); return err },
		"type Create archived": func() error {
			_, _, err := c.TicketTypes.Create(ctx, &TicketTypeRequest{Name: "n", Archived: Ptr(true)})
			return err
		},
		"type Update without id": func() error { _, _, err := c.TicketTypes.Update(ctx, "", &TicketTypeRequest{}); return err },
		"attribute without type": func() error {
			_, _, err := c.TicketTypes.CreateAttribute(ctx, "1", &TicketTypeAttributeRequest{Name: "a"})
			return err
		},
		"attribute update no ids": func() error {
			_, _, err := c.TicketTypes.UpdateAttribute(ctx, "1", "", &TicketTypeAttributeRequest{})
			return err
		},
		"attribute type change": func() error {
			_, _, err := c.TicketTypes.UpdateAttribute(ctx, "1", "2", &TicketTypeAttributeRequest{DataType: "list"})
			return err
		},
	} {
		if err := call(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests sent for invalid calls", n)
	}
}

// TestTicketAccessors: the accessors are nil-safe, and an attribute whose
// list options are not a list has none.
func TestTicketAccessors(t *testing.T) {
	var tk *Ticket
	var ty *TicketType
	var l *TicketTypeAttributeList
	if tk.Parts() != nil || tk.PartsTruncated() || ty.Attributes() != nil || l.Items() != nil {
		t.Error("a nil ticket, type or list has content")
	}
	bad := &TicketTypeAttribute{InputOptions: map[string]any{"list_options": "Low,High"}}
	unencodable := &TicketTypeAttribute{InputOptions: map[string]any{"list_options": func() {}}}
	if bad.ListOptions() != nil || unencodable.ListOptions() != nil {
		t.Error("list options read from a non-list")
	}
	if err := json.Unmarshal([]byte(`{"id":"1","ticket_attributes":[]}`), new(Ticket)); err == nil {
		t.Error("a ticket with an attribute array was read")
	}
}
