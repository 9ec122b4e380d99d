package intercom

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
)

// TestWalkStops: the loop both iterators share (cursors and page numbers)
// yields every item in order and stops at the last page, at an empty page,
// at a page's error, at a page that names itself or an earlier page as the
// next, and when the consumer breaks.
func TestWalkStops(t *testing.T) {
	boom := errors.New("boom")
	// pages[i] is the page at position i+1: its items and the next position.
	type page struct {
		items []string
		next  int
		err   error
	}
	for _, tc := range []struct {
		name    string
		pages   []page
		breakAt string // the consumer stops after this item
		want    string // items yielded, then "!" and the error's text
	}{
		{"to the last page", []page{{[]string{"a", "b"}, 2, nil}, {[]string{"c"}, 0, nil}}, "", "a,b,c"},
		{"an empty page ends it", []page{{[]string{"a"}, 2, nil}, {nil, 3, nil}, {[]string{"x"}, 0, nil}}, "", "a"},
		{"a page's error", []page{{[]string{"a"}, 2, nil}, {nil, 0, boom}}, "", "a,!boom"},
		{"the first page's error", []page{{nil, 0, boom}}, "", "!boom"},
		{"a page naming itself", []page{{[]string{"a"}, 1, nil}}, "", "a,!stuck"},
		{"a page naming an earlier one", []page{{[]string{"a"}, 2, nil}, {[]string{"b"}, 1, nil}}, "", "a,b,!stuck"},
		{"the consumer breaks", []page{{[]string{"a", "b"}, 2, nil}, {[]string{"c"}, 0, nil}}, "b", "a,b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reads := 0
			var got []string
			walk(func(it string, err error) bool {
				if err != nil {
					got = append(got, "!"+err.Error())
					return true
				}
				got = append(got, it)
				return it != tc.breakAt
			}, 1, func(at int) ([]string, int, error) {
				reads++
				p := tc.pages[at-1]
				return p.items, p.next, p.err
			}, func(at, next int) error {
				if next <= at {
					return errors.New("stuck")
				}
				return nil
			})
			if s := strings.Join(got, ","); s != tc.want {
				t.Errorf("yielded %s, want %s", s, tc.want)
			}
			if tc.breakAt != "" && reads != 1 {
				t.Errorf("%d pages read after the consumer broke on the first", reads)
			}
		})
	}
}

// TestNumberedWalkErrors: a numbered walk yields a page's error, and a page
// asked with options out of range is refused before anything is sent.
func TestNumberedWalkErrors(t *testing.T) {
	ctx := context.Background()
	boom := errors.New("boom")
	var asked []PageNumberOptions
	seq := iterateNumbered(ctx, &PageNumberOptions{Page: 2}, func(ctx context.Context, o PageNumberOptions) ([]int, *NumberedPages, error) {
		asked = append(asked, o)
		return nil, nil, boom
	})
	for _, err := range seq {
		if !errors.Is(err, boom) {
			t.Errorf("err %v", err)
		}
	}
	if len(asked) != 1 || asked[0] != (PageNumberOptions{Page: 2, PerPage: numberedPerPage}) {
		t.Errorf("asked %+v", asked)
	}

	c, f := newFake(t, reply(200, `{}`))
	var out struct{ Data []*Article }
	if _, err := getNumberedPage(ctx, c, "articles", &PageNumberOptions{Page: -1}, nil, &out, func() []*Article { return out.Data }); err == nil {
		t.Error("a negative page was asked")
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	// Parameters of the route go with the page's.
	if _, err := getNumberedPage(ctx, c, "articles", &PageNumberOptions{Page: 2}, url.Values{"state": {"published"}}, &out, func() []*Article { return out.Data }); err != nil {
		t.Fatal(err)
	}
	if q := f.last(t).Query; q.Get("page") != "2" || q.Get("state") != "published" {
		t.Errorf("query %v", q)
	}
}
