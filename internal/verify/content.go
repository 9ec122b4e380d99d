package verify

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// The help center, news and custom objects. Help centers and newsfeeds are
// matched, not migrated (the API cannot create them): their rows are
// informational. Collections, articles, internal articles, news items and
// custom object instances are compared field by field through the id maps:
// every locale of an article (title, description, body, state, author),
// the collection tree (each collection's parent, mapped), senders,
// authors and owners through the admins map.
//
// Bodies are compared as Intercom normalises article HTML (a paragraph of
// plain text, class "no-margin" on paragraphs), so that a body Intercom
// rewrote on write still matches its source.

func init() {
	Register(90, HelpCenters)
	Register(90, Collections)
	Register(91, Articles)
	Register(92, InternalArticles)
	Register(95, Newsfeeds)
	Register(95, NewsItems)
	Register(98, CustomObjects)
}

// HelpCenters reports how many source help centers have a destination help
// center of the same identifier or name (informational).
func HelpCenters(ctx context.Context, o Options) (Result, error) {
	src, _, err := o.Source.HelpCenter.ListHelpCenters(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("source help centers: %w", err)
	}
	dst, _, err := o.Dest.HelpCenter.ListHelpCenters(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("destination help centers: %w", err)
	}
	r := Result{Entity: "help_centers", Source: int64(len(src)), Destination: int64(len(dst)), Informational: true}
	for _, s := range src {
		found := false
		for _, d := range dst {
			if strings.EqualFold(s.Identifier, d.Identifier) || s.DisplayName != "" && strings.EqualFold(s.DisplayName, d.DisplayName) {
				found = true
				break
			}
		}
		if found {
			r.Matched++
		} else {
			r.Missing++
			r.MissingIDs = append(r.MissingIDs, s.Identifier)
		}
	}
	return r, nil
}

// Newsfeeds reports how many source newsfeeds have a destination newsfeed
// of the same name (informational).
func Newsfeeds(ctx context.Context, o Options) (Result, error) {
	return matchedByName(o, "newsfeeds", func(c *intercom.Client) (map[string]string, error) {
		out := map[string]string{}
		for f, err := range c.News.AllNewsfeeds(ctx) {
			if err != nil {
				return nil, err
			}
			out[strings.ToLower(strings.TrimSpace(f.Name))] = ""
		}
		return out, nil
	})
}

// normHTML is an article body as Intercom stores it.
func normHTML(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if !strings.HasPrefix(s, "<") {
		s = "<p>" + s + "</p>"
	}
	return strings.ReplaceAll(s, "<p>", `<p class="no-margin">`)
}

// teammate names a teammate as the destination knows it: the source's
// through the admins map (unmapped ones as "unmapped:<id>", so that they
// differ), the destination's as they are.
type teammate func(id int64) string

func teammateMaps(ctx context.Context, o Options) (src, dst teammate, err error) {
	admins, err := o.Store.MapAll(ctx, o.Migration, migrate.PhaseAdmins)
	if err != nil {
		return nil, nil, err
	}
	src = func(id int64) string {
		if id == 0 {
			return ""
		}
		if d, ok := admins[strconv.FormatInt(id, 10)]; ok {
			return d
		}
		return "unmapped:" + strconv.FormatInt(id, 10)
	}
	dst = func(id int64) string { return ts(id) }
	return src, dst, nil
}

// idMap is an id map of the store, read whole (help centers, collections,
// newsfeeds: small).
func idMap(ctx context.Context, o Options, name string) (func(string) string, error) {
	m, err := o.Store.MapAll(ctx, o.Migration, name)
	if err != nil {
		return nil, err
	}
	return func(id string) string {
		if id == "" || id == "0" {
			return ""
		}
		if d, ok := m[id]; ok {
			return d
		}
		return "unmapped:" + id
	}, nil
}

// streamed is one entity compared record by record through its id map.
type streamed[T any] struct {
	entity  string
	mapName string
	src     iter.Seq2[T, error]
	dst     iter.Seq2[T, error]
	// key is a source record's key in the id map, and a destination
	// record's as the map holds it.
	key     func(T) string
	srcProj func(context.Context, T) (projection, error)
	dstProj func(context.Context, T) (projection, error)
	// fetch reads a destination record again, to name differing fields.
	fetch func(ctx context.Context, key string) (T, *intercom.Response, error)
}

