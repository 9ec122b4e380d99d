package migrate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"go.uber.org/zap"

	"github.com/icmigrate/icmigrate/internal/store"
	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// Companies, in four phases:
//
//   - company_attributes (after the contact attributes): the source's custom
//     company attributes the destination lacks are created, matched by name.
//   - companies: created or updated by company_id, the natural key, so that
//     writing a company twice (a retry, a lost answer, a rerun) updates it
//     instead of copying it. Listed with the scroll API rather than POST
//     /companies/list, which leaves out companies without contacts and
//     stops at 10,000. An app has one scroll at a time, which expires after
//     a minute idle, and each call advances it (a lost answer loses a
//     page): so the walking unit (root) only reads. It walks the whole
//     scroll at once (intercom.CompaniesService.Walk, which starts a new
//     pass when a page may have been lost), parks each page's unmapped
//     companies in Redis (a key per page, with a TTL) and spawns a unit per
//     page that writes them; nothing slow happens while the scroll is open.
//     A page unit's id is a hash of the page's company ids, so a pass read
//     again spawns no unit twice.
//   - company_contacts (after contacts): the source contacts' pages are read
//     again and each mapped contact is attached to its mapped companies,
//     one call per attachment, skipping the attachments done already (the
//     map company_contacts, "<src contact>:<src company>" -> destination
//     ids, is the done-set). A contact's embedded list is cut at 10
//     companies (has_more): the rest are read from the source then.
//   - company_tags (after the contact tags): tags applied in bulk, 50
//     companies a call, from the memberships recorded with each company
//     (sets "companytagged:<src tag>"), skipping those done (the map
//     company_tags, "<src tag>:<dst company>").
//
// Destination calls: one POST /companies per company, one POST
// /contacts/{id}/companies per attachment, one POST /tags per 50 company
// tag applications, one POST /data_attributes per company attribute; no
// lookup (the id maps answer). A rerun reads and writes nothing.
const (
	PhaseCompanyAttributes = "company_attributes"
	PhaseCompanies         = "companies"
	PhaseCompanyContacts   = "company_contacts"
	PhaseCompanyTags       = "company_tags"

	orderCompanyAttributes = 21
	orderCompanyContacts   = 55
	orderCompanyTags       = 61

	// mapCompanyAttributeSrc: every custom, non-archived company attribute
	// of the source (name -> data type), created in the destination or not.
	mapCompanyAttributeSrc = "company_attribute_src"
	// companyTagSets prefixes the sets of destination companies to tag, per
	// source tag.
	companyTagSets = "companytagged"
	// companyParkTTL bounds how long a parked page waits for its unit; a
	// unit that finds its page gone reads the companies again by id.
	companyParkTTL = 6 * time.Hour
	// scrollWaitsMax is how many times (a minute each) the walking unit
	// waits for another scroll of the source app to end before failing.
	scrollWaitsMax = 10
)

// companyScrollWait is how long the walking unit waits before trying again
// when the source app has another scroll open: long enough for an
// abandoned one to expire. Tests shorten it.
var companyScrollWait = intercom.ScrollIdleTimeout + 5*time.Second

func init() {
	registerPhase(orderCompanyAttributes, PhaseCompanyAttributes, runCompanyAttributes)
	registerPhase(orderCompanies, PhaseCompanies, runCompanies)
	registerPhase(orderCompanyContacts, PhaseCompanyContacts, runCompanyContacts)
	registerPhase(orderCompanyTags, PhaseCompanyTags, runCompanyTags)
	dependents[PhaseCompanyAttributes] = append(dependents[PhaseCompanyAttributes], PhaseCompanies, PhaseCompanyContacts, PhaseCompanyTags)
	dependents[PhaseCompanies] = append(dependents[PhaseCompanies], PhaseCompanyContacts, PhaseCompanyTags)
	dependents[PhaseContacts] = append(dependents[PhaseContacts], PhaseCompanyContacts)
	dependents[PhaseTags] = append(dependents[PhaseTags], PhaseCompanyTags)
}

