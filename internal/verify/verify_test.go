package verify

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/internal/store"
	"github.com/icmigrate/icmigrate/pkg/intercom"
	"github.com/icmigrate/icmigrate/pkg/intercom/intercomtest"
)

// fixture is two sandboxes and a store whose id maps the test fills by hand,
// so that each kind of difference can be made on purpose.
type fixture struct {
	src, dst *intercom.Client
	st       *store.Store
	ctx      context.Context
	t        *testing.T
}

func newFixture(t *testing.T) *fixture {
	mk := func(region, token string) *intercom.Client {
		_, srv := intercomtest.NewServer(t, intercomtest.Options{Region: region, Tokens: []string{token}, Seed: 3})
		r, _ := intercom.ParseRegion(region)
		c, err := intercom.NewClient(token, r, intercom.WithBaseURL(srv.URL))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	f := &fixture{src: mk("us", "s"), dst: mk("eu", "d"), st: store.New(rdb), ctx: context.Background(), t: t}
	// Admins: same emails on both sides (same seed); map them.
	sa, _, err := f.src.Admins.List(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	da, _, err := f.dst.Admins.List(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	pairs := map[string]string{}
	for i := range sa {
		pairs[sa[i].ID] = da[i].ID
	}
	if err := f.st.MapSet(f.ctx, "m", migrate.PhaseAdmins, pairs); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*intercom.Client{f.src, f.dst} {
		for _, name := range []string{"vip", "beta"} {
			if _, _, err := c.Tags.Create(f.ctx, name); err != nil {
				t.Fatal(err)
			}
		}
	}
	return f
}

func (f *fixture) create(c *intercom.Client, r intercom.ContactRequest, tags ...string) string {
	f.t.Helper()
	got, _, err := c.Contacts.Create(f.ctx, &r)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, tag := range tags {
		if _, _, err := c.Tags.TagContacts(f.ctx, tag, []string{got.ID}); err != nil {
			f.t.Fatal(err)
		}
	}
	return got.ID
}

func (f *fixture) owner(c *intercom.Client, i int) *int64 {
	as, _, err := c.Admins.List(f.ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	id, _ := strconv.ParseInt(as[i].ID, 10, 64)
	return &id
}

func TestContacts(t *testing.T) {
	f := newFixture(t)
	same := func(c *intercom.Client, email string) intercom.ContactRequest {
		return intercom.ContactRequest{Role: "user", Email: email, ExternalID: "x-" + email, Name: intercom.Ptr("Ann Lee"),
			SignedUpAt: intercom.Ptr(int64(1_600_000_000)), OwnerID: f.owner(c, 1), UnsubscribedFromEmails: intercom.Ptr(true)}
	}
	pairs := map[string]string{}
	// matched: identical, owner mapped, same tags.
	pairs[f.create(f.src, same(f.src, "a@x.example"), "vip", "beta")] = f.create(f.dst, same(f.dst, "a@x.example"), "beta", "vip")
	// missing: not mapped.
	missing := f.create(f.src, same(f.src, "b@x.example"))
	// different name.
	diffName := same(f.dst, "c@x.example")
	diffName.Name = intercom.Ptr("Someone Else")
	srcC := f.create(f.src, same(f.src, "c@x.example"))
	pairs[srcC] = f.create(f.dst, diffName)
	// different tags and owner.
	diffTags := same(f.dst, "d@x.example")
	diffTags.OwnerID = f.owner(f.dst, 2)
	srcD := f.create(f.src, same(f.src, "d@x.example"), "vip")
	pairs[srcD] = f.create(f.dst, diffTags)
	// extra: in the destination only.
	f.create(f.dst, same(f.dst, "e@x.example"))
	if err := f.st.MapSet(f.ctx, "m", migrate.PhaseContacts, pairs); err != nil {
		t.Fatal(err)
	}

	r, err := Contacts(f.ctx, Options{Source: f.src, Dest: f.dst, Store: f.st, Migration: "m"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Source != 4 || r.Destination != 4 || r.Matched != 1 || r.Missing != 1 || r.Different != 2 || r.Extra != 1 || r.Equal() {
		t.Fatalf("result %+v", r)
	}
	if !slices.Equal(r.MissingIDs, []string{missing}) {
		t.Fatalf("missing ids %v, want %s", r.MissingIDs, missing)
	}
	want := map[string][]string{srcC: {"name"}, srcD: {"owner_id", "tags"}}
	for _, d := range r.Diffs {
		if !slices.Equal(d.Fields, want[d.SourceID]) {
			t.Errorf("diff of %s: %v, want %v", d.SourceID, d.Fields, want[d.SourceID])
		}
	}
	if len(r.Diffs) != 2 {
		t.Fatalf("diffs %+v", r.Diffs)
	}
	// The temporary fingerprints are gone.
	keys, _ := f.st.Redis().Keys(f.ctx, "icm:verify:*").Result()
	if len(keys) != 0 {
		t.Fatalf("left behind %v", keys)
	}
}

func TestByName(t *testing.T) {
	for _, tc := range []struct {
		name                               string
		src, dst                           map[string]string
		matched, missing, extra, different int64
	}{
		{"equal", map[string]string{"a": "1", "b": "2"}, map[string]string{"a": "1", "b": "2"}, 2, 0, 0, 0},
		{"missing and extra", map[string]string{"a": "1", "b": "2"}, map[string]string{"a": "1", "c": "3"}, 1, 1, 1, 0},
		{"different definition", map[string]string{"a": "string|"}, map[string]string{"a": "integer|"}, 0, 0, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := byName("x", tc.src, tc.dst)
			if r.Matched != tc.matched || r.Missing != tc.missing || r.Extra != tc.extra || r.Different != tc.different {
				t.Fatalf("%+v", r)
			}
			if r.Equal() != (tc.missing+tc.extra+tc.different == 0) {
				t.Fatalf("Equal() = %v for %+v", r.Equal(), r)
			}
		})
	}
}

func TestContactsSample(t *testing.T) {
	f := newFixture(t)
	pairs := map[string]string{}
	var missing string
	for i := range 12 {
		email := fmt.Sprintf("s%d@x.example", i)
		r := intercom.ContactRequest{Role: "user", Email: email, Name: intercom.Ptr("N")}
		src := f.create(f.src, r)
		if i == 0 {
			missing = src // never copied
			continue
		}
		if i == 6 {
			r.Name = intercom.Ptr("Other")
		}
		pairs[src] = f.create(f.dst, r)
	}
	if err := f.st.MapSet(f.ctx, "m", migrate.PhaseContacts, pairs); err != nil {
		t.Fatal(err)
	}
	r, err := Contacts(f.ctx, Options{Source: f.src, Dest: f.dst, Store: f.st, Migration: "m", Sample: 4})
	if err != nil {
		t.Fatal(err)
	}
	// Every third contact is checked: 0 (missing), 3, 6 (different), 9.
	if r.Source != 12 || r.Sampled != 4 || r.Missing != 1 || r.Different != 1 || r.Matched != 2 || r.Equal() || r.MissingIDs[0] != missing {
		t.Fatalf("sampled result %+v", r)
	}
	if r.Diffs[0].Fields[0] != "name" {
		t.Fatalf("diffs %+v", r.Diffs)
	}
}
