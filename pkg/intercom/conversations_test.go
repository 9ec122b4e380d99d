package intercom

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// conversationJSON is shaped like the spec's example of a retrieved
// conversation, with two parts.
const conversationJSON = `{"type":"conversation","id":"471","title":"Refund","created_at":1734537460,"updated_at":1734537470,
 "waiting_since":null,"snoozed_until":1734600000,"open":true,"state":"snoozed","read":false,"priority":"not_priority",
 "admin_assignee_id":991267715,"team_assignee_id":null,
 "tags":{"type":"tag.list","tags":[{"type":"tag","id":"86","name":"VIP","applied_at":1663597223,"applied_by":{"type":"admin","id":"456"}}]},
 "source":{"type":"conversation","id":"403918320","delivered_as":"customer_initiated","subject":"","body":"<p>Hi</p>",
  "author":{"type":"user","id":"6762f0f31bb69f9f2193bb8b","name":"Ada","email":"ada@example.com"},
  "attachments":[{"type":"upload","name":"a.png","url":"https://files.example/a.png","content_type":"image/png","filesize":100,"width":10,"height":20}],
  "url":null,"redacted":false},
 "contacts":{"type":"contact.list","contacts":[{"type":"contact","id":"6762f0f31bb69f9f2193bb8b","external_id":"70"}]},
 "custom_attributes":{"issue_type":"Billing","severity":12345678901234567},
 "conversation_parts":{"type":"conversation_part.list","total_count":2,"conversation_parts":[
  {"type":"conversation_part","id":"1","part_type":"comment","body":"<p>Hello</p>","created_at":1734537461,"updated_at":1734537461,
   "notified_at":1734537461,"assigned_to":null,"author":{"type":"admin","id":"991267715","name":"Op","email":"op@example.com"},
   "attachments":[],"external_id":null,"redacted":false,"state":"open"},
  {"type":"conversation_part","id":"2","part_type":"assignment","body":null,"created_at":1734537462,
   "assigned_to":{"type":"admin","id":"991267716"},"author":{"type":"admin","id":"991267715"},"attachments":[],"state":"open"}]}}`

