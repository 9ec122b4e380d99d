package intercom_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// fakeIntercom starts a tiny stand-in for Intercom so that the examples
// run; routes maps "METHOD /path" to a status and a JSON body.
func fakeIntercom(routes map[string]func(r *http.Request) (int, string)) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, ok := routes[r.Method+" "+r.URL.Path]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"type":"error.list","errors":[{"code":"not_found","message":"Resource Not Found"}]}`)
			return
		}
		status, body := h(r)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-RateLimit-Limit", "1000")
		w.Header().Set("X-RateLimit-Remaining", "998")
		w.Header().Set("X-RateLimit-Reset", "1734537500")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
}

// This is the shape of a program using the client against the real
// Intercom: identify the token, check the workspace's region, read the rate
// limit. (It needs a token, so it is compiled but not run.)
func Example() {
	ctx := context.Background()
	region, err := intercom.ParseRegion(os.Getenv("INTERCOM_REGION")) // "us", "eu" or "au"
	if err != nil {
		log.Fatal(err)
	}
	c, err := intercom.NewClient(os.Getenv("INTERCOM_TOKEN"), region)
	if err != nil {
		log.Fatal(err)
	}
	me, resp, err := c.Admins.Me(ctx)
	if err != nil {
		log.Fatal(err)
	}
	if me.App == nil || !region.MatchesAppRegion(me.App.Region) {
		log.Fatalf("the token's workspace is not hosted in %s", region)
	}
	fmt.Printf("%s (%s): %d of %d calls left in this window\n",
		me.App.Name, me.App.IDCode, resp.Rate.Remaining, resp.Rate.Limit)
}

func ExampleNewClient() {
	c, err := intercom.NewClient("dG9rOmFiYw==", intercom.EU)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.BaseURL)
	// Output: https://api.eu.intercom.io/
}

func ExampleWithBaseURL() {
	// Through a proxy that serves Intercom's API below /intercom.
	c, err := intercom.NewClient("dG9rOmFiYw==", intercom.US,
		intercom.WithBaseURL("https://proxy.example.com/intercom"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.BaseURL)

	_, err = intercom.NewClient("dG9rOmFiYw==", intercom.US, intercom.WithBaseURL("api.intercom.io"))
	fmt.Println(err)
	// Output:
	// https://proxy.example.com/intercom/
	// intercom: base URL "api.intercom.io": want http(s)://host[:port][/path]
}

func ExampleParseRegion() {
	for _, s := range []string{"EU", "au", "uk"} {
		r, err := intercom.ParseRegion(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(r, r.BaseURL())
	}
	// Output:
	// eu https://api.eu.intercom.io/
	// au https://api.au.intercom.io/
	// intercom: unknown region "uk" (want us, eu or au)
}

func ExampleRegion_MatchesAppRegion() {
	// app.region as GET /me reports it.
	fmt.Println(intercom.EU.MatchesAppRegion("Europe"))
	fmt.Println(intercom.US.MatchesAppRegion("Europe"))
	// Output:
	// true
	// false
}

func ExampleContactsService_All() {
	srv := fakeIntercom(map[string]func(*http.Request) (int, string){
		"GET /contacts": func(r *http.Request) (int, string) {
			if r.URL.Query().Get("starting_after") == "" {
				return 200, `{"type":"list","total_count":3,"data":[
					{"type":"contact","id":"1","role":"user","email":"ada@example.com"},
					{"type":"contact","id":"2","role":"lead","email":"grace@example.com"}],
					"pages":{"type":"pages","page":1,"per_page":2,"total_pages":2,"next":{"per_page":2,"starting_after":"WzJd"}}}`
			}
			return 200, `{"type":"list","total_count":3,"data":[
				{"type":"contact","id":"3","role":"user","email":"alan@example.com"}],
				"pages":{"type":"pages","page":2,"per_page":2,"total_pages":2}}`
		},
	})
	defer srv.Close()
	c, err := intercom.NewClient("dG9rOmFiYw==", intercom.US, intercom.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}

	// One page at a time is in memory; breaking out of the loop stops the
	// reading.
	for contact, err := range c.Contacts.All(context.Background(), &intercom.ListOptions{PerPage: 2}) {
		if err != nil {
			log.Fatal(err) // the failing page's error; the sequence ends
		}
		fmt.Println(contact.ID, contact.Role, contact.Email)
	}
	// Output:
	// 1 user ada@example.com
	// 2 lead grace@example.com
	// 3 user alan@example.com
}

func ExampleContactsService_Search() {
	srv := fakeIntercom(map[string]func(*http.Request) (int, string){
		"POST /contacts/search": func(r *http.Request) (int, string) {
			body, _ := io.ReadAll(r.Body)
			fmt.Printf("sent: %s\n", body)
			return 200, `{"type":"list","total_count":1,"data":[
				{"type":"contact","id":"6762f0dd1bb69f9f2193bb83","role":"user","email":"ada@example.com",
				 "custom_attributes":{"plan":"pro","seats":12345678901234567}}]}`
		},
	})
	defer srv.Close()
	c, err := intercom.NewClient("dG9rOmFiYw==", intercom.US, intercom.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}

	q := intercom.And(
		intercom.Eq("role", intercom.RoleUser),
		intercom.Eq("custom_attributes.plan", "pro"),
	)
	page, resp, err := c.Contacts.Search(context.Background(), q, &intercom.ListOptions{PerPage: 50})
	if err != nil {
		log.Fatal(err)
	}
	for _, ct := range page.Data {
		// Custom attribute numbers are json.Number: exact, even past 2^53.
		seats := ct.CustomAttributes["seats"].(json.Number)
		fmt.Println(ct.Email, seats)
	}
	fmt.Printf("next cursor: %q\n", resp.NextCursor)
	// Output:
	// sent: {"query":{"operator":"AND","value":[{"field":"role","operator":"=","value":"user"},{"field":"custom_attributes.plan","operator":"=","value":"pro"}]},"pagination":{"per_page":50}}
	// ada@example.com 12345678901234567
	// next cursor: ""
}

// Create answers a *ConflictError naming the contact that exists already;
// updating that one makes an upsert.
func ExampleContactsService_Create() {
	srv := fakeIntercom(map[string]func(*http.Request) (int, string){
		"POST /contacts": func(*http.Request) (int, string) {
			return 409, `{"type":"error.list","request_id":"b9d3e5a2","errors":[{"code":"conflict",
				"message":"A contact matching those details already exists with id=5f7f0d217289f8d2f4262080"}]}`
		},
		"PUT /contacts/5f7f0d217289f8d2f4262080": func(*http.Request) (int, string) {
			return 200, `{"type":"contact","id":"5f7f0d217289f8d2f4262080","role":"user","email":"ada@example.com","name":"Ada Lovelace"}`
		},
	})
	defer srv.Close()
	c, err := intercom.NewClient("dG9rOmFiYw==", intercom.US, intercom.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	req := &intercom.ContactRequest{
		Role:             intercom.RoleUser,
		Email:            "ada@example.com",
		Name:             intercom.Ptr("Ada Lovelace"),
		CustomAttributes: map[string]any{"plan": "pro"},
	}
	contact, _, err := c.Contacts.Create(ctx, req)
	var conflict *intercom.ConflictError
	if errors.As(err, &conflict) && conflict.ExistingID != "" {
		fmt.Println("exists:", conflict.ExistingID)
		contact, _, err = c.Contacts.Update(ctx, conflict.ExistingID, req)
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("upserted:", contact.ID, contact.Name)
	// Output:
	// exists: 5f7f0d217289f8d2f4262080
	// upserted: 5f7f0d217289f8d2f4262080 Ada Lovelace
}

// Every Response carries the rate-limit state Intercom reported.
func ExampleResponse() {
	srv := fakeIntercom(map[string]func(*http.Request) (int, string){
		"GET /tags": func(*http.Request) (int, string) {
			return 200, `{"type":"list","data":[{"type":"tag","id":"102","name":"VIP"}]}`
		},
	})
	defer srv.Close()
	c, err := intercom.NewClient("dG9rOmFiYw==", intercom.US, intercom.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}

	tags, resp, err := c.Tags.List(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(tags), "tag(s)")
	if resp.Rate.Known() {
		fmt.Printf("%d of %d calls left until %s\n",
			resp.Rate.Remaining, resp.Rate.Limit, resp.Rate.Reset.UTC().Format(time.RFC3339))
	}
	// Output:
	// 1 tag(s)
	// 998 of 1000 calls left until 2024-12-18T15:58:20Z
}

func ExampleRateLimitError() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Limit", "1000")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", "1734537500")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, `{"type":"error.list","errors":[{"code":"rate_limit_exceeded","message":"Exceeded rate limit of 1000 in 10_seconds"}]}`)
	}))
	defer srv.Close()
	c, err := intercom.NewClient("dG9rOmFiYw==", intercom.US, intercom.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}

	_, _, err = c.Contacts.Get(context.Background(), "5f7f0d217289f8d2f4262080")
	var rl *intercom.RateLimitError
	if errors.As(err, &rl) {
		now := time.Unix(1734537494, 0) // time.Now() in a real program
		fmt.Println(rl.Code(), "- retry in", rl.RetryAfter(now))
		fmt.Println("temporary:", intercom.IsTemporary(err))
	}
	// Output:
	// rate_limit_exceeded - retry in 6s
	// temporary: true
}

// Paging by hand: Response.NextCursor is the next page's StartingAfter,
// e.g. to save it and resume a long export later. (Against the real
// Intercom: compiled, not run.)
func ExampleContactsService_List() {
	c, err := intercom.NewClient(os.Getenv("INTERCOM_TOKEN"), intercom.US)
	if err != nil {
		log.Fatal(err)
	}
	opts := &intercom.ListOptions{PerPage: intercom.MaxPerPage}
	for {
		page, resp, err := c.Contacts.List(context.Background(), opts)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(len(page.Data), "contacts")
		if resp.NextCursor == "" {
			break
		}
		opts.StartingAfter = resp.NextCursor
	}
}
