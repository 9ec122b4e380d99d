package intercomtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// News: newsfeeds and news items.
//
// Modelled rules:
//   - Newsfeeds cannot be created or changed through the API. Every
//     workspace has three, seeded whatever Options.Contacts is, with names
//     that depend on the seed alone (RemoveNewsfeed plays an operator who
//     has not set one up).
//   - A news item needs a title and a sender, a teammate (400 else). Its
//     state is draft unless given. Its newsfeed_assignments name existing
//     newsfeeds (400 else, and a feed named twice counts once); a
//     published_at in the future is refused (400: Intercom schedules in its
//     UI only); a live item's assignment without published_at is published
//     now; a draft's published_at is ignored (the description says so), and
//     set when the item goes live.
//   - reactions left out on create get Intercom's default set; an empty
//     list turns reactions off. labels are kept in order.
//   - cover_image_url is not in the request schema: it is not written.
//   - Lists are paged by page and per_page: news items by id, newsfeeds by
//     id; a newsfeed's items are its live items, most recently published
//     first.

type newsfeed struct {
	id        int64
	name      string
	createdAt int64
	updatedAt int64
}

type newsAssignment struct {
	feed        int64
	publishedAt int64
}

type newsItem struct {
	id          int64
	title       string
	body        string
	sender      int64
	state       string
	assignments []newsAssignment
	labels      []string
	coverImage  string
	reactions   []string
	silent      bool
	createdAt   int64
	updatedAt   int64
}

type newsfeedStore struct {
	list []*newsfeed
	byID map[int64]*newsfeed
	ids  contentIDs
}

type newsItemStore struct {
	byID map[int64]*newsItem
	ids  contentIDs
}

func (s *Sandbox) newsfeeds() *newsfeedStore { return s.stores["newsfeeds"].(*newsfeedStore) }
func (s *Sandbox) newsItems() *newsItemStore { return s.stores["news_items"].(*newsItemStore) }

// defaultReactions are the reactions of a news item created without any.
var defaultReactions = []string{"😍", "😐", "😞"}

func init() {
	registerEntity(entityDef{
		name:     "newsfeeds",
		order:    95,
		newStore: func() any { return &newsfeedStore{byID: map[int64]*newsfeed{}} },
		seed:     seedNewsfeeds,
		count:    func(s *Sandbox) int { return len(s.newsfeeds().list) },
		records: func(s *Sandbox) []any {
			return recordsOf(s.newsfeeds().list, func(f *newsfeed) any { return newsfeedView(f) })
		},
		routes: []route{
			{method: "GET", path: "/news/newsfeeds", handler: listNewsfeeds},
			{method: "GET", path: "/news/newsfeeds/{newsfeed_id}", handler: getNewsfeed},
			{method: "GET", path: "/news/newsfeeds/{newsfeed_id}/items", handler: listNewsfeedItems},
		},
	})
	registerEntity(entityDef{
		name:     "news_items",
		order:    96,
		newStore: func() any { return &newsItemStore{byID: map[int64]*newsItem{}} },
		seed:     seedNewsItems,
		count:    func(s *Sandbox) int { return len(s.newsItems().byID) },
		records: func(s *Sandbox) []any {
			return contentRecords(s.newsItems().byID, func(x *newsItem) any { return s.newsItemView(x) })
		},
		routes: contentRoutes("/news/news_items", "news_item_id", listNewsItems, createNewsItem, getNewsItem, updateNewsItem, deleteNewsItem),
	})
}

// RemoveNewsfeed deletes the newsfeeds of a name (and the assignments of
// items to them), as when an operator has not set one up in a new
// workspace. It reports whether there was one.
func (s *Sandbox) RemoveNewsfeed(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.newsfeeds()
	found := false
	for i := 0; i < len(st.list); i++ {
		f := st.list[i]
		if f.name != name {
			continue
		}
		found = true
		st.list = append(st.list[:i:i], st.list[i+1:]...)
		i--
		delete(st.byID, f.id)
		for _, it := range s.newsItems().byID {
			kept := it.assignments[:0:0]
			for _, a := range it.assignments {
				if a.feed != f.id {
					kept = append(kept, a)
				}
			}
			it.assignments = kept
		}
	}
	return found
}

