package migrate

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/icmigrate/icmigrate/internal/store"
	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// Custom object instances. Intercom's API can neither create nor list
// custom object types, so the operator names them (Config.CustomObjectTypes,
// the scheduler's --custom-object-types): each named type is looked up in
// both workspaces; a type the destination lacks is noted and each of its
// instances is a failure with the reason. Instances are written with
// Intercom's upsert by external id: writing one twice (a retry, a rerun)
// updates it, never duplicates it, so no intent record is needed, and one
// call per instance is all it costs.

// Phase, maps and notes of custom objects.
const (
	PhaseCustomObjects = "custom_objects"
	// mapCustomObjectTypes records, per named type, whether the destination
	// has it ("1") or not ("0"), for the type's units.
	mapCustomObjectTypes = "custom_object_types"
	// NoteCustomObjectTypesMissing lists the named types the destination
	// lacks: their instances are failures.
	NoteCustomObjectTypesMissing = "custom_object_types_missing"
	// NoteCustomObjectTypesUnknown lists the named types the source lacks.
	NoteCustomObjectTypesUnknown = "custom_object_types_unknown"
	// NoteCustomObjectTypesUnlisted lists the types whose instances the
	// source would not list (a workspace that does not serve the list).
	NoteCustomObjectTypesUnlisted = "custom_object_types_unlisted"
)

func init() { registerPhase(orderCustomObjects, PhaseCustomObjects, runCustomObjects) }

func customObjectTypesKey(id string) string { return "icm:mig:" + id + ":config:custom_object_types" }

// SetCustomObjectTypes records the custom object types a migration carries
// (identifiers, as in Intercom's API: "Order"). The API cannot list them,
// so they are named by the operator; an empty list leaves the recorded
// ones as they are. Start calls it with Config.CustomObjectTypes.
func SetCustomObjectTypes(ctx context.Context, st *store.Store, id string, types []string) error {
	var clean []string
	for _, t := range types {
		if t = strings.TrimSpace(t); t != "" && !slices.Contains(clean, t) {
			clean = append(clean, t)
		}
	}
	if len(clean) == 0 {
		return nil
	}
	k := customObjectTypesKey(id)
	_, err := st.Redis().TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, k)
		p.SAdd(ctx, k, toAnySlice(clean)...)
		return nil
	})
	return err
}

// CustomObjectTypes returns the custom object types a migration carries,
// sorted.
func CustomObjectTypes(ctx context.Context, st *store.Store, id string) ([]string, error) {
	out, err := st.Redis().SMembers(ctx, customObjectTypesKey(id)).Result()
	slices.Sort(out)
	return out, err
}

func toAnySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// customObjectUnit is the unit that migrates page (from 0) of a type.
func customObjectUnit(j *job, typ string, page int) Unit {
	return Unit{Migration: j.m.ID, Run: j.m.Run, Phase: PhaseCustomObjects,
		ID: "type:" + typ + ":" + strconv.Itoa(page), Key: typ, Page: page}
}

// customObjectKey is an instance's key in the id map: ids are the type's.
func customObjectKey(typ, id string) string { return typ + "/" + id }

func runCustomObjects(ctx context.Context, j *job) (bool, error) {
	if j.u.Key == "" {
		return spawnCustomObjectTypes(ctx, j)
	}
	return runCustomObjectPage(ctx, j)
}

