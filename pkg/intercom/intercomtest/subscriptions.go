package intercomtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// Subscription types and contacts' subscription preferences (consent).
//
// Modelled rules:
//   - Subscription types cannot be created through the API: every workspace
//     of a seed has the same ones (names, consent types, content types),
//     like its teammates, whatever its contacts; ids depend on the
//     workspace.
//   - A contact's preferences are the types it is attached to: an opt-out
//     type it is attached to means it opted out, an opt-in type that it
//     opted in. The contact lists them as opted_out_subscription_types and
//     opted_in_subscription_types (at most MaxSubscriptionsShownOnContact
//     each, has_more beyond; GET /contacts/{id}/subscriptions lists all).
//   - POST /contacts/{id}/subscriptions attaches (idempotent); its
//     consent_type must be the type's own, else 400 parameter_invalid (the
//     sandbox's strictness: Intercom documents the field but not what a
//     mismatch does). Unknown contact: 404 "User Not Found"; unknown type:
//     404 "Resource Not Found".
//   - DELETE /contacts/{id}/subscriptions/{type id} detaches and answers the
//     type, also when the contact was not attached.

// MaxSubscriptionsShownOnContact is how many subscription types each of a
// contact's two lists shows.
const MaxSubscriptionsShownOnContact = 10

type subscriptionType struct {
	id           int64
	name         string
	description  string
	consent      string // opt_in or opt_out
	contentTypes []string
	state        string
}

type subscriptionTypeStore struct {
	list []*subscriptionType
	byID map[int64]*subscriptionType
}

// contactSubscriptionStore holds preferences by contact id, in the order
// they were given.
type contactSubscriptionStore struct {
	byContact map[string][]int64
}

func (s *Sandbox) subscriptionTypes() *subscriptionTypeStore {
	return s.stores["subscription_types"].(*subscriptionTypeStore)
}

func (s *Sandbox) contactSubscriptions() *contactSubscriptionStore {
	return s.stores["contact_subscriptions"].(*contactSubscriptionStore)
}

func init() {
	registerEntity(entityDef{
		name:     "subscription_types",
		order:    12,
		newStore: func() any { return &subscriptionTypeStore{byID: map[int64]*subscriptionType{}} },
		seed:     seedSubscriptionTypes,
		count:    func(s *Sandbox) int { return len(s.subscriptionTypes().list) },
		records: func(s *Sandbox) []any {
			return recordsOf(s.subscriptionTypes().list, func(t *subscriptionType) any { return t.view() })
		},
		routes: []route{
			{method: "GET", path: "/subscription_types", handler: listSubscriptionTypes},
		},
	})
	registerEntity(entityDef{
		name:     "contact_subscriptions",
		order:    45,
		newStore: func() any { return &contactSubscriptionStore{byContact: map[string][]int64{}} },
		seed:     seedContactSubscriptions,
		// count is the number of contacts with a preference.
		count: func(s *Sandbox) int {
			n := 0
			for _, c := range s.contacts().order {
				if len(s.contactSubscriptions().byContact[c.id]) > 0 {
					n++
				}
			}
			return n
		},
		records: func(s *Sandbox) []any {
			var out []any
			for _, c := range s.contacts().order {
				if ids := s.contactSubscriptions().byContact[c.id]; len(ids) > 0 {
					out = append(out, s.consentRecord(c))
				}
			}
			return out
		},
		routes: []route{
			{method: "GET", path: "/contacts/{contact_id}/subscriptions", handler: listContactSubscriptions},
			{method: "POST", path: "/contacts/{contact_id}/subscriptions", write: true, handler: attachContactSubscription},
			{method: "DELETE", path: "/contacts/{contact_id}/subscriptions/{subscription_id}", write: true, handler: detachContactSubscription},
		},
	})
}

// ConsentRecord is a contact's consent as Records("contact_subscriptions")
// renders it: the names of the types it opted in to and out of (sorted).
type ConsentRecord struct {
	ContactID              string   `json:"contact_id"`
	Email                  string   `json:"email,omitempty"`
	ExternalID             string   `json:"external_id,omitempty"`
	OptedIn                []string `json:"opted_in"`
	OptedOut               []string `json:"opted_out"`
	UnsubscribedFromEmails bool     `json:"unsubscribed_from_emails"`
}

func (s *Sandbox) consentRecord(c *contact) ConsentRecord {
	r := ConsentRecord{ContactID: c.id, Email: c.email, ExternalID: c.externalID, OptedIn: []string{}, OptedOut: []string{}, UnsubscribedFromEmails: c.unsub}
	types := s.subscriptionTypes()
	for _, id := range s.contactSubscriptions().byContact[c.id] {
		if t := types.byID[id]; t != nil {
			if t.consent == "opt_in" {
				r.OptedIn = append(r.OptedIn, t.name)
			} else {
				r.OptedOut = append(r.OptedOut, t.name)
			}
		}
	}
	sort.Strings(r.OptedIn)
	sort.Strings(r.OptedOut)
	return r
}

