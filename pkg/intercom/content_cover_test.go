package intercom

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// errorCall is a method of a service, called with valid arguments, whose
// answer is an error.
type errorCall struct {
	name string
	call func(ctx context.Context, c *Client) (any, *Response, error)
}

// checkErrorAnswers answers every call with status (an error.list naming the
// status) and checks that the call hands back an error of want's type that
// names the route it was sent to, the Response (for its Rate), and no value.
func checkErrorAnswers(t *testing.T, status int, want error, calls []errorCall) {
	t.Helper()
	body := errorList("req-"+strconv.Itoa(status), ErrorDetail{Code: statusCode(status), Message: "answered " + strconv.Itoa(status)})
	for _, tc := range calls {
		t.Run(fmt.Sprintf("%s %d", tc.name, status), func(t *testing.T) {
			c, f := newFake(t, reply(status, body, "X-RateLimit-Limit", "83"))
			got, resp, err := tc.call(t.Context(), c)
			if err == nil || reflect.TypeOf(err) != reflect.TypeOf(want) {
				t.Fatalf("err %T %v, want %T", err, err, want)
			}
			noToken(t, err)
			if !reflect.ValueOf(got).IsNil() {
				t.Errorf("a value came with the error: %#v", got)
			}
			if resp == nil || resp.StatusCode != status || resp.Rate.Limit != 83 {
				t.Fatalf("Response %+v", resp)
			}
			// Every typed API error embeds *ErrorResponse: the route it
			// names must be the one sent (the failure record's key).
			var e *ErrorResponse
			switch v := err.(type) {
			case *NotFoundError:
				e = v.ErrorResponse
			case *ServerError:
				e = v.ErrorResponse
			case *InvalidError:
				e = v.ErrorResponse
			}
			r := f.last(t)
			if e == nil || e.Method != r.Method || e.Path != r.Path || e.RequestID != "req-"+strconv.Itoa(status) {
				t.Errorf("error names %+v, request was %s %s", e, r.Method, r.Path)
			}
			if n := len(f.requests()); n != 1 {
				t.Errorf("%d requests for one call", n)
			}
		})
	}
}

