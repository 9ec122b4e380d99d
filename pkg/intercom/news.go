package intercom

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
)

// NewsService reads and writes news items and reads newsfeeds. Newsfeeds
// cannot be created or changed through the API.
type NewsService service

// News item states.
const (
	NewsDraft = "draft"
	NewsLive  = "live"
)

// NewsfeedAssignment puts a news item on a newsfeed.
type NewsfeedAssignment struct {
	NewsfeedID int64 `json:"newsfeed_id"`
	// PublishedAt is when the item appeared on the feed. On write it may be
	// in the past (importing history), not in the future; Intercom ignores
	// it for drafts.
	PublishedAt int64 `json:"published_at,omitempty"`
}

// NewsItem is a news item.
type NewsItem struct {
	Type        string `json:"type,omitempty"`
	ID          string `json:"id"`
	WorkspaceID string `json:"workspace_id,omitempty"`
	Title       string `json:"title,omitempty"`
	Body        string `json:"body,omitempty"`
	// SenderID must be a teammate of the workspace.
	SenderID            int64                `json:"sender_id,omitempty"`
	State               string               `json:"state,omitempty"`
	NewsfeedAssignments []NewsfeedAssignment `json:"newsfeed_assignments,omitempty"`
	Labels              []string             `json:"labels,omitempty"`
	CoverImageURL       string               `json:"cover_image_url,omitempty"`
	// Reactions are the emoji readers may react with, in order; none means
	// reactions are off.
	Reactions       []string `json:"reactions,omitempty"`
	DeliverSilently bool     `json:"deliver_silently,omitempty"`
	CreatedAt       int64    `json:"created_at,omitempty"`
	UpdatedAt       int64    `json:"updated_at,omitempty"`
}

// Newsfeed is a feed of news items for an audience.
type Newsfeed struct {
	Type      string `json:"type,omitempty"`
	ID        string `json:"id"`
	Name      string `json:"name,omitempty"`
	CreatedAt int64  `json:"created_at,omitempty"`
	UpdatedAt int64  `json:"updated_at,omitempty"`
}

// NewsItemList is one page of news items.
type NewsItemList struct {
	Type       string         `json:"type,omitempty"`
	Data       []*NewsItem    `json:"data"`
	TotalCount int            `json:"total_count"`
	Pages      *NumberedPages `json:"pages,omitempty"`
}

func (l *NewsItemList) numbered() ([]*NewsItem, *NumberedPages) { return l.Data, l.Pages }

// NewsfeedList is one page of newsfeeds.
type NewsfeedList struct {
	Type       string         `json:"type,omitempty"`
	Data       []*Newsfeed    `json:"data"`
	TotalCount int            `json:"total_count"`
	Pages      *NumberedPages `json:"pages,omitempty"`
}

func (l *NewsfeedList) numbered() ([]*Newsfeed, *NumberedPages) { return l.Data, l.Pages }

// NewsItemRequest creates or updates a news item. Title and sender are
// required on create. Labels, Reactions and NewsfeedAssignments are sent
// when not nil: an empty, non-nil Reactions turns reactions off, while nil
// leaves Intercom's default set (on create) or the current one (on update).
type NewsItemRequest struct {
	Title               string               `json:"title,omitempty"`
	Body                *string              `json:"body,omitempty"`
	SenderID            int64                `json:"sender_id,omitempty"`
	State               string               `json:"state,omitempty"`
	DeliverSilently     *bool                `json:"deliver_silently,omitempty"`
	Labels              []string             `json:"labels"`
	Reactions           []string             `json:"reactions"`
	NewsfeedAssignments []NewsfeedAssignment `json:"newsfeed_assignments"`
}

// MarshalJSON leaves nil lists out (null is not a valid list) and keeps
// empty ones.
func (r NewsItemRequest) MarshalJSON() ([]byte, error) {
	type plain NewsItemRequest
	out := struct {
		plain
		Labels              *[]string             `json:"labels,omitempty"`
		Reactions           *[]string             `json:"reactions,omitempty"`
		NewsfeedAssignments *[]NewsfeedAssignment `json:"newsfeed_assignments,omitempty"`
	}{plain: plain(r)}
	if r.Labels != nil {
		out.Labels = &r.Labels
	}
	if r.Reactions != nil {
		out.Reactions = &r.Reactions
	}
	if r.NewsfeedAssignments != nil {
		out.NewsfeedAssignments = &r.NewsfeedAssignments
	}
	return json.Marshal(out)
}

