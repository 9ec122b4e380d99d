package migrate

import (
	"context"
	"fmt"

	"github.com/icmigrate/icmigrate/pkg/intercom"
)

func init() { registerPhase(orderContactTags, PhaseContactTags, runContactTags) }

// runContactTags applies tags in bulk once every contact exists: the root
// unit spawns a unit per tag; a tag's unit tags its contacts 50 per call,
// skipping those done already, so a retry or a rerun sends only what is
// missing.
func runContactTags(ctx context.Context, j *job) (bool, error) {
	if j.u.ID == "root" {
		return spawnTagUnits(ctx, j)
	}
	name, err := unitTagName(ctx, j)
	if err != nil {
		return false, err
	}
	err = j.e.store.TagMembers(ctx, j.m.ID, j.u.Key, intercom.MaxTagUsersPerCall, func(ids []string) error {
		_, _, err := j.dst.Tags.TagContacts(ctx, name, ids)
		if err != nil {
			if isRecordError(err) {
				// One bad id fails the whole call: keep the batch as a failure
				// and go on with the next.
				return j.recordFailure(ctx, PhaseContactTags, fmt.Sprintf("%s:%s", j.u.Key, ids[0]), "POST /tags", err)
			}
			return dstErr(err)
		}
		j.count("applied", int64(len(ids)))
		return j.e.store.TagDone(ctx, j.m.ID, j.u.Key, ids)
	})
	return false, err
}

// unitTagName is the name of the tag a tag unit applies (its key is the
// source tag's id).
func unitTagName(ctx context.Context, j *job) (string, error) {
	names, err := j.e.store.MapGet(ctx, j.m.ID, mapTagNames, []string{j.u.Key})
	if err != nil {
		return "", err
	}
	if names[0] == "" {
		return "", fmt.Errorf("tag %s has no recorded name", j.u.Key)
	}
	return names[0], nil
}

func spawnTagUnits(ctx context.Context, j *job) (bool, error) {
	tags, err := j.e.store.MapAll(ctx, j.m.ID, PhaseTags)
	if err != nil {
		return false, err
	}
	ids := make([]string, 0, len(tags))
	for srcID := range tags {
		ids = append(ids, srcID)
	}
	// The total is the number of tag applications, for progress.
	tagged, _, err := j.e.store.TagProgress(ctx, j.m.ID, ids)
	if err != nil {
		return false, err
	}
	if err := j.setTotal(ctx, int(tagged)); err != nil {
		return false, err
	}
	for _, srcID := range ids {
		u := Unit{Migration: j.m.ID, Run: j.m.Run, Phase: PhaseContactTags, ID: "tag:" + srcID, Key: srcID}
		if err := j.e.enqueue(ctx, u); err != nil {
			return false, err
		}
	}
	return true, nil
}
