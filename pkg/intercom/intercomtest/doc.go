// Package intercomtest is a sandbox: an in-memory Intercom workspace that
// answers Intercom's REST API (version 2.14) the way Intercom does, for tests
// (in process, through net/http/httptest) and for the demo (served as a
// process by `scheduler sandbox`).
//
// Every request goes through the same steps as at Intercom, in this order:
//
//  1. Route lookup. A path the API does not have answers 404 (not_found). A
//     route the API has but the sandbox does not implement answers 501
//     (sandbox_not_implemented) after the steps below.
//  2. Authentication: "Authorization: Bearer <token>" with one of
//     Options.Tokens. Missing or unknown: 401 (unauthorized, "Access Token
//     Invalid") without rate-limit headers.
//  3. Rate limiting, per token (app) and per workspace, in fixed 10-second
//     windows aligned to multiples of 10 Unix seconds: see ratelimit.go.
//     Every authenticated response carries X-RateLimit-Limit,
//     X-RateLimit-Remaining and X-RateLimit-Reset.
//  4. Fault injection (Options.FaultRate): a 500, 502 or 503 before anything
//     else happens, so a fault never has a side effect.
//  5. Request validation against Intercom's OpenAPI description: an invalid
//     request answers 400 (parameter_invalid) with a message naming the field.
//  6. The handler, under the workspace lock.
//  7. Response validation: the body the sandbox is about to send is checked
//     against the description's schema for that route and status (error
//     bodies against the "error" schema). A violation is a sandbox bug: it is
//     recorded (ResponseViolations) and answered 500 sandbox_response_invalid.
//
// Entities live in one file each (admins.go, data_attributes.go, tags.go,
// contacts.go, ...): its state, routes and seed generator, registered with
// registerEntity. Adding an entity is adding such a file, and a step in
// TestEveryEndpointWithoutViolations (every_route_test.go) for its routes.
// Handlers share the helpers of fields.go (request fields), paging.go
// (cursor-paged lists), content.go (page-numbered lists) and reply.go.
// Options.Entities seeds only some kinds (tests that move contacts only).
//
// Logs carry request ids, routes, statuses and record ids, never tokens,
// emails or names.
package intercomtest
