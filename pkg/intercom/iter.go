package intercom

import (
	"context"
	"errors"
	"iter"
)

// pageFunc reads one page at the cursor in opts.
type pageFunc[T any] func(ctx context.Context, opts ListOptions) ([]T, *Response, error)

// iterate streams every item of a cursor-paged list, one page in memory at a
// time, MaxPerPage items a page unless opts sets PerPage. It stops at the
// first error, which it yields with a zero item, and when the consumer
// breaks.
func iterate[T any](ctx context.Context, opts *ListOptions, page pageFunc[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var o ListOptions
		if opts != nil {
			o = *opts
		}
		if o.PerPage == 0 {
			o.PerPage = MaxPerPage
		}
		for {
			items, resp, err := page(ctx, o)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if resp == nil || resp.NextCursor == "" || len(items) == 0 {
				return
			}
			if resp.NextCursor == o.StartingAfter {
				// A server that names the page it just served as the next
				// one would keep the loop going forever.
				var zero T
				yield(zero, errors.New("intercom: a page named its own cursor as the next one; stopping"))
				return
			}
			o.StartingAfter = resp.NextCursor
		}
	}
}
