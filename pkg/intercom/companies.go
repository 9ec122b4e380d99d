package intercom

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
)

// CompaniesService creates, reads and lists companies, and attaches
// contacts to them.
//
// Two ids name a company: Intercom's id (ID, in paths and in references from
// contacts and tags) and the company_id the workspace's owner gave it
// (CompanyID, the natural key: POST /companies creates or updates by it, so
// writing the same company twice is harmless).
//
// Three ways to list companies, of which Walk is the one to use for all of
// them: Scroll (one page of the scroll API, which Walk drives), List (POST
// /companies/list, paged by number, which leaves out companies without
// contacts, stops at 10,000 companies and is sorted by last_request_at, so
// that it shifts while it is read), and FindByCompanyID for one company.
type CompaniesService service

// Company is a company as Intercom returns it. Timestamps are Unix seconds,
// 0 when unset; custom attribute numbers decode as json.Number.
type Company struct {
	Type            string       `json:"type,omitempty"`
	ID              string       `json:"id"`
	CompanyID       string       `json:"company_id,omitempty"`
	AppID           string       `json:"app_id,omitempty"`
	Name            string       `json:"name,omitempty"`
	Plan            *CompanyPlan `json:"plan,omitempty"`
	RemoteCreatedAt int64        `json:"remote_created_at,omitempty"`
	CreatedAt       int64        `json:"created_at,omitempty"`
	UpdatedAt       int64        `json:"updated_at,omitempty"`
	LastRequestAt   int64        `json:"last_request_at,omitempty"`
	Size            int64        `json:"size,omitempty"`
	Website         string       `json:"website,omitempty"`
	Industry        string       `json:"industry,omitempty"`
	// MonthlySpend is a whole number at Intercom (it truncates what it is
	// given); it is decoded as a float so that an answer with a fraction
	// does not fail the whole page.
	MonthlySpend     float64        `json:"monthly_spend,omitempty"`
	SessionCount     int64          `json:"session_count,omitempty"`
	UserCount        int64          `json:"user_count,omitempty"`
	CustomAttributes map[string]any `json:"custom_attributes,omitempty"`
	Tags             *CompanyTags   `json:"tags,omitempty"`
}

// PlanName is the name of the company's plan, or "".
func (c *Company) PlanName() string {
	if c == nil || c.Plan == nil {
		return ""
	}
	return c.Plan.Name
}

// TagIDs are the ids of the company's tags.
func (c *Company) TagIDs() []string {
	if c == nil || c.Tags == nil {
		return nil
	}
	ids := make([]string, 0, len(c.Tags.Tags))
	for _, t := range c.Tags.Tags {
		if t != nil {
			ids = append(ids, t.ID)
		}
	}
	return ids
}