// spawnCustomObjectTypes looks up every named type in both workspaces,
// records the total, and spawns a unit per type the source has.
func spawnCustomObjectTypes(ctx context.Context, j *job) (bool, error) {
	types, err := CustomObjectTypes(ctx, j.e.store, j.m.ID)
	if err != nil {
		return false, err
	}
	total := 0
	present := map[string]string{}
	var listed, unknown, unlisted, missing []string
	for _, t := range types {
		first, _, err := j.src.CustomObjectInstances.List(ctx, t, &intercom.PageNumberOptions{Page: 1, PerPage: 1})
		var inv *intercom.InvalidError
		switch {
		case intercom.IsTypeNotFound(err):
			unknown = append(unknown, t)
			continue
		case errors.As(err, &inv):
			unlisted = append(unlisted, t)
			continue
		case err != nil:
			return false, srcErr(err)
		}
		total += first.TotalCount
		listed = append(listed, t)
		ok, _, err := j.dst.CustomObjectInstances.TypeExists(ctx, t)
		if err != nil {
			return false, dstErr(err)
		}
		present[t] = "0"
		if ok {
			present[t] = "1"
		} else {
			missing = append(missing, t)
		}
	}
	for _, n := range []struct {
		name string
		l    []string
	}{{NoteCustomObjectTypesUnknown, unknown}, {NoteCustomObjectTypesUnlisted, unlisted}, {NoteCustomObjectTypesMissing, missing}} {
		if err := j.e.store.Note(ctx, j.m.ID, n.name, n.l...); err != nil {
			return false, err
		}
	}
	j.count("types_missing", int64(len(missing)))
	if err := j.e.store.MapSet(ctx, j.m.ID, mapCustomObjectTypes, present); err != nil {
		return false, err
	}
	if err := j.setTotal(ctx, total); err != nil {
		return false, err
	}
	for _, t := range listed {
		if err := j.e.enqueue(ctx, customObjectUnit(j, t, 0)); err != nil {
			return false, err
		}
	}
	return true, nil
}

// runCustomObjectPage migrates one page of a type's instances.
func runCustomObjectPage(ctx context.Context, j *job) (bool, error) {
	typ := j.u.Key
	page, _, err := j.src.CustomObjectInstances.List(ctx, typ, &intercom.PageNumberOptions{Page: j.u.Page + 1, PerPage: intercom.MaxPerPage})
	if err != nil {
		return false, srcErr(err)
	}
	if next := page.Pages.NextPage(); next != 0 && len(page.Data) > 0 {
		if err := j.e.enqueue(ctx, customObjectUnit(j, typ, next-1)); err != nil {
			return false, err
		}
	}
	keys := make([]string, len(page.Data))
	for i, o := range page.Data {
		keys[i] = customObjectKey(typ, o.ID)
	}
	got, err := j.e.store.MapGet(ctx, j.m.ID, PhaseCustomObjects, keys)
	if err != nil {
		return false, err
	}
	present, err := j.e.store.MapGet(ctx, j.m.ID, mapCustomObjectTypes, []string{typ})
	if err != nil {
		return false, err
	}
	endpoint := "POST /custom_object_instances/" + typ
	for i, o := range page.Data {
		if got[i] != "" {
			j.count("skipped", 1)
			continue
		}
		if present[0] != "1" {
			if err := j.refuse(ctx, PhaseCustomObjects, keys[i], endpoint,
				reasonf("custom object type %s does not exist in the destination (types cannot be created through the API): define it with the same identifier and attributes, then requeue", typ)); err != nil {
				return false, err
			}
			continue
		}
		if o.ExternalID == "" {
			if err := j.refuse(ctx, PhaseCustomObjects, keys[i], endpoint, reasonf("the instance has no external id, the only key Intercom writes instances by")); err != nil {
				return false, err
			}
			continue
		}
		req := &intercom.CustomObjectInstanceRequest{ExternalID: o.ExternalID, CustomAttributes: o.CustomAttributes}
		if o.ExternalCreatedAt != 0 {
			req.ExternalCreatedAt = intercom.Ptr(o.ExternalCreatedAt)
		}
		if o.ExternalUpdatedAt != 0 {
			req.ExternalUpdatedAt = intercom.Ptr(o.ExternalUpdatedAt)
		}
		var dstID string
		err := retryRecord(ctx, func(int) error {
			d, _, err := j.dst.CustomObjectInstances.CreateOrUpdate(ctx, typ, req)
			if err == nil {
				dstID = d.ID
			}
			return err
		})
		switch {
		case err == nil:
		case isRecordError(err):
			if err := j.recordFailure(ctx, PhaseCustomObjects, keys[i], endpoint, err); err != nil {
				return false, err
			}
			continue
		default:
			return false, dstErr(err)
		}
		j.count("created", 1)
		if err := j.mapped(ctx, PhaseCustomObjects, keys[i], customObjectKey(typ, dstID)); err != nil {
			return false, err
		}
	}
	return false, nil
}
