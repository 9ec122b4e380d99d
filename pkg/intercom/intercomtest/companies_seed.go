package intercomtest

import (
	"strconv"
)

// seedCompanyAttrs are the custom data attributes of model company the
// seeded workspace has besides industry_segment (seeded with the contact
// ones): one of each type.
var seedCompanyAttrs = []seedAttr{
	{name: "company_tier", dataType: "options", description: "Support tier of the account", options: []string{"Bronze", "Silver", "Gold", "Platinum"}},
	{name: "seats_purchased", dataType: "integer", description: "Seats the company pays for"},
	{name: "arr_usd", dataType: "float", description: "Annual recurring revenue in USD"},
	{name: "is_partner", dataType: "boolean", description: "A reseller or integration partner"},
	{name: "renewal_date", dataType: "date", description: "Next contract renewal"},
	{name: "crm_account_owner", dataType: "string", description: "Owner of the account in the CRM"},
}

var (
	companyPlans      = []string{"Free", "Starter", "Growth", "Pro", "Enterprise"}
	companyIndustries = []string{"Software", "Retail", "Healthcare", "Finance", "Education", "Manufacturing", "Logistics", "Media", "Hospitality", "Non-profit"}
	companySegments   = []string{"SMB", "Mid-market", "Enterprise", "Public sector", "Education"}
	crmOwners         = []string{"Team North", "Team South", "Key accounts", "Partners desk"}
)

// seedCompanies generates Options.Contacts/10 companies and attaches the
// contacts to them:
//   - company_id "cmp_<base36>", a name, a plan on ~80%, a size on ~85%, a
//     website on ~75%, an industry on ~80%, a monthly spend, a remote
//     creation time on ~70%, sessions and a last request time;
//   - each custom company attribute set on ~60% of companies;
//   - tags (1 to 3) on ~30% of companies;
//   - contacts attached to 0-3 companies (~30% none, ~45% one, ~17% two,
//     ~8% three); ~5% of companies ("prospects") have no contact, which
//     POST /companies/list leaves out and the scroll does not.
//
// The custom company attributes are added to the data attributes here, so
// that an empty workspace has none.
func seedCompanies(s *Sandbox, g *gen) {
	st := s.companies()
	st.salt = s.salt ^ hashString(companySaltStream)
	st.nextPlan = 200000 + int64(s.salt%700000)
	n := g.ctx.contacts / 10
	if g.ctx.contacts == 0 {
		return
	}
	attrs := s.attrs()
	admins := s.admins().list
	for _, d := range seedCompanyAttrs {
		created := g.between(s.appCreated, g.ctx.anchor-86400*30)
		attrs.add(&dataAttr{
			model: "company", name: d.name, label: d.name, description: d.description,
			dataType: d.dataType, options: d.options, messengerWritable: false, archived: d.archived,
			createdAt: created, updatedAt: g.between(created, g.ctx.anchor), adminID: admins[g.intn(len(admins))].id,
		})
	}
	var custom []*dataAttr
	for _, a := range attrs.list {
		if a.model == "company" && !a.archived {
			custom = append(custom, a)
		}
	}
	if n == 0 {
		return
	}
	anchor := g.ctx.anchor
	const span = 5 * 365 * 86400
	start := anchor - span
	step := max(int64(span)/int64(n), 1)
	idBase := mix64(uint64(s.seed) ^ 0xc0a1)
	tags := s.tags().list
	prospect := make([]bool, n)
	st.list = make([]*company, 0, n)
	for i := 0; i < n; i++ {
		seq := int64(i + 1)
		created := min(start+int64(i)*step+g.int64n(step), anchor)
		name := g.companyName()
		c := &company{
			seq: seq, companyID: "cmp_" + strconv.FormatUint(mix64(idBase+uint64(i)), 36),
			name: name, createdAt: created,
		}
		if g.chance(0.8) {
			c.plan = g.pick(companyPlans)
			st.planID(c.plan)
		}
		if g.chance(0.85) {
			c.size, c.hasSize = int64(1+g.intn(5000)), true
		}
		if g.chance(0.75) {
			c.website = "https://" + slug(name) + strconv.Itoa(i) + ".example"
		}
		if g.chance(0.8) {
			c.industry = g.pick(companyIndustries)
		}
		c.spend = int64(g.intn(20000))
		if g.chance(0.7) {
			c.remoteCreatedAt = created - g.int64n(3*365*86400)
		}
		c.sessions = int64(g.intn(5000))
		c.lastRequestAt = g.between(created, anchor)
		c.updatedAt = g.between(created, anchor)
		for _, a := range custom {
			if !g.chance(0.6) {
				continue
			}
			var v any
			switch a.name {
			case "industry_segment":
				v = g.pick(companySegments)
			case "crm_account_owner":
				v = g.pick(crmOwners)
			default:
				v = seedValue(g, a, created, anchor)
			}
			c.custom = append(c.custom, attrValue{attr: a.id, v: v})
		}
		if len(tags) > 0 && g.chance(0.3) {
			k := min(1+g.intn(3), len(tags))
			for _, j := range g.r.Perm(len(tags))[:k] {
				c.tags = append(c.tags, appliedTag{id: tags[j].id, at: g.between(created, anchor), by: admins[g.intn(len(admins))].id})
			}
		}
		prospect[i] = g.chance(0.05)
		c.id = objectID(created, st.salt, seq)
		st.add(c)
	}
	st.nextSeq = int64(n + 1)
	var open []*company // companies that take contacts
	for i, c := range st.list {
		if !prospect[i] {
			open = append(open, c)
		}
	}
	if len(open) == 0 {
		return
	}
	contacts := s.contacts().order
	st.byContact = make(map[string][]*company, len(contacts)*3/4)
	for _, ct := range contacts {
		var k int
		switch r := g.r.Float64(); {
		case r < 0.30:
			k = 0
		case r < 0.75:
			k = 1
		case r < 0.92:
			k = 2
		default:
			k = 3
		}
		k = min(k, len(open))
		if k == 0 {
			continue
		}
		// Distinct companies, each contact once: no need to check.
		list := make([]*company, 0, k)
		for _, j := range pickDistinct(g, len(open), k) {
			open[j].contacts = append(open[j].contacts, ct.id)
			list = append(list, open[j])
		}
		st.byContact[ct.id] = list
	}
}

// pickDistinct returns k distinct indexes below n.
func pickDistinct(g *gen, n, k int) []int {
	out := make([]int, 0, k)
	for len(out) < k {
		x := g.intn(n)
		dup := false
		for _, y := range out {
			if y == x {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, x)
		}
	}
	return out
}