// contentCalls are every read and write of the help center, articles,
// internal articles, news and custom object services.
func contentCalls() []errorCall {
	return []errorCall{
		{"HelpCenter.ListHelpCenters", func(ctx context.Context, c *Client) (any, *Response, error) { return c.HelpCenter.ListHelpCenters(ctx) }},
		{"HelpCenter.GetHelpCenter", func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.HelpCenter.GetHelpCenter(ctx, "93")
		}},
		{"HelpCenter.ListCollections", func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.HelpCenter.ListCollections(ctx, nil)
		}},
		{"HelpCenter.GetCollection", func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.HelpCenter.GetCollection(ctx, "160")
		}},
		{"HelpCenter.CreateCollection", func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.HelpCenter.CreateCollection(ctx, &CollectionRequest{Name: "S"})
		}},
		{"HelpCenter.UpdateCollection", func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.HelpCenter.UpdateCollection(ctx, "160", &CollectionRequest{Name: "S"})
		}},
		{"HelpCenter.DeleteCollection", func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.HelpCenter.DeleteCollection(ctx, "160")
		}},
		{"Articles.List", func(ctx context.Context, c *Client) (any, *Response, error) { return c.Articles.List(ctx, nil) }},
		{"Articles.Search", func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.Articles.Search(ctx, ArticleSearchOptions{Phrase: "x"})
		}},
		{"Articles.Get", func(ctx context.Context, c *Client) (any, *Response, error) { return c.Articles.Get(ctx, "42") }},
		{"Articles.Create", func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.Articles.Create(ctx, &ArticleRequest{Title: "T", AuthorID: 1})
		}},
		{"Articles.Update", func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.Articles.Update(ctx, "42", &ArticleRequest{State: ArticleDraft})
		}},
		{"Articles.Delete", func(ctx context.Context, c *Client) (any, *Response, error) { return c.Articles.Delete(ctx, "42") }},
		{"InternalArticles.List", func(ctx context.Context, c *Client) (any, *Response, error) { return c.InternalArticles.List(ctx, nil) }},
		{"InternalArticles.Get", func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.InternalArticles.Get(ctx, "39")
		}},
		{"InternalArticles.Create", func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.InternalArticles.Create(ctx, &InternalArticleRequest{Title: "T", AuthorID: 1, OwnerID: 2})
		}},
		{"InternalArticles.Update", func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.InternalArticles.Update(ctx, "39", &InternalArticleRequest{Title: "T"})
		}},
		{"InternalArticles.Delete", func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.InternalArticles.Delete(ctx, "39")
		}},
		{"News.ListItems", func(ctx context.Context, c *Client) (any, *Response, error) { return c.News.ListItems(ctx, nil) }},
		{"News.ListLiveItems", func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.News.ListLiveItems(ctx, "53", nil)
		}},
		{"News.GetItem", func(ctx context.Context, c *Client) (any, *Response, error) { return c.News.GetItem(ctx, "33") }},
		{"News.CreateItem", func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.News.CreateItem(ctx, &NewsItemRequest{Title: "T", SenderID: 1})
		}},
		{"News.UpdateItem", func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.News.UpdateItem(ctx, "33", &NewsItemRequest{State: NewsDraft})
		}},
		{"News.DeleteItem", func(ctx context.Context, c *Client) (any, *Response, error) { return c.News.DeleteItem(ctx, "33") }},
		{"News.ListNewsfeeds", func(ctx context.Context, c *Client) (any, *Response, error) { return c.News.ListNewsfeeds(ctx, nil) }},
		{"News.GetNewsfeed", func(ctx context.Context, c *Client) (any, *Response, error) { return c.News.GetNewsfeed(ctx, "68") }},
		{"CustomObjectInstances.CreateOrUpdate", func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.CustomObjectInstances.CreateOrUpdate(ctx, "Order", &CustomObjectInstanceRequest{ExternalID: "1"})
		}},
		{"CustomObjectInstances.FindByExternalID", func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.CustomObjectInstances.FindByExternalID(ctx, "Order", "1")
		}},
		{"CustomObjectInstances.Get", func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.CustomObjectInstances.Get(ctx, "Order", "22")
		}},
		{"CustomObjectInstances.List", func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.CustomObjectInstances.List(ctx, "Order", nil)
		}},
		{"CustomObjectInstances.DeleteByExternalID", func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.CustomObjectInstances.DeleteByExternalID(ctx, "Order", "1")
		}},
		{"CustomObjectInstances.Delete", func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.CustomObjectInstances.Delete(ctx, "Order", "22")
		}},
	}
}

// peopleCalls are the reads and writes around contacts and companies that
// the older tables only try with a good answer.
func peopleCalls() []errorCall {
	return []errorCall{
		{"Contacts.RemoveTag", func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.Contacts.RemoveTag(ctx, "c1", "80")
		}},
		{"Tags.UntagCompanies", func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.Tags.UntagCompanies(ctx, "VIP", []string{"co1"})
		}},
		{"Contacts.ListSubscriptions", func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.Contacts.ListSubscriptions(ctx, "c1")
		}},
		{"Contacts.AttachSubscription", func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.Contacts.AttachSubscription(ctx, "c1", "106", ConsentOptOut)
		}},
		{"Contacts.DetachSubscription", func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.Contacts.DetachSubscription(ctx, "c1", "106")
		}},
		{"SubscriptionTypes.List", func(ctx context.Context, c *Client) (any, *Response, error) { return c.SubscriptionTypes.List(ctx) }},
		{"Notes.List", func(ctx context.Context, c *Client) (any, *Response, error) { return c.Notes.List(ctx, "c1", nil) }},
		{"Notes.Create", func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.Notes.Create(ctx, "c1", &NoteRequest{Body: "<p>x</p>"})
		}},
		{"Events.List", func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.Events.List(ctx, EventFilter{UserID: "u1"}, nil)
		}},
		{"Events.Summaries", func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.Events.Summaries(ctx, EventFilter{Email: "a@example.com"})
		}},
		{"Teams.List", func(ctx context.Context, c *Client) (any, *Response, error) { return c.Teams.List(ctx) }},
		{"Teams.Get", func(ctx context.Context, c *Client) (any, *Response, error) { return c.Teams.Get(ctx, "814865") }},
		{"Segments.List", func(ctx context.Context, c *Client) (any, *Response, error) { return c.Segments.List(ctx, false) }},
		{"Companies.List", func(ctx context.Context, c *Client) (any, *Response, error) { return c.Companies.List(ctx, nil) }},
		{"Companies.Get", func(ctx context.Context, c *Client) (any, *Response, error) { return c.Companies.Get(ctx, "co1") }},
		{"Companies.AttachContact", func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.Companies.AttachContact(ctx, "c1", "co1")
		}},
		{"Companies.DetachContact", func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.Companies.DetachContact(ctx, "c1", "co1")
		}},
		{"Companies.ListAttached", func(ctx context.Context, c *Client) (any, *Response, error) {
			return c.Companies.ListAttached(ctx, "c1")
		}},
		{"Companies.Scroll", func(ctx context.Context, c *Client) (any, *Response, error) { return c.Companies.Scroll(ctx, "p1") }},
	}
}

