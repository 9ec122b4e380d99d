package migrate

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"

	"go.uber.org/zap"

	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// The help center: help centers (matched, never created: the API cannot),
// collections with their tree, articles with every translation, internal
// articles. Three phases: collections (with the help centers), articles,
// internal articles.

// Phases and id maps of the help center.
const (
	PhaseCollections      = "collections"
	PhaseArticles         = "articles"
	PhaseInternalArticles = "internal_articles"
	// MapHelpCenters maps source help center ids to destination ones.
	MapHelpCenters = "help_centers"
)

// Notes of the help center phases (store.Notes).
const (
	// NoteHelpCentersMissing lists the identifiers of source help centers
	// the destination has no help center for (by identifier or name):
	// their collections and articles are not migrated, each a failure.
	NoteHelpCentersMissing = "help_centers_missing"
)

const (
	orderArticles         = orderHelpCenter + 1
	orderInternalArticles = orderHelpCenter + 2
)

func init() {
	registerPhase(orderHelpCenter, PhaseCollections, runCollections)
	registerPhase(orderArticles, PhaseArticles, runArticlesPage)
	registerPhase(orderInternalArticles, PhaseInternalArticles, runInternalArticlesPage)
	// Articles sit in collections: a new run of the collections runs them
	// again too (Requeue).
	dependents[PhaseCollections] = append(dependents[PhaseCollections], PhaseArticles)
}

// ---- help centers and collections ----

// runCollections matches the help centers, then creates the collections
// parents first (by depth), each matched by name within its parent when the
// destination has it already. Collections are few: one unit does them all.
func runCollections(ctx context.Context, j *job) (bool, error) {
	hcs, err := matchHelpCenters(ctx, j)
	if err != nil {
		return false, err
	}
	var src []*intercom.Collection
	for c, err := range j.src.HelpCenter.AllCollections(ctx, contentPages()) {
		if err != nil {
			return false, srcErr(err)
		}
		src = append(src, c)
	}
	if err := j.setTotal(ctx, len(src)); err != nil {
		return false, err
	}
	byID := make(map[string]*intercom.Collection, len(src))
	for _, c := range src {
		byID[c.ID] = c
	}
	depth := func(c *intercom.Collection) int {
		d := 1
		for p := byID[c.ParentID]; p != nil && d < 16; p = byID[p.ParentID] {
			d++
		}
		return d
	}
	// A section may carry no help center of its own: it is its ancestors'.
	helpCenterOf := func(c *intercom.Collection) string {
		for x, d := c, 0; x != nil && d < 16; x, d = byID[x.ParentID], d+1 {
			if x.HelpCenterID != 0 {
				return strconv.FormatInt(x.HelpCenterID, 10)
			}
		}
		return ""
	}
	slices.SortStableFunc(src, func(a, b *intercom.Collection) int {
		return cmp.Or(cmp.Compare(depth(a), depth(b)), cmp.Compare(a.Order, b.Order), cmp.Compare(a.ID, b.ID))
	})

	got, unmapped, err := j.lookUp(ctx, PhaseCollections, idsOf(src, collectionID))
	if err != nil {
		return false, err
	}
	colMap := map[string]string{}
	for i, c := range src {
		if got[i] != "" {
			colMap[c.ID] = got[i]
		}
	}
	if len(unmapped) == 0 {
		j.count("skipped", int64(len(src)))
		return true, nil
	}
	// What the destination holds already, by help center, parent and name.
	existing := map[string][]string{}
	for c, err := range j.dst.HelpCenter.AllCollections(ctx, contentPages()) {
		if err != nil {
			return false, dstErr(err)
		}
		k := dstCollectionKey(c)
		existing[k] = append(existing[k], c.ID)
	}
	now := j.e.opts.Now().UnixMilli()
	earlier, err := j.intents(ctx, PhaseCollections, unmapped, now)
	if err != nil {
		return false, err
	}
	for _, c := range src {
		if colMap[c.ID] != "" {
			j.count("skipped", 1)
			continue
		}
		if err := migrateCollection(ctx, j, c, helpCenterOf(c), hcs, colMap, existing, earlier[c.ID], now); err != nil {
			return false, err
		}
	}
	return true, nil
}

// helpCenterMatch maps source help center ids to destination ones, and
// names the source ones by identifier.
type helpCenterMatch struct {
	pairs  map[string]string
	idents map[string]string
}

