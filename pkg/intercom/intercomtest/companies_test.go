package intercomtest_test

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/icmigrate/icmigrate/pkg/intercom/intercomtest"
)

type companyJSON struct {
	ID               string         `json:"id"`
	CompanyID        string         `json:"company_id"`
	Name             string         `json:"name"`
	Plan             map[string]any `json:"plan"`
	Size             *int64         `json:"size"`
	Website          string         `json:"website"`
	MonthlySpend     json.Number    `json:"monthly_spend"`
	UserCount        int            `json:"user_count"`
	CustomAttributes map[string]any `json:"custom_attributes"`
	Tags             struct {
		Tags []struct{ ID, Name string } `json:"tags"`
	} `json:"tags"`
}

type scrollJSON struct {
	Data        []companyJSON `json:"data"`
	ScrollParam string        `json:"scroll_param"`
	TotalCount  *int          `json:"total_count"`
}

// scrollAll walks the scroll to its end.
func scrollAll(t *testing.T, a *api) []companyJSON {
	t.Helper()
	var all []companyJSON
	param := ""
	for {
		path := "/companies/scroll"
		if param != "" {
			path += "?scroll_param=" + param
		}
		var p scrollJSON
		a.must(200, "GET", path, nil).json(t, &p)
		if param != "" && p.ScrollParam != param {
			t.Fatalf("scroll_param changed from %s to %s", param, p.ScrollParam)
		}
		if len(p.Data) == 0 {
			return all
		}
		if len(p.Data) > intercomtest.CompanyScrollPageSize {
			t.Fatalf("a scroll page of %d", len(p.Data))
		}
		param = p.ScrollParam
		all = append(all, p.Data...)
	}
}

// TestSeededCompanies: N/10 companies, deterministic, with attached
// contacts, custom attributes and tags, every one served by the scroll.
func TestSeededCompanies(t *testing.T) {
	sb, a := newSandbox(t, intercomtest.Options{Seed: 5, Contacts: 600, FullResponseValidation: true})
	if got := sb.Count("companies"); got != 60 {
		t.Fatalf("%d companies for 600 contacts, want 60", got)
	}
	all := scrollAll(t, a)
	if len(all) != 60 {
		t.Fatalf("the scroll served %d companies", len(all))
	}
	ids := map[string]bool{}
	var withUsers, withTags, withCustom, noUsers int
	for _, c := range all {
		if ids[c.CompanyID] || !strings.HasPrefix(c.CompanyID, "cmp_") {
			t.Fatalf("company_id %q repeated or malformed", c.CompanyID)
		}
		ids[c.CompanyID] = true
		if c.UserCount > 0 {
			withUsers++
		} else {
			noUsers++
		}
		if len(c.Tags.Tags) > 0 {
			withTags++
		}
		if len(c.CustomAttributes) > 0 {
			withCustom++
		}
	}
	if withUsers < 50 || withTags < 5 || withCustom < 50 {
		t.Errorf("with users %d, tags %d, custom attributes %d", withUsers, withTags, withCustom)
	}
	// The same seed, the same companies (ids depend on the workspace).
	sb2, a2 := newSandbox(t, intercomtest.Options{Seed: 5, Contacts: 600, Region: "eu", Tokens: []string{"other"}})
	again := scrollAll(t, a2)
	for i := range all {
		x, y := all[i], again[i]
		x.ID, y.ID = "", ""
		if !reflect.DeepEqual(x.CompanyID, y.CompanyID) || x.Name != y.Name || x.UserCount != y.UserCount {
			t.Fatalf("company %d differs between two workspaces of the same seed", i)
		}
	}
	_ = sb2
	// The contacts' view embeds their companies.
	attached := 0
	for _, c := range walkContacts(t, a, 150) {
		var full struct {
			Companies struct {
				Data       []struct{ ID, Type string } `json:"data"`
				TotalCount int                         `json:"total_count"`
				HasMore    bool                        `json:"has_more"`
			} `json:"companies"`
		}
		a.must(200, "GET", "/contacts/"+c.ID, nil).json(t, &full)
		if len(full.Companies.Data) > 3 || full.Companies.TotalCount != len(full.Companies.Data) {
			t.Fatalf("contact %s: %+v", c.ID, full.Companies)
		}
		attached += full.Companies.TotalCount
	}
	total := 0
	for _, c := range all {
		total += c.UserCount
	}
	if attached != total || attached < 400 {
		t.Errorf("%d attachments seen from contacts, %d from companies", attached, total)
	}
	// The list endpoint leaves out companies without contacts.
	var l struct {
		Data       []companyJSON `json:"data"`
		TotalCount int           `json:"total_count"`
	}
	a.must(200, "POST", "/companies/list?per_page=60", nil).json(t, &l)
	if l.TotalCount != withUsers || len(l.Data) != withUsers {
		t.Errorf("list: %d of %d, want the %d companies with contacts", len(l.Data), l.TotalCount, withUsers)
	}
}

