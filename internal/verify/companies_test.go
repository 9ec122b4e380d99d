package verify

import (
	"slices"
	"testing"

	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/pkg/intercom"
)

func (f *fixture) company(c *intercom.Client, r intercom.CompanyRequest, tags ...string) string {
	f.t.Helper()
	got, _, err := c.Companies.CreateOrUpdate(f.ctx, &r)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, tag := range tags {
		if _, _, err := c.Tags.TagCompanies(f.ctx, tag, []string{got.ID}); err != nil {
			f.t.Fatal(err)
		}
	}
	return got.ID
}

func (f *fixture) attach(c *intercom.Client, contact string, companies ...string) {
	f.t.Helper()
	for _, co := range companies {
		if _, _, err := c.Companies.AttachContact(f.ctx, contact, co); err != nil {
			f.t.Fatal(err)
		}
	}
}

// TestCompanies: companies compared by company_id, field by field (custom
// attributes, tags, user_count included), and attachments per contact.
func TestCompanies(t *testing.T) {
	f := newFixture(t)
	for _, c := range []*intercom.Client{f.src, f.dst} {
		if _, _, err := c.DataAttributes.Create(f.ctx, &intercom.DataAttributeRequest{Name: "seats", Model: intercom.ModelCompany, DataType: "integer"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := f.src.DataAttributes.Create(f.ctx, &intercom.DataAttributeRequest{Name: "tier", Model: intercom.ModelCompany, DataType: "string"}); err != nil {
		t.Fatal(err)
	}
	co := func(id, name string) intercom.CompanyRequest {
		return intercom.CompanyRequest{CompanyID: id, Name: name, Plan: "Pro", Size: intercom.Ptr(int64(40)), Website: "https://x.example",
			MonthlySpend: intercom.Ptr(int64(99)), CustomAttributes: map[string]any{"seats": 3}}
	}
	s1, d1 := f.company(f.src, co("m1", "One"), "vip"), f.company(f.dst, co("m1", "One"), "VIP")
	f.company(f.src, co("m2", "Two"))
	s3, d3 := f.company(f.src, co("m3", "Three"), "beta"), f.company(f.dst, co("m3", "Three Ltd"))
	f.company(f.dst, co("m4", "Four"))

	a, aa := f.create(f.src, intercom.ContactRequest{Role: "user", Email: "a@x.example"}), f.create(f.dst, intercom.ContactRequest{Role: "user", Email: "a@x.example"})
	b, bb := f.create(f.src, intercom.ContactRequest{Role: "user", Email: "b@x.example"}), f.create(f.dst, intercom.ContactRequest{Role: "user", Email: "b@x.example"})
	f.attach(f.src, a, s1, s3)
	f.attach(f.src, b, s1)
	f.attach(f.dst, aa, d1)
	f.attach(f.dst, bb, d1)
	if err := f.st.MapSet(f.ctx, "m", migrate.PhaseContacts, map[string]string{a: aa, b: bb}); err != nil {
		t.Fatal(err)
	}
	_ = d3
	o := Options{Source: f.src, Dest: f.dst, Store: f.st, Migration: "m"}

	r, err := CompanyAttributes(f.ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if r.Source != 2 || r.Matched != 1 || r.Missing != 1 || r.Equal() {
		t.Fatalf("attributes %+v", r)
	}

	r, err = Companies(f.ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if r.Source != 3 || r.Destination != 3 || r.Matched != 1 || r.Missing != 1 || r.Different != 1 || r.Extra != 1 || r.Equal() {
		t.Fatalf("companies %+v", r)
	}
	if len(r.Diffs) != 1 || r.Diffs[0].SourceID != s3 || !slices.Equal(r.Diffs[0].Fields, []string{"name", "tags", "user_count"}) {
		t.Fatalf("diffs %+v", r.Diffs)
	}

	r, err = CompanyContacts(f.ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if r.Source != 3 || r.Destination != 2 || r.Matched != 2 || r.Missing != 1 || r.Extra != 0 || r.Equal() {
		t.Fatalf("attachments %+v", r)
	}
	keys, _ := f.st.Redis().Keys(f.ctx, "icm:verify:*").Result()
	if len(keys) != 0 {
		t.Fatalf("left behind %v", keys)
	}
}
