package migrate

import (
	"context"
	"strings"

	"github.com/icmigrate/icmigrate/pkg/intercom"
)

func init() { registerPhase(orderAdmins, PhaseAdmins, runAdmins) }

// Notes of the admins phase (store.Notes).
const NoteAdminsUnmatched = "admins_unmatched"

// runAdmins maps source teammates to destination teammates by email: the API
// cannot create teammates, so an operator invites them before migrating.
// Unmatched ones are noted for the report; the records they own migrate
// without an owner.
func runAdmins(ctx context.Context, j *job) (bool, error) {
	src, _, err := j.src.Admins.List(ctx)
	if err != nil {
		return false, srcErr(err)
	}
	dst, _, err := j.dst.Admins.List(ctx)
	if err != nil {
		return false, dstErr(err)
	}
	byEmail := make(map[string]*intercom.Admin, len(dst))
	for _, a := range dst {
		if a.Email != "" {
			byEmail[strings.ToLower(a.Email)] = a
		}
	}
	pairs := map[string]string{}
	var unmatched []string
	for _, a := range src {
		if d, ok := byEmail[strings.ToLower(a.Email)]; ok && a.Email != "" {
			pairs[a.ID] = d.ID
		} else {
			unmatched = append(unmatched, a.ID)
		}
	}
	if err := j.setTotal(ctx, len(src)); err != nil {
		return false, err
	}
	// Unmatched teammates' records go to the fallback teammate, when Start
	// recorded one (admins_fallback.go).
	fallback, err := adminFallback(ctx, j)
	if err != nil {
		return false, err
	}
	if fallback != "" {
		for _, id := range unmatched {
			pairs[id] = fallback
		}
		j.count("fallback", int64(len(unmatched)))
	}
	j.count("matched", int64(len(pairs)))
	j.count("unmatched", int64(len(unmatched)))
	if err := j.e.store.MapSet(ctx, j.m.ID, PhaseAdmins, pairs); err != nil {
		return false, err
	}
	return true, j.e.store.Note(ctx, j.m.ID, NoteAdminsUnmatched, unmatched...)
}
