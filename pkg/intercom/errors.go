package intercom

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrorDetail is one entry of Intercom's error.list.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message,omitempty"`
	Field   string `json:"field,omitempty"`
}

// ErrorResponse is an answer outside 2xx. Every typed error below wraps one,
// so errors.As(err, new(*ErrorResponse)) reaches the details of any of them.
type ErrorResponse struct {
	Method     string
	Path       string
	StatusCode int
	RequestID  string
	Errors     []ErrorDetail
	Rate       Rate
}

func (e *ErrorResponse) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "intercom: %s %s: %d", e.Method, e.Path, e.StatusCode)
	for i, d := range e.Errors {
		if i == 0 {
			b.WriteString(":")
		} else {
			b.WriteString(";")
		}
		b.WriteString(" " + d.Code)
		if d.Message != "" {
			b.WriteString(" (" + d.Message + ")")
		}
	}
	if e.RequestID != "" {
		b.WriteString(" [request " + e.RequestID + "]")
	}
	return b.String()
}

// Code is the first Intercom error code, or "".
func (e *ErrorResponse) Code() string {
	if len(e.Errors) == 0 {
		return ""
	}
	return e.Errors[0].Code
}

// Message is the first Intercom error message, or "".
func (e *ErrorResponse) Message() string {
	if len(e.Errors) == 0 {
		return ""
	}
	return e.Errors[0].Message
}

// RateLimitError is a 429: the app's (or the workspace's) window is spent
// until Rate.Reset.
type RateLimitError struct{ *ErrorResponse }

// UnauthorizedError is a 401: the token is missing, wrong or revoked.
type UnauthorizedError struct{ *ErrorResponse }

// ForbiddenError is a 403: the token lacks a permission, or the action is not
// allowed (e.g. assigning to an admin without an inbox seat).
type ForbiddenError struct{ *ErrorResponse }

// NotFoundError is a 404.
type NotFoundError struct{ *ErrorResponse }

// ConflictError is a 409: the record exists already. ExistingID is the id
// Intercom names in its message ("... already exists with id=..."), when it
// names one.
type ConflictError struct {
	*ErrorResponse
	ExistingID string
}

// InvalidError is a 400, a 422 or any other 4xx without a type of its own
// (405, 413, 415, ...): the request is wrong and will stay wrong.
type InvalidError struct{ *ErrorResponse }

// ServerError is a 5xx, a 408, or any status outside 2xx and 4xx (an
// unfollowed redirect): a failure on the way or on Intercom's side.
type ServerError struct{ *ErrorResponse }

func (e *RateLimitError) Unwrap() error    { return e.ErrorResponse }
func (e *UnauthorizedError) Unwrap() error { return e.ErrorResponse }
func (e *ForbiddenError) Unwrap() error    { return e.ErrorResponse }
func (e *NotFoundError) Unwrap() error     { return e.ErrorResponse }
func (e *ConflictError) Unwrap() error     { return e.ErrorResponse }
func (e *InvalidError) Unwrap() error      { return e.ErrorResponse }
func (e *ServerError) Unwrap() error       { return e.ErrorResponse }

// RetryAfter is how long to wait, from now, before the window resets. When
// Intercom sent no reset time it is one whole window (10 s).
func (e *RateLimitError) RetryAfter(now time.Time) time.Duration {
	if e.Rate.Reset.IsZero() {
		return 10 * time.Second
	}
	if d := e.Rate.Reset.Sub(now); d > 0 {
		return d
	}
	return 0
}

// TransportError is a request that got no HTTP answer (connection refused or
// reset, timeout). It is worth retrying.
type TransportError struct {
	Method, Path string
	Err          error
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("intercom: %s %s: %v", e.Method, e.Path, e.Err)
}
func (e *TransportError) Unwrap() error { return e.Err }

