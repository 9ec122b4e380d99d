package intercomtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// Help centers, collections, articles and internal articles.
//
// Modelled rules:
//   - Help centers cannot be created or changed through the API. Every
//     workspace has two, seeded whatever Options.Contacts is (they are the
//     workspace's configuration, like its teammates), with identifiers that
//     depend on the seed alone: a source and a destination sandbox of the
//     same seed have the same help centers under different ids, as when an
//     operator has set up the new workspace before migrating. Tests remove
//     one with RemoveHelpCenter to play an operator who did not.
//   - Collections form a tree at most three deep (collection, section,
//     sub-section: 400 beyond). A collection is in one help center: its
//     parent's, else help_center_id, else the first help center; a
//     help_center_id that contradicts the parent's is a 400, and so is an
//     unknown parent or help center. order counts siblings from 1.
//   - Content is per locale: a collection's name and description, an
//     article's title, description, body, author and state. The top-level
//     fields are the default locale's ("en"); translated_content carries
//     every locale, the default one included. A translation given on write
//     is merged into the record (a locale left out is kept). Locales are
//     those of the description's article_translated_content (400 else).
//   - author_id (on an article and each of its translations) and
//     owner_id/author_id of internal articles must be teammates of the
//     workspace: 400 parameter_invalid otherwise. An article's state is
//     draft unless given; a translation's state is draft unless given.
//   - Article bodies are normalised as Intercom does (normalizeArticleHTML).
//   - Lists are paged by page and per_page (at most 150). Collections and
//     articles come most recently updated first (the description says so);
//     internal articles by id.
//   - Article tags are read-only (always empty here) and statistics zero.

const contentDefaultLocale = "en"

type helpCenter struct {
	id           int64
	identifier   string
	displayName  string
	websiteOn    bool
	customDomain string
	createdAt    int64
	updatedAt    int64
}

func (h *helpCenter) url() string {
	if h.customDomain != "" {
		return "https://" + h.customDomain
	}
	return "https://intercom.help/" + h.identifier
}

type helpCenterStore struct {
	list []*helpCenter
	byID map[int64]*helpCenter
	ids  contentIDs
	// languages are the workspace's help center locales, default first.
	languages []string
}

type groupText struct{ name, description string }

type collection struct {
	id         int64
	helpCenter int64
	parent     int64 // 0: top level
	order      int
	icon       string
	texts      map[string]groupText // by locale; the default one always
	createdAt  int64
	updatedAt  int64
}

type collectionStore struct {
	byID map[int64]*collection
	ids  contentIDs
}

type articleText struct {
	title, description, body string
	author                   int64
	state                    string
	createdAt, updatedAt     int64
}

type article struct {
	id        int64
	parent    int64 // 0: standalone
	texts     map[string]*articleText
	createdAt int64
	updatedAt int64
}

type articleStore struct {
	byID map[int64]*article
	ids  contentIDs
}

type internalArticle struct {
	id                   int64
	title, body          string
	owner, author        int64
	locale               string
	createdAt, updatedAt int64
}

type internalArticleStore struct {
	byID map[int64]*internalArticle
	ids  contentIDs
}

func (s *Sandbox) helpCenters() *helpCenterStore { return s.stores["help_centers"].(*helpCenterStore) }
func (s *Sandbox) collections() *collectionStore { return s.stores["collections"].(*collectionStore) }
func (s *Sandbox) articles() *articleStore       { return s.stores["articles"].(*articleStore) }
func (s *Sandbox) internalArticles() *internalArticleStore {
	return s.stores["internal_articles"].(*internalArticleStore)
}

