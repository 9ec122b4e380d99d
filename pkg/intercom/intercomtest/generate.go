package intercomtest

import (
	"math/rand/v2"
	"strings"
	"time"
	"unicode"
)

// The deterministic generator of a realistic workspace. Each entity seeds
// itself (its seed function, in its file) from its own stream of random
// numbers, derived from Options.Seed and the entity's name, so adding an
// entity does not change the others. Contents (names, emails, values) depend
// on the seed only; ids depend on the workspace too (see ids below), so a
// source and a destination sandbox built from the same seed have the same
// teammates under different ids.

// seedContext carries what New knows to the entities' seed functions.
type seedContext struct {
	contacts int   // Options.Contacts
	invalid  int   // Options.InvalidContacts
	admins   int   // number of admins
	anchor   int64 // "now" of the generated history, Unix seconds
}

// gen is a seeded source of realistic values.
type gen struct {
	r   *rand.Rand
	ctx *seedContext
}

func newGen(seed int64, stream string) *gen {
	return &gen{r: rand.New(rand.NewPCG(uint64(seed), hashString(stream)))}
}

func newGenFor(seed int64, entity string, ctx *seedContext) *gen {
	g := newGen(seed, "entity:"+entity)
	g.ctx = ctx
	return g
}

// genAnchor is the "now" of the generated history: a fixed date, so the
// same seed gives the same timestamps whenever it runs, or the clock's
// current day if the clock is earlier (tests with a fake clock).
func genAnchor(now time.Time) time.Time {
	anchor := time.Date(2025, time.January, 1, 0, 0, 0, 0, time.UTC)
	if now.Before(anchor) {
		return now.UTC().Truncate(24 * time.Hour)
	}
	return anchor
}

func (g *gen) intn(n int) int            { return g.r.IntN(n) }
func (g *gen) int64n(n int64) int64      { return g.r.Int64N(n) }
func (g *gen) chance(p float64) bool     { return g.r.Float64() < p }
func (g *gen) pick(list []string) string { return list[g.r.IntN(len(list))] }

// between returns a Unix time in [lo, hi].
func (g *gen) between(lo, hi int64) int64 {
	if hi <= lo {
		return lo
	}
	return lo + g.r.Int64N(hi-lo+1)
}

func (g *gen) firstName() string { return g.pick(firstNames) }
func (g *gen) lastName() string  { return g.pick(lastNames) }

// companyName returns a made-up company ("Northwind Labs").
func (g *gen) companyName() string {
	return g.pick(companyWords) + " " + g.pick(companySuffixes)
}

