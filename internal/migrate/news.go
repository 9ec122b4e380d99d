package migrate

import (
	"context"
	"strconv"
	"strings"

	"go.uber.org/zap"

	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// News: newsfeeds are matched by name (the API cannot create them), then
// news items are created with their sender (a teammate), state, labels,
// reactions, silent delivery and their places on newsfeeds with the
// original publish dates.

// Phase and maps of news.
const (
	PhaseNewsItems = "news_items"
	// MapNewsfeeds maps source newsfeed ids to destination ones.
	MapNewsfeeds = "newsfeeds"
)

// Notes of the news phase (store.Notes).
const (
	// NoteNewsfeedsMissing lists the names of source newsfeeds with no
	// destination newsfeed of the same name.
	NoteNewsfeedsMissing = "newsfeeds_missing"
	// NoteNewsAssignmentsDropped lists "item:newsfeed" (source ids): news
	// items migrated without their place on a missing newsfeed.
	NoteNewsAssignmentsDropped = "news_assignments_dropped"
)

func init() { registerPhase(orderNews, PhaseNewsItems, runNewsPage) }

// runNewsPage migrates one page of news items (runNumbered); the first
// unit matches the newsfeeds before it indexes what the destination holds.
func runNewsPage(ctx context.Context, j *job) (bool, error) {
	return runNumbered(ctx, j, numberedPhase[*intercom.NewsItemList, *intercom.NewsItem]{
		entity: PhaseNewsItems, list: j.src.News.ListItems, all: j.dst.News.AllItems, parents: MapNewsfeeds,
		page: func(l *intercom.NewsItemList) ([]*intercom.NewsItem, int, *intercom.NumberedPages) {
			return l.Data, l.TotalCount, l.Pages
		},
		id:    newsItemID,
		key:   func(it *intercom.NewsItem) string { return newsKey(it.Title, it.SenderID) },
		first: matchNewsfeeds,
		write: migrateNewsItem,
	})
}

func newsItemID(it *intercom.NewsItem) string { return it.ID }

func newsKey(title string, sender int64) string {
	return natKey(title, strconv.FormatInt(sender, 10))
}

// matchNewsfeeds maps source newsfeeds to destination ones of the same
// name (case-insensitive); feeds that share a name are paired in order.
func matchNewsfeeds(ctx context.Context, j *job) error {
	dst := map[string][]string{}
	for f, err := range j.dst.News.AllNewsfeeds(ctx) {
		if err != nil {
			return dstErr(err)
		}
		k := strings.ToLower(strings.TrimSpace(f.Name))
		dst[k] = append(dst[k], f.ID)
	}
	pairs := map[string]string{}
	var missing []string
	for f, err := range j.src.News.AllNewsfeeds(ctx) {
		if err != nil {
			return srcErr(err)
		}
		k := strings.ToLower(strings.TrimSpace(f.Name))
		if len(dst[k]) == 0 {
			missing = append(missing, f.Name)
			continue
		}
		pairs[f.ID] = dst[k][0]
		dst[k] = dst[k][1:]
	}
	j.count("newsfeeds_matched", int64(len(pairs)))
	j.count("newsfeeds_missing", int64(len(missing)))
	if err := j.e.store.MapSet(ctx, j.m.ID, MapNewsfeeds, pairs); err != nil {
		return err
	}
	return j.e.store.Note(ctx, j.m.ID, NoteNewsfeedsMissing, missing...)
}

// newsItemRequest is a source news item as the destination gets it, and
// the newsfeeds it loses (missing in the destination).
func newsItemRequest(it *intercom.NewsItem, sender int64, feeds map[string]string) (*intercom.NewsItemRequest, []string) {
	state := it.State
	if state == "" {
		state = intercom.NewsDraft
	}
	r := &intercom.NewsItemRequest{Title: it.Title, Body: intercom.Ptr(it.Body), SenderID: sender, State: state,
		DeliverSilently: intercom.Ptr(it.DeliverSilently),
		// Lists are sent even when empty: no reactions means reactions off,
		// where a missing list would get Intercom's default set.
		Labels: nonEmpty(it.Labels), Reactions: nonEmpty(it.Reactions), NewsfeedAssignments: []intercom.NewsfeedAssignment{}}
	var dropped []string
	for _, a := range it.NewsfeedAssignments {
		src := strconv.FormatInt(a.NewsfeedID, 10)
		d, ok := feeds[src]
		if !ok {
			dropped = append(dropped, src)
			continue
		}
		n, _ := strconv.ParseInt(d, 10, 64)
		na := intercom.NewsfeedAssignment{NewsfeedID: n}
		if state == intercom.NewsLive {
			na.PublishedAt = a.PublishedAt
		}
		r.NewsfeedAssignments = append(r.NewsfeedAssignments, na)
	}
	return r, dropped
}

// nonEmpty drops empty strings (Intercom's lists may hold nulls) and
// returns a non-nil list.
func nonEmpty(l []string) []string {
	out := []string{}
	for _, s := range l {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func migrateNewsItem(ctx context.Context, j *job, it *intercom.NewsItem, env pageEnv) error {
	const endpoint = "POST /news/news_items"
	sender, ok := env.people.dest(it.SenderID)
	if !ok {
		return j.refuse(ctx, PhaseNewsItems, it.ID, endpoint, unmappedTeammate("sender", it.SenderID))
	}
	req, dropped := newsItemRequest(it, sender, env.mapped)
	key := newsKey(it.Title, sender)
	dstID, ok, err := writeIndexed(ctx, j, env, key, contentWrite[*intercom.NewsItem]{
		entity: PhaseNewsItems, srcID: it.ID, endpoint: endpoint, id: newsItemID,
		update: func(dstID string) (*intercom.NewsItem, *intercom.Response, error) {
			return j.dst.News.UpdateItem(ctx, dstID, req)
		},
		create: func() (*intercom.NewsItem, *intercom.Response, error) { return j.dst.News.CreateItem(ctx, req) },
		find: func(since int64) (string, error) {
			return recentCopy(ctx, j, PhaseNewsItems, it.ID, j.dst.News.AllItems(ctx, contentPages()),
				func(d *intercom.NewsItem) (string, bool, bool) {
					return d.ID, d.CreatedAt >= since && newsKey(d.Title, d.SenderID) == key, false
				})
		},
	})
	if err != nil || !ok {
		return err
	}
	if len(dropped) > 0 {
		notes := make([]string, len(dropped))
		for i, f := range dropped {
			notes[i] = it.ID + ":" + f
		}
		j.count("newsfeed_assignments_dropped", int64(len(dropped)))
		if err := j.e.store.Note(ctx, j.m.ID, NoteNewsAssignmentsDropped, notes...); err != nil {
			return err
		}
	}
	j.log.Debug("news item migrated", zap.String("source_id", it.ID), zap.String("dest_id", dstID))
	return j.mapped(ctx, PhaseNewsItems, it.ID, dstID)
}
