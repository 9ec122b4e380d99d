package intercom_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"time"

	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// Create a company, or update it when its company_id exists: the same call
// twice is harmless.
func ExampleCompaniesService_CreateOrUpdate() {
	srv := fakeIntercom(map[string]func(*http.Request) (int, string){
		"POST /companies": func(*http.Request) (int, string) {
			return 200, `{"type":"company","id":"6762f0761bb69f9f2193bae2","company_id":"acme","name":"Acme","plan":{"type":"plan","id":"1","name":"Pro"},"monthly_spend":155}`
		},
	})
	defer srv.Close()
	c, _ := intercom.NewClient("dG9rOmFiYw==", intercom.EU, intercom.WithBaseURL(srv.URL))
	co, _, err := c.Companies.CreateOrUpdate(context.Background(), &intercom.CompanyRequest{
		CompanyID:        "acme",
		Name:             "Acme",
		Plan:             "Pro",
		MonthlySpend:     intercom.Ptr(intercom.WholeSpend(155.98)), // Intercom keeps whole numbers
		CustomAttributes: map[string]any{"seats_purchased": 12, "is_partner": true},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(co.ID, co.CompanyID, co.PlanName(), co.MonthlySpend)
	// Output: 6762f0761bb69f9f2193bae2 acme Pro 155
}

// Walk every company of a workspace through the scroll API. The callback
// must be quick (Intercom closes a scroll idle for a minute): park the page
// and write elsewhere. A pass after the first re-reads everything because
// an earlier one may have lost a page.
func ExampleCompaniesService_Walk() {
	srv := fakeIntercom(map[string]func(*http.Request) (int, string){
		"GET /companies/scroll": func(r *http.Request) (int, string) {
			if r.URL.Query().Get("scroll_param") == "" {
				return 200, `{"type":"list","data":[{"type":"company","id":"1","company_id":"a"},{"type":"company","id":"2","company_id":"b"}],"scroll_param":"s1"}`
			}
			return 200, `{"type":"list","data":[],"scroll_param":"s1"}` // the end
		},
	})
	defer srv.Close()
	c, _ := intercom.NewClient("dG9rOmFiYw==", intercom.US, intercom.WithBaseURL(srv.URL))
	seen := map[string]bool{}
	err := c.Companies.Walk(context.Background(), &intercom.WalkOptions{WaitForScroll: 90 * time.Second}, func(p intercom.WalkPage) error {
		for _, co := range p.Companies {
			seen[co.CompanyID] = true
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(seen), "companies")
	// Output: 2 companies
}

// Attach a contact to a company, and read all of a contact's companies
// when the contact's embedded list is cut.
func ExampleCompaniesService_AttachContact() {
	srv := fakeIntercom(map[string]func(*http.Request) (int, string){
		"POST /contacts/c1/companies": func(*http.Request) (int, string) {
			return 200, `{"type":"company","id":"6762f0761bb69f9f2193bae2","company_id":"acme","user_count":1}`
		},
		"GET /contacts/c1/companies": func(*http.Request) (int, string) {
			return 200, `{"type":"list","data":[{"type":"company","id":"6762f0761bb69f9f2193bae2","company_id":"acme"}],"pages":{"type":"pages","page":1,"per_page":50,"total_pages":1},"total_count":1}`
		},
	})
	defer srv.Close()
	c, _ := intercom.NewClient("dG9rOmFiYw==", intercom.US, intercom.WithBaseURL(srv.URL))
	ctx := context.Background()
	co, _, err := c.Companies.AttachContact(ctx, "c1", "6762f0761bb69f9f2193bae2")
	if err != nil {
		log.Fatal(err)
	}
	all, _, err := c.Companies.ListAttached(ctx, "c1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(co.UserCount, len(all), all[0].CompanyID)
	// Output: 1 1 acme
}
