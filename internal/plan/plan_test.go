package plan

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/pkg/intercom"
	"github.com/icmigrate/icmigrate/pkg/intercom/intercomtest"
)

// issueChecklist is the list of issue 6, item by item: the report must
// carry every one of them.
var issueChecklist = []string{
	"rules", "views", "slas", "chats", "posts", "emails", "product_tours", "banners", "mobile_push",
	"mobile_carousels", "sms", "surveys", "series", "email_templates", "subscription_types",
	"help_center_settings", "custom_help_center_domain", "private_articles_and_audiences", "task_bots",
	"operator_settings", "general_settings", "teammates", "teams_and_roles", "office_hours",
	"conversation_data_attributes", "qualification_settings", "email_addresses_and_domains",
	"email_forwarding", "email_notifications", "web_installation", "identity_verification",
	"mobile_installation_and_push", "security_settings", "attachment_settings", "connected_apps_and_webhooks",
}

// records decodes a sandbox entity's records.
func records[T any](t *testing.T, sb *intercomtest.Sandbox, entity string) []T {
	t.Helper()
	raw, err := sb.Records(entity)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]T, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal(r, &out[i]); err != nil {
			t.Fatalf("%s record %d: %v", entity, i, err)
		}
	}
	return out
}

// find returns the element of list with that name, or fails the test.
func find[T any](t *testing.T, list []T, name string, nameOf func(T) string) T {
	t.Helper()
	for _, x := range list {
		if nameOf(x) == name {
			return x
		}
	}
	t.Fatalf("no %q in the report", name)
	var zero T
	return zero
}

func entity(t *testing.T, rep *Report, name string) Entity {
	t.Helper()
	return find(t, rep.Entities, name, func(e Entity) string { return e.Name })
}

func check(t *testing.T, rep *Report, name string) Check {
	t.Helper()
	return find(t, rep.Checks, name, func(c Check) string { return c.Name })
}