// NewsfeedNames lists the names of the newsfeeds.
func (s *Sandbox) NewsfeedNames() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []string
	for _, f := range s.newsfeeds().list {
		out = append(out, f.name)
	}
	return out
}

// ---- views ----

type newsfeedViewT struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	Name      string `json:"name"`
	CreatedAt int64  `json:"created_at"`
	UpdatedAt int64  `json:"updated_at"`
}

func newsfeedView(f *newsfeed) newsfeedViewT {
	return newsfeedViewT{ID: contentID(f.id), Type: "newsfeed", Name: f.name, CreatedAt: f.createdAt, UpdatedAt: f.updatedAt}
}

type newsAssignmentView struct {
	NewsfeedID  int64 `json:"newsfeed_id"`
	PublishedAt int64 `json:"published_at,omitempty"`
}

type newsItemViewT struct {
	ID                  string               `json:"id"`
	Type                string               `json:"type"`
	WorkspaceID         string               `json:"workspace_id"`
	Title               string               `json:"title"`
	Body                string               `json:"body"`
	SenderID            int64                `json:"sender_id"`
	State               string               `json:"state"`
	Labels              []string             `json:"labels"`
	CoverImageURL       *string              `json:"cover_image_url"`
	Reactions           []string             `json:"reactions"`
	DeliverSilently     bool                 `json:"deliver_silently"`
	CreatedAt           int64                `json:"created_at"`
	UpdatedAt           int64                `json:"updated_at"`
	NewsfeedAssignments []newsAssignmentView `json:"newsfeed_assignments"`
}

func (s *Sandbox) newsItemView(it *newsItem) newsItemViewT {
	v := newsItemViewT{ID: contentID(it.id), Type: "news-item", WorkspaceID: s.appID, Title: it.title, Body: it.body,
		SenderID: it.sender, State: it.state, Labels: append([]string{}, it.labels...), CoverImageURL: strOrNil(it.coverImage),
		Reactions: append([]string{}, it.reactions...), DeliverSilently: it.silent, CreatedAt: it.createdAt, UpdatedAt: it.updatedAt,
		NewsfeedAssignments: []newsAssignmentView{}}
	for _, a := range it.assignments {
		v.NewsfeedAssignments = append(v.NewsfeedAssignments, newsAssignmentView{NewsfeedID: a.feed, PublishedAt: a.publishedAt})
	}
	return v
}

// ---- newsfeeds ----

func listNewsfeeds(q *request) (int, any) {
	list := q.s.newsfeeds().list
	return numberedPage(q, list, 10, func(f *newsfeed) newsfeedViewT { return newsfeedView(f) })
}

func (q *request) newsfeedParam() *newsfeed {
	return contentParam(q, "newsfeed_id", q.s.newsfeeds().byID)
}

func getNewsfeed(q *request) (int, any) {
	return contentGet(q, q.newsfeedParam, newsfeedView)
}

func listNewsfeedItems(q *request) (int, any) {
	f := q.newsfeedParam()
	if f == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, MsgNotFound)
	}
	type live struct {
		it *newsItem
		at int64
	}
	var items []live
	st := q.s.newsItems()
	for _, id := range contentSortedIDs(st.byID) {
		it := st.byID[id]
		if it.state != "live" {
			continue
		}
		for _, a := range it.assignments {
			if a.feed == f.id {
				items = append(items, live{it, a.publishedAt})
			}
		}
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].at > items[j].at })
	return numberedPage(q, items, 20, func(l live) newsItemViewT { return q.s.newsItemView(l.it) })
}

// ---- news items ----

func listNewsItems(q *request) (int, any) {
	st := q.s.newsItems()
	ids := contentSortedIDs(st.byID)
	return numberedPage(q, ids, 10, func(id int64) newsItemViewT { return q.s.newsItemView(st.byID[id]) })
}

