package migrate

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/icmigrate/icmigrate/pkg/intercom"
)

func init() { registerPhase(orderTags, PhaseTags, runTags) }

// Map names of the tags phase: source tag id -> destination tag id, and
// source tag id -> name (the bulk tagging call names the tag).
const mapTagNames = "tag_names"

// runTags creates the source's tags that the destination lacks (names are
// case-insensitive in Intercom) and maps every tag.
func runTags(ctx context.Context, j *job) (bool, error) {
	src, _, err := j.src.Tags.List(ctx)
	if err != nil {
		return false, srcErr(err)
	}
	dst, _, err := j.dst.Tags.List(ctx)
	if err != nil {
		return false, dstErr(err)
	}
	existing := make(map[string]*intercom.Tag, len(dst))
	for _, t := range dst {
		existing[strings.ToLower(t.Name)] = t
	}
	if err := j.setTotal(ctx, len(src)); err != nil {
		return false, err
	}
	ids, names := map[string]string{}, map[string]string{}
	save := func() error {
		if err := j.e.store.MapSet(ctx, j.m.ID, mapTagNames, names); err != nil {
			return err
		}
		return j.e.store.MapSet(ctx, j.m.ID, PhaseTags, ids)
	}
	for _, t := range src {
		names[t.ID] = t.Name
		if d, ok := existing[strings.ToLower(t.Name)]; ok {
			ids[t.ID] = d.ID
			j.count("skipped", 1)
			continue
		}
		created, _, err := j.dst.Tags.Create(ctx, t.Name)
		switch {
		case err == nil:
			ids[t.ID] = created.ID
			j.count("created", 1)
		case isRecordError(err):
			if err := j.recordFailure(ctx, PhaseTags, t.ID, "POST /tags", err); err != nil {
				return false, err
			}
		default:
			if serr := save(); serr != nil {
				return false, serr
			}
			return false, dstErr(err)
		}
	}
	if err := save(); err != nil {
		return false, err
	}
	return true, j.e.store.ClearFailures(ctx, j.m.ID, PhaseTags, slices.Collect(maps.Keys(ids))...)
}
