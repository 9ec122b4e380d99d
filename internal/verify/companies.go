package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// Companies are compared by company_id (their natural key) rather than
// through the id map: every field the migration writes, custom attributes
// and tag names included, and user_count, which the attachments make. The
// attachments are compared per contact: the company_ids of the companies
// each source contact is attached to against those of its mapped
// destination contact. Both sides are read with the scroll API (a walk
// that restarts when a page may have been lost); projections wait in
// temporary Redis hashes, never all in memory.

func init() {
	Register(21, CompanyAttributes)
	Register(40, Companies)
	Register(55, CompanyContacts)
}

// walkOptions: a verification waits for a scroll another walk of the same
// app left open (it expires within a minute), and tolerates failing passes.
var walkOptions = &intercom.WalkOptions{MaxPasses: 10, WaitForScroll: 3 * intercom.ScrollIdleTimeout}

// CompanyAttributes compares custom company attributes by name and type.
func CompanyAttributes(ctx context.Context, o Options) (Result, error) {
	return comparedByName(o, "company_attributes", customAttributes(ctx, intercom.ModelCompany))
}

// projectCompany is the part of a company a migration carries, normalised.
func projectCompany(c *intercom.Company, tagNames map[string]string) projection {
	p := projection{
		"name":              c.Name,
		"plan":              c.PlanName(),
		"size":              ts(c.Size),
		"website":           c.Website,
		"industry":          c.Industry,
		"monthly_spend":     strconv.FormatInt(intercom.WholeSpend(c.MonthlySpend), 10),
		"remote_created_at": ts(c.RemoteCreatedAt),
		"user_count":        strconv.FormatInt(c.UserCount, 10),
	}
	p.addCustomAttributes(c.CustomAttributes)
	var names []string
	if c.Tags != nil {
		for _, t := range c.Tags.Tags {
			name := t.Name
			if name == "" {
				name = tagNames[t.ID]
			}
			names = append(names, name)
		}
	}
	p.setTags(names)
	return p
}

// Companies compares every company field the migration carries, by
// company_id.
func Companies(ctx context.Context, o Options) (Result, error) {
	r := Result{Entity: "companies"}
	srcTags, dstTags, err := bothTagNames(ctx, o)
	if err != nil {
		return r, err
	}
	rdb := o.Store.Redis()
	stamp := time.Now().UnixNano()
	tmp := fmt.Sprintf("icm:verify:%s:companies:%d", o.Migration, stamp)
	claimed := tmp + ":claimed"
	defer rdb.Del(context.WithoutCancel(ctx), tmp, claimed)

	// 1. Every destination company's projection, by company_id.
	pass := 0
	if err := o.Dest.Companies.Walk(ctx, walkOptions, func(p intercom.WalkPage) error {
		if p.Pass != pass { // a pass may have lost a page: start over
			pass, r.Destination = p.Pass, 0
			if err := rdb.Del(ctx, tmp).Err(); err != nil {
				return err
			}
		}
		kept := make(map[string]any, len(p.Companies))
		for _, c := range p.Companies {
			b, _ := json.Marshal(projectCompany(c, dstTags))
			kept[c.CompanyID] = string(b)
		}
		r.Destination += int64(len(p.Companies))
		if err := rdb.HSet(ctx, tmp, kept).Err(); err != nil {
			return err
		}
		return rdb.Expire(ctx, tmp, 24*time.Hour).Err()
	}); err != nil {
		return r, fmt.Errorf("destination companies: %w", err)
	}

	// 2. Every source company against the destination's of its company_id.
	pass = 0
	if err := o.Source.Companies.Walk(ctx, walkOptions, func(p intercom.WalkPage) error {
		if p.Pass != pass {
			pass = p.Pass
			r.Source, r.Matched, r.Missing, r.Different, r.Diffs, r.MissingIDs = 0, 0, 0, 0, nil, nil
			if err := rdb.Del(ctx, claimed).Err(); err != nil {
				return err
			}
		}
		keys := make([]string, len(p.Companies))
		for i, c := range p.Companies {
			keys[i] = c.CompanyID
		}
		got, err := hmget(ctx, rdb, tmp, keys)
		if err != nil {
			return err
		}
		var mine []any
		for i, c := range p.Companies {
			r.Source++
			if c.CompanyID == "" || got[i] == "" {
				r.Missing++
				if len(r.MissingIDs) < maxListed {
					r.MissingIDs = append(r.MissingIDs, c.ID)
				}
				continue
			}
			mine = append(mine, c.CompanyID)
			want := projectCompany(c, srcTags)
			var have projection
			if err := json.Unmarshal([]byte(got[i]), &have); err != nil {
				return err
			}
			if want.fingerprint() == have.fingerprint() {
				r.Matched++
				continue
			}
			r.Different++
			if len(r.Diffs) < maxListed {
				r.Diffs = append(r.Diffs, Diff{SourceID: c.ID, DestID: "company_id=" + c.CompanyID, Fields: diffFields(want, have)})
			}
		}
		if len(mine) == 0 {
			return nil
		}
		if err := rdb.SAdd(ctx, claimed, mine...).Err(); err != nil {
			return err
		}
		return rdb.Expire(ctx, claimed, 24*time.Hour).Err()
	}); err != nil {
		return r, fmt.Errorf("source companies: %w", err)
	}

	// 3. Destination companies no source company claimed are extra.
	n, err := rdb.SCard(ctx, claimed).Result()
	if err != nil {
		return r, err
	}
	r.Extra = r.Destination - n
	return r, nil
}

