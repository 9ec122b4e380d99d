package intercom_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"sort"

	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// Walk every article of the workspace, page by page, with every locale's
// state: the default locale's content is the article's own fields, the
// others are in Translations.
func ExampleArticlesService_All() {
	srv := fakeIntercom(map[string]func(*http.Request) (int, string){
		"GET /articles": func(r *http.Request) (int, string) {
			if r.URL.Query().Get("page") == "2" {
				return 200, `{"type":"list","total_count":2,"pages":{"type":"pages","page":2,"per_page":1,"total_pages":2},
					"data":[{"id":"2","title":"Exports","state":"draft","default_locale":"en","translated_content":{"type":"article_translated_content",
					"en":{"title":"Exports","state":"draft"}}}]}`
			}
			return 200, `{"type":"list","total_count":2,"pages":{"type":"pages","page":1,"per_page":1,"total_pages":2},
				"data":[{"id":"1","title":"Refunds","state":"published","default_locale":"en","translated_content":{"type":"article_translated_content",
				"en":{"title":"Refunds","state":"published"},"fr":{"title":"Remboursements","state":"draft"}}}]}`
		},
	})
	defer srv.Close()
	c, err := intercom.NewClient("token", intercom.EU, intercom.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	for a, err := range c.Articles.All(context.Background(), &intercom.PageNumberOptions{PerPage: 1}) {
		if err != nil {
			log.Fatal(err)
		}
		var locales []string
		for loc, t := range a.Translations {
			locales = append(locales, loc+":"+t.State)
		}
		sort.Strings(locales)
		fmt.Println(a.ID, a.Title, locales)
	}
	// Output:
	// 1 Refunds [en:published fr:draft]
	// 2 Exports [en:draft]
}

// Create an article in a collection, in English and French, each locale
// with its own author and state.
func ExampleArticlesService_Create() {
	srv := fakeIntercom(map[string]func(*http.Request) (int, string){
		"POST /articles": func(r *http.Request) (int, string) {
			body, _ := io.ReadAll(r.Body)
			var in map[string]any
			json.Unmarshal(body, &in)
			fmt.Println("sent parent_id", in["parent_id"], "and locales", len(in["translated_content"].(map[string]any)))
			return 200, `{"id":"42","type":"article","title":"Refunds","state":"published","parent_id":145,"author_id":991267497}`
		},
	})
	defer srv.Close()
	c, _ := intercom.NewClient("token", intercom.EU, intercom.WithBaseURL(srv.URL))
	a, _, err := c.Articles.Create(context.Background(), &intercom.ArticleRequest{
		Title: "Refunds", Body: intercom.Ptr("<p>Ask us.</p>"), AuthorID: 991267497, State: intercom.ArticlePublished,
		ParentID: "145", ParentType: "collection",
		Translations: intercom.ArticleTranslations{
			"fr": {Title: "Remboursements", Body: "<p>Demandez.</p>", AuthorID: 991267498, State: intercom.ArticleDraft},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("article", a.ID, "in collection", a.ParentID)
	// Output:
	// sent parent_id 145 and locales 1
	// article 42 in collection 145
}

// List the help centers, which the API cannot create: a migration matches
// them by identifier.
func ExampleHelpCenterService_ListHelpCenters() {
	srv := fakeIntercom(map[string]func(*http.Request) (int, string){
		"GET /help_center/help_centers": func(*http.Request) (int, string) {
			return 200, `{"type":"list","data":[{"id":"93","identifier":"acme-help","display_name":"Acme Help Center","url":"https://help.acme.example"}]}`
		},
	})
	defer srv.Close()
	c, _ := intercom.NewClient("token", intercom.US, intercom.WithBaseURL(srv.URL))
	hcs, _, err := c.HelpCenter.ListHelpCenters(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, h := range hcs {
		fmt.Println(h.Identifier, h.URL)
	}
	// Output: acme-help https://help.acme.example
}