// TestPlanOnSeededSandbox plans the move of a seeded sandbox to an EU one
// that lacks two teammates, a help center, a newsfeed and a subscription
// type. The sample (150) holds every contact, conversation and ticket of
// the workspace, so every count is exact and must equal the sandbox's own.
func TestPlanOnSeededSandbox(t *testing.T) {
	const srcRate, dstRate, wsRate = 3000, 1200, 7500
	src, srcSrv := intercomtest.NewServer(t, intercomtest.Options{Contacts: 120, Seed: 11, RateLimitPerMinute: srcRate})
	dst, dstSrv := intercomtest.NewServer(t, intercomtest.Options{Region: "eu", Tokens: []string{"dest-token"}, Seed: 11,
		Admins: intercomtest.DefaultAdmins - 2, RateLimitPerMinute: dstRate})
	removedHC := dst.HelpCenterIdentifiers()[0]
	removedFeed := dst.NewsfeedNames()[0]
	const removedType = "Newsletter"
	if !dst.RemoveHelpCenter(removedHC) || !dst.RemoveNewsfeed(removedFeed) || !dst.RemoveSubscriptionType(removedType) {
		t.Fatal("could not take a help center, a newsfeed or a subscription type out of the destination")
	}

	rep, err := Run(context.Background(), Options{
		Source:                  migrate.Side{Region: intercom.US, BaseURL: srcSrv.URL, Tokens: src.Tokens()},
		Dest:                    &migrate.Side{Region: intercom.EU, BaseURL: dstSrv.URL, Tokens: dst.Tokens()},
		Sample:                  intercom.MaxPerPage,
		WorkspaceLimitPerMinute: wsRate,
	})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("counts equal the seeded numbers", func(t *testing.T) {
		for _, tc := range []struct{ entity, sandbox string }{
			{"admins", "admins"}, {"teams", "teams"}, {"tags", "tags"}, {"segments", "segments"},
			{"subscription_types", "subscription_types"}, {"contacts", "contacts"}, {"notes", "notes"},
			{"conversations", "conversations"}, {"tickets", "tickets"}, {"help_centers", "help_centers"},
			{"collections", "collections"}, {"articles", "articles"}, {"internal_articles", "internal_articles"},
			{"newsfeeds", "newsfeeds"}, {"news_items", "news_items"},
		} {
			e := entity(t, rep, tc.entity)
			if want := int64(src.Count(tc.sandbox)); e.Count.N != want || e.Count.Estimated {
				t.Errorf("%s: count %+v, want %d, exact", tc.entity, e.Count, want)
			}
			if want := int64(src.Count(tc.sandbox)); want == 0 && tc.entity != "segments" {
				t.Errorf("%s: the sandbox seeded none: the comparison proves nothing", tc.entity)
			}
		}
		if got, want := rep.Figures.Events.N, int64(src.Count("events")); got != want || got == 0 {
			t.Errorf("events (all, by the summaries): %d, want %d", got, want)
		}
		type attr struct {
			Model            string
			Custom, Archived bool
		}
		live := map[string]int64{}
		for _, a := range records[attr](t, src, "data_attributes") {
			if a.Custom && !a.Archived {
				live[a.Model]++
			}
		}
		if e := entity(t, rep, "data_attributes"); e.Count.N != live["contact"] || live["contact"] == 0 {
			t.Errorf("contact attributes %d, want %d", e.Count.N, live["contact"])
		}
		if e := entity(t, rep, "company_attributes"); e.Count.N != live["company"] || live["company"] == 0 {
			t.Errorf("company attributes %d, want %d", e.Count.N, live["company"])
		}
		// Companies: the list counts only companies with contacts, and says
		// it is a lower bound.
		var withContacts int64
		for _, c := range records[intercom.Company](t, src, "companies") {
			if c.UserCount > 0 {
				withContacts++
			}
		}
		if e := entity(t, rep, "companies"); e.Count.N != withContacts || !e.Count.Estimated {
			t.Errorf("companies %+v, want %d marked estimated", e.Count, withContacts)
		}
		// Parts and conversations over 500: the sandbox's conversations as
		// GET renders them.
		var parts, over int64
		for _, c := range records[intercom.Conversation](t, src, "conversations") {
			parts += int64(len(c.Parts()))
			if c.PartsTruncated() {
				over++
			}
		}
		if rep.Figures.ConversationParts.N != parts || over == 0 || rep.Figures.Over500.N != over || rep.Figures.Over500.Estimated {
			t.Errorf("parts %+v over 500 %+v, want %d and %d (exact)", rep.Figures.ConversationParts, rep.Figures.Over500, parts, over)
		}
		if c := check(t, rep, CheckConversationsOver500); c.Status != StatusWarning {
			t.Errorf("over-500 check %+v, want a warning", c)
		}
		// Plan reports its own cost, as the sandboxes counted it.
		if rep.Source.PlanCalls != int64(src.TotalCalls()) || rep.Dest.PlanCalls != int64(dst.TotalCalls()) {
			t.Errorf("plan calls %d/%d, the sandboxes counted %d/%d", rep.Source.PlanCalls, rep.Dest.PlanCalls, src.TotalCalls(), dst.TotalCalls())
		}
	})

	t.Run("missing in the destination", func(t *testing.T) {
		type admin struct{ ID, Email string }
		have := map[string]bool{}
		for _, a := range records[admin](t, dst, "admins") {
			have[a.Email] = true
		}
		var missing []string
		for _, a := range records[admin](t, src, "admins") {
			if !have[a.Email] {
				missing = append(missing, a.Email)
			}
		}
		c := check(t, rep, CheckAdminsMissing)
		if len(missing) != 2 || c.Status != StatusProblem || len(c.Items) != len(missing) {
			t.Fatalf("teammates check %+v, want the %d missing %v", c, len(missing), missing)
		}
		for _, e := range missing {
			if !slices.ContainsFunc(c.Items, func(it string) bool { return strings.Contains(it, e) }) {
				t.Errorf("teammate %s not flagged: %v", e, c.Items)
			}
		}
		type helpCenter struct {
			Identifier  string `json:"identifier"`
			DisplayName string `json:"display_name"`
		}
		hcName := ""
		for _, h := range records[helpCenter](t, src, "help_centers") {
			if h.Identifier == removedHC {
				hcName = h.DisplayName
			}
		}
		if hcName == "" {
			t.Fatalf("no source help center %s", removedHC)
		}
		for _, tc := range []struct{ check, name string }{
			{CheckHelpCentersMissing, hcName}, {CheckNewsfeedsMissing, removedFeed}, {CheckSubTypesMissing, removedType},
		} {
			c := check(t, rep, tc.check)
			if c.Status != StatusProblem || len(c.Items) != 1 || !strings.Contains(c.Items[0], tc.name) {
				t.Errorf("%s: %+v, want one problem naming %q", tc.check, c, tc.name)
			}
		}
		for _, name := range []string{CheckTeamsMissing, CheckAttributeLimit, CheckDestinationEmpty} {
			if c := check(t, rep, name); c.Status != StatusOK {
				t.Errorf("%s: %+v, want ok", name, c)
			}
		}
	})

	t.Run("durations at the detected rate limits", func(t *testing.T) {
		// X-RateLimit-Limit is per 10-second window.
		wantSrc, wantDst := intercomtest.PerWindow(srcRate)*6, intercomtest.PerWindow(dstRate)*6
		if rep.Source.AppLimitPerMinute != wantSrc || !rep.Source.RateDetected || rep.Dest.AppLimitPerMinute != wantDst {
			t.Fatalf("limits %d/%d, want %d/%d detected", rep.Source.AppLimitPerMinute, rep.Dest.AppLimitPerMinute, wantSrc, wantDst)
		}
		// Three source apps are capped by the workspace: 2.5 apps' worth.
		if got := rep.Source.RatePerMinute(3); got != wsRate {
			t.Errorf("3 source apps: %d calls/min, want the workspace's %d", got, wsRate)
		}
		total := make([]float64, 3)
		for _, e := range rep.Entities {
			for i, d := range e.Durations {
				n := i + 1
				want := 60 * math.Max(float64(e.SourceCalls)/float64(min(n*wantSrc, wsRate)), float64(e.DestCalls)/float64(min(n*wantDst, wsRate)))
				if d.Apps != n || math.Abs(d.Seconds-want) > 1e-9 {
					t.Errorf("%s with %d apps: %+v, want %.3fs", e.Name, n, d, want)
				}
				total[i] += want
			}
		}
		for i, d := range rep.Total.Durations {
			if math.Abs(d.Seconds-total[i]) > 1e-6 {
				t.Errorf("bulk run with %d apps: %.3fs, want %.3fs", d.Apps, d.Seconds, total[i])
			}
		}
		if rep.Total.Durations[0].Seconds <= rep.Total.Durations[1].Seconds || rep.Total.DestCalls == 0 {
			t.Errorf("two apps should be faster than one: %+v", rep.Total)
		}
		// The cutover's bulk run is the one-app figure: one token a side.
		if math.Abs(rep.Cutover.BulkSeconds-rep.Total.Durations[0].Seconds) > 1e-6 {
			t.Errorf("cutover bulk %.3fs, want the one-app %.3fs", rep.Cutover.BulkSeconds, rep.Total.Durations[0].Seconds)
		}
	})

	t.Run("every checklist item in Markdown and JSON", func(t *testing.T) {
		dir := t.TempDir()
		md, js, err := rep.WriteFiles(dir)
		if err != nil {
			t.Fatal(err)
		}
		mdText, err := os.ReadFile(md)
		if err != nil {
			t.Fatal(err)
		}
		var back Report
		buf, err := os.ReadFile(js)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(buf, &back); err != nil {
			t.Fatal(err)
		}
		if len(back.Checklist) != len(issueChecklist) {
			t.Errorf("%d checklist items, the issue lists %d", len(back.Checklist), len(issueChecklist))
		}
		for _, key := range issueChecklist {
			i := slices.IndexFunc(back.Checklist, func(it Item) bool { return it.Key == key })
			if i < 0 {
				t.Errorf("checklist item %s missing from the JSON", key)
				continue
			}
			it := back.Checklist[i]
			if !slices.Contains([]string{PriorityHigh, PriorityMedium, PriorityLow}, it.Priority) || it.Action == "" || it.APICounts != (it.Count != nil) {
				t.Errorf("checklist item %+v: want a priority, an action, and a count exactly when the API counts it", it)
			}
			if !strings.Contains(string(mdText), "| "+it.Priority+" | "+it.Title+" |") {
				t.Errorf("checklist item %s (%q) missing from the Markdown", key, it.Title)
			}
		}
		if i := slices.IndexFunc(back.Checklist, func(it Item) bool { return it.Key == "teammates" }); *back.Checklist[i].Count != int64(src.Count("admins")) {
			t.Errorf("teammates counted %d, want %d", *back.Checklist[i].Count, src.Count("admins"))
		}
		for _, s := range []string{"## Inventory and estimate", "## Checks", "## Cutover", "| contacts | 120 |", missingEmail(t, rep)} {
			if !strings.Contains(string(mdText), s) {
				t.Errorf("the Markdown lacks %q", s)
			}
		}
		if back.Total.SourceCalls != rep.Total.SourceCalls || back.Total.DestCalls != rep.Total.DestCalls || len(back.Entities) != len(rep.Entities) {
			t.Errorf("the JSON does not round-trip the estimate")
		}
		if fi, err := os.Stat(filepath.Join(dir, JSONFile)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, mode %v: it names teammates, want 0600", JSONFile, err, fi.Mode())
		}
	})
}

