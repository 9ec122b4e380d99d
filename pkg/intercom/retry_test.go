package intercom

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

func TestReadRetries(t *testing.T) {
	for _, tc := range []struct {
		name      string
		method    string
		retries   int
		failFirst int32
		status    int
		wantCalls int32
		wantErr   bool
	}{
		{"get recovers", "GET", 3, 2, 503, 3, false},
		{"get gives up", "GET", 1, 5, 500, 2, true},
		{"no retries by default", "GET", 0, 1, 500, 1, true},
		{"writes are not retried", "POST", 3, 1, 500, 1, true},
		{"4xx is not retried", "GET", 3, 1, 404, 1, true},
		{"429 is not retried", "GET", 3, 1, 429, 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) <= tc.failFirst {
					w.WriteHeader(tc.status)
					return
				}
				w.Write([]byte(`{"type":"contact","id":"1"}`))
			}))
			defer srv.Close()
			c, err := NewClient("tok", US, WithBaseURL(srv.URL), WithReadRetries(tc.retries))
			if err != nil {
				t.Fatal(err)
			}
			if tc.method == "GET" {
				_, _, err = c.Contacts.Get(context.Background(), "1")
			} else {
				_, _, err = c.Contacts.Create(context.Background(), &ContactRequest{Email: "a@b.example"})
			}
			if (err != nil) != tc.wantErr || calls.Load() != tc.wantCalls {
				t.Fatalf("err %v after %d calls; want error %v after %d", err, calls.Load(), tc.wantErr, tc.wantCalls)
			}
		})
	}
	if _, err := NewClient("tok", US, WithReadRetries(11)); err == nil {
		t.Fatal("11 retries accepted")
	}
	var se *ServerError
	if !retryableRead(&ServerError{&ErrorResponse{}}) || retryableRead(&RateLimitError{&ErrorResponse{}}) || errors.As(error(nil), &se) {
		t.Fatal("retryableRead")
	}
}