// TestErrorAnswersCover: whatever the status, every method returns the
// typed error naming its route, the Response, and no value.
func TestErrorAnswersCover(t *testing.T) {
	calls := append(contentCalls(), peopleCalls()...)
	checkErrorAnswers(t, http.StatusNotFound, &NotFoundError{}, calls)
	checkErrorAnswers(t, http.StatusInternalServerError, &ServerError{}, calls)
	checkErrorAnswers(t, http.StatusUnprocessableEntity, &InvalidError{}, calls)
}

// TestNullItemsCover: a list whose answer holds a null entry is a
// *DecodeError for every list the older tables do not try.
func TestNullItemsCover(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		answer string
		call   func(c *Client) (any, *Response, error)
	}{
		{"HelpCenter.ListHelpCenters", `{"type":"list","data":[null]}`, func(c *Client) (any, *Response, error) { return c.HelpCenter.ListHelpCenters(ctx) }},
		{"HelpCenter.ListCollections", `{"type":"list","data":[{"id":"1"},null],"total_count":2}`, func(c *Client) (any, *Response, error) {
			return c.HelpCenter.ListCollections(ctx, nil)
		}},
		{"Articles.Search", `{"type":"list","data":{"articles":[null]}}`, func(c *Client) (any, *Response, error) {
			return c.Articles.Search(ctx, ArticleSearchOptions{})
		}},
		{"InternalArticles.List", `{"type":"list","data":[null]}`, func(c *Client) (any, *Response, error) { return c.InternalArticles.List(ctx, nil) }},
		{"News.ListNewsfeeds", `{"type":"list","data":[null]}`, func(c *Client) (any, *Response, error) { return c.News.ListNewsfeeds(ctx, nil) }},
		{"News.ListLiveItems", `{"type":"list","data":[null]}`, func(c *Client) (any, *Response, error) { return c.News.ListLiveItems(ctx, "53", nil) }},
		{"CustomObjectInstances.List", `{"type":"list","data":[null]}`, func(c *Client) (any, *Response, error) {
			return c.CustomObjectInstances.List(ctx, "Order", nil)
		}},
		{"Notes.List", `{"type":"list","data":[null]}`, func(c *Client) (any, *Response, error) { return c.Notes.List(ctx, "c1", nil) }},
		{"Events.Summaries", `{"type":"event.summary","events":[null]}`, func(c *Client) (any, *Response, error) {
			return c.Events.Summaries(ctx, EventFilter{UserID: "u"})
		}},
		{"Teams.List", `{"type":"team.list","teams":[null]}`, func(c *Client) (any, *Response, error) { return c.Teams.List(ctx) }},
		{"Segments.List", `{"type":"segment.list","segments":[null]}`, func(c *Client) (any, *Response, error) { return c.Segments.List(ctx, true) }},
		{"SubscriptionTypes.List", `{"type":"list","data":[null]}`, func(c *Client) (any, *Response, error) { return c.SubscriptionTypes.List(ctx) }},
		{"Companies.Scroll", `{"type":"list","data":[null],"scroll_param":"p"}`, func(c *Client) (any, *Response, error) {
			return c.Companies.Scroll(ctx, "")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newFake(t, reply(200, tc.answer))
			got, resp, err := tc.call(c)
			var de *DecodeError
			if !errors.As(err, &de) || !strings.Contains(err.Error(), "is null") || de.Status != 200 {
				t.Fatalf("err %v, want a *DecodeError about a null item", err)
			}
			if !reflect.ValueOf(got).IsNil() || resp == nil {
				t.Errorf("value %v, Response %v", got, resp)
			}
		})
	}
}

