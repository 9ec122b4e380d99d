package intercomtest_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/icmigrate/icmigrate/pkg/intercom"
	"github.com/icmigrate/icmigrate/pkg/intercom/intercomtest"
)

// contentSandbox starts a validated sandbox (every response checked whole)
// and a client of it.
func contentSandbox(t *testing.T, opts intercomtest.Options) (*intercomtest.Sandbox, *intercom.Client, *api) {
	t.Helper()
	opts.FullResponseValidation = true
	sb, srv := intercomtest.NewServer(t, opts)
	c, err := intercom.NewClient(sb.Tokens()[0], intercom.US, intercom.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	return sb, c, newAPI(t, srv.URL, sb.Tokens()[0])
}

func collectAll[T any](t *testing.T, seq func(yield func(T, error) bool)) []T {
	t.Helper()
	var out []T
	for x, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, x)
	}
	return out
}

// TestContentSeeded checks the generated help center, news and custom
// objects: proportions, the collection tree, locales, states, authors.
func TestContentSeeded(t *testing.T) {
	ctx := context.Background()
	sb, c, _ := contentSandbox(t, intercomtest.Options{Seed: 5, Contacts: 1000})
	admins, _, err := c.Admins.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	isAdmin := map[int64]bool{}
	for _, a := range admins {
		var n int64
		fmt.Sscan(a.ID, &n)
		isAdmin[n] = true
	}
	hcs, _, err := c.HelpCenter.ListHelpCenters(ctx)
	if err != nil || len(hcs) != 2 {
		t.Fatalf("help centers: %v %d", err, len(hcs))
	}
	hcByID := map[int64]bool{}
	for _, h := range hcs {
		var n int64
		fmt.Sscan(h.ID, &n)
		hcByID[n] = true
		if h.Identifier == "" || h.DisplayName == "" || h.URL == "" {
			t.Errorf("help center %+v", h)
		}
	}
	cols := collectAll(t, c.HelpCenter.AllCollections(ctx, &intercom.PageNumberOptions{PerPage: 3}))
	if len(cols) != 10 || sb.Count("collections") != 10 {
		t.Fatalf("%d collections (Count %d), want 10", len(cols), sb.Count("collections"))
	}
	byID := map[string]*intercom.Collection{}
	for _, col := range cols {
		byID[col.ID] = col
	}
	depths := map[int]int{}
	for _, col := range cols {
		if !hcByID[col.HelpCenterID] {
			t.Errorf("collection %s in help center %d", col.ID, col.HelpCenterID)
		}
		d := 1
		for p := byID[col.ParentID]; p != nil; p = byID[p.ParentID] {
			if p.HelpCenterID != col.HelpCenterID {
				t.Errorf("collection %s not in its parent's help center", col.ID)
			}
			d++
		}
		if col.ParentID != "" && byID[col.ParentID] == nil {
			t.Errorf("collection %s has unknown parent %s", col.ID, col.ParentID)
		}
		depths[d]++
		if col.Translations["en"] == nil || col.Translations["en"].Name != col.Name {
			t.Errorf("collection %s: default locale not in translated_content", col.ID)
		}
	}
	if depths[1] == 0 || depths[2] == 0 || depths[4] != 0 {
		t.Errorf("tree depths %v", depths)
	}
	arts := collectAll(t, c.Articles.All(ctx, nil))
	if len(arts) != 100 {
		t.Fatalf("%d articles, want 100", len(arts))
	}
	locales, states := map[string]int{}, map[string]int{}
	translated, otherAuthor, standalone := 0, 0, 0
	for i, a := range arts {
		if i > 0 && a.UpdatedAt > arts[i-1].UpdatedAt {
			t.Errorf("articles not most recently updated first")
		}
		if a.ParentID == 0 {
			standalone++
		} else if byID[fmt.Sprint(a.ParentID)] == nil {
			t.Errorf("article %s in unknown collection %d", a.ID, a.ParentID)
		}
		if !isAdmin[a.AuthorID] {
			t.Errorf("article %s by %d, not a teammate", a.ID, a.AuthorID)
		}
		if len(a.Translations) > 1 {
			translated++
		}
		for loc, tr := range a.Translations {
			locales[loc]++
			states[tr.State]++
			if !isAdmin[tr.AuthorID] {
				t.Errorf("article %s %s by %d", a.ID, loc, tr.AuthorID)
			}
			if tr.AuthorID != a.AuthorID {
				otherAuthor++
			}
			if !strings.HasPrefix(tr.Body, `<p class="no-margin">`) {
				t.Errorf("article %s %s body %q not normalised", a.ID, loc, tr.Body)
			}
		}
		if (a.URL == "") != (a.State == intercom.ArticleDraft) {
			t.Errorf("article %s: state %s, url %q", a.ID, a.State, a.URL)
		}
	}
	if len(locales) < 3 || states["draft"] == 0 || states["published"] == 0 || translated < 20 || otherAuthor == 0 || standalone == 0 {
		t.Errorf("locales %v, states %v, translated %d, other authors %d, standalone %d", locales, states, translated, otherAuthor, standalone)
	}
	ias := collectAll(t, c.InternalArticles.All(ctx, nil))
	if len(ias) != 25 {
		t.Errorf("%d internal articles, want 25", len(ias))
	}
	feeds := collectAll(t, func(yield func(*intercom.Newsfeed, error) bool) { c.News.AllNewsfeeds(ctx)(yield) })
	items := collectAll(t, c.News.AllItems(ctx, nil))
	if len(feeds) != 3 || len(items) != 50 {
		t.Fatalf("%d newsfeeds, %d news items", len(feeds), len(items))
	}
	live, silent, noReactions := 0, 0, 0
	for _, it := range items {
		if it.State == intercom.NewsLive {
			live++
		}
		if it.DeliverSilently {
			silent++
		}
		if len(it.Reactions) == 0 {
			noReactions++
		}
		if len(it.NewsfeedAssignments) == 0 {
			t.Errorf("news item %s on no feed", it.ID)
		}
		for _, as := range it.NewsfeedAssignments {
			if (as.PublishedAt != 0) != (it.State == intercom.NewsLive) {
				t.Errorf("news item %s (%s) published_at %d", it.ID, it.State, as.PublishedAt)
			}
		}
	}
	if live == 0 || live == len(items) || silent == 0 || noReactions == 0 {
		t.Errorf("live %d, silent %d, without reactions %d of %d", live, silent, noReactions, len(items))
	}
	types := sb.CustomObjectTypes()
	if len(types) != 2 {
		t.Fatalf("types %v", types)
	}
	total := 0
	for _, typ := range types {
		insts := collectAll(t, c.CustomObjectInstances.All(ctx, typ, &intercom.PageNumberOptions{PerPage: 7}))
		total += len(insts)
		for _, o := range insts {
			if o.Type != typ || o.ExternalID == "" || len(o.CustomAttributes) == 0 {
				t.Errorf("instance %+v", o)
			}
		}
	}
	if total != 100 || sb.Count("custom_objects") != 100 {
		t.Errorf("%d instances (Count %d), want 100", total, sb.Count("custom_objects"))
	}
}

