package verify

import (
	"slices"
	"strconv"
	"testing"

	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/pkg/intercom"
)

func (f *fixture) adminID(c *intercom.Client, i int) int64 {
	return *f.owner(c, i)
}

func (f *fixture) check(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

// TestHelpCenterContent: collections (tree and translations) and articles
// (every locale, state, author) compared through the id maps, each kind of
// difference named.
func TestHelpCenterContent(t *testing.T) {
	f := newFixture(t)
	o := Options{Source: f.src, Dest: f.dst, Store: f.st, Migration: "m"}
	sh, _, err := f.src.HelpCenter.ListHelpCenters(f.ctx)
	f.check(err)
	dh, _, err := f.dst.HelpCenter.ListHelpCenters(f.ctx)
	f.check(err)
	f.check(f.st.MapSet(f.ctx, "m", migrate.MapHelpCenters, map[string]string{sh[0].ID: dh[0].ID, sh[1].ID: dh[1].ID}))
	if r, err := HelpCenters(f.ctx, o); err != nil || r.Matched != 2 || !r.Informational {
		t.Fatalf("help centers %+v %v", r, err)
	}

	cols := map[string]string{}
	mk := func(name, srcParent, dstParent string, dstName string) (string, string) {
		s, _, err := f.src.HelpCenter.CreateCollection(f.ctx, &intercom.CollectionRequest{Name: name, ParentID: ptrOrNil(srcParent),
			Translations: intercom.GroupTranslations{"fr": {Name: "fr " + name}}})
		f.check(err)
		d, _, err := f.dst.HelpCenter.CreateCollection(f.ctx, &intercom.CollectionRequest{Name: dstName, ParentID: ptrOrNil(dstParent),
			Translations: intercom.GroupTranslations{"fr": {Name: "fr " + name}}})
		f.check(err)
		cols[s.ID] = d.ID
		return s.ID, d.ID
	}
	top1s, top1d := mk("Billing", "", "", "Billing")
	top2s, top2d := mk("Account", "", "", "Account")
	secS, _ := mk("Invoices", top1s, top2d, "Invoices") // under another parent: the tree differs
	_, _ = mk("Refunds", top2s, top2d, "Refunds!")      // another name
	f.check(f.st.MapSet(f.ctx, "m", migrate.PhaseCollections, cols))
	r, err := Collections(f.ctx, o)
	f.check(err)
	if r.Source != 4 || r.Matched != 2 || r.Different != 2 || r.Equal() {
		t.Fatalf("collections %+v", r)
	}
	for _, d := range r.Diffs {
		want := []string{"name"}
		if d.SourceID == secS {
			want = []string{"parent"}
		}
		if !slices.Equal(d.Fields, want) {
			t.Errorf("collection %s differs in %v, want %v", d.SourceID, d.Fields, want)
		}
	}

	me, other := f.adminID(f.src, 0), f.adminID(f.src, 1)
	dme, dother := f.adminID(f.dst, 0), f.adminID(f.dst, 1)
	article := func(c *intercom.Client, parent string, author, frAuthor int64, frState string) string {
		a, _, err := c.Articles.Create(f.ctx, &intercom.ArticleRequest{Title: "Refunds", Body: intercom.Ptr("Ask us."), AuthorID: author,
			State: intercom.ArticlePublished, ParentID: parent,
			Translations: intercom.ArticleTranslations{"fr": {Title: "Remboursements", Body: "<p>Demandez.</p>", AuthorID: frAuthor, State: frState}}})
		f.check(err)
		return a.ID
	}
	arts := map[string]string{}
	same := article(f.src, top1s, me, other, "draft")
	arts[same] = article(f.dst, top1d, dme, dother, "draft")
	frState := article(f.src, top1s, me, other, "draft")
	arts[frState] = article(f.dst, top1d, dme, dother, "published")
	author := article(f.src, top1s, me, other, "draft")
	arts[author] = article(f.dst, top1d, dother, dother, "draft")
	missing := article(f.src, "", me, me, "published")
	article(f.dst, "", dme, dme, "published") // extra
	f.check(f.st.MapSet(f.ctx, "m", migrate.PhaseArticles, arts))
	r, err = Articles(f.ctx, o)
	f.check(err)
	if r.Source != 4 || r.Destination != 4 || r.Matched != 1 || r.Different != 2 || r.Missing != 1 || r.Extra != 1 {
		t.Fatalf("articles %+v", r)
	}
	if !slices.Equal(r.MissingIDs, []string{missing}) {
		t.Errorf("missing %v", r.MissingIDs)
	}
	want := map[string][]string{frState: {"translated_content.fr.state"}, author: {"author"}}
	for _, d := range r.Diffs {
		if !slices.Equal(d.Fields, want[d.SourceID]) {
			t.Errorf("article %s differs in %v, want %v", d.SourceID, d.Fields, want[d.SourceID])
		}
	}
}

func ptrOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// TestNewsAndCustomObjects: news items (newsfeeds mapped, sender, reactions)
// and custom object instances of the named types.
func TestNewsAndCustomObjects(t *testing.T) {
	f := newFixture(t)
	o := Options{Source: f.src, Dest: f.dst, Store: f.st, Migration: "m"}
	sf, _, err := f.src.News.ListNewsfeeds(f.ctx, nil)
	f.check(err)
	df, _, err := f.dst.News.ListNewsfeeds(f.ctx, nil)
	f.check(err)
	feeds := map[string]string{}
	for i := range sf.Data {
		feeds[sf.Data[i].ID] = df.Data[i].ID
	}
	f.check(f.st.MapSet(f.ctx, "m", migrate.MapNewsfeeds, feeds))
	if r, err := Newsfeeds(f.ctx, o); err != nil || r.Matched != 3 || !r.Informational {
		t.Fatalf("newsfeeds %+v %v", r, err)
	}
	feed := func(l *intercom.NewsfeedList, i int) int64 { n, _ := strconv.ParseInt(l.Data[i].ID, 10, 64); return n }
	item := func(c *intercom.Client, sender int64, l *intercom.NewsfeedList, feedIdx int, reactions []string) string {
		it, _, err := c.News.CreateItem(f.ctx, &intercom.NewsItemRequest{Title: "Dark mode", SenderID: sender, State: intercom.NewsLive,
			Reactions: reactions, NewsfeedAssignments: []intercom.NewsfeedAssignment{{NewsfeedID: feed(l, feedIdx), PublishedAt: 1_600_000_000}}})
		f.check(err)
		return it.ID
	}
	me, dme := f.adminID(f.src, 0), f.adminID(f.dst, 0)
	items := map[string]string{}
	same := item(f.src, me, sf, 0, []string{"👍"})
	items[same] = item(f.dst, dme, df, 0, []string{"👍"})
	otherFeed := item(f.src, me, sf, 0, []string{"👍"})
	items[otherFeed] = item(f.dst, dme, df, 1, []string{"👍"})
	noReactions := item(f.src, me, sf, 0, []string{})
	items[noReactions] = item(f.dst, dme, df, 0, nil) // Intercom's default set
	f.check(f.st.MapSet(f.ctx, "m", migrate.PhaseNewsItems, items))
	r, err := NewsItems(f.ctx, o)
	f.check(err)
	if r.Matched != 1 || r.Different != 2 {
		t.Fatalf("news %+v", r)
	}
	want := map[string][]string{otherFeed: {"newsfeeds"}, noReactions: {"reactions"}}
	for _, d := range r.Diffs {
		if !slices.Equal(d.Fields, want[d.SourceID]) {
			t.Errorf("news item %s differs in %v, want %v", d.SourceID, d.Fields, want[d.SourceID])
		}
	}

	// Custom objects: none named, an informational row; then one type.
	if r, err := CustomObjects(f.ctx, o); err != nil || !r.Informational || r.Source != 0 {
		t.Fatalf("custom objects without types: %+v %v", r, err)
	}
	var typ, attr string
	for _, try := range []struct{ typ, attr string }{{"Order", "order_number"}, {"Subscription", "plan"}, {"Device", "serial"}, {"Booking", "reference"}} {
		if ok, _, _ := f.src.CustomObjectInstances.TypeExists(f.ctx, try.typ); ok {
			typ, attr = try.typ, try.attr
			break
		}
	}
	f.check(migrate.SetCustomObjectTypes(f.ctx, f.st, "m", []string{typ}))
	insts := map[string]string{}
	put := func(c *intercom.Client, ext, v string) string {
		o, _, err := c.CustomObjectInstances.CreateOrUpdate(f.ctx, typ, &intercom.CustomObjectInstanceRequest{ExternalID: ext, CustomAttributes: map[string]any{attr: v}})
		f.check(err)
		return typ + "/" + o.ID
	}
	insts[put(f.src, "a", "1")] = put(f.dst, "a", "1")
	diff := put(f.src, "b", "2")
	insts[diff] = put(f.dst, "b", "3")
	put(f.src, "c", "4") // missing
	f.check(f.st.MapSet(f.ctx, "m", migrate.PhaseCustomObjects, insts))
	r, err = CustomObjects(f.ctx, o)
	f.check(err)
	if r.Informational || r.Source != 3 || r.Matched != 1 || r.Different != 1 || r.Missing != 1 || r.Extra != 0 {
		t.Fatalf("custom objects %+v", r)
	}
	if d := r.Diffs[0]; d.SourceID != diff || !slices.Equal(d.Fields, []string{"custom_attributes." + attr}) {
		t.Errorf("diff %+v", d)
	}
}