func TestConversationRequests(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		call   func(c *Client) (any, error)
		method string
		path   string
		query  url.Values
		body   string
		answer string
		check  func(t *testing.T, v any)
	}{
		{
			name: "List",
			call: func(c *Client) (any, error) {
				l, _, err := c.Conversations.List(ctx, &ListOptions{PerPage: 10, StartingAfter: "x"})
				return l, err
			},
			method: "GET", path: "/conversations", query: url.Values{"per_page": {"10"}, "starting_after": {"x"}},
			answer: `{"type":"conversation.list","conversations":[{"type":"conversation","id":"1","created_at":5}],"total_count":1,
				"pages":{"type":"pages","page":1,"per_page":10,"total_pages":1,"next":{"per_page":10,"starting_after":"y"}}}`,
			check: func(t *testing.T, v any) {
				l := v.(*ConversationList)
				if len(l.Conversations) != 1 || l.Conversations[0].ID != "1" || l.TotalCount != 1 || l.Pages.nextCursor() != "y" {
					t.Errorf("list %+v", l)
				}
			},
		},
		{
			name: "Get plain text",
			call: func(c *Client) (any, error) {
				v, _, err := c.Conversations.Get(ctx, "471", &ConversationGetOptions{PlainText: true})
				return v, err
			},
			method: "GET", path: "/conversations/471", query: url.Values{"display_as": {"plaintext"}},
			answer: conversationJSON,
			check: func(t *testing.T, v any) {
				c := v.(*Conversation)
				if c.State != StateSnoozed || c.SnoozedUntil != 1734600000 || c.AdminAssigneeID != 991267715 || c.TeamAssigneeID != 0 ||
					c.Source.Author.ID != "6762f0f31bb69f9f2193bb8b" || !c.Source.Author.IsContact() || c.Source.Attachments[0].Height != 20 ||
					c.Tags.Tags[0].AppliedBy.ID != "456" || c.Contacts.Contacts[0].ExternalID != "70" || c.Title != "Refund" {
					t.Errorf("conversation %+v", c)
				}
				if n, ok := c.CustomAttributes["severity"].(json.Number); !ok || n.String() != "12345678901234567" {
					t.Errorf("custom attribute lost precision: %#v", c.CustomAttributes["severity"])
				}
				ps := c.Parts()
				if len(ps) != 2 || ps[0].Author.Email != "op@example.com" || ps[1].AssignedTo.ID != "991267716" || c.PartsTruncated() {
					t.Errorf("parts %+v", ps)
				}
			},
		},
		{
			name: "Search",
			call: func(c *Client) (any, error) {
				l, _, err := c.Conversations.Search(ctx, Eq("contact_ids", "abc"), &ListOptions{PerPage: 5})
				return l, err
			},
			method: "POST", path: "/conversations/search",
			body:   `{"query":{"field":"contact_ids","operator":"=","value":"abc"},"pagination":{"per_page":5}}`,
			answer: `{"type":"conversation.list","conversations":[],"total_count":0}`,
		},
		{
			name: "Create",
			call: func(c *Client) (any, error) {
				m, _, err := c.Conversations.Create(ctx, &CreateConversationRequest{From: ConversationFrom{Type: "user", ID: "6762f0f31bb69f9f2193bb8b"},
					Body: "Hello", CreatedAt: 1671028894, AttachmentURLs: []string{"https://x.example/a.png"}})
				return m, err
			},
			method: "POST", path: "/conversations",
			body:   `{"from":{"type":"user","id":"6762f0f31bb69f9f2193bb8b"},"body":"Hello","attachment_urls":["https://x.example/a.png"],"created_at":1671028894}`,
			answer: `{"type":"user_message","id":"403918330","created_at":1671028894,"body":"Hello","message_type":"inapp","conversation_id":"499"}`,
			check: func(t *testing.T, v any) {
				if m := v.(*Message); m.ConversationID != "499" || m.ID != "403918330" {
					t.Errorf("message %+v", m)
				}
			},
		},
		{
			name: "Reply as admin",
			call: func(c *Client) (any, error) {
				v, _, err := c.Conversations.Reply(ctx, "471", &ReplyRequest{MessageType: MessageTypeNote, Type: "admin", AdminID: "3156780", Body: "<p>n</p>", CreatedAt: 1590000000})
				return v, err
			},
			method: "POST", path: "/conversations/471/reply",
			body:   `{"message_type":"note","type":"admin","admin_id":"3156780","body":"<p>n</p>","created_at":1590000000}`,
			answer: conversationJSON,
		},
		{
			name: "Reply as contact",
			call: func(c *Client) (any, error) {
				v, _, err := c.Conversations.Reply(ctx, "471", &ReplyRequest{MessageType: MessageTypeComment, Type: "user", IntercomUserID: "6762", Body: "thanks",
					AttachmentURLs: []string{"https://x.example/1.png"}})
				return v, err
			},
			method: "POST", path: "/conversations/471/reply",
			body:   `{"message_type":"comment","type":"user","intercom_user_id":"6762","body":"thanks","attachment_urls":["https://x.example/1.png"]}`,
			answer: conversationJSON,
		},
		{
			name: "AppendReply",
			call: func(c *Client) (any, error) {
				resp, err := c.Conversations.AppendReply(ctx, "471", &ReplyRequest{MessageType: MessageTypeComment, Type: "admin", AdminID: "1", Body: "b", CreatedAt: 5})
				return resp, err
			},
			method: "POST", path: "/conversations/471/reply",
			body:   `{"message_type":"comment","type":"admin","admin_id":"1","body":"b","created_at":5}`,
			answer: conversationJSON,
		},
		{
			name: "Close",
			call: func(c *Client) (any, error) {
				v, _, err := c.Conversations.Close(ctx, "471", "12", "bye")
				return v, err
			},
			method: "POST", path: "/conversations/471/parts",
			body:   `{"message_type":"close","type":"admin","admin_id":"12","body":"bye"}`,
			answer: conversationJSON,
		},
		{
			name:   "Open",
			call:   func(c *Client) (any, error) { v, _, err := c.Conversations.Open(ctx, "471", "12"); return v, err },
			method: "POST", path: "/conversations/471/parts",
			body:   `{"message_type":"open","admin_id":"12"}`,
			answer: conversationJSON,
		},
		{
			name: "Snooze",
			call: func(c *Client) (any, error) {
				v, _, err := c.Conversations.Snooze(ctx, "471", "12", 1673609604)
				return v, err
			},
			method: "POST", path: "/conversations/471/parts",
			body:   `{"message_type":"snoozed","admin_id":"12","snoozed_until":1673609604}`,
			answer: conversationJSON,
		},
		{
			name: "Assign to a team",
			call: func(c *Client) (any, error) {
				v, _, err := c.Conversations.Assign(ctx, "471", &AssignRequest{AdminID: "12", AssigneeID: "5017691", AssigneeType: "team"})
				return v, err
			},
			method: "POST", path: "/conversations/471/parts",
			body:   `{"message_type":"assignment","type":"team","admin_id":"12","assignee_id":"5017691"}`,
			answer: conversationJSON,
		},
		{
			name: "Unassign",
			call: func(c *Client) (any, error) {
				v, _, err := c.Conversations.Assign(ctx, "471", &AssignRequest{AdminID: "12", AssigneeID: "0"})
				return v, err
			},
			method: "POST", path: "/conversations/471/parts",
			body:   `{"message_type":"assignment","type":"admin","admin_id":"12","assignee_id":"0"}`,
			answer: conversationJSON,
		},
		{
			name: "Update",
			call: func(c *Client) (any, error) {
				v, _, err := c.Conversations.Update(ctx, "471", &ConversationUpdate{Title: Ptr("T"), CustomAttributes: map[string]any{"issue_type": "Billing"}})
				return v, err
			},
			method: "PUT", path: "/conversations/471",
			body:   `{"title":"T","custom_attributes":{"issue_type":"Billing"}}`,
			answer: conversationJSON,
		},
		{
			name: "AddTag",
			call: func(c *Client) (any, error) {
				v, _, err := c.Conversations.AddTag(ctx, "471", "86", "456")
				return v, err
			},
			method: "POST", path: "/conversations/471/tags",
			body:   `{"id":"86","admin_id":"456"}`,
			answer: `{"type":"tag","id":"86","name":"Manual tag","applied_at":1663597223,"applied_by":{"type":"admin","id":"456"}}`,
			check: func(t *testing.T, v any) {
				if tg := v.(*ConversationTag); tg.Name != "Manual tag" || tg.AppliedBy.ID != "456" {
					t.Errorf("tag %+v", tg)
				}
			},
		},
		{
			name: "RemoveTag",
			call: func(c *Client) (any, error) {
				v, _, err := c.Conversations.RemoveTag(ctx, "471", "86", "456")
				return v, err
			},
			method: "DELETE", path: "/conversations/471/tags/86",
			body:   `{"admin_id":"456"}`,
			answer: `{"type":"tag","id":"86","name":"Manual tag"}`,
		},
		{
			name: "Messages.Create starting a conversation",
			call: func(c *Client) (any, error) {
				m, _, err := c.Messages.Create(ctx, &MessageRequest{MessageType: "in_app", Body: "heyy", From: MessageFrom{ID: 991267816},
					To: MessageRecip{Type: "user", ID: "6762"}, CreatedAt: 1590000000, CreateConversationWithoutContactReply: true})
				return m, err
			},
			method: "POST", path: "/messages",
			body: `{"message_type":"in_app","body":"heyy","from":{"type":"admin","id":991267816},"to":{"type":"user","id":"6762"},
				"created_at":1590000000,"create_conversation_without_contact_reply":true}`,
			answer: `{"type":"admin_message","id":"19","created_at":1590000000,"body":"heyy","message_type":"inapp","conversation_id":"613"}`,
			check: func(t *testing.T, v any) {
				if m := v.(*Message); m.ConversationID != "613" || m.Type != "admin_message" {
					t.Errorf("message %+v", m)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, f := newFake(t, reply(200, tc.answer))
			v, err := tc.call(c)
			if err != nil {
				t.Fatal(err)
			}
			r := f.last(t)
			if r.Method != tc.method || r.Path != tc.path {
				t.Errorf("sent %s %s, want %s %s", r.Method, r.Path, tc.method, tc.path)
			}
			if tc.query != nil && !reflect.DeepEqual(r.Query, tc.query) || tc.query == nil && r.RawQuery != "" {
				t.Errorf("query %v, want %v", r.Query, tc.query)
			}
			checkHeaders(t, r, tc.body != "")
			if tc.body != "" {
				jsonEqual(t, r.Body, tc.body)
			}
			if tc.check != nil {
				tc.check(t, v)
			}
		})
	}
}

