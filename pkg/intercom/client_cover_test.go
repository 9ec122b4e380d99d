package intercom

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// TestReadRetryWaitEndsWithContext: a context that ends while a read waits
// to be retried ends the call with the context's error, and the Response of
// the failed attempt (for its Rate).
func TestReadRetryWaitEndsWithContext(t *testing.T) {
	c, f := newFake(t, reply(503, errorList("r", ErrorDetail{Code: "service_unavailable"}), "X-RateLimit-Limit", "55"), WithReadRetries(5))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	got, resp, err := c.Contacts.Get(ctx, "a")
	if !errors.Is(err, context.DeadlineExceeded) || got != nil {
		t.Fatalf("%v %v, want the context's error", got, err)
	}
	if resp == nil || resp.StatusCode != 503 || resp.Rate.Limit != 55 {
		t.Errorf("Response %+v", resp)
	}
	// The first wait is 200ms: the context ended during it.
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d attempts", n)
	}
}

// TestHeldBackReadNotRetried: a read the rate-limiting transport held back
// goes back to the caller at once, whatever WithReadRetries says, as a
// *TransportError from which the hold can be read.
func TestHeldBackReadNotRetried(t *testing.T) {
	trips := 0
	until := time.Unix(1734537500, 0)
	hc := &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
		trips++
		return nil, pausedError{until}
	})}
	c, err := NewClient(testToken, US, WithHTTPClient(hc), WithReadRetries(3))
	if err != nil {
		t.Fatal(err)
	}
	_, resp, err := c.Contacts.Get(context.Background(), "a")
	var te *TransportError
	var held interface{ RateLimitUntil() time.Time }
	if !errors.As(err, &te) || !errors.As(err, &held) || !held.RateLimitUntil().Equal(until) || resp != nil {
		t.Fatalf("err %v, Response %v", err, resp)
	}
	if trips != 1 {
		t.Errorf("%d round trips, want 1", trips)
	}
	if retryableRead(err) {
		t.Error("a held-back read is retryable")
	}
}

// TestRedactURLError: only a *url.Error whose URL parses loses its query;
// anything else is kept as it is.
func TestRedactURLError(t *testing.T) {
	plain := errors.New("connection reset")
	for _, tc := range []struct {
		name string
		in   error
		want string
	}{
		{"not a url.Error", plain, "connection reset"},
		{"a query", &url.Error{Op: "Get", URL: "https://api.intercom.io/contacts/find?external_id=42", Err: plain},
			`Get "https://api.intercom.io/contacts/find": connection reset`},
		{"no query", &url.Error{Op: "Get", URL: "https://api.intercom.io/admins", Err: plain},
			`Get "https://api.intercom.io/admins": connection reset`},
		{"an unparsable URL", &url.Error{Op: "Get", URL: "http://bad host/?q=1", Err: plain},
			`Get "http://bad host/?q=1": connection reset`},
	} {
		got := redactURLError(tc.in)
		if got.Error() != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got.Error(), tc.want)
		}
		if !errors.Is(got, plain) {
			t.Errorf("%s: the cause is lost", tc.name)
		}
	}
}

// TestAPIErrorWithoutToken: with no token to scrub, the server's texts are
// kept whole.
func TestAPIErrorWithoutToken(t *testing.T) {
	resp := &Response{Response: &http.Response{StatusCode: 400}, RequestID: "hdr-1"}
	err := newAPIError("GET", "/admins", resp, []byte(errorList("req-9", ErrorDetail{Code: "parameter_invalid", Message: "bad x", Field: "x"})), "")
	var ie *InvalidError
	if !errors.As(err, &ie) {
		t.Fatalf("%T %v", err, err)
	}
	if ie.RequestID != "req-9" || len(ie.Errors) != 1 || ie.Errors[0] != (ErrorDetail{Code: "parameter_invalid", Message: "bad x", Field: "x"}) {
		t.Errorf("%+v", ie.ErrorResponse)
	}
}