// ---- company attributes ----

// runCompanyAttributes creates the source's custom company attributes that
// the destination lacks (matched by name), so that companies can carry them.
func runCompanyAttributes(ctx context.Context, j *job) (bool, error) {
	src, _, err := j.src.DataAttributes.List(ctx, &intercom.DataAttributeListOptions{Model: intercom.ModelCompany})
	if err != nil {
		return false, srcErr(err)
	}
	dst, err := companyAttributes(ctx, j)
	if err != nil {
		return false, err
	}
	var custom []*intercom.DataAttribute
	names := map[string]string{}
	for _, a := range src {
		if a.Custom && !a.Archived {
			custom = append(custom, a)
			names[a.Name] = a.DataType
		}
	}
	if err := j.e.store.MapSet(ctx, j.m.ID, mapCompanyAttributeSrc, names); err != nil {
		return false, err
	}
	if err := j.setTotal(ctx, len(custom)); err != nil {
		return false, err
	}
	pairs := map[string]string{}
	for _, a := range custom {
		if id, ok := dst[a.Name]; ok {
			pairs[a.Name] = id
			j.count("skipped", 1)
			continue
		}
		r := attributeRequest(a)
		r.Model = intercom.ModelCompany
		created, _, err := j.dst.DataAttributes.Create(ctx, r)
		switch {
		case err == nil:
			pairs[a.Name] = strconv.FormatInt(created.ID, 10)
			j.count("created", 1)
		case isRecordError(err):
			// An earlier attempt may have created it, its answer lost.
			again, lerr := companyAttributes(ctx, j)
			if lerr != nil {
				return false, lerr
			}
			if id, ok := again[a.Name]; ok {
				pairs[a.Name] = id
				j.count("created", 1)
				continue
			}
			if err := j.recordFailure(ctx, PhaseCompanyAttributes, a.Name, "POST /data_attributes", err); err != nil {
				return false, err
			}
		default:
			if merr := j.e.store.MapSet(ctx, j.m.ID, PhaseCompanyAttributes, pairs); merr != nil {
				return false, merr
			}
			return false, dstErr(err)
		}
	}
	if err := j.e.store.MapSet(ctx, j.m.ID, PhaseCompanyAttributes, pairs); err != nil {
		return false, err
	}
	return true, j.e.store.ClearFailures(ctx, j.m.ID, PhaseCompanyAttributes, slices.Collect(maps.Keys(pairs))...)
}

// companyAttributes are the destination's company attributes, archived
// included (an archived one keeps its name): name -> id.
func companyAttributes(ctx context.Context, j *job) (map[string]string, error) {
	as, _, err := j.dst.DataAttributes.List(ctx, &intercom.DataAttributeListOptions{Model: intercom.ModelCompany, IncludeArchived: true})
	if err != nil {
		return nil, dstErr(err)
	}
	out := make(map[string]string, len(as))
	for _, a := range as {
		if a.Custom {
			out[a.Name] = strconv.FormatInt(a.ID, 10)
		}
	}
	return out, nil
}

// ---- companies ----

func runCompanies(ctx context.Context, j *job) (bool, error) {
	if j.u.ID == "root" {
		return walkCompanies(ctx, j)
	}
	return writeCompanyPage(ctx, j)
}