// TestContentWorkspaceConfiguration: help centers, newsfeeds and custom
// object types exist in every workspace of a seed, empty ones included,
// under other ids; the content itself only in seeded ones.
func TestContentWorkspaceConfiguration(t *testing.T) {
	ctx := context.Background()
	src, sc, _ := contentSandbox(t, intercomtest.Options{Seed: 9, Contacts: 100, Tokens: []string{"content-source-token"}})
	dst, dc, _ := contentSandbox(t, intercomtest.Options{Seed: 9, Region: "eu", Tokens: []string{"content-dest-token"}})
	other, _, _ := contentSandbox(t, intercomtest.Options{Seed: 10, Tokens: []string{"content-other-token"}})
	if !slices.Equal(src.HelpCenterIdentifiers(), dst.HelpCenterIdentifiers()) ||
		!slices.Equal(src.NewsfeedNames(), dst.NewsfeedNames()) ||
		!slices.Equal(src.CustomObjectTypes(), dst.CustomObjectTypes()) {
		t.Fatal("same seed, different workspace configuration")
	}
	if slices.Equal(src.HelpCenterIdentifiers(), other.HelpCenterIdentifiers()) && slices.Equal(src.NewsfeedNames(), other.NewsfeedNames()) {
		t.Error("another seed, same configuration")
	}
	sh, _, _ := sc.HelpCenter.ListHelpCenters(ctx)
	dh, _, _ := dc.HelpCenter.ListHelpCenters(ctx)
	if sh[0].ID == dh[0].ID || sh[0].Identifier != dh[0].Identifier {
		t.Errorf("help centers %+v %+v", sh[0], dh[0])
	}
	for _, e := range []string{"collections", "articles", "internal_articles", "news_items", "custom_objects"} {
		if dst.Count(e) != 0 {
			t.Errorf("empty workspace has %d %s", dst.Count(e), e)
		}
		if src.Count(e) == 0 {
			t.Errorf("seeded workspace has no %s", e)
		}
	}
	if dst.Count("help_centers") != 2 || dst.Count("newsfeeds") != 3 {
		t.Errorf("empty workspace: %d help centers, %d newsfeeds", dst.Count("help_centers"), dst.Count("newsfeeds"))
	}
	for _, typ := range dst.CustomObjectTypes() {
		ok, _, err := dc.CustomObjectInstances.TypeExists(ctx, typ)
		if err != nil || !ok {
			t.Errorf("TypeExists(%s) = %v, %v", typ, ok, err)
		}
	}
	if ok, _, err := dc.CustomObjectInstances.TypeExists(ctx, "Nope"); err != nil || ok {
		t.Errorf("TypeExists(Nope) = %v, %v", ok, err)
	}
	if !dst.RemoveHelpCenter(dst.HelpCenterIdentifiers()[1]) || dst.Count("help_centers") != 1 {
		t.Error("RemoveHelpCenter")
	}
	if !dst.RemoveNewsfeed(dst.NewsfeedNames()[0]) || dst.Count("newsfeeds") != 2 {
		t.Error("RemoveNewsfeed")
	}
	typ := dst.CustomObjectTypes()[0]
	if !dst.RemoveCustomObjectType(typ) {
		t.Error("RemoveCustomObjectType")
	}
	if ok, _, err := dc.CustomObjectInstances.TypeExists(ctx, typ); err != nil || ok {
		t.Errorf("removed type: TypeExists = %v, %v", ok, err)
	}
}

