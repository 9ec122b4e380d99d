package intercomtest

import (
	"strconv"
	"strings"
)

// The help center's generator. Help centers and the workspace's languages
// exist in every workspace (they depend on the seed alone); collections,
// articles and internal articles only in seeded ones (Options.Contacts > 0),
// in proportion to the contacts:
//   - collections: N/100 (3 to 40), a tree up to three deep over the two
//     help centers, names and descriptions in several locales;
//   - articles: N/10 (3 to 400), 90% in a collection, each in its default
//     locale and 0 to 3 translations, published or draft per locale, each
//     locale by an author (a teammate); a few share the title of another
//     article of their collection, as real help centers do;
//   - internal articles: N/40 (2 to 100), mostly in English.

func contentClamp(v, lo, hi int) int { return min(max(v, lo), hi) }

// contentSeedCount gives a content store its ids (of kind) and says how
// many records the workspace gets: one per per contacts, clamped to lo..hi;
// none in an empty workspace.
func contentSeedCount(s *Sandbox, g *gen, ids *contentIDs, kind string, per, lo, hi int) int {
	*ids = newContentIDs(s.salt, kind)
	if g.ctx.contacts == 0 {
		return 0
	}
	return contentClamp(g.ctx.contacts/per, lo, hi)
}

// contentLanguagePool are the locales a seeded help center may offer
// besides the default.
var contentLanguagePool = []string{"fr", "de", "es", "pt-BR", "ja", "nl", "it"}

// translatedPrefix marks a translated title or name (made-up, but
// distinct per locale).
var translatedPrefix = map[string]string{
	"fr": "Guide : ", "de": "Anleitung: ", "es": "Guía: ", "pt-BR": "Guia: ", "ja": "ガイド: ", "nl": "Handleiding: ", "it": "Guida: ",
}

func seedHelpCenters(s *Sandbox, g *gen) {
	st := s.helpCenters()
	st.ids = newContentIDs(s.salt, "help_centers")
	pool := append([]string(nil), contentLanguagePool...)
	g.r.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	st.languages = append([]string{contentDefaultLocale}, pool[:3]...)
	company := newGen(s.seed, "workspace").companyName()
	base := slug(company)
	for i, kind := range []struct{ suffix, name string }{{"help", " Help Center"}, {"developers", " Developer Docs"}} {
		created := g.between(s.appCreated, g.ctx.anchor-365*86400)
		h := &helpCenter{
			id:          st.ids.take(),
			identifier:  base + "-" + kind.suffix,
			displayName: company + kind.name,
			websiteOn:   i == 0 || g.chance(0.5),
			createdAt:   created,
			updatedAt:   g.between(created, g.ctx.anchor),
		}
		if i == 0 && g.chance(0.5) {
			h.customDomain = "help." + base + ".example"
		}
		st.list = append(st.list, h)
		st.byID[h.id] = h
	}
}

var collectionNames = []string{
	"Getting started", "Account and billing", "Integrations", "Security and privacy", "Reports and analytics",
	"Mobile app", "Troubleshooting", "Admin settings", "API and developers", "Workflows", "Notifications",
	"Data import and export", "Teams and permissions", "Payments", "Onboarding",
}

var sectionNames = []string{"Basics", "Advanced", "FAQ", "Setup", "Best practices", "Known issues", "Reference"}

func seedCollections(s *Sandbox, g *gen) {
	st := s.collections()
	n := contentSeedCount(s, g, &st.ids, "collections", 100, 3, 40)
	if n == 0 {
		return
	}
	hcs := s.helpCenters()
	var made []*collection
	used := map[string]bool{}
	for i := 0; i < n; i++ {
		c := &collection{id: st.ids.take(), icon: "book-bookmark", texts: map[string]groupText{}}
		var candidates []*collection
		for _, p := range made {
			if st.depth(p) < maxCollectionDepth {
				candidates = append(candidates, p)
			}
		}
		var name string
		if i < 2 || len(candidates) == 0 || g.chance(0.45) {
			c.helpCenter = hcs.list[0].id
			if i == 1 || g.chance(0.25) {
				c.helpCenter = hcs.list[len(hcs.list)-1].id
			}
			name = collectionNames[i%len(collectionNames)]
		} else {
			p := candidates[g.intn(len(candidates))]
			c.parent, c.helpCenter = p.id, p.helpCenter
			name = g.pick(sectionNames)
		}
		key := func(n string) string {
			return strconv.FormatInt(c.helpCenter, 10) + "/" + strconv.FormatInt(c.parent, 10) + "/" + n
		}
		for k := 2; used[key(name)]; k++ {
			name = strings.TrimRight(strings.TrimRight(name, "0123456789"), " ") + " " + strconv.Itoa(k)
		}
		used[key(name)] = true
		def := groupText{name: name}
		if g.chance(0.6) {
			def.description = "Everything about " + strings.ToLower(name) + "."
		}
		c.texts[contentDefaultLocale] = def
		for _, loc := range hcs.languages[1:] {
			if g.chance(0.6) {
				t := groupText{name: translatedPrefix[loc] + name}
				if def.description != "" {
					t.description = translatedPrefix[loc] + def.description
				}
				c.texts[loc] = t
			}
		}
		c.order = st.nextOrder(c.helpCenter, c.parent)
		c.createdAt, c.updatedAt = g.history(s, 60*86400)
		st.byID[c.id] = c
		made = append(made, c)
	}
}

