package migrate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// Consent: each contact's subscription preferences (opted out of an opt-out
// type, opted in to an opt-in type), applied in the destination once every
// contact exists. unsubscribed_from_emails travels with the contact itself
// (contacts.go); this phase carries the per-type preferences.
//
// Losing an opt-out is the worst error a migration can make, so:
//   - subscription types are matched by name AND consent type: attaching a
//     contact to a destination type of the same name but the other consent
//     type would turn an opt-out into an opt-in;
//   - a preference for a type the destination lacks (the API cannot create
//     types) is a recorded failure of the contact, naming the types, never a
//     silent skip; a contact that did not migrate has its own failure (its
//     preferences are counted, and applied by the requeue that migrates it);
//   - what the phase applied to a contact is recorded (map "consent":
//     source contact id -> the destination preferences applied), only after
//     every write for it succeeded. A rerun writes nothing for a contact
//     whose preferences did not change; after a crash the contact's writes
//     are sent again, which is harmless (attaching is idempotent). A
//     preference the source no longer has is removed (DELETE) only when
//     this migration applied it: preferences the destination had on its own
//     are never removed.
const (
	PhaseConsent = "consent"
	// mapSubscriptionTypes: source type id -> JSON subTypeMatch.
	mapSubscriptionTypes = "subscription_types"
	// NoteSubscriptionTypesUnmatched lists the names of source subscription
	// types without a destination type of the same name and consent type.
	NoteSubscriptionTypesUnmatched = "subscription_types_unmatched"
	// consentStateVersion prefixes recorded states.
	consentStateVersion = "v1:"
)

func init() { registerPhase(orderConsent, PhaseConsent, runConsentPage) }

type subTypeMatch struct {
	Dst     string `json:"d,omitempty"` // destination type id; "" when unmatched
	Name    string `json:"n"`
	Consent string `json:"c"`
	// Why is the reason of an unmatched type.
	Why string `json:"w,omitempty"`
}

// mapSubscriptionTypeNames matches the source's subscription types with the
// destination's by name (case-insensitive) and consent type.
func mapSubscriptionTypeNames(ctx context.Context, j *job) error {
	src, _, err := j.src.SubscriptionTypes.List(ctx)
	if err != nil {
		return srcErr(err)
	}
	dst, _, err := j.dst.SubscriptionTypes.List(ctx)
	if err != nil {
		return dstErr(err)
	}
	byName := make(map[string]*intercom.SubscriptionType, len(dst))
	for _, t := range dst {
		byName[strings.ToLower(strings.TrimSpace(t.Name()))] = t
	}
	pairs := map[string]string{}
	var unmatched []string
	for _, t := range src {
		m := subTypeMatch{Name: t.Name(), Consent: t.ConsentType}
		d := byName[strings.ToLower(strings.TrimSpace(t.Name()))]
		switch {
		case d == nil:
			m.Why = "no subscription type of that name in the destination"
		case d.ConsentType != t.ConsentType:
			m.Why = fmt.Sprintf("the destination's type of that name is %s, not %s", d.ConsentType, t.ConsentType)
		default:
			m.Dst = d.ID
		}
		if m.Dst == "" {
			unmatched = append(unmatched, t.Name())
		}
		b, _ := json.Marshal(m)
		pairs[t.ID] = string(b)
	}
	if err := j.e.store.MapSet(ctx, j.m.ID, mapSubscriptionTypes, pairs); err != nil {
		return err
	}
	j.count("types_unmatched", int64(len(unmatched)))
	return j.e.store.Note(ctx, j.m.ID, NoteSubscriptionTypesUnmatched, unmatched...)
}

func loadSubscriptionTypes(ctx context.Context, j *job) (map[string]subTypeMatch, error) {
	raw, err := j.e.store.MapAll(ctx, j.m.ID, mapSubscriptionTypes)
	if err != nil {
		return nil, err
	}
	out := make(map[string]subTypeMatch, len(raw))
	for id, v := range raw {
		var m subTypeMatch
		if err := json.Unmarshal([]byte(v), &m); err != nil {
			return nil, fmt.Errorf("subscription type %s: corrupt mapping: %v", id, err)
		}
		out[id] = m
	}
	return out, nil
}

// runConsentPage applies the preferences of one page of source contacts.
// The first unit maps the subscription types first.
func runConsentPage(ctx context.Context, j *job) (bool, error) {
	if j.u.Page == 0 {
		if err := mapSubscriptionTypeNames(ctx, j); err != nil {
			return false, err
		}
	}
	page, last, err := sourceContactsPage(ctx, j, true)
	if err != nil {
		return false, err
	}
	types, err := loadSubscriptionTypes(ctx, j)
	if err != nil {
		return false, err
	}
	ids := idsOf(page.Data, contactID)
	dstIDs, err := j.e.store.MapGet(ctx, j.m.ID, PhaseContacts, ids)
	if err != nil {
		return false, err
	}
	applied, err := j.e.store.MapGet(ctx, j.m.ID, PhaseConsent, ids)
	if err != nil {
		return false, err
	}
	for i, c := range page.Data {
		err := retryRecord(ctx, func(int) error { return applyConsent(ctx, j, types, c, dstIDs[i], &applied[i]) })
		if err != nil {
			return false, err
		}
	}
	return last, nil
}

// preference is one subscription type a contact has a preference for.
type preference struct {
	srcType string
	consent string // opt_out: opted out; opt_in: opted in
}

