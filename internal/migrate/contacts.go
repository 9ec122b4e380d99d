package migrate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	"go.uber.org/zap"

	"github.com/icmigrate/icmigrate/internal/store"
	"github.com/icmigrate/icmigrate/pkg/intercom"
)

func init() { registerPhase(orderContacts, PhaseContacts, runContactsPage) }

// runContactsPage migrates one page of source contacts. It enqueues the next
// page first, so that pages are read ahead and written by many workers at
// once, then writes each contact of its page that the id map does not know.
// In a delta run the page is of the contacts changed since the delta's
// time, and mapped ones are updated (contacts_delta.go).
func runContactsPage(ctx context.Context, j *job) (bool, error) {
	page, last, err := sourceContactsPage(ctx, j, true) // paged.go; in a delta, delta.go
	if err != nil {
		return false, err
	}
	ids := make([]string, len(page.Data))
	for i, c := range page.Data {
		ids[i] = c.ID
	}
	mapped, err := j.e.store.MapGet(ctx, j.m.ID, PhaseContacts, ids)
	if err != nil {
		return false, err
	}
	cm, err := newContactMapper(ctx, j)
	if err != nil {
		return false, err
	}
	// Contacts without a natural key get an intent record first: see
	// store.Intents and adoptKeyless.
	var keyless []string
	for i, c := range page.Data {
		if mapped[i] == "" && isKeyless(c) {
			keyless = append(keyless, c.ID)
		}
	}
	now := j.e.opts.Now().UnixMilli()
	intents, err := j.e.store.Intents(ctx, j.m.ID, PhaseContacts, keyless, now)
	if err != nil {
		return false, err
	}
	earlier := make(map[string]int64, len(keyless))
	for i, id := range keyless {
		if intents[i] > 0 {
			earlier[id] = intents[i]
		}
	}
	var um *mappedUpdater
	if j.delta() != nil {
		if um, err = newMappedUpdater(ctx, j, page.Data, mapped); err != nil {
			return false, err
		}
	}
	for i, c := range page.Data {
		if mapped[i] != "" {
			if um == nil {
				j.count("skipped", 1) // a rerun: what is mapped is not read again
				continue
			}
			if err := retryRecord(ctx, func(int) error { return um.update(ctx, cm, c, mapped[i]) }); err != nil {
				return false, err
			}
			continue
		}
		err := retryRecord(ctx, func(attempt int) error {
			at := earlier[c.ID]
			if attempt > 0 && at == 0 && isKeyless(c) {
				at = now // the intent this page recorded
			}
			return migrateContact(ctx, j, cm, c, at)
		})
		if err != nil {
			return false, err
		}
	}
	return last, nil
}

// isKeyless reports whether Intercom would accept a second copy of a
// contact without a 409: leads may share emails, and only external ids (and
// users' emails) are unique.
func isKeyless(c *intercom.Contact) bool {
	return c.ExternalID == "" && (c.Role == intercom.RoleLead || c.Email == "")
}

// contactMapper turns a source contact into a destination request.
type contactMapper struct {
	admins map[string]string
	// attributes are the names of the migrated custom attributes.
	attributes map[string]string
}

func newContactMapper(ctx context.Context, j *job) (*contactMapper, error) {
	admins, err := j.e.store.MapAll(ctx, j.m.ID, PhaseAdmins)
	if err != nil {
		return nil, err
	}
	attrs, err := j.e.store.MapAll(ctx, j.m.ID, PhaseDataAttributes)
	if err != nil {
		return nil, err
	}
	return &contactMapper{admins: admins, attributes: attrs}, nil
}

// sig is the digest of what a contact's write carries (fields, custom
// attributes, owner, unsubscribed_from_emails), recorded with the contact
// so that a delta writes it again only when it changed.
func (cm *contactMapper) sig(c *intercom.Contact) string {
	r, _ := cm.request(c)
	return digest(r)
}

// updateRequest makes an existing destination contact equal to the source
// one: what the source lacks is cleared, not left as it was.
func (cm *contactMapper) updateRequest(c *intercom.Contact) *intercom.ContactRequest {
	r, _ := cm.request(c)
	for _, f := range []struct {
		name string
		set  bool
	}{{"phone", r.Phone != nil}, {"name", r.Name != nil}, {"avatar", r.Avatar != nil},
		{"signed_up_at", r.SignedUpAt != nil}, {"last_seen_at", r.LastSeenAt != nil}, {"owner_id", r.OwnerID != nil}} {
		if !f.set {
			r.Clear = append(r.Clear, f.name)
		}
	}
	for name := range cm.attributes {
		if _, ok := r.CustomAttributes[name]; !ok {
			if r.CustomAttributes == nil {
				r.CustomAttributes = map[string]any{}
			}
			r.CustomAttributes[name] = nil
		}
	}
	return r
}

