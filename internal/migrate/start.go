package migrate

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"go.uber.org/zap"

	"github.com/icmigrate/icmigrate/internal/secret"
	"github.com/icmigrate/icmigrate/internal/store"
	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// Side configures one workspace of a migration.
type Side struct {
	Region intercom.Region
	// BaseURL overrides the region's API root (a proxy, a sandbox).
	BaseURL string
	// Tokens are one or more app tokens of the workspace.
	Tokens []string
}

// Config is what `scheduler migrate` asks for.
type Config struct {
	ID     string
	Source Side
	Dest   Side
	// AllowNonemptyDestination lets a new migration start although the
	// destination holds contacts already; records are then matched by
	// natural key (email, external id, names of tags and attributes).
	AllowNonemptyDestination bool
	// FallbackAdmin is the email of a destination teammate who is given
	// the records of source teammates that have no teammate of the same
	// email in the destination (contact owners, note authors...). Empty:
	// such contacts migrate without an owner, and notes are written by the
	// destination token's teammate.
	FallbackAdmin string
	// StrictAdmins refuses to start while any source teammate has no
	// teammate of the same email in the destination.
	StrictAdmins bool
	// CustomObjectTypes are the identifiers of the custom object types
	// whose instances migrate ("Order"): the API cannot list types. Empty
	// keeps what an earlier run of the migration named (custom_objects.go).
	CustomObjectTypes []string
	// Delta starts a delta pass over a migration whose bulk run completed:
	// a new run that moves what changed at the source since the start of
	// the last complete run (delta.go). A delta run that did not finish is
	// resumed.
	Delta bool
	// DeltaSweep makes a delta walk every source contact rather than
	// search those whose updated_at moved (delta.go: what Intercom does
	// not reflect in updated_at).
	DeltaSweep bool
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Validate checks a Config before anything is sent or enqueued.
func (c Config) Validate() error {
	if !idPattern.MatchString(c.ID) {
		return fmt.Errorf("migration id %q: want 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit", c.ID)
	}
	for _, s := range []struct {
		name secret.Side
		side Side
	}{{secret.Source, c.Source}, {secret.Dest, c.Dest}} {
		if _, err := intercom.ParseRegion(string(s.side.Region)); err != nil {
			return fmt.Errorf("%s: %v", s.name, err)
		}
		if s.side.BaseURL != "" {
			if _, err := intercom.NewClient("x", s.side.Region, intercom.WithBaseURL(s.side.BaseURL)); err != nil {
				return fmt.Errorf("%s: %v", s.name, err)
			}
		}
		if len(s.side.Tokens) == 0 {
			single, list := s.name.EnvNames()
			return fmt.Errorf("%s: no token: set %s (or %s)", s.name, single, list)
		}
	}
	return nil
}

// identify asks GET /me of a side and checks the region.
func (e *Engine) identify(ctx context.Context, name secret.Side, s Side) (*store.Endpoint, error) {
	ep := store.Endpoint{Region: string(s.Region), BaseURL: s.BaseURL}
	var appID string
	for i, tok := range s.Tokens {
		c, err := e.newClient(ep, tok, nil)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		me, _, err := c.Admins.Me(ctx)
		if err != nil {
			var ue *intercom.UnauthorizedError
			if errors.As(err, &ue) {
				return nil, fmt.Errorf("%s: Intercom rejected token %d of %d (401 %s): is it revoked, or for another region than %s?", name, i+1, len(s.Tokens), ue.Code(), s.Region)
			}
			return nil, fmt.Errorf("%s: identifying the workspace (GET /me): %v", name, err)
		}
		if me.App == nil || me.App.IDCode == "" {
			return nil, fmt.Errorf("%s: GET /me named no workspace (app.id_code)", name)
		}
		if !s.Region.MatchesAppRegion(me.App.Region) {
			return nil, fmt.Errorf("%s: token %d belongs to a workspace hosted in %q, not %s", name, i+1, me.App.Region, s.Region)
		}
		if appID != "" && me.App.IDCode != appID {
			return nil, fmt.Errorf("%s: tokens belong to different workspaces (%s and %s)", name, appID, me.App.IDCode)
		}
		appID = me.App.IDCode
	}
	var fps secret.Tokens
	ep.AppID = appID
	ep.Tokens = fps.Add(s.Tokens...)
	return &ep, nil
}

// Start checks both workspaces, records the migration and enqueues its
// work. Started again with the same id, it resumes an unfinished run, or
// begins a new run over a finished one (which creates nothing that exists).
func (e *Engine) Start(ctx context.Context, cfg Config) (*store.Migration, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Delta {
		// Before any call: a delta needs a migration with a complete run.
		if err := e.checkDelta(ctx, cfg.ID); err != nil {
			return nil, err
		}
	}
	src, err := e.identify(ctx, secret.Source, cfg.Source)
	if err != nil {
		return nil, err
	}
	dst, err := e.identify(ctx, secret.Dest, cfg.Dest)
	if err != nil {
		return nil, err
	}
	if src.AppID == dst.AppID {
		return nil, fmt.Errorf("source and destination are the same workspace (%s): refusing to migrate a workspace onto itself", src.AppID)
	}
	admins, err := e.checkAdmins(ctx, cfg, *src, *dst) // admins_fallback.go
	if err != nil {
		return nil, err
	}
	now := e.opts.Now().UTC()
	m, err := e.store.Get(ctx, cfg.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if !cfg.AllowNonemptyDestination {
			if err := e.checkEmpty(ctx, *dst, cfg.Dest.Tokens[0]); err != nil {
				return nil, err
			}
		}
		m = &store.Migration{ID: cfg.ID, Source: *src, Dest: *dst, Phases: Phases, Queue: e.opts.Queue, CreatedAt: now, Run: 1, State: store.StateRunning, StartedAt: now}
		if err := e.store.Put(ctx, m); err != nil {
			return nil, fmt.Errorf("recording migration %s: %w", cfg.ID, err)
		}
		e.log.Info("migration created", zap.String("migration", m.ID), zap.String("source_app", src.AppID), zap.String("dest_app", dst.AppID))
	case err != nil:
		return nil, err
	default:
		if err := e.checkQueue(m); err != nil {
			return nil, err
		}
		if m.Source.AppID != src.AppID || m.Dest.AppID != dst.AppID {
			return nil, fmt.Errorf("migration %s already exists from workspace %s to %s, not %s to %s: choose another id", cfg.ID, m.Source.AppID, m.Dest.AppID, src.AppID, dst.AppID)
		}
		m, err = e.store.Update(ctx, cfg.ID, func(m *store.Migration) error {
			// Tokens may have been rotated: the new fingerprints replace the old.
			m.Source, m.Dest = *src, *dst
			switch {
			case cfg.Delta:
				if err := beginDelta(m, now, cfg.DeltaSweep); err != nil { // delta.go
					return err
				}
			case m.State == store.StateDone:
				m.Run++
				m.StartedAt = now
				m.RunPhases = nil
			}
			m.State, m.Error, m.FinishedAt = store.StateRunning, "", time.Time{}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if err := e.recordAdmins(ctx, m.ID, admins); err != nil {
		return nil, err
	}
	if err := SetCustomObjectTypes(ctx, e.store, m.ID, cfg.CustomObjectTypes); err != nil {
		return nil, err
	}
	return m, e.resume(ctx, m)
}

// resume enqueues what a run still needs: the pending units of its first
// incomplete phase, or that phase's first unit when it has none yet.
func (e *Engine) resume(ctx context.Context, m *store.Migration) error {
	progress, err := e.store.Progress(ctx, m)
	if err != nil {
		return err
	}
	for _, p := range progress {
		if p.Complete() || !m.InRun(p.Phase) {
			continue
		}
		if p.Units == 0 {
			return e.enqueue(ctx, rootUnit(m.ID, m.Run, p.Phase))
		}
		pending, err := e.store.Pending(ctx, m.ID, m.Run, p.Phase)
		if err != nil {
			return err
		}
		for _, raw := range pending {
			u, err := parseUnit(raw)
			if err != nil {
				return err
			}
			if err := e.send(ctx, u.TaskID(), raw); err != nil {
				return err
			}
		}
		return nil
	}
	return e.finishRun(ctx, m.ID, m.Run)
}

// advance starts the phase after a complete one, or ends the run. It may run
// more than once for the same phase (a unit re-run after a crash): starting a
// phase and ending a run are idempotent.
func (e *Engine) advance(ctx context.Context, m *store.Migration, phase string) error {
	order := m.RunOrder()
	for i, p := range order {
		if p == phase && i+1 < len(order) {
			return e.enqueue(ctx, rootUnit(m.ID, m.Run, order[i+1]))
		}
	}
	return e.finishRun(ctx, m.ID, m.Run)
}

func (e *Engine) finishRun(ctx context.Context, id string, run int) error {
	_, err := e.store.Update(ctx, id, func(m *store.Migration) error {
		if m.Run == run && m.State == store.StateRunning {
			m.State = store.StateDone
			m.FinishedAt = e.opts.Now().UTC()
			m.RecordRun(m.FinishedAt) // the next delta starts from it
		}
		return nil
	})
	if err == nil {
		e.log.Info("migration run finished", zap.String("migration", id), zap.Int("run", run))
	}
	return err
}

// checkEmpty refuses a destination that holds contacts already: a new
// migration into it would mix two workspaces' data, which an operator must
// choose knowingly.
func (e *Engine) checkEmpty(ctx context.Context, ep store.Endpoint, token string) error {
	c, err := e.newClient(ep, token, nil)
	if err != nil {
		return err
	}
	l, _, err := c.Contacts.List(ctx, &intercom.ListOptions{PerPage: 1})
	if err != nil {
		return fmt.Errorf("destination: counting its contacts: %v", err)
	}
	if l.TotalCount > 0 {
		return fmt.Errorf("destination workspace %s holds %d contacts already: use a new workspace, or allow it (--allow-nonempty-destination) to match records by email and external id", ep.AppID, l.TotalCount)
	}
	return nil
}

// checkQueue refuses to drive a migration on another queue than the one its
// units went to: its workers would never see the new units.
func (e *Engine) checkQueue(m *store.Migration) error {
	if m.Queue != "" && m.Queue != e.opts.Queue {
		return fmt.Errorf("migration %s runs on queue %q, not %q: use --queue %s", m.ID, m.Queue, e.opts.Queue, m.Queue)
	}
	return nil
}