// Consent returns every contact's consent (contacts without a preference
// included), in creation order: tests compare workspaces with it.
func (s *Sandbox) Consent() []ConsentRecord {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]ConsentRecord, 0, len(s.contacts().order))
	for _, c := range s.contacts().order {
		out = append(out, s.consentRecord(c))
	}
	return out
}

// RemoveSubscriptionType deletes the subscription type of that name and
// every preference for it, as in a destination whose operator did not
// recreate it. It reports whether there was one.
func (s *Sandbox) RemoveSubscriptionType(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.subscriptionTypes()
	for i, t := range st.list {
		if t.name != name {
			continue
		}
		st.list = append(st.list[:i:i], st.list[i+1:]...)
		delete(st.byID, t.id)
		cs := s.contactSubscriptions()
		for cid, ids := range cs.byContact {
			cs.byContact[cid] = removeID(ids, t.id)
		}
		s.version++
		return true
	}
	return false
}

func removeID(ids []int64, id int64) []int64 {
	for i, x := range ids {
		if x == id {
			return append(ids[:i:i], ids[i+1:]...)
		}
	}
	return ids
}

var subscriptionTypeDefs = []struct {
	name, description, consent, content string
}{
	{"Newsletter", "Our monthly newsletter", "opt_out", "email"},
	{"Product updates", "New features and improvements", "opt_out", "email"},
	{"Promotions", "Offers and discounts", "opt_out", "email"},
	{"Tips and tutorials", "Getting the most out of the product", "opt_out", "email"},
	{"Event invitations", "Webinars, meetups and conferences", "opt_out", "email"},
	{"Surveys", "Requests for feedback", "opt_out", "email"},
	{"Release notes", "Detailed notes of each release", "opt_out", "email"},
	{"Account reminders", "Renewals and usage reminders", "opt_out", "email"},
	{"Partner offers", "Offers from our partners", "opt_out", "email"},
	{"Community digest", "The best of the community forum", "opt_out", "email"},
	{"Service status", "Incidents and maintenance windows", "opt_out", "sms_message"},
	{"Beta program", "Early access to new features", "opt_in", "email"},
	{"SMS alerts", "Account alerts by text message", "opt_in", "sms_message"},
	{"Marketing texts", "Offers by text message", "opt_in", "sms_message"},
}

// seedSubscriptionTypes makes the same types in every workspace of a seed
// (even an empty one: the API cannot create them, so an operator recreates
// them before migrating).
func seedSubscriptionTypes(s *Sandbox, _ *gen) {
	st := s.subscriptionTypes()
	g := newGen(s.seed, "subscription-types")
	order := g.r.Perm(len(subscriptionTypeDefs))
	base := int64(100 + s.salt%9000)
	for i, k := range order {
		d := subscriptionTypeDefs[k]
		t := &subscriptionType{id: base + int64(i)*7 + 1, name: d.name, description: d.description,
			consent: d.consent, contentTypes: []string{d.content}, state: "live"}
		st.list = append(st.list, t)
		st.byID[t.id] = t
	}
}

// seedContactSubscriptions gives ~15% of contacts preferences: most one to
// three types (opt-outs more often than opt-ins), and one in two hundred an
// opt-out of every opt-out type (more than a contact shows: has_more).
func seedContactSubscriptions(s *Sandbox, g *gen) {
	types := s.subscriptionTypes().list
	if len(types) == 0 || g.ctx.contacts == 0 { // none, or left out (Options.Entities)
		return
	}
	var outs, ins []int64
	for _, t := range types {
		if t.consent == "opt_in" {
			ins = append(ins, t.id)
		} else {
			outs = append(outs, t.id)
		}
	}
	cs := s.contactSubscriptions()
	for _, c := range s.contacts().order {
		r := g.r.Float64()
		switch {
		case r < 0.005:
			cs.byContact[c.id] = append([]int64(nil), outs...)
		case r < 0.15:
			k := 1 + g.intn(3)
			var ids []int64
			for range k {
				pool := outs
				if len(ins) > 0 && g.chance(0.3) {
					pool = ins
				}
				id := pool[g.intn(len(pool))]
				if !containsID(ids, id) {
					ids = append(ids, id)
				}
			}
			cs.byContact[c.id] = ids
		}
	}
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

type translationView struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Locale      string `json:"locale"`
}