// walkCompanies reads every source company through the scroll, parking the
// pages and spawning their units; it seals the phase once a whole pass was
// read.
func walkCompanies(ctx context.Context, j *job) (bool, error) {
	var total, attached, pass int
	err := j.src.Companies.Walk(ctx, nil, func(p intercom.WalkPage) error {
		if p.Pass != pass {
			pass, total, attached = p.Pass, 0, 0
		}
		total += len(p.Companies)
		for _, c := range p.Companies {
			attached += int(c.UserCount)
		}
		return parkCompanyPage(ctx, j, p)
	})
	if intercom.IsScrollExists(err) {
		// Another scroll of the source app is open: one this unit left
		// behind (a crash, a long rate-limit pause), which expires within a
		// minute, or another integration's. Wait for it without spending a
		// retry, a bounded number of times.
		n, ierr := j.e.store.Incr(ctx, j.m.ID, j.m.Run, "companies_scroll_waits", time.Hour)
		if ierr != nil {
			return false, ierr
		}
		j.count("scroll_waits", 1)
		if n > scrollWaitsMax {
			return false, fmt.Errorf("the source app has had another companies scroll open for %d minutes (400 scroll_exists): another integration using this token is walking the companies; stop it, or start the migration with another token of the workspace, then requeue companies: %w",
				n, asynq.SkipRetry)
		}
		return false, &RateLimitedError{Until: j.e.opts.Now().Add(companyScrollWait), Err: srcErr(err)}
	}
	if err != nil {
		return false, srcErr(err)
	}
	if pass > 1 {
		j.log.Info("companies scroll read again: a pass may have lost a page", zap.Int("passes", pass))
	}
	j.count("scroll_passes", int64(max(pass, 1)))
	// The attachments to make, for the progress of company_contacts.
	if err := j.e.store.SetStat(ctx, j.m.ID, j.m.Run, PhaseCompanyContacts, "total", int64(attached)); err != nil {
		return false, err
	}
	return true, j.setTotal(ctx, total)
}

// parkCompanyPage keeps the page's companies that are not mapped yet for a
// unit that writes them, and spawns that unit.
func parkCompanyPage(ctx context.Context, j *job, p intercom.WalkPage) error {
	ids := make([]string, len(p.Companies))
	for i, c := range p.Companies {
		ids[i] = c.ID
	}
	mapped, err := j.e.store.MapGet(ctx, j.m.ID, PhaseCompanies, ids)
	if err != nil {
		return err
	}
	changed, err := companiesChanged(ctx, j, p.Companies, mapped)
	if err != nil {
		return err
	}
	var todo []*intercom.Company
	var todoIDs []string
	for i, c := range p.Companies {
		if mapped[i] == "" || changed[i] {
			todo = append(todo, c)
			todoIDs = append(todoIDs, c.ID)
		}
	}
	if p.Pass == 1 {
		j.count("skipped", int64(len(p.Companies)-len(todo)))
	}
	if len(todo) == 0 {
		return nil
	}
	sum := sha256.Sum256([]byte(strings.Join(ids, ",")))
	u := Unit{Migration: j.m.ID, Run: j.m.Run, Phase: PhaseCompanies, ID: "page:" + hex.EncodeToString(sum[:8]),
		Page: p.Page + 1, Key: strings.Join(todoIDs, ",")}
	data, err := json.Marshal(todo)
	if err != nil {
		return err
	}
	if err := j.e.store.Park(ctx, j.m.ID, j.m.Run, u.ID, data, companyParkTTL); err != nil {
		return err
	}
	return j.e.enqueue(ctx, u)
}

// writeCompanyPage writes the companies a walking unit parked.
func writeCompanyPage(ctx context.Context, j *job) (bool, error) {
	companies, err := parkedCompanies(ctx, j)
	if err != nil {
		return false, err
	}
	ids := make([]string, len(companies))
	for i, c := range companies {
		ids[i] = c.ID
	}
	mapped, err := j.e.store.MapGet(ctx, j.m.ID, PhaseCompanies, ids)
	if err != nil {
		return false, err
	}
	cm, err := newCompanyMapper(ctx, j)
	if err != nil {
		return false, err
	}
	// In a delta, mapped companies were parked because they changed; a
	// re-run unit finds those it wrote already unchanged.
	changed, err := companiesChanged(ctx, j, companies, mapped)
	if err != nil {
		return false, err
	}
	for i, c := range companies {
		switch {
		case mapped[i] != "" && !changed[i]:
			j.count("skipped", 1)
		case mapped[i] != "":
			if err := retryRecord(ctx, func(int) error { return updateCompany(ctx, j, cm, c, mapped[i]) }); err != nil {
				return false, err
			}
		default:
			if err := retryRecord(ctx, func(int) error { return migrateCompany(ctx, j, cm, c, "created") }); err != nil {
				return false, err
			}
		}
	}
	return false, j.e.store.Unpark(ctx, j.m.ID, j.m.Run, j.u.ID)
}

