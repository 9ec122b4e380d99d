// Package verify compares a migration's destination with its source, record
// by record, through the API: counts, records missing in the destination,
// extra records there, and records whose fields differ (named).
//
// It holds one page of each side in memory at a time. Destination records
// are first summarised (a fingerprint per record) into a temporary Redis hash;
// the source is then streamed and each record's expected fingerprint checked
// against its mapped destination record, which is removed from the hash, so
// that what remains is extra. Only records that differ are read again, to
// name the fields.
package verify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/internal/store"
	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// Result compares one entity.
type Result struct {
	Entity      string `json:"entity"`
	Source      int64  `json:"source"`
	Destination int64  `json:"destination"`
	Matched     int64  `json:"matched"`
	Missing     int64  `json:"missing"`
	Extra       int64  `json:"extra"`
	Different   int64  `json:"different"`
	// Diffs names the differing fields of the first differing records.
	Diffs []Diff `json:"diffs,omitempty"`
	// MissingIDs are the first source ids missing in the destination.
	MissingIDs []string `json:"missing_ids,omitempty"`
	// Sampled is how many source records a sampled comparison checked (0:
	// all of them); Matched, Missing and Different count those.
	Sampled int64 `json:"sampled,omitempty"`
	// Informational rows (teammates, which the API cannot create) do not
	// make a comparison unequal.
	Informational bool `json:"informational,omitempty"`
}

// Equal reports whether source and destination hold the same records.
func (r Result) Equal() bool {
	checked := r.Source
	if r.Sampled > 0 {
		checked = r.Sampled
	}
	return r.Informational || r.Missing == 0 && r.Extra == 0 && r.Different == 0 && r.Matched == checked
}

// Diff is one record whose fields differ.
type Diff struct {
	SourceID string   `json:"source_id"`
	DestID   string   `json:"dest_id"`
	Fields   []string `json:"fields"`
}

// maxListed bounds the ids and diffs a Result lists.
const maxListed = 20

// Options are the two sides and the migration's state.
type Options struct {
	Source, Dest *intercom.Client
	Store        *store.Store
	Migration    string
	// Sample, when above 0, spot-checks about that many source contacts
	// (spread evenly) against their mapped destination contacts, read one
	// by one, instead of walking the whole destination: a quick check of a
	// large workspace. Extra destination records are then not looked for.
	Sample int
}

// Comparison compares one entity of the two workspaces.
type Comparison func(context.Context, Options) (Result, error)

type comparisonDef struct {
	order int
	f     Comparison
}

var comparisons []comparisonDef

// Register adds a comparison at a position of the dependency order (the
// migrate package's phase order); entity files call it from init.
func Register(order int, f Comparison) {
	comparisons = append(comparisons, comparisonDef{order, f})
	slices.SortStableFunc(comparisons, func(a, b comparisonDef) int { return a.order - b.order })
}

func init() {
	Register(10, Admins)
	Register(20, DataAttributes)
	Register(30, Tags)
	Register(50, Contacts)
}

