package verify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// Consent, notes and events are compared per contact: each contact's
// records are projected to strings on both sides, the source contact's
// against its mapped destination contact's. Destination projections are
// kept in a temporary Redis hash (bounded memory, like Contacts); what no
// source contact claims is extra.

func init() {
	Register(11, Teams)
	Register(12, SubscriptionTypes)
	Register(65, Consent)
	Register(70, Notes)
	Register(75, Events)
}

// Teams reports how many source teams have a destination team of the same
// name (informational: the API cannot create teams).
func Teams(ctx context.Context, o Options) (Result, error) {
	return matchedByName(o, "teams", func(c *intercom.Client) (map[string]string, error) {
		ts, _, err := c.Teams.List(ctx)
		if err != nil {
			return nil, err
		}
		out := map[string]string{}
		for _, t := range ts {
			out[strings.ToLower(strings.TrimSpace(t.Name))] = ""
		}
		return out, nil
	})
}

// SubscriptionTypes compares subscription types by name and consent type
// (informational: the API cannot create them; Consent shows what a missing
// one costs).
func SubscriptionTypes(ctx context.Context, o Options) (Result, error) {
	return matchedByName(o, "subscription_types", func(c *intercom.Client) (map[string]string, error) {
		ts, err := subscriptionTypeNames(ctx, c)
		if err != nil {
			return nil, err
		}
		out := map[string]string{}
		for _, t := range ts {
			out[strings.ToLower(t.Name())] = t.ConsentType
		}
		return out, nil
	})
}

func subscriptionTypeNames(ctx context.Context, c *intercom.Client) (map[string]*intercom.SubscriptionType, error) {
	ts, _, err := c.SubscriptionTypes.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*intercom.SubscriptionType, len(ts))
	for _, t := range ts {
		out[t.ID] = t
	}
	return out, nil
}

// projector turns a contact into its records, as comparable strings.
type projector func(ctx context.Context, c *intercom.Contact) ([]string, error)

// Consent compares, per contact, the names of the subscription types it
// opted out of and in to, and unsubscribed_from_emails. A record is one
// preference (or the unsubscribed flag).
func Consent(ctx context.Context, o Options) (Result, error) {
	side := func(c *intercom.Client) (projector, error) {
		types, err := subscriptionTypeNames(ctx, c)
		if err != nil {
			return nil, err
		}
		name := func(id string) string {
			if t := types[id]; t != nil {
				return strings.ToLower(t.Name())
			}
			return "#" + id
		}
		return func(ctx context.Context, ct *intercom.Contact) ([]string, error) {
			var out []string
			if ct.UnsubscribedFromEmails {
				out = append(out, "unsubscribed_from_emails")
			}
			in, opt := ct.OptedInSubscriptionTypes, ct.OptedOutSubscriptionTypes
			if in != nil && in.HasMore || opt != nil && opt.HasMore {
				all, _, err := c.Contacts.ListSubscriptions(ctx, ct.ID)
				if err != nil {
					return nil, err
				}
				for _, t := range all {
					out = append(out, t.ConsentType+":"+strings.ToLower(t.Name()))
				}
			} else {
				for _, l := range []struct {
					refs    *intercom.ContactSubscriptionTypes
					consent string
				}{{opt, intercom.ConsentOptOut}, {in, intercom.ConsentOptIn}} {
					if l.refs != nil {
						for _, r := range l.refs.Data {
							out = append(out, l.consent+":"+name(r.ID))
						}
					}
				}
			}
			slices.Sort(out)
			return out, nil
		}, nil
	}
	src, err := side(o.Source)
	if err != nil {
		return Result{Entity: "consent"}, fmt.Errorf("source subscription types: %w", err)
	}
	dst, err := side(o.Dest)
	if err != nil {
		return Result{Entity: "consent"}, fmt.Errorf("destination subscription types: %w", err)
	}
	return perContact(ctx, o, "consent", src, dst, false)
}