// request copies every field the API lets us write. An owner with no
// teammate of the same email in the destination is left out (the admins
// phase noted it).
func (cm *contactMapper) request(c *intercom.Contact) (*intercom.ContactRequest, bool) {
	r := &intercom.ContactRequest{
		Role:                   c.Role,
		ExternalID:             c.ExternalID,
		Email:                  c.Email,
		UnsubscribedFromEmails: intercom.Ptr(c.UnsubscribedFromEmails),
	}
	if c.Phone != "" {
		r.Phone = intercom.Ptr(c.Phone)
	}
	if c.Name != "" {
		r.Name = intercom.Ptr(c.Name)
	}
	if c.Avatar != nil && c.Avatar.ImageURL != "" {
		r.Avatar = intercom.Ptr(c.Avatar.ImageURL)
	}
	if c.SignedUpAt != 0 {
		r.SignedUpAt = intercom.Ptr(c.SignedUpAt)
	}
	if c.LastSeenAt != 0 {
		r.LastSeenAt = intercom.Ptr(c.LastSeenAt)
	}
	ownerLost := false
	if c.OwnerID != 0 {
		if id, ok := cm.admins[fmt.Sprint(c.OwnerID)]; ok {
			var owner int64
			if _, err := fmt.Sscan(id, &owner); err == nil {
				r.OwnerID = &owner
			}
		} else {
			ownerLost = true
		}
	}
	for k, v := range c.CustomAttributes {
		if v == nil {
			continue
		}
		if r.CustomAttributes == nil {
			r.CustomAttributes = map[string]any{}
		}
		r.CustomAttributes[k] = v
	}
	return r, ownerLost
}

// migrateContact creates one contact, or finds it when Intercom says it
// exists (a retry after a crash, or a destination that had it), and records
// the mapping with the contact's tags. A record Intercom refuses is recorded
// as a failure; only errors that stop the whole unit are returned.
func migrateContact(ctx context.Context, j *job, cm *contactMapper, c *intercom.Contact, attemptedAt int64) error {
	tagIDs, err := sourceTagIDs(ctx, j, c)
	if err != nil {
		return err
	}
	req, ownerLost := cm.request(c)
	if ownerLost {
		j.count("owner_unmapped", 1)
	}
	var dstID string
	var created *intercom.Contact
	if attemptedAt > 0 {
		if dstID, err = adoptKeyless(ctx, j, c, attemptedAt); err != nil {
			return err
		}
	}
	if dstID == "" {
		created, _, err = j.dst.Contacts.Create(ctx, req)
	}
	var conflict *intercom.ConflictError
	switch {
	case dstID != "":
		if _, _, err := j.dst.Contacts.Update(ctx, dstID, cm.updateRequest(c)); err != nil {
			if isRecordError(err) {
				return j.recordFailure(ctx, PhaseContacts, c.ID, "PUT /contacts/{id}", err)
			}
			return dstErr(err)
		}
		j.count("adopted", 1)
	case err == nil:
		dstID = created.ID
		j.count("created", 1)
	case errors.As(err, &conflict):
		dstID, err = findExisting(ctx, j, c, conflict)
		if err != nil {
			return err
		}
		if dstID == "" {
			return j.recordFailure(ctx, PhaseContacts, c.ID, "POST /contacts", conflict)
		}
		if _, _, err := j.dst.Contacts.Update(ctx, dstID, cm.updateRequest(c)); err != nil {
			if isRecordError(err) {
				return j.recordFailure(ctx, PhaseContacts, c.ID, "PUT /contacts/{id}", err)
			}
			return dstErr(err)
		}
		j.count("updated", 1)
	case isRecordError(err):
		return j.recordFailure(ctx, PhaseContacts, c.ID, "POST /contacts", err)
	default:
		return dstErr(err)
	}
	j.log.Debug("contact migrated", zap.String("source_id", c.ID), zap.String("dest_id", dstID))
	return j.e.store.MapRecord(ctx, j.m.ID, PhaseContacts, store.Mapped{SrcID: c.ID, DstID: dstID, SrcTagIDs: tagIDs, Sig: cm.sig(c)})
}

