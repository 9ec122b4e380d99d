package migrate

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/icmigrate/icmigrate/internal/store"
	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// Teammates without a teammate of the same email in the destination: the API
// cannot create teammates, so their records go to a fallback teammate
// (Config.FallbackAdmin), or the migration refuses to start
// (Config.StrictAdmins). Start checks both before anything is enqueued and
// records the fallback's destination id; the admins phase maps every
// unmatched teammate to it, so that every phase that maps a teammate (owners,
// note authors, assignees, article authors) finds the fallback through the
// admins id map.

// mapAdminFallback holds one field, fallbackField: the destination id of the
// fallback teammate ("" for none). Ids only: no email is stored.
const (
	mapAdminFallback = "admin_fallback"
	fallbackField    = "dest_id"
)

// adminCheck is what Start learned about the teammates of both sides.
type adminCheck struct {
	fallbackID string
	unmatched  []*intercom.Admin
}

// UnmatchedAdminsError refuses a strict migration: the source teammates that
// have no teammate of the same email in the destination.
type UnmatchedAdminsError struct {
	Admins []*intercom.Admin
}

func (e *UnmatchedAdminsError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d source teammate(s) have no teammate of the same email in the destination (the API cannot create teammates): ", len(e.Admins))
	for i, a := range e.Admins {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s (id %s)", a.Email, a.ID)
	}
	b.WriteString("; invite them in the destination, or name a fallback teammate (--fallback-admin) and leave out --strict-admins")
	return b.String()
}

// checkAdmins lists the teammates of both sides, finds the unmatched ones
// and the fallback's destination id, and refuses what the configuration
// forbids: a fallback that is no teammate of the destination, and (with
// StrictAdmins) any unmatched teammate.
func (e *Engine) checkAdmins(ctx context.Context, cfg Config, src, dst store.Endpoint) (*adminCheck, error) {
	sc, err := e.newClient(src, cfg.Source.Tokens[0], nil)
	if err != nil {
		return nil, err
	}
	dc, err := e.newClient(dst, cfg.Dest.Tokens[0], nil)
	if err != nil {
		return nil, err
	}
	srcAdmins, _, err := sc.Admins.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("source: listing teammates: %v", err)
	}
	dstAdmins, _, err := dc.Admins.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("destination: listing teammates: %v", err)
	}
	byEmail := make(map[string]*intercom.Admin, len(dstAdmins))
	for _, a := range dstAdmins {
		if a.Email != "" {
			byEmail[strings.ToLower(a.Email)] = a
		}
	}
	out := &adminCheck{}
	if f := strings.TrimSpace(cfg.FallbackAdmin); f != "" {
		a := byEmail[strings.ToLower(f)]
		if a == nil {
			return nil, fmt.Errorf("fallback teammate %s is not a teammate of the destination workspace", f)
		}
		out.fallbackID = a.ID
	}
	for _, a := range srcAdmins {
		if a.Email == "" || byEmail[strings.ToLower(a.Email)] == nil {
			out.unmatched = append(out.unmatched, a)
		}
	}
	sort.Slice(out.unmatched, func(i, j int) bool { return out.unmatched[i].ID < out.unmatched[j].ID })
	if cfg.StrictAdmins && len(out.unmatched) > 0 {
		// Noted for the report too (ids only), although nothing starts.
		if err := e.store.Note(ctx, cfg.ID, NoteAdminsUnmatched, adminIDs(out.unmatched)...); err != nil {
			return nil, err
		}
		return nil, &UnmatchedAdminsError{Admins: out.unmatched}
	}
	return out, nil
}

// recordAdmins keeps what the workers need: the fallback's destination id
// and the unmatched teammates' ids (for the report).
func (e *Engine) recordAdmins(ctx context.Context, id string, c *adminCheck) error {
	if err := e.store.MapSet(ctx, id, mapAdminFallback, map[string]string{fallbackField: c.fallbackID}); err != nil {
		return err
	}
	return e.store.Note(ctx, id, NoteAdminsUnmatched, adminIDs(c.unmatched)...)
}

func adminIDs(as []*intercom.Admin) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.ID
	}
	return out
}

// adminFallback is the destination id of the fallback teammate, "" for none.
func adminFallback(ctx context.Context, j *job) (string, error) {
	v, err := j.e.store.MapGet(ctx, j.m.ID, mapAdminFallback, []string{fallbackField})
	if err != nil {
		return "", err
	}
	return v[0], nil
}

// AdminFallback returns the destination id of a migration's fallback
// teammate ("" when it has none), for reports.
func AdminFallback(ctx context.Context, st *store.Store, id string) (string, error) {
	v, err := st.MapGet(ctx, id, mapAdminFallback, []string{fallbackField})
	if err != nil {
		return "", err
	}
	return v[0], nil
}
