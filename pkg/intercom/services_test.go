package intercom

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// TestServiceRequests checks, for every service method, the request the
// client sends (method, path, query, body, headers) and the decoding of the
// answer, against answers shaped like the spec's examples.
func TestServiceRequests(t *testing.T) {
	tests := []requestCase{
		{
			name:       "Admins.Me",
			everyField: true,
			call:       func(ctx context.Context, c *Client) (any, *Response, error) { return c.Admins.Me(ctx) },
			method:     "GET", path: "/me",
			answer: `{"type":"admin","id":"991267459","email":"admin1@email.com","name":"Ciaran1 Lee","email_verified":true,
				"app":{"type":"app","id_code":"this_is_an_id1_that_should_be_at_least_40","name":"MyApp 1","created_at":1734537243,
				"secure":false,"identity_verification":true,"timezone":"America/Los_Angeles","region":"US"},
				"avatar":{"type":"avatar","image_url":"https://static.intercomassets.com/assets/default-avatars/admins/128.png"},
				"has_inbox_seat":true}`,
			want: &Me{Type: "admin", ID: "991267459", Name: "Ciaran1 Lee", Email: "admin1@email.com", App: &App{
				Type: "app", IDCode: "this_is_an_id1_that_should_be_at_least_40", Name: "MyApp 1", Region: "US",
				Timezone: "America/Los_Angeles", CreatedAt: 1734537243, IdentityVerification: true,
			}},
		},
		{
			name:       "Admins.List",
			everyField: true,
			call:       func(ctx context.Context, c *Client) (any, *Response, error) { return c.Admins.List(ctx) },
			method:     "GET", path: "/admins",
			answer: `{"type":"admin.list","admins":[
				{"type":"admin","email":"admin7@email.com","id":"991267466","name":"Ciaran7 Lee","job_title":"Support lead",
				 "away_mode_enabled":true,"away_mode_reassign":false,"away_status_reason_id":null,"has_inbox_seat":true,
				 "team_ids":[814865,9007199254740993],"avatar":"https://picsum.photos/200/300","team_priority_level":{}},
				{"type":"admin","id":"991267467","name":"No Seat","email":"b@example.com","away_mode_enabled":false,
				 "has_inbox_seat":false,"team_ids":[],"avatar":{"type":"avatar","image_url":null}}]}`,
			want: []*Admin{
				{Type: "admin", ID: "991267466", Name: "Ciaran7 Lee", Email: "admin7@email.com", JobTitle: "Support lead",
					AwayModeEnabled: true, HasInboxSeat: true, TeamIDs: []int64{814865, 9007199254740993}},
				{Type: "admin", ID: "991267467", Name: "No Seat", Email: "b@example.com", TeamIDs: []int64{}},
			},
		},
		{
			name:   "DataAttributes.List all",
			call:   func(ctx context.Context, c *Client) (any, *Response, error) { return c.DataAttributes.List(ctx, nil) },
			method: "GET", path: "/data_attributes",
			answer: `{"type":"list","data":[]}`,
			want:   []*DataAttribute{},
		},
		{
			name: "DataAttributes.List filtered",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.DataAttributes.List(ctx, &DataAttributeListOptions{Model: ModelContact, IncludeArchived: true})
			},
			method: "GET", path: "/data_attributes",
			query: url.Values{"model": {"contact"}, "include_archived": {"true"}},
			answer: `{"type":"list","data":[
				{"type":"data_attribute","id":12878,"model":"contact","name":"plan","full_name":"custom_attributes.plan",
				 "label":"Plan","description":"Billing plan","data_type":"string","options":["free","pro"],
				 "api_writable":true,"messenger_writable":true,"ui_writable":true,"custom":true,"archived":true,
				 "created_at":1671028894,"updated_at":1671028895,"admin_id":"5712945"},
				{"type":"data_attribute","name":"name","full_name":"name","label":"Name","description":"A person's name",
				 "data_type":"string","api_writable":true,"ui_writable":true,"messenger_writable":false,"custom":false,"archived":false,"model":"contact"}]}`,
			want: []*DataAttribute{
				{Type: "data_attribute", ID: 12878, Model: "contact", Name: "plan", FullName: "custom_attributes.plan",
					Label: "Plan", Description: "Billing plan", DataType: "string", Options: []string{"free", "pro"},
					APIWritable: true, MessengerWritable: true, UIWritable: true, Custom: true, Archived: true, CreatedAt: 1671028894, UpdatedAt: 1671028895},
				{Type: "data_attribute", Name: "name", FullName: "name", Label: "Name", Description: "A person's name",
					DataType: "string", APIWritable: true, UIWritable: true, Model: "contact"},
			},
			everyField: true,
		},
		{
			name: "DataAttributes.List model only",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.DataAttributes.List(ctx, &DataAttributeListOptions{Model: ModelConversation})
			},
			method: "GET", path: "/data_attributes",
			query:  url.Values{"model": {"conversation"}},
			answer: `{"type":"list","data":[]}`,
			want:   []*DataAttribute{},
		},
		{
			name: "DataAttributes.Create",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.DataAttributes.Create(ctx, &DataAttributeRequest{Name: "Mithril Shirt", Model: ModelCompany, DataType: "string"})
			},
			method: "POST", path: "/data_attributes",
			body: `{"name":"Mithril Shirt","model":"company","data_type":"string"}`,
			answer: `{"id":37,"type":"data_attribute","name":"Mithril Shirt","full_name":"custom_attributes.Mithril Shirt",
				"label":"Mithril Shirt","data_type":"string","api_writable":true,"ui_writable":false,"messenger_writable":false,
				"custom":true,"archived":false,"admin_id":"991267786","created_at":1734537756,"updated_at":1734537756,"model":"company"}`,
			want: &DataAttribute{ID: 37, Type: "data_attribute", Name: "Mithril Shirt", FullName: "custom_attributes.Mithril Shirt",
				Label: "Mithril Shirt", DataType: "string", APIWritable: true, Custom: true, CreatedAt: 1734537756, UpdatedAt: 1734537756, Model: "company"},
		},
		{
			name: "DataAttributes.Create list",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.DataAttributes.Create(ctx, &DataAttributeRequest{
					Name: "size", Model: ModelContact, DataType: "options", Description: "Company size",
					Options:           []DataAttributeOption{{Value: "1-10"}, {Value: "11-50"}},
					MessengerWritable: Ptr(false),
				})
			},
			method: "POST", path: "/data_attributes",
			body:   `{"name":"size","model":"contact","data_type":"options","description":"Company size","options":[{"value":"1-10"},{"value":"11-50"}],"messenger_writable":false}`,
			answer: `{"id":38,"type":"data_attribute","name":"size","model":"contact","data_type":"string","options":["1-10","11-50"],"custom":true}`,
			want:   &DataAttribute{ID: 38, Type: "data_attribute", Name: "size", Model: "contact", DataType: "string", Options: []string{"1-10", "11-50"}, Custom: true},
		},
		{
			name:   "Tags.List",
			call:   func(ctx context.Context, c *Client) (any, *Response, error) { return c.Tags.List(ctx) },
			method: "GET", path: "/tags",
			answer: `{"type":"list","data":[{"type":"tag","id":"102","name":"Manual tag 1"},{"type":"tag","id":"103","name":"VIP","applied_at":null,"applied_by":null}]}`,
			want:   []*Tag{{Type: "tag", ID: "102", Name: "Manual tag 1"}, {Type: "tag", ID: "103", Name: "VIP"}},
		},
		{
			name:   "Tags.Create",
			call:   func(ctx context.Context, c *Client) (any, *Response, error) { return c.Tags.Create(ctx, "Independent") },
			method: "POST", path: "/tags",
			body:   `{"name":"Independent"}`,
			answer: `{"type":"tag","id":"105","name":"Independent"}`,
			want:   &Tag{Type: "tag", ID: "105", Name: "Independent"},
		},
		{
			name: "Tags.TagContacts",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.Tags.TagContacts(ctx, "Independent", []string{"5f7f0d217289f8d2f4262080", "5f7f0d217289f8d2f4262081"})
			},
			method: "POST", path: "/tags",
			body:   `{"name":"Independent","users":[{"id":"5f7f0d217289f8d2f4262080"},{"id":"5f7f0d217289f8d2f4262081"}]}`,
			answer: `{"type":"tag","id":"105","name":"Independent"}`,
			want:   &Tag{Type: "tag", ID: "105", Name: "Independent"},
		},
		{
			name:   "Contacts.List first page",
			call:   func(ctx context.Context, c *Client) (any, *Response, error) { return c.Contacts.List(ctx, nil) },
			method: "GET", path: "/contacts",
			answer: `{"type":"list","data":[],"total_count":0,"pages":{"type":"pages","page":1,"per_page":10,"total_pages":0}}`,
			want:   &ContactList{Type: "list", Data: []*Contact{}, Pages: &cursorPages{Type: "pages", Page: 1, PerPage: 10}},
		},
		{
			name: "Contacts.List next page",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.Contacts.List(ctx, &ListOptions{PerPage: 2, StartingAfter: "WzE2NzQ1MzczNDMwMDAsIjYzYTA3ZGRmMDVhMzIwNDJkZmZhYzk2NSIsMl0="})
			},
			method: "GET", path: "/contacts",
			query: url.Values{"per_page": {"2"}, "starting_after": {"WzE2NzQ1MzczNDMwMDAsIjYzYTA3ZGRmMDVhMzIwNDJkZmZhYzk2NSIsMl0="}},
			answer: `{"type":"list","data":[` + contactJSON + `],"total_count":3,
				"pages":{"type":"pages","page":2,"per_page":2,"total_pages":2,"next":{"per_page":2,"starting_after":"Wz3MDAsIjYzYTA3"}}}`,
			want: &ContactList{Type: "list", Data: []*Contact{wantContact()}, TotalCount: 3, Pages: &cursorPages{
				Type: "pages", Page: 2, PerPage: 2, TotalPages: 2,
				Next: &struct {
					PerPage       int    `json:"per_page,omitempty"`
					StartingAfter string `json:"starting_after,omitempty"`
				}{2, "Wz3MDAsIjYzYTA3"},
			}},
			wantCursor: "Wz3MDAsIjYzYTA3",
		},
		{
			name: "Contacts.Search",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				q := And(Eq("role", RoleUser), Filter{Field: "created_at", Operator: ">", Value: 1306054154}, Or(Eq("email", "a@example.com"), Eq("custom_attributes.big", json.Number("12345678901234567"))))
				return c.Contacts.Search(ctx, q, &ListOptions{PerPage: 5, StartingAfter: "c2"})
			},
			method: "POST", path: "/contacts/search",
			body: `{"query":{"operator":"AND","value":[
				{"field":"role","operator":"=","value":"user"},
				{"field":"created_at","operator":">","value":1306054154},
				{"operator":"OR","value":[{"field":"email","operator":"=","value":"a@example.com"},{"field":"custom_attributes.big","operator":"=","value":12345678901234567}]}]},
				"pagination":{"per_page":5,"starting_after":"c2"}}`,
			answer: `{"type":"list","data":[],"total_count":0,"pages":{"type":"pages","page":1,"per_page":5,"total_pages":0}}`,
			want:   &ContactList{Type: "list", Data: []*Contact{}, Pages: &cursorPages{Type: "pages", Page: 1, PerPage: 5}},
		},
		{
			name: "Contacts.Search without paging",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.Contacts.Search(ctx, Eq("external_id", "70"), nil)
			},
			method: "POST", path: "/contacts/search",
			body:   `{"query":{"field":"external_id","operator":"=","value":"70"}}`,
			answer: `{"type":"list","data":[` + nullContactJSON + `],"total_count":1}`,
			want:   &ContactList{Type: "list", Data: []*Contact{wantNullContact()}, TotalCount: 1},
		},
		{
			name: "Contacts.Search page size only",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.Contacts.Search(ctx, Filter{Field: "email", Operator: "=", Value: nil}, &ListOptions{PerPage: 150})
			},
			method: "POST", path: "/contacts/search",
			body:   `{"query":{"field":"email","operator":"=","value":null},"pagination":{"per_page":150}}`,
			answer: `{"type":"list","data":[],"total_count":0}`,
			want:   &ContactList{Type: "list", Data: []*Contact{}},
		},
		{
			name:       "Contacts.Get",
			everyField: true,
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.Contacts.Get(ctx, "6762f0dd1bb69f9f2193bb83")
			},
			method: "GET", path: "/contacts/6762f0dd1bb69f9f2193bb83",
			answer: contactJSON,
			want:   wantContact(),
		},
		{
			name:   "Contacts.Get escapes the id",
			call:   func(ctx context.Context, c *Client) (any, *Response, error) { return c.Contacts.Get(ctx, "a/b?c") },
			method: "GET", path: "/contacts/a%2Fb%3Fc",
			answer: nullContactJSON,
			want:   wantNullContact(),
		},
		{
			name:       "Contacts.FindByExternalID",
			everyField: true,
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.Contacts.FindByExternalID(ctx, "cdd29344-5e0c-4ef0-ac56-f9ba2979bc27")
			},
			method: "GET", path: "/contacts/find_by_external_id/cdd29344-5e0c-4ef0-ac56-f9ba2979bc27",
			answer: contactJSON,
			want:   wantContact(),
		},
		{
			name: "Contacts.FindByExternalID with slashes and spaces",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.Contacts.FindByExternalID(ctx, "crm/user 42")
			},
			method: "GET", path: "/contacts/find_by_external_id/crm%2Fuser%2042",
			answer: nullContactJSON,
			want:   wantNullContact(),
		},
		{
			// ".." must not climb to GET /contacts (a list, decoded as a
			// contact without an error).
			name: "Contacts.FindByExternalID dot segment",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.Contacts.FindByExternalID(ctx, "..")
			},
			method: "GET", path: "/contacts/find_by_external_id/%2E%2E",
			answer: nullContactJSON,
			want:   wantNullContact(),
		},
		{
			name: "Contacts.Create",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.Contacts.Create(ctx, &ContactRequest{
					Role: RoleUser, ExternalID: "625e90fc55ab113b6d92175f", Email: "jdoe@example.com",
					Phone: Ptr("+353871234567"), Name: Ptr("John Doe"), Avatar: Ptr("https://www.example.com/avatar_image.jpg"),
					SignedUpAt: Ptr[int64](1571672154), LastSeenAt: Ptr[int64](1571672155), OwnerID: Ptr[int64](123),
					UnsubscribedFromEmails: Ptr(true),
					CustomAttributes:       map[string]any{"paid_subscriber": true, "monthly_spend": json.Number("155.5"), "team_mates": 1, "big_id": json.Number("12345678901234567")},
				})
			},
			method: "POST", path: "/contacts",
			body: `{"role":"user","external_id":"625e90fc55ab113b6d92175f","email":"jdoe@example.com","phone":"+353871234567",
				"name":"John Doe","avatar":"https://www.example.com/avatar_image.jpg","signed_up_at":1571672154,"last_seen_at":1571672155,
				"owner_id":123,"unsubscribed_from_emails":true,
				"custom_attributes":{"paid_subscriber":true,"monthly_spend":155.5,"team_mates":1,"big_id":12345678901234567}}`,
			answer: contactJSON,
			want:   wantContact(),
		},
		{
			name: "Contacts.Create lead",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.Contacts.Create(ctx, &ContactRequest{Role: RoleLead})
			},
			method: "POST", path: "/contacts",
			body:   `{"role":"lead"}`,
			answer: nullContactJSON,
			want:   wantNullContact(),
		},
		{
			name: "Contacts.Update",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.Contacts.Update(ctx, "6762f0cd1bb69f9f2193bb7c", &ContactRequest{
					Name: Ptr(""), UnsubscribedFromEmails: Ptr(false), OwnerID: Ptr[int64](0),
					CustomAttributes: map[string]any{"cleared": nil},
				})
			},
			method: "PUT", path: "/contacts/6762f0cd1bb69f9f2193bb7c",
			body:   `{"name":"","owner_id":0,"unsubscribed_from_emails":false,"custom_attributes":{"cleared":null}}`,
			answer: nullContactJSON,
			want:   wantNullContact(),
		},
		{
			name:       "Contacts.ListTags",
			everyField: true,
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.Contacts.ListTags(ctx, "63a07ddf05a32042dffac965")
			},
			method: "GET", path: "/contacts/63a07ddf05a32042dffac965/tags",
			answer: `{"type":"list","data":[{"type":"tag","id":"80","name":"Manual tag","applied_at":1663597223,"applied_by":{"type":"admin","id":"456"}}]}`,
			want:   []*Tag{{Type: "tag", ID: "80", Name: "Manual tag", AppliedAt: 1663597223}},
		},
	}
	runRequestCases(t, tests)
}