// parkedCompanies returns the companies of the unit's page: parked, or,
// when the park expired, read again from the source by id.
func parkedCompanies(ctx context.Context, j *job) ([]*intercom.Company, error) {
	data, ok, err := j.e.store.Parked(ctx, j.m.ID, j.m.Run, j.u.ID)
	if err != nil {
		return nil, err
	}
	if ok {
		var out []*intercom.Company
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber() // custom attribute values written back exactly as read
		if err := dec.Decode(&out); err != nil {
			return nil, fmt.Errorf("parked companies of %s: %v", j.u.ID, err)
		}
		return out, nil
	}
	ids := strings.Split(j.u.Key, ",")
	mapped, err := j.e.store.MapGet(ctx, j.m.ID, PhaseCompanies, ids)
	if err != nil {
		return nil, err
	}
	var out []*intercom.Company
	for i, id := range ids {
		if id == "" || mapped[i] != "" {
			continue
		}
		c, _, err := j.src.Companies.Get(ctx, id)
		var nf *intercom.NotFoundError
		switch {
		case errors.As(err, &nf):
			j.count("vanished", 1) // deleted at the source since the walk
		case err != nil:
			return nil, srcErr(err)
		default:
			out = append(out, c)
		}
	}
	j.count("park_expired", 1)
	return out, nil
}

// companyMapper turns a source company into a destination request.
type companyMapper struct {
	// source are the source's custom company attributes (created in the
	// destination or not: a value of one whose creation failed makes the
	// company fail with Intercom's reason, to be requeued once fixed).
	source map[string]string
}

func newCompanyMapper(ctx context.Context, j *job) (*companyMapper, error) {
	src, err := j.e.store.MapAll(ctx, j.m.ID, mapCompanyAttributeSrc)
	if err != nil {
		return nil, err
	}
	return &companyMapper{source: src}, nil
}

// request copies every field the API lets us write. Keys of
// custom_attributes that are no custom attribute of the source (values
// Intercom keeps for itself) are left out; dropped counts them.
func (cm *companyMapper) request(c *intercom.Company) (r *intercom.CompanyRequest, dropped int) {
	r = &intercom.CompanyRequest{CompanyID: c.CompanyID, Name: c.Name, Plan: c.PlanName(), Website: c.Website, Industry: c.Industry}
	if c.Size != 0 {
		r.Size = intercom.Ptr(c.Size)
	}
	if c.MonthlySpend != 0 {
		r.MonthlySpend = intercom.Ptr(intercom.WholeSpend(c.MonthlySpend))
	}
	if c.RemoteCreatedAt != 0 {
		r.RemoteCreatedAt = intercom.Ptr(c.RemoteCreatedAt)
	}
	for k, v := range c.CustomAttributes {
		if v == nil {
			continue
		}
		if _, ok := cm.source[k]; !ok {
			dropped++
			continue
		}
		if r.CustomAttributes == nil {
			r.CustomAttributes = map[string]any{}
		}
		r.CustomAttributes[k] = v
	}
	return r, dropped
}

