package migrate_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/internal/redisconn/redistest"
	"github.com/icmigrate/icmigrate/internal/verify"
	"github.com/icmigrate/icmigrate/pkg/intercom"
	"github.com/icmigrate/icmigrate/pkg/intercom/intercomtest"
)

var ticketRoutes = []string{"POST /tickets", "POST /tickets/{ticket_id}/reply", "PUT /tickets/{ticket_id}"}

func checkTickets(t *testing.T, ctx context.Context, h *harness, want int) {
	t.Helper()
	rs := compare(t, ctx, h, verify.TicketTypes, verify.TicketStates, verify.Tickets)
	if tt := rs[0]; !tt.Equal() || tt.Source != 3 {
		t.Errorf("ticket types: %+v", tt)
	}
	if ts := rs[1]; ts.Source != 6 || ts.Missing != 1 || len(ts.Diffs) != 1 || !strings.Contains(ts.Diffs[0].Fields[0], "Awaiting vendor") {
		t.Errorf("ticket states: %+v", ts)
	}
	if r := rs[2]; !r.Equal() || r.Source != int64(want) || r.Matched != int64(want) || r.Destination != int64(want) {
		t.Errorf("tickets: %+v", r)
	}
}

// TestTicketsEndToEnd: ticket types with their attributes, then hundreds of
// tickets with attributes, replies and state, by two worker servers on a
// real Redis; compared field by field; a second run writes nothing.
func TestTicketsEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	h := newHarnessWith(t, redistest.Client(t), intercomtest.Options{Contacts: 1600, RateLimitPerMinute: 600_000, Entities: ticketKinds}, hide("conversations"), nil)
	h.workers(2, 8)
	src, _ := h.clients()
	var tickets, replies int
	for tk, err := range src.Tickets.SearchAll(ctx, intercom.AllTickets, nil) {
		if err != nil {
			t.Fatal(err)
		}
		full, _, err := src.Tickets.Get(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		tickets++
		replies += len(migrate.TicketReplies(full))
	}
	if tickets != 200 {
		t.Fatalf("seeded %d tickets", tickets)
	}

	runClean(t, ctx, h)
	calls := h.dst.Calls()
	checkTickets(t, ctx, h, tickets)
	total, by := routeWrites(calls, ticketRoutes)
	if by["POST /tickets"] != tickets || by["POST /tickets/{ticket_id}/reply"] != replies {
		t.Errorf("calls %v for %d tickets with %d replies", by, tickets, replies)
	}
	if n := calls["GET /tickets/{ticket_id}"]; n != 0 {
		t.Errorf("%d destination reads of tickets in a clean run", n)
	}
	noted, err := h.e.Store().Notes(ctx, h.id, migrate.NoteTicketStatesUnmatched)
	if err != nil || len(noted) != 1 {
		t.Errorf("unmatched ticket states noted: %v %v", noted, err)
	}
	t.Logf("destination calls for %d tickets: %d (%.2f a ticket: 1 + %.2f replies + %.2f state updates); ticket types: %d types, %d attributes; by route %v",
		tickets, total, float64(total)/float64(tickets), float64(replies)/float64(tickets), float64(by["PUT /tickets/{ticket_id}"])/float64(tickets),
		calls["POST /ticket_types"], calls["POST /ticket_types/{ticket_type_id}/attributes"], by)

	rerunWritesNothing(t, ctx, h)
}

// TestTicketsLostAnswers: creations and replies carried out with their
// answers lost, others refused before anything happens: no ticket or reply
// twice.
func TestTicketsLostAnswers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	shortSearchLag(t)
	la := &loseAnswers{match: func(r *http.Request) bool {
		return r.Method != http.MethodGet && strings.HasPrefix(r.URL.Path, "/tickets") && !strings.HasSuffix(r.URL.Path, "/search")
	}, n: 5, m: 17}
	h := newHarnessWith(t, redistest.Client(t), intercomtest.Options{Contacts: 800, RateLimitPerMinute: 600_000, Entities: ticketKinds}, hide("conversations"), la.wrap)
	h.workers(2, 6)
	st := runClean(t, ctx, h)
	checkLostOnce(t, h, la, "tickets")
	checkTickets(t, ctx, h, h.src.Count("tickets"))
	p := phaseOf(st, migrate.PhaseTickets)
	t.Logf("%d answers lost, %d refused; counters %v", la.lost.Load(), la.failed.Load(), p.Counters)
	if p.Counters["reconciled"] == 0 || p.Counters["adopted"] == 0 {
		t.Errorf("recovery paths did not run: %v", p.Counters)
	}
}

