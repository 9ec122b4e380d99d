package plan

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// inventory is what plan read of the source: whole lists where they are
// short (teammates, tags, attributes...), counts where the API gives them,
// and samples for the rest.
type inventory struct {
	admins       []*intercom.Admin
	teams        []*intercom.Team
	contactAttrs []*intercom.DataAttribute // custom, not archived
	companyAttrs []*intercom.DataAttribute
	convAttrs    []*intercom.DataAttribute
	tags         []*intercom.Tag
	segments     int
	subTypes     []*intercom.SubscriptionType
	helpCenters  []*intercom.HelpCenter
	newsfeeds    []*intercom.Newsfeed
	ticketTypes  []*intercom.TicketType

	contacts, conversations, tickets                   int
	collections, articles, internalArticles, newsItems int
	companiesListed                                    int
	customObjects                                      []CustomObjectCount
	contactPage                                        contactSample
	events                                             eventSample
	convSample                                         convSample
	ticketSample                                       ticketSample
	companySample                                      companySample
	over500                                            Count
	change                                             ChangeRate
	identityVerification                               bool
}

// CustomObjectCount is the instances of one named custom object type.
type CustomObjectCount struct {
	Type  string `json:"type"`
	Count int    `json:"count"`
	// Problem is why the type was not counted ("" when it was).
	Problem string `json:"problem,omitempty"`
}

// contactSample is what the first page of contacts (150, one call: the
// page the engine reads) tells about every contact: tags, notes,
// subscription preferences and companies are embedded in each.
type contactSample struct {
	n int
	// tagApps counts applications per source tag id; tagsExtra the ones
	// beyond the embedded list (has_more), whose tags are not named.
	tagApps   map[string]int
	tagsExtra int
	tagsMore  int // contacts whose tag list was cut (ListTags reads)
	notes     int
	notePages int // Σ ceil(notes/150) over contacts with notes
	withNotes int
	prefs     int
	prefsMore int // contacts whose preferences were cut (ListSubscriptions)
	companies int // company attachments
	compMore  int // contacts with more than the embedded companies (ListAttached)
	ids       []string
}

// eventSample: the events of the first Sample contacts, read as the events
// phase reads them (a summary each, then the listable events).
type eventSample struct {
	n          int
	total      int // every event, by the summaries (older ones included)
	listable   int // the ones the API lists (last 90 days)
	withEvents int // contacts whose summary counts any
	listPages  int
}

// convSample: the first Sample conversations, read whole as the
// conversations phase reads them.
type convSample struct {
	n         int
	parts     int // source parts
	writes    int // calls after the creation: parts, the update, the tags (migrate.PlanConversation)
	truncated int // more parts than the API returns (PartsTruncated)
	byAdmin   int // started by an admin, the contact's role unknown (roleUnknown)
}

// ticketSample: the first Sample tickets, read whole.
type ticketSample struct {
	n      int
	writes int // calls after the creation: comments, notes, the final update (migrate.PlanTicket)
}

// companySample: the first page of POST /companies/list.
type companySample struct {
	n       int
	tagApps map[string]int
}

// ChangeRate is how fast the source changes: records updated in the last
// ChangeWindowDays days, by search (one call each).
type ChangeRate struct {
	Days                 int    `json:"days"`
	ContactsUpdated      int    `json:"contacts_updated"`
	ConversationsUpdated int    `json:"conversations_updated"`
	Known                bool   `json:"known"`
	Problem              string `json:"problem,omitempty"`
}