func init() {
	registerEntity(entityDef{
		name:     "help_centers",
		order:    90,
		newStore: func() any { return &helpCenterStore{byID: map[int64]*helpCenter{}} },
		seed:     seedHelpCenters,
		count:    func(s *Sandbox) int { return len(s.helpCenters().list) },
		records: func(s *Sandbox) []any {
			return recordsOf(s.helpCenters().list, func(h *helpCenter) any { return s.helpCenterView(h) })
		},
		routes: []route{
			{method: "GET", path: "/help_center/help_centers", handler: listHelpCenters},
			{method: "GET", path: "/help_center/help_centers/{help_center_id}", handler: getHelpCenter},
		},
	})
	registerEntity(entityDef{
		name:     "collections",
		order:    91,
		newStore: func() any { return &collectionStore{byID: map[int64]*collection{}} },
		seed:     seedCollections,
		count:    func(s *Sandbox) int { return len(s.collections().byID) },
		records: func(s *Sandbox) []any {
			return contentRecords(s.collections().byID, func(x *collection) any { return s.collectionView(x) })
		},
		routes: contentRoutes("/help_center/collections", "collection_id", listCollections, createCollection, getCollection, updateCollection, deleteCollection),
	})
	registerEntity(entityDef{
		name:     "articles",
		order:    92,
		newStore: func() any { return &articleStore{byID: map[int64]*article{}} },
		seed:     seedArticles,
		count:    func(s *Sandbox) int { return len(s.articles().byID) },
		records: func(s *Sandbox) []any {
			return contentRecords(s.articles().byID, func(x *article) any { return s.articleView(x, true) })
		},
		routes: contentRoutes("/articles", "article_id", listArticles, createArticle, getArticle, updateArticle, deleteArticle,
			route{method: "GET", path: "/articles/search", handler: searchArticles}),
	})
	registerEntity(entityDef{
		name:     "internal_articles",
		order:    93,
		newStore: func() any { return &internalArticleStore{byID: map[int64]*internalArticle{}} },
		seed:     seedInternalArticles,
		count:    func(s *Sandbox) int { return len(s.internalArticles().byID) },
		records: func(s *Sandbox) []any {
			return contentRecords(s.internalArticles().byID, func(x *internalArticle) any { return internalArticleView(x) })
		},
		routes: contentRoutes("/internal_articles", "internal_article_id", listInternalArticles, createInternalArticle, getInternalArticle, updateInternalArticle, deleteInternalArticle,
			route{method: "GET", path: "/internal_articles/search", handler: searchInternalArticles}),
	})
}

// RemoveHelpCenter deletes the help center with an identifier, with its
// collections (their articles become standalone), as when an operator has
// not set it up in a new workspace. It reports whether there was one.
func (s *Sandbox) RemoveHelpCenter(identifier string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.helpCenters()
	for i, h := range st.list {
		if h.identifier != identifier {
			continue
		}
		st.list = append(st.list[:i:i], st.list[i+1:]...)
		delete(st.byID, h.id)
		cs := s.collections()
		for _, id := range contentSortedIDs(cs.byID) {
			if c := cs.byID[id]; c != nil && c.helpCenter == h.id {
				s.removeCollection(c)
			}
		}
		return true
	}
	return false
}

// HelpCenterIdentifiers lists the identifiers of the help centers.
func (s *Sandbox) HelpCenterIdentifiers() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []string
	for _, h := range s.helpCenters().list {
		out = append(out, h.identifier)
	}
	return out
}

// ---- views ----

type helpCenterView struct {
	ID              string  `json:"id"`
	WorkspaceID     string  `json:"workspace_id"`
	CreatedAt       int64   `json:"created_at"`
	UpdatedAt       int64   `json:"updated_at"`
	Identifier      string  `json:"identifier"`
	WebsiteTurnedOn bool    `json:"website_turned_on"`
	DisplayName     string  `json:"display_name"`
	URL             string  `json:"url"`
	CustomDomain    *string `json:"custom_domain"`
}

func (s *Sandbox) helpCenterView(h *helpCenter) helpCenterView {
	return helpCenterView{ID: contentID(h.id), WorkspaceID: s.appID, CreatedAt: h.createdAt, UpdatedAt: h.updatedAt,
		Identifier: h.identifier, WebsiteTurnedOn: h.websiteOn, DisplayName: h.displayName, URL: h.url(), CustomDomain: strOrNil(h.customDomain)}
}

type collectionView struct {
	ID                string         `json:"id"`
	WorkspaceID       string         `json:"workspace_id"`
	Name              string         `json:"name"`
	URL               *string        `json:"url"`
	Order             int            `json:"order"`
	CreatedAt         int64          `json:"created_at"`
	UpdatedAt         int64          `json:"updated_at"`
	Description       *string        `json:"description"`
	Icon              *string        `json:"icon"`
	ParentID          *string        `json:"parent_id"`
	HelpCenterID      *int64         `json:"help_center_id"`
	DefaultLocale     string         `json:"default_locale"`
	TranslatedContent map[string]any `json:"translated_content"`
}