// sourcePreferences reads a contact's preferences: the lists the contact
// embeds, or all of them from the source when a list was cut.
func sourcePreferences(ctx context.Context, j *job, c *intercom.Contact) ([]preference, error) {
	in, out := c.OptedInSubscriptionTypes, c.OptedOutSubscriptionTypes
	if in != nil && in.HasMore || out != nil && out.HasMore {
		all, _, err := j.src.Contacts.ListSubscriptions(ctx, c.ID)
		if err != nil {
			return nil, srcErr(err)
		}
		prefs := make([]preference, len(all))
		for i, t := range all {
			prefs[i] = preference{t.ID, t.ConsentType}
		}
		return prefs, nil
	}
	var prefs []preference
	if out != nil {
		for _, r := range out.Data {
			prefs = append(prefs, preference{r.ID, intercom.ConsentOptOut})
		}
	}
	if in != nil {
		for _, r := range in.Data {
			prefs = append(prefs, preference{r.ID, intercom.ConsentOptIn})
		}
	}
	return prefs, nil
}

// consentState is a canonical set of destination preferences
// ("<type id>=<consent>", sorted).
type consentState map[string]string

func (s consentState) String() string {
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		keys[i] = k + "=" + s[k]
	}
	return consentStateVersion + strings.Join(keys, ",")
}

func parseConsentState(v string) consentState {
	s := consentState{}
	rest, ok := strings.CutPrefix(v, consentStateVersion)
	if !ok || rest == "" {
		return s
	}
	for _, kv := range strings.Split(rest, ",") {
		if k, c, ok := strings.Cut(kv, "="); ok {
			s[k] = c
		}
	}
	return s
}

// applyConsent makes a destination contact's preferences what the source
// contact's are, as far as this migration is concerned. *applied is the
// recorded state; it is updated after every write, so that a retry goes on
// from there (a contact with many preferences under a flaky network still
// completes).
func applyConsent(ctx context.Context, j *job, types map[string]subTypeMatch, c *intercom.Contact, dstID string, applied *string) error {
	prefs, err := sourcePreferences(ctx, j, c)
	if err != nil {
		return err
	}
	optOuts := 0
	for _, p := range prefs {
		if p.consent == intercom.ConsentOptOut {
			optOuts++
		}
	}
	if dstID == "" {
		// The contact did not migrate: its own failure is recorded (contacts),
		// and a requeue of contacts runs this phase again (teams.go).
		if len(prefs) > 0 {
			j.count("contact_not_migrated", 1)
			j.count("opt_outs_waiting_for_contact", int64(optOuts))
		}
		return nil
	}
	want := consentState{}
	var lost []string
	for _, p := range prefs {
		m, ok := types[p.srcType]
		switch {
		case !ok:
			lost = append(lost, fmt.Sprintf("type %s (%s): unknown to the source's list of subscription types", p.srcType, p.consent))
		case m.Dst == "":
			lost = append(lost, fmt.Sprintf("%q (%s): %s", m.Name, p.consent, m.Why))
		default:
			want[m.Dst] = p.consent
		}
	}
	if len(prefs) > 0 {
		j.count("contacts_with_preferences", 1)
	}
	prev := parseConsentState(*applied)
	cur := consentState{}
	for k, v := range prev {
		cur[k] = v
	}
	record := func() error {
		*applied = cur.String()
		return j.e.store.MapSet(ctx, j.m.ID, PhaseConsent, map[string]string{c.ID: *applied})
	}
	// settle records a write's outcome: applied (and recorded), a failure of
	// the contact, or an error of the unit.
	failed := false
	settle := func(endpoint string, err error, apply func()) error {
		switch {
		case err == nil:
			apply()
			return record()
		case isRecordError(err):
			failed = true
			return j.recordFailure(ctx, PhaseConsent, c.ID, endpoint, err)
		default:
			return dstErr(err)
		}
	}
	if *applied == "" || want.String() != *applied {
		for _, typeID := range sortedKeys(want) {
			if prev[typeID] == want[typeID] {
				continue
			}
			_, _, err := j.dst.Contacts.AttachSubscription(ctx, dstID, typeID, want[typeID])
			if err := settle("POST /contacts/{id}/subscriptions", err, func() {
				j.count(want[typeID]+"_applied", 1)
				cur[typeID] = want[typeID]
			}); err != nil {
				return err
			}
		}
		for _, typeID := range sortedKeys(prev) {
			if _, keep := want[typeID]; keep {
				continue
			}
			// Applied by this migration earlier, gone from the source since.
			_, _, err := j.dst.Contacts.DetachSubscription(ctx, dstID, typeID)
			var nf *intercom.NotFoundError
			if errors.As(err, &nf) {
				err = nil // 404: nothing left to remove
			}
			if err := settle("DELETE /contacts/{id}/subscriptions/{id}", err, func() {
				j.count("removed", 1)
				delete(cur, typeID)
			}); err != nil {
				return err
			}
		}
		if failed {
			return nil // what failed is not recorded as applied: the next run tries again
		}
		if err := record(); err != nil { // cur is want now
			return err
		}
	} else {
		j.count("skipped", 1)
	}
	if len(lost) > 0 {
		j.count("preferences_unmatched", int64(len(lost)))
		return j.recordFailure(ctx, PhaseConsent, c.ID, "",
			fmt.Errorf("%d subscription preference(s) not applied, the API cannot create subscription types: %s; recreate the types in the destination, then requeue consent", len(lost), strings.Join(lost, "; ")))
	}
	return j.e.store.ClearFailures(ctx, j.m.ID, PhaseConsent, c.ID)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
