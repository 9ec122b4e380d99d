package verify

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// What the comparisons of the later entities share.

// matchedByName reports how many named things of the source (names maps
// each name to its definition) the destination has (informational: teams,
// newsfeeds, subscription types, which the API cannot create; what the
// destination alone holds is not a migration's doing).
func matchedByName(o Options, entity string, names func(*intercom.Client) (map[string]string, error)) (Result, error) {
	r, err := comparedByName(o, entity, names)
	if err != nil {
		return r, err
	}
	r.Extra, r.Informational = 0, true
	return r, nil
}

// comparedByName compares the named things (names maps each name to its
// definition) of the two sides with byName; an error names the side and the
// entity (its underscores as spaces).
func comparedByName(o Options, entity string, names func(*intercom.Client) (map[string]string, error)) (Result, error) {
	what := strings.ReplaceAll(entity, "_", " ")
	s, err := names(o.Source)
	if err != nil {
		return Result{}, fmt.Errorf("source %s: %w", what, err)
	}
	d, err := names(o.Dest)
	if err != nil {
		return Result{}, fmt.Errorf("destination %s: %w", what, err)
	}
	return byName(entity, s, d), nil
}

// customAttributes names a model's live custom attributes, each defined by
// its data type and list options.
func customAttributes(ctx context.Context, model string) func(*intercom.Client) (map[string]string, error) {
	return func(c *intercom.Client) (map[string]string, error) {
		as, _, err := c.DataAttributes.List(ctx, &intercom.DataAttributeListOptions{Model: model})
		if err != nil {
			return nil, err
		}
		out := map[string]string{}
		for _, a := range as {
			if a.Custom && !a.Archived {
				out[a.Name] = a.DataType + "|" + strings.Join(a.Options, ",")
			}
		}
		return out, nil
	}
}

// destContactIDs returns the destination ids of source contacts ("" for a
// contact that did not migrate).
func destContactIDs(ctx context.Context, o Options, cs []*intercom.Contact) ([]string, error) {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	return o.Store.MapGet(ctx, o.Migration, migrate.PhaseContacts, ids)
}

// verifyConcurrency is how many contacts of a page are projected at once.
const verifyConcurrency = 8

// atOnce runs f for 0..n-1, verifyConcurrency at a time, and returns each
// one's error.
func atOnce(n int, f func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, verifyConcurrency)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			errs[i] = f(i)
		}()
	}
	wg.Wait()
	return errs
}

// addContact counts one contact's records (want the source's, have its
// copy's) and names the contact when they differ.
func (r *Result) addContact(srcID, dstID string, want, have []string, ordered bool) {
	m, missing, extra, different := compareRecords(want, have, ordered)
	r.Matched += m
	r.Missing += missing
	r.Extra += extra
	r.Different += different
	if missing+extra+different > 0 {
		if missing > 0 && len(r.MissingIDs) < maxListed {
			r.MissingIDs = append(r.MissingIDs, srcID)
		}
		if len(r.Diffs) < maxListed {
			r.Diffs = append(r.Diffs, Diff{SourceID: srcID, DestID: dstID, Fields: diffRecords(want, have)})
		}
	}
}

// merge adds the counts and lists of another comparison of the same
// entity (the lists bounded by the caller).
func (r *Result) merge(o Result) {
	r.Source += o.Source
	r.Destination += o.Destination
	r.Matched += o.Matched
	r.Missing += o.Missing
	r.Extra += o.Extra
	r.Different += o.Different
	r.Diffs = append(r.Diffs, o.Diffs...)
	r.MissingIDs = append(r.MissingIDs, o.MissingIDs...)
}
