// Package intercom is a Go client for Intercom's REST API, version 2.14.
//
// It is shaped like google/go-github: a Client holds one service per
// resource (Admins, DataAttributes, Tags, Contacts), every call takes a
// context and returns a *Response that carries the rate-limit state Intercom
// reported, failures are typed errors (see errors.go) and lists are paged with
// cursors, either one page at a time or through an iterator that streams pages
// and never holds a whole list in memory.
//
// Every request carries the bearer token, Intercom-Version 2.14 and a
// User-Agent; the token is never part of an error or a log line.
package intercom

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// APIVersion is the Intercom-Version header every request carries.
const APIVersion = "2.14"

// DefaultUserAgent is sent unless WithUserAgent says otherwise.
const DefaultUserAgent = "icmigrate-go (+https://github.com/icmigrate/icmigrate)"

// MaxResponseBytes bounds how much of one response body the client reads.
// Intercom's largest answers (a page of 150 contacts, a conversation with 500
// parts) are a few MiB; anything far larger is a broken proxy or a bug and is
// refused rather than buffered: a 2xx answer as a *DecodeError, an error
// status as its usual typed error, built from the answer's beginning.
const MaxResponseBytes = 32 << 20

// Region is an Intercom data-hosting region.
type Region string

// The regions Intercom hosts workspaces in.
const (
	US Region = "us"
	EU Region = "eu"
	AU Region = "au"
)

var regionBaseURLs = map[Region]string{
	US: "https://api.intercom.io/",
	EU: "https://api.eu.intercom.io/",
	AU: "https://api.au.intercom.io/",
}

// ParseRegion accepts "us", "eu" or "au" in any case.
func ParseRegion(s string) (Region, error) {
	r := Region(strings.ToLower(strings.TrimSpace(s)))
	if _, ok := regionBaseURLs[r]; !ok {
		return "", fmt.Errorf("intercom: unknown region %q (want us, eu or au)", s)
	}
	return r, nil
}

// BaseURL is the region's API root, e.g. https://api.eu.intercom.io/.
func (r Region) BaseURL() string { return regionBaseURLs[r] }

// MatchesAppRegion reports whether the region named in GET /me's app.region
// ("US", "Europe", "Australia", or a region code) is this one.
func (r Region) MatchesAppRegion(appRegion string) bool {
	switch strings.ToLower(strings.TrimSpace(appRegion)) {
	case "us", "usa", "united states":
		return r == US
	case "eu", "europe", "ireland":
		return r == EU
	case "au", "australia":
		return r == AU
	}
	return false
}

// Client talks to one Intercom workspace through one app's access token.
type Client struct {
	// BaseURL always ends in a slash; request paths are relative to it.
	BaseURL   *url.URL
	UserAgent string

	token      string
	httpClient *http.Client
	// maxResponseBytes is MaxResponseBytes; tests lower it.
	maxResponseBytes int64
	readRetries      int

	Admins         *AdminsService
	DataAttributes *DataAttributesService
	Tags           *TagsService
	Contacts       *ContactsService
	// Consent, notes, events, teams, segments.
	SubscriptionTypes *SubscriptionTypesService
	Notes             *NotesService
	Events            *EventsService
	Teams             *TeamsService
	Segments          *SegmentsService
	// Help center (help centers, collections, articles, internal articles),
	// news and custom object instances.
	HelpCenter            *HelpCenterService
	Articles              *ArticlesService
	InternalArticles      *InternalArticlesService
	News                  *NewsService
	CustomObjectInstances *CustomObjectInstancesService
	// Conversations with their parts, and admins' messages.
	Conversations *ConversationsService
	Messages      *MessagesService
	// Tickets, their types and states.
	Tickets     *TicketsService
	TicketTypes *TicketTypesService
	// Companies, and contacts attached to them.
	Companies *CompaniesService
}

type service struct{ client *Client }

// Option configures a Client.
type Option func(*Client) error

// WithBaseURL points the client at another root than the region's: a proxy, a
// sandbox, a test server.
func WithBaseURL(raw string) Option {
	return func(c *Client) error {
		u, err := parseBaseURL(raw)
		if err != nil {
			return err
		}
		c.BaseURL = u
		return nil
	}
}