// DecodeError is a 2xx answer that is not the JSON expected: truncated, not
// JSON at all (a proxy's HTML page), or larger than MaxResponseBytes.
type DecodeError struct {
	Method, Path string
	Status       int
	Err          error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("intercom: %s %s: %d with an answer that is not the expected JSON: %v", e.Method, e.Path, e.Status, e.Err)
}
func (e *DecodeError) Unwrap() error { return e.Err }

// IsTemporary reports whether the same request may succeed later: 5xx, 408,
// 429, transport failures and undecodable answers. Other 4xx are final, and
// so is a context's end.
func IsTemporary(err error) bool {
	var (
		se *ServerError
		re *RateLimitError
		te *TransportError
		de *DecodeError
	)
	return errors.As(err, &se) || errors.As(err, &re) || errors.As(err, &te) || errors.As(err, &de)
}

var existingIDPattern = regexp.MustCompile(`\bid=([A-Za-z0-9_-]+)`)

// redacted replaces the access token wherever a server (or a proxy echoing
// the request) put it in an answer that becomes an error text.
const redacted = "[REDACTED]"

// excerptLen bounds the excerpt of a body that is not Intercom's error.list.
const excerptLen = 200

func newAPIError(method, path string, resp *Response, body []byte, token string) error {
	scrub := func(s string) string {
		if token == "" {
			return s
		}
		return strings.ReplaceAll(s, token, redacted)
	}
	er := &ErrorResponse{
		Method:     method,
		Path:       path,
		StatusCode: resp.StatusCode,
		RequestID:  scrub(resp.RequestID),
		Rate:       resp.Rate,
	}
	var payload struct {
		Type      string        `json:"type"`
		RequestID string        `json:"request_id"`
		Errors    []ErrorDetail `json:"errors"`
	}
	if err := json.Unmarshal(body, &payload); err == nil && len(payload.Errors) > 0 {
		er.Errors = make([]ErrorDetail, len(payload.Errors))
		for i, d := range payload.Errors {
			er.Errors[i] = ErrorDetail{Code: scrub(d.Code), Message: scrub(d.Message), Field: scrub(d.Field)}
		}
		if payload.RequestID != "" {
			er.RequestID = scrub(payload.RequestID)
		}
	} else {
		// Not Intercom's error.list (a proxy's page, a truncated body): keep
		// the status text and a short, single-line excerpt.
		er.Errors = []ErrorDetail{{Code: statusCode(resp.StatusCode), Message: excerpt(scrub(string(body)), excerptLen)}}
	}
	switch s := resp.StatusCode; {
	case s == http.StatusTooManyRequests:
		return &RateLimitError{er}
	case s == http.StatusUnauthorized:
		return &UnauthorizedError{er}
	case s == http.StatusForbidden:
		return &ForbiddenError{er}
	case s == http.StatusNotFound:
		return &NotFoundError{er}
	case s == http.StatusConflict:
		ce := &ConflictError{ErrorResponse: er}
		for _, d := range er.Errors {
			if m := existingIDPattern.FindStringSubmatch(d.Message); m != nil {
				ce.ExistingID = m[1]
				break
			}
		}
		return ce
	case s == http.StatusRequestTimeout:
		// The server gave up waiting for the request: worth retrying.
		return &ServerError{er}
	case s >= 400 && s <= 499:
		return &InvalidError{er}
	default:
		return &ServerError{er}
	}
}

// statusCode turns a status into an error code in Intercom's style:
// 502 -> "bad_gateway"; "status_599" for statuses without a text.
func statusCode(status int) string {
	text := http.StatusText(status)
	if text == "" {
		return fmt.Sprintf("status_%d", status)
	}
	return strings.ToLower(strings.NewReplacer(" ", "_", "-", "_", "'", "").Replace(text))
}

// excerpt squeezes s onto one line and cuts it to at most n bytes, on a
// rune boundary, marking the cut.
func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(strings.ToValidUTF8(s, "\uFFFD")), " ")
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
