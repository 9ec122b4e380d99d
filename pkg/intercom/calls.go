package intercom

import (
	"context"
	"net/url"
)

// The shapes of answer that many services read the same way. Each service
// keeps its own typed, go-github-shaped methods; these only spare them
// writing the decoding, the null checks and the cursor bookkeeping again.

// callDecode makes one call and decodes its answer into a new T. check, when
// not nil, vets the decoded answer (a null in one of its arrays) before it is
// handed out: on any error the caller gets no value, only the Response.
func callDecode[T any](ctx context.Context, c *Client, method, path string, q url.Values, body any, check func(*Response, *T) error) (*T, *Response, error) {
	var v T
	resp, err := c.call(ctx, method, path, q, body, &v)
	if err == nil && check != nil {
		err = check(resp, &v)
	}
	if err != nil {
		return nil, resp, err
	}
	return &v, resp, nil
}

// callItems reads a list that Intercom answers whole, not paged: an
// object (L) holding the items, which items picks out.
func callItems[L, T any](ctx context.Context, c *Client, path string, q url.Values, items func(*L) []*T) ([]*T, *Response, error) {
	l, resp, err := callDecode(ctx, c, "GET", path, q, nil, func(resp *Response, l *L) error {
		return noNullItems(resp, items(l))
	})
	if err != nil {
		return nil, resp, err
	}
	return items(l), resp, nil
}

// dataList is a whole list as most routes answer it: {"data": [...]}.
type dataList[T any] struct {
	Data []*T `json:"data"`
}

// callData reads a list that Intercom answers whole, not paged, as
// {"data": [...]}.
func callData[T any](ctx context.Context, c *Client, path string, q url.Values) ([]*T, *Response, error) {
	return callItems(ctx, c, path, q, func(l *dataList[T]) []*T { return l.Data })
}

// cursorSplit picks a cursor-paged list's items and pages object out of one
// of its pages (each list names its items differently: data, conversations,
// tickets...).
type cursorSplit[L, T any] func(*L) ([]*T, *cursorPages)

// callCursorPage reads one page of a cursor-paged list (a GET with the
// cursor in the query, or a search with it in the body) and sets
// Response.NextCursor from the page's pages object, which is how callers
// and iterate find the next page.
func callCursorPage[L, T any](ctx context.Context, c *Client, method, path string, q url.Values, body any, split cursorSplit[L, T]) (*L, *Response, error) {
	return callDecode(ctx, c, method, path, q, body, func(resp *Response, l *L) error {
		items, pages := split(l)
		if err := noNullItems(resp, items); err != nil {
			return err
		}
		resp.NextCursor = pages.nextCursor()
		return nil
	})
}

// listPages turns a method reading one page of a cursor-paged list into the
// pageFunc iterate walks.
func listPages[L, T any](list func(context.Context, *ListOptions) (*L, *Response, error), split cursorSplit[L, T]) pageFunc[*T] {
	return func(ctx context.Context, o ListOptions) ([]*T, *Response, error) {
		l, resp, err := list(ctx, &o)
		if err != nil {
			return nil, resp, err
		}
		items, _ := split(l)
		return items, resp, nil
	}
}

// searchPages is listPages for a search, every page asking the same query.
func searchPages[L, T any](search func(context.Context, Filter, *ListOptions) (*L, *Response, error), q Filter, split cursorSplit[L, T]) pageFunc[*T] {
	return listPages(func(ctx context.Context, o *ListOptions) (*L, *Response, error) {
		return search(ctx, q, o)
	}, split)
}