// readSource reads what the plan needs of the source.
func readSource(ctx context.Context, s *side, opts Options) (*inventory, error) {
	c := s.c()
	inv := &inventory{identityVerification: s.ws.IdentityVerification}
	fail := func(what string, err error) error { return fmt.Errorf("%s: %s: %w", s.name, what, err) }
	var err error
	if inv.admins, _, err = c.Admins.List(ctx); err != nil {
		return nil, fail("listing teammates", err)
	}
	if inv.teams, _, err = c.Teams.List(ctx); err != nil {
		return nil, fail("listing teams", err)
	}
	for _, m := range []struct {
		model string
		out   *[]*intercom.DataAttribute
	}{{intercom.ModelContact, &inv.contactAttrs}, {intercom.ModelCompany, &inv.companyAttrs}, {intercom.ModelConversation, &inv.convAttrs}} {
		as, _, err := c.DataAttributes.List(ctx, &intercom.DataAttributeListOptions{Model: m.model})
		if err != nil {
			return nil, fail("listing "+m.model+" data attributes", err)
		}
		*m.out = customLive(as)
	}
	if inv.tags, _, err = c.Tags.List(ctx); err != nil {
		return nil, fail("listing tags", err)
	}
	segs, _, err := c.Segments.List(ctx, false)
	if err != nil {
		return nil, fail("listing segments", err)
	}
	inv.segments = len(segs)
	if inv.subTypes, _, err = c.SubscriptionTypes.List(ctx); err != nil {
		return nil, fail("listing subscription types", err)
	}
	if inv.helpCenters, _, err = c.HelpCenter.ListHelpCenters(ctx); err != nil {
		return nil, fail("listing help centers", err)
	}
	if inv.newsfeeds, err = newsfeeds(ctx, c); err != nil {
		return nil, fail("listing newsfeeds", err)
	}
	if inv.ticketTypes, _, err = c.TicketTypes.List(ctx); err != nil {
		return nil, fail("listing ticket types", err)
	}
	if err := readTotals(ctx, c, inv); err != nil {
		return nil, fail("counting", err)
	}
	if err := sampleContacts(ctx, c, inv, opts.Sample); err != nil {
		return nil, fail("sampling contacts", err)
	}
	if err := sampleConversations(ctx, c, inv, opts.Sample, opts.Now().Unix()); err != nil {
		return nil, fail("sampling conversations", err)
	}
	if err := sampleTickets(ctx, c, inv, opts.Sample); err != nil {
		return nil, fail("sampling tickets", err)
	}
	if err := countCustomObjects(ctx, c, inv, opts.CustomObjectTypes); err != nil {
		return nil, fail("counting custom objects", err)
	}
	inv.over500 = conversationsOver500(ctx, c, inv)
	inv.change = changeRate(ctx, c, opts)
	return inv, nil
}

// customLive keeps the custom attributes that are not archived: the ones
// the engine migrates and Intercom's 250 counts.
func customLive(as []*intercom.DataAttribute) []*intercom.DataAttribute {
	var out []*intercom.DataAttribute
	for _, a := range as {
		if a.Custom && !a.Archived {
			out = append(out, a)
		}
	}
	return out
}

