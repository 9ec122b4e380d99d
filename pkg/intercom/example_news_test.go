package intercom_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"

	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// Publish a news item on a newsfeed with its original publish date (a date
// in the past, as when importing history), with reactions turned off.
func ExampleNewsService_CreateItem() {
	srv := fakeIntercom(map[string]func(*http.Request) (int, string){
		"POST /news/news_items": func(r *http.Request) (int, string) {
			body, _ := io.ReadAll(r.Body)
			fmt.Println(string(body))
			return 200, `{"id":"33","type":"news-item","title":"Dark mode","sender_id":991267834,"state":"live","reactions":[],
				"newsfeed_assignments":[{"newsfeed_id":53,"published_at":1664638214}]}`
		},
	})
	defer srv.Close()
	c, _ := intercom.NewClient("token", intercom.EU, intercom.WithBaseURL(srv.URL))
	it, _, err := c.News.CreateItem(context.Background(), &intercom.NewsItemRequest{
		Title: "Dark mode", SenderID: 991267834, State: intercom.NewsLive,
		Reactions:           []string{}, // empty: reactions off (nil: Intercom's default set)
		NewsfeedAssignments: []intercom.NewsfeedAssignment{{NewsfeedID: 53, PublishedAt: 1664638214}},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(it.ID, it.State, it.NewsfeedAssignments[0].PublishedAt)
	// Output:
	// {"title":"Dark mode","sender_id":991267834,"state":"live","reactions":[],"newsfeed_assignments":[{"newsfeed_id":53,"published_at":1664638214}]}
	// 33 live 1664638214
}