// All compares every entity the migration moves, in dependency order.
func All(ctx context.Context, o Options) ([]Result, error) {
	var out []Result
	for _, c := range comparisons {
		r, err := c.f(ctx, o)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Equal reports whether every result is.
func Equal(rs []Result) bool {
	for _, r := range rs {
		if !r.Equal() {
			return false
		}
	}
	return true
}

// byName compares two small sets of named things.
func byName(entity string, src, dst map[string]string) Result {
	r := Result{Entity: entity, Source: int64(len(src)), Destination: int64(len(dst))}
	for _, name := range slices.Sorted(maps.Keys(src)) {
		d, ok := dst[name]
		switch {
		case !ok:
			r.Missing++
			if len(r.MissingIDs) < maxListed {
				r.MissingIDs = append(r.MissingIDs, name)
			}
		case d != src[name]:
			r.Different++
			if len(r.Diffs) < maxListed {
				r.Diffs = append(r.Diffs, Diff{SourceID: name, DestID: name, Fields: []string{"definition"}})
			}
		default:
			r.Matched++
		}
	}
	r.Extra = r.Destination - r.Matched - r.Different
	return r
}

// Admins reports how many source teammates have a teammate of the same email
// in the destination (informational: the API cannot create teammates;
// teammates of the destination alone are not a migration's doing).
func Admins(ctx context.Context, o Options) (Result, error) {
	return matchedByName(o, "admins", func(c *intercom.Client) (map[string]string, error) {
		as, _, err := c.Admins.List(ctx)
		if err != nil {
			return nil, err
		}
		out := map[string]string{}
		for _, a := range as {
			out[strings.ToLower(a.Email)] = ""
		}
		return out, nil
	})
}

// DataAttributes compares custom contact attributes by name and type.
func DataAttributes(ctx context.Context, o Options) (Result, error) {
	return comparedByName(o, "data_attributes", customAttributes(ctx, intercom.ModelContact))
}

// Tags compares tags by name (case-insensitive, as Intercom does).
func Tags(ctx context.Context, o Options) (Result, error) {
	return comparedByName(o, "tags", func(c *intercom.Client) (map[string]string, error) {
		m, err := tagNames(ctx, c)
		if err != nil {
			return nil, err
		}
		out := map[string]string{}
		for _, name := range m {
			out[strings.ToLower(name)] = ""
		}
		return out, nil
	})
}

// bothTagNames maps the tag ids of each side to names.
func bothTagNames(ctx context.Context, o Options) (src, dst map[string]string, err error) {
	if src, err = tagNames(ctx, o.Source); err != nil {
		return nil, nil, fmt.Errorf("source tags: %w", err)
	}
	if dst, err = tagNames(ctx, o.Dest); err != nil {
		return nil, nil, fmt.Errorf("destination tags: %w", err)
	}
	return src, dst, nil
}

// tagNames maps tag ids to names.
func tagNames(ctx context.Context, c *intercom.Client) (map[string]string, error) {
	tags, _, err := c.Tags.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		out[t.ID] = t.Name
	}
	return out, nil
}

// side is what a contact's projection needs of its workspace.
type side struct {
	c        *intercom.Client
	tagNames map[string]string
	// owners maps an owner id to what it is compared as: the destination
	// admin id (the source's through the admin map).
	owners func(int64) string
}

// projection is the part of a contact a migration carries, normalised.
type projection map[string]string

func (s side) project(ctx context.Context, c *intercom.Contact) (projection, error) {
	p := projection{
		"role":                     c.Role,
		"email":                    c.Email,
		"external_id":              c.ExternalID,
		"phone":                    c.Phone,
		"name":                     c.Name,
		"signed_up_at":             ts(c.SignedUpAt),
		"last_seen_at":             ts(c.LastSeenAt),
		"unsubscribed_from_emails": strconv.FormatBool(c.UnsubscribedFromEmails),
		"owner_id":                 s.owners(c.OwnerID),
	}
	if c.Avatar != nil {
		p["avatar"] = c.Avatar.ImageURL
	}
	p.addCustomAttributes(c.CustomAttributes)
	var names []string
	if c.Tags != nil && !c.Tags.HasMore {
		for _, t := range c.Tags.Data {
			names = append(names, s.tagNames[t.ID])
		}
	} else if c.Tags != nil {
		tags, _, err := s.c.Contacts.ListTags(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		for _, t := range tags {
			names = append(names, t.Name)
		}
	}
	p.setTags(names)
	return p, nil
}

// setTags sets the tag names, case-insensitive and in order.
func (p projection) setTags(names []string) {
	for i := range names {
		names[i] = strings.ToLower(names[i])
	}
	sort.Strings(names)
	p["tags"] = strings.Join(names, ",")
}

// addCustomAttributes adds the non-null custom attributes, as JSON.
func (p projection) addCustomAttributes(attrs map[string]any) {
	for k, v := range attrs {
		if v == nil {
			continue
		}
		b, _ := json.Marshal(v)
		p["custom_attributes."+k] = string(b)
	}
}

func ts(v int64) string {
	if v == 0 {
		return ""
	}
	return strconv.FormatInt(v, 10)
}

func (p projection) fingerprint() string {
	b, _ := json.Marshal(map[string]string(p)) // keys sorted: canonical
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}

// diffFields names the fields that differ.
func diffFields(a, b projection) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(a)) {
		if a[k] != b[k] {
			out = append(out, k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(b)) {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	return out
}

// Contacts compares every contact field the migration carries, tags and
// owner included.
func Contacts(ctx context.Context, o Options) (Result, error) {
	r := Result{Entity: "contacts"}
	srcTags, dstTags, err := bothTagNames(ctx, o)
	if err != nil {
		return r, err
	}
	admins, err := o.Store.MapAll(ctx, o.Migration, migrate.PhaseAdmins)
	if err != nil {
		return r, err
	}
	src := side{c: o.Source, tagNames: srcTags, owners: func(id int64) string {
		if id == 0 {
			return ""
		}
		return admins[strconv.FormatInt(id, 10)] // unmapped owners are left out
	}}
	dst := side{c: o.Dest, tagNames: dstTags, owners: func(id int64) string { return ts(id) }}

	if o.Sample > 0 {
		return sampleContacts(ctx, o, src, dst)
	}
	return compareStreamed(ctx, o, streamed[*intercom.Contact]{
		entity: "contacts", mapName: migrate.PhaseContacts,
		src:     o.Source.Contacts.All(ctx, allContacts),
		dst:     o.Dest.Contacts.All(ctx, allContacts),
		key:     func(c *intercom.Contact) string { return c.ID },
		srcProj: src.project,
		dstProj: dst.project,
		fetch:   o.Dest.Contacts.Get,
	})
}

// allContacts lists contacts a full page at a time.
var allContacts = &intercom.ListOptions{PerPage: intercom.MaxPerPage}

func hmget(ctx context.Context, rdb redis.UniversalClient, k string, fields []string) ([]string, error) {
	out := make([]string, len(fields))
	var ask []string
	var at []int
	for i, f := range fields {
		if f != "" {
			ask = append(ask, f)
			at = append(at, i)
		}
	}
	if len(ask) == 0 {
		return out, nil
	}
	vals, err := rdb.HMGet(ctx, k, ask...).Result()
	if err != nil {
		return nil, err
	}
	for j, v := range vals {
		if s, ok := v.(string); ok {
			out[at[j]] = s
		}
	}
	return out, nil
}

// sampleContacts checks every step-th source contact against its mapped
// destination contact, read by id.
func sampleContacts(ctx context.Context, o Options, src, dst side) (Result, error) {
	r := Result{Entity: "contacts"}
	first, _, err := o.Source.Contacts.List(ctx, &intercom.ListOptions{PerPage: 1})
	if err != nil {
		return r, fmt.Errorf("source contacts: %w", err)
	}
	step := max(int64(first.TotalCount)/int64(o.Sample), 1)
	var i int64
	err = batches(o.Source.Contacts.All(ctx, allContacts), func(cs []*intercom.Contact) error {
		var picked []*intercom.Contact
		for _, c := range cs {
			if i%step == 0 && r.Sampled < int64(o.Sample) {
				picked = append(picked, c)
			}
			i++
		}
		r.Source += int64(len(cs))
		if len(picked) == 0 {
			return nil
		}
		dstIDs, err := destContactIDs(ctx, o, picked)
		if err != nil {
			return err
		}
		for k, c := range picked {
			r.Sampled++
			var got *intercom.Contact
			if dstIDs[k] != "" {
				var nf *intercom.NotFoundError
				got, _, err = o.Dest.Contacts.Get(ctx, dstIDs[k])
				if errors.As(err, &nf) {
					got, err = nil, nil
				}
				if err != nil {
					return err
				}
			}
			if got == nil {
				r.Missing++
				if len(r.MissingIDs) < maxListed {
					r.MissingIDs = append(r.MissingIDs, c.ID)
				}
				continue
			}
			want, err := src.project(ctx, c)
			if err != nil {
				return err
			}
			have, err := dst.project(ctx, got)
			if err != nil {
				return err
			}
			if want.fingerprint() == have.fingerprint() {
				r.Matched++
				continue
			}
			r.Different++
			if len(r.Diffs) < maxListed {
				r.Diffs = append(r.Diffs, Diff{SourceID: c.ID, DestID: got.ID, Fields: diffFields(want, have)})
			}
		}
		return nil
	})
	if err != nil {
		return r, fmt.Errorf("source contacts: %w", err)
	}
	if l, _, err := o.Dest.Contacts.List(ctx, &intercom.ListOptions{PerPage: 1}); err == nil {
		r.Destination = int64(l.TotalCount)
	}
	return r, nil
}