// TestContentArgumentsCover: malformed ids, missing requests and options
// out of range fail before anything is sent, with an error naming what is
// wrong.
func TestContentArgumentsCover(t *testing.T) {
	c, f := newFake(t, reply(200, `{}`))
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		err  error
		want string // in the error's text
	}{
		{"help center id", errOnly(c.HelpCenter.GetHelpCenter(ctx, "hc-1")), `help center id "hc-1" is not a number`},
		{"update collection id", errOnly(c.HelpCenter.UpdateCollection(ctx, "", &CollectionRequest{})), "empty collection id"},
		{"nil collection update", errOnly(c.HelpCenter.UpdateCollection(ctx, "160", nil)), "nil collection update"},
		{"delete collection id", errOnly(c.HelpCenter.DeleteCollection(ctx, "1.5")), "is not a number"},
		{"update article id", errOnly(c.Articles.Update(ctx, "a", &ArticleRequest{})), `article id "a" is not a number`},
		{"update article parent", errOnly(c.Articles.Update(ctx, "42", &ArticleRequest{ParentID: "../1"})), `collection id "../1" is not a number`},
		{"delete article id", errOnly(c.Articles.Delete(ctx, "")), "empty article id"},
		{"internal article id", errOnly(c.InternalArticles.Get(ctx, "x")), `internal article id "x" is not a number`},
		{"update internal article id", errOnly(c.InternalArticles.Update(ctx, "x", &InternalArticleRequest{})), "is not a number"},
		{"nil internal article update", errOnly(c.InternalArticles.Update(ctx, "39", nil)), "nil internal article update"},
		{"delete internal article id", errOnly(c.InternalArticles.Delete(ctx, "")), "empty internal article id"},
		{"nil internal article", errOnly(c.InternalArticles.Create(ctx, nil)), "needs a title"},
		{"internal articles per_page", errOnly(c.InternalArticles.List(ctx, &PageNumberOptions{PerPage: -1})), "per_page -1"},
		{"live items newsfeed", errOnly(c.News.ListLiveItems(ctx, "", nil)), "empty newsfeed id"},
		{"update news item id", errOnly(c.News.UpdateItem(ctx, "x", &NewsItemRequest{})), `news item id "x" is not a number`},
		{"nil news item update", errOnly(c.News.UpdateItem(ctx, "33", nil)), "nil news item update"},
		{"delete news item id", errOnly(c.News.DeleteItem(ctx, "")), "empty news item id"},
		{"nil news item", errOnly(c.News.CreateItem(ctx, nil)), "needs a title and a sender"},
		{"upsert without type", errOnly(c.CustomObjectInstances.CreateOrUpdate(ctx, "", &CustomObjectInstanceRequest{ExternalID: "1"})), "empty custom object type"},
		{"find without type", errOnly(c.CustomObjectInstances.FindByExternalID(ctx, "", "1")), "empty custom object type"},
		{"get without type", errOnly(c.CustomObjectInstances.Get(ctx, "", "22")), "empty custom object type"},
		{"delete by external id without type", errOnly(c.CustomObjectInstances.DeleteByExternalID(ctx, "", "1")), "empty custom object type"},
		{"delete without type", errOnly(c.CustomObjectInstances.Delete(ctx, "", "22")), "empty custom object type"},
		{"delete without id", errOnly(c.CustomObjectInstances.Delete(ctx, "Order", "")), "empty custom object instance id"},
		{"type probe without type", func() error { _, _, err := c.CustomObjectInstances.TypeExists(ctx, ""); return err }(), "empty custom object type"},
		{"notes per_page", errOnly(c.Notes.List(ctx, "c1", &ListOptions{PerPage: MaxPerPage + 1})), "per_page"},
		{"note without contact", errOnly(c.Notes.Create(ctx, "", &NoteRequest{Body: "x"})), "empty contact id"},
		{"nil note", errOnly(c.Notes.Create(ctx, "c1", nil)), "needs a body"},
		{"events per_page", errOnly(c.Events.List(ctx, EventFilter{UserID: "u"}, &ListOptions{PerPage: -2})), "per_page -2"},
		{"events cursor not a URL", errOnly(c.Events.List(ctx, EventFilter{UserID: "u"}, &ListOptions{StartingAfter: "%zz"})), "not an events URL"},
		{"summaries without filter", errOnly(c.Events.Summaries(ctx, EventFilter{})), "exactly one"},
		{"companies page", errOnly(c.Companies.List(ctx, &PageNumberOptions{Page: -3})), "page -3 is negative"},
	} {
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%s: err %v, want one saying %q", tc.name, tc.err, tc.want)
		}
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests sent for invalid calls", n)
	}
}

