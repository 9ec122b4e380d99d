package migrate

import (
	"context"
	"errors"
	"maps"
	"slices"

	"go.uber.org/zap"

	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// mappedUpdater brings already migrated contacts up to date in a delta run
// (see delta.go): their fields when the digest of what would be written
// changed, and their tags against the memberships the migration recorded.
type mappedUpdater struct {
	j *job
	// sigs are the recorded digests by source contact id.
	sigs map[string]string
	// tags maps source tag ids to destination tag ids.
	tags map[string]string
	// member holds, per destination contact id, the source tags the
	// migration recorded it as carrying.
	member map[string][]string
}

// newMappedUpdater reads, in a few round trips, what the page's mapped
// contacts need: their digests and tag memberships.
func newMappedUpdater(ctx context.Context, j *job, contacts []*intercom.Contact, mapped []string) (*mappedUpdater, error) {
	var srcIDs, dstIDs []string
	for i, c := range contacts {
		if mapped[i] != "" {
			srcIDs = append(srcIDs, c.ID)
			dstIDs = append(dstIDs, mapped[i])
		}
	}
	u := &mappedUpdater{j: j, sigs: map[string]string{}}
	sigs, err := j.e.store.Sigs(ctx, j.m.ID, PhaseContacts, srcIDs)
	if err != nil {
		return nil, err
	}
	for i, id := range srcIDs {
		u.sigs[id] = sigs[i]
	}
	if u.tags, err = j.e.store.MapAll(ctx, j.m.ID, PhaseTags); err != nil {
		return nil, err
	}
	u.member, err = j.e.store.Memberships(ctx, j.m.ID, "tagged", slices.Sorted(maps.Keys(u.tags)), dstIDs)
	return u, err
}

// update writes a mapped contact again when what it carries changed, then
// brings its tags in line. Intercom refusing the contact is a recorded
// failure of the contact (a contact deleted in the destination since is
// one: the operator decides), never a silent skip.
func (u *mappedUpdater) update(ctx context.Context, cm *contactMapper, c *intercom.Contact, dstID string) error {
	j := u.j
	if sig := cm.sig(c); sig != u.sigs[c.ID] {
		req := cm.updateRequest(c)
		if _, ownerLost := cm.request(c); ownerLost {
			j.count("owner_unmapped", 1)
		}
		_, _, err := j.dst.Contacts.Update(ctx, dstID, req)
		switch {
		case err == nil:
		case isRecordError(err):
			return j.recordFailure(ctx, PhaseContacts, c.ID, "PUT /contacts/{id}", err)
		default:
			return dstErr(err)
		}
		if err := j.e.store.SetSig(ctx, j.m.ID, PhaseContacts, c.ID, sig); err != nil {
			return err
		}
		u.sigs[c.ID] = sig
		j.count("updated", 1)
		j.log.Debug("contact updated", zap.String("source_id", c.ID), zap.String("dest_id", dstID))
		if err := j.e.store.ClearFailures(ctx, j.m.ID, PhaseContacts, c.ID); err != nil {
			return err
		}
	} else {
		j.count("unchanged", 1)
	}
	return u.syncTags(ctx, c, dstID)
}

// syncTags compares a contact's source tags with the recorded ones: a tag
// added is recorded for the contact tags phase, which applies it in bulk
// (50 contacts a call); a tag removed is removed at once (Intercom has no
// bulk untagging of contacts).
func (u *mappedUpdater) syncTags(ctx context.Context, c *intercom.Contact, dstID string) error {
	j := u.j
	want, err := sourceTagIDs(ctx, j, c)
	if err != nil {
		return err
	}
	have := u.member[dstID]
	for _, t := range want {
		if slices.Contains(have, t) {
			continue
		}
		if _, ok := u.tags[t]; !ok {
			j.count("tag_unmapped", 1) // the tag's own failure is recorded under tags
			continue
		}
		if err := j.e.store.TagAdded(ctx, j.m.ID, t, dstID); err != nil {
			return err
		}
		j.count("tags_added", 1)
	}
	for _, t := range have {
		if slices.Contains(want, t) {
			continue
		}
		_, _, err := j.dst.Contacts.RemoveTag(ctx, dstID, u.tags[t])
		var nf *intercom.NotFoundError
		switch {
		case err == nil || errors.As(err, &nf): // 404: the tag is not there
		case isRecordError(err):
			return j.recordFailure(ctx, PhaseContacts, c.ID, "DELETE /contacts/{id}/tags/{id}", err)
		default:
			return dstErr(err)
		}
		if err := j.e.store.TagRemoved(ctx, j.m.ID, t, dstID); err != nil {
			return err
		}
		j.count("tags_removed", 1)
	}
	u.member[dstID] = want // a retry of the contact starts from here
	return nil
}
