package intercomtest_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/icmigrate/icmigrate/pkg/intercom/intercomtest"
)

// TestSeedEntities: Options.Entities generates the contacts' workspace
// always, the listed kinds as in a full workspace of the same seed, and
// the others as in an empty workspace (configuration only).
func TestSeedEntities(t *testing.T) {
	mk := func(contacts int, entities ...string) *intercomtest.Sandbox {
		t.Helper()
		sb, _ := intercomtest.NewServer(t, intercomtest.Options{Seed: 8, Contacts: contacts, Entities: entities})
		return sb
	}
	full, empty := mk(400), mk(0)
	core := map[string]bool{"admins": true, "teams": true, "subscription_types": true, "data_attributes": true, "tags": true, "contacts": true}
	for _, tc := range []struct {
		name     string
		entities []string
	}{
		{"contacts only", []string{"contacts"}},
		{"companies", []string{"companies"}},
		{"conversations and tickets", []string{"conversations", "tickets"}},
		{"notes and events", []string{"notes", "events"}},
		{"help center", []string{"help_centers", "collections", "articles", "internal_articles"}},
		{"news and custom objects", []string{"newsfeeds", "news_items", "custom_objects"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb := mk(400, tc.entities...)
			listed := map[string]bool{}
			for _, e := range tc.entities {
				listed[e] = true
			}
			for model, n := range attrModels(t, sb) {
				// The companies' seed adds company attributes.
				want := attrModels(t, full)[model]
				if model == "company" && !listed["companies"] {
					if n >= want {
						t.Errorf("%d company data attributes without companies, want fewer than %d", n, want)
					}
				} else if n != want {
					t.Errorf("%d %s data attributes, want %d", n, model, want)
				}
			}
			for _, e := range full.Entities() {
				if e == "data_attributes" {
					continue // by model above
				}
				want, from := empty.Count(e), "empty"
				if core[e] || listed[e] {
					want, from = full.Count(e), "full"
				}
				if got := sb.Count(e); got != want {
					t.Errorf("Count(%s) = %d, want %d (as in the %s workspace)", e, got, want, from)
				}
			}
			// The contacts are the same people as in the full workspace.
			a, _ := full.Records("contacts")
			b, _ := sb.Records("contacts")
			if len(a) != len(b) {
				t.Fatalf("%d contacts, want %d", len(b), len(a))
			}
			for i := range a {
				if contactKey(t, a[i]) != contactKey(t, b[i]) {
					t.Fatalf("contact %d differs: %s vs %s", i, a[i], b[i])
				}
			}
		})
	}
	if full.Count("conversations") == 0 || full.Count("companies") == 0 || full.Count("notes") == 0 {
		t.Fatal("the full workspace lacks records: the comparison proves nothing")
	}
	_, err := intercomtest.New(intercomtest.Options{Entities: []string{"contacts", "deals"}, Unvalidated: true, SpecPath: "/nonexistent"})
	if err == nil || !strings.Contains(err.Error(), `"deals"`) {
		t.Errorf("unknown kind: %v", err)
	}
}

func contactKey(t *testing.T, raw []byte) string {
	t.Helper()
	var c contactJSON
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return c.ID + " " + c.Email + " " + c.Role
}

// attrModels counts the custom data attributes by model.
func attrModels(t *testing.T, sb *intercomtest.Sandbox) map[string]int {
	t.Helper()
	recs, err := sb.Records("data_attributes")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{"contact": 0, "company": 0}
	for _, r := range recs {
		var a struct{ Model string }
		if err := json.Unmarshal(r, &a); err != nil {
			t.Fatal(err)
		}
		out[a.Model]++
	}
	return out
}
