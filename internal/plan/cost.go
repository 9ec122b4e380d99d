package plan

import (
	"math"

	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// The engine's page sizes (internal/migrate). The unexported ones are
// copied here; TestCostModelCoversEveryPhase keeps the phase list honest,
// and a change of page size there must be made here too.
const (
	// contactsPage: every phase that walks the contacts reads pages of
	// intercom.MaxPerPage (contacts.go, consent.go, notes.go, events.go,
	// companies.go for company_contacts).
	contactsPage = intercom.MaxPerPage
	// conversationsPage is migrate's conversationsPerPage (conversations.go).
	conversationsPage = 10
	// ticketsPage is migrate's ticketsPerPage (tickets.go).
	ticketsPage = 20
	// contentPage is migrate's contentPerPage (content.go): collections,
	// articles, internal articles, news items and newsfeeds.
	contentPage = 50
	// companyScrollPage is what a page of Intercom's company scroll holds
	// (intercomtest.CompanyScrollPageSize, from Intercom's documentation).
	companyScrollPage = 50
	// customObjectsPage: custom_objects.go reads pages of MaxPerPage.
	customObjectsPage = intercom.MaxPerPage
)

// Calls are the API calls of one phase, by side.
type Calls struct {
	SourceReads float64
	DestReads   float64
	DestWrites  float64
}

// phaseCost is the cost model: for each phase of the engine
// (migrate.Phases), the calls it makes for the figures, and where each
// number comes from.
var phaseCost = map[string]func(f *Figures) Calls{
	// admins.go: one list on each side (Start's GET /me and checkAdmins
	// add two more a side, counted here too).
	migrate.PhaseAdmins: func(f *Figures) Calls { return Calls{SourceReads: 3, DestReads: 3} },
	// teams.go: one list on each side; teams are matched, not created.
	migrate.PhaseTeams: func(f *Figures) Calls { return Calls{SourceReads: 1, DestReads: 1} },
	// attributes.go: a list on each side, a POST /data_attributes per
	// custom attribute the destination lacks.
	migrate.PhaseDataAttributes: func(f *Figures) Calls {
		return Calls{SourceReads: 1, DestReads: 1, DestWrites: float64(f.ContactAttributesToCreate)}
	},
	// companies.go (runCompanyAttributes): the same for company attributes.
	migrate.PhaseCompanyAttributes: func(f *Figures) Calls {
		return Calls{SourceReads: 1, DestReads: 1, DestWrites: float64(f.CompanyAttributesToCreate)}
	},
	// tags.go: a list on each side, a POST /tags per tag the destination
	// lacks (by name).
	migrate.PhaseTags: func(f *Figures) Calls {
		return Calls{SourceReads: 1, DestReads: 1, DestWrites: float64(f.TagsToCreate)}
	},
	// companies.go: the scroll (pages of 50, and the empty page that ends
	// it), one POST /companies per company; the destination is not read
	// (the id map answers).
	migrate.PhaseCompanies: func(f *Figures) Calls {
		return Calls{SourceReads: pages(f.Companies.N, companyScrollPage) + 1, DestWrites: float64(f.Companies.N)}
	},
	// contacts.go: pages of 150, a ListTags per contact whose tags were cut,
	// one POST /contacts per contact.
	migrate.PhaseContacts: func(f *Figures) Calls {
		return Calls{SourceReads: pages(f.Contacts.N, contactsPage) + float64(f.ContactsWithMoreTags.N), DestWrites: float64(f.Contacts.N)}
	},
	// tagging.go: per tag, one POST /tags per 50 of its contacts.
	migrate.PhaseContactTags: func(f *Figures) Calls { return Calls{DestWrites: float64(f.ContactTagCalls.N)} },
	// consent.go: the subscription types on each side, the contacts' pages
	// again, a ListSubscriptions per contact whose lists were cut, one
	// POST /contacts/{id}/subscriptions per preference.
	migrate.PhaseConsent: func(f *Figures) Calls {
		return Calls{SourceReads: 1 + pages(f.Contacts.N, contactsPage) + float64(f.ContactsWithMorePrefs.N), DestReads: 1, DestWrites: float64(f.Preferences.N)}
	},
	// notes.go: the contacts' pages again, a notes listing (pages of 150)
	// per contact with notes, one POST /contacts/{id}/notes per note.
	migrate.PhaseNotes: func(f *Figures) Calls {
		return Calls{SourceReads: pages(f.Contacts.N, contactsPage) + float64(f.NotePages.N), DestWrites: float64(f.Notes.N)}
	},
	// events.go: the contacts' pages again, a summary per contact, the
	// listing of each contact with events, one POST /events per listable
	// event.
	migrate.PhaseEvents: func(f *Figures) Calls {
		return Calls{SourceReads: pages(f.Contacts.N, contactsPage) + float64(f.Contacts.N) + float64(f.EventListPages.N), DestWrites: float64(f.ListableEvents.N)}
	},
	// companies.go (company_contacts): the contacts' pages again, a
	// ListAttached per contact with more than the embedded companies, one
	// POST /contacts/{id}/companies per attachment.
	migrate.PhaseCompanyContacts: func(f *Figures) Calls {
		return Calls{SourceReads: pages(f.Contacts.N, contactsPage) + float64(f.ContactsWithMoreCompanies.N), DestWrites: float64(f.CompanyAttachments.N)}
	},
	// companies.go (company_tags): per tag, one POST /tags per 50 companies.
	migrate.PhaseCompanyTags: func(f *Figures) Calls { return Calls{DestWrites: float64(f.CompanyTagCalls.N)} },
	// conversations.go: pages of 10, a GET per conversation (and of its
	// contact when an admin started it), GET /me and the teammates on the
	// destination once, then per conversation the creation and the writes
	// after it (parts, update, tags: ConversationWrites).
	migrate.PhaseConversations: func(f *Figures) Calls {
		return Calls{
			SourceReads: pages(f.Conversations.N, conversationsPage) + float64(f.Conversations.N) + float64(f.AdminStarted.N),
			DestReads:   2,
			DestWrites:  float64(f.Conversations.N + f.ConversationWrites.N),
		}
	},
	// ticket_types.go: types and states on each side, a POST per type and
	// per attribute the destination lacks (and a read of the type after).
	migrate.PhaseTicketTypes: func(f *Figures) Calls {
		return Calls{SourceReads: 2, DestReads: 2 + float64(f.TicketTypesToCreate), DestWrites: float64(f.TicketTypesToCreate + f.TicketAttributesToCreate)}
	},
	// tickets.go: search pages of 20, a GET per ticket, GET /me and the
	// teammates once; per ticket the creation, its comments and notes and
	// the final update (TicketWrites).
	migrate.PhaseTickets: func(f *Figures) Calls {
		return Calls{
			SourceReads: pages(f.Tickets.N, ticketsPage) + float64(f.Tickets.N),
			DestReads:   2,
			DestWrites:  float64(f.Tickets.N + f.TicketWrites.N),
		}
	},
	// ticket_types.go (archive): the source types once more; archiving is
	// a handful of writes, left out.
	migrate.PhaseTicketTypesArchive: func(f *Figures) Calls { return Calls{SourceReads: 1} },
	// help_center.go: the help centers on each side, the collections
	// (pages of 50), the destination's collections before and after, one
	// POST per collection.
	migrate.PhaseCollections: func(f *Figures) Calls {
		return Calls{
			SourceReads: 1 + pages(f.Collections.N, contentPage),
			DestReads:   1 + 2*max(pages(int64(f.DestCollections), contentPage), 1),
			DestWrites:  float64(f.Collections.N),
		}
	},
	// help_center.go: pages of 50, the destination indexed once when it
	// has articles, one POST per article (translations travel with it).
	migrate.PhaseArticles: func(f *Figures) Calls {
		return Calls{SourceReads: pages(f.Articles.N, contentPage), DestReads: index(f.Articles.N, f.DestArticles), DestWrites: float64(f.Articles.N)}
	},
	migrate.PhaseInternalArticles: func(f *Figures) Calls {
		return Calls{SourceReads: pages(f.InternalArticles.N, contentPage), DestReads: index(f.InternalArticles.N, f.DestInternalArticles), DestWrites: float64(f.InternalArticles.N)}
	},
	// news.go: the newsfeeds on each side, pages of 50, one POST per item.
	migrate.PhaseNewsItems: func(f *Figures) Calls {
		return Calls{
			SourceReads: max(pages(f.Newsfeeds.N, contentPage), 1) + pages(f.NewsItems.N, contentPage),
			DestReads:   max(pages(int64(f.DestNewsfeeds), contentPage), 1) + index(f.NewsItems.N, f.DestNewsItems),
			DestWrites:  float64(f.NewsItems.N),
		}
	},
	// custom_objects.go: a count and a type check per type, pages of 150,
	// one POST per instance.
	migrate.PhaseCustomObjects: func(f *Figures) Calls {
		types := float64(len(f.CustomObjectTypes))
		return Calls{SourceReads: types + pages(f.CustomObjects.N, customObjectsPage), DestReads: types, DestWrites: float64(f.CustomObjects.N)}
	},
}

// pages is the number of page reads of n records, at least one (the read
// that finds the list empty).
func pages(n int64, per int) float64 {
	return math.Max(1, math.Ceil(float64(n)/float64(per)))
}

// index is the destination reads a content phase makes to index what the
// destination holds (content.go needsIndex): none when nothing is to copy.
func index(src int64, dst int) float64 {
	if src == 0 {
		return 0
	}
	return pages(int64(dst), contentPage)
}