// TestCompanyScrollRules: one scroll per app, the same param for every
// page, expiry after a minute idle, a 500 that ends the scroll, a second
// app scrolling on its own.
func TestCompanyScrollRules(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_750_000_000, 0)}
	sb, a := newSandbox(t, intercomtest.Options{Seed: 2, Contacts: 1200, Tokens: []string{"app1", "app2"}, Now: clock.Now})
	var p scrollJSON
	a.must(200, "GET", "/companies/scroll", nil).json(t, &p)
	if len(p.Data) != intercomtest.CompanyScrollPageSize || p.ScrollParam == "" || p.TotalCount != nil {
		t.Fatalf("first page: %d companies, param %q, total %v", len(p.Data), p.ScrollParam, p.TotalCount)
	}
	if code, _ := a.must(400, "GET", "/companies/scroll", nil).errCode(t); code != "scroll_exists" {
		t.Fatalf("second scroll: %s", code)
	}
	// Another app of the workspace has its own.
	b := newAPI(t, a.base, "app2")
	b.must(200, "GET", "/companies/scroll", nil)
	if sb.OpenCompanyScrolls() != 2 {
		t.Fatalf("%d open scrolls", sb.OpenCompanyScrolls())
	}
	// Each call advances: the same param twice reads two pages.
	var p2, p3 scrollJSON
	a.must(200, "GET", "/companies/scroll?scroll_param="+p.ScrollParam, nil).json(t, &p2)
	a.must(200, "GET", "/companies/scroll?scroll_param="+p.ScrollParam, nil).json(t, &p3)
	if p2.Data[0].ID == p3.Data[0].ID || p2.ScrollParam != p.ScrollParam {
		t.Fatal("the scroll did not advance")
	}
	// A minute idle: expired, and a new one may be opened.
	clock.Set(clock.Now().Add(61 * time.Second))
	if code, _ := a.must(404, "GET", "/companies/scroll?scroll_param="+p.ScrollParam, nil).errCode(t); code != "not_found" {
		t.Fatalf("expired scroll: %s", code)
	}
	a.must(200, "GET", "/companies/scroll", nil).json(t, &p)
	// Intercom's 500 ends the scroll; the next one opens at once.
	sb.BreakCompanyScrolls(1)
	_, msg := a.must(500, "GET", "/companies/scroll?scroll_param="+p.ScrollParam, nil).errCode(t)
	if !strings.Contains(msg, "restart the scroll") {
		t.Fatalf("500 message %q", msg)
	}
	a.must(404, "GET", "/companies/scroll?scroll_param="+p.ScrollParam, nil)
	if n := len(scrollAll(t, a)); n != 120 {
		t.Fatalf("a fresh scroll served %d of 120", n)
	}
	// Read to its end, the scroll is closed.
	a.must(200, "GET", "/companies/scroll", nil)
}