type groupContentView struct {
	Type        string `json:"type"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

func (s *Sandbox) collectionView(c *collection) collectionView {
	def := c.texts[contentDefaultLocale]
	v := collectionView{ID: contentID(c.id), WorkspaceID: s.appID, Name: def.name, Order: c.order,
		CreatedAt: c.createdAt, UpdatedAt: c.updatedAt, Description: strOrNil(def.description), Icon: strOrNil(c.icon),
		DefaultLocale: contentDefaultLocale, TranslatedContent: map[string]any{"type": "group_translated_content"}}
	if c.parent != 0 {
		p := contentID(c.parent)
		v.ParentID = &p
	}
	hc := c.helpCenter
	v.HelpCenterID = &hc
	if h := s.helpCenters().byID[c.helpCenter]; h != nil {
		u := h.url() + "/" + contentDefaultLocale + "/collections/" + contentID(c.id) + "-" + contentSlug(def.name)
		v.URL = &u
	}
	for _, loc := range sortedKeys(c.texts) {
		t := c.texts[loc]
		v.TranslatedContent[loc] = groupContentView{Type: "group_content", Name: t.name, Description: t.description}
	}
	return v
}

// contentSlug is a title as Intercom puts it in URLs: lower case, words joined
// by dashes.
func contentSlug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

type articleTagsView struct {
	Type string    `json:"type"`
	Tags []tagView `json:"tags"`
}

type articleStatsView struct {
	Type                      string  `json:"type"`
	Views                     int     `json:"views"`
	Conversions               int     `json:"conversions"`
	Reactions                 int     `json:"reactions"`
	HappyReactionPercentage   float64 `json:"happy_reaction_percentage"`
	NeutralReactionPercentage float64 `json:"neutral_reaction_percentage"`
	SadReactionPercentage     float64 `json:"sad_reaction_percentage"`
}

type articleView struct {
	Type              string            `json:"type"`
	ID                string            `json:"id"`
	WorkspaceID       string            `json:"workspace_id"`
	ParentID          *int64            `json:"parent_id"`
	ParentType        *string           `json:"parent_type"`
	ParentIDs         []int64           `json:"parent_ids"`
	Title             string            `json:"title"`
	Description       string            `json:"description"`
	Body              string            `json:"body"`
	AuthorID          int64             `json:"author_id"`
	State             string            `json:"state"`
	CreatedAt         int64             `json:"created_at"`
	UpdatedAt         int64             `json:"updated_at"`
	URL               *string           `json:"url"`
	DefaultLocale     string            `json:"default_locale"`
	TranslatedContent map[string]any    `json:"translated_content"`
	Tags              articleTagsView   `json:"tags"`
	Statistics        *articleStatsView `json:"statistics,omitempty"`
}

type articleContentView struct {
	Type        string `json:"type"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Body        string `json:"body"`
	AuthorID    int64  `json:"author_id"`
	State       string `json:"state"`
	CreatedAt   int64  `json:"created_at"`
	UpdatedAt   int64  `json:"updated_at"`
	URL         string `json:"url,omitempty"`
}

// articleHelpCenter is the help center an article is shown in: its
// collection's, else the first.
func (s *Sandbox) articleHelpCenter(a *article) *helpCenter {
	if c := s.collections().byID[a.parent]; c != nil {
		if h := s.helpCenters().byID[c.helpCenter]; h != nil {
			return h
		}
	}
	if l := s.helpCenters().list; len(l) > 0 {
		return l[0]
	}
	return nil
}

func (s *Sandbox) articleURL(a *article, h *helpCenter, locale string, t *articleText) string {
	if h == nil || t.state != "published" {
		return ""
	}
	return h.url() + "/" + locale + "/articles/" + contentID(a.id) + "-" + contentSlug(t.title)
}