// Notes compares, per contact, the notes' bodies and authors (the source's
// mapped to destination teammates; a note whose author has no teammate in
// the destination is expected from the destination token's teammate), in
// order.
func Notes(ctx context.Context, o Options) (Result, error) {
	admins, err := o.Store.MapAll(ctx, o.Migration, migrate.PhaseAdmins)
	if err != nil {
		return Result{Entity: "notes"}, err
	}
	me, _, err := o.Dest.Admins.Me(ctx)
	if err != nil {
		return Result{Entity: "notes"}, fmt.Errorf("destination: %w", err)
	}
	side := func(c *intercom.Client, author func(*intercom.Admin) string) projector {
		return func(ctx context.Context, ct *intercom.Contact) ([]string, error) {
			if ct.Notes == nil || ct.Notes.TotalCount == 0 {
				return nil, nil
			}
			var out []string
			for n, err := range c.Notes.All(ctx, ct.ID, nil) {
				if err != nil {
					return nil, err
				}
				out = append(out, author(n.Author)+"|"+n.Body)
			}
			return out, nil
		}
	}
	src := side(o.Source, func(a *intercom.Admin) string {
		if a == nil {
			return me.ID
		}
		if id := admins[a.ID]; id != "" {
			return id
		}
		return me.ID
	})
	dst := side(o.Dest, func(a *intercom.Admin) string {
		if a == nil {
			return ""
		}
		return a.ID
	})
	return perContact(ctx, o, "notes", src, dst, true)
}

// Events compares, per contact, the listable events: name, created_at and
// metadata. (Events older than Intercom's listing window cannot be read on
// either side; the report counts them.) The API lists events one contact at
// a time, and most contacts have none: the destination copies are read only
// for source contacts with events, so extra events on a copy whose source
// contact has none are not seen (the destination total is over those
// copies).
func Events(ctx context.Context, o Options) (Result, error) {
	r := Result{Entity: "events"}
	list := func(ctx context.Context, c *intercom.Client, id string) ([]string, error) {
		var out []string
		for e, err := range c.Events.All(ctx, intercom.EventFilter{IntercomUserID: id}, nil) {
			if err != nil {
				return nil, err
			}
			md, _ := json.Marshal(e.Metadata)
			out = append(out, e.EventName+"|"+strconv.FormatInt(e.CreatedAt, 10)+"|"+string(md))
		}
		slices.Sort(out)
		return out, nil
	}
	err := batches(o.Source.Contacts.All(ctx, allContacts), func(cs []*intercom.Contact) error {
		dstIDs, err := destContactIDs(ctx, o, cs)
		if err != nil {
			return err
		}
		type pair struct{ want, have []string }
		got := make([]pair, len(cs))
		errs := atOnce(len(cs), func(i int) (err error) {
			got[i].want, err = list(ctx, o.Source, cs[i].ID)
			if err == nil && len(got[i].want) > 0 && dstIDs[i] != "" {
				got[i].have, err = list(ctx, o.Dest, dstIDs[i])
			}
			return err
		})
		for i, c := range cs {
			if errs[i] != nil {
				return errs[i]
			}
			want, have := got[i].want, got[i].have
			r.Source += int64(len(want))
			r.Destination += int64(len(have))
			r.addContact(c.ID, dstIDs[i], want, have, false)
		}
		return nil
	})
	if err != nil {
		return r, fmt.Errorf("events: %w", err)
	}
	return r, nil
}

