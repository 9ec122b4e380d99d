package intercomtest

import (
	"math"
	"strconv"
	"strings"
)

// seedContacts generates Options.Contacts contacts, created over the four
// years before the anchor, in creation order:
//   - ~80% users, nearly all with email and external_id (unique); ~20% leads,
//     most with an email (a few sharing a user's email, as happens when a
//     visitor later signs up), none with external_id;
//   - names on most, phones on ~40%, avatars on ~30%, signed_up_at on users,
//     last_seen_at on ~70%, owners (admins) on ~half, ~10% unsubscribed,
//     locations on ~60%;
//   - each custom contact attribute set on ~55% of contacts, with a value of
//     its type;
//   - 0-15 tags each (~5% have more than 10, so has_more matters).
func seedContacts(s *Sandbox, g *gen) {
	n := g.ctx.contacts
	if n == 0 {
		return
	}
	st := s.contacts()
	admins := s.admins().list
	var attrs []*dataAttr
	for _, a := range s.attrs().list {
		if a.model == "contact" && !a.archived {
			attrs = append(attrs, a)
		}
	}
	tags := s.tags().list
	tagIdx := make([]int, len(tags))
	for i := range tagIdx {
		tagIdx[i] = i
	}
	anchor := g.ctx.anchor
	const span = 4 * 365 * 86400
	start := anchor - span
	step := max(int64(span)/int64(n), 1)
	extBase := mix64(uint64(s.seed) ^ 0xe7e1d)
	var userEmails []string
	st.order = make([]*contact, 0, n)
	// Sized once: growing four maps of n keys is most of the indexing.
	st.byID = make(map[string]*contact, n)
	st.userByEmail = make(map[string]*contact, n)
	st.byEmail = make(map[string][]*contact, n)
	st.byExternalID = make(map[string]*contact, n)
	made := 0 // invalid contacts so far

	for i := 0; i < n; i++ {
		seq := int64(i + 1)
		created := min(start+int64(i)*step+g.int64n(step), anchor)
		c := &contact{seq: seq, place: -1, createdAt: created, lead: g.chance(0.2)}
		first, last := g.firstName(), g.lastName()
		cleanLast := strings.ToLower(strings.ReplaceAll(last, "'", ""))
		named := 0.9 // users; leads less often have a name
		if c.lead {
			named = 0.6
		}
		if g.chance(named) {
			c.name = first + " " + last
		}
		domain := g.pick(emailDomains)
		num := strconv.Itoa(i)
		if !c.lead {
			c.email = strings.ToLower(first) + "." + cleanLast + num + "@" + domain
			userEmails = append(userEmails, c.email)
			if g.chance(0.95) {
				c.externalID = "usr_" + strconv.FormatUint(mix64(extBase+uint64(i)), 36)
			}
			c.signedUpAt = created + g.int64n(3600)
		} else if g.chance(0.85) {
			if len(userEmails) > 0 && g.chance(0.03) {
				c.email = userEmails[g.intn(len(userEmails))]
			} else {
				c.email = strings.ToLower(first) + num + "@" + domain
			}
		}
		if g.chance(0.4) {
			c.phone = "+" + strconv.Itoa(1+g.intn(98)) + " " + strconv.Itoa(100+g.intn(900)) + " " + strconv.Itoa(1000000+g.intn(9000000))
		}
		if g.chance(0.3) {
			c.avatar = "https://avatars.sandbox.example/" + num + ".png"
		}
		if g.chance(0.7) {
			c.lastSeenAt = g.between(created, anchor)
		}
		c.updatedAt = g.between(max(created, c.lastSeenAt, c.signedUpAt), anchor)
		if g.chance(0.5) {
			c.ownerID = admins[g.intn(len(admins))].num
		}
		c.unsub = g.chance(0.1)
		if g.chance(0.6) {
			c.place = int16(g.intn(len(places)))
		}
		for _, a := range attrs {
			if g.chance(0.55) {
				c.custom = append(c.custom, attrValue{attr: a.id, v: seedValue(g, a, created, anchor)})
			}
		}
		var k int
		switch r := g.r.Float64(); {
		case r < 0.40:
			k = 0
		case r < 0.85:
			k = 1 + g.intn(5)
		case r < 0.95:
			k = 6 + g.intn(5)
		default:
			k = 11 + g.intn(5)
		}
		k = min(k, len(tags))
		for j := 0; j < k; j++ {
			x := j + g.intn(len(tagIdx)-j)
			tagIdx[j], tagIdx[x] = tagIdx[x], tagIdx[j]
			c.tags = append(c.tags, appliedTag{
				id: tags[tagIdx[j]].id,
				at: g.between(created, anchor),
				by: admins[g.intn(len(admins))].id,
			})
		}
		c.id = objectID(created, s.salt, seq)
		if made < (i+1)*g.ctx.invalid/n && spoil(c) {
			made++
		}
		st.index(c)
	}
	// Leads fell on some slots: spoil users from the start until the count
	// is exact (or there are no users left).
	for _, c := range st.order {
		if made >= g.ctx.invalid {
			break
		}
		if spoilable(c) {
			st.unindexKeys(c) // by the email it had
			spoil(c)
			st.indexKeys(c)
			made++
		}
	}
	st.nextSeq = int64(n + 1)
}

var stringAttrValues = map[string][]string{
	"referral_source": {"Google", "Friend", "Podcast", "Conference", "LinkedIn", "Blog", "Partner"},
	"account_note":    {"Renewal due", "Key account", "Asked for a demo", "Prefers email", "Evaluating competitors"},
}

func seedValue(g *gen, a *dataAttr, created, anchor int64) any {
	switch a.dataType {
	case "options":
		return g.pick(a.options)
	case "integer":
		if a.name == "nps_score" {
			return int64(g.intn(11))
		}
		return int64(1 + g.intn(50))
	case "float":
		return math.Round(g.r.Float64()*50000) / 100
	case "boolean":
		return g.chance(0.5)
	case "date":
		return g.between(created, anchor+180*86400)
	}
	if list := stringAttrValues[a.name]; list != nil {
		return g.pick(list)
	}
	return "value " + strconv.Itoa(g.intn(1000))
}

// spoil gives a user an email the API refuses on write, as legacy data can
// hold; it reports whether it did (leads and spoiled users are left alone).
func spoil(c *contact) bool {
	if !spoilable(c) {
		return false
	}
	c.email = strings.Replace(c.email, "@", "@@", 1)
	return true
}

func spoilable(c *contact) bool {
	return !c.lead && c.email != "" && !strings.Contains(c.email, "@@")
}