// migrateCompany creates or updates one company and records its mapping
// with its tag memberships and the digest of what was written; how is the
// counter it goes to ("created", "updated"). A company Intercom refuses is
// recorded as a failure; only errors that stop the unit are returned.
func migrateCompany(ctx context.Context, j *job, cm *companyMapper, c *intercom.Company, how string) error {
	if c.CompanyID == "" {
		return j.recordFailure(ctx, PhaseCompanies, c.ID, "POST /companies",
			errors.New("the company has no company_id: the API creates companies by company_id only"))
	}
	req, dropped := cm.request(c)
	j.count("attribute_dropped", int64(dropped))
	got, _, err := j.dst.Companies.CreateOrUpdate(ctx, req)
	switch {
	case err == nil:
	case isRecordError(err):
		return j.recordFailure(ctx, PhaseCompanies, c.ID, "POST /companies", err)
	default:
		return dstErr(err)
	}
	j.count(how, 1)
	j.log.Debug("company migrated", zap.String("source_id", c.ID), zap.String("dest_id", got.ID))
	return j.e.store.MapRecordTagged(ctx, j.m.ID, PhaseCompanies, companyTagSets,
		store.Mapped{SrcID: c.ID, DstID: got.ID, SrcTagIDs: c.TagIDs(), Sig: cm.sig(c)})
}

// ---- contacts attached to companies ----

// runCompanyContacts attaches the contacts of one page of source contacts
// to their companies. It enqueues the next page first.
func runCompanyContacts(ctx context.Context, j *job) (bool, error) {
	page, last, err := sourceContactsPage(ctx, j, false) // paged.go; in a delta, the changed contacts
	if err != nil {
		return false, err
	}
	type attachment struct{ contact, company, field string }
	var todo []attachment
	contacts, companies := map[string]bool{}, map[string]bool{}
	current := map[string][]string{} // source contact -> its source companies
	for _, c := range page.Data {
		ids, err := sourceCompanyIDs(ctx, j, c)
		if err != nil {
			return false, err
		}
		current[c.ID] = ids
		for _, co := range ids {
			todo = append(todo, attachment{c.ID, co, store.MemberField(c.ID, co)})
			contacts[c.ID], companies[co] = true, true
		}
	}
	if j.delta() != nil {
		if err := detachRemoved(ctx, j, page.Data, current); err != nil {
			return false, err
		}
	}
	if err := recordCompaniesOf(ctx, j, current); err != nil {
		return false, err
	}
	if len(todo) == 0 {
		return last, nil
	}
	fields := make([]string, len(todo))
	for i, a := range todo {
		fields[i] = a.field
	}
	done, err := j.e.store.MapGet(ctx, j.m.ID, PhaseCompanyContacts, fields)
	if err != nil {
		return false, err
	}
	dstContacts, err := mapOf(ctx, j, PhaseContacts, slices.Collect(maps.Keys(contacts)))
	if err != nil {
		return false, err
	}
	dstCompanies, err := mapOf(ctx, j, PhaseCompanies, slices.Collect(maps.Keys(companies)))
	if err != nil {
		return false, err
	}
	var attached []string
	for i, a := range todo {
		if done[i] != "" {
			j.count("skipped", 1)
			continue
		}
		dc, dco := dstContacts[a.contact], dstCompanies[a.company]
		switch {
		case dc == "":
			j.count("contact_unmapped", 1) // the contact's failure is recorded under contacts
			continue
		case dco == "":
			j.count("company_unmapped", 1) // the company's under companies
			continue
		}
		err := retryRecord(ctx, func(int) error {
			_, _, err := j.dst.Companies.AttachContact(ctx, dc, dco)
			if err != nil && !isRecordError(err) {
				return dstErr(err)
			}
			return err
		})
		switch {
		case err == nil:
			if err := j.e.store.MapSet(ctx, j.m.ID, PhaseCompanyContacts, map[string]string{a.field: dc + "/" + dco}); err != nil {
				return false, err
			}
			attached = append(attached, a.field)
			j.count("applied", 1)
		case isRecordError(err):
			if err := j.recordFailure(ctx, PhaseCompanyContacts, a.field, "POST /contacts/{id}/companies", err); err != nil {
				return false, err
			}
		default:
			return false, err
		}
	}
	return last, j.e.store.ClearFailures(ctx, j.m.ID, PhaseCompanyContacts, attached...)
}

