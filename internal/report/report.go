// Package report tells an operator what a migration could not write: the
// entities Intercom's API cannot create (segments, subscription types,
// teams, help centers, ticket states), compared by name between the two
// workspaces, and what a migration noted on the way (teammates and teams
// without a match, subscription types without a match, data events too old
// to be read).
package report

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/internal/store"
	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// Entity compares one kind of record the API cannot create.
type Entity struct {
	Entity      string `json:"entity"`
	Source      int    `json:"source"`
	Destination int    `json:"destination"`
	// Missing are the names of source records without a destination
	// record of the same name (case-insensitive), sorted: what the operator
	// recreates by hand.
	Missing []string `json:"missing,omitempty"`
	// Error says why a side could not be read (a missing permission, an
	// endpoint the workspace lacks); the counts are then partial.
	Error string `json:"error,omitempty"`
}

// lister names a side's records of one entity.
type lister func(ctx context.Context, c *intercom.Client) ([]string, error)

var entities = []struct {
	name string
	list lister
}{
	{"segments", func(ctx context.Context, c *intercom.Client) ([]string, error) {
		ss, _, err := c.Segments.List(ctx, false)
		names := make([]string, len(ss))
		for i, s := range ss {
			names[i] = s.Name
		}
		return names, err
	}},
	{"subscription_types", func(ctx context.Context, c *intercom.Client) ([]string, error) {
		ts, _, err := c.SubscriptionTypes.List(ctx)
		names := make([]string, len(ts))
		for i, t := range ts {
			names[i] = t.Name() + " (" + t.ConsentType + ")"
		}
		return names, err
	}},
	{"teams", func(ctx context.Context, c *intercom.Client) ([]string, error) {
		ts, _, err := c.Teams.List(ctx)
		names := make([]string, len(ts))
		for i, t := range ts {
			names[i] = t.Name
		}
		return names, err
	}},
	{"help_centers", func(ctx context.Context, c *intercom.Client) ([]string, error) {
		var out struct {
			Data []struct {
				Identifier  string `json:"identifier"`
				DisplayName string `json:"display_name"`
			} `json:"data"`
		}
		err := get(ctx, c, "help_center/help_centers", &out)
		names := make([]string, len(out.Data))
		for i, h := range out.Data {
			names[i] = h.DisplayName
			if names[i] == "" {
				names[i] = h.Identifier
			}
		}
		return names, err
	}},
	{"ticket_states", func(ctx context.Context, c *intercom.Client) ([]string, error) {
		var out struct {
			Data []struct {
				Category      string `json:"category"`
				InternalLabel string `json:"internal_label"`
			} `json:"data"`
		}
		err := get(ctx, c, "ticket_states", &out)
		names := make([]string, len(out.Data))
		for i, s := range out.Data {
			names[i] = s.InternalLabel + " (" + s.Category + ")"
		}
		return names, err
	}},
}

// get reads an endpoint no service of the client covers here.
func get(ctx context.Context, c *intercom.Client, path string, v any) error {
	req, err := c.NewRequest(ctx, "GET", path, nil, nil)
	if err != nil {
		return err
	}
	_, err = c.Do(req, v)
	return err
}

// NotWritable compares, by name, the entities the API cannot create:
// segments, subscription types, teams, help centers and ticket states. A
// side that cannot be read is reported in Entity.Error, not as an error:
// the other rows still say something. It returns an error only when ctx
// ends.
func NotWritable(ctx context.Context, src, dst *intercom.Client) ([]Entity, error) {
	var out []Entity
	for _, e := range entities {
		r := Entity{Entity: e.name}
		s, serr := e.list(ctx, src)
		d, derr := e.list(ctx, dst)
		if err := ctx.Err(); err != nil {
			return out, err
		}
		var msgs []string
		if serr != nil {
			msgs = append(msgs, "source: "+reason(serr))
		}
		if derr != nil {
			msgs = append(msgs, "destination: "+reason(derr))
		}
		r.Error = strings.Join(msgs, "; ")
		r.Source, r.Destination = len(s), len(d)
		have := map[string]bool{}
		for _, n := range d {
			have[strings.ToLower(strings.TrimSpace(n))] = true
		}
		if derr == nil {
			for _, n := range s {
				if !have[strings.ToLower(strings.TrimSpace(n))] {
					r.Missing = append(r.Missing, n)
				}
			}
		}
		sort.Strings(r.Missing)
		out = append(out, r)
	}
	return out, nil
}

func reason(err error) string {
	var er *intercom.ErrorResponse
	if errors.As(err, &er) {
		if er.Code() != "" {
			return fmt.Sprintf("%d %s", er.StatusCode, er.Code())
		}
		return fmt.Sprintf("%d", er.StatusCode)
	}
	return err.Error()
}

// Admin is a source teammate without a teammate of the same email in the
// destination.
type Admin struct {
	ID    string `json:"id"`
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
}