func (q *request) newsItemParam() *newsItem {
	return contentParam(q, "news_item_id", q.s.newsItems().byID)
}

func getNewsItem(q *request) (int, any) {
	return contentGet(q, q.newsItemParam, q.s.newsItemView)
}

func newsStringList(raw json.RawMessage) ([]string, bool) {
	var l []*string
	if err := json.Unmarshal(raw, &l); err != nil {
		return nil, false
	}
	out := make([]string, 0, len(l))
	for _, s := range l {
		if s != nil && *s != "" {
			out = append(out, *s)
		}
	}
	return out, true
}

func (q *request) applyNewsItemFields(it *newsItem, f map[string]json.RawMessage, creating bool) (int, any) {
	bad := q.invalid
	if v, present, ok := contentString(f, "title"); !ok || present && strings.TrimSpace(v) == "" {
		return bad("title", "title must be a non-empty string")
	} else if present {
		it.title = v
	}
	if v, present, ok := contentString(f, "body"); !ok {
		return bad("body", "body must be a string")
	} else if present {
		it.body = v
	}
	if id, present, ok := contentInt(f, "sender_id"); !ok {
		return bad("sender_id", "sender_id must be an integer")
	} else if present {
		if q.s.contentAdmin(id) == nil {
			return bad("sender_id", fmt.Sprintf("sender_id %d is not a teammate of this workspace", id))
		}
		it.sender = id
	}
	if v, present, ok := contentString(f, "state"); !ok || present && v != "draft" && v != "live" {
		return bad("state", "state must be draft or live")
	} else if present {
		it.state = v
	}
	if raw, ok := f["deliver_silently"]; ok && !isNull(raw) {
		if err := json.Unmarshal(raw, &it.silent); err != nil {
			return bad("deliver_silently", "deliver_silently must be a boolean")
		}
	}
	if raw, ok := f["labels"]; ok && !isNull(raw) {
		l, ok := newsStringList(raw)
		if !ok {
			return bad("labels", "labels must be a list of strings")
		}
		it.labels = l
	}
	if raw, ok := f["reactions"]; ok && !isNull(raw) {
		l, ok := newsStringList(raw)
		if !ok {
			return bad("reactions", "reactions must be a list of strings")
		}
		it.reactions = l
	} else if creating {
		it.reactions = append([]string(nil), defaultReactions...)
	}
	if raw, ok := f["newsfeed_assignments"]; ok && !isNull(raw) {
		var in []struct {
			NewsfeedID  json.Number `json:"newsfeed_id"`
			PublishedAt *int64      `json:"published_at"`
		}
		if err := json.Unmarshal(raw, &in); err != nil {
			return bad("newsfeed_assignments", "newsfeed_assignments must be a list of {newsfeed_id, published_at}")
		}
		var out []newsAssignment
		seen := map[int64]bool{}
		for i, a := range in {
			id, err := a.NewsfeedID.Int64()
			if err != nil || q.s.newsfeeds().byID[id] == nil {
				return bad(fmt.Sprintf("newsfeed_assignments[%d].newsfeed_id", i), "newsfeed_id is not a newsfeed of this workspace")
			}
			if seen[id] {
				continue
			}
			seen[id] = true
			na := newsAssignment{feed: id}
			if a.PublishedAt != nil {
				if *a.PublishedAt > q.now {
					return bad(fmt.Sprintf("newsfeed_assignments[%d].published_at", i), "Publish dates cannot be in the future")
				}
				na.publishedAt = *a.PublishedAt
			}
			out = append(out, na)
		}
		it.assignments = out
	}
	for i := range it.assignments {
		switch {
		case it.state != "live":
			it.assignments[i].publishedAt = 0
		case it.assignments[i].publishedAt == 0:
			it.assignments[i].publishedAt = q.now
		}
	}
	return 0, nil
}

