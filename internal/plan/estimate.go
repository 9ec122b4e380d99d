package plan

import (
	"fmt"
	"math"
)

// Entity is one line of the inventory: what the source holds of a kind of
// record, whether the API carries it, and what carrying it costs.
type Entity struct {
	Name  string `json:"name"`
	Count Count  `json:"count"`
	// APIMigrates says whether the API can create these records in the
	// destination; How says what is carried, or what is done instead.
	APIMigrates bool   `json:"api_migrates"`
	How         string `json:"how"`
	// Phases are the engine's phases the line stands for (none: matched
	// or read by another phase, or not migrated).
	Phases      []string   `json:"phases,omitempty"`
	SourceCalls int64      `json:"source_calls"`
	DestReads   int64      `json:"dest_reads"`
	DestWrites  int64      `json:"dest_writes"`
	DestCalls   int64      `json:"dest_calls"`
	Durations   []Duration `json:"durations"`
}

// Duration is how long something takes with a number of apps (tokens) on
// each side, at the rate limits.
type Duration struct {
	Apps    int     `json:"apps_per_side"`
	Seconds float64 `json:"seconds"`
}

// Total sums the entities: the bulk run.
type Total struct {
	SourceCalls int64      `json:"source_calls"`
	DestCalls   int64      `json:"dest_calls"`
	Durations   []Duration `json:"durations"`
}

// row describes an inventory line.
type row struct {
	name     string
	phases   []string
	migrates bool
	count    func(f *Figures) Count
	how      func(f *Figures) string
}

func text(s string) func(*Figures) string { return func(*Figures) string { return s } }

// rows are the inventory's lines, in the engine's order. Every phase of
// the engine belongs to one line (TestCostModelCoversEveryPhase).
var rows = []row{
	{"admins", []string{"admins"}, false, func(f *Figures) Count { return f.Admins },
		text("matched by email: the API cannot create teammates (invite them first; see the checks)")},
	{"teams", []string{"teams"}, false, func(f *Figures) Count { return f.Teams },
		text("matched by name: the API cannot create teams")},
	{"data_attributes", []string{"data_attributes"}, true, func(f *Figures) Count { return f.ContactAttributes },
		func(f *Figures) string {
			return fmt.Sprintf("custom contact attributes, created by name (%d to create)", f.ContactAttributesToCreate)
		}},
	{"company_attributes", []string{"company_attributes"}, true, func(f *Figures) Count { return f.CompanyAttributes },
		func(f *Figures) string {
			return fmt.Sprintf("custom company attributes, created by name (%d to create)", f.CompanyAttributesToCreate)
		}},
	{"tags", []string{"tags"}, true, func(f *Figures) Count { return f.Tags },
		func(f *Figures) string { return fmt.Sprintf("created by name (%d to create)", f.TagsToCreate) }},
	{"companies", []string{"companies"}, true, func(f *Figures) Count { return f.Companies },
		text("created or updated by company_id, with their attributes")},
	{"contacts", []string{"contacts"}, true, func(f *Figures) Count { return f.Contacts },
		text("users and leads: attributes, owner, unsubscribed flag")},
	{"contact_tags", []string{"contact_tags"}, true, func(f *Figures) Count { return f.ContactTagApplications },
		text("tag applications, 50 contacts a call")},
	{"consent", []string{"consent"}, true, func(f *Figures) Count { return f.Preferences },
		text("subscription preferences (opt-ins, opt-outs) of types matched by name and consent type")},
	{"notes", []string{"notes"}, true, func(f *Figures) Count { return f.Notes },
		text("body and author; Intercom dates a note when it is added")},
	{"events", []string{"events"}, true, func(f *Figures) Count { return f.ListableEvents },
		func(f *Figures) string {
			return fmt.Sprintf("events of the last 90 days with their dates and metadata; %d of %d events are older and exist only as counts", max(f.Events.N-f.ListableEvents.N, 0), f.Events.N)
		}},
	{"company_contacts", []string{"company_contacts"}, true, func(f *Figures) Count { return f.CompanyAttachments },
		text("contacts attached to their companies, one call each")},
	{"company_tags", []string{"company_tags"}, true, func(f *Figures) Count { return f.CompanyTagApplications },
		text("tag applications, 50 companies a call")},
	{"conversations", []string{"conversations"}, true, func(f *Figures) Count { return f.Conversations },
		func(f *Figures) string {
			per := 0.0
			if f.Conversations.N > 0 {
				per = float64(f.ConversationParts.N) / float64(f.Conversations.N)
			}
			return fmt.Sprintf("with the parts the API can create (%.1f parts a conversation), title, attributes, tags; %s over 500 parts lose their oldest (see the checks)", per, f.Over500.cell())
		}},
	{"ticket_types", []string{"ticket_types", "ticket_types_archive"}, true, func(f *Figures) Count { return f.TicketTypes },
		func(f *Figures) string {
			return fmt.Sprintf("created by name with their %d attributes; states matched by category and label", f.TicketTypeAttributes.N)
		}},
	{"tickets", []string{"tickets"}, true, func(f *Figures) Count { return f.Tickets },
		text("attributes, assignee, comments and notes, final state")},
	{"help_centers", nil, false, func(f *Figures) Count { return f.HelpCenters },
		text("matched by identifier or name: the API cannot create help centers")},
	{"collections", []string{"collections"}, true, func(f *Figures) Count { return f.Collections },
		text("the collection tree with translations")},
	{"articles", []string{"articles"}, true, func(f *Figures) Count { return f.Articles },
		text("with every translation; authors must be teammates of the destination")},
	{"internal_articles", []string{"internal_articles"}, true, func(f *Figures) Count { return f.InternalArticles },
		text("body, author, owner")},
	{"newsfeeds", nil, false, func(f *Figures) Count { return f.Newsfeeds },
		text("matched by name: the API cannot create newsfeeds")},
	{"news_items", []string{"news_items"}, true, func(f *Figures) Count { return f.NewsItems },
		text("with their newsfeed assignments, labels and reactions")},
	{"custom_objects", []string{"custom_objects"}, true, func(f *Figures) Count { return f.CustomObjects },
		text("instances of the named types, by external id; the types must exist in the destination")},
	{"subscription_types", nil, false, func(f *Figures) Count { return f.SubscriptionTypes },
		text("matched by name and consent type: the API cannot create them")},
	{"conversation_attributes", nil, false, func(f *Figures) Count { return f.ConversationAttributes },
		text("matched by name: the API cannot create conversation attributes")},
	{"segments", nil, false, func(f *Figures) Count { return f.Segments },
		text("not migrated: the API cannot create segments (recreate their filters by hand)")},
}

