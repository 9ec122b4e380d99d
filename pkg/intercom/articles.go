package intercom

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"net/url"
	"strconv"
)

// ArticlesService reads and writes help center articles. An article has a
// default locale, whose content is the article's top-level fields, and
// translations by locale in TranslatedContent; each locale has its own
// title, description, body, author and state. Article tags are read-only
// through the API.
type ArticlesService service

// Article states.
const (
	ArticlePublished = "published"
	ArticleDraft     = "draft"
)

// ArticleContent is an article's content in one locale.
type ArticleContent struct {
	Type        string `json:"type,omitempty"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	Body        string `json:"body,omitempty"`
	// AuthorID must be a teammate of the workspace.
	AuthorID  int64  `json:"author_id,omitempty"`
	State     string `json:"state,omitempty"`
	CreatedAt int64  `json:"created_at,omitempty"`
	UpdatedAt int64  `json:"updated_at,omitempty"`
	URL       string `json:"url,omitempty"`
}

// ArticleTranslations is an article's content by locale. Intercom's object
// also carries "type": "article_translated_content", which is dropped on
// decoding and not sent.
type ArticleTranslations map[string]*ArticleContent

// UnmarshalJSON reads the locales, skipping "type" and null entries.
func (t *ArticleTranslations) UnmarshalJSON(b []byte) error {
	m, err := decodeTranslations[ArticleContent](b)
	*t = m
	return err
}

// Article is a help center article. The top-level content is the default
// locale's.
type Article struct {
	Type        string `json:"type,omitempty"`
	ID          string `json:"id"`
	WorkspaceID string `json:"workspace_id,omitempty"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	Body        string `json:"body,omitempty"`
	AuthorID    int64  `json:"author_id,omitempty"`
	State       string `json:"state,omitempty"`
	CreatedAt   int64  `json:"created_at,omitempty"`
	UpdatedAt   int64  `json:"updated_at,omitempty"`
	URL         string `json:"url,omitempty"`
	// ParentID is the collection the article is in, 0 for a standalone
	// article; ParentIDs are its ancestors.
	ParentID      int64               `json:"parent_id,omitempty"`
	ParentIDs     []int64             `json:"parent_ids,omitempty"`
	ParentType    string              `json:"parent_type,omitempty"`
	DefaultLocale string              `json:"default_locale,omitempty"`
	Translations  ArticleTranslations `json:"translated_content,omitempty"`
	Tags          *ArticleTags        `json:"tags,omitempty"`
	Statistics    *ArticleStatistics  `json:"statistics,omitempty"`
}

// ArticleTags are the tags of an article (read-only through the API).
type ArticleTags struct {
	Type string `json:"type,omitempty"`
	Tags []*Tag `json:"tags"`
}

// ArticleStatistics are an article's views and reactions (read-only).
type ArticleStatistics struct {
	Type                      string  `json:"type,omitempty"`
	Views                     int     `json:"views"`
	Conversions               int     `json:"conversions"`
	Reactions                 int     `json:"reactions"`
	HappyReactionPercentage   float64 `json:"happy_reaction_percentage"`
	NeutralReactionPercentage float64 `json:"neutral_reaction_percentage"`
	SadReactionPercentage     float64 `json:"sad_reaction_percentage"`
}

// ArticleList is one page of articles.
type ArticleList struct {
	Type       string         `json:"type,omitempty"`
	Data       []*Article     `json:"data"`
	TotalCount int            `json:"total_count"`
	Pages      *NumberedPages `json:"pages,omitempty"`
}

func (l *ArticleList) numbered() ([]*Article, *NumberedPages) { return l.Data, l.Pages }

// ArticleRequest creates or updates an article. Fields left empty or nil
// are not sent (on update: not changed). The top-level content is the
// default locale's; Translations adds or replaces locales (a locale left
// out of an update is kept).
type ArticleRequest struct {
	Title       string  `json:"title,omitempty"`
	Description *string `json:"description,omitempty"`
	Body        *string `json:"body,omitempty"`
	// AuthorID is required on create, in the top level or in the default
	// locale's translation.
	AuthorID int64 `json:"author_id,omitempty"`
	// State is "published" or "draft" (Intercom's default on create). An
	// update without a state keeps it.
	State string `json:"state,omitempty"`
	// ParentID is the collection; "" on create is a standalone article.
	ParentID     string              `json:"-"`
	ParentType   string              `json:"parent_type,omitempty"`
	Translations ArticleTranslations `json:"translated_content,omitempty"`
}

