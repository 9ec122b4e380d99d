package intercom

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"strings"
)

// EventsService reads and submits data events (what contacts did in your
// product: "invited-teammate", "upgraded-plan").
//
// Intercom lists a contact's events only for the last 90 days; older events
// exist only in the per-name summaries (Summaries): counts and first and
// last times. A migration can copy the listed events and count the rest.
type EventsService service

// ListableEventDays is how far back Intercom lists events.
const ListableEventDays = 90

// Event is one data event. Metadata values are strings, numbers (decoded as
// json.Number), or the objects Intercom defines for rich links ({"url",
// "value"}) and monetary amounts ({"amount", "currency"}).
type Event struct {
	Type           string         `json:"type,omitempty"`
	ID             string         `json:"id,omitempty"`
	EventName      string         `json:"event_name"`
	CreatedAt      int64          `json:"created_at"`
	UserID         string         `json:"user_id,omitempty"`
	Email          string         `json:"email,omitempty"`
	IntercomUserID string         `json:"intercom_user_id,omitempty"`
	Metadata       map[string]any `json:"metadata,omitempty"`
}

// EventFilter names the contact whose events to read: exactly one of its
// fields. IntercomUserID (the contact's id) works for users and leads.
type EventFilter struct {
	IntercomUserID string
	UserID         string // the user's external id
	Email          string
}

func (f EventFilter) query() (url.Values, error) {
	v := url.Values{"type": {"user"}}
	n := 0
	for _, p := range []struct{ k, v string }{{"intercom_user_id", f.IntercomUserID}, {"user_id", f.UserID}, {"email", f.Email}} {
		if p.v != "" {
			v.Set(p.k, p.v)
			n++
		}
	}
	if n != 1 {
		return nil, errors.New("intercom: an event filter names exactly one of intercom_user_id, user_id, email")
	}
	return v, nil
}

// EventList is one page of a contact's events, newest first.
type EventList struct {
	Type   string   `json:"type,omitempty"`
	Events []*Event `json:"events"`
	Pages  *struct {
		// Next is the URL of the next (older) page, when there is one.
		Next string `json:"next,omitempty"`
	} `json:"pages,omitempty"`
}

// EventSummary counts a contact's events of one name, over all time.
type EventSummary struct {
	Name string `json:"name"`
	// First and Last are when it happened first and last (ISO 8601).
	First       string `json:"first,omitempty"`
	Last        string `json:"last,omitempty"`
	Count       int    `json:"count"`
	Description string `json:"description,omitempty"`
}

// List reads one page of a contact's events of the last 90 days, newest
// first: GET /events?type=user&... Response.NextCursor is the next page's
// cursor (the URL Intercom names in pages.next; only its query is used, so
// that a proxy or sandbox base URL keeps working); pass it back as
// opts.StartingAfter.
func (s *EventsService) List(ctx context.Context, f EventFilter, opts *ListOptions) (*EventList, *Response, error) {
	if err := opts.validate(); err != nil {
		return nil, nil, err
	}
	q, err := f.query()
	if err != nil {
		return nil, nil, err
	}
	if opts != nil && opts.StartingAfter != "" {
		u, err := url.Parse(opts.StartingAfter)
		if err != nil || !strings.HasSuffix(u.Path, "/events") {
			return nil, nil, fmt.Errorf("intercom: event page cursor is not an events URL")
		}
		q = u.Query()
	}
	if opts != nil && opts.PerPage > 0 {
		q.Set("per_page", strconv.Itoa(opts.PerPage))
	}
	var l EventList
	resp, err := s.client.call(ctx, "GET", "events", q, nil, &l)
	if err == nil {
		err = noNullItems(resp, l.Events)
	}
	if err != nil {
		return nil, resp, err
	}
	if l.Pages != nil && len(l.Events) > 0 {
		resp.NextCursor = l.Pages.Next
	}
	return &l, resp, nil
}

// All streams a contact's listable events (the last 90 days), newest first.
func (s *EventsService) All(ctx context.Context, f EventFilter, opts *ListOptions) iter.Seq2[*Event, error] {
	return iterate(ctx, opts, func(ctx context.Context, o ListOptions) ([]*Event, *Response, error) {
		l, resp, err := s.List(ctx, f, &o)
		if err != nil {
			return nil, resp, err
		}
		return l.Events, resp, nil
	})
}

// Summaries returns a contact's event counts per name, over all time (events
// older than 90 days included): GET /events?type=user&summary=true&...
func (s *EventsService) Summaries(ctx context.Context, f EventFilter) ([]*EventSummary, *Response, error) {
	q, err := f.query()
	if err != nil {
		return nil, nil, err
	}
	q.Set("summary", "true")
	return callItems(ctx, s.client, "events", q, (*eventSummaryList).items)
}

// eventSummaryList is the answer of GET /events with summary=true.
type eventSummaryList struct {
	Events []*EventSummary `json:"events"`
}

func (l *eventSummaryList) items() []*EventSummary { return l.Events }

// EventRequest submits an event. It names the contact by exactly one of ID
// (the contact's id: users and leads), UserID (a user's external id) or
// Email. CreatedAt (Unix seconds) is required: Intercom ignores an event of
// the same contact, name and created_at as one it has, so sending one twice
// records it once.
type EventRequest struct {
	EventName string         `json:"event_name"`
	CreatedAt int64          `json:"created_at"`
	ID        string         `json:"id,omitempty"`
	UserID    string         `json:"user_id,omitempty"`
	Email     string         `json:"email,omitempty"`
	Metadata  map[string]any `json:"metadata,omitempty"`
}

// Create submits an event: POST /events (202, no body).
func (s *EventsService) Create(ctx context.Context, r *EventRequest) (*Response, error) {
	if r == nil || r.EventName == "" || r.CreatedAt <= 0 {
		return nil, errors.New("intercom: an event needs a name and a created_at")
	}
	n := 0
	for _, v := range []string{r.ID, r.UserID, r.Email} {
		if v != "" {
			n++
		}
	}
	if n != 1 {
		return nil, errors.New("intercom: an event names its contact by exactly one of id, user_id, email")
	}
	return s.client.call(ctx, "POST", "events", nil, r, nil)
}
