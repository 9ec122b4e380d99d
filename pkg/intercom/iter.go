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
		walk(yield, o.StartingAfter, func(cursor string) ([]T, string, error) {
			o.StartingAfter = cursor
			items, resp, err := page(ctx, o)
			if err != nil || resp == nil {
				return items, "", err
			}
			return items, resp.NextCursor, nil
		}, func(at, next string) error {
			if next == at {
				return errors.New("intercom: a page named its own cursor as the next one; stopping")
			}
			return nil
		})
	}
}

// walk yields the items of a paged list, page after page from the page at
// (a cursor, a page number), holding one page in memory at a time. read
// reads the page at a position and names the next one, the zero P after the
// last page. walk stops at the first error, which it yields with a zero item,
// after the last page or an empty one, and when the consumer breaks. It also
// stops, with stuck's error, at a page whose next position does not move on:
// a server that names the page it just served (or an earlier one) as the
// next would keep the loop going forever.
func walk[T any, P comparable](yield func(T, error) bool, at P, read func(at P) ([]T, P, error), stuck func(at, next P) error) {
	var zero T
	var none P
	for {
		items, next, err := read(at)
		if err != nil {
			yield(zero, err)
			return
		}
		for _, it := range items {
			if !yield(it, nil) {
				return
			}
		}
		if next == none || len(items) == 0 {
			return
		}
		if err := stuck(at, next); err != nil {
			yield(zero, err)
			return
		}
		at = next
	}
}