// estimate builds the inventory lines and the bulk run's total for 1, 2 and
// 3 apps per side.
func estimate(f *Figures, src, dst Workspace) ([]Entity, Total) {
	var out []Entity
	var total Total
	for _, n := range appCounts {
		total.Durations = append(total.Durations, Duration{Apps: n})
	}
	for _, r := range rows {
		var c Calls
		for _, p := range r.phases {
			pc := phaseCost[p](f)
			c.SourceReads += pc.SourceReads
			c.DestReads += pc.DestReads
			c.DestWrites += pc.DestWrites
		}
		e := Entity{Name: r.name, Count: r.count(f), APIMigrates: r.migrates, How: r.how(f), Phases: r.phases,
			SourceCalls: round(c.SourceReads), DestReads: round(c.DestReads), DestWrites: round(c.DestWrites)}
		e.DestCalls = e.DestReads + e.DestWrites
		for i, n := range appCounts {
			d := Duration{Apps: n, Seconds: phaseSeconds(e.SourceCalls, e.DestCalls, src.RatePerMinute(n), dst.RatePerMinute(n))}
			e.Durations = append(e.Durations, d)
			total.Durations[i].Seconds += d.Seconds
		}
		total.SourceCalls += e.SourceCalls
		total.DestCalls += e.DestCalls
		out = append(out, e)
	}
	return out, total
}

// appCounts are the apps per side the durations are given for: Intercom's
// workspace limit (25,000 a minute) caps more than two and a half apps of
// 10,000.
var appCounts = []int{1, 2, 3}

// phaseSeconds is how long a phase takes at the rate limits: the source is
// read while the destination is written, so the busier side sets the pace.
func phaseSeconds(srcCalls, dstCalls int64, srcPerMinute, dstPerMinute int) float64 {
	return 60 * math.Max(float64(srcCalls)/float64(srcPerMinute), float64(dstCalls)/float64(dstPerMinute))
}

func round(x float64) int64 { return int64(math.Round(x)) }