// slug turns a name into a lower-case, dash-free domain label.
func slug(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Ids. Every id of a record depends on the workspace (its salt, from the app
// id) and the record's sequence number; mix64 is a bijection, so distinct
// sequence numbers give distinct ids.

// mix64 is SplitMix64's finalizer.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

const hexDigits = "0123456789abcdef"

// objectID makes a 24-hex-digit id like Intercom's (a MongoDB ObjectId:
// creation time, then 8 bytes).
func objectID(created int64, salt uint64, seq int64) string {
	var b [24]byte
	t := uint32(created)
	for i := 7; i >= 0; i-- {
		b[i] = hexDigits[t&0xf]
		t >>= 4
	}
	x := mix64(salt ^ mix64(uint64(seq)))
	for i := 23; i >= 8; i-- {
		b[i] = hexDigits[x&0xf]
		x >>= 4
	}
	return string(b[:])
}

// Word lists (made up or common words; no personal data).
var firstNames = []string{
	"Ada", "Alan", "Amara", "Anders", "Aoife", "Arjun", "Astrid", "Ayesha", "Bea", "Ben",
	"Bruno", "Camille", "Carlos", "Chen", "Chloe", "Ciaran", "Dara", "David", "Diego", "Elena",
	"Emeka", "Emma", "Eoin", "Farah", "Felix", "Fiona", "Freya", "Gabriel", "Grace", "Hana",
	"Hugo", "Ines", "Isaac", "Ivy", "Jamal", "Jana", "Jin", "Jonas", "Julia", "Kai",
	"Kenji", "Lara", "Leo", "Lina", "Luca", "Maeve", "Mai", "Marco", "Maria", "Mateo",
	"Maya", "Mei", "Mila", "Nadia", "Niamh", "Nikhil", "Noah", "Nora", "Olga", "Omar",
	"Oscar", "Priya", "Rafael", "Rania", "Rhys", "Rosa", "Ruth", "Sami", "Sara", "Sean",
	"Sofia", "Tariq", "Tess", "Theo", "Uma", "Victor", "Wen", "Yara", "Yusuf", "Zoe",
}

var lastNames = []string{
	"Abbott", "Adeyemi", "Andersen", "Bauer", "Brennan", "Byrne", "Carvalho", "Chen", "Costa", "Dubois",
	"Duffy", "Eriksson", "Fernandes", "Fischer", "Gallagher", "Garcia", "Gupta", "Haddad", "Hansen", "Herrera",
	"Hughes", "Ito", "Jansen", "Kaur", "Kelly", "Kim", "Kowalski", "Larsen", "Lee", "Lopez",
	"Moreau", "Murphy", "Nakamura", "Nguyen", "Novak", "Nowak", "Obi", "O'Brien", "Okafor", "Olsen",
	"Patel", "Pereira", "Quinn", "Ramos", "Reilly", "Rossi", "Sato", "Schmidt", "Silva", "Singh",
	"Smith", "Suzuki", "Tanaka", "Torres", "Vargas", "Walsh", "Wang", "Weber", "Yamamoto", "Zhang",
}

var companyWords = []string{
	"Northwind", "Bluepeak", "Brightleaf", "Cobalt", "Driftwood", "Emberly", "Fernhill", "Granite",
	"Harbor", "Ironbark", "Juniper", "Kestrel", "Lumen", "Meridian", "Nimbus", "Oakridge",
	"Pinecrest", "Quarry", "Riverstone", "Saltmarsh", "Tidewater", "Umber", "Vantage", "Willow",
}

var companySuffixes = []string{"Labs", "Systems", "Software", "Analytics", "Works", "Cloud", "Health", "Logistics"}

var jobTitles = []string{
	"Support Engineer", "Customer Success Manager", "Head of Support", "Support Specialist",
	"Account Executive", "Product Manager", "Solutions Engineer", "Community Manager",
}

var emailDomains = []string{
	"mail.example", "inbox.example", "post.example", "webmail.example", "corp.example",
	"example.com", "example.org", "example.net",
}

var tagNames = []string{
	"VIP", "Beta tester", "Churn risk", "Enterprise", "Newsletter", "Trial", "Onboarding",
	"Power user", "Partner", "Needs follow-up", "Billing issue", "Feature request", "NPS promoter",
	"NPS detractor", "Webinar 2024", "Conference lead", "Upsell", "Renewal Q3", "EMEA", "APAC",
	"North America", "Mobile app", "API user", "Legacy plan", "Referral", "Early adopter",
	"Do not contact", "Security review", "Integration: Slack", "Integration: Salesforce",
	"Case study", "Advisory board", "Student", "Non-profit", "Reseller", "High touch",
}

type place struct{ city, region, country, countryCode, continent string }

var places = []place{
	{"Dublin", "Leinster", "Ireland", "IE", "EU"},
	{"Cork", "Munster", "Ireland", "IE", "EU"},
	{"London", "England", "United Kingdom", "GB", "EU"},
	{"Berlin", "Berlin", "Germany", "DE", "EU"},
	{"Paris", "Ile-de-France", "France", "FR", "EU"},
	{"Lisbon", "Lisbon", "Portugal", "PT", "EU"},
	{"Madrid", "Madrid", "Spain", "ES", "EU"},
	{"Amsterdam", "North Holland", "Netherlands", "NL", "EU"},
	{"Stockholm", "Stockholm", "Sweden", "SE", "EU"},
	{"San Francisco", "California", "United States", "US", "NA"},
	{"New York", "New York", "United States", "US", "NA"},
	{"Chicago", "Illinois", "United States", "US", "NA"},
	{"Austin", "Texas", "United States", "US", "NA"},
	{"Toronto", "Ontario", "Canada", "CA", "NA"},
	{"Sydney", "New South Wales", "Australia", "AU", "OC"},
	{"Melbourne", "Victoria", "Australia", "AU", "OC"},
	{"Auckland", "Auckland", "New Zealand", "NZ", "OC"},
	{"Tokyo", "Tokyo", "Japan", "JP", "AS"},
	{"Singapore", "Singapore", "Singapore", "SG", "AS"},
	{"Bangalore", "Karnataka", "India", "IN", "AS"},
	{"Sao Paulo", "Sao Paulo", "Brazil", "BR", "SA"},
	{"Lagos", "Lagos", "Nigeria", "NG", "AF"},
}
