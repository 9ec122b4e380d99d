package migrate

import (
	"context"
	"maps"
	"slices"
	"strconv"

	"github.com/icmigrate/icmigrate/pkg/intercom"
)

func init() { registerPhase(orderDataAttributes, PhaseDataAttributes, runDataAttributes) }

// runDataAttributes creates the source's custom contact attributes that the
// destination lacks (matched by name), so that contacts can carry them.
func runDataAttributes(ctx context.Context, j *job) (bool, error) {
	opts := &intercom.DataAttributeListOptions{Model: intercom.ModelContact}
	src, _, err := j.src.DataAttributes.List(ctx, opts)
	if err != nil {
		return false, srcErr(err)
	}
	dst, _, err := j.dst.DataAttributes.List(ctx, &intercom.DataAttributeListOptions{Model: intercom.ModelContact, IncludeArchived: true})
	if err != nil {
		return false, dstErr(err)
	}
	existing := make(map[string]*intercom.DataAttribute, len(dst))
	for _, a := range dst {
		existing[a.Name] = a
	}
	var custom []*intercom.DataAttribute
	for _, a := range src {
		if a.Custom && !a.Archived {
			custom = append(custom, a)
		}
	}
	if err := j.setTotal(ctx, len(custom)); err != nil {
		return false, err
	}
	pairs := map[string]string{}
	for _, a := range custom {
		if d, ok := existing[a.Name]; ok {
			pairs[a.Name] = strconv.FormatInt(d.ID, 10)
			j.count("skipped", 1)
			continue
		}
		created, _, err := j.dst.DataAttributes.Create(ctx, attributeRequest(a))
		switch {
		case err == nil:
			pairs[a.Name] = strconv.FormatInt(created.ID, 10)
			j.count("created", 1)
		case isRecordError(err):
			// The attribute may exist now: an earlier attempt created it and
			// its answer was lost. Then this is no failure.
			if id, ok, lerr := findAttribute(ctx, j, a.Name); lerr != nil {
				return false, lerr
			} else if ok {
				pairs[a.Name] = id
				j.count("created", 1)
				continue
			}
			if err := j.recordFailure(ctx, PhaseDataAttributes, a.Name, "POST /data_attributes", err); err != nil {
				return false, err
			}
		default:
			// Keep what was created so far: the retry finds it by name.
			if merr := j.e.store.MapSet(ctx, j.m.ID, PhaseDataAttributes, pairs); merr != nil {
				return false, merr
			}
			return false, dstErr(err)
		}
	}
	if err := j.e.store.MapSet(ctx, j.m.ID, PhaseDataAttributes, pairs); err != nil {
		return false, err
	}
	return true, j.e.store.ClearFailures(ctx, j.m.ID, PhaseDataAttributes, slices.Collect(maps.Keys(pairs))...)
}

// attributeRequest recreates an attribute: a list attribute is a string
// attribute with options when read, and is created as data_type "options".
func attributeRequest(a *intercom.DataAttribute) *intercom.DataAttributeRequest {
	r := &intercom.DataAttributeRequest{Name: a.Name, Model: intercom.ModelContact, DataType: a.DataType, Description: a.Description}
	if len(a.Options) > 0 {
		r.DataType = "options"
		for _, o := range a.Options {
			r.Options = append(r.Options, intercom.DataAttributeOption{Value: o})
		}
	}
	if a.MessengerWritable {
		r.MessengerWritable = intercom.Ptr(true)
	}
	return r
}

// findAttribute looks for a contact attribute of the destination by name.
func findAttribute(ctx context.Context, j *job, name string) (string, bool, error) {
	as, _, err := j.dst.DataAttributes.List(ctx, &intercom.DataAttributeListOptions{Model: intercom.ModelContact, IncludeArchived: true})
	if err != nil {
		return "", false, dstErr(err)
	}
	for _, a := range as {
		if a.Name == name {
			return strconv.FormatInt(a.ID, 10), true, nil
		}
	}
	return "", false, nil
}