// Migration is what a migration noted for the operator.
type Migration struct {
	// UnmatchedAdmins have no teammate of their email in the destination;
	// their records went to FallbackAdmin (a destination teammate id) when
	// there is one, else without an owner.
	UnmatchedAdmins []Admin `json:"unmatched_admins,omitempty"`
	FallbackAdmin   string  `json:"fallback_admin,omitempty"`
	// UnmatchedTeams are source team names without a destination team.
	UnmatchedTeams []string `json:"unmatched_teams,omitempty"`
	// UnmatchedSubscriptionTypes are source subscription type names without
	// a destination type of the same name and consent type: contacts'
	// preferences for them are recorded failures of the consent phase.
	UnmatchedSubscriptionTypes []string `json:"unmatched_subscription_types,omitempty"`
	// EventsUnreadable counts source data events older than Intercom's
	// listing window (90 days): in summaries only, not copied; they belong
	// to ContactsWithUnreadableEvents contacts.
	EventsUnreadable             int64 `json:"events_unreadable"`
	ContactsWithUnreadableEvents int64 `json:"contacts_with_unreadable_events"`
}

// ForMigration reads what migration id noted; src resolves teammate and
// team ids to names (nothing personal is kept in the store).
func ForMigration(ctx context.Context, st *store.Store, id string, src *intercom.Client) (*Migration, error) {
	m := &Migration{}
	ids, err := st.Notes(ctx, id, migrate.NoteAdminsUnmatched)
	if err != nil {
		return nil, err
	}
	if len(ids) > 0 {
		admins, _, err := src.Admins.List(ctx)
		if err != nil {
			return nil, fmt.Errorf("source teammates: %w", err)
		}
		byID := map[string]*intercom.Admin{}
		for _, a := range admins {
			byID[a.ID] = a
		}
		for _, aid := range ids {
			a := Admin{ID: aid}
			if x := byID[aid]; x != nil {
				a.Name, a.Email = x.Name, x.Email
			}
			m.UnmatchedAdmins = append(m.UnmatchedAdmins, a)
		}
		sort.Slice(m.UnmatchedAdmins, func(i, j int) bool { return m.UnmatchedAdmins[i].ID < m.UnmatchedAdmins[j].ID })
	}
	if m.FallbackAdmin, err = migrate.AdminFallback(ctx, st, id); err != nil {
		return nil, err
	}
	teamIDs, err := st.Notes(ctx, id, migrate.NoteTeamsUnmatched)
	if err != nil {
		return nil, err
	}
	if len(teamIDs) > 0 {
		teams, _, err := src.Teams.List(ctx)
		if err != nil {
			return nil, fmt.Errorf("source teams: %w", err)
		}
		names := map[string]string{}
		for _, t := range teams {
			names[t.ID] = t.Name
		}
		for _, tid := range teamIDs {
			n := names[tid]
			if n == "" {
				n = "team " + tid
			}
			m.UnmatchedTeams = append(m.UnmatchedTeams, n)
		}
		sort.Strings(m.UnmatchedTeams)
	}
	if m.UnmatchedSubscriptionTypes, err = st.Notes(ctx, id, migrate.NoteSubscriptionTypesUnmatched); err != nil {
		return nil, err
	}
	sort.Strings(m.UnmatchedSubscriptionTypes)
	if m.EventsUnreadable, m.ContactsWithUnreadableEvents, err = migrate.EventsUnreadable(ctx, st, id); err != nil {
		return nil, err
	}
	return m, nil
}

// Print writes both parts for a terminal (either may be nil).
func Print(w io.Writer, ents []Entity, m *Migration) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if len(ents) > 0 {
		fmt.Fprintln(tw, "NOT CREATABLE BY THE API\tSOURCE\tDESTINATION\tMISSING IN THE DESTINATION (recreate by hand)")
		for _, e := range ents {
			miss := strings.Join(e.Missing, ", ")
			if miss == "" {
				miss = "-"
			}
			if e.Error != "" {
				miss += " (not read: " + e.Error + ")"
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", e.Entity, e.Source, e.Destination, miss)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if m == nil {
		return nil
	}
	if len(m.UnmatchedAdmins) > 0 {
		to := "migrated without an owner (no --fallback-admin)"
		if m.FallbackAdmin != "" {
			to = "given to the fallback teammate (destination id " + m.FallbackAdmin + ")"
		}
		fmt.Fprintf(w, "teammates without a teammate of the same email in the destination (%d), their records %s:\n", len(m.UnmatchedAdmins), to)
		for _, a := range m.UnmatchedAdmins {
			fmt.Fprintf(w, "  %s %s (id %s)\n", a.Email, a.Name, a.ID)
		}
	}
	if len(m.UnmatchedTeams) > 0 {
		fmt.Fprintf(w, "teams without a team of the same name in the destination: %s\n", strings.Join(m.UnmatchedTeams, ", "))
	}
	if len(m.UnmatchedSubscriptionTypes) > 0 {
		fmt.Fprintf(w, "subscription types without a type of the same name and consent type in the destination (contacts' preferences for them failed: see the consent failures): %s\n",
			strings.Join(m.UnmatchedSubscriptionTypes, ", "))
	}
	if m.EventsUnreadable > 0 {
		fmt.Fprintf(w, "data events older than %d days, which Intercom's API does not list (summaries only), not copied: %d, of %d contacts\n",
			intercom.ListableEventDays, m.EventsUnreadable, m.ContactsWithUnreadableEvents)
	}
	return nil
}