func (s *Sandbox) articleView(a *article, withStats bool) articleView {
	def := a.texts[contentDefaultLocale]
	h := s.articleHelpCenter(a)
	v := articleView{Type: "article", ID: contentID(a.id), WorkspaceID: s.appID, ParentIDs: []int64{},
		Title: def.title, Description: def.description, Body: def.body, AuthorID: def.author, State: def.state,
		CreatedAt: a.createdAt, UpdatedAt: a.updatedAt, DefaultLocale: contentDefaultLocale,
		TranslatedContent: map[string]any{"type": "article_translated_content"},
		Tags:              articleTagsView{Type: "tag.list", Tags: []tagView{}}}
	if a.parent != 0 {
		p, pt := a.parent, "collection"
		v.ParentID, v.ParentType = &p, &pt
		for id := a.parent; id != 0; {
			v.ParentIDs = append(v.ParentIDs, id)
			c := s.collections().byID[id]
			if c == nil {
				break
			}
			id = c.parent
		}
	}
	if u := s.articleURL(a, h, contentDefaultLocale, def); u != "" {
		v.URL = &u
	}
	for _, loc := range sortedKeys(a.texts) {
		t := a.texts[loc]
		v.TranslatedContent[loc] = articleContentView{Type: "article_content", Title: t.title, Description: t.description,
			Body: t.body, AuthorID: t.author, State: t.state, CreatedAt: t.createdAt, UpdatedAt: t.updatedAt,
			URL: s.articleURL(a, h, loc, t)}
	}
	if withStats {
		v.Statistics = &articleStatsView{Type: "article_statistics"}
	}
	return v
}

type internalArticleViewT struct {
	Type      string `json:"type"`
	ID        string `json:"id"`
	Title     string `json:"title"`
	Body      string `json:"body"`
	OwnerID   int64  `json:"owner_id"`
	AuthorID  int64  `json:"author_id"`
	CreatedAt int64  `json:"created_at"`
	UpdatedAt int64  `json:"updated_at"`
	Locale    string `json:"locale"`
}

func internalArticleView(a *internalArticle) internalArticleViewT {
	return internalArticleViewT{Type: "internal_article", ID: contentID(a.id), Title: a.title, Body: a.body,
		OwnerID: a.owner, AuthorID: a.author, CreatedAt: a.createdAt, UpdatedAt: a.updatedAt, Locale: a.locale}
}

type contentDeletedView struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Deleted bool   `json:"deleted"`
}

// ---- help centers ----

func listHelpCenters(q *request) (int, any) {
	data := []helpCenterView{}
	for _, h := range q.s.helpCenters().list {
		data = append(data, q.s.helpCenterView(h))
	}
	return http.StatusOK, map[string]any{"type": "list", "data": data}
}

func getHelpCenter(q *request) (int, any) {
	find := func() *helpCenter { return contentParam(q, "help_center_id", q.s.helpCenters().byID) }
	return contentGet(q, find, q.s.helpCenterView)
}

// ---- collections ----

// contentByRecency sorts ids most recently updated first (then highest id).
func contentByRecency(ids []int64, updated func(int64) int64) {
	sort.SliceStable(ids, func(i, j int) bool {
		ui, uj := updated(ids[i]), updated(ids[j])
		if ui != uj {
			return ui > uj
		}
		return ids[i] > ids[j]
	})
}

func listCollections(q *request) (int, any) {
	st := q.s.collections()
	ids := contentSortedIDs(st.byID)
	contentByRecency(ids, func(id int64) int64 { return st.byID[id].updatedAt })
	return numberedPage(q, ids, 20, func(id int64) collectionView { return q.s.collectionView(st.byID[id]) })
}

func (q *request) collectionParam() *collection {
	return contentParam(q, "collection_id", q.s.collections().byID)
}

func getCollection(q *request) (int, any) {
	return contentGet(q, q.collectionParam, q.s.collectionView)
}

// depth is 1 for a top-level collection.
func (st *collectionStore) depth(c *collection) int {
	d := 1
	for p := st.byID[c.parent]; p != nil && d < 10; p = st.byID[p.parent] {
		d++
	}
	return d
}

// height is 1 for a collection without children.
func (st *collectionStore) height(c *collection) int {
	h := 0
	for _, o := range st.byID {
		if o.parent == c.id {
			h = max(h, st.height(o))
		}
	}
	return h + 1
}

const maxCollectionDepth = 3

func (st *collectionStore) nextOrder(helpCenter, parent int64) int {
	n := 0
	for _, o := range st.byID {
		if o.parent == parent && o.helpCenter == helpCenter {
			n = max(n, o.order)
		}
	}
	return n + 1
}