// CompanyPlan is a company's plan; Intercom answers {} for a company
// without one.
type CompanyPlan struct {
	Type string `json:"type,omitempty"`
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// CompanyTags are all the tags of a company (not cut, unlike a contact's).
type CompanyTags struct {
	Type string `json:"type,omitempty"`
	Tags []*Tag `json:"tags"`
}

// ContactCompanies is the first companies of a contact (Intercom embeds up
// to 10); HasMore says CompaniesService.ListAttached must be asked for the
// rest.
type ContactCompanies struct {
	Data       []Reference `json:"data"`
	URL        string      `json:"url,omitempty"`
	TotalCount int         `json:"total_count"`
	HasMore    bool        `json:"has_more"`
}

// CompanyRequest creates or updates a company: POST /companies. Fields left
// empty are not sent (on update: not changed).
type CompanyRequest struct {
	// CompanyID is required: it decides between creating and updating, and
	// cannot be changed afterwards.
	CompanyID string `json:"company_id"`
	Name      string `json:"name,omitempty"`
	// Plan is the plan's name.
	Plan            string `json:"plan,omitempty"`
	Size            *int64 `json:"size,omitempty"`
	Website         string `json:"website,omitempty"`
	Industry        string `json:"industry,omitempty"`
	MonthlySpend    *int64 `json:"monthly_spend,omitempty"`
	RemoteCreatedAt *int64 `json:"remote_created_at,omitempty"`
	// CustomAttributes are set as given (values of the attributes' types);
	// a nil value clears one.
	CustomAttributes map[string]any `json:"custom_attributes,omitempty"`
}

// WholeSpend is a monthly spend as Intercom stores it: truncated to a whole
// number, within 0..2^31-1.
func WholeSpend(v float64) int64 {
	return int64(math.Max(0, math.Min(math.Trunc(v), math.MaxInt32)))
}

// CreateOrUpdate creates the company with r.CompanyID, or updates it when
// it exists: POST /companies. It is idempotent.
func (s *CompaniesService) CreateOrUpdate(ctx context.Context, r *CompanyRequest) (*Company, *Response, error) {
	if r == nil || r.CompanyID == "" {
		return nil, nil, errors.New("intercom: a company needs a company_id (Intercom creates or updates by it)")
	}
	return s.one(ctx, "POST", "companies", nil, r)
}

// Get reads a company by Intercom's id: GET /companies/{id}.
func (s *CompaniesService) Get(ctx context.Context, id string) (*Company, *Response, error) {
	if id == "" {
		return nil, nil, errors.New("intercom: empty company id")
	}
	return s.one(ctx, "GET", "companies/"+pathSegment(id), nil, nil)
}

// FindByCompanyID reads the company with that company_id:
// GET /companies?company_id=. A company that does not exist is a
// *NotFoundError. (The 2.14 description answers a list; older versions of
// the API answer the company itself: both are understood.)
func (s *CompaniesService) FindByCompanyID(ctx context.Context, companyID string) (*Company, *Response, error) {
	if companyID == "" {
		return nil, nil, errors.New("intercom: empty company_id")
	}
	var out struct {
		Company
		Data []*Company `json:"data"`
	}
	resp, err := s.client.call(ctx, "GET", "companies", url.Values{"company_id": {companyID}}, nil, &out)
	if err == nil {
		err = noNullItems(resp, out.Data)
	}
	if err != nil {
		return nil, resp, err
	}
	if out.Type == "company" {
		c := out.Company
		return &c, resp, nil
	}
	for _, c := range out.Data {
		if c.CompanyID == companyID {
			return c, resp, nil
		}
	}
	return nil, resp, &NotFoundError{&ErrorResponse{Method: "GET", Path: "/companies", StatusCode: http.StatusNotFound,
		Errors: []ErrorDetail{{Code: "company_not_found", Message: "no company with that company_id in the answer"}}}}
}

// CompanyList is one page of POST /companies/list.
type CompanyList struct {
	Type       string         `json:"type,omitempty"`
	Data       []*Company     `json:"data"`
	TotalCount int            `json:"total_count"`
	Pages      *NumberedPages `json:"pages,omitempty"`
}

// List reads one page of POST /companies/list, most recently active first.
// Intercom leaves out companies without contacts and serves at most 10,000
// companies this way; the order moves as companies are active. Walk reads
// every company.
func (s *CompaniesService) List(ctx context.Context, opts *PageNumberOptions) (*CompanyList, *Response, error) {
	if err := opts.validate(); err != nil {
		return nil, nil, err
	}
	return callDecode(ctx, s.client, "POST", "companies/list", opts.query(), nil, func(resp *Response, l *CompanyList) error {
		return noNullItems(resp, l.Data)
	})
}

// AttachContact attaches a contact to a company, both by Intercom's id:
// POST /contacts/{contact_id}/companies. Attaching twice is harmless.
func (s *CompaniesService) AttachContact(ctx context.Context, contactID, companyID string) (*Company, *Response, error) {
	if contactID == "" || companyID == "" {
		return nil, nil, errors.New("intercom: attaching a contact needs a contact id and a company id")
	}
	return s.one(ctx, "POST", "contacts/"+pathSegment(contactID)+"/companies", nil, struct {
		ID string `json:"id"`
	}{companyID})
}

// DetachContact detaches a contact from a company:
// DELETE /contacts/{contact_id}/companies/{company_id}.
func (s *CompaniesService) DetachContact(ctx context.Context, contactID, companyID string) (*Company, *Response, error) {
	if contactID == "" || companyID == "" {
		return nil, nil, errors.New("intercom: detaching a contact needs a contact id and a company id")
	}
	return s.one(ctx, "DELETE", "contacts/"+pathSegment(contactID)+"/companies/"+pathSegment(companyID), nil, nil)
}

// maxAttachedPages bounds ListAttached (Intercom allows 1,000 companies per
// contact: 20 pages of 50).
const maxAttachedPages = 100

// ListAttached returns every company a contact is attached to:
// GET /contacts/{contact_id}/companies, page after page. Needed when
// Contact.Companies.HasMore says the embedded list was cut. (The 2.14
// description names the list "companies"; Intercom answers "data", as the
// description's own example shows: both are read.)
func (s *CompaniesService) ListAttached(ctx context.Context, contactID string) ([]*Company, *Response, error) {
	if contactID == "" {
		return nil, nil, errors.New("intercom: empty contact id")
	}
	var all []*Company
	var resp *Response
	for page := 1; ; page++ {
		var out struct {
			Data      []*Company     `json:"data"`
			Companies []*Company     `json:"companies"`
			Pages     *NumberedPages `json:"pages"`
		}
		var q url.Values
		if page > 1 {
			q = url.Values{"page": {strconv.Itoa(page)}}
		}
		var err error
		resp, err = s.client.call(ctx, "GET", "contacts/"+pathSegment(contactID)+"/companies", q, nil, &out)
		items := out.Data
		if len(items) == 0 {
			items = out.Companies
		}
		if err == nil {
			err = noNullItems(resp, items)
		}
		if err != nil {
			return nil, resp, err
		}
		all = append(all, items...)
		next := out.Pages.NextPage()
		if next == 0 || len(items) == 0 {
			return all, resp, nil
		}
		if next != page+1 || page >= maxAttachedPages {
			return nil, resp, fmt.Errorf("intercom: the companies of contact %s: page %d names page %d as the next one; stopping", contactID, page, next)
		}
	}
}

func (s *CompaniesService) one(ctx context.Context, method, path string, q url.Values, body any) (*Company, *Response, error) {
	return callDecode[Company](ctx, s.client, method, path, q, body, nil)
}

// MaxTagCompaniesPerCall is how many companies one tagging call carries at
// most (Intercom's guidance for bulk tagging).
const MaxTagCompaniesPerCall = 50

type companyRef struct {
	ID string `json:"id"`
}

// TagCompanies applies the tag called name (creating it when missing) to up
// to MaxTagCompaniesPerCall companies, by Intercom's id: POST /tags with
// companies. Tagging a company twice is harmless.
func (s *TagsService) TagCompanies(ctx context.Context, name string, companyIDs []string) (*Tag, *Response, error) {
	if name == "" {
		return nil, nil, errors.New("intercom: empty tag name")
	}
	if len(companyIDs) == 0 || len(companyIDs) > MaxTagCompaniesPerCall {
		return nil, nil, fmt.Errorf("intercom: tagging %d companies in one call (want 1..%d)", len(companyIDs), MaxTagCompaniesPerCall)
	}
	refs := make([]companyRef, len(companyIDs))
	for i, id := range companyIDs {
		if id == "" {
			return nil, nil, fmt.Errorf("intercom: tagging companies: id %d is empty", i)
		}
		refs[i] = companyRef{ID: id}
	}
	return s.post(ctx, struct {
		Name      string       `json:"name"`
		Companies []companyRef `json:"companies"`
	}{name, refs})
}