// CompanyContacts compares, per contact, the company_ids of the companies
// it is attached to. A record is one attachment.
func CompanyContacts(ctx context.Context, o Options) (Result, error) {
	rdb := o.Store.Redis()
	stamp := time.Now().UnixNano()
	srcIDs := fmt.Sprintf("icm:verify:%s:company_ids:src:%d", o.Migration, stamp)
	dstIDs := fmt.Sprintf("icm:verify:%s:company_ids:dst:%d", o.Migration, stamp)
	defer rdb.Del(context.WithoutCancel(ctx), srcIDs, dstIDs)
	for _, side := range []struct {
		name string
		c    *intercom.Client
		key  string
	}{{"source", o.Source, srcIDs}, {"destination", o.Dest, dstIDs}} {
		// Intercom's id -> company_id; a pass read again only rewrites
		// the same pairs.
		if err := side.c.Companies.Walk(ctx, walkOptions, func(p intercom.WalkPage) error {
			pairs := make(map[string]any, len(p.Companies))
			for _, c := range p.Companies {
				pairs[c.ID] = c.CompanyID
			}
			if err := rdb.HSet(ctx, side.key, pairs).Err(); err != nil {
				return err
			}
			return rdb.Expire(ctx, side.key, 24*time.Hour).Err()
		}); err != nil {
			return Result{Entity: "company_contacts"}, fmt.Errorf("%s companies: %w", side.name, err)
		}
	}
	return perContact(ctx, o, "company_contacts", attachedCompanyIDs(o.Source, rdb, srcIDs), attachedCompanyIDs(o.Dest, rdb, dstIDs), false)
}

// attachedCompanyIDs projects a contact to the company_ids of its
// companies: the embedded ones, or all of them when the list was cut.
func attachedCompanyIDs(c *intercom.Client, rdb redis.UniversalClient, key string) projector {
	return func(ctx context.Context, ct *intercom.Contact) ([]string, error) {
		if ct.Companies == nil || len(ct.Companies.Data) == 0 && ct.Companies.TotalCount == 0 {
			return nil, nil
		}
		if ct.Companies.HasMore {
			all, _, err := c.Companies.ListAttached(ctx, ct.ID)
			if err != nil {
				return nil, err
			}
			out := make([]string, len(all))
			for i, co := range all {
				out[i] = co.CompanyID
			}
			return out, nil
		}
		ids := make([]string, len(ct.Companies.Data))
		for i, ref := range ct.Companies.Data {
			ids[i] = ref.ID
		}
		got, err := hmget(ctx, rdb, key, ids)
		if err != nil {
			return nil, err
		}
		for i := range got {
			if got[i] == "" {
				got[i] = "unknown company " + ids[i]
			}
		}
		return slices.Sorted(slices.Values(got)), nil
	}
}