type subscriptionTypeView struct {
	Type               string            `json:"type"`
	ID                 string            `json:"id"`
	State              string            `json:"state"`
	ConsentType        string            `json:"consent_type"`
	DefaultTranslation translationView   `json:"default_translation"`
	Translations       []translationView `json:"translations"`
	ContentTypes       []string          `json:"content_types"`
}

func (t *subscriptionType) view() subscriptionTypeView {
	tr := translationView{Name: t.name, Description: t.description, Locale: "en"}
	return subscriptionTypeView{Type: "subscription", ID: strconv.FormatInt(t.id, 10), State: t.state, ConsentType: t.consent,
		DefaultTranslation: tr, Translations: []translationView{tr}, ContentTypes: append([]string(nil), t.contentTypes...)}
}

type subscriptionTypeListView struct {
	Type string                 `json:"type"`
	Data []subscriptionTypeView `json:"data"`
}

func listSubscriptionTypes(q *request) (int, any) {
	out := subscriptionTypeListView{Type: "list", Data: []subscriptionTypeView{}}
	for _, t := range q.s.subscriptionTypes().list {
		out.Data = append(out.Data, t.view())
	}
	return http.StatusOK, out
}

// subscriptionLists fills a contact view's two lists of preferences.
func (s *Sandbox) subscriptionLists(c *contact, v *contactView) {
	types := s.subscriptionTypes()
	url := "/contacts/" + c.id + "/subscriptions"
	in, out := listRef{Type: "list", Data: []addressable{}, URL: url}, listRef{Type: "list", Data: []addressable{}, URL: url}
	for _, id := range s.contactSubscriptions().byContact[c.id] {
		t := types.byID[id]
		if t == nil {
			continue
		}
		l := &out
		if t.consent == "opt_in" {
			l = &in
		}
		l.TotalCount++
		if len(l.Data) < MaxSubscriptionsShownOnContact {
			sid := strconv.FormatInt(id, 10)
			l.Data = append(l.Data, addressable{Type: "subscription", ID: sid, URL: "/subscription_types/" + sid})
		}
	}
	in.HasMore, out.HasMore = in.TotalCount > len(in.Data), out.TotalCount > len(out.Data)
	v.OptedInSubscriptionTypes, v.OptedOutSubscriptionTypes = in, out
}

func listContactSubscriptions(q *request) (int, any) {
	c := q.s.contacts().byID[q.param("contact_id")]
	if c == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, MsgUserNotFound)
	}
	out := subscriptionTypeListView{Type: "list", Data: []subscriptionTypeView{}}
	types := q.s.subscriptionTypes()
	for _, id := range q.s.contactSubscriptions().byContact[c.id] {
		if t := types.byID[id]; t != nil {
			out.Data = append(out.Data, t.view())
		}
	}
	return http.StatusOK, out
}

func (q *request) subscriptionType(raw string) *subscriptionType {
	id, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
	if err != nil {
		return nil
	}
	return q.s.subscriptionTypes().byID[id]
}

func attachContactSubscription(q *request) (int, any) {
	c := q.s.contacts().byID[q.param("contact_id")]
	if c == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, MsgUserNotFound)
	}
	var body struct {
		ID          json.RawMessage `json:"id"`
		ConsentType string          `json:"consent_type"`
	}
	if err := json.Unmarshal(q.body, &body); err != nil {
		return q.fail(http.StatusBadRequest, CodeParameterInvalid, "the body must be a JSON object with id and consent_type")
	}
	// The spec says a string; its examples send a number. Take both.
	raw := string(bytes.Trim(bytes.TrimSpace(body.ID), `"`))
	t := q.subscriptionType(raw)
	if t == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, MsgNotFound)
	}
	if body.ConsentType != "opt_in" && body.ConsentType != "opt_out" {
		return q.failField(http.StatusBadRequest, CodeParameterInvalid, "consent_type must be opt_in or opt_out", "consent_type")
	}
	if body.ConsentType != t.consent {
		return q.failField(http.StatusBadRequest, CodeParameterInvalid,
			"consent_type "+body.ConsentType+" does not match the subscription type's consent type "+t.consent, "consent_type")
	}
	cs := q.s.contactSubscriptions()
	if !containsID(cs.byContact[c.id], t.id) {
		cs.byContact[c.id] = append(cs.byContact[c.id], t.id)
	}
	return http.StatusOK, t.view()
}

func detachContactSubscription(q *request) (int, any) {
	c := q.s.contacts().byID[q.param("contact_id")]
	if c == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, MsgUserNotFound)
	}
	t := q.subscriptionType(q.param("subscription_id"))
	if t == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, MsgNotFound)
	}
	cs := q.s.contactSubscriptions()
	cs.byContact[c.id] = removeID(cs.byContact[c.id], t.id)
	return http.StatusOK, t.view()
}
