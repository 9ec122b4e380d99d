package intercom_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"strings"

	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// Remove a tag from a contact. Intercom answers 404 when the contact does
// not carry the tag, which a retried removal can treat as done.
func ExampleContactsService_RemoveTag() {
	removed := false
	srv := fakeIntercom(map[string]func(*http.Request) (int, string){
		"DELETE /contacts/6762f0dd1bb69f9f2193bb83/tags/80": func(*http.Request) (int, string) {
			if removed {
				return 404, `{"type":"error.list","errors":[{"code":"not_found","message":"Resource Not Found"}]}`
			}
			removed = true
			return 200, `{"type":"tag","id":"80","name":"VIP"}`
		},
	})
	defer srv.Close()
	c, _ := intercom.NewClient("token", intercom.US, intercom.WithBaseURL(srv.URL))
	ctx := context.Background()
	for range 2 {
		tag, _, err := c.Contacts.RemoveTag(ctx, "6762f0dd1bb69f9f2193bb83", "80")
		var nf *intercom.NotFoundError
		switch {
		case errors.As(err, &nf):
			fmt.Println("already removed")
		case err != nil:
			log.Fatal(err)
		default:
			fmt.Println("removed", tag.Name)
		}
	}
	// Output:
	// removed VIP
	// already removed
}

