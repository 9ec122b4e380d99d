package intercom

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
)

func TestConsentNotesEventsRequests(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		call     func(c *Client) (any, *Response, error)
		status   int
		answer   string
		method   string
		path     string
		rawQuery string
		body     string
		want     any
		cursor   string
	}{
		{
			name: "SubscriptionTypes.List", method: "GET", path: "/subscription_types",
			call: func(c *Client) (any, *Response, error) { return c.SubscriptionTypes.List(ctx) },
			answer: `{"type":"list","data":[{"type":"subscription","id":"135","state":"live","consent_type":"opt_out",
				"default_translation":{"name":"Newsletters","description":"d","locale":"en"},
				"translations":[{"name":"Newsletters","description":"d","locale":"en"}],"content_types":["email"]}]}`,
			want: []*SubscriptionType{{Type: "subscription", ID: "135", State: "live", ConsentType: ConsentOptOut,
				DefaultTranslation: &SubscriptionTranslation{Name: "Newsletters", Description: "d", Locale: "en"},
				Translations:       []SubscriptionTranslation{{Name: "Newsletters", Description: "d", Locale: "en"}}, ContentTypes: []string{"email"}}},
		},
		{
			name: "Contacts.ListSubscriptions", method: "GET", path: "/contacts/a%2Fb/subscriptions",
			call:   func(c *Client) (any, *Response, error) { return c.Contacts.ListSubscriptions(ctx, "a/b") },
			answer: `{"type":"list","data":[{"type":"subscription","id":"93","consent_type":"opt_in"}]}`,
			want:   []*SubscriptionType{{Type: "subscription", ID: "93", ConsentType: ConsentOptIn}},
		},
		{
			name: "Contacts.AttachSubscription", method: "POST", path: "/contacts/c1/subscriptions",
			call: func(c *Client) (any, *Response, error) {
				return c.Contacts.AttachSubscription(ctx, "c1", "106", ConsentOptIn)
			},
			body:   `{"id":"106","consent_type":"opt_in"}`,
			answer: `{"type":"subscription","id":"106","consent_type":"opt_in"}`,
			want:   &SubscriptionType{Type: "subscription", ID: "106", ConsentType: ConsentOptIn},
		},
		{
			name: "Contacts.DetachSubscription", method: "DELETE", path: "/contacts/c1/subscriptions/106",
			call:   func(c *Client) (any, *Response, error) { return c.Contacts.DetachSubscription(ctx, "c1", "106") },
			answer: `{"type":"subscription","id":"106","consent_type":"opt_in"}`,
			want:   &SubscriptionType{Type: "subscription", ID: "106", ConsentType: ConsentOptIn},
		},
		{
			name: "Notes.List", method: "GET", path: "/contacts/c1/notes", rawQuery: "per_page=2&starting_after=x",
			call: func(c *Client) (any, *Response, error) {
				l, resp, err := c.Notes.List(ctx, "c1", &ListOptions{PerPage: 2, StartingAfter: "x"})
				if l != nil {
					l.Pages = nil // unexported shape; the cursor is checked
				}
				return l, resp, err
			},
			answer: `{"type":"list","data":[{"type":"note","id":"26","created_at":1733932587,"contact":{"type":"contact","id":"c1"},
				"author":{"type":"admin","id":"991267581","name":"Ciaran Lee","email":"admin@email.com","away_mode_enabled":false},
				"body":"<p>This is a note.</p>"}],"total_count":3,
				"pages":{"type":"pages","page":1,"per_page":2,"total_pages":2,"next":{"page":2,"starting_after":"y"}}}`,
			want: &NoteList{Type: "list", TotalCount: 3, Data: []*Note{{Type: "note", ID: "26", CreatedAt: 1733932587,
				Contact: &Reference{Type: "contact", ID: "c1"}, Author: &Admin{Type: "admin", ID: "991267581", Name: "Ciaran Lee", Email: "admin@email.com"},
				Body: "<p>This is a note.</p>"}}},
			cursor: "y",
		},
		{
			name: "Notes.Create", method: "POST", path: "/contacts/c1/notes",
			call: func(c *Client) (any, *Response, error) {
				return c.Notes.Create(ctx, "c1", &NoteRequest{Body: "<p>Hello</p>", AdminID: "991267583"})
			},
			body:   `{"body":"<p>Hello</p>","admin_id":"991267583"}`,
			answer: `{"type":"note","id":"31","created_at":1734537390,"body":"<p>Hello</p>"}`,
			want:   &Note{Type: "note", ID: "31", CreatedAt: 1734537390, Body: "<p>Hello</p>"},
		},
		{
			name: "Events.List", method: "GET", path: "/events", rawQuery: "intercom_user_id=c1&per_page=5&type=user",
			call: func(c *Client) (any, *Response, error) {
				return c.Events.List(ctx, EventFilter{IntercomUserID: "c1"}, &ListOptions{PerPage: 5})
			},
			answer: `{"type":"event.list","events":[{"type":"event","id":"1","event_name":"invited-friend","created_at":1389913941,
				"user_id":"314159","email":"e@example.org","intercom_user_id":"c1","metadata":{"seats":3,"price":{"amount":34999,"currency":"eur"}}}],
				"pages":{"next":"https://api.intercom.io/events?type=user&intercom_user_id=c1&before=1389913941064&per_page=5"}}`,
			want: &EventList{Type: "event.list", Events: []*Event{{Type: "event", ID: "1", EventName: "invited-friend", CreatedAt: 1389913941,
				UserID: "314159", Email: "e@example.org", IntercomUserID: "c1",
				Metadata: map[string]any{"seats": json.Number("3"), "price": map[string]any{"amount": json.Number("34999"), "currency": "eur"}}}},
				Pages: &struct {
					Next string `json:"next,omitempty"`
				}{Next: "https://api.intercom.io/events?type=user&intercom_user_id=c1&before=1389913941064&per_page=5"}},
			cursor: "https://api.intercom.io/events?type=user&intercom_user_id=c1&before=1389913941064&per_page=5",
		},
		{
			name: "Events.List next page", method: "GET", path: "/events", rawQuery: "before=1389913941064&intercom_user_id=c1&per_page=5&type=user",
			call: func(c *Client) (any, *Response, error) {
				return c.Events.List(ctx, EventFilter{IntercomUserID: "c1"}, &ListOptions{StartingAfter: "https://api.intercom.io/events?type=user&intercom_user_id=c1&before=1389913941064&per_page=5"})
			},
			answer: `{"type":"event.list","events":[],"pages":{}}`,
			want: &EventList{Type: "event.list", Events: []*Event{}, Pages: &struct {
				Next string `json:"next,omitempty"`
			}{}},
		},
		{
			name: "Events.Summaries", method: "GET", path: "/events", rawQuery: "email=e%40example.org&summary=true&type=user",
			call: func(c *Client) (any, *Response, error) {
				return c.Events.Summaries(ctx, EventFilter{Email: "e@example.org"})
			},
			answer: `{"type":"event.summary","email":"e@example.org","intercom_user_id":"c1","user_id":"u1",
				"events":[{"name":"signed-in","first":"2014-01-16T23:12:21.000+00:00","last":"2014-01-16T23:12:21.000+00:00","count":4}]}`,
			want: []*EventSummary{{Name: "signed-in", First: "2014-01-16T23:12:21.000+00:00", Last: "2014-01-16T23:12:21.000+00:00", Count: 4}},
		},
		{
			name: "Events.Create", method: "POST", path: "/events", status: http.StatusAccepted,
			call: func(c *Client) (any, *Response, error) {
				resp, err := c.Events.Create(ctx, &EventRequest{EventName: "x", CreatedAt: 12, ID: "c1", Metadata: map[string]any{"n": json.Number("1.50")}})
				return nil, resp, err
			},
			body: `{"event_name":"x","created_at":12,"id":"c1","metadata":{"n":1.50}}`,
		},
		{
			name: "Teams.List", method: "GET", path: "/teams",
			call:   func(c *Client) (any, *Response, error) { return c.Teams.List(ctx) },
			answer: `{"type":"team.list","teams":[{"type":"team","id":"814865","name":"Example Team","admin_ids":[493881],"assignment_limit":10,"distribution_method":"balanced"}]}`,
			want:   []*Team{{Type: "team", ID: "814865", Name: "Example Team", AdminIDs: []int64{493881}, AssignmentLimit: Ptr(10), DistributionMethod: "balanced"}},
		},
		{
			name: "Teams.Get", method: "GET", path: "/teams/9",
			call:   func(c *Client) (any, *Response, error) { return c.Teams.Get(ctx, "9") },
			answer: `{"type":"team","id":"9","name":"T","admin_ids":[]}`,
			want:   &Team{Type: "team", ID: "9", Name: "T", AdminIDs: []int64{}},
		},
		{
			name: "Segments.List", method: "GET", path: "/segments", rawQuery: "include_count=true",
			call: func(c *Client) (any, *Response, error) { return c.Segments.List(ctx, true) },
			answer: `{"type":"segment.list","segments":[{"type":"segment","id":"56203d253cba154d39010062","name":"Active",
				"created_at":1394621988,"updated_at":1394622004,"person_type":"user","count":3}]}`,
			want: []*Segment{{Type: "segment", ID: "56203d253cba154d39010062", Name: "Active", CreatedAt: 1394621988, UpdatedAt: 1394622004, PersonType: "user", Count: Ptr(3)}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status := tt.status
			if status == 0 {
				status = http.StatusOK
			}
			c, f := newFake(t, reply(status, tt.answer))
			got, resp, err := tt.call(c)
			if err != nil {
				t.Fatal(err)
			}
			r := f.last(t)
			if r.Method != tt.method || r.Path != tt.path || r.RawQuery != tt.rawQuery {
				t.Errorf("request %s %s?%s, want %s %s?%s", r.Method, r.Path, r.RawQuery, tt.method, tt.path, tt.rawQuery)
			}
			checkHeaders(t, r, tt.body != "")
			if tt.body != "" {
				jsonEqual(t, r.Body, tt.body)
			}
			if tt.want != nil && !reflect.DeepEqual(got, tt.want) {
				gb, _ := json.Marshal(got)
				wb, _ := json.Marshal(tt.want)
				t.Errorf("decoded\n got %s\nwant %s", gb, wb)
			}
			if resp.NextCursor != tt.cursor {
				t.Errorf("cursor %q, want %q", resp.NextCursor, tt.cursor)
			}
		})
	}
}