// sourceTagIDs are the ids of a contact's tags: the ones embedded in the
// contact, or all of them from the source when Intercom cut the list.
func sourceTagIDs(ctx context.Context, j *job, c *intercom.Contact) ([]string, error) {
	if c.Tags == nil {
		return nil, nil
	}
	if !c.Tags.HasMore {
		ids := make([]string, len(c.Tags.Data))
		for i, t := range c.Tags.Data {
			ids[i] = t.ID
		}
		return ids, nil
	}
	tags, _, err := j.src.Contacts.ListTags(ctx, c.ID)
	if err != nil {
		return nil, srcErr(err)
	}
	ids := make([]string, len(tags))
	for i, t := range tags {
		ids[i] = t.ID
	}
	return ids, nil
}

// findExisting names the destination contact a 409 was about: the id
// Intercom gave, else a lookup by external id, else a search by email.
func findExisting(ctx context.Context, j *job, c *intercom.Contact, conflict *intercom.ConflictError) (string, error) {
	if conflict.ExistingID != "" {
		return conflict.ExistingID, nil
	}
	if c.ExternalID != "" {
		found, _, err := j.dst.Contacts.FindByExternalID(ctx, c.ExternalID)
		var nf *intercom.NotFoundError
		switch {
		case err == nil:
			return found.ID, nil
		case !errors.As(err, &nf):
			return "", dstErr(err)
		}
	}
	if c.Email != "" {
		page, _, err := j.dst.Contacts.Search(ctx, intercom.And(intercom.Eq("email", c.Email), intercom.Eq("role", c.Role)), &intercom.ListOptions{PerPage: 2})
		if err != nil {
			return "", dstErr(err)
		}
		if len(page.Data) == 1 {
			return page.Data[0].ID, nil
		}
	}
	return "", nil
}

// adoptKeyless looks for the copy an earlier, interrupted attempt may have
// created of a contact without a natural key: a destination contact of the
// same role, created since that attempt (with five minutes for clocks that
// disagree), with the same email, name, phone and custom attributes, that is
// no other record's copy. It searches by the most selective field the
// contact has: email, name, phone, a custom attribute, else its creation day.
// It returns "" when there is none.
func adoptKeyless(ctx context.Context, j *job, c *intercom.Contact, attemptedAt int64) (string, error) {
	since := attemptedAt/1000 - 300
	q := keylessFilter(c, since)
	want := customKey(c.CustomAttributes)
	const maxPages = 5 // a lead with nothing to tell it by: bounded scan
	opts := &intercom.ListOptions{PerPage: intercom.MaxPerPage}
	for range maxPages {
		page, resp, err := j.dst.Contacts.Search(ctx, intercom.And(intercom.Eq("role", c.Role), q), opts)
		if err != nil {
			return "", dstErr(err)
		}
		var ids []string
		for _, d := range page.Data {
			if d.CreatedAt >= since && d.Email == c.Email && d.Name == c.Name && d.Phone == c.Phone && customKey(d.CustomAttributes) == want {
				ids = append(ids, d.ID)
			}
		}
		claimed, err := j.e.store.Claimed(ctx, j.m.ID, PhaseContacts, ids)
		if err != nil {
			return "", err
		}
		for i, id := range ids {
			if !claimed[i] {
				// Candidates hold the same data: any unclaimed one is the copy.
				return id, nil
			}
		}
		if resp.NextCursor == "" {
			return "", nil
		}
		opts.StartingAfter = resp.NextCursor
	}
	return "", nil
}

// keylessFilter picks the search condition for adoptKeyless.
func keylessFilter(c *intercom.Contact, since int64) intercom.Filter {
	switch {
	case c.Email != "":
		return intercom.Eq("email", c.Email)
	case c.Name != "":
		return intercom.Eq("name", c.Name)
	case c.Phone != "":
		return intercom.Eq("phone", c.Phone)
	}
	for _, k := range slices.Sorted(maps.Keys(c.CustomAttributes)) {
		switch v := c.CustomAttributes[k].(type) {
		case string, bool:
			return intercom.Eq("custom_attributes."+k, v)
		case json.Number:
			if n, err := v.Int64(); err == nil { // search takes no fractions
				return intercom.Eq("custom_attributes."+k, n)
			}
		}
	}
	// Dates are matched by whole days: "after the day before".
	return intercom.Filter{Field: "created_at", Operator: ">", Value: since - 86400}
}

// customKey is a canonical form of custom attributes, nulls left out.
func customKey(attrs map[string]any) string {
	m := make(map[string]any, len(attrs))
	for k, v := range attrs {
		if v != nil {
			m[k] = v
		}
	}
	b, _ := json.Marshal(m)
	return string(b)
}