func TestConversationTruncation(t *testing.T) {
	parts := make([]*ConversationPart, MaxConversationParts)
	for i := range parts {
		parts[i] = &ConversationPart{ID: "p"}
	}
	for _, tc := range []struct {
		list *ConversationPartList
		want bool
	}{
		{nil, false},
		{&ConversationPartList{ConversationParts: parts[:3], TotalCount: 3}, false},
		{&ConversationPartList{ConversationParts: parts[:3], TotalCount: 700}, true},
		{&ConversationPartList{ConversationParts: parts, TotalCount: 500}, true}, // total_count may be what was returned
	} {
		c := &Conversation{ConversationParts: tc.list}
		if got := c.PartsTruncated(); got != tc.want {
			t.Errorf("%+v: truncated %v, want %v", tc.list, got, tc.want)
		}
	}
}

func TestConversationValidation(t *testing.T) {
	ctx := context.Background()
	c, f := newFake(t, reply(200, `{}`))
	eleven := strings.Split(strings.Repeat("https://x.example/a,", 11), ",")[:11]
	for name, call := range map[string]func() error{
		"Get without id": func() error { _, _, err := c.Conversations.Get(ctx, "", nil); return err },
		"Create without from": func() error {
			_, _, err := c.Conversations.Create(ctx, &CreateConversationRequest{Body: "x"})
			return err
		},
		"Create with 11 attachments": func() error {
			_, _, err := c.Conversations.Create(ctx, &CreateConversationRequest{From: ConversationFrom{Type: "user", ID: "a"}, Body: "x", AttachmentURLs: eleven})
			return err
		},
		"admin reply without admin": func() error {
			_, _, err := c.Conversations.Reply(ctx, "1", &ReplyRequest{MessageType: "comment", Type: "admin", Body: "x"})
			return err
		},
		"contact note": func() error {
			_, _, err := c.Conversations.Reply(ctx, "1", &ReplyRequest{MessageType: "note", Type: "user", IntercomUserID: "a", Body: "x"})
			return err
		},
		"empty body": func() error {
			_, _, err := c.Conversations.Reply(ctx, "1", &ReplyRequest{MessageType: "comment", Type: "admin", AdminID: "1", Body: " "})
			return err
		},
		"close without admin":     func() error { _, _, err := c.Conversations.Close(ctx, "1", "", ""); return err },
		"snooze without a time":   func() error { _, _, err := c.Conversations.Snooze(ctx, "1", "2", 0); return err },
		"assign without assignee": func() error { _, _, err := c.Conversations.Assign(ctx, "1", &AssignRequest{AdminID: "2"}); return err },
		"assign to a bad type": func() error {
			_, _, err := c.Conversations.Assign(ctx, "1", &AssignRequest{AdminID: "2", AssigneeID: "3", AssigneeType: "bot"})
			return err
		},
		"tag without admin":       func() error { _, _, err := c.Conversations.AddTag(ctx, "1", "2", ""); return err },
		"List with per_page 151":  func() error { _, _, err := c.Conversations.List(ctx, &ListOptions{PerPage: 151}); return err },
		"Search without operator": func() error { _, _, err := c.Conversations.Search(ctx, Filter{Field: "id"}, nil); return err },
		"Search with per_page -1": func() error {
			_, _, err := c.Conversations.Search(ctx, Eq("id", "1"), &ListOptions{PerPage: -1})
			return err
		},
		"SearchAll without operator": func() error {
			for _, err := range c.Conversations.SearchAll(ctx, Filter{}, nil) {
				return err
			}
			return nil
		},
		"Create without body": func() error {
			_, _, err := c.Conversations.Create(ctx, &CreateConversationRequest{From: ConversationFrom{Type: "user", ID: "a"}})
			return err
		},
		"Reply without id": func() error {
			_, _, err := c.Conversations.Reply(ctx, "", &ReplyRequest{MessageType: "comment", Type: "admin", AdminID: "1", Body: "x"})
			return err
		},
		"nil reply":              func() error { _, err := c.Conversations.AppendReply(ctx, "1", nil); return err },
		"AppendReply without id": func() error { _, err := c.Conversations.AppendReply(ctx, "", &ReplyRequest{}); return err },
		"admin reply of another type": func() error {
			_, _, err := c.Conversations.Reply(ctx, "1", &ReplyRequest{MessageType: "close", Type: "admin", AdminID: "1", Body: "x"})
			return err
		},
		"contact reply without contact": func() error {
			_, _, err := c.Conversations.Reply(ctx, "1", &ReplyRequest{MessageType: "comment", Type: "user", Body: "x"})
			return err
		},
		"reply by a bot": func() error {
			_, _, err := c.Conversations.Reply(ctx, "1", &ReplyRequest{MessageType: "comment", Type: "bot", Body: "x"})
			return err
		},
		"reply with 11 attachments": func() error {
			_, _, err := c.Conversations.Reply(ctx, "1", &ReplyRequest{MessageType: "comment", Type: "admin", AdminID: "1", Body: "x", AttachmentURLs: eleven})
			return err
		},
		"manage without id":   func() error { _, _, err := c.Conversations.Open(ctx, "", "1"); return err },
		"Update without id":   func() error { _, _, err := c.Conversations.Update(ctx, "", &ConversationUpdate{}); return err },
		"nil update":          func() error { _, _, err := c.Conversations.Update(ctx, "1", nil); return err },
		"untag without admin": func() error { _, _, err := c.Conversations.RemoveTag(ctx, "1", "2", ""); return err },
		"message without recip": func() error {
			_, _, err := c.Messages.Create(ctx, &MessageRequest{MessageType: "in_app", Body: "x", From: MessageFrom{ID: 1}})
			return err
		},
		"message of a bad type": func() error {
			_, _, err := c.Messages.Create(ctx, &MessageRequest{MessageType: "sms", Body: "x", From: MessageFrom{ID: 1}, To: MessageRecip{ID: "a"}})
			return err
		},
		"message without body": func() error {
			_, _, err := c.Messages.Create(ctx, &MessageRequest{MessageType: "in_app", From: MessageFrom{ID: 1}, To: MessageRecip{ID: "a"}})
			return err
		},
		"email message no subject": func() error {
			_, _, err := c.Messages.Create(ctx, &MessageRequest{MessageType: "email", Body: "x", From: MessageFrom{ID: 1}, To: MessageRecip{ID: "a"}})
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

func TestConversationErrors(t *testing.T) {
	c, _ := newFake(t, reply(403, errorList("r1", ErrorDetail{Code: "admin_without_inbox_seat", Message: "no seat"})))
	_, _, err := c.Conversations.Assign(context.Background(), "1", &AssignRequest{AdminID: "2", AssigneeID: "3"})
	var fe *ForbiddenError
	if !errors.As(err, &fe) || fe.Code() != "admin_without_inbox_seat" {
		t.Errorf("err %v", err)
	}
	noToken(t, err)
}

// cursorFake answers a cursor-paged list or search of name ("conversations",
// "tickets") with the pages of ids, two a page, reading the cursor from the
// query (a list) or the body's pagination (a search): the cursor is the
// index of the page's first id.
func cursorFake(name, typ string, ids ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		cursor := r.URL.Query().Get("starting_after")
		if r.Method == "POST" {
			var body struct {
				Pagination *searchPagination `json:"pagination"`
			}
			json.NewDecoder(r.Body).Decode(&body)
			if body.Pagination != nil {
				cursor = body.Pagination.StartingAfter
			}
		}
		from, _ := strconv.Atoi(cursor)
		to := min(from+2, len(ids))
		items := make([]string, 0, 2)
		for _, id := range ids[from:to] {
			items = append(items, fmt.Sprintf(`{"type":%q,"id":%q}`, typ, id))
		}
		next := ""
		if to < len(ids) {
			next = fmt.Sprintf(`,"next":{"per_page":2,"starting_after":"%d"}`, to)
		}
		reply(200, fmt.Sprintf(`{"type":"%s.list",%q:[%s],"total_count":%d,"pages":{"type":"pages","per_page":2%s}}`,
			typ, name, strings.Join(items, ","), len(ids), next))(w, r)
	}
}

// TestConversationWalks: All and SearchAll follow the cursor to the last
// page, the search carrying its query and cursor in the body.
func TestConversationWalks(t *testing.T) {
	ctx := context.Background()
	c, f := newFake(t, cursorFake("conversations", "conversation", "a", "b", "c"))
	for name, seq := range map[string]iter.Seq2[*Conversation, error]{
		"All":       c.Conversations.All(ctx, &ListOptions{PerPage: 2}),
		"SearchAll": c.Conversations.SearchAll(ctx, Eq("contact_ids", "x"), &ListOptions{PerPage: 2}),
	} {
		var got []string
		for v, err := range seq {
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			got = append(got, v.ID)
		}
		if strings.Join(got, ",") != "a,b,c" {
			t.Errorf("%s walked %v", name, got)
		}
		if r := f.last(t); r.Method == "POST" {
			jsonEqual(t, r.Body, `{"query":{"field":"contact_ids","operator":"=","value":"x"},"pagination":{"per_page":2,"starting_after":"2"}}`)
		} else if r.Query.Get("starting_after") != "2" {
			t.Errorf("%s: last page asked with %v", name, r.Query)
		}
	}
}

// TestConversationAnswerErrors: an error answer, or a list or a
// conversation with a null in it, gives the caller no value, only the error
// and the Response.
func TestConversationAnswerErrors(t *testing.T) {
	ctx := context.Background()
	checkAnswerErrors(t, []answerErrorCase{
		{"List null", reply(200, `{"type":"conversation.list","conversations":[null],"total_count":1}`),
			func(c *Client) (any, *Response, error) { return c.Conversations.List(ctx, nil) }, &DecodeError{}},
		{"Search null", reply(200, `{"type":"conversation.list","conversations":[{"id":"1"},null],"total_count":2}`),
			func(c *Client) (any, *Response, error) { return c.Conversations.Search(ctx, Eq("id", "1"), nil) }, &DecodeError{}},
		{"Get null part", reply(200, `{"type":"conversation","id":"1","conversation_parts":{"conversation_parts":[null],"total_count":1}}`),
			func(c *Client) (any, *Response, error) { return c.Conversations.Get(ctx, "1", nil) }, &DecodeError{}},
		{"Create 404", reply(404, errorList("r", ErrorDetail{Code: "not_found", Message: "no"})),
			func(c *Client) (any, *Response, error) {
				return c.Conversations.Create(ctx, &CreateConversationRequest{From: ConversationFrom{Type: "user", ID: "a"}, Body: "x"})
			}, &NotFoundError{}},
		{"AddTag 404", reply(404, errorList("r", ErrorDetail{Code: "not_found", Message: "no"})),
			func(c *Client) (any, *Response, error) { return c.Conversations.AddTag(ctx, "1", "2", "3") }, &NotFoundError{}},
		{"RemoveTag 404", reply(404, errorList("r", ErrorDetail{Code: "not_found", Message: "no"})),
			func(c *Client) (any, *Response, error) { return c.Conversations.RemoveTag(ctx, "1", "2", "3") }, &NotFoundError{}},
		{"Messages.Create 422", reply(422, errorList("r", ErrorDetail{Code: "parameter_invalid", Message: "no"})),
			func(c *Client) (any, *Response, error) {
				return c.Messages.Create(ctx, &MessageRequest{MessageType: "in_app", Body: "x", From: MessageFrom{ID: 1}, To: MessageRecip{ID: "a"}})
			}, &InvalidError{}},
	})
}

// answerErrorCase is a call answered with an error, or with a null where an
// object belongs.
type answerErrorCase struct {
	name   string
	answer http.HandlerFunc
	call   func(c *Client) (any, *Response, error)
	want   error // of the type the call must return
}

// checkAnswerErrors checks that each call returns an error of the type
// wanted, no value, and the Response.
func checkAnswerErrors(t *testing.T, cases []answerErrorCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newFake(t, tc.answer)
			v, resp, err := tc.call(c)
			if err == nil || reflect.TypeOf(err) != reflect.TypeOf(tc.want) {
				t.Fatalf("err %T %v, want %T", err, err, tc.want)
			}
			if !reflect.ValueOf(v).IsNil() || resp == nil {
				t.Errorf("value %v, response %v", v, resp)
			}
		})
	}
}