func missingEmail(t *testing.T, rep *Report) string {
	t.Helper()
	items := check(t, rep, CheckAdminsMissing).Items
	if len(items) == 0 {
		t.Fatal("no teammate flagged")
	}
	return items[0]
}

// TestPlanWithoutDestination: without destination tokens the comparisons
// are skipped and said to be, and the destination's limit is assumed.
func TestPlanWithoutDestination(t *testing.T) {
	src, srv := intercomtest.NewServer(t, intercomtest.Options{Contacts: 30, Seed: 2})
	rep, err := Run(context.Background(), Options{Source: migrate.Side{Region: intercom.US, BaseURL: srv.URL, Tokens: src.Tokens()}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Dest != nil || len(rep.Notes) == 0 || rep.destWS().AppLimitPerMinute != DefaultAppLimitPerMinute {
		t.Errorf("dest %+v notes %v: want no destination, a note, Intercom's default limit", rep.Dest, rep.Notes)
	}
	for _, name := range []string{CheckAdminsMissing, CheckHelpCentersMissing, CheckTeamsMissing, CheckSubTypesMissing, CheckNewsfeedsMissing} {
		if c := check(t, rep, name); c.Status != StatusSkipped {
			t.Errorf("%s: %+v, want skipped", name, c)
		}
	}
	// Sample 20 of 30 contacts' events and 15 conversations of 15: the
	// events are estimated, the conversations exact.
	if e := rep.Figures.Events; !e.Estimated || !strings.Contains(e.Basis, "sample of 20 of 30") {
		t.Errorf("events %+v: want an estimate from 20 of 30 contacts", e)
	}
	if c := rep.Figures.ConversationParts; c.Estimated {
		t.Errorf("conversation parts %+v: every conversation was read, want exact", c)
	}
	var b strings.Builder
	rep.Summary(&b)
	if !strings.Contains(b.String(), "SKIPPED") || !strings.Contains(b.String(), "bulk run") {
		t.Errorf("summary:\n%s", b.String())
	}
}

// TestPlanRefusesTheSameWorkspace: two tokens of one workspace are no
// migration.
func TestPlanRefusesTheSameWorkspace(t *testing.T) {
	src, srv := intercomtest.NewServer(t, intercomtest.Options{Tokens: []string{"a", "b"}})
	_, err := Run(context.Background(), Options{
		Source: migrate.Side{Region: intercom.US, BaseURL: srv.URL, Tokens: src.Tokens()[:1]},
		Dest:   &migrate.Side{Region: intercom.US, BaseURL: srv.URL, Tokens: src.Tokens()[1:]},
	})
	if err == nil || !strings.Contains(err.Error(), "same workspace") {
		t.Errorf("err %v, want a refusal naming the same workspace", err)
	}
	if _, err := Run(context.Background(), Options{Source: migrate.Side{Region: intercom.EU, BaseURL: srv.URL, Tokens: src.Tokens()[:1]}}); err == nil || !strings.Contains(err.Error(), "not eu") {
		t.Errorf("err %v, want the region mismatch", err)
	}
}
