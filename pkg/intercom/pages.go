package intercom

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"strconv"
)

// Lists paged by page number. Help center collections, articles, internal
// articles, news items, newsfeeds and custom object instances are not paged
// with cursors like contacts: a request names a page (from 1) and a page
// size, and the answer's pages object says which page it is and how many
// there are. The 2.14 description declares neither parameter on most of
// these routes, but Intercom honours both (its official clients send them).

// PageNumberOptions pages a list that Intercom pages by number.
type PageNumberOptions struct {
	// Page is the page to read, from 1; 0 means the first.
	Page int
	// PerPage is at most MaxPerPage; 0 means Intercom's default for the
	// list (which varies: 10 for news, 20 for collections, 25 for
	// articles...).
	PerPage int
}

func (o *PageNumberOptions) validate() error {
	if o == nil {
		return nil
	}
	if o.Page < 0 {
		return fmt.Errorf("intercom: page %d is negative", o.Page)
	}
	if o.PerPage < 0 || o.PerPage > MaxPerPage {
		return fmt.Errorf("intercom: per_page %d out of range 1..%d", o.PerPage, MaxPerPage)
	}
	return nil
}

func (o *PageNumberOptions) query() url.Values {
	v := url.Values{}
	if o == nil {
		return v
	}
	if o.Page > 0 {
		v.Set("page", strconv.Itoa(o.Page))
	}
	if o.PerPage > 0 {
		v.Set("per_page", strconv.Itoa(o.PerPage))
	}
	return v
}

// NumberedPages is the pages object of a list paged by number.
type NumberedPages struct {
	Type       string `json:"type,omitempty"`
	Page       int    `json:"page,omitempty"`
	PerPage    int    `json:"per_page,omitempty"`
	TotalPages int    `json:"total_pages,omitempty"`
	// Next is a link to the next page (a URL) on some lists and a cursor
	// object on others, depending on the route and the API version; page
	// numbers decide here, so it is kept raw.
	Next json.RawMessage `json:"next,omitempty"`
}

// NextPage is the number of the page after this one, or 0 on the last page.
func (p *NumberedPages) NextPage() int {
	if p == nil || p.Page < 1 || p.Page >= p.TotalPages {
		return 0
	}
	return p.Page + 1
}

// numberedPageFunc reads one page: its items and its pages object.
type numberedPageFunc[T any] func(ctx context.Context, opts PageNumberOptions) ([]T, *NumberedPages, error)

// numberedPerPage is the page size the iterators ask for: large
// enough to make walks cheap, small enough for every route's limit.
const numberedPerPage = 50

// iterateNumbered streams every item of a list paged by number, one page in
// memory at a time. It stops at the first error (yielded with a zero item),
// at the last page, at an empty page, and when the consumer breaks.
func iterateNumbered[T any](ctx context.Context, opts *PageNumberOptions, page numberedPageFunc[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var o PageNumberOptions
		if opts != nil {
			o = *opts
		}
		if o.Page == 0 {
			o.Page = 1
		}
		if o.PerPage == 0 {
			o.PerPage = numberedPerPage
		}
		walk(yield, o.Page, func(n int) ([]T, int, error) {
			o.Page = n
			items, pages, err := page(ctx, o)
			if err != nil {
				return nil, 0, err
			}
			return items, pages.NextPage(), nil
		}, func(at, next int) error {
			if next <= at {
				return errors.New("intercom: a page named an earlier page as the next one; stopping")
			}
			return nil
		})
	}
}

// getNumberedPage reads one page of a list paged by number into out, whose items
// are checked for nulls by items.
func getNumberedPage[T any](ctx context.Context, c *Client, path string, opts *PageNumberOptions, extra url.Values, out any, items func() []*T) (*Response, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	q := opts.query()
	for k, vs := range extra {
		q[k] = vs
	}
	resp, err := c.call(ctx, "GET", path, q, nil, out)
	if err == nil {
		err = noNullItems(resp, items())
	}
	return resp, err
}

// numberedSplit picks a number-paged list's items and pages object out of
// one of its pages.
type numberedSplit[L, T any] func(*L) ([]*T, *NumberedPages)

// callNumberedPage reads one page of the list paged by number at path.
func callNumberedPage[L, T any](ctx context.Context, c *Client, path string, opts *PageNumberOptions, split numberedSplit[L, T]) (*L, *Response, error) {
	var l L
	resp, err := getNumberedPage(ctx, c, path, opts, nil, &l, func() []*T {
		items, _ := split(&l)
		return items
	})
	if err != nil {
		return nil, resp, err
	}
	return &l, resp, nil
}

// numberedPages turns a method reading one page of a list paged by number
// into the page function iterateNumbered walks.
func numberedPages[L, T any](list func(context.Context, *PageNumberOptions) (*L, *Response, error), split numberedSplit[L, T]) numberedPageFunc[*T] {
	return func(ctx context.Context, o PageNumberOptions) ([]*T, *NumberedPages, error) {
		l, _, err := list(ctx, &o)
		if err != nil {
			return nil, nil, err
		}
		items, pages := split(l)
		return items, pages, nil
	}
}

// checkNumericID checks that an id Intercom types as an integer in paths and
// bodies (articles, collections, news items) is one, so that a malformed id
// fails here rather than as Intercom's 400 or 404.
func checkNumericID(kind, id string) error {
	if id == "" {
		return fmt.Errorf("intercom: empty %s id", kind)
	}
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		return fmt.Errorf("intercom: %s id %q is not a number", kind, id)
	}
	return nil
}
