package intercom

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// errKind names the typed error a status maps to.
type errKind int

const (
	kindRateLimit errKind = iota
	kindUnauthorized
	kindForbidden
	kindNotFound
	kindConflict
	kindInvalid
	kindServer
)

// kindsOf reports which typed errors err is, through errors.As.
func kindsOf(err error) []errKind {
	var (
		rl *RateLimitError
		un *UnauthorizedError
		fo *ForbiddenError
		nf *NotFoundError
		co *ConflictError
		in *InvalidError
		se *ServerError
		ks []errKind
	)
	if errors.As(err, &rl) {
		ks = append(ks, kindRateLimit)
	}
	if errors.As(err, &un) {
		ks = append(ks, kindUnauthorized)
	}
	if errors.As(err, &fo) {
		ks = append(ks, kindForbidden)
	}
	if errors.As(err, &nf) {
		ks = append(ks, kindNotFound)
	}
	if errors.As(err, &co) {
		ks = append(ks, kindConflict)
	}
	if errors.As(err, &in) {
		ks = append(ks, kindInvalid)
	}
	if errors.As(err, &se) {
		ks = append(ks, kindServer)
	}
	return ks
}

func TestStatusToTypedError(t *testing.T) {
	reset := time.Now().Add(7 * time.Second).Truncate(time.Second)
	tests := []struct {
		status    int
		body      string
		kind      errKind
		temporary bool
		code      string
		message   string
		requestID string
	}{
		{400, errorList("33a05108-3bf7-411f-a270-72db40b5a31c", ErrorDetail{Code: "parameter_invalid", Message: "invalid tag parameters"}),
			kindInvalid, false, "parameter_invalid", "invalid tag parameters", "33a05108-3bf7-411f-a270-72db40b5a31c"},
		{401, errorList("5ef5682e-f66e-40a4-b828-8592175f83b8", ErrorDetail{Code: "unauthorized", Message: "Access Token Invalid"}),
			kindUnauthorized, false, "unauthorized", "Access Token Invalid", "5ef5682e-f66e-40a4-b828-8592175f83b8"},
		{403, errorList("f93ecfa8-d08a-4325-8694-89aeb89c8f85", ErrorDetail{Code: "api_plan_restricted", Message: "Active subscription needed."}),
			kindForbidden, false, "api_plan_restricted", "Active subscription needed.", "f93ecfa8-d08a-4325-8694-89aeb89c8f85"},
		{404, errorList("302049fb-b8c1-4dc8-a327-a8f6e1923484", ErrorDetail{Code: "not_found", Message: "User Not Found"}),
			kindNotFound, false, "not_found", "User Not Found", "302049fb-b8c1-4dc8-a327-a8f6e1923484"},
		{405, "", kindInvalid, false, "method_not_allowed", "", ""},
		{408, "", kindServer, true, "request_timeout", "", ""},
		{409, errorList("b9d3e5a2-5d6c-4a23-8a8b-8f4f1f7c6a1e", ErrorDetail{Code: "conflict", Message: "A contact matching those details already exists with id=5f7f0d217289f8d2f4262080"}),
			kindConflict, false, "conflict", "A contact matching those details already exists with id=5f7f0d217289f8d2f4262080", "b9d3e5a2-5d6c-4a23-8a8b-8f4f1f7c6a1e"},
		{413, "", kindInvalid, false, "request_entity_too_large", "", ""},
		{422, errorList("e097e446-9ae6-44a8-8e13-2bf3008b87ef", ErrorDetail{Code: "parameter_invalid", Message: "Email is invalid", Field: "email"}),
			kindInvalid, false, "parameter_invalid", "Email is invalid", "e097e446-9ae6-44a8-8e13-2bf3008b87ef"},
		{429, errorList("ca3c5e6e-c743-428b-aa8a-ac371a50cc39", ErrorDetail{Code: "rate_limit_exceeded", Message: "Exceeded rate limit of 1000 in 10_seconds"}),
			kindRateLimit, true, "rate_limit_exceeded", "Exceeded rate limit of 1000 in 10_seconds", "ca3c5e6e-c743-428b-aa8a-ac371a50cc39"},
		{500, errorList("9b1c9966-caeb-485a-8419-d707fd472c63", ErrorDetail{Code: "server_error", Message: "Server Error"}),
			kindServer, true, "server_error", "Server Error", "9b1c9966-caeb-485a-8419-d707fd472c63"},
		{502, "", kindServer, true, "bad_gateway", "", ""},
		{503, `{"type":"error.list","errors":[{"code":"service_unavailable","message":"Sorry, the API service is temporarily unavailable"}]}`,
			kindServer, true, "service_unavailable", "Sorry, the API service is temporarily unavailable", ""},
		{504, "upstream request timeout", kindServer, true, "gateway_timeout", "upstream request timeout", ""},
		{302, "", kindServer, true, "found", "", ""}, // an unfollowable redirect
		{599, "", kindServer, true, "status_599", "", ""},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			c, _ := newFake(t, reply(tt.status, tt.body, rateHeaders(1000, 3, reset)...))
			got, resp, err := c.Contacts.Update(t.Context(), "5f7f0d217289f8d2f4262080", &ContactRequest{Name: Ptr("Joe")})
			if err == nil || got != nil {
				t.Fatalf("Update = %v, %v; want an error", got, err)
			}
			if ks := kindsOf(err); len(ks) != 1 || ks[0] != tt.kind {
				t.Fatalf("%d: %T matches kinds %v, want only %v", tt.status, err, ks, tt.kind)
			}
			var er *ErrorResponse
			if !errors.As(err, &er) {
				t.Fatalf("%T does not wrap an *ErrorResponse", err)
			}
			if er.StatusCode != tt.status || er.Method != "PUT" || er.Path != "/contacts/5f7f0d217289f8d2f4262080" {
				t.Errorf("ErrorResponse = %+v", er)
			}
			if er.Code() != tt.code || er.Message() != tt.message || er.RequestID != tt.requestID {
				t.Errorf("code %q, message %q, request id %q; want %q, %q, %q", er.Code(), er.Message(), er.RequestID, tt.code, tt.message, tt.requestID)
			}
			if er.Rate.Limit != 1000 || er.Rate.Remaining != 3 || !er.Rate.Reset.Equal(reset) {
				t.Errorf("Rate = %+v", er.Rate)
			}
			if resp == nil || resp.StatusCode != tt.status || resp.Rate != er.Rate {
				t.Errorf("Response = %+v", resp)
			}
			if IsTemporary(err) != tt.temporary {
				t.Errorf("IsTemporary = %v, want %v", !tt.temporary, tt.temporary)
			}
			msg := err.Error()
			for _, part := range []string{"PUT", "/contacts/5f7f0d217289f8d2f4262080", strconv.Itoa(tt.status), tt.code, tt.requestID} {
				if !strings.Contains(msg, part) {
					t.Errorf("error %q does not mention %q", msg, part)
				}
			}
			noToken(t, err)
		})
	}
}