// WithHTTPClient sets the *http.Client used for every request (timeouts,
// transports that limit or measure calls). Its redirect policy is its own:
// the default client's refuses redirects that would turn a POST or a PUT
// into a GET (see NewClient).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return errors.New("intercom: nil http client")
		}
		c.httpClient = hc
		return nil
	}
}

// WithReadRetries sends a read (a GET or a search) that failed with a 5xx, a
// broken connection or an answer cut short again, up to n times, 200 ms,
// 400 ms, 800 ms... apart. Long walks (a comparison of two workspaces) need
// it; writes are never retried by the client.
func WithReadRetries(n int) Option {
	return func(c *Client) error {
		if n < 0 || n > 10 {
			return fmt.Errorf("intercom: read retries %d out of range 0..10", n)
		}
		c.readRetries = n
		return nil
	}
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(c *Client) error { c.UserAgent = ua; return nil }
}

// NewClient returns a client for the workspace behind token in region.
// Surrounding whitespace (a newline left by a secrets file) is trimmed from
// the token; a token with whitespace or control characters inside is refused.
//
// Intercom's API does not redirect; the default HTTP client follows a
// redirect only when it keeps the method (a GET, or a 307/308), so that a
// POST to a misconfigured base URL (http:// answered by a 301 to https://)
// fails as a 3xx *ServerError instead of becoming a GET whose answer would
// be decoded as the result of the write.
func NewClient(token string, region Region, opts ...Option) (*Client, error) {
	token = strings.TrimSpace(token)
	if token == "" {
		return nil, errors.New("intercom: empty access token")
	}
	if strings.IndexFunc(token, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		// Never quote the token: error texts end up in logs.
		return nil, errors.New("intercom: access token contains whitespace or control characters")
	}
	base, ok := regionBaseURLs[region]
	if !ok {
		return nil, fmt.Errorf("intercom: unknown region %q (want us, eu or au)", region)
	}
	u, _ := url.Parse(base)
	c := &Client{
		BaseURL:    u,
		UserAgent:  DefaultUserAgent,
		token:      token,
		httpClient: &http.Client{Timeout: 60 * time.Second, CheckRedirect: checkRedirect},

		maxResponseBytes: MaxResponseBytes,
	}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	s := service{client: c}
	c.Admins = (*AdminsService)(&s)
	c.DataAttributes = (*DataAttributesService)(&s)
	c.Tags = (*TagsService)(&s)
	c.Contacts = (*ContactsService)(&s)
	c.SubscriptionTypes = (*SubscriptionTypesService)(&s)
	c.Notes = (*NotesService)(&s)
	c.Events = (*EventsService)(&s)
	c.Teams = (*TeamsService)(&s)
	c.Segments = (*SegmentsService)(&s)
	c.HelpCenter = (*HelpCenterService)(&s)
	c.Articles = (*ArticlesService)(&s)
	c.InternalArticles = (*InternalArticlesService)(&s)
	c.News = (*NewsService)(&s)
	c.CustomObjectInstances = (*CustomObjectInstancesService)(&s)
	c.Conversations = (*ConversationsService)(&s)
	c.Messages = (*MessagesService)(&s)
	c.Tickets = (*TicketsService)(&s)
	c.TicketTypes = (*TicketTypesService)(&s)
	c.Companies = (*CompaniesService)(&s)
	return c, nil
}

// checkRedirect is the default client's redirect policy: Go's, except that
// a redirect changing the method (301, 302 or 303 after a POST or a PUT) is
// not followed and its 3xx answer returned.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if len(via) > 0 && req.Method != via[0].Method {
		return http.ErrUseLastResponse
	}
	return nil
}