// matchHelpCenters maps source help centers to destination ones by
// identifier, then by display name; the others are noted.
func matchHelpCenters(ctx context.Context, j *job) (helpCenterMatch, error) {
	src, _, err := j.src.HelpCenter.ListHelpCenters(ctx)
	if err != nil {
		return helpCenterMatch{}, srcErr(err)
	}
	dst, _, err := j.dst.HelpCenter.ListHelpCenters(ctx)
	if err != nil {
		return helpCenterMatch{}, dstErr(err)
	}
	byIdent, byName := map[string]string{}, map[string]string{}
	for _, h := range dst {
		byIdent[strings.ToLower(h.Identifier)] = h.ID
		if n := strings.ToLower(h.DisplayName); n != "" {
			if _, dup := byName[n]; !dup {
				byName[n] = h.ID
			}
		}
	}
	pairs := map[string]string{}
	taken := map[string]bool{}
	var missing []string
	for _, h := range src {
		if d, ok := byIdent[strings.ToLower(h.Identifier)]; ok && h.Identifier != "" && !taken[d] {
			pairs[h.ID], taken[d] = d, true
		}
	}
	for _, h := range src {
		if pairs[h.ID] != "" {
			continue
		}
		if d, ok := byName[strings.ToLower(h.DisplayName)]; ok && h.DisplayName != "" && !taken[d] {
			pairs[h.ID], taken[d] = d, true
			continue
		}
		missing = append(missing, h.Identifier)
	}
	j.count("help_centers_matched", int64(len(pairs)))
	j.count("help_centers_missing", int64(len(missing)))
	if err := j.e.store.MapSet(ctx, j.m.ID, MapHelpCenters, pairs); err != nil {
		return helpCenterMatch{}, err
	}
	if err := j.e.store.Note(ctx, j.m.ID, NoteHelpCentersMissing, missing...); err != nil {
		return helpCenterMatch{}, err
	}
	idents := make(map[string]string, len(src))
	for _, h := range src {
		idents[h.ID] = h.Identifier
	}
	return helpCenterMatch{pairs: pairs, idents: idents}, nil
}

// collectionKey is a collection's natural key: its name within its parent,
// or within its help center for a top-level one (Intercom may leave a
// section's help_center_id null).
func collectionKey(helpCenter, parent, name string) string {
	if parent != "" {
		return natKey("parent", parent, name)
	}
	return natKey("help_center", helpCenter, name)
}

func dstCollectionKey(c *intercom.Collection) string {
	return collectionKey(strconv.FormatInt(c.HelpCenterID, 10), c.ParentID, c.Name)
}

// collectionRequest is a source collection as the destination gets it.
func collectionRequest(c *intercom.Collection, parent string, helpCenter int64) *intercom.CollectionRequest {
	r := &intercom.CollectionRequest{Name: c.Name, Description: intercom.Ptr(c.Description)}
	for loc, t := range c.Translations {
		if loc == c.DefaultLocale || loc == "en" && c.DefaultLocale == "" || t == nil || t.Name == "" && t.Description == "" {
			continue // the default locale is the top level; an empty locale is no translation
		}
		if r.Translations == nil {
			r.Translations = intercom.GroupTranslations{}
		}
		r.Translations[loc] = &intercom.GroupContent{Name: t.Name, Description: t.Description}
	}
	if parent != "" {
		r.ParentID = intercom.Ptr(parent)
	}
	if helpCenter != 0 {
		r.HelpCenterID = intercom.Ptr(helpCenter)
	}
	return r
}

func migrateCollection(ctx context.Context, j *job, c *intercom.Collection, hc string, hcs helpCenterMatch, colMap map[string]string, existing map[string][]string, attemptedAt, now int64) error {
	// A collection without any help center (none named on it or its
	// ancestors) goes to the destination's default one.
	dstHC := ""
	if hc != "" {
		if dstHC = hcs.pairs[hc]; dstHC == "" {
			return j.refuse(ctx, PhaseCollections, c.ID, "POST /help_center/collections",
				reasonf("its help center %q has no help center of the same identifier or name in the destination (help centers cannot be created through the API): set it up, then requeue", hcs.idents[hc]))
		}
	}
	parent := ""
	if c.ParentID != "" {
		if parent = colMap[c.ParentID]; parent == "" {
			return j.refuse(ctx, PhaseCollections, c.ID, "POST /help_center/collections",
				reasonf("its parent collection %s was not migrated (see its failure)", c.ParentID))
		}
	}
	var hcNum int64
	if parent == "" {
		// A child is in its parent's help center.
		hcNum, _ = strconv.ParseInt(dstHC, 10, 64)
	}
	req := collectionRequest(c, parent, hcNum)
	key := collectionKey(dstHC, parent, c.Name)
	dstID, ok, err := writeContent(ctx, j, contentWrite[*intercom.Collection]{
		entity: PhaseCollections, srcID: c.ID, endpoint: "POST /help_center/collections",
		known: existing[key], attemptedAt: attemptedAt, now: now, id: collectionID,
		// The destination had it: make it equal to the source.
		update: func(dstID string) (*intercom.Collection, *intercom.Response, error) {
			return j.dst.HelpCenter.UpdateCollection(ctx, dstID, &intercom.CollectionRequest{Description: req.Description, Translations: req.Translations})
		},
		create: func() (*intercom.Collection, *intercom.Response, error) {
			return j.dst.HelpCenter.CreateCollection(ctx, req)
		},
		find: func(since int64) (string, error) { return findCollection(ctx, j, c.ID, key, since) },
	})
	if err != nil || !ok {
		return err
	}
	colMap[c.ID] = dstID
	j.log.Debug("collection migrated", zap.String("source_id", c.ID), zap.String("dest_id", dstID))
	return j.mapped(ctx, PhaseCollections, c.ID, dstID)
}

