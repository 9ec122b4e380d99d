package intercomtest

import (
	"crypto/rand"
	"encoding/hex"
)

// Error codes and messages the sandbox answers with. Those marked Intercom's
// are what Intercom's API answers (its documentation and the examples of its
// OpenAPI description); the sandbox_* ones are the sandbox's own.
const (
	CodeUnauthorized     = "unauthorized"        // Intercom's
	CodeNotFound         = "not_found"           // Intercom's
	CodeParameterInvalid = "parameter_invalid"   // Intercom's
	CodeConflict         = "conflict"            // Intercom's
	CodeRateLimited      = "rate_limit_exceeded" // Intercom's
	CodeFieldNotFound    = "field_not_found"     // Intercom's (data attributes)
	CodeServerError      = "server_error"
	CodeBadGateway       = "bad_gateway"
	CodeUnavailable      = "service_unavailable"
	// CodeNotImplemented: the route is in Intercom's API but not (yet) in
	// the sandbox.
	CodeNotImplemented = "sandbox_not_implemented"
	// CodeResponseInvalid: the sandbox was about to send a body that
	// violates the spec; see Sandbox.ResponseViolations.
	CodeResponseInvalid = "sandbox_response_invalid"

	MsgUnauthorized = "Access Token Invalid"
	MsgRateLimited  = "You have exceeded the rate limit. Please try again later."
	MsgUserNotFound = "User Not Found"
	MsgNotFound     = "Resource Not Found"
	// ConflictMessagePrefix starts the message of a 409 on contact creation
	// or update; the id of the existing contact follows.
	ConflictMessagePrefix = "A contact matching those details already exists with id="
)

// errorBody is Intercom's error list.
type errorBody struct {
	Type      string      `json:"type"`
	RequestID string      `json:"request_id"`
	Errors    []errorItem `json:"errors"`
}

type errorItem struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func newErrorBody(requestID, code, message, field string) *errorBody {
	return &errorBody{
		Type:      "error.list",
		RequestID: requestID,
		Errors:    []errorItem{{Code: code, Message: message, Field: field}},
	}
}

// newUUID returns a random RFC 4122 version 4 UUID, like Intercom's request ids.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}
