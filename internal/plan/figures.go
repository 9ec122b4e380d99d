package plan

import (
	"fmt"
	"math"
	"strings"

	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// Count is a number of records and how plan knows it.
type Count struct {
	N int64 `json:"n"`
	// Basis says where N comes from: basisTotal, basisListed,
	// basisSearch, "sample of k of n", or a lower bound.
	Basis     string `json:"basis"`
	Estimated bool   `json:"estimated"`
}

// Bases of a Count.
const (
	basisTotal  = "total_count"
	basisListed = "listed"
	basisSearch = "search total_count"
	basisNone   = "not read"
)

func exact(n int, basis string) Count { return Count{N: int64(n), Basis: basis} }

// extrapolate scales what a sample of n records of total showed to every
// record: exact when the sample holds them all.
func extrapolate(value, n, total int) Count {
	switch {
	case total <= 0:
		return Count{Basis: basisTotal}
	case n >= total:
		return Count{N: int64(value), Basis: fmt.Sprintf("every record (%d) read", total)}
	case n == 0:
		return Count{Basis: "no sample could be read", Estimated: true}
	}
	return Count{N: int64(math.Round(float64(value) * float64(total) / float64(n))), Basis: fmt.Sprintf("sample of %d of %d", n, total), Estimated: true}
}

// scale is extrapolate's factor, for figures built from several sampled
// values (1 when the sample holds every record).
func scale(n, total int) float64 {
	if n <= 0 || n >= total {
		return 1
	}
	return float64(total) / float64(n)
}

// Figures are the counts the cost model works from: the entities' counts
// and the per-record figures (tags, notes, parts...) that decide the calls.
type Figures struct {
	Admins            Count `json:"admins"`
	Teams             Count `json:"teams"`
	ContactAttributes Count `json:"contact_attributes"`
	CompanyAttributes Count `json:"company_attributes"`
	// ...ToCreate are the custom attributes and tags the destination lacks
	// (all of them when the destination was not read).
	ContactAttributesToCreate int   `json:"contact_attributes_to_create"`
	CompanyAttributesToCreate int   `json:"company_attributes_to_create"`
	ConversationAttributes    Count `json:"conversation_attributes"`
	Tags                      Count `json:"tags"`
	TagsToCreate              int   `json:"tags_to_create"`
	Segments                  Count `json:"segments"`
	SubscriptionTypes         Count `json:"subscription_types"`

	Contacts Count `json:"contacts"`
	// ContactTagApplications are (contact, tag) pairs; ContactTagCalls the
	// bulk tagging calls they take (Σ per tag of ceil(contacts/50)).
	ContactTagApplications Count `json:"contact_tag_applications"`
	ContactTagCalls        Count `json:"contact_tag_calls"`
	// ContactsWithMoreTags have more tags than a contact embeds (ListTags).
	ContactsWithMoreTags  Count `json:"contacts_with_more_tags"`
	Preferences           Count `json:"subscription_preferences"`
	ContactsWithMorePrefs Count `json:"contacts_with_more_preferences"`
	Notes                 Count `json:"notes"`
	NotePages             Count `json:"note_pages"`
	// Events counts every event (summaries, older ones included);
	// ListableEvents the ones the API lists and the engine copies.
	Events                    Count `json:"events"`
	ListableEvents            Count `json:"listable_events"`
	EventListPages            Count `json:"event_list_pages"`
	CompanyAttachments        Count `json:"company_attachments"`
	ContactsWithMoreCompanies Count `json:"contacts_with_more_companies"`

	// Companies is a lower bound (see readTotals).
	Companies              Count `json:"companies"`
	CompanyTagApplications Count `json:"company_tag_applications"`
	CompanyTagCalls        Count `json:"company_tag_calls"`

	Conversations Count `json:"conversations"`
	// ConversationParts are the source parts; ConversationWrites the calls
	// after the creation (parts the API creates, the update, the tags).
	ConversationParts  Count `json:"conversation_parts"`
	ConversationWrites Count `json:"conversation_writes"`
	// AdminStarted conversations cost a read of their contact (roleUnknown).
	AdminStarted Count `json:"admin_started_conversations"`
	Over500      Count `json:"conversations_over_500_parts"`

	TicketTypes          Count `json:"ticket_types"`
	TicketTypeAttributes Count `json:"ticket_type_attributes"`
	// TicketTypesToCreate and their attributes: the types the destination
	// lacks by name.
	TicketTypesToCreate      int   `json:"ticket_types_to_create"`
	TicketAttributesToCreate int   `json:"ticket_attributes_to_create"`
	Tickets                  Count `json:"tickets"`
	TicketWrites             Count `json:"ticket_writes"`

	HelpCenters      Count `json:"help_centers"`
	Collections      Count `json:"collections"`
	Articles         Count `json:"articles"`
	InternalArticles Count `json:"internal_articles"`
	NewsItems        Count `json:"news_items"`
	Newsfeeds        Count `json:"newsfeeds"`

	CustomObjects     Count               `json:"custom_objects"`
	CustomObjectTypes []CustomObjectCount `json:"custom_object_types,omitempty"`

	// Dest* are what the destination holds already (0 when not read).
	DestRead             bool `json:"destination_read"`
	DestContacts         int  `json:"destination_contacts"`
	DestCollections      int  `json:"destination_collections"`
	DestArticles         int  `json:"destination_articles"`
	DestInternalArticles int  `json:"destination_internal_articles"`
	DestNewsItems        int  `json:"destination_news_items"`
	DestNewsfeeds        int  `json:"destination_newsfeeds"`
}

// figures turns what was read into the cost model's input.
func figures(inv *inventory, d *destInventory) *Figures {
	f := &Figures{
		Admins:                 exact(len(inv.admins), basisListed),
		Teams:                  exact(len(inv.teams), basisListed),
		ContactAttributes:      exact(len(inv.contactAttrs), basisListed),
		CompanyAttributes:      exact(len(inv.companyAttrs), basisListed),
		ConversationAttributes: exact(len(inv.convAttrs), basisListed),
		Tags:                   exact(len(inv.tags), basisListed),
		Segments:               exact(inv.segments, basisListed),
		SubscriptionTypes:      exact(len(inv.subTypes), basisListed),
		Contacts:               exact(inv.contacts, basisTotal),
		Conversations:          exact(inv.conversations, basisTotal),
		Tickets:                exact(inv.tickets, basisTotal),
		TicketTypes:            exact(len(inv.ticketTypes), basisListed),
		HelpCenters:            exact(len(inv.helpCenters), basisListed),
		Collections:            exact(inv.collections, basisTotal),
		Articles:               exact(inv.articles, basisTotal),
		InternalArticles:       exact(inv.internalArticles, basisTotal),
		NewsItems:              exact(inv.newsItems, basisTotal),
		Newsfeeds:              exact(len(inv.newsfeeds), basisListed),
		Over500:                inv.over500,
		CustomObjectTypes:      inv.customObjects,
	}
	attrs := 0
	for _, t := range inv.ticketTypes {
		attrs += len(t.Attributes())
	}
	f.TicketTypeAttributes = exact(attrs, basisListed)

	// Companies: a lower bound unless the list holds fewer than its cap
	// and... still only companies with contacts: always marked.
	f.Companies = Count{N: int64(inv.companiesListed), Basis: "lower bound: POST /companies/list leaves out companies without contacts and stops at 10,000", Estimated: true}
	cs := inv.companySample
	k := scale(cs.n, inv.companiesListed)
	f.CompanyTagApplications = extrapolate(sumValues(cs.tagApps), cs.n, inv.companiesListed)
	f.CompanyTagCalls = perTagCalls(cs.tagApps, 0, k, intercom.MaxTagCompaniesPerCall, f.CompanyTagApplications)
	// The companies lower bound makes these lower bounds too.
	f.CompanyTagApplications.Estimated, f.CompanyTagCalls.Estimated = true, true

	// Contacts: the first page stands for all of them.
	p := inv.contactPage
	k = scale(p.n, inv.contacts)
	f.ContactTagApplications = extrapolate(sumValues(p.tagApps)+p.tagsExtra, p.n, inv.contacts)
	f.ContactTagCalls = perTagCalls(p.tagApps, p.tagsExtra, k, intercom.MaxTagUsersPerCall, f.ContactTagApplications)
	f.ContactsWithMoreTags = extrapolate(p.tagsMore, p.n, inv.contacts)
	f.Preferences = extrapolate(p.prefs, p.n, inv.contacts)
	f.ContactsWithMorePrefs = extrapolate(p.prefsMore, p.n, inv.contacts)
	f.Notes = extrapolate(p.notes, p.n, inv.contacts)
	f.NotePages = extrapolate(p.notePages, p.n, inv.contacts)
	f.CompanyAttachments = extrapolate(p.companies, p.n, inv.contacts)
	f.ContactsWithMoreCompanies = extrapolate(p.compMore, p.n, inv.contacts)
	e := inv.events
	f.Events = extrapolate(e.total, e.n, inv.contacts)
	f.ListableEvents = extrapolate(e.listable, e.n, inv.contacts)
	f.EventListPages = extrapolate(e.listPages, e.n, inv.contacts)

	c := inv.convSample
	f.ConversationParts = extrapolate(c.parts, c.n, inv.conversations)
	f.ConversationWrites = extrapolate(c.writes, c.n, inv.conversations)
	f.AdminStarted = extrapolate(c.byAdmin, c.n, inv.conversations)
	t := inv.ticketSample
	f.TicketWrites = extrapolate(t.writes, t.n, inv.tickets)

	objects, basis := 0, basisTotal
	for _, o := range inv.customObjects {
		objects += o.Count
	}
	if len(inv.customObjects) == 0 {
		basis = "no type named (--custom-object-types)"
	}
	f.CustomObjects = exact(objects, basis)

	// What the destination has decides what is created.
	f.ContactAttributesToCreate = len(missingByName(inv.contactAttrs, nil))
	f.CompanyAttributesToCreate = len(missingByName(inv.companyAttrs, nil))
	f.TagsToCreate = len(inv.tags)
	f.TicketTypesToCreate, f.TicketAttributesToCreate = len(inv.ticketTypes), customTicketAttributes(inv.ticketTypes...)
	if d != nil {
		f.DestRead = true
		f.ContactAttributesToCreate = len(missingByName(inv.contactAttrs, d.contactAttrs))
		f.CompanyAttributesToCreate = len(missingByName(inv.companyAttrs, d.companyAttrs))
		// Tag names are case-insensitive in Intercom (tags.go).
		have := map[string]bool{}
		for _, tg := range d.tags {
			have[strings.ToLower(tg.Name)] = true
		}
		f.TagsToCreate = 0
		for _, tg := range inv.tags {
			if !have[strings.ToLower(tg.Name)] {
				f.TagsToCreate++
			}
		}
		types := map[string]bool{}
		for _, tt := range d.ticketTypes {
			types[strings.ToLower(strings.TrimSpace(tt.Name))] = true
		}
		f.TicketTypesToCreate, f.TicketAttributesToCreate = 0, 0
		for _, tt := range inv.ticketTypes {
			if !types[strings.ToLower(strings.TrimSpace(tt.Name))] {
				f.TicketTypesToCreate++
				f.TicketAttributesToCreate += customTicketAttributes(tt)
			}
		}
		f.DestContacts, f.DestCollections, f.DestArticles = d.contacts, d.collections, d.articles
		f.DestInternalArticles, f.DestNewsItems, f.DestNewsfeeds = d.internalArticles, d.news, len(d.newsfeeds)
	}
	return f
}

// customTicketAttributes are the attributes of ticket types that a
// migration creates: every type has the default ones (ticket_types.go).
func customTicketAttributes(types ...*intercom.TicketType) int {
	n := 0
	for _, t := range types {
		for _, a := range t.Attributes() {
			if !a.Default {
				n++
			}
		}
	}
	return n
}

func sumValues(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// perTagCalls is the bulk tagging calls: a call per batch of each tag's
// records (tagging.go, companies.go), the sampled applications scaled by k;
// extra are applications whose tag is not named (a cut list), batched
// together.
func perTagCalls(apps map[string]int, extra int, k float64, batch int, like Count) Count {
	calls := 0.0
	for _, n := range apps {
		calls += math.Ceil(float64(n) * k / float64(batch))
	}
	calls += math.Ceil(float64(extra) * k / float64(batch))
	return Count{N: int64(calls), Basis: like.Basis, Estimated: like.Estimated}
}