func collectionID(c *intercom.Collection) string { return c.ID }

// findCollection looks for a destination collection of a natural key,
// created since a time, that is no record's copy yet.
func findCollection(ctx context.Context, j *job, srcID, key string, since int64) (string, error) {
	return recentCopy(ctx, j, PhaseCollections, srcID, j.dst.HelpCenter.AllCollections(ctx, contentPages()),
		func(c *intercom.Collection) (string, bool, bool) {
			return c.ID, c.CreatedAt >= since && dstCollectionKey(c) == key, false
		})
}

// ---- articles ----

func articleKey(parent, title string) string { return natKey(parent, title) }

// runArticlesPage migrates one page of articles (runNumbered).
func runArticlesPage(ctx context.Context, j *job) (bool, error) {
	return runNumbered(ctx, j, numberedPhase[*intercom.ArticleList, *intercom.Article]{
		entity: PhaseArticles, list: j.src.Articles.List, all: j.dst.Articles.All, parents: PhaseCollections,
		page: func(l *intercom.ArticleList) ([]*intercom.Article, int, *intercom.NumberedPages) {
			return l.Data, l.TotalCount, l.Pages
		},
		id:    articleID,
		key:   func(a *intercom.Article) string { return articleKey(articleParent(a), a.Title) },
		write: migrateArticle,
		// In a delta, changed articles are written again (articles_delta.go).
		updatedAt: func(a *intercom.Article) int64 { return a.UpdatedAt },
		update:    updateArticle,
	})
}

func articleID(a *intercom.Article) string { return a.ID }

func articleParent(a *intercom.Article) string {
	if a.ParentID == 0 {
		return ""
	}
	return strconv.FormatInt(a.ParentID, 10)
}

// articleRequest is a source article as the destination gets it: every
// locale, each with its state and its author mapped. It fails (with the
// reason) when a teammate has no destination teammate.
func articleRequest(a *intercom.Article, people teammates, parent string) (*intercom.ArticleRequest, error) {
	author, ok := people.dest(a.AuthorID)
	if !ok {
		return nil, unmappedTeammate("author", a.AuthorID)
	}
	state := a.State
	if state == "" {
		state = intercom.ArticleDraft
	}
	r := &intercom.ArticleRequest{Title: a.Title, Description: intercom.Ptr(a.Description), Body: intercom.Ptr(a.Body),
		AuthorID: author, State: state, ParentID: parent}
	if parent != "" {
		r.ParentType = "collection"
	}
	def := a.DefaultLocale
	if def == "" {
		def = "en"
	}
	for _, loc := range sortedLocales(a.Translations) {
		t := a.Translations[loc]
		if loc == def || t == nil || t.Title == "" && t.Body == "" && t.Description == "" {
			continue // the default locale is the top level; an empty locale is no translation
		}
		ta, ok := people.dest(t.AuthorID)
		if t.AuthorID == 0 {
			ta, ok = author, true
		}
		if !ok {
			return nil, unmappedTeammate("author (of its "+loc+" translation)", t.AuthorID)
		}
		ts := t.State
		if ts == "" {
			ts = intercom.ArticleDraft
		}
		if r.Translations == nil {
			r.Translations = intercom.ArticleTranslations{}
		}
		r.Translations[loc] = &intercom.ArticleContent{Title: t.Title, Description: t.Description, Body: t.Body, AuthorID: ta, State: ts}
	}
	return r, nil
}