// TestCustomAttributesRoundTrip reads a contact and writes its custom
// attributes back: numbers must come out exactly as they came in.
func TestCustomAttributesRoundTrip(t *testing.T) {
	c, f := newFake(t, reply(200, contactJSON))
	got, _, err := c.Contacts.Get(t.Context(), "6762f0dd1bb69f9f2193bb83")
	if err != nil {
		t.Fatal(err)
	}
	if v := got.CustomAttributes["big_id"]; v != json.Number("12345678901234567") {
		t.Fatalf("big_id decoded as %#v", v)
	}
	if v := got.CustomAttributes["ratio"]; v != json.Number("1.5") {
		t.Fatalf("ratio decoded as %#v", v)
	}
	if _, _, err := c.Contacts.Update(t.Context(), got.ID, &ContactRequest{CustomAttributes: got.CustomAttributes}); err != nil {
		t.Fatal(err)
	}
	sent := string(f.last(t).Body)
	for _, lit := range []string{`"big_id":12345678901234567`, `"ratio":1.5`, `"exp":1e3`, `"list":[1,"a"]`, `"nested":{"n":2}`, `"cleared":null`} {
		if !strings.Contains(sent, lit) {
			t.Errorf("sent %s; missing %s", sent, lit)
		}
	}
}

// TestValidationBeforeRequest checks arguments the client refuses without
// sending anything.
func TestValidationBeforeRequest(t *testing.T) {
	ids := func(n int) []string {
		s := make([]string, n)
		for i := range s {
			s[i] = "5f7f0d217289f8d2f42620" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		}
		return s
	}
	tests := []struct {
		name    string
		call    func(ctx context.Context, c *Client) error
		wantErr string
	}{
		{"List per_page 151", func(ctx context.Context, c *Client) error {
			_, _, err := c.Contacts.List(ctx, &ListOptions{PerPage: 151})
			return err
		}, "per_page 151"},
		{"List per_page -1", func(ctx context.Context, c *Client) error {
			_, _, err := c.Contacts.List(ctx, &ListOptions{PerPage: -1})
			return err
		}, "per_page -1"},
		{"Search per_page 151", func(ctx context.Context, c *Client) error {
			_, _, err := c.Contacts.Search(ctx, Eq("role", "user"), &ListOptions{PerPage: 151})
			return err
		}, "per_page 151"},
		{"Search empty query", func(ctx context.Context, c *Client) error {
			_, _, err := c.Contacts.Search(ctx, Filter{}, nil)
			return err
		}, "without an operator"},
		{"All per_page 1000", func(ctx context.Context, c *Client) error {
			for _, err := range c.Contacts.All(ctx, &ListOptions{PerPage: 1000}) {
				return err
			}
			return nil
		}, "per_page 1000"},
		{"SearchAll per_page 151", func(ctx context.Context, c *Client) error {
			for _, err := range c.Contacts.SearchAll(ctx, Eq("role", "user"), &ListOptions{PerPage: 151}) {
				return err
			}
			return nil
		}, "per_page 151"},
		{"TagContacts none", func(ctx context.Context, c *Client) error {
			_, _, err := c.Tags.TagContacts(ctx, "VIP", nil)
			return err
		}, "tagging 0 contacts"},
		{"TagContacts 51", func(ctx context.Context, c *Client) error {
			_, _, err := c.Tags.TagContacts(ctx, "VIP", ids(51))
			return err
		}, "tagging 51 contacts"},
		{"TagContacts empty id", func(ctx context.Context, c *Client) error {
			_, _, err := c.Tags.TagContacts(ctx, "VIP", []string{"a", ""})
			return err
		}, "id 1 is empty"},
		{"TagContacts empty name", func(ctx context.Context, c *Client) error {
			_, _, err := c.Tags.TagContacts(ctx, "", []string{"a"})
			return err
		}, "empty tag name"},
		{"Tags.Create empty name", func(ctx context.Context, c *Client) error {
			_, _, err := c.Tags.Create(ctx, "")
			return err
		}, "empty tag name"},
		{"Get empty id", func(ctx context.Context, c *Client) error {
			_, _, err := c.Contacts.Get(ctx, "")
			return err
		}, "empty contact id"},
		{"FindByExternalID empty", func(ctx context.Context, c *Client) error {
			_, _, err := c.Contacts.FindByExternalID(ctx, "")
			return err
		}, "empty external id"},
		{"Update empty id", func(ctx context.Context, c *Client) error {
			_, _, err := c.Contacts.Update(ctx, "", &ContactRequest{})
			return err
		}, "empty contact id"},
		{"Update nil", func(ctx context.Context, c *Client) error {
			_, _, err := c.Contacts.Update(ctx, "a", nil)
			return err
		}, "nil contact update"},
		{"ListTags empty id", func(ctx context.Context, c *Client) error {
			_, _, err := c.Contacts.ListTags(ctx, "")
			return err
		}, "empty contact id"},
		{"Create nil", func(ctx context.Context, c *Client) error {
			_, _, err := c.Contacts.Create(ctx, nil)
			return err
		}, "needs an email, an external id or a role"},
		{"Create without identity", func(ctx context.Context, c *Client) error {
			_, _, err := c.Contacts.Create(ctx, &ContactRequest{Name: Ptr("Joe")})
			return err
		}, "needs an email, an external id or a role"},
		{"DataAttributes.Create nil", func(ctx context.Context, c *Client) error {
			_, _, err := c.DataAttributes.Create(ctx, nil)
			return err
		}, "needs a name, a model and a data type"},
		{"DataAttributes.Create without type", func(ctx context.Context, c *Client) error {
			_, _, err := c.DataAttributes.Create(ctx, &DataAttributeRequest{Name: "x", Model: ModelContact})
			return err
		}, "needs a name, a model and a data type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := newFake(t, reply(200, `{}`))
			err := tt.call(t.Context(), c)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want one containing %q", err, tt.wantErr)
			}
			if n := len(f.requests()); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
	// 50 ids are fine.
	c, f := newFake(t, reply(200, `{"type":"tag","id":"1","name":"VIP"}`))
	if _, _, err := c.Tags.TagContacts(t.Context(), "VIP", ids(50)); err != nil {
		t.Fatal(err)
	}
	var body struct {
		Users []userRef `json:"users"`
	}
	if err := json.Unmarshal(f.last(t).Body, &body); err != nil || len(body.Users) != 50 {
		t.Errorf("sent %d users (%v)", len(body.Users), err)
	}
}

func TestFilterBuilders(t *testing.T) {
	got, _ := json.Marshal(Or(Eq("a", 1), And(Eq("b", "x"), Eq("c", true))))
	const want = `{"operator":"OR","value":[{"field":"a","operator":"=","value":1},{"operator":"AND","value":[{"field":"b","operator":"=","value":"x"},{"field":"c","operator":"=","value":true}]}]}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if p := Ptr(3); *p != 3 {
		t.Error("Ptr")
	}
}

// TestNullListItems: a list answer with a null entry is a *DecodeError, not
// a nil item that panics the caller.
func TestNullListItems(t *testing.T) {
	tests := []struct {
		name   string
		answer string
		call   func(ctx context.Context, c *Client) (any, *Response, error)
	}{
		{"Admins.List", `{"type":"admin.list","admins":[{"id":"1"},null]}`, func(ctx context.Context, c *Client) (any, *Response, error) { return c.Admins.List(ctx) }},
		{"DataAttributes.List", `{"type":"list","data":[null]}`, func(ctx context.Context, c *Client) (any, *Response, error) { return c.DataAttributes.List(ctx, nil) }},
		{"Tags.List", `{"type":"list","data":[null]}`, func(ctx context.Context, c *Client) (any, *Response, error) { return c.Tags.List(ctx) }},
		{"Contacts.ListTags", `{"type":"list","data":[null]}`, func(ctx context.Context, c *Client) (any, *Response, error) { return c.Contacts.ListTags(ctx, "a") }},
		{"Contacts.List", `{"type":"list","data":[{"id":"a"},null]}`, func(ctx context.Context, c *Client) (any, *Response, error) { return c.Contacts.List(ctx, nil) }},
		{"Contacts.Search", `{"type":"list","data":[null]}`, func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.Contacts.Search(ctx, Eq("role", "user"), nil)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := newFake(t, reply(200, tt.answer))
			_, resp, err := tt.call(t.Context(), c)
			var de *DecodeError
			if !errors.As(err, &de) || !strings.Contains(err.Error(), "is null") {
				t.Fatalf("err = %v, want a *DecodeError", err)
			}
			r := f.last(t)
			if de.Status != 200 || de.Method != r.Method || de.Path != r.Path || resp == nil {
				t.Errorf("DecodeError = %+v", de)
			}
		})
	}
	if err := noNullItems[Tag](nil, []*Tag{nil}); err == nil {
		t.Error("noNullItems without a response")
	}
}

// TestServiceErrors: every method hands back the typed error, the Response
// (for its Rate) and no value.
func TestServiceErrors(t *testing.T) {
	calls := map[string]func(ctx context.Context, c *Client) (any, *Response, error){
		"Admins.Me":    func(ctx context.Context, c *Client) (any, *Response, error) { return c.Admins.Me(ctx) },
		"Admins.List":  func(ctx context.Context, c *Client) (any, *Response, error) { return c.Admins.List(ctx) },
		"DA.List":      func(ctx context.Context, c *Client) (any, *Response, error) { return c.DataAttributes.List(ctx, nil) },
		"Tags.List":    func(ctx context.Context, c *Client) (any, *Response, error) { return c.Tags.List(ctx) },
		"Tags.Create":  func(ctx context.Context, c *Client) (any, *Response, error) { return c.Tags.Create(ctx, "VIP") },
		"Contacts.Get": func(ctx context.Context, c *Client) (any, *Response, error) { return c.Contacts.Get(ctx, "a") },
		"DA.Create": func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.DataAttributes.Create(ctx, &DataAttributeRequest{Name: "x", Model: ModelContact, DataType: "string"})
		},
		"Tags.TagContacts": func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.Tags.TagContacts(ctx, "VIP", []string{"a"})
		},
		"Contacts.List": func(ctx context.Context, c *Client) (any, *Response, error) { return c.Contacts.List(ctx, nil) },
		"Contacts.Search": func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.Contacts.Search(ctx, Eq("role", "user"), nil)
		},
		"Contacts.FindByExternalID": func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.Contacts.FindByExternalID(ctx, "70")
		},
		"Contacts.Create": func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.Contacts.Create(ctx, &ContactRequest{Email: "a@example.com"})
		},
		"Contacts.Update": func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.Contacts.Update(ctx, "a", &ContactRequest{Name: Ptr("A")})
		},
		"Contacts.ListTags": func(ctx context.Context, c *Client) (any, *Response, error) { return c.Contacts.ListTags(ctx, "a") },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			c, _ := newFake(t, reply(503, errorList("r", ErrorDetail{Code: "service_unavailable"}), "X-RateLimit-Limit", "10"))
			got, resp, err := call(t.Context(), c)
			var se *ServerError
			if !errors.As(err, &se) || se.StatusCode != 503 {
				t.Fatalf("err = %v", err)
			}
			if !reflect.ValueOf(got).IsNil() {
				t.Errorf("a value came with the error: %#v", got)
			}
			if resp == nil || resp.Rate.Limit != 10 {
				t.Errorf("Response = %+v", resp)
			}
		})
	}
}

// TestUnencodableBody: a body json cannot encode fails before any request.
func TestUnencodableBody(t *testing.T) {
	c, f := newFake(t, reply(200, "{}"))
	_, resp, err := c.Contacts.Create(t.Context(), &ContactRequest{Email: "a@example.com", CustomAttributes: map[string]any{"ch": make(chan int)}})
	if err == nil || resp != nil || !strings.Contains(err.Error(), "encoding POST contacts") {
		t.Errorf("Create = %v, %v", resp, err)
	}
	if len(f.requests()) != 0 {
		t.Error("a request was sent")
	}
}

// everyFieldSet fails for each zero field of the struct behind v, looking
// into nested structs.
func everyFieldSet(t *testing.T, v reflect.Value, path string) {
	t.Helper()
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			t.Errorf("%s is nil", path)
			return
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		if v.IsZero() || (v.Kind() == reflect.Slice || v.Kind() == reflect.Map) && v.Len() == 0 {
			t.Errorf("%s is zero or empty: the fixture does not exercise it", path)
		}
		return
	}
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if f.IsExported() {
			everyFieldSet(t, v.Field(i), path+"."+f.Name)
		}
	}
}