func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("intercom: base URL %q: %v", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.Opaque != "" {
		return nil, fmt.Errorf("intercom: base URL %q: want http(s)://host[:port][/path]", raw)
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return nil, fmt.Errorf("intercom: base URL %q: a query or fragment would be lost; want http(s)://host[:port][/path]", raw)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	return u, nil
}

// Rate is the rate-limit state of the app behind the token, as Intercom last
// reported it. Intercom counts calls in 10-second windows: Limit is the
// number allowed per window, Reset the end of the current window.
type Rate struct {
	Limit     int
	Remaining int
	Reset     time.Time
}

// Known reports whether the response carried rate-limit headers (Intercom
// leaves them out of unauthenticated answers).
func (r Rate) Known() bool { return r.Limit > 0 }

// Response wraps the HTTP response of one call.
type Response struct {
	*http.Response
	Rate      Rate
	RequestID string
	// NextCursor is the starting_after value of the next page of a list or
	// search; empty on the last page and on answers that are not pages.
	NextCursor string
}

func newResponse(r *http.Response) *Response {
	resp := &Response{Response: r, Rate: parseRate(r.Header)}
	resp.RequestID = r.Header.Get("X-Request-Id")
	return resp
}

func parseRate(h http.Header) Rate {
	var rate Rate
	rate.Limit, _ = strconv.Atoi(h.Get("X-RateLimit-Limit"))
	rate.Remaining, _ = strconv.Atoi(h.Get("X-RateLimit-Remaining"))
	if s, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil && s > 0 {
		rate.Reset = time.Unix(s, 0)
	}
	return rate
}

// ListOptions pages a list or a search with Intercom's cursors.
type ListOptions struct {
	// PerPage is at most 150; 0 means Intercom's default (50).
	PerPage int
	// StartingAfter is the cursor of the page to read: a previous
	// Response.NextCursor; empty for the first page.
	StartingAfter string
}

// MaxPerPage is the largest page Intercom serves.
const MaxPerPage = 150

func (o *ListOptions) query() url.Values {
	v := url.Values{}
	if o == nil {
		return v
	}
	if o.PerPage > 0 {
		v.Set("per_page", strconv.Itoa(o.PerPage))
	}
	if o.StartingAfter != "" {
		v.Set("starting_after", o.StartingAfter)
	}
	return v
}

func (o *ListOptions) validate() error {
	if o != nil && (o.PerPage < 0 || o.PerPage > MaxPerPage) {
		return fmt.Errorf("intercom: per_page %d out of range 1..%d", o.PerPage, MaxPerPage)
	}
	return nil
}

// cursorPages is Intercom's cursor_pages object.
type cursorPages struct {
	Type       string `json:"type,omitempty"`
	Page       int    `json:"page,omitempty"`
	PerPage    int    `json:"per_page,omitempty"`
	TotalPages int    `json:"total_pages,omitempty"`
	Next       *struct {
		PerPage       int    `json:"per_page,omitempty"`
		StartingAfter string `json:"starting_after,omitempty"`
	} `json:"next,omitempty"`
}

func (p *cursorPages) nextCursor() string {
	if p == nil || p.Next == nil {
		return ""
	}
	return p.Next.StartingAfter
}

// pathSegment escapes one path segment (an id) so that it stays one
// segment: slashes are escaped by url.PathEscape, and the dot segments "."
// and "..", which URL resolution would otherwise remove along with the
// segment before them, are escaped too.
func pathSegment(s string) string {
	switch s {
	case ".":
		return "%2E"
	case "..":
		return "%2E%2E"
	}
	return url.PathEscape(s)
}

// NewRequest builds a request for path (relative to BaseURL, no leading
// slash; ids in it escaped), with body encoded as JSON when not nil.
func (c *Client) NewRequest(ctx context.Context, method, path string, query url.Values, body any) (*http.Request, error) {
	rel, err := url.Parse(strings.TrimPrefix(path, "/"))
	if err != nil {
		return nil, fmt.Errorf("intercom: path %q: %v", path, err)
	}
	u := c.BaseURL.ResolveReference(rel)
	if len(query) > 0 {
		u.RawQuery = query.Encode()
	}
	var rd io.Reader
	if body != nil {
		buf, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("intercom: encoding %s %s: %v", method, path, err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Intercom-Version", APIVersion)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	return req, nil
}

// Do sends req and decodes a 2xx JSON answer into v (when v is not nil). Any
// other status becomes one of the typed errors of errors.go; the Response is
// returned in every case where one arrived, so callers can read Rate.
//
// A 2xx answer that is not one JSON value, is JSON null, does not fit v or is
// larger than MaxResponseBytes is a *DecodeError; a request that got no
// answer is a *TransportError, unless the request's context ended, in which
// case Do returns the context's error (context.Canceled or
// context.DeadlineExceeded).
func (c *Client) Do(req *http.Request, v any) (*Response, error) {
	path := req.URL.EscapedPath()
	hr, err := c.httpClient.Do(req)
	if err != nil {
		// The context's error says more than the transport's wrapping of it.
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, &TransportError{Method: req.Method, Path: path, Err: redactURLError(err)}
	}
	defer hr.Body.Close()
	resp := newResponse(hr)
	limit := c.maxResponseBytes
	if limit <= 0 {
		limit = MaxResponseBytes
	}
	body, err := io.ReadAll(io.LimitReader(hr.Body, limit+1))
	if err != nil {
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return resp, ctxErr
		}
		return resp, &TransportError{Method: req.Method, Path: path, Err: fmt.Errorf("reading answer: %w", err)}
	}
	tooLarge := int64(len(body)) > limit
	if hr.StatusCode < 200 || hr.StatusCode > 299 {
		// The status says what went wrong; the (cut) body only adds detail.
		if tooLarge {
			body = body[:limit]
		}
		return resp, newAPIError(req.Method, path, resp, body, c.token)
	}
	if tooLarge {
		return resp, &DecodeError{Method: req.Method, Path: path, Status: hr.StatusCode, Err: fmt.Errorf("answer larger than %d bytes", limit)}
	}
	if v == nil || len(bytes.TrimSpace(body)) == 0 && hr.StatusCode == http.StatusNoContent {
		return resp, nil
	}
	if err := decodeJSON(body, v); err != nil {
		return resp, &DecodeError{Method: req.Method, Path: path, Status: hr.StatusCode, Err: err}
	}
	return resp, nil
}

// decodeJSON keeps numbers as json.Number so that custom attribute values
// (large integers, floats) survive a round trip unchanged.
func decodeJSON(body []byte, v any) error {
	if string(bytes.TrimSpace(body)) == "null" {
		// Decoding null into a struct succeeds and leaves it empty: an
		// empty contact or an empty last page, silently.
		return errors.New("answer is JSON null")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	// dec.More would miss a stray '}' or ']'; look at the rest directly.
	if rest := bytes.TrimSpace(body[dec.InputOffset():]); len(rest) > 0 {
		return errors.New("trailing data after the JSON answer")
	}
	return nil
}

// noNullItems makes a list answer with a null entry ("data": [null]) a
// *DecodeError: a nil item would panic the caller that reads it.
func noNullItems[T any](resp *Response, items []*T) error {
	for i, it := range items {
		if it != nil {
			continue
		}
		de := &DecodeError{Err: fmt.Errorf("item %d of the list is null", i)}
		if resp != nil && resp.Response != nil {
			de.Status = resp.StatusCode
			if r := resp.Request; r != nil {
				de.Method, de.Path = r.Method, r.URL.EscapedPath()
			}
		}
		return de
	}
	return nil
}

// call is NewRequest followed by Do.
//
// A read (a GET, or a search) that fails in a way worth retrying is sent
// again up to WithReadRetries times; writes never are, since whether a write
// happened is for the caller to find out.
func (c *Client) call(ctx context.Context, method, path string, query url.Values, body, v any) (*Response, error) {
	read := method == http.MethodGet || method == http.MethodPost && strings.HasSuffix(path, "/search")
	for attempt := 0; ; attempt++ {
		req, err := c.NewRequest(ctx, method, path, query, body)
		if err != nil {
			return nil, err
		}
		resp, err := c.Do(req, v)
		if err == nil || !read || attempt >= c.readRetries || !retryableRead(err) {
			return resp, err
		}
		t := time.NewTimer(200 * time.Millisecond << attempt)
		select {
		case <-ctx.Done():
			t.Stop()
			return resp, ctx.Err()
		case <-t.C:
		}
	}
}

// retryableRead: a 5xx, a broken connection, an answer cut short. Not a
// 429: waiting for the window is the rate limiter's business.
func retryableRead(err error) bool {
	// A request the rate limiter held back (it would wait too long) is not
	// a failed read: it goes back to the caller at once.
	var held interface{ RateLimitUntil() time.Time }
	if errors.As(err, &held) {
		return false
	}
	var (
		se *ServerError
		te *TransportError
		de *DecodeError
	)
	return errors.As(err, &se) || errors.As(err, &te) || errors.As(err, &de)
}

// redactURLError strips the query string from a *url.Error: a cursor or an
// external id is not a secret, but error texts end up in logs and failure
// records, where only the route helps.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			u.RawQuery = ""
			return &url.Error{Op: ue.Op, URL: u.String(), Err: ue.Err}
		}
	}
	return err
}