// articleBody is an ArticleRequest as sent: the 2.14 description types
// parent_id as an integer on create and as a string on update.
type articleBody struct {
	*ArticleRequest
	ParentID any `json:"parent_id,omitempty"`
}

func (r *ArticleRequest) body(create bool) (*articleBody, error) {
	b := &articleBody{ArticleRequest: r}
	if r.ParentID == "" {
		return b, nil
	}
	if err := checkNumericID("collection", r.ParentID); err != nil {
		return nil, err
	}
	if create {
		b.ParentID = json.Number(r.ParentID)
	} else {
		b.ParentID = r.ParentID
	}
	return b, nil
}

// List reads one page of articles, most recently updated first: GET /articles.
func (s *ArticlesService) List(ctx context.Context, opts *PageNumberOptions) (*ArticleList, *Response, error) {
	return callNumberedPage(ctx, s.client, "articles", opts, (*ArticleList).numbered)
}

// All streams every article, page by page.
func (s *ArticlesService) All(ctx context.Context, opts *PageNumberOptions) iter.Seq2[*Article, error] {
	return iterateNumbered(ctx, opts, numberedPages(s.List, (*ArticleList).numbered))
}

// ArticleSearchOptions narrow an article search.
type ArticleSearchOptions struct {
	Phrase string
	// State is "published", "draft" or "all".
	State        string
	HelpCenterID int64
}

// Search finds articles: GET /articles/search. Intercom's search is an
// index, updated shortly after a write: an article created moments ago may
// be missing.
func (s *ArticlesService) Search(ctx context.Context, opts ArticleSearchOptions) ([]*Article, *Response, error) {
	q := url.Values{}
	if opts.Phrase != "" {
		q.Set("phrase", opts.Phrase)
	}
	if opts.State != "" {
		q.Set("state", opts.State)
	}
	if opts.HelpCenterID != 0 {
		q.Set("help_center_id", strconv.FormatInt(opts.HelpCenterID, 10))
	}
	var out struct {
		Data struct {
			Articles []*Article `json:"articles"`
		} `json:"data"`
	}
	resp, err := s.client.call(ctx, "GET", "articles/search", q, nil, &out)
	if err == nil {
		err = noNullItems(resp, out.Data.Articles)
	}
	if err != nil {
		return nil, resp, err
	}
	return out.Data.Articles, resp, nil
}

// Get reads one article: GET /articles/{id}.
func (s *ArticlesService) Get(ctx context.Context, id string) (*Article, *Response, error) {
	if err := checkNumericID("article", id); err != nil {
		return nil, nil, err
	}
	return s.one(ctx, "GET", "articles/"+pathSegment(id), nil)
}

// Create makes an article: POST /articles.
func (s *ArticlesService) Create(ctx context.Context, r *ArticleRequest) (*Article, *Response, error) {
	if r == nil || r.Title == "" {
		return nil, nil, errors.New("intercom: a new article needs a title")
	}
	b, err := r.body(true)
	if err != nil {
		return nil, nil, err
	}
	return s.one(ctx, "POST", "articles", b)
}

// Update changes an article: PUT /articles/{id}.
func (s *ArticlesService) Update(ctx context.Context, id string, r *ArticleRequest) (*Article, *Response, error) {
	if err := checkNumericID("article", id); err != nil {
		return nil, nil, err
	}
	if r == nil {
		return nil, nil, errors.New("intercom: nil article update")
	}
	b, err := r.body(false)
	if err != nil {
		return nil, nil, err
	}
	return s.one(ctx, "PUT", "articles/"+pathSegment(id), b)
}

// Delete deletes an article: DELETE /articles/{id}.
func (s *ArticlesService) Delete(ctx context.Context, id string) (*Deletion, *Response, error) {
	if err := checkNumericID("article", id); err != nil {
		return nil, nil, err
	}
	return deleteAt(ctx, s.client, "articles/"+pathSegment(id), nil)
}