var articleVerbs = []string{
	"How to set up", "How to export", "Troubleshooting", "Understanding", "Managing", "Getting started with",
	"Configuring", "Connecting", "Reviewing", "Updating",
}

var articleObjects = []string{
	"your invoices", "SSO", "the mobile app", "webhooks", "team permissions", "reports", "custom attributes",
	"email notifications", "the API", "data exports", "your subscription", "two-factor authentication",
	"integrations", "user roles", "the inbox",
}

var articleSentences = []string{
	"Open the settings page and choose the section you need.",
	"Changes take effect immediately for every teammate.",
	"You can undo this at any time from the same page.",
	"Only admins with the right permission can do this.",
	"If something looks wrong, contact our support team.",
	"This works the same way on the web and in the mobile app.",
	"Exports are emailed to you once they are ready.",
}

func articleBody(g *gen, marker string) string {
	var b strings.Builder
	for k := 1 + g.intn(4); k > 0; k-- {
		b.WriteString(`<p class="no-margin">` + marker + g.pick(articleSentences) + `</p>`)
	}
	return b.String()
}

func seedArticles(s *Sandbox, g *gen) {
	st := s.articles()
	n := contentSeedCount(s, g, &st.ids, "articles", 10, 3, 400)
	if n == 0 {
		return
	}
	admins := s.admins().list
	langs := s.helpCenters().languages
	colIDs := contentSortedIDs(s.collections().byID)
	used := map[string]bool{}
	var made []*article
	state := func(p float64) string {
		if g.chance(p) {
			return "published"
		}
		return "draft"
	}
	for i := 0; i < n; i++ {
		a := &article{id: st.ids.take(), texts: map[string]*articleText{}}
		if len(colIDs) > 0 && g.chance(0.9) {
			a.parent = colIDs[g.intn(len(colIDs))]
		}
		object := g.pick(articleObjects)
		title := g.pick(articleVerbs) + " " + object
		if len(made) > 10 && g.chance(0.02) {
			// Another article of the same collection with the same title.
			twin := made[g.intn(len(made))]
			a.parent, title = twin.parent, twin.texts[contentDefaultLocale].title
		} else {
			key := func(t string) string { return strconv.FormatInt(a.parent, 10) + "/" + t }
			base := title
			for k := 2; used[key(title)]; k++ {
				title = base + ", part " + strconv.Itoa(k)
			}
		}
		used[strconv.FormatInt(a.parent, 10)+"/"+title] = true
		a.createdAt, a.updatedAt = g.history(s, 30*86400)
		author := admins[g.intn(len(admins))].num
		def := &articleText{title: title, body: articleBody(g, ""), author: author, state: state(0.75),
			createdAt: a.createdAt, updatedAt: a.updatedAt}
		if g.chance(0.7) {
			def.description = "A guide to " + object + "."
		}
		a.texts[contentDefaultLocale] = def
		for _, loc := range langs[1:] {
			if !g.chance(0.4) {
				continue
			}
			t := &articleText{title: translatedPrefix[loc] + title, body: articleBody(g, "["+loc+"] "), author: author,
				state: state(0.7), createdAt: g.between(a.createdAt, a.updatedAt)}
			t.updatedAt = g.between(t.createdAt, a.updatedAt)
			if g.chance(0.3) {
				t.author = admins[g.intn(len(admins))].num
			}
			if def.description != "" {
				t.description = translatedPrefix[loc] + def.description
			}
			a.texts[loc] = t
		}
		st.byID[a.id] = a
		made = append(made, a)
	}
}

var internalTopics = []string{
	"Refund policy", "Escalation path", "On-call rota", "Macros we use", "VIP customers", "Known outages",
	"Billing exceptions", "Security questionnaire answers", "Release notes process", "Tone of voice",
}

func seedInternalArticles(s *Sandbox, g *gen) {
	st := s.internalArticles()
	n := contentSeedCount(s, g, &st.ids, "internal_articles", 40, 2, 100)
	if n == 0 {
		return
	}
	admins := s.admins().list
	langs := s.helpCenters().languages
	for i := 0; i < n; i++ {
		a := &internalArticle{id: st.ids.take(), title: "Internal: " + numberedTitle(internalTopics, i), body: "<p>" + g.pick(articleSentences) + "</p>",
			owner: admins[g.intn(len(admins))].num, author: admins[g.intn(len(admins))].num, locale: contentDefaultLocale}
		if g.chance(0.15) {
			a.locale = langs[1+g.intn(len(langs)-1)]
		}
		a.createdAt, a.updatedAt = g.history(s, 30*86400)
		st.byID[a.id] = a
	}
}