// Take a tag off companies in bulk, by Intercom's ids, at most
// MaxTagCompaniesPerCall a call.
func ExampleTagsService_UntagCompanies() {
	srv := fakeIntercom(map[string]func(*http.Request) (int, string){
		"POST /tags": func(r *http.Request) (int, string) {
			body, _ := io.ReadAll(r.Body)
			fmt.Println(string(body))
			return 200, `{"type":"tag","id":"88","name":"Churned"}`
		},
	})
	defer srv.Close()
	c, _ := intercom.NewClient("token", intercom.US, intercom.WithBaseURL(srv.URL))
	tag, _, err := c.Tags.UntagCompanies(context.Background(), "Churned", []string{"6762f0761bb69f9f2193bae2", "6762f0761bb69f9f2193bae3"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tag.ID)
	// Output:
	// {"name":"Churned","companies":[{"id":"6762f0761bb69f9f2193bae2","untag":true},{"id":"6762f0761bb69f9f2193bae3","untag":true}]}
	// 88
}

// Copy an internal article: title, author and owner are required.
func ExampleInternalArticlesService_Create() {
	srv := fakeIntercom(map[string]func(*http.Request) (int, string){
		"POST /internal_articles": func(r *http.Request) (int, string) {
			body, _ := io.ReadAll(r.Body)
			fmt.Println(string(body))
			return 200, `{"type":"internal_article","id":"39","title":"Refund policy","owner_id":991267497,"author_id":991267498,"locale":"en"}`
		},
	})
	defer srv.Close()
	c, _ := intercom.NewClient("token", intercom.EU, intercom.WithBaseURL(srv.URL))
	a, _, err := c.InternalArticles.Create(context.Background(), &intercom.InternalArticleRequest{
		Title: "Refund policy", Body: intercom.Ptr("<p>Within 30 days.</p>"), AuthorID: 991267498, OwnerID: 991267497, Locale: "en",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(a.ID, a.Title)
	// Output:
	// {"title":"Refund policy","body":"\u003cp\u003eWithin 30 days.\u003c/p\u003e","author_id":991267498,"owner_id":991267497,"locale":"en"}
	// 39 Refund policy
}

// Subscription types cannot be created through the API: a migration
// matches them by name, and reports those the target lacks.
func ExampleSubscriptionTypesService_List() {
	srv := fakeIntercom(map[string]func(*http.Request) (int, string){
		"GET /subscription_types": func(*http.Request) (int, string) {
			return 200, `{"type":"list","data":[
				{"type":"subscription","id":"135","state":"live","consent_type":"opt_out","default_translation":{"name":"Newsletters","locale":"en"},"content_types":["email"]},
				{"type":"subscription","id":"136","state":"draft","consent_type":"opt_in","content_types":["sms_message"]}]}`
		},
	})
	defer srv.Close()
	c, _ := intercom.NewClient("token", intercom.US, intercom.WithBaseURL(srv.URL))
	types, _, err := c.SubscriptionTypes.List(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, st := range types {
		fmt.Printf("%s %s %q\n", st.ID, st.ConsentType, st.Name())
	}
	// Output:
	// 135 opt_out "Newsletters"
	// 136 opt_in ""
}

// Walk every collection of every help center, page by page, to rebuild
// the tree (a collection's parent is another collection, or none).
func ExampleHelpCenterService_AllCollections() {
	srv := fakeIntercom(map[string]func(*http.Request) (int, string){
		"GET /help_center/collections": func(r *http.Request) (int, string) {
			if r.URL.Query().Get("page") == "2" {
				return 200, `{"type":"list","data":[{"id":"161","name":"Refunds","parent_id":"159","help_center_id":79}],"total_count":3,
					"pages":{"type":"pages","page":2,"per_page":2,"total_pages":2}}`
			}
			return 200, `{"type":"list","data":[{"id":"159","name":"Billing","help_center_id":79},{"id":"160","name":"Invoices","parent_id":"159","help_center_id":79}],
				"total_count":3,"pages":{"type":"pages","page":1,"per_page":2,"total_pages":2}}`
		},
	})
	defer srv.Close()
	c, _ := intercom.NewClient("token", intercom.US, intercom.WithBaseURL(srv.URL))
	children := map[string][]string{}
	for col, err := range c.HelpCenter.AllCollections(context.Background(), &intercom.PageNumberOptions{PerPage: 2}) {
		if err != nil {
			log.Fatal(err)
		}
		children[col.ParentID] = append(children[col.ParentID], col.Name)
	}
	fmt.Println("top level:", strings.Join(children[""], ", "))
	fmt.Println("in 159:", strings.Join(children["159"], ", "))
	// Output:
	// top level: Billing
	// in 159: Invoices, Refunds
}

// Newsfeeds cannot be created through the API: list them to find, by
// name, the feed a copied news item goes on.
func ExampleNewsService_AllNewsfeeds() {
	srv := fakeIntercom(map[string]func(*http.Request) (int, string){
		"GET /news/newsfeeds": func(*http.Request) (int, string) {
			return 200, `{"type":"list","data":[{"type":"newsfeed","id":"68","name":"Visitor Feed"},{"type":"newsfeed","id":"69","name":"Customer Feed"}],
				"total_count":2,"pages":{"type":"pages","page":1,"per_page":50,"total_pages":1}}`
		},
	})
	defer srv.Close()
	c, _ := intercom.NewClient("token", intercom.US, intercom.WithBaseURL(srv.URL))
	byName := map[string]string{}
	for feed, err := range c.News.AllNewsfeeds(context.Background()) {
		if err != nil {
			log.Fatal(err)
		}
		byName[feed.Name] = feed.ID
	}
	fmt.Println(byName["Customer Feed"])
	// Output: 69
}

// List the custom attributes of contacts, archived ones included, to
// recreate those the target lacks before copying contacts.
func ExampleDataAttributesService_List() {
	srv := fakeIntercom(map[string]func(*http.Request) (int, string){
		"GET /data_attributes": func(r *http.Request) (int, string) {
			fmt.Println(r.URL.RawQuery)
			return 200, `{"type":"list","data":[
				{"type":"data_attribute","name":"email","full_name":"email","data_type":"string","model":"contact","custom":false},
				{"type":"data_attribute","id":12878,"name":"plan","full_name":"custom_attributes.plan","data_type":"string","model":"contact","custom":true,"archived":true}]}`
		},
	})
	defer srv.Close()
	c, _ := intercom.NewClient("token", intercom.US, intercom.WithBaseURL(srv.URL))
	attrs, _, err := c.DataAttributes.List(context.Background(), &intercom.DataAttributeListOptions{Model: intercom.ModelContact, IncludeArchived: true})
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range attrs {
		if a.Custom {
			fmt.Println(a.FullName, a.DataType, "archived:", a.Archived)
		}
	}
	// Output:
	// include_archived=true&model=contact
	// custom_attributes.plan string archived: true
}