// applyCollectionFields validates and applies a create or update body to c
// (a copy); status 0 when all is well.
func (q *request) applyCollectionFields(c *collection, f map[string]json.RawMessage, creating bool) (int, any) {
	bad := q.invalid
	st := q.s.collections()
	def := c.texts[contentDefaultLocale]
	if v, present, ok := contentString(f, "name"); !ok {
		return bad("name", "name must be a string")
	} else if present {
		if strings.TrimSpace(v) == "" {
			return bad("name", "Name is a required parameter.")
		}
		def.name = v
	}
	if v, present, ok := contentString(f, "description"); !ok {
		return bad("description", "description must be a string")
	} else if present {
		def.description = v
	}
	c.texts[contentDefaultLocale] = def
	if raw, ok := f["translated_content"]; ok {
		tr, status, body := q.contentTranslations(raw, "translated_content")
		if status != 0 {
			return status, body
		}
		for loc, tf := range tr {
			t := c.texts[loc]
			if v, present, ok := contentString(tf, "name"); !ok {
				return bad("translated_content."+loc+".name", "name must be a string")
			} else if present {
				t.name = v
			}
			if v, present, ok := contentString(tf, "description"); !ok {
				return bad("translated_content."+loc+".description", "description must be a string")
			} else if present {
				t.description = v
			}
			if loc != contentDefaultLocale && t.name == "" {
				return bad("translated_content."+loc+".name", "a translation needs a name")
			}
			c.texts[loc] = t
		}
	}
	if c.texts[contentDefaultLocale].name == "" {
		return bad("name", "Name is a required parameter.")
	}
	hcs := q.s.helpCenters()
	parentGiven := false
	if raw, ok := f["parent_id"]; ok {
		parentGiven = true
		if isNull(raw) {
			c.parent = 0
		} else {
			id, _, ok := contentInt(f, "parent_id")
			p := st.byID[id]
			if !ok || p == nil {
				return bad("parent_id", "parent_id is not a collection of this workspace")
			}
			for x := p; x != nil; x = st.byID[x.parent] {
				if x.id == c.id {
					return bad("parent_id", "a collection cannot be its own ancestor")
				}
			}
			c.parent = p.id
		}
	}
	hcID, hcGiven, ok := contentInt(f, "help_center_id")
	if !ok {
		return bad("help_center_id", "help_center_id must be an integer")
	}
	if hcGiven && hcs.byID[hcID] == nil {
		return bad("help_center_id", "help_center_id is not a help center of this workspace")
	}
	switch p := st.byID[c.parent]; {
	case p != nil:
		if hcGiven && hcID != p.helpCenter {
			return bad("help_center_id", "a collection is in its parent's help center")
		}
		c.helpCenter = p.helpCenter
	case hcGiven:
		c.helpCenter = hcID
	case creating:
		if len(hcs.list) == 0 {
			return bad("help_center_id", "the workspace has no help center")
		}
		c.helpCenter = hcs.list[0].id
	}
	if parentGiven || creating {
		depth := 1
		if p := st.byID[c.parent]; p != nil {
			depth = st.depth(p) + 1
		}
		h := 1
		if !creating {
			h = st.height(c)
		}
		if depth+h-1 > maxCollectionDepth {
			return bad("parent_id", fmt.Sprintf("collections nest at most %d levels deep", maxCollectionDepth))
		}
	}
	return 0, nil
}

func createCollection(q *request) (int, any) {
	f, status, body := q.contentFields()
	if f == nil {
		return status, body
	}
	st := q.s.collections()
	c := &collection{texts: map[string]groupText{contentDefaultLocale: {}}, icon: "book-bookmark"}
	if status, body := q.applyCollectionFields(c, f, true); status != 0 {
		return status, body
	}
	c.id = st.ids.take()
	c.order = st.nextOrder(c.helpCenter, c.parent)
	c.createdAt, c.updatedAt = q.now, q.now
	st.byID[c.id] = c
	return http.StatusOK, q.s.collectionView(c)
}

func updateCollection(q *request) (int, any) {
	old, f, status, body := contentUpdate(q, q.collectionParam)
	if old == nil {
		return status, body
	}
	c := *old
	c.texts = make(map[string]groupText, len(old.texts))
	for k, v := range old.texts {
		c.texts[k] = v
	}
	if status, body := q.applyCollectionFields(&c, f, false); status != 0 {
		return status, body
	}
	if c.parent != old.parent || c.helpCenter != old.helpCenter {
		c.order = q.s.collections().nextOrder(c.helpCenter, c.parent)
		q.s.moveSubtree(old.id, c.helpCenter)
	}
	c.updatedAt = max(q.now, old.createdAt)
	*old = c
	return http.StatusOK, q.s.collectionView(old)
}

