package plan

import (
	"fmt"
	"slices"
	"testing"

	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// TestCostModelCoversEveryPhase: every phase the engine runs has a cost and
// belongs to exactly one line of the inventory, so that a phase added to
// the engine cannot be left out of the estimate unnoticed.
func TestCostModelCoversEveryPhase(t *testing.T) {
	seen := map[string]string{}
	for _, r := range rows {
		for _, p := range r.phases {
			if other, dup := seen[p]; dup {
				t.Errorf("phase %s on lines %s and %s", p, other, r.name)
			}
			seen[p] = r.name
			if !slices.Contains(migrate.Phases, p) {
				t.Errorf("line %s names %s, which is no phase of the engine", r.name, p)
			}
		}
	}
	for _, p := range migrate.Phases {
		if _, ok := phaseCost[p]; !ok {
			t.Errorf("phase %s has no cost (cost.go)", p)
		}
		if _, ok := seen[p]; !ok {
			t.Errorf("phase %s is on no line of the inventory (estimate.go)", p)
		}
	}
	for p := range phaseCost {
		if !slices.Contains(migrate.Phases, p) {
			t.Errorf("cost of %s, which is no phase of the engine", p)
		}
	}
}

// TestCosts checks the model on figures small enough to count by hand.
func TestCosts(t *testing.T) {
	f := &Figures{
		Contacts: Count{N: 301}, Conversations: Count{N: 25}, ConversationWrites: Count{N: 100}, AdminStarted: Count{N: 5},
		Notes: Count{N: 40}, NotePages: Count{N: 30}, ContactTagCalls: Count{N: 9}, TagsToCreate: 4,
		Tickets: Count{N: 41}, TicketWrites: Count{N: 82}, Companies: Count{N: 101},
	}
	for _, tc := range []struct {
		phase string
		want  Calls
	}{
		// 3 pages of 150, one POST a contact.
		{migrate.PhaseContacts, Calls{SourceReads: 3, DestWrites: 301}},
		// 3 pages of 10, a GET each and a contact read per admin-started
		// one; GET /me and the teammates; a creation each and the writes.
		{migrate.PhaseConversations, Calls{SourceReads: 3 + 25 + 5, DestReads: 2, DestWrites: 125}},
		{migrate.PhaseNotes, Calls{SourceReads: 3 + 30, DestWrites: 40}},
		{migrate.PhaseContactTags, Calls{DestWrites: 9}},
		{migrate.PhaseTags, Calls{SourceReads: 1, DestReads: 1, DestWrites: 4}},
		// 3 search pages of 20, a GET each.
		{migrate.PhaseTickets, Calls{SourceReads: 3 + 41, DestReads: 2, DestWrites: 41 + 82}},
		// 3 scroll pages of 50 and the empty one that ends the scroll.
		{migrate.PhaseCompanies, Calls{SourceReads: 4, DestWrites: 101}},
		// A summary per contact, the pages, no listing without events.
		{migrate.PhaseEvents, Calls{SourceReads: 3 + 301}},
	} {
		if got := phaseCost[tc.phase](f); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.phase, got, tc.want)
		}
	}
}

// TestRatePerMinute: each app has its limit; the workspace caps them all
// (Intercom's defaults: 3 apps of 10,000 get 25,000, 2.5 apps' worth).
func TestRatePerMinute(t *testing.T) {
	for _, tc := range []struct{ app, ws, apps, want int }{
		{10000, 25000, 1, 10000}, {10000, 25000, 2, 20000}, {10000, 25000, 3, 25000},
		{600, 25000, 3, 1800}, {9996, 24996, 3, 24996},
	} {
		w := Workspace{AppLimitPerMinute: tc.app, WorkspaceLimitPerMinute: tc.ws}
		if got := w.RatePerMinute(tc.apps); got != tc.want {
			t.Errorf("%d apps of %d under %d: %d, want %d", tc.apps, tc.app, tc.ws, got, tc.want)
		}
	}
}

func TestHuman(t *testing.T) {
	for _, tc := range []struct {
		s    float64
		want string
	}{{0, "0s"}, {0.2, "1s"}, {59, "59s"}, {60, "1m"}, {61, "2m"}, {3600, "1h 00m"}, {5400, "1h 30m"}, {86400, "1d 0h"}, {90001, "1d 2h"}} {
		if got := Human(tc.s); got != tc.want {
			t.Errorf("Human(%v) = %q, want %q", tc.s, got, tc.want)
		}
	}
}

func TestExtrapolate(t *testing.T) {
	for _, tc := range []struct {
		value, n, total int
		want            int64
		estimated       bool
	}{
		{10, 150, 150, 10, false}, // the sample is everything
		{10, 150, 100, 10, false},
		{10, 150, 300, 20, true},
		{1, 3, 10, 3, true}, // 3.33 rounds
		{0, 0, 0, 0, false},
		{0, 0, 5, 0, true}, // nothing could be read of five
	} {
		c := extrapolate(tc.value, tc.n, tc.total)
		if c.N != tc.want || c.Estimated != tc.estimated {
			t.Errorf("extrapolate(%d, %d, %d) = %+v, want %d (estimated %v)", tc.value, tc.n, tc.total, c, tc.want, tc.estimated)
		}
	}
}

// TestPerTagCalls: a call per batch of each tag's records, not of all of
// them together.
func TestPerTagCalls(t *testing.T) {
	apps := map[string]int{"a": 50, "b": 51, "c": 1}
	if got := perTagCalls(apps, 0, 1, 50, Count{}); got.N != 1+2+1 {
		t.Errorf("exact: %d calls, want 4", got.N)
	}
	// Twice as many records as sampled: 100, 102, 2 and 10 unnamed.
	if got := perTagCalls(apps, 5, 2, 50, Count{}); got.N != 2+3+1+1 {
		t.Errorf("scaled: %d calls, want 7", got.N)
	}
}

func attrs(prefix string, n int) []*intercom.DataAttribute {
	out := make([]*intercom.DataAttribute, n)
	for i := range out {
		out[i] = &intercom.DataAttribute{Name: fmt.Sprintf("%s%d", prefix, i), Custom: true}
	}
	return out
}

// TestAttributeLimit: the destination ends with its own live attributes and
// the source's it lacks (by name, ignoring case); archived ones keep their
// names but do not count.
func TestAttributeLimit(t *testing.T) {
	archived := attrs("old", 30)
	for _, a := range archived {
		a.Archived = true
	}
	for _, tc := range []struct {
		name        string
		src, srcCo  []*intercom.DataAttribute
		dst         []*intercom.DataAttribute
		destination bool
		want        string
	}{
		{"few", attrs("a", 10), attrs("c", 5), nil, true, StatusOK},
		{"source alone, no destination read", attrs("a", 200), attrs("c", 30), nil, false, StatusWarning},
		{"over with the destination's own", attrs("a", 200), attrs("c", 30), attrs("d", 21), true, StatusProblem},
		{"shared names count once", attrs("a", 200), attrs("c", 30), attrs("A", 21), true, StatusWarning},
		{"archived ones do not count", attrs("a", 200), attrs("c", 20), archived, true, StatusOK},
	} {
		inv := &inventory{contactAttrs: tc.src, companyAttrs: tc.srcCo}
		var d *destInventory
		if tc.destination {
			d = &destInventory{contactAttrs: tc.dst}
		}
		if c := attributeLimit(inv, d); c.Status != tc.want {
			t.Errorf("%s: %s (%s), want %s", tc.name, c.Status, c.Summary, tc.want)
		}
	}
}