// TestArticleWithoutParent: an article created without a collection is
// standalone: no parent_id is sent (not 0, not "").
func TestArticleWithoutParent(t *testing.T) {
	c, f := newFake(t, reply(200, `{"id":"42","type":"article","title":"T","parent_id":null}`))
	a, _, err := c.Articles.Create(context.Background(), &ArticleRequest{Title: "T", AuthorID: 7})
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, f.last(t).Body, `{"title":"T","author_id":7}`)
	if a.ID != "42" || a.ParentID != 0 {
		t.Errorf("decoded %+v", a)
	}
}

// TestTranslationsDecoding: translated_content null decodes to no
// translations; a translated_content or a locale that is not an object is a
// *DecodeError of the call, not a half-filled value.
func TestTranslationsDecoding(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, content string
		want          GroupTranslations
		bad           bool
	}{
		{"null", `null`, nil, false},
		{"type only", `{"type":"group_translated_content"}`, GroupTranslations{}, false},
		{"a null locale", `{"fr":null,"en":{"name":"S"}}`, GroupTranslations{"en": {Name: "S"}}, false},
		{"not an object", `"fr"`, nil, true},
		{"a locale not an object", `{"fr":["S"]}`, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newFake(t, reply(200, `{"id":"160","name":"S","translated_content":`+tc.content+`}`))
			col, resp, err := c.HelpCenter.GetCollection(ctx, "160")
			if tc.bad {
				var de *DecodeError
				if !errors.As(err, &de) || col != nil || resp == nil {
					t.Fatalf("collection %v, err %v: want a *DecodeError", col, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(col.Translations, tc.want) {
				t.Errorf("translations %#v, want %#v", col.Translations, tc.want)
			}
		})
	}
	// Articles decode their translations the same way.
	var a Article
	if err := decodeJSON([]byte(`{"id":"1","translated_content":{"type":"article_translated_content","de":{"title":"Danke"}}}`), &a); err != nil {
		t.Fatal(err)
	}
	if want := (ArticleTranslations{"de": {Title: "Danke"}}); !reflect.DeepEqual(a.Translations, want) {
		t.Errorf("article translations %#v", a.Translations)
	}
}

// numberedFake serves a list paged by number at path: total items, per
// items a page (whatever per_page says, as Intercom's own page sizes
// do), each item {"id": "<n>"}; failPage (when not 0) answers 500.
func numberedFake(t *testing.T, path string, total, per, failPage int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path {
			t.Errorf("asked %s, want %s", r.URL.Path, path)
			reply(404, errorList("r", ErrorDetail{Code: "not_found"}))(w, r)
			return
		}
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if page == 0 {
			page = 1
		}
		if page == failPage {
			reply(500, errorList("r", ErrorDetail{Code: "server_error", Message: "boom"}))(w, r)
			return
		}
		pages := (total + per - 1) / per
		var items []string
		for i := (page - 1) * per; i < min(page*per, total); i++ {
			items = append(items, fmt.Sprintf(`{"id":"%d"}`, i+1))
		}
		reply(200, fmt.Sprintf(`{"type":"list","data":[%s],"total_count":%d,"pages":{"type":"pages","page":%d,"per_page":%d,"total_pages":%d}}`,
			strings.Join(items, ","), total, page, per, pages))(w, r)
	}
}

