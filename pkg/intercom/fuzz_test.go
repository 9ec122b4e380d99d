package intercom

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// cannedClient is a client whose every request is answered with status,
// header and body, without a network (fuzzing wants many runs a second).
func cannedClient(t testing.TB, status int, header http.Header, body []byte) *Client {
	t.Helper()
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{
			Status:        strconv.Itoa(status) + " " + http.StatusText(status),
			StatusCode:    status,
			Proto:         "HTTP/1.1",
			ProtoMajor:    1,
			ProtoMinor:    1,
			Header:        header.Clone(),
			Body:          io.NopCloser(bytes.NewReader(body)),
			ContentLength: int64(len(body)),
			Request:       r,
		}, nil
	})}
	c, err := NewClient(testToken, US, WithHTTPClient(hc), WithBaseURL("https://api.intercom.test"))
	if err != nil {
		t.Fatal(err)
	}
	c.maxResponseBytes = 1 << 16
	return c
}

var fuzzRateHeader = http.Header{
	"Content-Type":          {"application/json"},
	"X-Ratelimit-Limit":     {"1000"},
	"X-Ratelimit-Remaining": {"999"},
	"X-Ratelimit-Reset":     {"1734537500"},
}

// FuzzDecodeContactList feeds arbitrary bytes as the 200 answer of a
// contact list through Client.Do: it must never panic, and must return
// either a page or a *DecodeError.
func FuzzDecodeContactList(f *testing.F) {
	f.Add([]byte(contactPage("c2", 2, "a", "b")))
	f.Add([]byte(`{"type":"list","data":[` + contactJSON + `,` + nullContactJSON + `],"total_count":2,"pages":{"type":"pages","page":1,"per_page":2,"total_pages":1}}`))
	f.Add([]byte(`{"type":"list","data":[],"total_count":0,"pages":{"type":"pages","page":1,"per_page":10,"total_pages":0}}`))
	f.Add([]byte(contactPage("", 2, "a")[:30]))
	f.Add([]byte(`{"type":"list","data":[{"id":"a","custom_attributes":{"n":1e400,"m":-0.0,"big":123456789012345678901234567890}}]}`))
	f.Add([]byte(`{"type":"list","data":[{"id":"a","owner_id":1e3}]}`))
	f.Add([]byte(`{"pages":{"next":"https://api.intercom.io/contacts?starting_after=x"}}`))
	f.Add([]byte(`{"data":null,"pages":null}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`[]`))
	f.Add([]byte(``))
	f.Add([]byte("<html><body>502 Bad Gateway</body></html>"))
	f.Add([]byte("{\"data\":[{\"id\":\"\xff\xfe\"}]}"))
	f.Add([]byte(`{"data":[{"id":"a"}]} trailing`))
	f.Fuzz(func(t *testing.T, body []byte) {
		c := cannedClient(t, 200, fuzzRateHeader, body)
		req, err := c.NewRequest(t.Context(), "GET", "contacts", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		var l ContactList
		resp, err := c.Do(req, &l)
		if resp == nil || resp.StatusCode != 200 || resp.Rate.Limit != 1000 {
			t.Fatalf("Response = %+v", resp)
		}
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) || de.Status != 200 || de.Err == nil {
				t.Fatalf("error %T %v, want a *DecodeError", err, err)
			}
			if strings.Contains(err.Error(), testToken) {
				t.Fatal("token in the error")
			}
			return
		}
		// The same through the service, which also reads the cursor.
		page, resp, err := c.Contacts.List(t.Context(), &ListOptions{PerPage: 2})
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) || !strings.Contains(err.Error(), "is null") {
				t.Fatalf("Do decoded the body but List = %v, %v", page, err)
			}
			return
		}
		if resp.NextCursor != l.Pages.nextCursor() {
			t.Fatalf("NextCursor %q, pages say %q", resp.NextCursor, l.Pages.nextCursor())
		}
		for i, ct := range page.Data {
			if ct == nil {
				t.Fatalf("List returned a nil contact at %d", i)
			}
		}
		// And the iterator over it terminates (the canned answer repeats,
		// so a next cursor is the stuck-cursor case after one page).
		n := 0
		for _, err := range c.Contacts.All(t.Context(), nil) {
			if n++; n > 2*len(page.Data)+2 {
				t.Fatalf("iterator does not end (%d yields, err %v)", n, err)
			}
		}
	})
}

// FuzzErrorBody feeds an arbitrary status outside 2xx and body through
// Client.Do: it must never panic and always return one of the typed errors,
// wrapping an *ErrorResponse with the status, valid UTF-8 texts and no
// token.
func FuzzErrorBody(f *testing.F) {
	f.Add(409, []byte(errorList("r", ErrorDetail{Code: "conflict", Message: "A contact matching those details already exists with id=5f7f0d217289f8d2f4262080"})))
	f.Add(429, []byte(errorList("r", ErrorDetail{Code: "rate_limit_exceeded", Message: "Exceeded rate limit"})))
	f.Add(401, []byte(`{"type":"error.list","request_id":null,"errors":[{"code":"unauthorized","message":null,"field":null}]}`))
	f.Add(404, []byte(`{"type":"error.list","errors":[]}`))
	f.Add(400, []byte(`{"type":"error.list","errors":[{}]}`))
	f.Add(422, []byte(`{"errors":"not a list"}`))
	f.Add(502, []byte("<html>\n<head><title>502 Bad Gateway</title></head>\n</html>"))
	f.Add(503, []byte(""))
	f.Add(500, []byte("\xff\xfe\xfd"+strings.Repeat("é", 150)))
	f.Add(500, []byte("Authorization: Bearer "+testToken))
	f.Add(302, []byte(""))
	f.Add(100, []byte("x"))
	f.Add(999, []byte("x"))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		// Statuses a server can send that are not 2xx nor 1xx (which
		// net/http handles itself).
		if status < 200 || status > 999 {
			status = 400 + (status%200+200)%200
		}
		if status >= 200 && status <= 299 {
			status += 300
		}
		c := cannedClient(t, status, fuzzRateHeader, body)
		req, err := c.NewRequest(t.Context(), "POST", "contacts", nil, &ContactRequest{Email: "a@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		var ct Contact
		resp, err := c.Do(req, &ct)
		if err == nil {
			t.Fatalf("status %d: no error", status)
		}
		if resp == nil || resp.StatusCode != status {
			t.Fatalf("Response = %+v", resp)
		}
		if ks := kindsOf(err); len(ks) != 1 {
			t.Fatalf("status %d: %T is %d typed errors", status, err, len(ks))
		}
		var er *ErrorResponse
		if !errors.As(err, &er) {
			t.Fatalf("%T does not wrap an *ErrorResponse", err)
		}
		if er.StatusCode != status || er.Method != "POST" || er.Path != "/contacts" || er.Rate.Limit != 1000 {
			t.Fatalf("ErrorResponse = %+v", er)
		}
		if len(er.Errors) == 0 {
			t.Fatal("no error details")
		}
		msg := err.Error()
		if !utf8.ValidString(msg) {
			t.Fatalf("error text is not UTF-8: %q", msg)
		}
		if strings.Contains(msg, testToken) {
			t.Fatalf("token in %q", msg)
		}
		var ce *ConflictError
		if errors.As(err, &ce) && ce.ExistingID != "" && !strings.Contains(msg, "id="+ce.ExistingID) {
			t.Fatalf("ExistingID %q not from the message %q", ce.ExistingID, msg)
		}
		var rl *RateLimitError
		if errors.As(err, &rl) && rl.RetryAfter(rl.Rate.Reset) != 0 {
			t.Fatal("RetryAfter at the reset is not 0")
		}
	})
}