// moveSubtree puts a collection's descendants in its help center.
func (s *Sandbox) moveSubtree(id, helpCenter int64) {
	for _, o := range s.collections().byID {
		if o.parent == id {
			o.helpCenter = helpCenter
			s.moveSubtree(o.id, helpCenter)
		}
	}
}

// removeCollection deletes a collection and its descendants; their
// articles become standalone.
func (s *Sandbox) removeCollection(c *collection) {
	st := s.collections()
	for _, id := range contentSortedIDs(st.byID) {
		if o := st.byID[id]; o != nil && o.parent == c.id {
			s.removeCollection(o)
		}
	}
	for _, a := range s.articles().byID {
		if a.parent == c.id {
			a.parent = 0
		}
	}
	delete(st.byID, c.id)
}

func deleteCollection(q *request) (int, any) {
	c := q.collectionParam()
	if c == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, MsgNotFound)
	}
	q.s.removeCollection(c)
	return http.StatusOK, contentDeletedView{ID: contentID(c.id), Object: "collection", Deleted: true}
}

// ---- articles ----

func listArticles(q *request) (int, any) {
	st := q.s.articles()
	ids := contentSortedIDs(st.byID)
	contentByRecency(ids, func(id int64) int64 { return st.byID[id].updatedAt })
	return numberedPage(q, ids, 25, func(id int64) articleView { return q.s.articleView(st.byID[id], false) })
}

// searchArticles matches a phrase in the title, description or body of
// any locale (case-insensitive), by state (published, draft or all; all
// by default) and help center.
func searchArticles(q *request) (int, any) {
	query := q.r.URL.Query()
	phrase := strings.ToLower(strings.TrimSpace(query.Get("phrase")))
	state := query.Get("state")
	switch state {
	case "", "all", "published", "draft":
	default:
		return q.failField(http.StatusBadRequest, CodeParameterInvalid, "state must be published, draft or all", "state")
	}
	var hc int64
	if v := query.Get("help_center_id"); v != "" {
		hc, _ = parseContentID(v)
	}
	st := q.s.articles()
	ids := contentSortedIDs(st.byID)
	contentByRecency(ids, func(id int64) int64 { return st.byID[id].updatedAt })
	matches := []articleView{}
	for _, id := range ids {
		a := st.byID[id]
		if hc != 0 {
			if h := q.s.articleHelpCenter(a); h == nil || h.id != hc {
				continue
			}
		}
		ok := false
		for _, t := range a.texts {
			if state != "" && state != "all" && t.state != state {
				continue
			}
			if phrase == "" || strings.Contains(strings.ToLower(t.title+"\n"+t.description+"\n"+t.body), phrase) {
				ok = true
				break
			}
		}
		if ok {
			matches = append(matches, q.s.articleView(a, true))
		}
	}
	total := len(matches)
	lo, hi, pages, status, body := q.contentPage(total, 10)
	if status != 0 {
		return status, body
	}
	return http.StatusOK, map[string]any{"type": "list", "total_count": total,
		"data": map[string]any{"articles": matches[lo:hi], "highlights": []any{}}, "pages": pages}
}

func (q *request) articleParam() *article {
	return contentParam(q, "article_id", q.s.articles().byID)
}

func getArticle(q *request) (int, any) {
	return contentGet(q, q.articleParam, func(a *article) articleView { return q.s.articleView(a, true) })
}