func TestErrorResponseDetails(t *testing.T) {
	body := errorList("req-1",
		ErrorDetail{Code: "parameter_invalid", Message: "Email is invalid", Field: "email"},
		ErrorDetail{Code: "parameter_not_found", Field: "role"},
	)
	c, _ := newFake(t, reply(400, body, "X-Request-Id", "header-id"))
	_, _, err := c.Contacts.Create(t.Context(), &ContactRequest{Email: "not-an-email"})
	var ie *InvalidError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v", err)
	}
	want := []ErrorDetail{
		{Code: "parameter_invalid", Message: "Email is invalid", Field: "email"},
		{Code: "parameter_not_found", Field: "role"},
	}
	if len(ie.Errors) != 2 || ie.Errors[0] != want[0] || ie.Errors[1] != want[1] {
		t.Errorf("Errors = %+v", ie.Errors)
	}
	// The body's request_id wins over the header's.
	if ie.RequestID != "req-1" {
		t.Errorf("RequestID = %q", ie.RequestID)
	}
	const wantMsg = "intercom: POST /contacts: 400: parameter_invalid (Email is invalid); parameter_not_found [request req-1]"
	if err.Error() != wantMsg {
		t.Errorf("Error() = %q\nwant      %q", err.Error(), wantMsg)
	}
	var empty ErrorResponse
	if empty.Code() != "" || empty.Message() != "" {
		t.Error("an empty ErrorResponse has a code or message")
	}
}

func TestRequestIDFromHeader(t *testing.T) {
	c, _ := newFake(t, reply(404, `{"type":"error.list","errors":[{"code":"not_found","message":"User Not Found"}]}`, "X-Request-Id", "hdr-7"))
	_, _, err := c.Contacts.Get(t.Context(), "x")
	var nf *NotFoundError
	if !errors.As(err, &nf) || nf.RequestID != "hdr-7" {
		t.Fatalf("err = %v", err)
	}
}

func TestConflictExistingID(t *testing.T) {
	tests := []struct {
		name    string
		details []ErrorDetail
		want    string
	}{
		{"Intercom's message", []ErrorDetail{{Code: "conflict", Message: "A contact matching those details already exists with id=5f7f0d217289f8d2f4262080"}}, "5f7f0d217289f8d2f4262080"},
		{"second detail", []ErrorDetail{{Code: "conflict", Message: "Conflict"}, {Code: "conflict", Message: "already exists with id=abc_123-X."}}, "abc_123-X"},
		{"no id", []ErrorDetail{{Code: "conflict", Message: "A contact matching those details already exists"}}, ""},
		{"external_id is not id", []ErrorDetail{{Code: "conflict", Message: "already exists with external_id=42"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newFake(t, reply(409, errorList("r", tt.details...)))
			_, _, err := c.Contacts.Create(t.Context(), &ContactRequest{Role: RoleUser, Email: "joe@example.com"})
			var ce *ConflictError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v", err)
			}
			if ce.ExistingID != tt.want {
				t.Errorf("ExistingID = %q, want %q", ce.ExistingID, tt.want)
			}
		})
	}
}