func createNewsItem(q *request) (int, any) {
	f, status, body := q.contentFields()
	if f == nil {
		return status, body
	}
	it := &newsItem{state: "draft"}
	if status, body := q.applyNewsItemFields(it, f, true); status != 0 {
		return status, body
	}
	if it.title == "" || it.sender == 0 {
		return q.fail(http.StatusBadRequest, contentParamMissing, "title and sender_id are required")
	}
	st := q.s.newsItems()
	it.id = st.ids.take()
	it.createdAt, it.updatedAt = q.now, q.now
	st.byID[it.id] = it
	return http.StatusOK, q.s.newsItemView(it)
}

func updateNewsItem(q *request) (int, any) {
	old, f, status, body := contentUpdate(q, q.newsItemParam)
	if old == nil {
		return status, body
	}
	it := *old
	it.assignments = append([]newsAssignment(nil), old.assignments...)
	if status, body := q.applyNewsItemFields(&it, f, false); status != 0 {
		return status, body
	}
	it.updatedAt = max(q.now, old.createdAt)
	*old = it
	return http.StatusOK, q.s.newsItemView(old)
}

func deleteNewsItem(q *request) (int, any) {
	return contentDelete(q, "news_item_id", q.s.newsItems().byID, "news-item")
}

// ---- generator ----

var newsfeedNamePool = []string{"Customers", "Visitors", "Beta programme", "Partners", "Mobile users", "Enterprise"}

// seedNewsfeeds makes three newsfeeds in every workspace.
func seedNewsfeeds(s *Sandbox, g *gen) {
	st := s.newsfeeds()
	st.ids = newContentIDs(s.salt, "newsfeeds")
	names := append([]string(nil), newsfeedNamePool...)
	g.r.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	for _, name := range names[:3] {
		f := &newsfeed{id: st.ids.take(), name: name}
		f.createdAt, f.updatedAt = g.history(s, 365*86400)
		st.list = append(st.list, f)
		st.byID[f.id] = f
	}
}

var newsTopics = []string{
	"New reporting dashboard", "Faster exports", "Dark mode", "Improved search", "Two-factor authentication",
	"New integrations", "Mobile app redesign", "Pricing update", "Webinar next week", "Holiday support hours",
	"API rate limits raised", "Team inbox views",
}

var newsLabels = []string{"Product", "Update", "New", "Fix", "Event", "Company"}

var reactionSets = [][]string{{"👍", "🎉", "❤️"}, {"😍", "😐", "😞"}, {"🔥", "👏"}, {}}

// seedNewsItems makes N/20 news items (3 to 200): three in four live,
// published on one or two feeds at their creation time; drafts assigned
// to feeds without a publish time.
func seedNewsItems(s *Sandbox, g *gen) {
	st := s.newsItems()
	n := contentSeedCount(s, g, &st.ids, "news_items", 20, 3, 200)
	if n == 0 {
		return
	}
	admins := s.admins().list
	feeds := s.newsfeeds().list
	for i := 0; i < n; i++ {
		it := &newsItem{id: st.ids.take(), title: numberedTitle(newsTopics, i), body: "<p>" + g.pick(articleSentences) + "</p>",
			sender: admins[g.intn(len(admins))].num, state: "live", silent: g.chance(0.2)}
		if g.chance(0.25) {
			it.state = "draft"
		}
		for _, l := range newsLabels {
			if g.chance(0.25) {
				it.labels = append(it.labels, l)
			}
		}
		it.reactions = append([]string(nil), reactionSets[g.intn(len(reactionSets))]...)
		it.createdAt, it.updatedAt = g.history(s, 86400)
		first := g.intn(len(feeds))
		picked := []int{first}
		if g.chance(0.3) {
			picked = append(picked, (first+1+g.intn(len(feeds)-1))%len(feeds))
		}
		for _, k := range picked {
			a := newsAssignment{feed: feeds[k].id}
			if it.state == "live" {
				a.publishedAt = g.between(it.createdAt, it.updatedAt)
			}
			it.assignments = append(it.assignments, a)
		}
		st.byID[it.id] = it
	}
}
