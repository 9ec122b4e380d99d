package intercom

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestContentRequests checks, for every method of the help center, news and
// custom object services, the request sent and the decoding of an answer
// shaped like the spec's examples.
func TestContentRequests(t *testing.T) {
	articleJSON := `{"id":"42","type":"article","workspace_id":"w1","parent_id":145,"parent_type":"collection","parent_ids":[145,12],
		"statistics":{"type":"article_statistics","views":3,"conversions":1,"reactions":2,"happy_reaction_percentage":50,"neutral_reaction_percentage":25,"sad_reaction_percentage":25},
		"tags":{"type":"tag.list","tags":[{"type":"tag","id":"7","name":"faq"}]},
		"title":"Thanks","description":"D","body":"<p class=\"no-margin\">B</p>","author_id":991267497,"state":"published",
		"created_at":1734537288,"updated_at":1734537289,"url":"http://help-center.test/myapp-68/en/articles/42-thanks","default_locale":"en",
		"translated_content":{"type":"article_translated_content","fr":{"type":"article_content","title":"Merci","description":"","body":"<p>C</p>","author_id":991267498,"state":"draft","created_at":1734537288,"updated_at":1734537290},"de":null}}`
	wantArticle := &Article{Type: "article", ID: "42", WorkspaceID: "w1", Title: "Thanks", Description: "D", Body: `<p class="no-margin">B</p>`,
		AuthorID: 991267497, State: "published", CreatedAt: 1734537288, UpdatedAt: 1734537289, URL: "http://help-center.test/myapp-68/en/articles/42-thanks",
		ParentID: 145, ParentIDs: []int64{145, 12}, ParentType: "collection", DefaultLocale: "en",
		Translations: ArticleTranslations{"fr": {Type: "article_content", Title: "Merci", Body: "<p>C</p>", AuthorID: 991267498, State: "draft", CreatedAt: 1734537288, UpdatedAt: 1734537290}},
		Tags:         &ArticleTags{Type: "tag.list", Tags: []*Tag{{Type: "tag", ID: "7", Name: "faq"}}},
		Statistics: &ArticleStatistics{Type: "article_statistics", Views: 3, Conversions: 1, Reactions: 2, HappyReactionPercentage: 50,
			NeutralReactionPercentage: 25, SadReactionPercentage: 25}}
	collectionJSON := `{"id":"160","workspace_id":"w1","name":"Section","url":"http://help-center.test/myapp-96/section-1","order":1,
		"created_at":1734537309,"updated_at":1734537310,"description":"d","icon":"bookmark","parent_id":"159","help_center_id":79,"default_locale":"en",
		"translated_content":{"type":"group_translated_content","en":{"type":"group_content","name":"Section","description":"d"},"fr":{"name":"Partie"}}}`
	wantCollection := &Collection{ID: "160", WorkspaceID: "w1", Name: "Section", URL: "http://help-center.test/myapp-96/section-1", Order: 1,
		CreatedAt: 1734537309, UpdatedAt: 1734537310, Description: "d", Icon: "bookmark", ParentID: "159", HelpCenterID: 79, DefaultLocale: "en",
		Translations: GroupTranslations{"en": {Type: "group_content", Name: "Section", Description: "d"}, "fr": {Name: "Partie"}}}
	newsJSON := `{"id":"33","type":"news-item","workspace_id":"w1","title":"Halloween","body":"<p>x</p>","sender_id":991267834,"state":"live",
		"labels":["New","Product"],"cover_image_url":"https://example.com/c.png","reactions":["😆",null],"deliver_silently":true,
		"created_at":1734537797,"updated_at":1734537798,"newsfeed_assignments":[{"newsfeed_id":53,"published_at":1664638214}]}`
	wantNews := &NewsItem{Type: "news-item", ID: "33", WorkspaceID: "w1", Title: "Halloween", Body: "<p>x</p>", SenderID: 991267834, State: "live",
		Labels: []string{"New", "Product"}, CoverImageURL: "https://example.com/c.png", Reactions: []string{"😆", ""}, DeliverSilently: true,
		CreatedAt: 1734537797, UpdatedAt: 1734537798, NewsfeedAssignments: []NewsfeedAssignment{{NewsfeedID: 53, PublishedAt: 1664638214}}}
	instanceJSON := `{"id":"22","type":"Order","custom_attributes":{"order_number":"ORDER-12345","total_amount":99.99,"paid":true},
		"external_id":"123","external_created_at":1392036272,"external_updated_at":null,"created_at":1734537745,"updated_at":1734537746}`
	wantInstance := &CustomObjectInstance{ID: "22", Type: "Order", ExternalID: "123", ExternalCreatedAt: 1392036272, CreatedAt: 1734537745, UpdatedAt: 1734537746,
		CustomAttributes: map[string]any{"order_number": "ORDER-12345", "total_amount": json.Number("99.99"), "paid": true}}
	pages := `"pages":{"type":"pages","page":2,"per_page":1,"total_pages":3,"next":"https://api.intercom.io/articles?page=3"}`
	wantPages := &NumberedPages{Type: "pages", Page: 2, PerPage: 1, TotalPages: 3, Next: json.RawMessage(`"https://api.intercom.io/articles?page=3"`)}

	tests := []requestCase{
		{
			name: "HelpCenter.ListHelpCenters", method: "GET", path: "/help_center/help_centers",
			call: func(ctx context.Context, c *Client) (any, *Response, error) { return c.HelpCenter.ListHelpCenters(ctx) },
			answer: `{"type":"list","data":[{"id":"93","workspace_id":"w1","created_at":1734537325,"updated_at":1734537326,"identifier":"help-center-1",
				"website_turned_on":true,"display_name":"Intercom Help Center","url":"https://help.mycompany.com","custom_domain":"help.mycompany.com"}]}`,
			want: []*HelpCenter{{ID: "93", WorkspaceID: "w1", CreatedAt: 1734537325, UpdatedAt: 1734537326, Identifier: "help-center-1",
				WebsiteTurnedOn: true, DisplayName: "Intercom Help Center", URL: "https://help.mycompany.com", CustomDomain: "help.mycompany.com"}},
		},
		{
			name: "HelpCenter.GetHelpCenter", method: "GET", path: "/help_center/help_centers/93",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.HelpCenter.GetHelpCenter(ctx, "93")
			},
			answer: `{"id":"93","identifier":"h","custom_domain":null}`,
			want:   &HelpCenter{ID: "93", Identifier: "h"},
		},
		{
			name: "HelpCenter.ListCollections", method: "GET", path: "/help_center/collections", query: url.Values{"page": {"2"}, "per_page": {"1"}},
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.HelpCenter.ListCollections(ctx, &PageNumberOptions{Page: 2, PerPage: 1})
			},
			answer: `{"type":"list","data":[` + collectionJSON + `],"total_count":3,` + pages + `}`,
			want:   &CollectionList{Type: "list", Data: []*Collection{wantCollection}, TotalCount: 3, Pages: wantPages},
		},
		{
			name: "HelpCenter.GetCollection", method: "GET", path: "/help_center/collections/160",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.HelpCenter.GetCollection(ctx, "160")
			},
			answer: collectionJSON, want: wantCollection,
		},
		{
			name: "HelpCenter.CreateCollection", method: "POST", path: "/help_center/collections",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.HelpCenter.CreateCollection(ctx, &CollectionRequest{Name: "Section", Description: Ptr(""), ParentID: Ptr("159"), HelpCenterID: Ptr(int64(79)),
					Translations: GroupTranslations{"fr": {Name: "Partie", Description: "p"}}})
			},
			body:   `{"name":"Section","description":"","parent_id":"159","help_center_id":79,"translated_content":{"fr":{"name":"Partie","description":"p"}}}`,
			answer: collectionJSON, want: wantCollection,
		},
		{
			name: "HelpCenter.UpdateCollection", method: "PUT", path: "/help_center/collections/160",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.HelpCenter.UpdateCollection(ctx, "160", &CollectionRequest{Name: "Section"})
			},
			body: `{"name":"Section"}`, answer: collectionJSON, want: wantCollection,
		},
		{
			name: "HelpCenter.DeleteCollection", method: "DELETE", path: "/help_center/collections/160",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.HelpCenter.DeleteCollection(ctx, "160")
			},
			answer: `{"id":"160","object":"collection","deleted":true}`, want: &Deletion{ID: "160", Object: "collection", Deleted: true},
		},
		{
			name: "Articles.List", method: "GET", path: "/articles", query: url.Values{"page": {"2"}, "per_page": {"1"}},
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.Articles.List(ctx, &PageNumberOptions{Page: 2, PerPage: 1})
			},
			answer: `{"type":"list","data":[` + articleJSON + `],"total_count":3,` + pages + `}`,
			want:   &ArticleList{Type: "list", Data: []*Article{wantArticle}, TotalCount: 3, Pages: wantPages},
		},
		{
			name: "Articles.Search", method: "GET", path: "/articles/search", query: url.Values{"phrase": {"refund"}, "state": {"all"}, "help_center_id": {"79"}},
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.Articles.Search(ctx, ArticleSearchOptions{Phrase: "refund", State: "all", HelpCenterID: 79})
			},
			answer: `{"type":"list","total_count":1,"data":{"articles":[` + articleJSON + `],"highlights":[]},"pages":{"type":"pages","page":1,"per_page":10,"total_pages":1}}`,
			want:   []*Article{wantArticle},
		},
		{
			name: "Articles.Get", method: "GET", path: "/articles/42",
			call:   func(ctx context.Context, c *Client) (any, *Response, error) { return c.Articles.Get(ctx, "42") },
			answer: articleJSON, want: wantArticle,
		},
		{
			name: "Articles.Create (parent_id an integer)", method: "POST", path: "/articles",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.Articles.Create(ctx, &ArticleRequest{Title: "Thanks", Description: Ptr("D"), Body: Ptr("B"), AuthorID: 991267497, State: "published",
					ParentID: "145", ParentType: "collection", Translations: ArticleTranslations{"fr": {Title: "Merci", Body: "C", AuthorID: 991267498, State: "draft"}}})
			},
			body: `{"title":"Thanks","description":"D","body":"B","author_id":991267497,"state":"published","parent_id":145,"parent_type":"collection",
				"translated_content":{"fr":{"title":"Merci","body":"C","author_id":991267498,"state":"draft"}}}`,
			answer: articleJSON, want: wantArticle,
		},
		{
			name: "Articles.Update (parent_id a string)", method: "PUT", path: "/articles/42",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.Articles.Update(ctx, "42", &ArticleRequest{State: "draft", ParentID: "145"})
			},
			body: `{"state":"draft","parent_id":"145"}`, answer: articleJSON, want: wantArticle,
		},
		{
			name: "Articles.Delete", method: "DELETE", path: "/articles/42",
			call:   func(ctx context.Context, c *Client) (any, *Response, error) { return c.Articles.Delete(ctx, "42") },
			answer: `{"id":"42","object":"article","deleted":true}`, want: &Deletion{ID: "42", Object: "article", Deleted: true},
		},
		{
			name: "InternalArticles.List", method: "GET", path: "/internal_articles",
			call: func(ctx context.Context, c *Client) (any, *Response, error) { return c.InternalArticles.List(ctx, nil) },
			answer: `{"type":"list","pages":{"type":"pages","page":1,"per_page":25,"total_pages":1},"total_count":1,
				"data":[{"type":"internal_article","id":"39","title":"T","body":"B","owner_id":1,"author_id":2,"created_at":3,"updated_at":4,"locale":"en"}]}`,
			want: &InternalArticleList{Type: "list", TotalCount: 1, Pages: &NumberedPages{Type: "pages", Page: 1, PerPage: 25, TotalPages: 1},
				Data: []*InternalArticle{{Type: "internal_article", ID: "39", Title: "T", Body: "B", OwnerID: 1, AuthorID: 2, CreatedAt: 3, UpdatedAt: 4, Locale: "en"}}},
		},
		{
			name: "InternalArticles.Create", method: "POST", path: "/internal_articles",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.InternalArticles.Create(ctx, &InternalArticleRequest{Title: "T", Body: Ptr("B"), AuthorID: 2, OwnerID: 1, Locale: "en"})
			},
			body:   `{"title":"T","body":"B","author_id":2,"owner_id":1,"locale":"en"}`,
			answer: `{"id":"42","title":"T"}`, want: &InternalArticle{ID: "42", Title: "T"},
		},
		{
			name: "InternalArticles.Get", method: "GET", path: "/internal_articles/42",
			call:   func(ctx context.Context, c *Client) (any, *Response, error) { return c.InternalArticles.Get(ctx, "42") },
			answer: `{"id":"42"}`, want: &InternalArticle{ID: "42"},
		},
		{
			name: "InternalArticles.Update", method: "PUT", path: "/internal_articles/42",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.InternalArticles.Update(ctx, "42", &InternalArticleRequest{OwnerID: 3})
			},
			body: `{"owner_id":3}`, answer: `{"id":"42","owner_id":3}`, want: &InternalArticle{ID: "42", OwnerID: 3},
		},
		{
			name: "InternalArticles.Delete", method: "DELETE", path: "/internal_articles/42",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.InternalArticles.Delete(ctx, "42")
			},
			answer: `{"id":"42","object":"internal_article","deleted":true}`, want: &Deletion{ID: "42", Object: "internal_article", Deleted: true},
		},
		{
			name: "News.ListItems", method: "GET", path: "/news/news_items", query: url.Values{"per_page": {"5"}},
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.News.ListItems(ctx, &PageNumberOptions{PerPage: 5})
			},
			answer: `{"type":"list","pages":{"page":1,"per_page":5,"total_pages":1,"type":"pages"},"data":[` + newsJSON + `],"total_count":1}`,
			want:   &NewsItemList{Type: "list", Data: []*NewsItem{wantNews}, TotalCount: 1, Pages: &NumberedPages{Type: "pages", Page: 1, PerPage: 5, TotalPages: 1}},
		},
		{
			name: "News.ListLiveItems", method: "GET", path: "/news/newsfeeds/53/items",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.News.ListLiveItems(ctx, "53", nil)
			},
			answer: `{"type":"list","data":[],"total_count":0}`,
			want:   &NewsItemList{Type: "list", Data: []*NewsItem{}},
		},
		{
			name: "News.GetItem", method: "GET", path: "/news/news_items/33",
			call:   func(ctx context.Context, c *Client) (any, *Response, error) { return c.News.GetItem(ctx, "33") },
			answer: newsJSON, want: wantNews,
		},
		{
			name: "News.CreateItem (empty lists sent, nil left out)", method: "POST", path: "/news/news_items",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.News.CreateItem(ctx, &NewsItemRequest{Title: "Halloween", Body: Ptr("<p>x</p>"), SenderID: 991267834, State: "live",
					DeliverSilently: Ptr(false), Reactions: []string{}, NewsfeedAssignments: []NewsfeedAssignment{{NewsfeedID: 53, PublishedAt: 1664638214}}})
			},
			body: `{"title":"Halloween","body":"<p>x</p>","sender_id":991267834,"state":"live","deliver_silently":false,"reactions":[],
				"newsfeed_assignments":[{"newsfeed_id":53,"published_at":1664638214}]}`,
			answer: newsJSON, want: wantNews,
		},
		{
			name: "News.UpdateItem", method: "PUT", path: "/news/news_items/33",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.News.UpdateItem(ctx, "33", &NewsItemRequest{Title: "Halloween", SenderID: 991267834, Labels: []string{"New"}})
			},
			body: `{"title":"Halloween","sender_id":991267834,"labels":["New"]}`, answer: newsJSON, want: wantNews,
		},
		{
			name: "News.DeleteItem", method: "DELETE", path: "/news/news_items/33",
			call:   func(ctx context.Context, c *Client) (any, *Response, error) { return c.News.DeleteItem(ctx, "33") },
			answer: `{"id":"33","object":"news-item","deleted":true}`, want: &Deletion{ID: "33", Object: "news-item", Deleted: true},
		},
		{
			name: "News.ListNewsfeeds", method: "GET", path: "/news/newsfeeds",
			call:   func(ctx context.Context, c *Client) (any, *Response, error) { return c.News.ListNewsfeeds(ctx, nil) },
			answer: `{"type":"list","pages":{"page":1,"per_page":10,"total_pages":1,"type":"pages"},"data":[{"id":"68","type":"newsfeed","name":"Visitor Feed","created_at":1,"updated_at":2}],"total_count":1}`,
			want: &NewsfeedList{Type: "list", TotalCount: 1, Pages: &NumberedPages{Type: "pages", Page: 1, PerPage: 10, TotalPages: 1},
				Data: []*Newsfeed{{ID: "68", Type: "newsfeed", Name: "Visitor Feed", CreatedAt: 1, UpdatedAt: 2}}},
		},
		{
			name: "News.GetNewsfeed", method: "GET", path: "/news/newsfeeds/68",
			call:   func(ctx context.Context, c *Client) (any, *Response, error) { return c.News.GetNewsfeed(ctx, "68") },
			answer: `{"id":"68","type":"newsfeed","name":"Visitor Feed"}`, want: &Newsfeed{ID: "68", Type: "newsfeed", Name: "Visitor Feed"},
		},
		{
			name: "CustomObjectInstances.CreateOrUpdate (null timestamps sent)", method: "POST", path: "/custom_object_instances/Order",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.CustomObjectInstances.CreateOrUpdate(ctx, "Order", &CustomObjectInstanceRequest{ExternalID: "123", ExternalCreatedAt: Ptr(int64(1392036272)),
					CustomAttributes: map[string]any{"order_number": "ORDER-12345", "total_amount": json.Number("99.99"), "paid": true}})
			},
			body:   `{"external_id":"123","external_created_at":1392036272,"external_updated_at":null,"custom_attributes":{"order_number":"ORDER-12345","total_amount":99.99,"paid":true}}`,
			answer: instanceJSON, want: wantInstance,
		},
		{
			name: "CustomObjectInstances.FindByExternalID", method: "GET", path: "/custom_object_instances/Order", query: url.Values{"external_id": {"12 3/4"}},
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.CustomObjectInstances.FindByExternalID(ctx, "Order", "12 3/4")
			},
			answer: instanceJSON, want: wantInstance,
		},
		{
			name: "CustomObjectInstances.List", method: "GET", path: "/custom_object_instances/My%20Type", query: url.Values{"page": {"2"}, "per_page": {"150"}},
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.CustomObjectInstances.List(ctx, "My Type", &PageNumberOptions{Page: 2, PerPage: 150})
			},
			answer: `{"type":"list","data":[` + instanceJSON + `],"total_count":1,"pages":{"type":"pages","page":2,"per_page":150,"total_pages":2}}`,
			want: &CustomObjectInstanceList{Type: "list", Data: []*CustomObjectInstance{wantInstance}, TotalCount: 1,
				Pages: &NumberedPages{Type: "pages", Page: 2, PerPage: 150, TotalPages: 2}},
		},
		{
			name: "CustomObjectInstances.Get", method: "GET", path: "/custom_object_instances/Order/22",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.CustomObjectInstances.Get(ctx, "Order", "22")
			},
			answer: instanceJSON, want: wantInstance,
		},
		{
			name: "CustomObjectInstances.DeleteByExternalID", method: "DELETE", path: "/custom_object_instances/Order", query: url.Values{"external_id": {"123"}},
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.CustomObjectInstances.DeleteByExternalID(ctx, "Order", "123")
			},
			answer: `{"id":"26","object":"Order","deleted":true}`, want: &Deletion{ID: "26", Object: "Order", Deleted: true},
		},
		{
			name: "CustomObjectInstances.Delete", method: "DELETE", path: "/custom_object_instances/Order/26",
			call: func(ctx context.Context, c *Client) (any, *Response, error) {
				return c.CustomObjectInstances.Delete(ctx, "Order", "26")
			},
			answer: `{"id":"26","object":"Order","deleted":true}`, want: &Deletion{ID: "26", Object: "Order", Deleted: true},
		},
	}
	runRequestCases(t, tests)
}

