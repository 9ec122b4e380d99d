package openapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/icmigrate/icmigrate/internal/openapi/openapitest"
)

// TestEventsAndNotesDefects: requests and answers Intercom documents, which
// the description as published refuses, pass once corrected; what stays
// wrong is still refused.
func TestEventsAndNotesDefects(t *testing.T) {
	v := openapitest.ForTest(t)
	ctx := context.Background()
	cases := []defectRequest{
		{"GET", "/events?type=user&intercom_user_id=6762f0ad1bb69f9f2193bb62", "", true},
		{"GET", "/events?type=user&user_id=314159&summary=true", "", true},
		{"GET", "/events?type=user&email=a%40example.org&per_page=5&before=2", "", true},
		{"GET", "/events?intercom_user_id=x", "", false}, // type is still required
		{"POST", "/contacts/6762f0ad1bb69f9f2193bb62/notes", `{"body":"<p>x</p>","admin_id":"12"}`, true},
		{"POST", "/contacts/6762f0ad1bb69f9f2193bb62/notes", `{"admin_id":"12"}`, false}, // body is required
		{"POST", "/events", `{"event_name":"x","created_at":1,"id":"c","metadata":{"n":3.67,"d_date":1392036272,"s":"a",` +
			`"l":{"url":"https://example.org","value":"v"},"price":{"amount":34999,"currency":"eur"}}}`, true},
		{"POST", "/events", `{"event_name":"x","created_at":1,"id":"c","metadata":{"b":true}}`, false},
	}
	checkDefectRequests(t, v, cases)
	for _, c := range cases {
		if c.method == "GET" && c.ok && strings.HasPrefix(c.url, "/events") {
			r, route, params := routed(t, v, c)
			in := v.RequestInput(r, route, params)
			h := http.Header{"Content-Type": {"application/json"}}
			for _, body := range []string{
				`{"type":"event.list","events":[{"type":"event","event_name":"x","created_at":1,"metadata":{"n":1,"l":{"url":"https://x","value":"y"}}}],"pages":{"next":"https://api.intercom.io/events?type=user"}}`,
				`{"type":"event.summary","intercom_user_id":"c","events":[{"name":"x","first":"2014-01-16T23:12:21.000+00:00","last":"2014-01-16T23:12:21.000+00:00","count":1}]}`,
			} {
				if err := v.ValidateResponse(ctx, in, 200, h, []byte(body)); err != nil {
					t.Errorf("answer %s: %v", body, err)
				}
			}
			if err := v.ValidateResponse(ctx, in, 200, h, []byte(`{"type":"nonsense","events":[]}`)); err == nil {
				t.Error("an answer of neither shape passed")
			}
		}
	}
}
