package intercom

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestContactRequestClear(t *testing.T) {
	for _, tc := range []struct {
		name string
		req  ContactRequest
		want string
		err  string
	}{
		{"nothing cleared", ContactRequest{Email: "a@b.example", Name: Ptr("A")}, `{"email":"a@b.example","name":"A"}`, ""},
		{"cleared fields are null", ContactRequest{Email: "a@b.example", Clear: []string{"name", "owner_id"}}, `{"email":"a@b.example","name":null,"owner_id":null}`, ""},
		{"custom attribute cleared by nil", ContactRequest{CustomAttributes: map[string]any{"plan": nil}}, `{"custom_attributes":{"plan":null}}`, ""},
		{"unknown field", ContactRequest{Clear: []string{"email"}}, "", `"email" cannot be cleared`},
		{"set and cleared", ContactRequest{Name: Ptr("A"), Clear: []string{"name"}}, "", "both set and cleared"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(&tc.req)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || string(b) != tc.want {
				t.Fatalf("got %s, %v; want %s", b, err, tc.want)
			}
		})
	}
}