func TestRateLimitRetryAfter(t *testing.T) {
	now := time.Now()
	reset := now.Add(8 * time.Second)
	c, _ := newFake(t, reply(429, errorList("r", ErrorDetail{Code: "rate_limit_exceeded", Message: "Exceeded rate limit"}), rateHeaders(1000, 0, reset)...))
	_, _, err := c.Contacts.Get(t.Context(), "a")
	var rl *RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("err = %v", err)
	}
	// The header has whole seconds.
	if got := rl.RetryAfter(now); got <= 7*time.Second || got > 8*time.Second {
		t.Errorf("RetryAfter = %v, want about 8s", got)
	}
	if got := rl.RetryAfter(reset.Add(time.Second)); got != 0 {
		t.Errorf("RetryAfter after the reset = %v, want 0", got)
	}

	// Without X-RateLimit-Reset, one whole window.
	c, _ = newFake(t, reply(429, errorList("r", ErrorDetail{Code: "rate_limit_exceeded"})))
	_, _, err = c.Contacts.Get(t.Context(), "a")
	if !errors.As(err, &rl) {
		t.Fatalf("err = %v", err)
	}
	if got := rl.RetryAfter(now); got != 10*time.Second {
		t.Errorf("RetryAfter without a reset = %v, want 10s", got)
	}
}

func TestServerErrorHTML(t *testing.T) {
	page := "<!DOCTYPE html>\n<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n<center><h1>502 Bad Gateway</h1></center>\n" +
		strings.Repeat("<p>padding é</p>\n", 40) + "</body>\n</html>\n"
	c, _ := newFake(t, reply(502, page, "Content-Type", "text/html"))
	_, resp, err := c.Admins.List(t.Context())
	var se *ServerError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v", err)
	}
	if resp == nil || resp.StatusCode != 502 {
		t.Errorf("Response = %v", resp)
	}
	if se.Code() != "bad_gateway" {
		t.Errorf("Code = %q", se.Code())
	}
	m := se.Message()
	if !strings.HasPrefix(m, "<!DOCTYPE html> <html> <head><title>502 Bad Gateway</title>") {
		t.Errorf("excerpt = %q", m)
	}
	if strings.ContainsAny(m, "\n\t") || !strings.HasSuffix(m, "...") || len(m) > excerptLen+3 {
		t.Errorf("excerpt not one short line: %q", m)
	}
	if !utf8.ValidString(m) {
		t.Errorf("excerpt is not valid UTF-8: %q", m)
	}
	if !IsTemporary(err) {
		t.Error("502 should be temporary")
	}
}

func TestExcerpt(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"", 10, ""},
		{"  a \n\t b  ", 10, "a b"},
		{"abcdefghij", 10, "abcdefghij"},
		{"abcdefghijk", 10, "abcdefghij..."},
		{"abcdefghé", 9, "abcdefgh..."}, // é is two bytes: no half rune
		{"ab\xffcd", 10, "ab\uFFFDcd"},
	}
	for _, tt := range tests {
		got := excerpt(tt.in, tt.n)
		if got != tt.want || !utf8.ValidString(got) {
			t.Errorf("excerpt(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestIsTemporary(t *testing.T) {
	er := &ErrorResponse{StatusCode: 500}
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("x"), false},
		{&ServerError{er}, true},
		{&RateLimitError{er}, true},
		{&TransportError{Err: errors.New("reset")}, true},
		{&DecodeError{Err: errors.New("eof")}, true},
		{&InvalidError{er}, false},
		{&NotFoundError{er}, false},
		{&ConflictError{ErrorResponse: er}, false},
		{&UnauthorizedError{er}, false},
		{&ForbiddenError{er}, false},
	}
	for _, tt := range tests {
		if got := IsTemporary(tt.err); got != tt.want {
			t.Errorf("IsTemporary(%T) = %v", tt.err, got)
		}
	}
}

func TestErrorTexts(t *testing.T) {
	te := &TransportError{Method: "GET", Path: "/me", Err: errors.New("connection reset")}
	if te.Error() != "intercom: GET /me: connection reset" || errors.Unwrap(te).Error() != "connection reset" {
		t.Errorf("TransportError = %q", te)
	}
	de := &DecodeError{Method: "GET", Path: "/me", Status: 200, Err: errors.New("unexpected EOF")}
	if de.Error() != "intercom: GET /me: 200 with an answer that is not the expected JSON: unexpected EOF" || errors.Unwrap(de).Error() != "unexpected EOF" {
		t.Errorf("DecodeError = %q", de)
	}
}
