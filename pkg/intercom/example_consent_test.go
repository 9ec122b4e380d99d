package intercom_test

import (
	"context"
	"fmt"
	"log"
	"net/http"

	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// A contact's opt-outs, by subscription type name, and copying one of them
// to another contact.
func ExampleContactsService_ListSubscriptions() {
	srv := fakeIntercom(map[string]func(*http.Request) (int, string){
		"GET /contacts/6762f0dd1bb69f9f2193bb83/subscriptions": func(*http.Request) (int, string) {
			return 200, `{"type":"list","data":[{"type":"subscription","id":"91","state":"live","consent_type":"opt_out",
				"default_translation":{"name":"Newsletter","locale":"en"},"content_types":["email"]}]}`
		},
		"POST /contacts/6762f0dd1bb69f9f2193bb84/subscriptions": func(*http.Request) (int, string) {
			return 200, `{"type":"subscription","id":"91","state":"live","consent_type":"opt_out"}`
		},
	})
	defer srv.Close()
	c, err := intercom.NewClient("token", intercom.US, intercom.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	subs, _, err := c.Contacts.ListSubscriptions(ctx, "6762f0dd1bb69f9f2193bb83")
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range subs {
		if t.ConsentType == intercom.ConsentOptOut {
			fmt.Println("opted out of", t.Name())
			if _, _, err := c.Contacts.AttachSubscription(ctx, "6762f0dd1bb69f9f2193bb84", t.ID, t.ConsentType); err != nil {
				log.Fatal(err)
			}
		}
	}
	// Output: opted out of Newsletter
}

// A contact's notes, newest first.
func ExampleNotesService_All() {
	srv := fakeIntercom(map[string]func(*http.Request) (int, string){
		"GET /contacts/c1/notes": func(*http.Request) (int, string) {
			return 200, `{"type":"list","total_count":2,"data":[
				{"type":"note","id":"26","created_at":1733932587,"author":{"type":"admin","id":"1","name":"Ada"},"body":"<p>Renewal</p>"},
				{"type":"note","id":"25","created_at":1733846187,"author":{"type":"admin","id":"2","name":"Ben"},"body":"<p>Demo</p>"}],
				"pages":{"type":"pages","page":1,"per_page":150,"total_pages":1}}`
		},
	})
	defer srv.Close()
	c, _ := intercom.NewClient("token", intercom.US, intercom.WithBaseURL(srv.URL))
	for n, err := range c.Notes.All(context.Background(), "c1", nil) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(n.Author.Name, n.Body)
	}
	// Output:
	// Ada <p>Renewal</p>
	// Ben <p>Demo</p>
}

// Intercom lists 90 days of a contact's events; the summaries count all of
// them. The difference is what an export cannot read.
func ExampleEventsService_Summaries() {
	srv := fakeIntercom(map[string]func(*http.Request) (int, string){
		"GET /events": func(r *http.Request) (int, string) {
			if r.URL.Query().Get("summary") == "true" {
				return 200, `{"type":"event.summary","intercom_user_id":"c1","events":[{"name":"signed-in","first":"2024-01-02T10:00:00.000+00:00","last":"2024-12-20T10:00:00.000+00:00","count":3}]}`
			}
			return 200, `{"type":"event.list","events":[{"type":"event","event_name":"signed-in","created_at":1734688800,"intercom_user_id":"c1","metadata":{}}],"pages":{}}`
		},
	})
	defer srv.Close()
	c, _ := intercom.NewClient("token", intercom.US, intercom.WithBaseURL(srv.URL))
	ctx := context.Background()
	f := intercom.EventFilter{IntercomUserID: "c1"}
	sums, _, err := c.Events.Summaries(ctx, f)
	if err != nil {
		log.Fatal(err)
	}
	total, listed := 0, 0
	for _, s := range sums {
		total += s.Count
	}
	for _, err := range c.Events.All(ctx, f, nil) {
		if err != nil {
			log.Fatal(err)
		}
		listed++
	}
	fmt.Printf("%d events, %d listable, %d older than %d days\n", total, listed, total-listed, intercom.ListableEventDays)
	// Output: 3 events, 1 listable, 2 older than 90 days
}

// Submitting an event with its original time: sent twice, Intercom records
// it once.
func ExampleEventsService_Create() {
	srv := fakeIntercom(map[string]func(*http.Request) (int, string){
		"POST /events": func(*http.Request) (int, string) { return 202, `` },
	})
	defer srv.Close()
	c, _ := intercom.NewClient("token", intercom.US, intercom.WithBaseURL(srv.URL))
	resp, err := c.Events.Create(context.Background(), &intercom.EventRequest{
		EventName: "upgraded-plan", CreatedAt: 1734688800, ID: "6762f0dd1bb69f9f2193bb83",
		Metadata: map[string]any{"plan": "pro", "price": map[string]any{"amount": 34999, "currency": "eur"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode)
	// Output: 202
}

// Teams and segments cannot be created through the API: list them to
// recreate them by hand.
func ExampleTeamsService_List() {
	srv := fakeIntercom(map[string]func(*http.Request) (int, string){
		"GET /teams": func(*http.Request) (int, string) {
			return 200, `{"type":"team.list","teams":[{"type":"team","id":"814865","name":"Support","admin_ids":[493881]}]}`
		},
		"GET /segments": func(*http.Request) (int, string) {
			return 200, `{"type":"segment.list","segments":[{"type":"segment","id":"5620","name":"Active","person_type":"user","count":42}]}`
		},
	})
	defer srv.Close()
	c, _ := intercom.NewClient("token", intercom.US, intercom.WithBaseURL(srv.URL))
	ctx := context.Background()
	teams, _, _ := c.Teams.List(ctx)
	segs, _, _ := c.Segments.List(ctx, true)
	fmt.Println(teams[0].Name, len(teams[0].AdminIDs), segs[0].Name, *segs[0].Count)
	// Output: Support 1 Active 42
}
