package intercom_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"strings"

	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// Reading a conversation with its parts, and telling whether Intercom left
// some out (it returns the newest 500).
func ExampleConversationsService_Get() {
	srv := fakeIntercom(map[string]func(*http.Request) (int, string){
		"GET /conversations/471": func(*http.Request) (int, string) {
			return 200, `{"type":"conversation","id":"471","created_at":1734537460,"state":"closed","open":false,
				"source":{"type":"conversation","delivered_as":"customer_initiated","body":"<p>Hi</p>","author":{"type":"user","id":"6762f0f3"}},
				"conversation_parts":{"type":"conversation_part.list","total_count":612,"conversation_parts":[
					{"type":"conversation_part","id":"9","part_type":"close","created_at":1734537999,"author":{"type":"admin","id":"42"}}]}}`
		},
	})
	defer srv.Close()
	c, err := intercom.NewClient("token", intercom.US, intercom.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	conv, _, err := c.Conversations.Get(context.Background(), "471", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s, started by a %s, %d part(s) read of %d\n", conv.State, conv.Source.Author.Type, len(conv.Parts()), conv.ConversationParts.TotalCount)
	if conv.PartsTruncated() {
		fmt.Println("older parts are beyond the API: report them")
	}
	// Output:
	// closed, started by a user, 1 part(s) read of 612
	// older parts are beyond the API: report them
}

// Importing history: a conversation started by a contact at its original
// time, then a reply dated in the past.
func ExampleConversationsService_Create() {
	srv := fakeIntercom(map[string]func(*http.Request) (int, string){
		"POST /conversations": func(r *http.Request) (int, string) {
			b, _ := io.ReadAll(r.Body)
			fmt.Println("sent:", strings.TrimSpace(string(b)))
			return 200, `{"type":"user_message","id":"403918330","created_at":1600000000,"body":"Hello","message_type":"inapp","conversation_id":"499"}`
		},
		"POST /conversations/499/reply": func(r *http.Request) (int, string) {
			b, _ := io.ReadAll(r.Body)
			fmt.Println("sent:", strings.TrimSpace(string(b)))
			return 200, `{"type":"conversation","id":"499","state":"open","open":true}`
		},
	})
	defer srv.Close()
	c, err := intercom.NewClient("token", intercom.EU, intercom.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	m, _, err := c.Conversations.Create(ctx, &intercom.CreateConversationRequest{
		From: intercom.ConversationFrom{Type: "user", ID: "6762f0f31bb69f9f2193bb8b"}, Body: "Hello", CreatedAt: 1600000000,
	})
	if err != nil {
		log.Fatal(err)
	}
	_, _, err = c.Conversations.Reply(ctx, m.ConversationID, &intercom.ReplyRequest{
		MessageType: intercom.MessageTypeComment, Type: "admin", AdminID: "42", Body: "<p>Hi!</p>", CreatedAt: 1600000060,
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// sent: {"from":{"type":"user","id":"6762f0f31bb69f9f2193bb8b"},"body":"Hello","created_at":1600000000}
	// sent: {"message_type":"comment","type":"admin","admin_id":"42","body":"\u003cp\u003eHi!\u003c/p\u003e","created_at":1600000060}
}

// Tickets have no list endpoint: a search on created_at walks them all.
func ExampleTicketsService_SearchAll() {
	srv := fakeIntercom(map[string]func(*http.Request) (int, string){
		"POST /tickets/search": func(*http.Request) (int, string) {
			return 200, `{"type":"ticket.list","total_count":2,"tickets":[
				{"type":"ticket","id":"1","ticket_attributes":{"_default_title_":"Export fails"},"open":true,
				 "ticket_state":{"type":"ticket_state","id":"7","category":"in_progress","internal_label":"With Dev Team"}},
				{"type":"ticket","id":"2","ticket_attributes":{"_default_title_":"Refund"},"open":false,
				 "ticket_state":{"type":"ticket_state","id":"8","category":"resolved","internal_label":"Resolved"}}]}`
		},
	})
	defer srv.Close()
	c, err := intercom.NewClient("token", intercom.US, intercom.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	for t, err := range c.Tickets.SearchAll(context.Background(), intercom.AllTickets, nil) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s %q: %s (%s)\n", t.ID, t.TicketAttributes[intercom.TicketTitleAttribute], t.TicketState.InternalLabel, t.TicketState.Category)
	}
	// Output:
	// 1 "Export fails": With Dev Team (in_progress)
	// 2 "Refund": Resolved (resolved)
}

// A ticket type's list attribute: tickets take the id of an item, found by
// its label.
func ExampleTicketTypeAttribute_ListOptions() {
	srv := fakeIntercom(map[string]func(*http.Request) (int, string){
		"POST /ticket_types/88/attributes": func(*http.Request) (int, string) {
			return 200, `{"type":"ticket_type_attribute","id":"198","name":"severity","data_type":"list",
				"input_options":{"list_options":[{"id":"5f1c","label":"Low"},{"id":"9a2e","label":"High"}]}}`
		},
	})
	defer srv.Close()
	c, err := intercom.NewClient("token", intercom.US, intercom.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	a, _, err := c.TicketTypes.CreateAttribute(context.Background(), "88", &intercom.TicketTypeAttributeRequest{
		Name: "severity", DataType: "list", ListItems: []string{"Low", "High"},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, o := range a.ListOptions() {
		fmt.Println(o.Label, "=", o.ID)
	}
	// Output:
	// Low = 5f1c
	// High = 9a2e
}
