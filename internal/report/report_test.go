package report_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/internal/redisconn/redistest"
	"github.com/icmigrate/icmigrate/internal/report"
	"github.com/icmigrate/icmigrate/internal/store"
	"github.com/icmigrate/icmigrate/pkg/intercom"
	"github.com/icmigrate/icmigrate/pkg/intercom/intercomtest"
)

func clients(t *testing.T) (*intercom.Client, *intercom.Client) {
	t.Helper()
	_, s := intercomtest.NewServer(t, intercomtest.Options{Contacts: 200, Seed: 5, Tokens: []string{"s"}})
	_, d := intercomtest.NewServer(t, intercomtest.Options{Seed: 5, Region: "eu", Tokens: []string{"d"}})
	src, err := intercom.NewClient("s", intercom.US, intercom.WithBaseURL(s.URL))
	if err != nil {
		t.Fatal(err)
	}
	dst, err := intercom.NewClient("d", intercom.EU, intercom.WithBaseURL(d.URL))
	if err != nil {
		t.Fatal(err)
	}
	return src, dst
}

func TestNotWritable(t *testing.T) {
	ctx := context.Background()
	src, dst := clients(t)
	ents, err := report.NotWritable(ctx, src, dst)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]report.Entity{}
	for _, e := range ents {
		rows[e.Entity] = e
	}
	for _, name := range []string{"segments", "subscription_types", "teams", "help_centers", "ticket_states"} {
		if _, ok := rows[name]; !ok {
			t.Errorf("no row for %s", name)
		}
	}
	// The seeded source has segments, the empty destination none (an
	// operator recreates them); subscription types and teams exist in both.
	if s := rows["segments"]; s.Source == 0 || s.Destination != 0 || len(s.Missing) != s.Source || s.Error != "" {
		t.Errorf("segments %+v", s)
	}
	for _, name := range []string{"subscription_types", "teams"} {
		if r := rows[name]; r.Source == 0 || r.Source != r.Destination || len(r.Missing) != 0 || r.Error != "" {
			t.Errorf("%s %+v", name, r)
		}
	}
	var b bytes.Buffer
	if err := report.Print(&b, ents, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "segments") || !strings.Contains(b.String(), rows["segments"].Missing[0]) {
		t.Errorf("printed:\n%s", b.String())
	}
}

func TestForMigration(t *testing.T) {
	ctx := context.Background()
	src, _ := clients(t)
	st := store.New(redistest.Client(t))
	id := "report-test"
	t.Cleanup(func() {
		keys, _ := st.Redis().Keys(ctx, "icm:mig:"+id+":*").Result()
		if len(keys) > 0 {
			st.Redis().Del(ctx, keys...)
		}
	})
	admins, _, _ := src.Admins.List(ctx)
	teams, _, _ := src.Teams.List(ctx)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.Note(ctx, id, migrate.NoteAdminsUnmatched, admins[1].ID))
	must(st.Note(ctx, id, migrate.NoteTeamsUnmatched, teams[0].ID))
	must(st.Note(ctx, id, migrate.NoteSubscriptionTypesUnmatched, "Newsletter"))
	must(st.MapSet(ctx, id, "events_unreadable", map[string]string{"c1": "3", "c2": "4"}))
	m, err := report.ForMigration(ctx, st, id, src)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.UnmatchedAdmins) != 1 || m.UnmatchedAdmins[0].Email != admins[1].Email ||
		len(m.UnmatchedTeams) != 1 || m.UnmatchedTeams[0] != teams[0].Name ||
		len(m.UnmatchedSubscriptionTypes) != 1 || m.EventsUnreadable != 7 || m.ContactsWithUnreadableEvents != 2 {
		t.Errorf("report %+v", m)
	}
	var b bytes.Buffer
	must(report.Print(&b, nil, m))
	for _, want := range []string{admins[1].Email, teams[0].Name, "Newsletter", "not copied: 7, of 2 contacts", "without an owner"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("printed report lacks %q:\n%s", want, b.String())
		}
	}
}
