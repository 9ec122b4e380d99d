package migrate

import (
	"context"
	"strings"
)

// PhaseTeams maps teams by name. The API cannot create teams: an operator
// recreates them before migrating; unmatched ones are noted for the report.
const (
	PhaseTeams         = "teams"
	NoteTeamsUnmatched = "teams_unmatched"
	orderTeams         = 11
)

func init() {
	registerPhase(orderTeams, PhaseTeams, runTeams)
	// Records that name teammates depend on the admins map (its fallback);
	// those hanging off contacts on the contacts map. A requeue of either
	// runs them again.
	dependents[PhaseAdmins] = append(dependents[PhaseAdmins], PhaseNotes)
	dependents[PhaseContacts] = append(dependents[PhaseContacts], PhaseConsent, PhaseNotes, PhaseEvents)
}

// runTeams maps source teams to destination teams of the same name
// (case-insensitive); the map (source id -> destination id) serves the
// phases that assign records to teams.
func runTeams(ctx context.Context, j *job) (bool, error) {
	src, _, err := j.src.Teams.List(ctx)
	if err != nil {
		return false, srcErr(err)
	}
	dst, _, err := j.dst.Teams.List(ctx)
	if err != nil {
		return false, dstErr(err)
	}
	byName := make(map[string]string, len(dst))
	for _, t := range dst {
		byName[strings.ToLower(strings.TrimSpace(t.Name))] = t.ID
	}
	pairs := map[string]string{}
	var unmatched []string
	for _, t := range src {
		if id, ok := byName[strings.ToLower(strings.TrimSpace(t.Name))]; ok {
			pairs[t.ID] = id
		} else {
			unmatched = append(unmatched, t.ID)
		}
	}
	if err := j.setTotal(ctx, len(src)); err != nil {
		return false, err
	}
	j.count("matched", int64(len(pairs)))
	j.count("unmatched", int64(len(unmatched)))
	if err := j.e.store.MapSet(ctx, j.m.ID, PhaseTeams, pairs); err != nil {
		return false, err
	}
	return true, j.e.store.Note(ctx, j.m.ID, NoteTeamsUnmatched, unmatched...)
}