// TestCompanyWrites: create or update by company_id, typed custom
// attributes, attachments, tags, and Intercom's refusals.
func TestCompanyWrites(t *testing.T) {
	sb, a := newSandbox(t, intercomtest.Options{Seed: 3, Contacts: 40, FullResponseValidation: true})
	body := map[string]any{"company_id": "acme-1", "name": "Acme", "plan": "Pro", "size": 12, "website": "https://acme.example",
		"industry": "Retail", "monthly_spend": 155, "remote_created_at": 1_600_000_000,
		"custom_attributes": map[string]any{"seats_purchased": 9, "is_partner": true, "arr_usd": 1200.5, "company_tier": "Gold"}}
	var c companyJSON
	a.must(200, "POST", "/companies", body).json(t, &c)
	if c.MonthlySpend.String() != "155" || c.Plan["name"] != "Pro" || *c.Size != 12 || c.CustomAttributes["is_partner"] != true {
		t.Fatalf("created %+v", c)
	}
	n := sb.Count("companies")
	var c2 companyJSON
	a.must(200, "POST", "/companies", map[string]any{"company_id": "acme-1", "name": "Acme Inc", "custom_attributes": map[string]any{"seats_purchased": nil}}).json(t, &c2)
	if c2.ID != c.ID || c2.Name != "Acme Inc" || c2.Website != "https://acme.example" || sb.Count("companies") != n {
		t.Fatalf("update by company_id made %+v (%d companies)", c2, sb.Count("companies"))
	}
	if _, ok := c2.CustomAttributes["seats_purchased"]; ok {
		t.Fatal("null did not clear the attribute")
	}
	for _, tc := range []struct {
		body map[string]any
		code string
	}{
		{map[string]any{"name": "no id"}, "parameter_not_found"},
		{map[string]any{"company_id": "x", "test": "invalid"}, "bad_request"},
		{map[string]any{"company_id": "x", "custom_attributes": map[string]any{"nope": 1}}, "parameter_invalid"},
		{map[string]any{"company_id": "x", "custom_attributes": map[string]any{"seats_purchased": "many"}}, "parameter_invalid"},
		{map[string]any{"company_id": "x", "custom_attributes": map[string]any{"plan": "Pro"}}, "parameter_invalid"}, // a contact attribute
		{map[string]any{"company_id": "x", "monthly_spend": 1 << 40}, "parameter_invalid"},
	} {
		if code, _ := a.must(400, "POST", "/companies", tc.body).errCode(t); code != tc.code {
			t.Errorf("%v: code %s, want %s", tc.body, code, tc.code)
		}
	}
	var found struct{ Data []companyJSON }
	a.must(200, "GET", "/companies?company_id=acme-1", nil).json(t, &found)
	if len(found.Data) != 1 || found.Data[0].ID != c.ID {
		t.Fatalf("by company_id: %+v", found)
	}
	if code, _ := a.must(404, "GET", "/companies?company_id=none", nil).errCode(t); code != "company_not_found" {
		t.Fatal(code)
	}
	a.must(404, "GET", "/companies/000000000000000000000000", nil)

	// Attach twelve companies to a contact: the view shows ten, has_more.
	ct := walkContacts(t, a, 50)[0].ID
	for _, pc := range sb.CompaniesOf(ct) {
		a.must(200, "DELETE", "/contacts/"+ct+"/companies/"+pc, nil)
	}
	var mine []string
	for i := 0; i < 12; i++ {
		var x companyJSON
		a.must(200, "POST", "/companies", map[string]any{"company_id": "many-" + itoa(i)}).json(t, &x)
		mine = append(mine, x.ID)
		a.must(200, "POST", "/contacts/"+ct+"/companies", map[string]any{"id": x.ID})
		a.must(200, "POST", "/contacts/"+ct+"/companies", map[string]any{"id": x.ID}) // twice: harmless
	}
	var view struct {
		Companies struct {
			Data       []struct{ ID string } `json:"data"`
			TotalCount int                   `json:"total_count"`
			HasMore    bool                  `json:"has_more"`
		} `json:"companies"`
	}
	a.must(200, "GET", "/contacts/"+ct, nil).json(t, &view)
	if len(view.Companies.Data) != 10 || view.Companies.TotalCount != 12 || !view.Companies.HasMore {
		t.Fatalf("embedded companies %+v", view.Companies)
	}
	var listed struct {
		Data       []companyJSON `json:"data"`
		TotalCount int           `json:"total_count"`
		Pages      struct {
			TotalPages int `json:"total_pages"`
		} `json:"pages"`
	}
	a.must(200, "GET", "/contacts/"+ct+"/companies", nil).json(t, &listed)
	if len(listed.Data) != 12 || listed.TotalCount != 12 || listed.Data[0].UserCount != 1 {
		t.Fatalf("listed %d of %d", len(listed.Data), listed.TotalCount)
	}
	a.must(404, "POST", "/contacts/"+ct+"/companies", map[string]any{"id": "000000000000000000000000"})
	a.must(404, "POST", "/contacts/000000000000000000000000/companies", map[string]any{"id": mine[0]})
	a.must(200, "DELETE", "/contacts/"+ct+"/companies/"+mine[0], nil)
	a.must(404, "DELETE", "/contacts/"+ct+"/companies/"+mine[0], nil)
	if got := sb.CompaniesOf(ct); len(got) != 11 {
		t.Fatalf("after a detach: %d", len(got))
	}

	// Tags: by id or company_id, untag, unknown company refused whole.
	a.must(200, "POST", "/tags", map[string]any{"name": "Key account", "companies": []map[string]any{{"id": mine[1]}, {"company_id": "many-2"}}})
	var tagged companyJSON
	a.must(200, "GET", "/companies/"+mine[2], nil).json(t, &tagged)
	if len(tagged.Tags.Tags) != 1 || tagged.Tags.Tags[0].Name != "Key account" {
		t.Fatalf("tags %+v", tagged.Tags)
	}
	a.must(404, "POST", "/tags", map[string]any{"name": "Other", "companies": []map[string]any{{"id": mine[3]}, {"id": "000000000000000000000000"}}})
	var other companyJSON
	a.must(200, "GET", "/companies/"+mine[3], nil).json(t, &other)
	if len(other.Tags.Tags) != 0 {
		t.Fatal("a refused call tagged a company")
	}
	a.must(200, "POST", "/tags", map[string]any{"name": "Key account", "companies": []map[string]any{{"id": mine[2], "untag": true}}})
	a.must(200, "GET", "/companies/"+mine[2], nil).json(t, &tagged)
	if len(tagged.Tags.Tags) != 0 {
		t.Fatal("untag did not remove the tag")
	}
	a.must(400, "POST", "/tags", map[string]any{"name": "x", "companies": []map[string]any{{"id": mine[1]}}, "users": []map[string]any{{"id": ct}}})
	var byTag struct{ Data []companyJSON }
	tagID := ""
	for _, raw := range companyTestRecords(sb.Records("tags")) {
		var tg struct{ ID, Name string }
		_ = json.Unmarshal(raw, &tg)
		if tg.Name == "Key account" {
			tagID = tg.ID
		}
	}
	a.must(200, "GET", "/companies?tag_id="+tagID, nil).json(t, &byTag)
	if len(byTag.Data) != 1 || byTag.Data[0].ID != mine[1] {
		t.Fatalf("by tag: %+v", byTag.Data)
	}
	ids := sb.CompaniesOf(ct)
	sort.Strings(ids)
	if len(ids) != 11 {
		t.Fatal(ids)
	}
}

func companyTestRecords(v []json.RawMessage, err error) []json.RawMessage {
	if err != nil {
		panic(err)
	}
	return v
}