func sortedLocales[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// articleFor is a source article as the destination gets it, in its
// collection's copy (parent). When the article cannot be written (its
// collection was not migrated, a teammate has no destination teammate),
// it records the article's failure, naming endpoint, and req is nil.
func articleFor(ctx context.Context, j *job, a *intercom.Article, env pageEnv, endpoint string) (req *intercom.ArticleRequest, parent string, err error) {
	if p := articleParent(a); p != "" {
		if parent = env.mapped[p]; parent == "" {
			return nil, "", j.refuse(ctx, PhaseArticles, a.ID, endpoint, reasonf("its collection %s was not migrated (see the collections' failures)", p))
		}
	}
	req, err = articleRequest(a, env.people, parent)
	if err != nil {
		return nil, "", j.refuse(ctx, PhaseArticles, a.ID, endpoint, err)
	}
	return req, parent, nil
}

func migrateArticle(ctx context.Context, j *job, a *intercom.Article, env pageEnv) error {
	const endpoint = "POST /articles"
	req, parent, err := articleFor(ctx, j, a, env, endpoint)
	if err != nil || req == nil {
		return err
	}
	key := articleKey(parent, a.Title)
	dstID, ok, err := writeIndexed(ctx, j, env, key, contentWrite[*intercom.Article]{
		entity: PhaseArticles, srcID: a.ID, endpoint: endpoint, id: articleID,
		update: func(dstID string) (*intercom.Article, *intercom.Response, error) {
			return j.dst.Articles.Update(ctx, dstID, req)
		},
		create: func() (*intercom.Article, *intercom.Response, error) { return j.dst.Articles.Create(ctx, req) },
		find:   func(since int64) (string, error) { return findArticle(ctx, j, a.ID, key, since) },
	})
	if err != nil || !ok {
		return err
	}
	j.log.Debug("article migrated", zap.String("source_id", a.ID), zap.String("dest_id", dstID))
	return j.mapped(ctx, PhaseArticles, a.ID, dstID)
}

// findArticle looks for a destination article of a natural key created
// since a time and no record's copy yet. Articles are listed most recently
// updated first, so the walk stops at the first one older than that.
func findArticle(ctx context.Context, j *job, srcID, key string, since int64) (string, error) {
	return recentCopy(ctx, j, PhaseArticles, srcID, j.dst.Articles.All(ctx, contentPages()),
		func(a *intercom.Article) (string, bool, bool) {
			return a.ID, a.CreatedAt >= since && articleKey(articleParent(a), a.Title) == key, a.UpdatedAt < since
		})
}

// ---- internal articles ----

func internalArticleKey(a *intercom.InternalArticle) string {
	return natKey(a.Title, a.Locale)
}

func internalArticleID(a *intercom.InternalArticle) string { return a.ID }

// runInternalArticlesPage migrates one page of internal articles
// (runNumbered).
func runInternalArticlesPage(ctx context.Context, j *job) (bool, error) {
	return runNumbered(ctx, j, numberedPhase[*intercom.InternalArticleList, *intercom.InternalArticle]{
		entity: PhaseInternalArticles, list: j.src.InternalArticles.List, all: j.dst.InternalArticles.All,
		page: func(l *intercom.InternalArticleList) ([]*intercom.InternalArticle, int, *intercom.NumberedPages) {
			return l.Data, l.TotalCount, l.Pages
		},
		id: internalArticleID, key: internalArticleKey, write: migrateInternalArticle,
	})
}

func migrateInternalArticle(ctx context.Context, j *job, a *intercom.InternalArticle, env pageEnv) error {
	const endpoint = "POST /internal_articles"
	author, ok := env.people.dest(a.AuthorID)
	if !ok {
		return j.refuse(ctx, PhaseInternalArticles, a.ID, endpoint, unmappedTeammate("author", a.AuthorID))
	}
	owner, ok := env.people.dest(a.OwnerID)
	if !ok {
		return j.refuse(ctx, PhaseInternalArticles, a.ID, endpoint, unmappedTeammate("owner", a.OwnerID))
	}
	req := &intercom.InternalArticleRequest{Title: a.Title, Body: intercom.Ptr(a.Body), AuthorID: author, OwnerID: owner, Locale: a.Locale}
	key := internalArticleKey(a)
	dstID, ok, err := writeIndexed(ctx, j, env, key, contentWrite[*intercom.InternalArticle]{
		entity: PhaseInternalArticles, srcID: a.ID, endpoint: endpoint, id: internalArticleID,
		update: func(dstID string) (*intercom.InternalArticle, *intercom.Response, error) {
			return j.dst.InternalArticles.Update(ctx, dstID, req)
		},
		create: func() (*intercom.InternalArticle, *intercom.Response, error) {
			return j.dst.InternalArticles.Create(ctx, req)
		},
		find: func(since int64) (string, error) {
			return recentCopy(ctx, j, PhaseInternalArticles, a.ID, j.dst.InternalArticles.All(ctx, contentPages()),
				func(d *intercom.InternalArticle) (string, bool, bool) {
					return d.ID, d.CreatedAt >= since && internalArticleKey(d) == key, false
				})
		},
	})
	if err != nil || !ok {
		return err
	}
	return j.mapped(ctx, PhaseInternalArticles, a.ID, dstID)
}
