package intercom

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// TestRemoveTagRequests: the request each untagging method sends, and the
// decoding of Intercom's answer (the tag that was removed).
func TestRemoveTagRequests(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name         string
		call         func(c *Client) (*Tag, *Response, error)
		method, path string
		body         string
		answer       string
		want         *Tag
	}{
		{
			name: "Contacts.RemoveTag",
			call: func(c *Client) (*Tag, *Response, error) {
				return c.Contacts.RemoveTag(ctx, "6762f0dd1bb69f9f2193bb83", "80")
			},
			method: "DELETE", path: "/contacts/6762f0dd1bb69f9f2193bb83/tags/80",
			answer: `{"type":"tag","id":"80","name":"Manual tag","applied_at":1663597223}`,
			want:   &Tag{Type: "tag", ID: "80", Name: "Manual tag", AppliedAt: 1663597223},
		},
		{
			// Ids are one path segment each, whatever they hold.
			name:   "Contacts.RemoveTag (ids escaped)",
			call:   func(c *Client) (*Tag, *Response, error) { return c.Contacts.RemoveTag(ctx, "a/b?c", "..") },
			method: "DELETE", path: "/contacts/a%2Fb%3Fc/tags/%2E%2E",
			answer: `{"type":"tag","id":"81","name":"x"}`,
			want:   &Tag{Type: "tag", ID: "81", Name: "x"},
		},
		{
			name: "Tags.UntagCompanies",
			call: func(c *Client) (*Tag, *Response, error) {
				return c.Tags.UntagCompanies(ctx, "Independent", []string{"531ee472cce572a6ec000006", "531ee472cce572a6ec000007"})
			},
			method: "POST", path: "/tags",
			body:   `{"name":"Independent","companies":[{"id":"531ee472cce572a6ec000006","untag":true},{"id":"531ee472cce572a6ec000007","untag":true}]}`,
			answer: `{"type":"tag","id":"88","name":"Independent"}`,
			want:   &Tag{Type: "tag", ID: "88", Name: "Independent"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, f := newFake(t, reply(200, tc.answer))
			got, resp, err := tc.call(c)
			if err != nil {
				t.Fatal(err)
			}
			if resp == nil || resp.StatusCode != 200 {
				t.Fatalf("Response %+v", resp)
			}
			r := f.last(t)
			checkHeaders(t, r, tc.body != "")
			if r.Method != tc.method || r.Path != tc.path || r.RawQuery != "" {
				t.Errorf("sent %s %s?%s, want %s %s", r.Method, r.Path, r.RawQuery, tc.method, tc.path)
			}
			if tc.body != "" {
				jsonEqual(t, r.Body, tc.body)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("decoded %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestRemoveTagArguments: what the untagging methods refuse without a
// call, including the bound of a bulk untag.
func TestRemoveTagArguments(t *testing.T) {
	c, f := newFake(t, reply(200, `{"type":"tag","id":"1","name":"x"}`))
	ctx := context.Background()
	many := make([]string, MaxTagCompaniesPerCall+1)
	for i := range many {
		many[i] = fmt.Sprint("co", i)
	}
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"no contact", errOnly(c.Contacts.RemoveTag(ctx, "", "80")), "empty contact or tag id"},
		{"no tag", errOnly(c.Contacts.RemoveTag(ctx, "c1", "")), "empty contact or tag id"},
		{"no name", errOnly(c.Tags.UntagCompanies(ctx, "", []string{"co1"})), "empty tag name"},
		{"no companies", errOnly(c.Tags.UntagCompanies(ctx, "VIP", nil)), "untagging 0 companies"},
		{"too many", errOnly(c.Tags.UntagCompanies(ctx, "VIP", many)), fmt.Sprintf("untagging %d companies in one call (want 1..%d)", len(many), MaxTagCompaniesPerCall)},
		{"an empty id", errOnly(c.Tags.UntagCompanies(ctx, "VIP", []string{"co1", ""})), "id 1 is empty"},
	} {
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%s: err %v, want one saying %q", tc.name, tc.err, tc.want)
		}
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	// Exactly the bound is one call.
	if _, _, err := c.Tags.UntagCompanies(ctx, "VIP", many[:MaxTagCompaniesPerCall]); err != nil {
		t.Fatal(err)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d requests for %d companies", n, MaxTagCompaniesPerCall)
	}
}