func (s *ArticlesService) one(ctx context.Context, method, path string, body any) (*Article, *Response, error) {
	return callDecode[Article](ctx, s.client, method, path, nil, body, nil)
}

// InternalArticlesService reads and writes internal articles (knowledge for
// teammates, outside the help centers).
type InternalArticlesService service

// InternalArticle is an internal article.
type InternalArticle struct {
	Type      string `json:"type,omitempty"`
	ID        string `json:"id"`
	Title     string `json:"title,omitempty"`
	Body      string `json:"body,omitempty"`
	OwnerID   int64  `json:"owner_id,omitempty"`
	AuthorID  int64  `json:"author_id,omitempty"`
	CreatedAt int64  `json:"created_at,omitempty"`
	UpdatedAt int64  `json:"updated_at,omitempty"`
	Locale    string `json:"locale,omitempty"`
}

// InternalArticleList is one page of internal articles.
type InternalArticleList struct {
	Type       string             `json:"type,omitempty"`
	Data       []*InternalArticle `json:"data"`
	TotalCount int                `json:"total_count"`
	Pages      *NumberedPages     `json:"pages,omitempty"`
}

func (l *InternalArticleList) numbered() ([]*InternalArticle, *NumberedPages) { return l.Data, l.Pages }

// InternalArticleRequest creates or updates an internal article. Fields
// left empty or nil are not sent.
type InternalArticleRequest struct {
	Title    string  `json:"title,omitempty"`
	Body     *string `json:"body,omitempty"`
	AuthorID int64   `json:"author_id,omitempty"`
	OwnerID  int64   `json:"owner_id,omitempty"`
	// Locale is the article's language ("en" by default). The 2.14
	// description leaves it out of the request schema but shows it in its
	// example, and Intercom accepts it.
	Locale string `json:"locale,omitempty"`
}

// List reads one page of internal articles: GET /internal_articles.
func (s *InternalArticlesService) List(ctx context.Context, opts *PageNumberOptions) (*InternalArticleList, *Response, error) {
	return callNumberedPage(ctx, s.client, "internal_articles", opts, (*InternalArticleList).numbered)
}

// All streams every internal article, page by page.
func (s *InternalArticlesService) All(ctx context.Context, opts *PageNumberOptions) iter.Seq2[*InternalArticle, error] {
	return iterateNumbered(ctx, opts, numberedPages(s.List, (*InternalArticleList).numbered))
}

// Get reads one internal article: GET /internal_articles/{id}.
func (s *InternalArticlesService) Get(ctx context.Context, id string) (*InternalArticle, *Response, error) {
	if err := checkNumericID("internal article", id); err != nil {
		return nil, nil, err
	}
	return s.one(ctx, "GET", "internal_articles/"+pathSegment(id), nil)
}

// Create makes an internal article: POST /internal_articles. Title, author
// and owner are required.
func (s *InternalArticlesService) Create(ctx context.Context, r *InternalArticleRequest) (*InternalArticle, *Response, error) {
	if r == nil || r.Title == "" || r.AuthorID == 0 || r.OwnerID == 0 {
		return nil, nil, errors.New("intercom: a new internal article needs a title, an author and an owner")
	}
	return s.one(ctx, "POST", "internal_articles", r)
}

// Update changes an internal article: PUT /internal_articles/{id}.
func (s *InternalArticlesService) Update(ctx context.Context, id string, r *InternalArticleRequest) (*InternalArticle, *Response, error) {
	if err := checkNumericID("internal article", id); err != nil {
		return nil, nil, err
	}
	if r == nil {
		return nil, nil, errors.New("intercom: nil internal article update")
	}
	return s.one(ctx, "PUT", "internal_articles/"+pathSegment(id), r)
}

// Delete deletes an internal article: DELETE /internal_articles/{id}.
func (s *InternalArticlesService) Delete(ctx context.Context, id string) (*Deletion, *Response, error) {
	if err := checkNumericID("internal article", id); err != nil {
		return nil, nil, err
	}
	return deleteAt(ctx, s.client, "internal_articles/"+pathSegment(id), nil)
}

func (s *InternalArticlesService) one(ctx context.Context, method, path string, body any) (*InternalArticle, *Response, error) {
	return callDecode[InternalArticle](ctx, s.client, method, path, nil, body, nil)
}
