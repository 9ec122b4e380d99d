package intercomtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/icmigrate/icmigrate/pkg/intercom"
	"github.com/icmigrate/icmigrate/pkg/intercom/intercomtest"
)

// sandboxClient starts a seeded sandbox and a typed client of it.
func sandboxClient(t *testing.T, opts intercomtest.Options) (*intercomtest.Sandbox, *intercom.Client) {
	t.Helper()
	sb, srv := intercomtest.NewServer(t, opts)
	tok := intercomtest.DefaultToken
	if len(opts.Tokens) > 0 {
		tok = opts.Tokens[0]
	}
	c, err := intercom.NewClient(tok, intercom.US, intercom.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	return sb, c
}

// TestSeededConsentNotesEvents checks the proportions of the generated
// workspace and that its contacts show what the other endpoints list.
func TestSeededConsentNotesEvents(t *testing.T) {
	ctx := context.Background()
	const n = 1000
	sb, c := sandboxClient(t, intercomtest.Options{Contacts: n, Seed: 3, FullResponseValidation: true})
	types, _, err := c.SubscriptionTypes.List(ctx)
	if err != nil || len(types) < 10 {
		t.Fatalf("subscription types: %d, %v", len(types), err)
	}
	consent := map[string]string{}
	for _, st := range types {
		consent[st.ID] = st.ConsentType
		if st.Name() == "" || st.State != "live" || len(st.ContentTypes) != 1 {
			t.Errorf("type %+v", st)
		}
	}
	var withPrefs, withOptOut, hasMore, withNotes, notes, checked int
	for ct, err := range c.Contacts.All(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		in, out := ct.OptedInSubscriptionTypes, ct.OptedOutSubscriptionTypes
		if in == nil || out == nil || ct.Notes == nil {
			t.Fatalf("contact %s lacks its lists", ct.ID)
		}
		if in.TotalCount+out.TotalCount > 0 {
			withPrefs++
			if out.TotalCount > 0 {
				withOptOut++
			}
			if out.HasMore {
				hasMore++
			}
			if checked < 40 || out.HasMore {
				checked++
				all, _, err := c.Contacts.ListSubscriptions(ctx, ct.ID)
				if err != nil {
					t.Fatal(err)
				}
				if len(all) != in.TotalCount+out.TotalCount {
					t.Errorf("contact %s: %d subscriptions listed, the contact counts %d+%d", ct.ID, len(all), in.TotalCount, out.TotalCount)
				}
				for _, r := range out.Data {
					if consent[r.ID] != intercom.ConsentOptOut {
						t.Errorf("contact %s: %s listed as opted out is not an opt-out type", ct.ID, r.ID)
					}
				}
			}
		}
		if ct.Notes.TotalCount > 0 {
			withNotes++
			notes += ct.Notes.TotalCount
		}
	}
	if withPrefs < n/10 || withPrefs > n/4 || withOptOut == 0 || hasMore == 0 {
		t.Errorf("%d contacts with preferences (%d with opt-outs, %d cut lists); want 10-25%%, some opt-outs, some has_more", withPrefs, withOptOut, hasMore)
	}
	if withNotes < n/7 || withNotes > n/4 || notes < withNotes || notes > 3*withNotes {
		t.Errorf("%d contacts with %d notes; want ~20%% with 1-3 each", withNotes, notes)
	}
	if got := sb.Count("notes"); got != notes {
		t.Errorf("Count(notes) = %d, contacts count %d", got, notes)
	}
	if got := sb.Count("contact_subscriptions"); got != withPrefs {
		t.Errorf("Count(contact_subscriptions) = %d, want %d", got, withPrefs)
	}
	if sb.Count("events") < n/4 || sb.Count("teams") < 3 || sb.Count("segments") < 4 {
		t.Errorf("events %d teams %d segments %d", sb.Count("events"), sb.Count("teams"), sb.Count("segments"))
	}
	// Events: some contacts have events the list cannot show.
	var listed, summarised, contactsWithOld int
	for ct, err := range c.Contacts.All(ctx, &intercom.ListOptions{PerPage: 150}) {
		if err != nil {
			t.Fatal(err)
		}
		sums, _, err := c.Events.Summaries(ctx, intercom.EventFilter{IntercomUserID: ct.ID})
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, s := range sums {
			total += s.Count
			if s.First == "" || s.Last == "" || s.First > s.Last {
				t.Errorf("summary %+v", s)
			}
		}
		if total == 0 {
			continue
		}
		k := 0
		for e, err := range c.Events.All(ctx, intercom.EventFilter{IntercomUserID: ct.ID}, &intercom.ListOptions{PerPage: 2}) {
			if err != nil {
				t.Fatal(err)
			}
			if e.CreatedAt < sb.EventWindowStart() || e.IntercomUserID != ct.ID {
				t.Errorf("listed event %+v outside the window or of another contact", e)
			}
			k++
		}
		listed += k
		summarised += total
		if total > k {
			contactsWithOld++
		}
	}
	if summarised != sb.Count("events") || listed == 0 || listed >= summarised || contactsWithOld == 0 {
		t.Errorf("events: %d listed, %d in summaries, %d in the workspace, %d contacts with old ones", listed, summarised, sb.Count("events"), contactsWithOld)
	}
	teams, _, err := c.Teams.List(ctx)
	if err != nil || len(teams) < 3 {
		t.Fatalf("teams %v %v", teams, err)
	}
	if tm, _, err := c.Teams.Get(ctx, teams[0].ID); err != nil || tm.Name != teams[0].Name {
		t.Errorf("team get: %+v %v", tm, err)
	}
	admins, _, _ := c.Admins.List(ctx)
	member := 0
	for _, a := range admins {
		member += len(a.TeamIDs)
	}
	if member == 0 {
		t.Error("no admin lists a team")
	}
	segs, _, err := c.Segments.List(ctx, true)
	if err != nil || len(segs) < 4 || segs[0].Count == nil {
		t.Fatalf("segments %v %v", segs, err)
	}
}

func TestSubscriptionWrites(t *testing.T) {
	ctx := context.Background()
	sb, c := sandboxClient(t, intercomtest.Options{Contacts: 5, Seed: 1})
	types, _, _ := c.SubscriptionTypes.List(ctx)
	var in, out *intercom.SubscriptionType
	for _, st := range types {
		if st.ConsentType == intercom.ConsentOptIn && in == nil {
			in = st
		}
		if st.ConsentType == intercom.ConsentOptOut && out == nil {
			out = st
		}
	}
	ct, _, err := c.Contacts.Create(ctx, &intercom.ContactRequest{Role: "user", Email: "x@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // twice: idempotent
		if _, _, err := c.Contacts.AttachSubscription(ctx, ct.ID, out.ID, intercom.ConsentOptOut); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := c.Contacts.AttachSubscription(ctx, ct.ID, in.ID, intercom.ConsentOptIn); err != nil {
		t.Fatal(err)
	}
	got, _, _ := c.Contacts.Get(ctx, ct.ID)
	if got.OptedOutSubscriptionTypes.TotalCount != 1 || got.OptedInSubscriptionTypes.TotalCount != 1 ||
		got.OptedOutSubscriptionTypes.Data[0].ID != out.ID || got.OptedInSubscriptionTypes.Data[0].ID != in.ID {
		t.Errorf("contact lists %+v %+v", got.OptedOutSubscriptionTypes, got.OptedInSubscriptionTypes)
	}
	var inv *intercom.InvalidError
	if _, _, err := c.Contacts.AttachSubscription(ctx, ct.ID, out.ID, intercom.ConsentOptIn); !errors.As(err, &inv) {
		t.Errorf("mismatched consent type: %v, want 400", err)
	}
	var nf *intercom.NotFoundError
	if _, _, err := c.Contacts.AttachSubscription(ctx, ct.ID, "999999999", intercom.ConsentOptIn); !errors.As(err, &nf) {
		t.Errorf("unknown type: %v, want 404", err)
	}
	if _, _, err := c.Contacts.AttachSubscription(ctx, "nope", out.ID, intercom.ConsentOptOut); !errors.As(err, &nf) {
		t.Errorf("unknown contact: %v, want 404", err)
	}
	if _, _, err := c.Contacts.DetachSubscription(ctx, ct.ID, out.ID); err != nil {
		t.Fatal(err)
	}
	all, _, _ := c.Contacts.ListSubscriptions(ctx, ct.ID)
	if len(all) != 1 || all[0].ID != in.ID {
		t.Errorf("after detach: %+v", all)
	}
	if !sb.RemoveSubscriptionType(in.Name()) || sb.RemoveSubscriptionType(in.Name()) {
		t.Error("RemoveSubscriptionType")
	}
	if all, _, _ := c.Contacts.ListSubscriptions(ctx, ct.ID); len(all) != 0 {
		t.Errorf("preferences of a removed type remain: %+v", all)
	}
}

func TestNotesWrites(t *testing.T) {
	ctx := context.Background()
	_, c := sandboxClient(t, intercomtest.Options{Contacts: 3, Seed: 1})
	admins, _, _ := c.Admins.List(ctx)
	ct, _, _ := c.Contacts.Create(ctx, &intercom.ContactRequest{Role: "lead"})
	for i, body := range []string{"<p>one</p>", "<p>two</p>", "<p>three</p>"} {
		n, _, err := c.Notes.Create(ctx, ct.ID, &intercom.NoteRequest{Body: body, AdminID: admins[i%2].ID})
		if err != nil {
			t.Fatal(err)
		}
		if n.Body != body || n.Author == nil || n.Author.ID != admins[i%2].ID || n.Contact.ID != ct.ID {
			t.Errorf("note %+v", n)
		}
	}
	var bodies []string
	for n, err := range c.Notes.All(ctx, ct.ID, &intercom.ListOptions{PerPage: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, n.Body)
	}
	if len(bodies) != 3 || bodies[0] != "<p>three</p>" || bodies[2] != "<p>one</p>" {
		t.Errorf("notes listed %q, want newest first", bodies)
	}
	var nf *intercom.NotFoundError
	if _, _, err := c.Notes.Create(ctx, ct.ID, &intercom.NoteRequest{Body: "x", AdminID: "1"}); !errors.As(err, &nf) {
		t.Errorf("unknown admin: %v", err)
	}
	if _, _, err := c.Notes.Create(ctx, "6762f0ad1bb69f9f2193bb62", &intercom.NoteRequest{Body: "x"}); !errors.As(err, &nf) {
		t.Errorf("unknown contact: %v", err)
	}
	me, _, _ := c.Admins.Me(ctx)
	if n, _, err := c.Notes.Create(ctx, ct.ID, &intercom.NoteRequest{Body: "<p>mine</p>"}); err != nil || n.Author.ID != me.ID {
		t.Errorf("note without admin_id: %+v %v", n, err)
	}
	got, _, _ := c.Contacts.Get(ctx, ct.ID)
	if got.Notes.TotalCount != 4 || len(got.Notes.Data) != 4 {
		t.Errorf("contact notes %+v", got.Notes)
	}
}

func TestEventWrites(t *testing.T) {
	ctx := context.Background()
	sb, c := sandboxClient(t, intercomtest.Options{Contacts: 3, Seed: 1})
	ct, _, _ := c.Contacts.Create(ctx, &intercom.ContactRequest{Role: "user", Email: "e@example.org", ExternalID: "ext-1"})
	at := sb.EventWindowStart() + 1000
	meta := map[string]any{"plan": "pro", "seats": json.Number("12"), "ratio": json.Number("1.5"),
		"article": map[string]any{"url": "https://example.org/a", "value": "A"},
		"price":   map[string]any{"amount": json.Number("34999"), "currency": "eur"}}
	for range 2 { // the second is de-duplicated
		resp, err := c.Events.Create(ctx, &intercom.EventRequest{EventName: "upgraded", CreatedAt: at, ID: ct.ID, Metadata: meta})
		if err != nil || resp.StatusCode != http.StatusAccepted {
			t.Fatalf("create: %v", err)
		}
	}
	if _, err := c.Events.Create(ctx, &intercom.EventRequest{EventName: "old", CreatedAt: sb.EventWindowStart() - 10, UserID: "ext-1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Events.Create(ctx, &intercom.EventRequest{EventName: "by-email", CreatedAt: at + 1, Email: "e@example.org"}); err != nil {
		t.Fatal(err)
	}
	var inv *intercom.InvalidError
	if _, err := c.Events.Create(ctx, &intercom.EventRequest{EventName: "x", CreatedAt: at, ID: ct.ID, Metadata: map[string]any{"n": map[string]any{"a": "b"}}}); !errors.As(err, &inv) {
		t.Errorf("nested metadata: %v, want 400", err)
	}
	var nf *intercom.NotFoundError
	if _, err := c.Events.Create(ctx, &intercom.EventRequest{EventName: "x", CreatedAt: at, UserID: "nobody"}); !errors.As(err, &nf) {
		t.Errorf("unknown user: %v, want 404", err)
	}
	var evs []*intercom.Event
	for e, err := range c.Events.All(ctx, intercom.EventFilter{UserID: "ext-1"}, nil) {
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, e)
	}
	if len(evs) != 2 || evs[0].EventName != "by-email" || evs[1].EventName != "upgraded" {
		t.Fatalf("listed %+v", evs)
	}
	b1, _ := json.Marshal(evs[1].Metadata)
	b2, _ := json.Marshal(meta)
	if string(b1) != string(b2) {
		t.Errorf("metadata %s, want %s", b1, b2)
	}
	sums, _, err := c.Events.Summaries(ctx, intercom.EventFilter{Email: "e@example.org"})
	if err != nil || len(sums) != 3 {
		t.Fatalf("summaries %+v %v", sums, err)
	}
	if _, _, err := c.Events.List(ctx, intercom.EventFilter{IntercomUserID: "nope"}, nil); !errors.As(err, &nf) {
		t.Errorf("unknown contact: %v", err)
	}
}