// TestContentArgumentsChecked: malformed ids and incomplete requests fail
// before anything is sent.
func TestContentArgumentsChecked(t *testing.T) {
	c, f := newFake(t, reply(200, `{}`))
	ctx := context.Background()
	for name, call := range map[string]func() error{
		"article id":    func() error { _, _, err := c.Articles.Get(ctx, "../admins"); return err },
		"collection id": func() error { _, _, err := c.HelpCenter.GetCollection(ctx, ""); return err },
		"article parent": func() error {
			_, _, err := c.Articles.Create(ctx, &ArticleRequest{Title: "T", ParentID: "x"})
			return err
		},
		"article title":   func() error { _, _, err := c.Articles.Create(ctx, &ArticleRequest{}); return err },
		"collection name": func() error { _, _, err := c.HelpCenter.CreateCollection(ctx, &CollectionRequest{}); return err },
		"internal article owner": func() error {
			_, _, err := c.InternalArticles.Create(ctx, &InternalArticleRequest{Title: "T", AuthorID: 1})
			return err
		},
		"news sender":        func() error { _, _, err := c.News.CreateItem(ctx, &NewsItemRequest{Title: "T"}); return err },
		"news item id":       func() error { _, _, err := c.News.GetItem(ctx, "abc"); return err },
		"custom object type": func() error { _, _, err := c.CustomObjectInstances.List(ctx, "", nil); return err },
		"custom object external": func() error {
			_, _, err := c.CustomObjectInstances.CreateOrUpdate(ctx, "Order", &CustomObjectInstanceRequest{})
			return err
		},
		"per_page":                 func() error { _, _, err := c.Articles.List(ctx, &PageNumberOptions{PerPage: 151}); return err },
		"page":                     func() error { _, _, err := c.News.ListItems(ctx, &PageNumberOptions{Page: -1}); return err },
		"nil update":               func() error { _, _, err := c.Articles.Update(ctx, "1", nil); return err },
		"empty newsfeed":           func() error { _, _, err := c.News.GetNewsfeed(ctx, ""); return err },
		"empty find external id":   func() error { _, _, err := c.CustomObjectInstances.FindByExternalID(ctx, "Order", ""); return err },
		"empty custom object id":   func() error { _, _, err := c.CustomObjectInstances.Get(ctx, "Order", ""); return err },
		"empty delete external id": func() error { _, _, err := c.CustomObjectInstances.DeleteByExternalID(ctx, "Order", ""); return err },
	} {
		if err := call(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// TestNumberedPagesWalk: the iterators follow page numbers to the last page
// and stop on an error or a page that points backwards.
func TestNumberedPagesWalk(t *testing.T) {
	c, f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		page := r.URL.Query().Get("page")
		total := "3"
		if r.URL.Path == "/news/news_items" {
			total = "9" // and every page says it is page 1
			page = "1"
		}
		reply(200, `{"type":"list","data":[{"id":"`+page+`"}],"total_count":3,"pages":{"type":"pages","page":`+page+`,"per_page":1,"total_pages":`+total+`}}`)(w, r)
	})
	ctx := context.Background()
	var ids []string
	for a, err := range c.Articles.All(ctx, &PageNumberOptions{PerPage: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	if strings.Join(ids, ",") != "1,2,3" || len(f.requests()) != 3 {
		t.Fatalf("walked %v in %d requests", ids, len(f.requests()))
	}
	var last error
	n := 0
	for _, err := range c.News.AllItems(ctx, nil) {
		n++
		last = err
	}
	if last == nil || n != 3 || !strings.Contains(last.Error(), "earlier page") {
		t.Fatalf("a page that names itself again: %d items, %v", n, last)
	}
	if got := f.requests()[3].Query.Get("per_page"); got != "50" {
		t.Errorf("default per_page %q, want 50", got)
	}
}

// TestCustomObjectTypeProbe: TypeExists tells a missing type from a
// missing instance by Intercom's message; a miss answered 200 with an empty
// instance (Intercom's later references) is a NotFoundError.
func TestCustomObjectTypeProbe(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		status int
		body   string
		exists bool
		err    bool
	}{
		{404, `{"type":"error.list","errors":[{"code":"not_found","message":"Custom object type ` + "`Nope`" + ` not found"}]}`, false, false},
		{404, `{"type":"error.list","errors":[{"code":"not_found","message":"Custom object instance not found"}]}`, true, false},
		{200, `{"id":"1","external_id":"icmigrate-type-probe"}`, true, false},
		{200, `{}`, true, false},
		{500, `{}`, false, true},
	} {
		c, _ := newFake(t, reply(tc.status, tc.body))
		ok, _, err := c.CustomObjectInstances.TypeExists(ctx, "Nope")
		if ok != tc.exists || (err != nil) != tc.err {
			t.Errorf("%d %s: exists %v err %v", tc.status, tc.body, ok, err)
		}
	}
	c, _ := newFake(t, reply(200, `{}`))
	_, _, err := c.CustomObjectInstances.FindByExternalID(ctx, "Order", "x")
	var nf *NotFoundError
	if !errors.As(err, &nf) || IsTypeNotFound(err) {
		t.Errorf("empty instance: %v", err)
	}
}

// TestNewsItemRequestJSON: nil lists are left out, empty ones sent.
func TestNewsItemRequestJSON(t *testing.T) {
	b, err := json.Marshal(NewsItemRequest{Title: "T", SenderID: 1})
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, b, `{"title":"T","sender_id":1}`)
	b, _ = json.Marshal(&NewsItemRequest{Title: "T", Labels: []string{}, Reactions: []string{}, NewsfeedAssignments: []NewsfeedAssignment{}})
	jsonEqual(t, b, `{"title":"T","labels":[],"reactions":[],"newsfeed_assignments":[]}`)
}