// collect walks seq, naming each item by id, and returns the ids and the
// error it yielded (the walk must stop right after one).
func collect[T any](t *testing.T, seq iter.Seq2[T, error], id func(T) string) ([]string, error) {
	t.Helper()
	var ids []string
	var last error
	for v, err := range seq {
		if last != nil {
			t.Fatalf("the walk went on after the error %v", last)
		}
		if err != nil {
			last = err
			continue
		}
		ids = append(ids, id(v))
	}
	return ids, last
}

// walker walks a list paged by number with a client, naming the items by id.
type walker func(t *testing.T, ctx context.Context, c *Client, opts *PageNumberOptions) ([]string, error)

// walkerOf makes a walker of one of the client's iterators.
func walkerOf[T any](all func(c *Client, ctx context.Context, o *PageNumberOptions) iter.Seq2[T, error], id func(T) string) walker {
	return func(t *testing.T, ctx context.Context, c *Client, o *PageNumberOptions) ([]string, error) {
		return collect(t, all(c, ctx, o), id)
	}
}

// TestNumberedIteratorsCover: every iterator over a list paged by number
// asks page after page (50 a page unless told) to the last page, and stops
// at a page's error, which it yields after the items read before it.
func TestNumberedIteratorsCover(t *testing.T) {
	type pn = *PageNumberOptions
	walkers := []struct {
		name, path string
		walk       walker
	}{
		{"HelpCenter.AllCollections", "/help_center/collections", walkerOf(func(c *Client, ctx context.Context, o pn) iter.Seq2[*Collection, error] {
			return c.HelpCenter.AllCollections(ctx, o)
		}, func(v *Collection) string { return v.ID })},
		{"Articles.All", "/articles", walkerOf(func(c *Client, ctx context.Context, o pn) iter.Seq2[*Article, error] {
			return c.Articles.All(ctx, o)
		}, func(v *Article) string { return v.ID })},
		{"InternalArticles.All", "/internal_articles", walkerOf(func(c *Client, ctx context.Context, o pn) iter.Seq2[*InternalArticle, error] {
			return c.InternalArticles.All(ctx, o)
		}, func(v *InternalArticle) string { return v.ID })},
		{"News.AllItems", "/news/news_items", walkerOf(func(c *Client, ctx context.Context, o pn) iter.Seq2[*NewsItem, error] {
			return c.News.AllItems(ctx, o)
		}, func(v *NewsItem) string { return v.ID })},
		{"News.AllNewsfeeds (no options)", "/news/newsfeeds", walkerOf(func(c *Client, ctx context.Context, _ pn) iter.Seq2[*Newsfeed, error] {
			return c.News.AllNewsfeeds(ctx)
		}, func(v *Newsfeed) string { return v.ID })},
		{"CustomObjectInstances.All", "/custom_object_instances/Order", walkerOf(func(c *Client, ctx context.Context, o pn) iter.Seq2[*CustomObjectInstance, error] {
			return c.CustomObjectInstances.All(ctx, "Order", o)
		}, func(v *CustomObjectInstance) string { return v.ID })},
	}
	for _, w := range walkers {
		t.Run(w.name, func(t *testing.T) {
			ctx := context.Background()
			c, f := newFake(t, numberedFake(t, w.path, 5, 2, 0))
			ids, err := w.walk(t, ctx, c, nil)
			if err != nil || strings.Join(ids, ",") != "1,2,3,4,5" {
				t.Fatalf("walked %v, %v", ids, err)
			}
			rs := f.requests()
			if len(rs) != 3 {
				t.Fatalf("%d requests for 3 pages", len(rs))
			}
			for i, r := range rs {
				checkHeaders(t, r, false)
				if r.Method != "GET" || r.Query.Get("page") != strconv.Itoa(i+1) || r.Query.Get("per_page") != "50" {
					t.Errorf("request %d: %s %s?%s", i, r.Method, r.Path, r.RawQuery)
				}
			}

			// The second page fails: the first page's items, then the
			// error, and nothing asked after it.
			c, f = newFake(t, numberedFake(t, w.path, 5, 2, 2))
			ids, err = w.walk(t, ctx, c, nil)
			var se *ServerError
			if !errors.As(err, &se) || strings.Join(ids, ",") != "1,2" {
				t.Fatalf("walked %v, %v: want 1,2 then a *ServerError", ids, err)
			}
			if n := len(f.requests()); n != 2 {
				t.Errorf("%d requests, want 2", n)
			}
		})
	}
	// Options a walk starts from are the first page's.
	c, f := newFake(t, numberedFake(t, "/internal_articles", 5, 2, 0))
	ids, err := collect(t, c.InternalArticles.All(context.Background(), &PageNumberOptions{Page: 2, PerPage: 2}), func(v *InternalArticle) string { return v.ID })
	if err != nil || strings.Join(ids, ",") != "3,4,5" {
		t.Fatalf("from page 2: %v, %v", ids, err)
	}
	if q := f.requests()[0].Query; q.Get("page") != "2" || q.Get("per_page") != "2" {
		t.Errorf("first query %v", q)
	}
	// Options out of range: the walk yields the error without a request.
	c, f = newFake(t, numberedFake(t, "/help_center/collections", 5, 2, 0))
	if _, err := collect(t, c.HelpCenter.AllCollections(context.Background(), &PageNumberOptions{PerPage: MaxPerPage + 1}), func(v *Collection) string { return v.ID }); err == nil {
		t.Error("per_page out of range walked")
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// TestCursorIteratorsStopOnError: the notes and events walks yield a
// page's error after the items before it, and ask nothing more.
func TestCursorIteratorsStopOnError(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		first string // the first page, naming a second one
		walk  func(t *testing.T, c *Client) ([]string, error)
		ids   string // read before the error
		next  string // the second page's query
	}{
		{"Notes.All", `{"type":"list","data":[{"id":"n1","body":"a"},{"id":"n2","body":"b"}],"total_count":3,
			"pages":{"type":"pages","page":1,"per_page":2,"total_pages":2,"next":{"per_page":2,"starting_after":"cur2"}}}`,
			func(t *testing.T, c *Client) ([]string, error) {
				return collect(t, c.Notes.All(ctx, "c1", &ListOptions{PerPage: 2}), func(n *Note) string { return n.ID })
			}, "n1,n2", "per_page=2&starting_after=cur2"},
		{"Events.All", `{"type":"event.list","events":[{"id":"e1","event_name":"x","created_at":1},{"id":"e2","event_name":"y","created_at":2}],
			"pages":{"next":"https://api.intercom.io/events?type=user&user_id=u1&per_page=2&before=2"}}`,
			func(t *testing.T, c *Client) ([]string, error) {
				return collect(t, c.Events.All(ctx, EventFilter{UserID: "u1"}, &ListOptions{PerPage: 2}), func(e *Event) string { return e.ID })
			}, "e1,e2", "before=2&per_page=2&type=user&user_id=u1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			c, f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
				if calls++; calls == 1 {
					reply(200, tc.first)(w, r)
					return
				}
				reply(503, errorList("r", ErrorDetail{Code: "service_unavailable"}))(w, r)
			})
			ids, err := tc.walk(t, c)
			var se *ServerError
			if !errors.As(err, &se) || strings.Join(ids, ",") != tc.ids {
				t.Fatalf("walked %v, %v", ids, err)
			}
			rs := f.requests()
			if len(rs) != 2 {
				t.Fatalf("%d requests, want 2", len(rs))
			}
			// The second page is asked at the first page's cursor.
			if q := rs[1].Query.Encode(); q != tc.next {
				t.Errorf("second page asked with %s, want %s", q, tc.next)
			}
		})
	}
}
