package migrate

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"

	"github.com/icmigrate/icmigrate/internal/store"
	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// Companies in a delta run (see delta.go): a mapped company updated since
// the delta's time is written again (an upsert by company_id) when the
// digest of what it carries changed, and its tags are brought in line with
// the recorded memberships; a contact's companies are compared with the
// ones recorded when it was last attached, and those it left are detached.

// mapContactCompanies: source contact id -> its source company ids
// (comma-separated, sorted) as last attached, for finding detachments.
const mapContactCompanies = "contact_companies"

// sig is the digest of what a company's write carries.
func (cm *companyMapper) sig(c *intercom.Company) string {
	r, _ := cm.request(c)
	return digest(r)
}

// companiesChanged says which mapped companies a delta must write again:
// updated since the delta's time, and carrying other data (digest) or
// other tags than the migration recorded. Outside a delta: none.
func companiesChanged(ctx context.Context, j *job, companies []*intercom.Company, mapped []string) ([]bool, error) {
	out := make([]bool, len(companies))
	if j.delta() == nil {
		return out, nil
	}
	var idx []int
	var srcIDs, dstIDs []string
	for i, c := range companies {
		if mapped[i] != "" && j.changedSince(c.UpdatedAt) {
			idx = append(idx, i)
			srcIDs = append(srcIDs, c.ID)
			dstIDs = append(dstIDs, mapped[i])
		}
	}
	if len(idx) == 0 {
		return out, nil
	}
	cm, err := newCompanyMapper(ctx, j)
	if err != nil {
		return nil, err
	}
	sigs, err := j.e.store.Sigs(ctx, j.m.ID, PhaseCompanies, srcIDs)
	if err != nil {
		return nil, err
	}
	member, err := companyMemberships(ctx, j, dstIDs)
	if err != nil {
		return nil, err
	}
	for k, i := range idx {
		c := companies[i]
		have, want := member[dstIDs[k]], c.TagIDs()
		slices.Sort(have)
		slices.Sort(want)
		out[i] = cm.sig(c) != sigs[k] || !slices.Equal(have, want)
	}
	return out, nil
}

// companyMemberships are the source tags the migration recorded for
// destination companies.
func companyMemberships(ctx context.Context, j *job, dstIDs []string) (map[string][]string, error) {
	tags, err := j.e.store.MapAll(ctx, j.m.ID, PhaseTags)
	if err != nil {
		return nil, err
	}
	return j.e.store.Memberships(ctx, j.m.ID, companyTagSets, slices.Sorted(maps.Keys(tags)), dstIDs)
}

// updateCompany writes a changed mapped company again when its data
// changed, records the tags it gained (the company tags phase applies
// them) and removes the tags it lost.
func updateCompany(ctx context.Context, j *job, cm *companyMapper, c *intercom.Company, dstID string) error {
	sigs, err := j.e.store.Sigs(ctx, j.m.ID, PhaseCompanies, []string{c.ID})
	if err != nil {
		return err
	}
	if cm.sig(c) != sigs[0] {
		// The upsert records the gained tags with the mapping.
		if err := migrateCompany(ctx, j, cm, c, "updated"); err != nil {
			return err
		}
	}
	member, err := companyMemberships(ctx, j, []string{dstID})
	if err != nil {
		return err
	}
	have, want := member[dstID], c.TagIDs()
	for _, t := range want {
		if !slices.Contains(have, t) {
			if err := j.e.store.MemberAdded(ctx, j.m.ID, companyTagSets, t, dstID); err != nil {
				return err
			}
			j.count("tags_added", 1)
		}
	}
	for _, t := range have {
		if slices.Contains(want, t) {
			continue
		}
		names, err := j.e.store.MapGet(ctx, j.m.ID, mapTagNames, []string{t})
		if err != nil {
			return err
		}
		if names[0] != "" {
			_, _, err := j.dst.Tags.UntagCompanies(ctx, names[0], []string{dstID})
			switch {
			case err == nil:
			case isRecordError(err):
				return j.recordFailure(ctx, PhaseCompanies, c.ID, "POST /tags (untag)", err)
			default:
				return dstErr(err)
			}
		}
		if err := j.e.store.MemberRemoved(ctx, j.m.ID, companyTagSets, t, dstID, PhaseCompanyTags); err != nil {
			return err
		}
		j.count("tags_removed", 1)
	}
	return nil
}

// detachRemoved detaches, in a delta, the contacts of a page from the
// companies they left at the source since they were last attached.
func detachRemoved(ctx context.Context, j *job, contacts []*intercom.Contact, current map[string][]string) error {
	ids := make([]string, len(contacts))
	for i, c := range contacts {
		ids[i] = c.ID
	}
	before, err := j.e.store.MapGet(ctx, j.m.ID, mapContactCompanies, ids)
	if err != nil {
		return err
	}
	for i, c := range contacts {
		if before[i] == "" {
			continue
		}
		var gone []string
		for _, co := range strings.Split(before[i], ",") {
			if !slices.Contains(current[c.ID], co) {
				gone = append(gone, co)
			}
		}
		if len(gone) == 0 {
			continue
		}
		dc, err := mapOf(ctx, j, PhaseContacts, []string{c.ID})
		if err != nil {
			return err
		}
		dcos, err := mapOf(ctx, j, PhaseCompanies, gone)
		if err != nil {
			return err
		}
		for _, co := range gone {
			field := store.MemberField(c.ID, co)
			if dc[c.ID] != "" && dcos[co] != "" {
				_, _, err := j.dst.Companies.DetachContact(ctx, dc[c.ID], dcos[co])
				var nf *intercom.NotFoundError
				switch {
				case err == nil || errors.As(err, &nf): // 404: not attached
				case isRecordError(err):
					if err := j.recordFailure(ctx, PhaseCompanyContacts, field, "DELETE /contacts/{id}/companies/{id}", err); err != nil {
						return err
					}
					continue
				default:
					return dstErr(err)
				}
				j.count("detached", 1)
			}
			if err := j.e.store.MapDel(ctx, j.m.ID, PhaseCompanyContacts, field); err != nil {
				return err
			}
		}
	}
	return nil
}

// recordCompaniesOf records the companies of a page's contacts, for the
// next delta's detachments; a contact that left every company is forgotten.
func recordCompaniesOf(ctx context.Context, j *job, current map[string][]string) error {
	set := map[string]string{}
	var drop []string
	for id, cos := range current {
		if len(cos) == 0 {
			if j.delta() != nil {
				drop = append(drop, id)
			}
			continue
		}
		sorted := slices.Clone(cos)
		slices.Sort(sorted)
		set[id] = strings.Join(sorted, ",")
	}
	if err := j.e.store.MapSet(ctx, j.m.ID, mapContactCompanies, set); err != nil {
		return err
	}
	return j.e.store.MapDel(ctx, j.m.ID, mapContactCompanies, drop...)
}