// applyArticleText applies title, description, body, author_id and state
// fields to t; prefix names the fields in errors.
func (q *request) applyArticleText(t *articleText, f map[string]json.RawMessage, prefix string) (int, any) {
	bad := func(field, msg string) (int, any) {
		return q.failField(http.StatusBadRequest, CodeParameterInvalid, msg, prefix+field)
	}
	for _, x := range []struct {
		name string
		dst  *string
	}{{"title", &t.title}, {"description", &t.description}, {"body", &t.body}} {
		v, present, ok := contentString(f, x.name)
		if !ok {
			return bad(x.name, x.name+" must be a string")
		}
		if present {
			if x.name == "body" {
				v = normalizeArticleHTML(v)
			}
			*x.dst = v
		}
	}
	if id, present, ok := contentInt(f, "author_id"); !ok {
		return bad("author_id", "author_id must be an integer")
	} else if present {
		if q.s.contentAdmin(id) == nil {
			return bad("author_id", fmt.Sprintf("author_id %d is not a teammate of this workspace", id))
		}
		t.author = id
	}
	if v, present, ok := contentString(f, "state"); !ok {
		return bad("state", "state must be published or draft")
	} else if present {
		if v != "published" && v != "draft" {
			return bad("state", "state must be published or draft")
		}
		t.state = v
	}
	return 0, nil
}

// applyArticleFields validates and applies a create or update body to a
// (a copy whose texts may be changed); status 0 when all is well.
func (q *request) applyArticleFields(a *article, f map[string]json.RawMessage, creating bool) (int, any) {
	def := a.texts[contentDefaultLocale]
	if def == nil {
		def = &articleText{state: "draft", createdAt: q.now}
		a.texts[contentDefaultLocale] = def
	}
	if status, body := q.applyArticleText(def, f, ""); status != 0 {
		return status, body
	}
	if raw, ok := f["translated_content"]; ok {
		tr, status, body := q.contentTranslations(raw, "translated_content")
		if status != 0 {
			return status, body
		}
		for _, loc := range sortedKeys(tr) {
			t := a.texts[loc]
			if t == nil {
				t = &articleText{state: "draft", author: def.author, createdAt: q.now}
				a.texts[loc] = t
			}
			if loc == contentDefaultLocale {
				// The top-level fields win over the default locale's
				// translation: apply it, then them again.
				if status, body := q.applyArticleText(t, tr[loc], "translated_content."+loc+"."); status != 0 {
					return status, body
				}
				if status, body := q.applyArticleText(t, f, ""); status != 0 {
					return status, body
				}
				continue
			}
			if status, body := q.applyArticleText(t, tr[loc], "translated_content."+loc+"."); status != 0 {
				return status, body
			}
			if t.title == "" {
				return q.failField(http.StatusBadRequest, CodeParameterInvalid, "a translation needs a title", "translated_content."+loc+".title")
			}
			if t.author == 0 {
				return q.failField(http.StatusBadRequest, contentParamMissing, "author_id must be in the main body or the translation", "translated_content."+loc+".author_id")
			}
		}
	}
	if def.title == "" {
		return q.failField(http.StatusBadRequest, CodeParameterInvalid, "title is required", "title")
	}
	if def.author == 0 {
		return q.failField(http.StatusBadRequest, contentParamMissing, "author_id must be in the main body or default locale translated_content object", "author_id")
	}
	if raw, ok := f["parent_id"]; ok {
		if isNull(raw) {
			a.parent = 0
		} else {
			id, _, ok := contentInt(f, "parent_id")
			if !ok || q.s.collections().byID[id] == nil {
				return q.failField(http.StatusBadRequest, CodeParameterInvalid, "parent_id is not a collection of this workspace", "parent_id")
			}
			a.parent = id
		}
	}
	if v, present, ok := contentString(f, "parent_type"); !ok || present && v != "collection" && v != "section" {
		return q.failField(http.StatusBadRequest, CodeParameterInvalid, "parent_type must be collection or section", "parent_type")
	}
	return 0, nil
}

func copyArticle(old *article) *article {
	a := *old
	a.texts = make(map[string]*articleText, len(old.texts))
	for k, v := range old.texts {
		t := *v
		a.texts[k] = &t
	}
	return &a
}

func createArticle(q *request) (int, any) {
	f, status, body := q.contentFields()
	if f == nil {
		return status, body
	}
	st := q.s.articles()
	a := &article{texts: map[string]*articleText{}}
	if status, body := q.applyArticleFields(a, f, true); status != 0 {
		return status, body
	}
	a.id = st.ids.take()
	a.createdAt, a.updatedAt = q.now, q.now
	for _, t := range a.texts {
		t.createdAt, t.updatedAt = q.now, q.now
	}
	st.byID[a.id] = a
	return http.StatusOK, q.s.articleView(a, true)
}