// sourceCompanyIDs are the ids of a contact's companies: the ones embedded
// in the contact, or all of them from the source when Intercom cut the
// list.
func sourceCompanyIDs(ctx context.Context, j *job, c *intercom.Contact) ([]string, error) {
	if c.Companies == nil || c.Companies.TotalCount == 0 && len(c.Companies.Data) == 0 {
		return nil, nil
	}
	if !c.Companies.HasMore {
		ids := make([]string, len(c.Companies.Data))
		for i, r := range c.Companies.Data {
			ids[i] = r.ID
		}
		return ids, nil
	}
	all, _, err := j.src.Companies.ListAttached(ctx, c.ID)
	if err != nil {
		return nil, srcErr(err)
	}
	j.count("lists_read", 1)
	ids := make([]string, len(all))
	for i, co := range all {
		ids[i] = co.ID
	}
	return ids, nil
}

// mapOf looks source ids up in an id map.
func mapOf(ctx context.Context, j *job, entity string, ids []string) (map[string]string, error) {
	vals, err := j.e.store.MapGet(ctx, j.m.ID, entity, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(ids))
	for i, id := range ids {
		if vals[i] != "" {
			out[id] = vals[i]
		}
	}
	return out, nil
}

// ---- tags on companies ----

// runCompanyTags applies tags to companies in bulk: the root unit spawns a
// unit per tag that has companies; a tag's unit tags them 50 per call,
// skipping those done already.
func runCompanyTags(ctx context.Context, j *job) (bool, error) {
	if j.u.ID == "root" {
		return spawnCompanyTagUnits(ctx, j)
	}
	name, err := unitTagName(ctx, j)
	if err != nil {
		return false, err
	}
	err = j.e.store.PendingMembers(ctx, j.m.ID, companyTagSets, j.u.Key, PhaseCompanyTags, intercom.MaxTagCompaniesPerCall, func(ids []string) error {
		err := retryRecord(ctx, func(int) error {
			_, _, err := j.dst.Tags.TagCompanies(ctx, name, ids)
			if err != nil && !isRecordError(err) {
				return dstErr(err)
			}
			return err
		})
		if err != nil {
			if isRecordError(err) {
				// One bad id fails the whole call: keep the batch as a
				// failure and go on with the next.
				return j.recordFailure(ctx, PhaseCompanyTags, store.MemberField(j.u.Key, ids[0]), "POST /tags", err)
			}
			return err
		}
		done := make(map[string]string, len(ids))
		for _, id := range ids {
			done[store.MemberField(j.u.Key, id)] = "1"
		}
		j.count("applied", int64(len(ids)))
		if err := j.e.store.MapSet(ctx, j.m.ID, PhaseCompanyTags, done); err != nil {
			return err
		}
		return j.e.store.ClearFailures(ctx, j.m.ID, PhaseCompanyTags, slices.Collect(maps.Keys(done))...)
	})
	return false, err
}

func spawnCompanyTagUnits(ctx context.Context, j *job) (bool, error) {
	tags, err := j.e.store.MapAll(ctx, j.m.ID, PhaseTags)
	if err != nil {
		return false, err
	}
	ids := slices.Sorted(maps.Keys(tags))
	var total int64
	for _, srcID := range ids {
		n, err := j.e.store.SetSizes(ctx, j.m.ID, companyTagSets, []string{srcID})
		if err != nil {
			return false, err
		}
		if n == 0 {
			continue
		}
		total += n
		u := Unit{Migration: j.m.ID, Run: j.m.Run, Phase: PhaseCompanyTags, ID: "tag:" + srcID, Key: srcID}
		if err := j.e.enqueue(ctx, u); err != nil {
			return false, err
		}
	}
	return true, j.setTotal(ctx, int(total))
}