func errStatus(err error) int {
	var er *intercom.ErrorResponse
	if errors.As(err, &er) {
		return er.StatusCode
	}
	return 0
}

// TestCollectionRules: the tree (three deep), help centers, translations,
// moves and deletes.
func TestCollectionRules(t *testing.T) {
	ctx := context.Background()
	sb, c, _ := contentSandbox(t, intercomtest.Options{Seed: 2})
	hcs, _, _ := c.HelpCenter.ListHelpCenters(ctx)
	hc1, hc2 := contentInt64(hcs[0].ID), contentInt64(hcs[1].ID)
	top, _, err := c.HelpCenter.CreateCollection(ctx, &intercom.CollectionRequest{Name: "Billing", Description: intercom.Ptr("Money"),
		Translations: intercom.GroupTranslations{"fr": {Name: "Facturation"}}})
	if err != nil {
		t.Fatal(err)
	}
	if top.HelpCenterID != hc1 || top.ParentID != "" || top.Order != 1 || top.Translations["fr"].Name != "Facturation" ||
		top.Translations["en"].Name != "Billing" || top.Translations["en"].Description != "Money" {
		t.Fatalf("top: %+v", top)
	}
	sec, _, err := c.HelpCenter.CreateCollection(ctx, &intercom.CollectionRequest{Name: "Invoices", ParentID: &top.ID})
	if err != nil || sec.HelpCenterID != hc1 || sec.ParentID != top.ID {
		t.Fatalf("section: %+v %v", sec, err)
	}
	sub, _, err := c.HelpCenter.CreateCollection(ctx, &intercom.CollectionRequest{Name: "Refunds", ParentID: &sec.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		r    intercom.CollectionRequest
	}{
		{"fourth level", intercom.CollectionRequest{Name: "Too deep", ParentID: &sub.ID}},
		{"unknown parent", intercom.CollectionRequest{Name: "X", ParentID: intercom.Ptr("1")}},
		{"unknown help center", intercom.CollectionRequest{Name: "X", HelpCenterID: intercom.Ptr(int64(1))}},
		{"other help center than the parent's", intercom.CollectionRequest{Name: "X", ParentID: &top.ID, HelpCenterID: &hc2}},
		{"unknown locale", intercom.CollectionRequest{Name: "X", Translations: intercom.GroupTranslations{"xx": {Name: "X"}}}},
	} {
		if _, _, err := c.HelpCenter.CreateCollection(ctx, &tc.r); errStatus(err) != 400 {
			t.Errorf("%s: %v, want 400", tc.name, err)
		}
	}
	other, _, err := c.HelpCenter.CreateCollection(ctx, &intercom.CollectionRequest{Name: "API", HelpCenterID: &hc2})
	if err != nil || other.HelpCenterID != hc2 {
		t.Fatalf("second help center: %+v %v", other, err)
	}
	// Moving a subtree under another parent: depth is checked, help center follows.
	if _, _, err := c.HelpCenter.UpdateCollection(ctx, top.ID, &intercom.CollectionRequest{ParentID: &other.ID}); errStatus(err) != 400 {
		t.Errorf("moving a three-deep tree one level down: %v", err)
	}
	if _, _, err := c.HelpCenter.UpdateCollection(ctx, top.ID, &intercom.CollectionRequest{ParentID: &sub.ID}); errStatus(err) != 400 {
		t.Errorf("cycle: %v", err)
	}
	moved, _, err := c.HelpCenter.UpdateCollection(ctx, sec.ID, &intercom.CollectionRequest{ParentID: &other.ID,
		Translations: intercom.GroupTranslations{"de": {Name: "Rechnungen"}}})
	if err != nil || moved.HelpCenterID != hc2 || moved.ParentID != other.ID || moved.Translations["de"] == nil {
		t.Fatalf("move: %+v %v", moved, err)
	}
	if got, _, _ := c.HelpCenter.GetCollection(ctx, sub.ID); got.HelpCenterID != hc2 {
		t.Errorf("the moved section's child stayed in help center %d", got.HelpCenterID)
	}
	if _, _, err := c.HelpCenter.DeleteCollection(ctx, other.ID); err != nil {
		t.Fatal(err)
	}
	if sb.Count("collections") != 1 {
		t.Errorf("%d collections left, want 1 (the subtree goes)", sb.Count("collections"))
	}
	if _, _, err := c.HelpCenter.GetCollection(ctx, sub.ID); errStatus(err) != 404 {
		t.Errorf("deleted: %v", err)
	}
}

func contentInt64(s string) int64 {
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil {
		panic(err)
	}
	return n
}

// TestArticleRules: translations with their own authors and states,
// normalised bodies, teammates only, merges on update, search, order.
func TestArticleRules(t *testing.T) {
	ctx := context.Background()
	_, c, a := contentSandbox(t, intercomtest.Options{Seed: 2})
	admins, _, _ := c.Admins.List(ctx)
	me, other := contentInt64(admins[0].ID), contentInt64(admins[1].ID)
	col, _, err := c.HelpCenter.CreateCollection(ctx, &intercom.CollectionRequest{Name: "Billing"})
	if err != nil {
		t.Fatal(err)
	}
	art, _, err := c.Articles.Create(ctx, &intercom.ArticleRequest{Title: "Refunds", Body: intercom.Ptr("Ask us."), AuthorID: me,
		State: intercom.ArticlePublished, ParentID: col.ID, ParentType: "collection",
		Translations: intercom.ArticleTranslations{"fr": {Title: "Remboursements", Body: "<p>Demandez.</p>", AuthorID: other}}})
	if err != nil {
		t.Fatal(err)
	}
	fr := art.Translations["fr"]
	if art.Body != `<p class="no-margin">Ask us.</p>` || fr == nil || fr.Body != `<p class="no-margin">Demandez.</p>` ||
		fr.AuthorID != other || fr.State != intercom.ArticleDraft || art.ParentID != contentInt64(col.ID) ||
		art.Translations["en"].Title != "Refunds" || art.URL == "" || fr.URL != "" || art.Statistics == nil {
		t.Fatalf("created %+v, fr %+v", art, fr)
	}
	for _, tc := range []struct {
		name string
		body any
	}{
		{"author not a teammate", map[string]any{"title": "X", "author_id": 1}},
		{"no author", map[string]any{"title": "X"}},
		{"translation by a stranger", map[string]any{"title": "X", "author_id": me, "translated_content": map[string]any{"fr": map[string]any{"title": "X", "author_id": 1}}}},
		{"unknown locale", map[string]any{"title": "X", "author_id": me, "translated_content": map[string]any{"klingon": map[string]any{"title": "X"}}}},
		{"unknown parent", map[string]any{"title": "X", "author_id": me, "parent_id": 1}},
		{"bad state", map[string]any{"title": "X", "author_id": me, "state": "gone"}},
	} {
		if r := a.do("POST", "/articles", tc.body); r.status != 400 {
			t.Errorf("%s: %d %s", tc.name, r.status, r.body)
		}
	}
	time.Sleep(1100 * time.Millisecond) // updated_at moves in seconds
	up, _, err := c.Articles.Update(ctx, art.ID, &intercom.ArticleRequest{
		Translations: intercom.ArticleTranslations{"fr": {State: intercom.ArticlePublished}, "de": {Title: "Erstattungen", AuthorID: other}}})
	if err != nil {
		t.Fatal(err)
	}
	if up.Translations["fr"].State != intercom.ArticlePublished || up.Translations["fr"].Title != "Remboursements" ||
		up.Translations["de"] == nil || up.Title != "Refunds" || up.State != intercom.ArticlePublished || up.UpdatedAt <= art.UpdatedAt {
		t.Fatalf("updated %+v", up)
	}
	second, _, err := c.Articles.Create(ctx, &intercom.ArticleRequest{Title: "Standalone", AuthorID: me})
	if err != nil || second.ParentID != 0 || second.State != intercom.ArticleDraft || second.URL != "" {
		t.Fatalf("standalone: %+v %v", second, err)
	}
	l, _, err := c.Articles.List(ctx, &intercom.PageNumberOptions{PerPage: 1})
	if err != nil || len(l.Data) != 1 || l.Data[0].ID != second.ID || l.Pages.TotalPages != 2 || l.Pages.NextPage() != 2 {
		t.Fatalf("list: %+v %v", l, err)
	}
	found, _, err := c.Articles.Search(ctx, intercom.ArticleSearchOptions{Phrase: "demandez", State: "all"})
	if err != nil || len(found) != 1 || found[0].ID != art.ID {
		t.Fatalf("search: %v %v", found, err)
	}
	if found, _, _ := c.Articles.Search(ctx, intercom.ArticleSearchOptions{Phrase: "standalone", State: "published"}); len(found) != 0 {
		t.Errorf("search found a draft as published")
	}
	moved, _, err := c.Articles.Update(ctx, second.ID, &intercom.ArticleRequest{ParentID: col.ID})
	if err != nil || moved.ParentID != contentInt64(col.ID) || !slices.Equal(moved.ParentIDs, []int64{contentInt64(col.ID)}) {
		t.Fatalf("move: %+v %v", moved, err)
	}
	if _, _, err := c.Articles.Delete(ctx, second.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Articles.Get(ctx, second.ID); errStatus(err) != 404 {
		t.Errorf("deleted: %v", err)
	}
}

// TestInternalArticleRules: owners and authors are teammates; locale kept.
func TestInternalArticleRules(t *testing.T) {
	ctx := context.Background()
	_, c, a := contentSandbox(t, intercomtest.Options{Seed: 2})
	admins, _, _ := c.Admins.List(ctx)
	me := contentInt64(admins[0].ID)
	ia, _, err := c.InternalArticles.Create(ctx, &intercom.InternalArticleRequest{Title: "Refund policy", Body: intercom.Ptr("<p>x</p>"), AuthorID: me, OwnerID: me, Locale: "fr"})
	if err != nil || ia.Locale != "fr" || ia.Body != "<p>x</p>" {
		t.Fatalf("%+v %v", ia, err)
	}
	if r := a.do("POST", "/internal_articles", map[string]any{"title": "X", "author_id": me, "owner_id": 1}); r.status != 400 {
		t.Errorf("stranger owner: %d", r.status)
	}
	if r := a.do("POST", "/internal_articles", map[string]any{"title": "X", "author_id": me}); r.status != 400 {
		t.Errorf("no owner: %d", r.status)
	}
	up, _, err := c.InternalArticles.Update(ctx, ia.ID, &intercom.InternalArticleRequest{Title: "Refunds"})
	if err != nil || up.Title != "Refunds" || up.Locale != "fr" {
		t.Fatalf("%+v %v", up, err)
	}
	l, _, err := c.InternalArticles.List(ctx, nil)
	if err != nil || l.TotalCount != 1 {
		t.Fatalf("%+v %v", l, err)
	}
	r := a.must(200, "GET", "/internal_articles/search", nil).obj(t)
	if r["total_count"].(float64) != 1 {
		t.Errorf("search: %v", r)
	}
	if _, _, err := c.InternalArticles.Delete(ctx, ia.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.InternalArticles.Get(ctx, ia.ID); errStatus(err) != 404 {
		t.Errorf("deleted: %v", err)
	}
}

// TestNewsRules: senders, states, assignments and publish dates, reactions.
func TestNewsRules(t *testing.T) {
	ctx := context.Background()
	sb, c, a := contentSandbox(t, intercomtest.Options{Seed: 2})
	admins, _, _ := c.Admins.List(ctx)
	me := contentInt64(admins[0].ID)
	feeds, _, err := c.News.ListNewsfeeds(ctx, nil)
	if err != nil || len(feeds.Data) != 3 {
		t.Fatalf("%+v %v", feeds, err)
	}
	f1, f2 := contentInt64(feeds.Data[0].ID), contentInt64(feeds.Data[1].ID)
	draft, _, err := c.News.CreateItem(ctx, &intercom.NewsItemRequest{Title: "Dark mode", SenderID: me,
		NewsfeedAssignments: []intercom.NewsfeedAssignment{{NewsfeedID: f1, PublishedAt: 1600000000}}})
	if err != nil {
		t.Fatal(err)
	}
	if draft.State != intercom.NewsDraft || len(draft.Reactions) != 3 || draft.NewsfeedAssignments[0].PublishedAt != 0 {
		t.Fatalf("draft %+v", draft)
	}
	past := time.Now().Add(-48 * time.Hour).Unix()
	live, _, err := c.News.CreateItem(ctx, &intercom.NewsItemRequest{Title: "Exports", SenderID: me, State: intercom.NewsLive,
		Labels: []string{"New", "Product"}, Reactions: []string{}, DeliverSilently: intercom.Ptr(true),
		NewsfeedAssignments: []intercom.NewsfeedAssignment{{NewsfeedID: f1, PublishedAt: past}, {NewsfeedID: f2}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(live.Reactions) != 0 || !live.DeliverSilently || !slices.Equal(live.Labels, []string{"New", "Product"}) ||
		live.NewsfeedAssignments[0].PublishedAt != past || live.NewsfeedAssignments[1].PublishedAt == 0 {
		t.Fatalf("live %+v", live)
	}
	for _, tc := range []struct {
		name string
		body any
	}{
		{"sender not a teammate", map[string]any{"title": "X", "sender_id": 1}},
		{"no sender", map[string]any{"title": "X"}},
		{"unknown feed", map[string]any{"title": "X", "sender_id": me, "newsfeed_assignments": []any{map[string]any{"newsfeed_id": 1}}}},
		{"publish date in the future", map[string]any{"title": "X", "sender_id": me, "state": "live",
			"newsfeed_assignments": []any{map[string]any{"newsfeed_id": f1, "published_at": time.Now().Add(time.Hour).Unix()}}}},
	} {
		if r := a.do("POST", "/news/news_items", tc.body); r.status != 400 {
			t.Errorf("%s: %d %s", tc.name, r.status, r.body)
		}
	}
	up, _, err := c.News.UpdateItem(ctx, draft.ID, &intercom.NewsItemRequest{Title: draft.Title, SenderID: me, State: intercom.NewsLive})
	if err != nil || up.NewsfeedAssignments[0].PublishedAt == 0 || len(up.Reactions) != 3 {
		t.Fatalf("went live: %+v %v", up, err)
	}
	onF1, _, err := c.News.ListLiveItems(ctx, feeds.Data[0].ID, nil)
	if err != nil || onF1.TotalCount != 2 {
		t.Fatalf("live on feed: %+v %v", onF1, err)
	}
	if _, _, err := c.News.GetNewsfeed(ctx, feeds.Data[2].ID); err != nil {
		t.Fatal(err)
	}
	if !sb.RemoveNewsfeed(feeds.Data[0].Name) {
		t.Fatal("RemoveNewsfeed")
	}
	if got, _, _ := c.News.GetItem(ctx, live.ID); len(got.NewsfeedAssignments) != 1 {
		t.Errorf("assignments to a removed feed remain: %+v", got.NewsfeedAssignments)
	}
	if _, _, err := c.News.DeleteItem(ctx, live.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.News.GetItem(ctx, live.ID); errStatus(err) != 404 {
		t.Errorf("deleted: %v", err)
	}
}

// TestCustomObjectRules: the upsert by external id, typed attributes, the
// list, lookups and deletes, and unknown types.
func TestCustomObjectRules(t *testing.T) {
	ctx := context.Background()
	sb, c, a := contentSandbox(t, intercomtest.Options{Seed: 2})
	typ := sb.CustomObjectTypes()[0]
	attrs := map[string]string{}
	for _, tpl := range []struct{ typ, attr, kind string }{
		{"Order", "order_number", "string"}, {"Order", "items", "integer"}, {"Subscription", "plan", "string"}, {"Subscription", "seats", "integer"},
		{"Device", "serial", "string"}, {"Device", "registered", "boolean"}, {"Booking", "reference", "string"}, {"Booking", "guests", "integer"},
	} {
		if tpl.typ == typ {
			attrs[tpl.kind] = tpl.attr
		}
	}
	if _, _, err := c.CustomObjectInstances.CreateOrUpdate(ctx, "Nope", &intercom.CustomObjectInstanceRequest{ExternalID: "x"}); !intercom.IsTypeNotFound(err) {
		t.Fatalf("unknown type: %v", err)
	}
	created, _, err := c.CustomObjectInstances.CreateOrUpdate(ctx, typ, &intercom.CustomObjectInstanceRequest{ExternalID: "e1",
		ExternalCreatedAt: intercom.Ptr(int64(1500000000)), CustomAttributes: map[string]any{attrs["string"]: "A-1"}})
	if err != nil || created.Type != typ || created.CustomAttributes[attrs["string"]] != "A-1" || created.ExternalCreatedAt != 1500000000 {
		t.Fatalf("%+v %v", created, err)
	}
	again, _, err := c.CustomObjectInstances.CreateOrUpdate(ctx, typ, &intercom.CustomObjectInstanceRequest{ExternalID: "e1",
		CustomAttributes: map[string]any{attrs["string"]: nil}})
	// The same instance; the attribute sent as null is unset, and so is
	// external_created_at (the client sends a nil timestamp as null).
	if err != nil || again.ID != created.ID || len(again.CustomAttributes) != 0 || again.ExternalCreatedAt != 0 {
		t.Fatalf("upsert: %+v %v", again, err)
	}
	if r := a.must(200, "POST", "/custom_object_instances/"+typ, map[string]any{"external_id": "e1", "external_updated_at": 1600000000}).obj(t); r["external_updated_at"].(float64) != 1600000000 || r["external_created_at"] != nil {
		t.Fatalf("a timestamp left out is kept, one sent is set: %v", r)
	}
	if sb.Count("custom_objects") != 1 {
		t.Fatalf("the upsert created a second instance")
	}
	for _, body := range []any{
		map[string]any{"custom_attributes": map[string]any{}},
		map[string]any{"external_id": "e2", "custom_attributes": map[string]any{"nope": "x"}},
		map[string]any{"external_id": "e2", "custom_attributes": map[string]any{attrs["integer"]: "three"}},
		map[string]any{"external_id": "e2", "custom_attributes": map[string]any{attrs["integer"]: 2.5}},
	} {
		if r := a.do("POST", "/custom_object_instances/"+typ, body); r.status != 400 {
			t.Errorf("%v: %d %s", body, r.status, r.body)
		}
	}
	for i := 2; i <= 5; i++ {
		if _, _, err := c.CustomObjectInstances.CreateOrUpdate(ctx, typ, &intercom.CustomObjectInstanceRequest{ExternalID: fmt.Sprintf("e%d", i),
			CustomAttributes: map[string]any{attrs["integer"]: i}}); err != nil {
			t.Fatal(err)
		}
	}
	all := collectAll(t, c.CustomObjectInstances.All(ctx, typ, &intercom.PageNumberOptions{PerPage: 2}))
	var exts []string
	for _, o := range all {
		exts = append(exts, o.ExternalID)
	}
	sort.Strings(exts)
	if !slices.Equal(exts, []string{"e1", "e2", "e3", "e4", "e5"}) {
		t.Fatalf("list: %v", exts)
	}
	if got, _, err := c.CustomObjectInstances.FindByExternalID(ctx, typ, "e3"); err != nil || fmt.Sprint(got.CustomAttributes[attrs["integer"]]) != "3" {
		t.Fatalf("find: %+v %v", got, err)
	}
	if _, _, err := c.CustomObjectInstances.FindByExternalID(ctx, typ, "nope"); errStatus(err) != 404 || intercom.IsTypeNotFound(err) {
		t.Errorf("missing instance: %v", err)
	}
	if got, _, err := c.CustomObjectInstances.Get(ctx, typ, "e2"); err != nil || got.ExternalID != "e2" {
		t.Errorf("get by external id: %+v %v", got, err)
	}
	if got, _, err := c.CustomObjectInstances.Get(ctx, typ, created.ID); err != nil || got.ExternalID != "e1" {
		t.Errorf("get by id: %+v %v", got, err)
	}
	if _, _, err := c.CustomObjectInstances.DeleteByExternalID(ctx, typ, "e2"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.CustomObjectInstances.Delete(ctx, typ, created.ID); err != nil {
		t.Fatal(err)
	}
	if sb.Count("custom_objects") != 3 {
		t.Errorf("%d instances left, want 3", sb.Count("custom_objects"))
	}
	if r := a.do("GET", "/custom_object_instances/"+typ+"?per_page=151", nil); r.status != 400 {
		t.Errorf("per_page 151: %d", r.status)
	}
}