func TestConsentNotesEventsValidation(t *testing.T) {
	ctx := context.Background()
	c, f := newFake(t, reply(200, `{}`))
	for name, err := range map[string]error{
		"attach empty":      errOnly(c.Contacts.AttachSubscription(ctx, "", "1", ConsentOptIn)),
		"attach bad type":   errOnly(c.Contacts.AttachSubscription(ctx, "c", "1", "maybe")),
		"detach empty":      errOnly(c.Contacts.DetachSubscription(ctx, "c", "")),
		"list subs empty":   errOnly(c.Contacts.ListSubscriptions(ctx, "")),
		"notes empty":       errOnly(c.Notes.List(ctx, "", nil)),
		"note no body":      errOnly(c.Notes.Create(ctx, "c", &NoteRequest{})),
		"events no filter":  errOnly(c.Events.List(ctx, EventFilter{}, nil)),
		"events two":        errOnly(c.Events.Summaries(ctx, EventFilter{Email: "a", UserID: "b"})),
		"events bad cursor": errOnly(c.Events.List(ctx, EventFilter{UserID: "b"}, &ListOptions{StartingAfter: "https://x/contacts"})),
		"event no time":     func() error { _, err := c.Events.Create(ctx, &EventRequest{EventName: "x", ID: "c"}); return err }(),
		"event two ids": func() error {
			_, err := c.Events.Create(ctx, &EventRequest{EventName: "x", CreatedAt: 1, ID: "c", Email: "e"})
			return err
		}(),
		"team empty": errOnly(c.Teams.Get(ctx, "")),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests sent for invalid calls", n)
	}
}

func errOnly[A any](_ A, _ *Response, err error) error { return err }