func updateArticle(q *request) (int, any) {
	old, f, status, body := contentUpdate(q, q.articleParam)
	if old == nil {
		return status, body
	}
	a := copyArticle(old)
	if status, body := q.applyArticleFields(a, f, false); status != 0 {
		return status, body
	}
	now := max(q.now, old.createdAt)
	a.updatedAt = now
	for loc, t := range a.texts {
		if o := old.texts[loc]; o == nil || *o != *t {
			t.updatedAt = now
		}
	}
	*old = *a
	return http.StatusOK, q.s.articleView(old, true)
}

func deleteArticle(q *request) (int, any) {
	return contentDelete(q, "article_id", q.s.articles().byID, "article")
}

// ---- internal articles ----

func listInternalArticles(q *request) (int, any) {
	st := q.s.internalArticles()
	ids := contentSortedIDs(st.byID)
	return numberedPage(q, ids, 25, func(id int64) internalArticleViewT { return internalArticleView(st.byID[id]) })
}

// searchInternalArticles: folders are not modelled, so every internal
// article is in the workspace's root; a folder_id finds none.
func searchInternalArticles(q *request) (int, any) {
	st := q.s.internalArticles()
	data := []internalArticleViewT{}
	if q.r.URL.Query().Get("folder_id") == "" {
		for _, id := range contentSortedIDs(st.byID) {
			data = append(data, internalArticleView(st.byID[id]))
		}
	}
	return http.StatusOK, map[string]any{"type": "list", "total_count": len(data),
		"data":  map[string]any{"internal_articles": data},
		"pages": contentPagesView{Type: "pages", Page: 1, PerPage: max(len(data), 1), TotalPages: 1}}
}

func (q *request) internalArticleParam() *internalArticle {
	return contentParam(q, "internal_article_id", q.s.internalArticles().byID)
}

func getInternalArticle(q *request) (int, any) {
	return contentGet(q, q.internalArticleParam, internalArticleView)
}

func (q *request) applyInternalArticleFields(a *internalArticle, f map[string]json.RawMessage) (int, any) {
	bad := q.invalid
	if v, present, ok := contentString(f, "title"); !ok || present && strings.TrimSpace(v) == "" {
		return bad("title", "title must be a non-empty string")
	} else if present {
		a.title = v
	}
	if v, present, ok := contentString(f, "body"); !ok {
		return bad("body", "body must be a string")
	} else if present {
		a.body = v
	}
	for _, x := range []struct {
		name string
		dst  *int64
	}{{"owner_id", &a.owner}, {"author_id", &a.author}} {
		id, present, ok := contentInt(f, x.name)
		if !ok {
			return bad(x.name, x.name+" must be an integer")
		}
		if present {
			if q.s.contentAdmin(id) == nil {
				return bad(x.name, fmt.Sprintf("%s %d is not a teammate of this workspace", x.name, id))
			}
			*x.dst = id
		}
	}
	if v, present, ok := contentString(f, "locale"); !ok || present && !contentKnownLocale(v) {
		return bad("locale", "locale is not a supported locale")
	} else if present {
		a.locale = v
	}
	return 0, nil
}

func createInternalArticle(q *request) (int, any) {
	f, status, body := q.contentFields()
	if f == nil {
		return status, body
	}
	a := &internalArticle{locale: contentDefaultLocale}
	if status, body := q.applyInternalArticleFields(a, f); status != 0 {
		return status, body
	}
	if a.title == "" || a.owner == 0 || a.author == 0 {
		return q.fail(http.StatusBadRequest, contentParamMissing, "title, owner_id and author_id are required")
	}
	st := q.s.internalArticles()
	a.id = st.ids.take()
	a.createdAt, a.updatedAt = q.now, q.now
	st.byID[a.id] = a
	return http.StatusOK, internalArticleView(a)
}

func updateInternalArticle(q *request) (int, any) {
	old, f, status, body := contentUpdate(q, q.internalArticleParam)
	if old == nil {
		return status, body
	}
	a := *old
	if status, body := q.applyInternalArticleFields(&a, f); status != 0 {
		return status, body
	}
	a.updatedAt = max(q.now, old.createdAt)
	*old = a
	return http.StatusOK, internalArticleView(old)
}

func deleteInternalArticle(q *request) (int, any) {
	return contentDelete(q, "internal_article_id", q.s.internalArticles().byID, "internal_article")
}