// TestMatchTicketStates: states match by category and internal label
// (ignoring case); one the destination lacks takes the destination's first
// state of its category and is reported; archived states are not targets.
func TestMatchTicketStates(t *testing.T) {
	st := func(id, cat, label string, archived bool) *intercom.TicketState {
		return &intercom.TicketState{ID: id, Category: cat, InternalLabel: label, Archived: archived}
	}
	src := []*intercom.TicketState{
		st("s1", "submitted", "Submitted", false), st("s2", "in_progress", "With Dev Team", false),
		st("s3", "waiting_on_customer", "Awaiting vendor", false), st("s4", "resolved", "Won't fix", false),
	}
	dst := []*intercom.TicketState{
		st("d0", "submitted", "Old", true), st("d1", "submitted", "submitted", false), st("d2", "in_progress", "In progress", false),
		st("d3", "in_progress", "with dev team", false), st("d4", "waiting_on_customer", "Waiting on customer", false),
	}
	pairs, unmatched := migrate.MatchTicketStates(src, dst)
	want := map[string]string{"s1": "d1", "s2": "d3", "s3": "d4"}
	for k, v := range want {
		if pairs[k] != v {
			t.Errorf("%s -> %s, want %s", k, pairs[k], v)
		}
	}
	if _, ok := pairs["s4"]; ok || len(unmatched) != 2 || unmatched[0] != "s3" || unmatched[1] != "s4" {
		t.Errorf("pairs %v unmatched %v", pairs, unmatched)
	}
}

// TestMatchTicketParts: a destination ticket is reconciled with the plan
// like a conversation: its replies must be the plan's first ones in order,
// each by the same author at the same second; state changes and bots'
// parts are ignored; hidden oldest parts count as the plan's first.
func TestMatchTicketParts(t *testing.T) {
	ops := []migrate.PartOp{
		{Kind: "comment", AuthorID: "dc1", AuthorContact: true, CreatedAt: 1001},
		{Kind: "note", AuthorID: "d1", CreatedAt: 1002},
		{Kind: "comment", AuthorID: "d1", CreatedAt: 1003},
	}
	part := func(id, typ, authorType, author string, at int64) *intercom.TicketPart {
		return &intercom.TicketPart{ID: id, PartType: typ, Author: &intercom.PartAuthor{Type: authorType, ID: author}, CreatedAt: at}
	}
	dst := func(total int, parts ...*intercom.TicketPart) *intercom.Ticket {
		return &intercom.Ticket{TicketParts: &intercom.TicketPartList{TicketParts: parts, TotalCount: max(total, len(parts))}}
	}
	c1, n2, c3 := part("x1", "comment", "user", "dc1", 1001), part("x2", "note", "admin", "d1", 1002), part("x3", "comment", "admin", "d1", 1003)
	for _, tc := range []struct {
		name string
		d    *intercom.Ticket
		n    int
		why  string // "" or a word of the reason
	}{
		{"empty", dst(0), 0, ""},
		{"two done, others ignored", dst(0, c1, part("s", "ticket_state_updated_by_admin", "admin", "d1", 9), part("b", "comment", "bot", "fin", 9), n2), 2, ""},
		{"all", dst(0, c1, n2, c3), 3, ""},
		{"hidden oldest", dst(3, c3), 3, ""},
		{"another kind", dst(0, part("x1", "note", "user", "dc1", 1001)), 0, "is a note"},
		{"another author", dst(0, c1, part("x2", "note", "admin", "d2", 1002)), 1, "another author"},
		{"another time", dst(0, part("x1", "comment", "user", "dc1", 999)), 0, "dated 999"},
		{"a part too many", dst(0, c1, n2, c3, part("x4", "note", "admin", "d1", 1004)), 3, "an extra note part x4"},
	} {
		n, why := migrate.MatchTicketParts(tc.d, ops)
		if n != tc.n || (tc.why == "") != (why == "") || !strings.Contains(why, tc.why) {
			t.Errorf("%s: n %d why %q, want %d %q", tc.name, n, why, tc.n, tc.why)
		}
	}
}