// pure is a projection that reads nothing more, so cannot fail.
func pure[T any](f func(T) projection) func(context.Context, T) (projection, error) {
	return func(_ context.Context, x T) (projection, error) { return f(x), nil }
}

// compareStreamed compares one entity's records: destination fingerprints
// in a temporary Redis hash, then the source streamed against it, a page at
// a time; what no source record claims is extra.
func compareStreamed[T any](ctx context.Context, o Options, c streamed[T]) (Result, error) {
	r := Result{Entity: c.entity}
	rdb := o.Store.Redis()
	tmp := fmt.Sprintf("icm:verify:%s:%s:%d", o.Migration, c.entity, time.Now().UnixNano())
	defer rdb.Del(context.WithoutCancel(ctx), tmp)
	if err := batches(c.dst, func(xs []T) error {
		fps := make(map[string]any, len(xs))
		for _, x := range xs {
			p, err := c.dstProj(ctx, x)
			if err != nil {
				return err
			}
			fps[c.key(x)] = p.fingerprint()
		}
		r.Destination += int64(len(xs))
		return rdb.HSet(ctx, tmp, fps).Err()
	}); err != nil {
		return r, fmt.Errorf("destination %s: %w", c.entity, err)
	}
	rdb.Expire(ctx, tmp, 24*time.Hour)
	if err := batches(c.src, func(xs []T) error {
		r.Source += int64(len(xs))
		keys := make([]string, len(xs))
		for i, x := range xs {
			keys[i] = c.key(x)
		}
		dstKeys, err := o.Store.MapGet(ctx, o.Migration, c.mapName, keys)
		if err != nil {
			return err
		}
		fps, err := hmget(ctx, rdb, tmp, dstKeys)
		if err != nil {
			return err
		}
		var claimed []string
		defer func() {
			if len(claimed) > 0 {
				rdb.HDel(ctx, tmp, claimed...)
			}
		}()
		for i, x := range xs {
			if dstKeys[i] == "" || fps[i] == "" {
				r.Missing++
				if len(r.MissingIDs) < maxListed {
					r.MissingIDs = append(r.MissingIDs, keys[i])
				}
				continue
			}
			claimed = append(claimed, dstKeys[i])
			want, err := c.srcProj(ctx, x)
			if err != nil {
				return err
			}
			if want.fingerprint() == fps[i] {
				r.Matched++
				continue
			}
			r.Different++
			if len(r.Diffs) < maxListed {
				got, _, err := c.fetch(ctx, dstKeys[i])
				if err != nil {
					return err
				}
				have, err := c.dstProj(ctx, got)
				if err != nil {
					return err
				}
				r.Diffs = append(r.Diffs, Diff{SourceID: keys[i], DestID: dstKeys[i], Fields: diffFields(want, have)})
			}
		}
		return nil
	}); err != nil {
		return r, fmt.Errorf("source %s: %w", c.entity, err)
	}
	extra, err := rdb.HLen(ctx, tmp).Result()
	if err != nil {
		return r, err
	}
	r.Extra = extra
	return r, nil
}

