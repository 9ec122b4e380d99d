package migrate

import (
	"context"

	"go.uber.org/zap"

	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// updateArticle brings, in a delta, a mapped article updated since the
// delta's time up to date: its copy is written again, with every
// translation (a new one included), when the digest of what would be
// written differs from the one recorded when the delta last wrote it. (A
// translation deleted at the source stays in the destination: Intercom
// merges translated_content on update.)
func updateArticle(ctx context.Context, j *job, a *intercom.Article, dstID string, env pageEnv) error {
	const endpoint = "PUT /articles/{id}"
	parent := ""
	if p := articleParent(a); p != "" {
		if parent = env.mapped[p]; parent == "" {
			return j.refuse(ctx, PhaseArticles, a.ID, endpoint, reasonf("its collection %s was not migrated (see the collections' failures)", p))
		}
	}
	req, err := articleRequest(a, env.people, parent)
	if err != nil {
		return j.refuse(ctx, PhaseArticles, a.ID, endpoint, err)
	}
	sig := digest(req)
	sigs, err := j.e.store.Sigs(ctx, j.m.ID, PhaseArticles, []string{a.ID})
	if err != nil {
		return err
	}
	if sigs[0] == sig {
		j.count("unchanged", 1)
		return nil
	}
	err = retryRecord(ctx, func(int) error {
		_, _, err := j.dst.Articles.Update(ctx, dstID, req)
		return err
	})
	switch {
	case err == nil:
	case isRecordError(err):
		return j.recordFailure(ctx, PhaseArticles, a.ID, endpoint, err)
	default:
		return dstErr(err)
	}
	j.count("updated", 1)
	j.log.Debug("article updated", zap.String("source_id", a.ID), zap.String("dest_id", dstID))
	if err := j.e.store.SetSig(ctx, j.m.ID, PhaseArticles, a.ID, sig); err != nil {
		return err
	}
	return j.e.store.ClearFailures(ctx, j.m.ID, PhaseArticles, a.ID)
}