// ListItems reads one page of news items: GET /news/news_items.
func (s *NewsService) ListItems(ctx context.Context, opts *PageNumberOptions) (*NewsItemList, *Response, error) {
	return callNumberedPage(ctx, s.client, "news/news_items", opts, (*NewsItemList).numbered)
}

// AllItems streams every news item, page by page.
func (s *NewsService) AllItems(ctx context.Context, opts *PageNumberOptions) iter.Seq2[*NewsItem, error] {
	return iterateNumbered(ctx, opts, numberedPages(s.ListItems, (*NewsItemList).numbered))
}

// ListLiveItems reads one page of the live news items of a newsfeed:
// GET /news/newsfeeds/{id}/items.
func (s *NewsService) ListLiveItems(ctx context.Context, newsfeedID string, opts *PageNumberOptions) (*NewsItemList, *Response, error) {
	if newsfeedID == "" {
		return nil, nil, errors.New("intercom: empty newsfeed id")
	}
	return callNumberedPage(ctx, s.client, "news/newsfeeds/"+pathSegment(newsfeedID)+"/items", opts, (*NewsItemList).numbered)
}

// GetItem reads one news item: GET /news/news_items/{id}.
func (s *NewsService) GetItem(ctx context.Context, id string) (*NewsItem, *Response, error) {
	if err := checkNumericID("news item", id); err != nil {
		return nil, nil, err
	}
	return s.item(ctx, "GET", "news/news_items/"+pathSegment(id), nil)
}

// CreateItem makes a news item: POST /news/news_items.
func (s *NewsService) CreateItem(ctx context.Context, r *NewsItemRequest) (*NewsItem, *Response, error) {
	if r == nil || r.Title == "" || r.SenderID == 0 {
		return nil, nil, errors.New("intercom: a new news item needs a title and a sender")
	}
	return s.item(ctx, "POST", "news/news_items", r)
}

// UpdateItem changes a news item: PUT /news/news_items/{id}.
func (s *NewsService) UpdateItem(ctx context.Context, id string, r *NewsItemRequest) (*NewsItem, *Response, error) {
	if err := checkNumericID("news item", id); err != nil {
		return nil, nil, err
	}
	if r == nil {
		return nil, nil, errors.New("intercom: nil news item update")
	}
	return s.item(ctx, "PUT", "news/news_items/"+pathSegment(id), r)
}

// DeleteItem deletes a news item: DELETE /news/news_items/{id}.
func (s *NewsService) DeleteItem(ctx context.Context, id string) (*Deletion, *Response, error) {
	if err := checkNumericID("news item", id); err != nil {
		return nil, nil, err
	}
	return deleteAt(ctx, s.client, "news/news_items/"+pathSegment(id), nil)
}

func (s *NewsService) item(ctx context.Context, method, path string, body any) (*NewsItem, *Response, error) {
	return callDecode[NewsItem](ctx, s.client, method, path, nil, body, nil)
}

// ListNewsfeeds reads one page of newsfeeds: GET /news/newsfeeds.
func (s *NewsService) ListNewsfeeds(ctx context.Context, opts *PageNumberOptions) (*NewsfeedList, *Response, error) {
	return callNumberedPage(ctx, s.client, "news/newsfeeds", opts, (*NewsfeedList).numbered)
}

// AllNewsfeeds streams every newsfeed, page by page.
func (s *NewsService) AllNewsfeeds(ctx context.Context) iter.Seq2[*Newsfeed, error] {
	return iterateNumbered(ctx, nil, numberedPages(s.ListNewsfeeds, (*NewsfeedList).numbered))
}

// GetNewsfeed reads one newsfeed: GET /news/newsfeeds/{id}.
func (s *NewsService) GetNewsfeed(ctx context.Context, id string) (*Newsfeed, *Response, error) {
	if id == "" {
		return nil, nil, errors.New("intercom: empty newsfeed id")
	}
	return callDecode[Newsfeed](ctx, s.client, "GET", "news/newsfeeds/"+pathSegment(id), nil, nil, nil)
}