// batches groups a stream into batches of a page.
func batches[T any](seq iter.Seq2[T, error], fn func([]T) error) error {
	batch := make([]T, 0, intercom.MaxPerPage)
	for x, err := range seq {
		if err != nil {
			return err
		}
		batch = append(batch, x)
		if len(batch) == cap(batch) {
			if err := fn(batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		return fn(batch)
	}
	return nil
}

var contentPages = &intercom.PageNumberOptions{PerPage: 50}

// ---- collections ----

// Collections compares each collection's name, description, translations,
// parent (the tree) and, for top-level ones, help center.
func Collections(ctx context.Context, o Options) (Result, error) {
	hc, err := idMap(ctx, o, migrate.MapHelpCenters)
	if err != nil {
		return Result{}, err
	}
	col, err := idMap(ctx, o, migrate.PhaseCollections)
	if err != nil {
		return Result{}, err
	}
	proj := func(c *intercom.Collection, parent, helpCenter string) projection {
		p := projection{"name": c.Name, "description": c.Description, "parent": parent}
		if parent == "" {
			p["help_center"] = helpCenter
		}
		for loc, t := range c.Translations {
			if t == nil || loc == defaultLocaleOf(c.DefaultLocale) || t.Name == "" && t.Description == "" {
				continue
			}
			p["translated_content."+loc+".name"] = t.Name
			p["translated_content."+loc+".description"] = t.Description
		}
		return p
	}
	return compareStreamed(ctx, o, streamed[*intercom.Collection]{
		entity: "collections", mapName: migrate.PhaseCollections,
		src: o.Source.HelpCenter.AllCollections(ctx, contentPages),
		dst: o.Dest.HelpCenter.AllCollections(ctx, contentPages),
		key: func(c *intercom.Collection) string { return c.ID },
		srcProj: pure(func(c *intercom.Collection) projection {
			return proj(c, col(c.ParentID), hc(strconv.FormatInt(c.HelpCenterID, 10)))
		}),
		dstProj: pure(func(c *intercom.Collection) projection {
			return proj(c, c.ParentID, strconv.FormatInt(c.HelpCenterID, 10))
		}),
		fetch: o.Dest.HelpCenter.GetCollection,
	})
}

func defaultLocaleOf(l string) string {
	if l == "" {
		return "en"
	}
	return l
}

// ---- articles ----

// Articles compares every locale of each article (title, description,
// body, state, author) and its collection.
func Articles(ctx context.Context, o Options) (Result, error) {
	srcPeople, dstPeople, err := teammateMaps(ctx, o)
	if err != nil {
		return Result{}, err
	}
	col, err := idMap(ctx, o, migrate.PhaseCollections)
	if err != nil {
		return Result{}, err
	}
	proj := func(a *intercom.Article, people teammate, parent string) projection {
		p := projection{"title": a.Title, "description": a.Description, "body": normHTML(a.Body),
			"state": a.State, "author": people(a.AuthorID), "parent": parent}
		def := defaultLocaleOf(a.DefaultLocale)
		for loc, t := range a.Translations {
			if t == nil || loc == def || t.Title == "" && t.Body == "" && t.Description == "" {
				continue
			}
			author := t.AuthorID
			if author == 0 {
				author = a.AuthorID // a translation without its own author is the article's
			}
			pre := "translated_content." + loc + "."
			p[pre+"title"] = t.Title
			p[pre+"description"] = t.Description
			p[pre+"body"] = normHTML(t.Body)
			p[pre+"state"] = t.State
			p[pre+"author"] = people(author)
		}
		return p
	}
	parentOf := func(a *intercom.Article) string {
		if a.ParentID == 0 {
			return ""
		}
		return strconv.FormatInt(a.ParentID, 10)
	}
	return compareStreamed(ctx, o, streamed[*intercom.Article]{
		entity: "articles", mapName: migrate.PhaseArticles,
		src:     o.Source.Articles.All(ctx, contentPages),
		dst:     o.Dest.Articles.All(ctx, contentPages),
		key:     func(a *intercom.Article) string { return a.ID },
		srcProj: pure(func(a *intercom.Article) projection { return proj(a, srcPeople, col(parentOf(a))) }),
		dstProj: pure(func(a *intercom.Article) projection { return proj(a, dstPeople, parentOf(a)) }),
		fetch:   o.Dest.Articles.Get,
	})
}

// InternalArticles compares title, body, author, owner and locale.
func InternalArticles(ctx context.Context, o Options) (Result, error) {
	srcPeople, dstPeople, err := teammateMaps(ctx, o)
	if err != nil {
		return Result{}, err
	}
	proj := func(a *intercom.InternalArticle, people teammate) projection {
		return projection{"title": a.Title, "body": a.Body, "author": people(a.AuthorID), "owner": people(a.OwnerID), "locale": a.Locale}
	}
	return compareStreamed(ctx, o, streamed[*intercom.InternalArticle]{
		entity: "internal_articles", mapName: migrate.PhaseInternalArticles,
		src:     o.Source.InternalArticles.All(ctx, contentPages),
		dst:     o.Dest.InternalArticles.All(ctx, contentPages),
		key:     func(a *intercom.InternalArticle) string { return a.ID },
		srcProj: pure(func(a *intercom.InternalArticle) projection { return proj(a, srcPeople) }),
		dstProj: pure(func(a *intercom.InternalArticle) projection { return proj(a, dstPeople) }),
		fetch:   o.Dest.InternalArticles.Get,
	})
}

// ---- news ----

// NewsItems compares title, body, sender, state, silent delivery, labels,
// reactions (in order) and the newsfeeds with their publish dates.
func NewsItems(ctx context.Context, o Options) (Result, error) {
	srcPeople, dstPeople, err := teammateMaps(ctx, o)
	if err != nil {
		return Result{}, err
	}
	feed, err := idMap(ctx, o, migrate.MapNewsfeeds)
	if err != nil {
		return Result{}, err
	}
	proj := func(it *intercom.NewsItem, people teammate, feedOf func(string) string) projection {
		var feeds []string
		for _, a := range it.NewsfeedAssignments {
			f := feedOf(strconv.FormatInt(a.NewsfeedID, 10))
			if it.State == intercom.NewsLive {
				f += "@" + ts(a.PublishedAt)
			}
			feeds = append(feeds, f)
		}
		slices.Sort(feeds)
		nonEmpty := func(l []string) string {
			var out []string
			for _, s := range l {
				if s != "" {
					out = append(out, s)
				}
			}
			return strings.Join(out, "\x1f")
		}
		return projection{"title": it.Title, "body": it.Body, "sender": people(it.SenderID), "state": it.State,
			"deliver_silently": strconv.FormatBool(it.DeliverSilently), "labels": nonEmpty(it.Labels),
			"reactions": nonEmpty(it.Reactions), "newsfeeds": strings.Join(feeds, ",")}
	}
	return compareStreamed(ctx, o, streamed[*intercom.NewsItem]{
		entity: "news_items", mapName: migrate.PhaseNewsItems,
		src:     o.Source.News.AllItems(ctx, contentPages),
		dst:     o.Dest.News.AllItems(ctx, contentPages),
		key:     func(it *intercom.NewsItem) string { return it.ID },
		srcProj: pure(func(it *intercom.NewsItem) projection { return proj(it, srcPeople, feed) }),
		dstProj: pure(func(it *intercom.NewsItem) projection {
			return proj(it, dstPeople, func(id string) string { return id })
		}),
		fetch: o.Dest.News.GetItem,
	})
}

// ---- custom objects ----

// CustomObjects compares the instances of the types the migration names
// (the API cannot list types): external id, external timestamps and every
// attribute. Without named types it is informational and empty.
func CustomObjects(ctx context.Context, o Options) (Result, error) {
	types, err := migrate.CustomObjectTypes(ctx, o.Store, o.Migration)
	if err != nil {
		return Result{}, err
	}
	total := Result{Entity: "custom_objects", Informational: len(types) == 0}
	for _, typ := range types {
		src := o.Source.CustomObjectInstances.All(ctx, typ, &intercom.PageNumberOptions{PerPage: intercom.MaxPerPage})
		if ok, _, err := o.Source.CustomObjectInstances.TypeExists(ctx, typ); err != nil {
			return total, fmt.Errorf("source custom object type %s: %w", typ, err)
		} else if !ok {
			continue
		}
		dst := o.Dest.CustomObjectInstances.All(ctx, typ, &intercom.PageNumberOptions{PerPage: intercom.MaxPerPage})
		if ok, _, err := o.Dest.CustomObjectInstances.TypeExists(ctx, typ); err != nil {
			return total, fmt.Errorf("destination custom object type %s: %w", typ, err)
		} else if !ok {
			dst = func(func(*intercom.CustomObjectInstance, error) bool) {}
		}
		key := func(o *intercom.CustomObjectInstance) string { return typ + "/" + o.ID }
		r, err := compareStreamed(ctx, o, streamed[*intercom.CustomObjectInstance]{
			entity: "custom_objects", mapName: migrate.PhaseCustomObjects,
			src: src, dst: dst, key: key,
			srcProj: pure(customObjectProjection), dstProj: pure(customObjectProjection),
			fetch: func(ctx context.Context, k string) (*intercom.CustomObjectInstance, *intercom.Response, error) {
				return o.Dest.CustomObjectInstances.Get(ctx, typ, strings.TrimPrefix(k, typ+"/"))
			},
		})
		if err != nil {
			return total, err
		}
		total.merge(r)
	}
	total.Diffs = total.Diffs[:min(len(total.Diffs), maxListed)]
	total.MissingIDs = total.MissingIDs[:min(len(total.MissingIDs), maxListed)]
	return total, nil
}

func customObjectProjection(o *intercom.CustomObjectInstance) projection {
	p := projection{"external_id": o.ExternalID, "external_created_at": ts(o.ExternalCreatedAt), "external_updated_at": ts(o.ExternalUpdatedAt)}
	p.addCustomAttributes(o.CustomAttributes)
	return p
}