// project runs p over a page of contacts, a few at a time.
func project(ctx context.Context, p projector, cs []*intercom.Contact) ([][]string, error) {
	out := make([][]string, len(cs))
	errs := atOnce(len(cs), func(i int) (err error) {
		out[i], err = p(ctx, cs[i])
		return err
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// perContact compares the records of every source contact with those of its
// mapped destination contact. ordered: records are compared position by
// position (a different one is "different"); else as multisets.
func perContact(ctx context.Context, o Options, entity string, src, dst projector, ordered bool) (Result, error) {
	r := Result{Entity: entity}
	rdb := o.Store.Redis()
	tmp := fmt.Sprintf("icm:verify:%s:%s:%d", o.Migration, entity, time.Now().UnixNano())
	defer rdb.Del(context.WithoutCancel(ctx), tmp)

	if err := batches(o.Dest.Contacts.All(ctx, allContacts), func(cs []*intercom.Contact) error {
		recs, err := project(ctx, dst, cs)
		if err != nil {
			return err
		}
		kept := map[string]any{}
		for i, c := range cs {
			if len(recs[i]) > 0 {
				b, _ := json.Marshal(recs[i])
				kept[c.ID] = string(b)
				r.Destination += int64(len(recs[i]))
			}
		}
		if len(kept) == 0 {
			return nil
		}
		return rdb.HSet(ctx, tmp, kept).Err()
	}); err != nil {
		return r, fmt.Errorf("destination %s: %w", entity, err)
	}
	rdb.Expire(ctx, tmp, 24*time.Hour)

	if err := batches(o.Source.Contacts.All(ctx, allContacts), func(cs []*intercom.Contact) error {
		recs, err := project(ctx, src, cs)
		if err != nil {
			return err
		}
		dstIDs, err := destContactIDs(ctx, o, cs)
		if err != nil {
			return err
		}
		got, err := hmget(ctx, rdb, tmp, dstIDs)
		if err != nil {
			return err
		}
		var claimed []string
		for i, c := range cs {
			want := recs[i]
			r.Source += int64(len(want))
			var have []string
			if got[i] != "" {
				claimed = append(claimed, dstIDs[i])
				if err := json.Unmarshal([]byte(got[i]), &have); err != nil {
					return err
				}
			}
			r.addContact(c.ID, dstIDs[i], want, have, ordered)
		}
		if len(claimed) > 0 {
			return rdb.HDel(ctx, tmp, claimed...).Err()
		}
		return nil
	}); err != nil {
		return r, fmt.Errorf("source %s: %w", entity, err)
	}
	// Records of destination contacts no source contact claimed are extra.
	var cursor uint64
	for {
		kv, next, err := rdb.HScan(ctx, tmp, cursor, "", 500).Result()
		if err != nil {
			return r, err
		}
		for i := 1; i < len(kv); i += 2 {
			var have []string
			if json.Unmarshal([]byte(kv[i]), &have) == nil {
				r.Extra += int64(len(have))
			}
		}
		if next == 0 {
			break
		}
		cursor = next
	}
	return r, nil
}

// compareRecords counts one contact's records.
func compareRecords(want, have []string, ordered bool) (matched, missing, extra, different int64) {
	if ordered {
		for i := range max(len(want), len(have)) {
			switch {
			case i >= len(have):
				missing++
			case i >= len(want):
				extra++
			case want[i] == have[i]:
				matched++
			default:
				different++
			}
		}
		return
	}
	left := map[string]int{}
	for _, h := range have {
		left[h]++
	}
	for _, w := range want {
		if left[w] > 0 {
			left[w]--
			matched++
		} else {
			missing++
		}
	}
	for _, n := range left {
		extra += int64(n)
	}
	return
}

// diffRecords names the records that differ, shortened: "-" missing in the
// destination, "+" extra there; what follows the first field is hashed
// (a note's body may be personal).
func diffRecords(want, have []string) []string {
	short := func(s string) string {
		if i := strings.IndexByte(s, '|'); i >= 0 {
			sum := sha256.Sum256([]byte(s[i+1:]))
			return s[:i] + "|#" + hex.EncodeToString(sum[:4])
		}
		return s
	}
	var out []string
	for _, w := range want {
		if !slices.Contains(have, w) {
			out = append(out, "-"+short(w))
		}
	}
	for _, h := range have {
		if !slices.Contains(want, h) {
			out = append(out, "+"+short(h))
		}
	}
	if len(out) == 0 {
		out = append(out, "order")
	}
	return out
}