func newsfeeds(ctx context.Context, c *intercom.Client) ([]*intercom.Newsfeed, error) {
	var out []*intercom.Newsfeed
	for f, err := range c.News.AllNewsfeeds(ctx) {
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// readTotals asks each list for its total_count, one record a page.
func readTotals(ctx context.Context, c *intercom.Client, inv *inventory) error {
	one := &intercom.ListOptions{PerPage: 1}
	first := &intercom.PageNumberOptions{Page: 1, PerPage: 1}
	conv, _, err := c.Conversations.List(ctx, one)
	if err != nil {
		return err
	}
	inv.conversations = conv.TotalCount
	t, _, err := c.Tickets.Search(ctx, intercom.AllTickets, one)
	if err != nil {
		return err
	}
	inv.tickets = t.TotalCount
	col, _, err := c.HelpCenter.ListCollections(ctx, first)
	if err != nil {
		return err
	}
	inv.collections = col.TotalCount
	art, _, err := c.Articles.List(ctx, first)
	if err != nil {
		return err
	}
	inv.articles = art.TotalCount
	ia, _, err := c.InternalArticles.List(ctx, first)
	if err != nil {
		return err
	}
	inv.internalArticles = ia.TotalCount
	news, _, err := c.News.ListItems(ctx, first)
	if err != nil {
		return err
	}
	inv.newsItems = news.TotalCount
	// Companies: the scroll the engine walks has no total_count, and
	// walking it here would hold the app's only scroll. The list's count
	// leaves out companies without contacts and stops at 10,000: a lower
	// bound. Its first page is the sample of company tags.
	cl, _, err := c.Companies.List(ctx, &intercom.PageNumberOptions{Page: 1, PerPage: companySamplePage})
	if err != nil {
		return err
	}
	inv.companiesListed = cl.TotalCount
	inv.companySample = companySample{n: len(cl.Data), tagApps: map[string]int{}}
	for _, co := range cl.Data {
		if co.Tags != nil {
			for _, tg := range co.Tags.Tags {
				inv.companySample.tagApps[tg.ID]++
			}
		}
	}
	return nil
}

// companySamplePage is the first page of companies read: 50, within
// Intercom's 60 for POST /companies/list.
const companySamplePage = 50

// sampleContacts reads the first page of contacts (the engine's page size)
// and the events of the first n of them.
func sampleContacts(ctx context.Context, c *intercom.Client, inv *inventory, n int) error {
	page, _, err := c.Contacts.List(ctx, &intercom.ListOptions{PerPage: intercom.MaxPerPage})
	if err != nil {
		return err
	}
	inv.contacts = page.TotalCount
	cs := contactSample{n: len(page.Data), tagApps: map[string]int{}}
	for _, ct := range page.Data {
		cs.ids = append(cs.ids, ct.ID)
		if ct.Tags != nil {
			for _, r := range ct.Tags.Data {
				cs.tagApps[r.ID]++
			}
			if ct.Tags.HasMore {
				cs.tagsMore++
				cs.tagsExtra += max(ct.Tags.TotalCount-len(ct.Tags.Data), 0)
			}
		}
		if ct.Notes != nil && ct.Notes.TotalCount > 0 {
			cs.notes += ct.Notes.TotalCount
			cs.withNotes++
			cs.notePages += ceilDiv(ct.Notes.TotalCount, intercom.MaxPerPage)
		}
		for _, l := range []*intercom.ContactSubscriptionTypes{ct.OptedInSubscriptionTypes, ct.OptedOutSubscriptionTypes} {
			if l == nil {
				continue
			}
			cs.prefs += max(l.TotalCount, len(l.Data))
			if l.HasMore {
				cs.prefsMore++
			}
		}
		if ct.Companies != nil {
			cs.companies += max(ct.Companies.TotalCount, len(ct.Companies.Data))
			if ct.Companies.HasMore {
				cs.compMore++
			}
		}
	}
	inv.contactPage = cs
	// Events: as the events phase does (events.go), a summary per contact
	// and, when it counts any, the listable events.
	for _, id := range cs.ids[:min(n, len(cs.ids))] {
		f := intercom.EventFilter{IntercomUserID: id}
		sums, _, err := c.Events.Summaries(ctx, f)
		if err != nil {
			return err
		}
		inv.events.n++
		total := 0
		for _, s := range sums {
			total += s.Count
		}
		if total == 0 {
			continue
		}
		inv.events.total += total
		inv.events.withEvents++
		listed := 0
		for _, err := range c.Events.All(ctx, f, nil) {
			if err != nil {
				return err
			}
			listed++
		}
		inv.events.listable += listed
		inv.events.listPages += max(ceilDiv(listed, intercom.MaxPerPage), 1)
	}
	return nil
}

// sampleConversations reads the first n conversations whole, as the
// conversations phase does, and counts the calls the engine's own plan of
// each would send (migrate.PlanConversation).
func sampleConversations(ctx context.Context, c *intercom.Client, inv *inventory, n int, now int64) error {
	page, _, err := c.Conversations.List(ctx, &intercom.ListOptions{PerPage: n})
	if err != nil {
		return err
	}
	for _, item := range page.Conversations {
		cv, _, err := c.Conversations.Get(ctx, item.ID, nil)
		var nf *intercom.NotFoundError
		if errors.As(err, &nf) {
			continue // deleted since it was listed
		}
		if err != nil {
			return err
		}
		s := &inv.convSample
		s.n++
		s.parts += len(cv.Parts())
		if cv.PartsTruncated() {
			s.truncated++
		}
		if roleUnknown(cv) {
			s.byAdmin++
		}
		p, err := migrate.PlanConversation(cv, inv.conversationMaps(cv, now))
		var pe *migrate.PlanError
		if errors.As(err, &pe) {
			continue // the engine records it as a failure: no write
		}
		if err != nil {
			return err
		}
		s.writes += len(p.Ops) + len(p.Tags) // a call a part, a call a tag
		if p.Update != nil {
			s.writes++ // PUT /conversations/{id}
		}
	}
	return nil
}

// conversationMaps are the id maps a plan needs, as if every record had
// migrated to an id equal to its own, every teammate matched and seated as
// in the source: the plan then sends what the engine would.
func (inv *inventory) conversationMaps(c *intercom.Conversation, now int64) *migrate.ConversationMaps {
	m := &migrate.ConversationMaps{Admins: map[string]string{}, Contacts: map[string]string{}, Roles: map[string]string{},
		Tags: map[string]string{}, Teams: map[string]string{}, Seated: map[string]bool{}, Now: now}
	for _, a := range inv.admins {
		m.Admins[a.ID], m.Seated[a.ID] = a.ID, a.HasInboxSeat
		if m.Fallback == "" {
			m.Fallback = a.ID
		}
	}
	for _, t := range inv.tags {
		m.Tags[t.ID] = t.ID
	}
	for _, t := range inv.teams {
		m.Teams[t.ID] = t.ID
	}
	if c.Contacts != nil {
		for _, r := range c.Contacts.Contacts {
			m.Contacts[r.ID] = r.ID
		}
	}
	authors := []*intercom.PartAuthor{}
	if c.Source != nil {
		authors = append(authors, c.Source.Author)
	}
	for _, p := range c.Parts() {
		authors = append(authors, p.Author)
	}
	for _, a := range authors {
		if a.IsContact() {
			m.Contacts[a.ID] = a.ID
			if a.Type == "user" || a.Type == "lead" {
				m.Roles[a.ID] = a.Type
			}
		}
	}
	return m
}

// roleUnknown reports whether the conversations phase reads the contact of
// a conversation (conversations.go): an admin started it, and no part by
// that contact shows whether it is a user or a lead.
func roleUnknown(c *intercom.Conversation) bool {
	if c.Source == nil || c.Source.Author == nil || c.Source.Author.IsContact() || c.Contacts == nil || len(c.Contacts.Contacts) == 0 {
		return false
	}
	first := c.Contacts.Contacts[0].ID
	for _, p := range c.Parts() {
		if p.Author != nil && p.Author.ID == first && (p.Author.Type == "user" || p.Author.Type == "lead") {
			return false
		}
	}
	return true
}

// sampleTickets reads the first n tickets whole and counts the calls the
// engine's plan of each would send after the creation (migrate.PlanTicket).
func sampleTickets(ctx context.Context, c *intercom.Client, inv *inventory, n int) error {
	if inv.tickets == 0 {
		return nil
	}
	page, _, err := c.Tickets.Search(ctx, intercom.AllTickets, &intercom.ListOptions{PerPage: n})
	if err != nil {
		return err
	}
	for _, item := range page.Tickets {
		t, _, err := c.Tickets.Get(ctx, item.ID)
		var nf *intercom.NotFoundError
		if errors.As(err, &nf) {
			continue
		}
		if err != nil {
			return err
		}
		inv.ticketSample.n++
		p, err := migrate.PlanTicket(t, inv.ticketMaps(t))
		var pe *migrate.PlanError
		if errors.As(err, &pe) {
			continue // a failure: no write
		}
		if err != nil {
			return err
		}
		inv.ticketSample.writes += len(p.Ops) // POST /tickets/{id}/reply
		if p.Update != nil {
			inv.ticketSample.writes++ // the final PUT (state, open)
		}
	}
	return nil
}

// ticketMaps: see conversationMaps. The destination's initial state is
// unknown, so every ticket with a state is taken to need the final update.
func (inv *inventory) ticketMaps(t *intercom.Ticket) *migrate.TicketMaps {
	m := &migrate.TicketMaps{Admins: map[string]string{}, Contacts: map[string]string{}, Types: map[string]string{},
		States: map[string]string{}, Meta: map[string]string{}}
	for _, a := range inv.admins {
		m.Admins[a.ID] = a.ID
		if m.Fallback == "" {
			m.Fallback = a.ID
		}
	}
	for _, tt := range inv.ticketTypes {
		m.Types[tt.ID] = tt.ID
	}
	if t.TicketState != nil {
		m.States[t.TicketState.ID] = t.TicketState.ID
	}
	if t.Contacts != nil {
		for _, r := range t.Contacts.Contacts {
			m.Contacts[r.ID] = r.ID
		}
	}
	for _, p := range t.Parts() {
		if p.Author != nil && p.Author.IsContact() {
			m.Contacts[p.Author.ID] = p.Author.ID
		}
	}
	return m
}

// countCustomObjects asks each named type for its total_count, as the
// custom objects phase does (custom_objects.go).
func countCustomObjects(ctx context.Context, c *intercom.Client, inv *inventory, types []string) error {
	for _, t := range types {
		l, _, err := c.CustomObjectInstances.List(ctx, t, &intercom.PageNumberOptions{Page: 1, PerPage: 1})
		var inval *intercom.InvalidError
		switch {
		case intercom.IsTypeNotFound(err):
			inv.customObjects = append(inv.customObjects, CustomObjectCount{Type: t, Problem: "no such type in the source"})
		case errors.As(err, &inval):
			inv.customObjects = append(inv.customObjects, CustomObjectCount{Type: t, Problem: "the API does not list this type's instances"})
		case err != nil:
			return err
		default:
			inv.customObjects = append(inv.customObjects, CustomObjectCount{Type: t, Count: l.TotalCount})
		}
	}
	return nil
}

// conversationsOver500 counts the conversations with more parts than the
// API returns. Intercom's search has statistics.count_conversation_parts:
// one call. Where the search refuses the field (400), the sample says
// (exact when it holds every conversation).
func conversationsOver500(ctx context.Context, c *intercom.Client, inv *inventory) Count {
	q := intercom.Filter{Field: "statistics.count_conversation_parts", Operator: ">", Value: intercom.MaxConversationParts}
	l, _, err := c.Conversations.Search(ctx, q, &intercom.ListOptions{PerPage: 1})
	if err == nil {
		return Count{N: int64(l.TotalCount), Basis: basisSearch}
	}
	return extrapolate(inv.convSample.truncated, inv.convSample.n, inv.conversations)
}

// changeRate counts the contacts and conversations updated in the last
// ChangeWindowDays days: the pace the delta pass has to catch up with.
func changeRate(ctx context.Context, c *intercom.Client, opts Options) ChangeRate {
	cr := ChangeRate{Days: ChangeWindowDays}
	since := opts.Now().AddDate(0, 0, -ChangeWindowDays).Unix()
	q := intercom.Filter{Field: "updated_at", Operator: ">", Value: since}
	one := &intercom.ListOptions{PerPage: 1}
	ct, _, err := c.Contacts.Search(ctx, q, one)
	if err != nil {
		cr.Problem = "searching contacts by updated_at: " + oneLine(err)
		return cr
	}
	cv, _, err := c.Conversations.Search(ctx, q, one)
	if err != nil {
		cr.Problem = "searching conversations by updated_at: " + oneLine(err)
		return cr
	}
	cr.ContactsUpdated, cr.ConversationsUpdated, cr.Known = ct.TotalCount, cv.TotalCount, true
	return cr
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", " ") }

// destInventory is what plan read of the destination: what the checks
// compare and what decides the writes (records it has already).
type destInventory struct {
	admins                 []*intercom.Admin
	contactAttrs           []*intercom.DataAttribute // every custom one, archived included (names stay taken)
	companyAttrs           []*intercom.DataAttribute
	convAttrs              []*intercom.DataAttribute
	tags                   []*intercom.Tag
	newsfeeds              []*intercom.Newsfeed
	ticketTypes            []*intercom.TicketType
	contacts               int
	collections, articles  int
	internalArticles, news int
}

func readDest(ctx context.Context, s *side) (*destInventory, error) {
	c := s.c()
	d := &destInventory{}
	fail := func(what string, err error) error { return fmt.Errorf("%s: %s: %w", s.name, what, err) }
	var err error
	if d.admins, _, err = c.Admins.List(ctx); err != nil {
		return nil, fail("listing teammates", err)
	}
	for _, m := range []struct {
		model string
		out   *[]*intercom.DataAttribute
	}{{intercom.ModelContact, &d.contactAttrs}, {intercom.ModelCompany, &d.companyAttrs}, {intercom.ModelConversation, &d.convAttrs}} {
		as, _, err := c.DataAttributes.List(ctx, &intercom.DataAttributeListOptions{Model: m.model, IncludeArchived: true})
		if err != nil {
			return nil, fail("listing "+m.model+" data attributes", err)
		}
		for _, a := range as {
			if a.Custom {
				*m.out = append(*m.out, a)
			}
		}
	}
	if d.tags, _, err = c.Tags.List(ctx); err != nil {
		return nil, fail("listing tags", err)
	}
	if d.newsfeeds, err = newsfeeds(ctx, c); err != nil {
		return nil, fail("listing newsfeeds", err)
	}
	if d.ticketTypes, _, err = c.TicketTypes.List(ctx); err != nil {
		return nil, fail("listing ticket types", err)
	}
	ct, _, err := c.Contacts.List(ctx, &intercom.ListOptions{PerPage: 1})
	if err != nil {
		return nil, fail("counting contacts", err)
	}
	d.contacts = ct.TotalCount
	first := &intercom.PageNumberOptions{Page: 1, PerPage: 1}
	col, _, err := c.HelpCenter.ListCollections(ctx, first)
	if err != nil {
		return nil, fail("counting collections", err)
	}
	art, _, err := c.Articles.List(ctx, first)
	if err != nil {
		return nil, fail("counting articles", err)
	}
	ia, _, err := c.InternalArticles.List(ctx, first)
	if err != nil {
		return nil, fail("counting internal articles", err)
	}
	news, _, err := c.News.ListItems(ctx, first)
	if err != nil {
		return nil, fail("counting news items", err)
	}
	d.collections, d.articles, d.internalArticles, d.news = col.TotalCount, art.TotalCount, ia.TotalCount, news.TotalCount
	return d, nil
}

func ceilDiv(a, b int) int {
	if a <= 0 {
		return 0
	}
	return (a + b - 1) / b
}
