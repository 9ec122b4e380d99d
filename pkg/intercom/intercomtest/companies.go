package intercomtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Companies, contacts attached to them, and the scroll API.
//
// Modelled rules (Intercom's documentation and the examples of its 2.14
// description):
//   - POST /companies creates or updates by company_id, which is required
//     and cannot change; an unknown top-level field answers 400 bad_request
//     "bad '<field>' parameter" (the description's example). monthly_spend
//     is truncated to a whole number, at most 2^31-1. custom_attributes
//     keys must be non-archived custom attributes of model company, with
//     values of their type (as for contacts); null clears one. The
//     description types these values as strings: a defect corrected when
//     the description is loaded (internal/openapi/defects_companies.go).
//   - GET /companies/scroll: one open scroll per app (a second answers 400
//     scroll_exists); the scroll_param is the same for every page and each
//     call advances the scroll, so a lost answer loses a page; a scroll
//     unused for ScrollIdleTimeout expires (its param answers 404), one that
//     served its empty last page is closed. BreakCompanyScrolls makes the
//     next continuations answer Intercom's 500 "restart the scroll", which
//     ends the scroll. Pages of CompanyScrollPageSize; total_count and pages
//     are null, as in Intercom's example.
//   - POST /companies/list leaves out companies without contacts, sorts by
//     last_request_at (descending unless order=asc), pages by number
//     (per_page default 15, at most 60) and serves no company beyond the
//     10,000th.
//   - GET /companies filters by company_id or name (404 company_not_found
//     when nothing matches), tag_id or segment_id (segments: none), else
//     lists every company, paged by number.
//   - POST /contacts/{id}/companies attaches (idempotent; at most
//     MaxCompaniesPerContact per contact, 400 contact_company_limit_exceeded
//     beyond); GET lists a contact's companies (key "data", as Intercom
//     answers, where the description says "companies"; 50 a page, ?page=);
//     DELETE detaches. A contact's view embeds its first
//     MaxCompaniesShownOnContact companies with has_more.
//   - POST /tags with companies ([{id} or {company_id}], untag: true to
//     remove): see tagCompanies.
//   - user_count is the number of contacts attached.

const (
	// CompanyScrollPageSize is how many companies a page of the scroll holds.
	CompanyScrollPageSize = 50
	// ScrollIdleSeconds is how long an unused scroll stays open.
	ScrollIdleSeconds = 60
	// MaxCompaniesShownOnContact is how many companies a contact's view
	// embeds.
	MaxCompaniesShownOnContact = 10
	// MaxCompaniesPerContact is Intercom's limit of company associations.
	MaxCompaniesPerContact = 1000
	// MaxTagCompaniesPerCall is the most companies POST /tags accepts in
	// one call (as for users).
	MaxTagCompaniesPerCall = 100
	// MaxCompaniesListed is where POST /companies/list stops.
	MaxCompaniesListed = 10000

	// CodeCompanyNotFound and the other codes of Intercom's company routes.
	CodeCompanyNotFound       = "company_not_found"
	CodeScrollExists          = "scroll_exists"
	CodeParameterNotFound     = "parameter_not_found"
	CodeBadRequest            = "bad_request"
	CodeCompanyLimitExceeded  = "contact_company_limit_exceeded"
	MsgCompanyNotFound        = "Company Not Found"
	MsgScrollRestart          = "Request failed due to an internal network error. Please restart the scroll operation."
	defaultCompaniesPerPage   = 15
	maxCompaniesPerPage       = 60
	contactCompaniesPerPage   = 50
	companyMonthlySpendLimit  = math.MaxInt32
	companySaltStream         = "companies"
	contactCompaniesURLSuffix = "/companies"
)

type company struct {
	seq             int64
	id              string
	companyID       string
	name            string
	plan            string // the plan's name, "" for none
	size            int64
	hasSize         bool
	website         string
	industry        string
	spend           int64
	remoteCreatedAt int64
	createdAt       int64
	updatedAt       int64
	lastRequestAt   int64
	sessions        int64
	custom          customList
	tags            tagList
	contacts        []string // attached contact ids, in attachment order
}

type companyScroll struct {
	param    string
	pos      int
	lastUsed int64
}

type companyStore struct {
	list        []*company // creation order
	byID        map[string]*company
	byCompanyID map[string]*company
	byContact   map[string][]*company // a contact's companies, in attachment order
	plans       map[string]string     // plan name -> plan id
	nextPlan    int64
	nextSeq     int64
	salt        uint64

	// mu guards the scrolls: the scroll route mutates them under the
	// workspace's read lock.
	mu           sync.Mutex
	scrolls      map[int]*companyScroll // by app
	breakScrolls int
}

func (s *Sandbox) companies() *companyStore { return s.stores["companies"].(*companyStore) }

func init() {
	registerEntity(entityDef{
		name:  "companies",
		order: 45, // after contacts: the seed attaches them
		newStore: func() any {
			return &companyStore{byID: map[string]*company{}, byCompanyID: map[string]*company{},
				byContact: map[string][]*company{}, plans: map[string]string{}, scrolls: map[int]*companyScroll{}, nextSeq: 1}
		},
		seed:  seedCompanies,
		count: func(s *Sandbox) int { return len(s.companies().list) },
		records: func(s *Sandbox) []any {
			return recordsOf(s.companies().list, func(c *company) any { return s.companyView(c) })
		},
		routes: []route{
			{method: "GET", path: "/companies", handler: retrieveCompanies},
			{method: "POST", path: "/companies", write: true, handler: createOrUpdateCompany},
			{method: "GET", path: "/companies/{company_id}", handler: getCompany},
			{method: "POST", path: "/companies/list", handler: listAllCompanies},
			{method: "GET", path: "/companies/scroll", handler: scrollCompanies},
			{method: "POST", path: "/contacts/{contact_id}/companies", write: true, handler: attachContactCompany},
			{method: "GET", path: "/contacts/{contact_id}/companies", handler: listContactCompanies},
			{method: "DELETE", path: "/contacts/{contact_id}/companies/{company_id}", write: true, handler: detachContactCompany},
		},
	})
}

// BreakCompanyScrolls makes the next n continuations of a companies scroll
// (calls with a scroll_param) answer Intercom's 500 "Please restart the
// scroll operation", ending the scroll, as Intercom does when a scroll
// breaks on its side.
func (s *Sandbox) BreakCompanyScrolls(n int) {
	st := s.companies()
	st.mu.Lock()
	st.breakScrolls = n
	st.mu.Unlock()
}

// CompaniesOf returns the Intercom ids of the companies a contact is
// attached to, in attachment order.
func (s *Sandbox) CompaniesOf(contactID string) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var ids []string
	for _, c := range s.companiesOf(contactID) {
		ids = append(ids, c.id)
	}
	return ids
}

// OpenCompanyScrolls is the number of companies scrolls open now (not
// expired, not ended), over every app.
func (s *Sandbox) OpenCompanyScrolls() int {
	now := s.now().Unix()
	st := s.companies()
	st.mu.Lock()
	defer st.mu.Unlock()
	n := 0
	for _, sc := range st.scrolls {
		if now-sc.lastUsed <= ScrollIdleSeconds {
			n++
		}
	}
	return n
}

func (st *companyStore) add(c *company) {
	st.list = append(st.list, c)
	st.byID[c.id] = c
	st.byCompanyID[c.companyID] = c
}

func (st *companyStore) planID(name string) string {
	if id, ok := st.plans[name]; ok {
		return id
	}
	id := strconv.FormatInt(st.nextPlan, 10)
	st.nextPlan++
	st.plans[name] = id
	return id
}

// attached reports whether contact id is attached to c.
func (c *company) attached(contactID string) bool {
	for _, id := range c.contacts {
		if id == contactID {
			return true
		}
	}
	return false
}

// attach links a contact and a company (no-op when linked).
func (st *companyStore) attach(contactID string, c *company) {
	if c.attached(contactID) {
		return
	}
	c.contacts = append(c.contacts, contactID)
	st.byContact[contactID] = append(st.byContact[contactID], c)
}

func (st *companyStore) detach(contactID string, c *company) bool {
	if !c.attached(contactID) {
		return false
	}
	for i, id := range c.contacts {
		if id == contactID {
			c.contacts = append(c.contacts[:i:i], c.contacts[i+1:]...)
			break
		}
	}
	list := st.byContact[contactID]
	for i, x := range list {
		if x == c {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(st.byContact, contactID)
	} else {
		st.byContact[contactID] = list
	}
	return true
}

// companiesOf lists a contact's companies (none once the contact is
// deleted).
func (s *Sandbox) companiesOf(contactID string) []*company {
	if s.contacts().byID[contactID] == nil {
		return nil
	}
	return s.companies().byContact[contactID]
}

// userCount is the number of existing contacts attached to c.
func (s *Sandbox) userCount(c *company) int64 {
	cs := s.contacts()
	var n int64
	for _, id := range c.contacts {
		if cs.byID[id] != nil {
			n++
		}
	}
	return n
}

// Views (the company schema).

type companyView struct {
	Type             string         `json:"type"`
	ID               string         `json:"id"`
	Name             string         `json:"name"`
	AppID            string         `json:"app_id"`
	Plan             planView       `json:"plan"`
	CompanyID        string         `json:"company_id"`
	RemoteCreatedAt  *int64         `json:"remote_created_at,omitempty"`
	CreatedAt        int64          `json:"created_at"`
	UpdatedAt        int64          `json:"updated_at"`
	LastRequestAt    *int64         `json:"last_request_at,omitempty"`
	Size             *int64         `json:"size,omitempty"`
	Website          *string        `json:"website,omitempty"`
	Industry         *string        `json:"industry,omitempty"`
	MonthlySpend     int64          `json:"monthly_spend"`
	SessionCount     int64          `json:"session_count"`
	UserCount        int64          `json:"user_count"`
	CustomAttributes map[string]any `json:"custom_attributes"`
	Tags             companyTagList `json:"tags"`
	Segments         segmentList    `json:"segments"`
}

// planView is {} for a company without a plan (Intercom's example).
type planView struct {
	Type string `json:"type,omitempty"`
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

type companyTagList struct {
	Type string    `json:"type"`
	Tags []tagView `json:"tags"`
}

type segmentList struct {
	Type     string `json:"type"`
	Segments []any  `json:"segments"`
}

// companyView renders c; it copies everything (it is encoded after the lock
// is released).
func (s *Sandbox) companyView(c *company) companyView {
	st := s.companies()
	v := companyView{
		Type: "company", ID: c.id, Name: c.name, AppID: s.appID, CompanyID: c.companyID,
		RemoteCreatedAt: timeOrNil(c.remoteCreatedAt), CreatedAt: c.createdAt, UpdatedAt: c.updatedAt,
		LastRequestAt: timeOrNil(c.lastRequestAt), Website: strOrNil(c.website), Industry: strOrNil(c.industry),
		MonthlySpend: c.spend, SessionCount: c.sessions, UserCount: s.userCount(c),
		CustomAttributes: make(map[string]any, len(c.custom)),
		Tags:             companyTagList{Type: "tag.list", Tags: []tagView{}},
		Segments:         segmentList{Type: "segment.list", Segments: []any{}},
	}
	if c.plan != "" {
		v.Plan = planView{Type: "plan", ID: st.plans[c.plan], Name: c.plan}
	}
	if c.hasSize {
		size := c.size
		v.Size = &size
	}
	attrs := s.attrs()
	for _, av := range c.custom {
		if a := attrs.byID[av.attr]; a != nil && !a.archived {
			v.CustomAttributes[a.name] = av.v
		}
	}
	tags := s.tags()
	for _, ap := range c.tags {
		if t := tags.byID[ap.id]; t != nil {
			v.Tags.Tags = append(v.Tags.Tags, t.view())
		}
	}
	return v
}

// contactCompaniesRef is the companies list embedded in a contact's view.
func (s *Sandbox) contactCompaniesRef(c *contact) listRef {
	list := s.companiesOf(c.id)
	ref := listRef{Type: "list", URL: "/contacts/" + c.id + contactCompaniesURLSuffix, TotalCount: len(list),
		Data: make([]addressable, 0, min(len(list), MaxCompaniesShownOnContact))}
	for _, co := range list {
		if len(ref.Data) == MaxCompaniesShownOnContact {
			break
		}
		ref.Data = append(ref.Data, addressable{Type: "company", ID: co.id, URL: "/companies/" + co.id})
	}
	ref.HasMore = len(list) > MaxCompaniesShownOnContact
	return ref
}

type companyScrollView struct {
	Type        string        `json:"type"`
	Data        []companyView `json:"data"`
	Pages       *pagesView    `json:"pages"`
	TotalCount  *int          `json:"total_count"`
	ScrollParam string        `json:"scroll_param"`
}

// companyPage is page number page of the first cap companies of list.
func (s *Sandbox) companyPage(list []*company, page, perPage, cap, total int) listPage[companyView] {
	n := min(len(list), cap)
	pages := pagesView{Type: "pages", Page: page, PerPage: perPage, TotalPages: (n + perPage - 1) / perPage}
	start := min((page-1)*perPage, n)
	return renderPage("list", "data", list[start:min(start+perPage, n)], total, pages, s.companyView)
}

// pageParams reads page and per_page (page-numbered lists).
func (q *request) pageParams(defPerPage, maxPerPage int) (page, perPage int, status int, body any) {
	query := q.r.URL.Query()
	page, perPage = 1, defPerPage
	if v := query.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			status, body = q.failField(http.StatusBadRequest, CodeParameterInvalid, "page must be a positive integer", "page")
			return 0, 0, status, body
		}
		page = n
	}
	if v := query.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPerPage {
			status, body = q.failField(http.StatusBadRequest, CodeParameterInvalid, fmt.Sprintf("per_page must be an integer between 1 and %d", maxPerPage), "per_page")
			return 0, 0, status, body
		}
		perPage = n
	}
	return page, perPage, 0, nil
}

// Handlers.

func (q *request) companyNotFound() (int, any) {
	return q.fail(http.StatusNotFound, CodeCompanyNotFound, MsgCompanyNotFound)
}

func getCompany(q *request) (int, any) {
	c := q.s.companies().byID[q.param("company_id")]
	if c == nil {
		return q.companyNotFound()
	}
	return http.StatusOK, q.s.companyView(c)
}

func retrieveCompanies(q *request) (int, any) {
	st := q.s.companies()
	query := q.r.URL.Query()
	page, perPage, status, body := q.pageParams(defaultCompaniesPerPage, maxCompaniesPerPage)
	if status != 0 {
		return status, body
	}
	var list []*company
	switch {
	case query.Get("company_id") != "":
		c := st.byCompanyID[query.Get("company_id")]
		if c == nil {
			return q.companyNotFound()
		}
		list = []*company{c}
	case query.Get("name") != "":
		name := query.Get("name")
		for _, c := range st.list {
			if strings.EqualFold(c.name, name) {
				list = append(list, c)
			}
		}
		if len(list) == 0 {
			return q.companyNotFound()
		}
	case query.Get("tag_id") != "":
		t := q.s.tags().lookup(query.Get("tag_id"))
		if t != nil {
			for _, c := range st.list {
				if _, ok := c.tags.find(t.id); ok {
					list = append(list, c)
				}
			}
		}
	case query.Get("segment_id") != "":
		// The sandbox has no segments.
	default:
		list = st.list
	}
	return http.StatusOK, q.s.companyPage(list, page, perPage, len(list), len(list))
}

func listAllCompanies(q *request) (int, any) {
	page, perPage, status, body := q.pageParams(defaultCompaniesPerPage, maxCompaniesPerPage)
	if status != 0 {
		return status, body
	}
	order := q.r.URL.Query().Get("order")
	if order != "" && order != "asc" && order != "desc" {
		return q.failField(http.StatusBadRequest, CodeParameterInvalid, "order must be asc or desc", "order")
	}
	var list []*company
	for _, c := range q.s.companies().list {
		if q.s.userCount(c) > 0 {
			list = append(list, c)
		}
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.lastRequestAt != b.lastRequestAt {
			if order == "asc" {
				return a.lastRequestAt < b.lastRequestAt
			}
			return a.lastRequestAt > b.lastRequestAt
		}
		return a.seq < b.seq
	})
	return http.StatusOK, q.s.companyPage(list, page, perPage, MaxCompaniesListed, len(list))
}

func scrollCompanies(q *request) (int, any) {
	st := q.s.companies()
	param := q.r.URL.Query().Get("scroll_param")
	st.mu.Lock()
	defer st.mu.Unlock()
	cur := st.scrolls[q.app.index]
	if cur != nil && q.now-cur.lastUsed > ScrollIdleSeconds {
		delete(st.scrolls, q.app.index)
		cur = nil
	}
	switch {
	case param == "" && cur != nil:
		return q.fail(http.StatusBadRequest, CodeScrollExists,
			"scroll already exists for this workspace. Please ensure to use the previous scroll. Else wait a minute for it to expire and open a new one.")
	case param == "":
		cur = &companyScroll{param: newUUID()}
		st.scrolls[q.app.index] = cur
	case cur == nil || cur.param != param:
		return q.fail(http.StatusNotFound, CodeNotFound, "scroll parameter not found: it expired, ended, or belongs to no scroll of this app")
	case st.breakScrolls > 0:
		st.breakScrolls--
		delete(st.scrolls, q.app.index)
		return q.fail(http.StatusInternalServerError, CodeServerError, MsgScrollRestart)
	}
	cur.lastUsed = q.now
	end := min(cur.pos+CompanyScrollPageSize, len(st.list))
	out := companyScrollView{Type: "list", Data: make([]companyView, 0, max(end-cur.pos, 0)), ScrollParam: cur.param}
	for _, c := range st.list[min(cur.pos, end):end] {
		out.Data = append(out.Data, q.s.companyView(c))
	}
	cur.pos = end
	if len(out.Data) == 0 {
		delete(st.scrolls, q.app.index) // the end: the scroll is closed
	}
	return http.StatusOK, out
}

// companyFields are the fields POST /companies takes.
var companyFields = map[string]bool{
	"company_id": true, "name": true, "plan": true, "size": true, "website": true, "industry": true,
	"custom_attributes": true, "remote_created_at": true, "monthly_spend": true,
}

func createOrUpdateCompany(q *request) (int, any) {
	st := q.s.companies()
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(q.body, &fields); err != nil || fields == nil {
		return q.fail(http.StatusBadRequest, CodeBadRequest, "the body must be a JSON object")
	}
	for _, k := range sortedKeys(fields) {
		if !companyFields[k] {
			return q.fail(http.StatusBadRequest, CodeBadRequest, fmt.Sprintf("bad '%s' parameter", k))
		}
	}
	var cid string
	if raw, ok := fields["company_id"]; ok && !isNull(raw) {
		if err := json.Unmarshal(raw, &cid); err != nil {
			return q.failField(http.StatusBadRequest, CodeParameterInvalid, "company_id must be a string", "company_id")
		}
	}
	cid = strings.TrimSpace(cid)
	if cid == "" {
		return q.failField(http.StatusBadRequest, CodeParameterNotFound, "company_id not specified", "company_id")
	}
	old := st.byCompanyID[cid]
	var c company
	if old != nil {
		c = *old
		c.custom = append([]attrValue(nil), old.custom...)
	} else {
		c = company{companyID: cid}
	}
	if status, body := q.applyCompanyFields(&c, fields); status != 0 {
		return status, body
	}
	if c.plan != "" {
		st.planID(c.plan)
	}
	if old != nil {
		c.updatedAt = max(q.now, old.createdAt)
		*old = c
		return http.StatusOK, q.s.companyView(old)
	}
	c.seq = st.nextSeq
	st.nextSeq++
	c.createdAt, c.updatedAt = q.now, q.now
	c.id = objectID(c.createdAt, st.salt, c.seq)
	nc := &c
	st.add(nc)
	return http.StatusOK, q.s.companyView(nc)
}

// applyCompanyFields validates and applies a request's fields to c; status
// 0 when all is well.
func (q *request) applyCompanyFields(c *company, fields map[string]json.RawMessage) (int, any) {
	bad := q.invalid
	for _, f := range []struct {
		name string
		dst  *string
	}{{"name", &c.name}, {"plan", &c.plan}, {"website", &c.website}, {"industry", &c.industry}} {
		raw, ok := fields[f.name]
		if !ok {
			continue
		}
		if isNull(raw) {
			*f.dst = ""
			continue
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return bad(f.name, f.name+" must be a string")
		}
		*f.dst = strings.TrimSpace(s)
	}
	integer := func(raw json.RawMessage) (int64, bool) {
		var n json.Number
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&n); err != nil {
			return 0, false
		}
		f, err := n.Float64()
		if err != nil || f < 0 {
			return 0, false
		}
		return int64(math.Trunc(f)), true
	}
	if raw, ok := fields["size"]; ok {
		if isNull(raw) {
			c.size, c.hasSize = 0, false
		} else if n, ok := integer(raw); ok {
			c.size, c.hasSize = n, true
		} else {
			return bad("size", "size must be a non-negative integer")
		}
	}
	if raw, ok := fields["monthly_spend"]; ok {
		if isNull(raw) {
			c.spend = 0
		} else if n, ok := integer(raw); ok && n <= companyMonthlySpendLimit {
			c.spend = n // Intercom truncates fractions
		} else {
			return bad("monthly_spend", fmt.Sprintf("monthly_spend must be a number between 0 and %d", companyMonthlySpendLimit))
		}
	}
	if raw, ok := fields["remote_created_at"]; ok {
		if isNull(raw) {
			c.remoteCreatedAt = 0
		} else if n, ok := integer(raw); ok {
			c.remoteCreatedAt = n
		} else {
			return bad("remote_created_at", "remote_created_at must be a Unix timestamp (seconds)")
		}
	}
	return q.setDataAttributes(fields, "company", c.custom.set)
}

func (q *request) contactFor() (*contact, int, any) {
	c := q.s.contacts().byID[q.param("contact_id")]
	if c == nil {
		status, body := q.fail(http.StatusNotFound, CodeNotFound, MsgUserNotFound)
		return nil, status, body
	}
	return c, 0, nil
}

func attachContactCompany(q *request) (int, any) {
	ct, status, body := q.contactFor()
	if ct == nil {
		return status, body
	}
	var in struct {
		ID json.RawMessage `json:"id"`
	}
	if err := json.Unmarshal(q.body, &in); err != nil || len(in.ID) == 0 || isNull(in.ID) {
		return q.fail(http.StatusBadRequest, CodeParameterNotFound, "company not specified")
	}
	id := strings.Trim(string(in.ID), `"`)
	st := q.s.companies()
	c := st.byID[id]
	if c == nil {
		return q.companyNotFound()
	}
	if !c.attached(ct.id) && len(st.byContact[ct.id]) >= MaxCompaniesPerContact {
		return q.fail(http.StatusBadRequest, CodeCompanyLimitExceeded,
			fmt.Sprintf("Contact has reached the maximum of %d company associations", MaxCompaniesPerContact))
	}
	st.attach(ct.id, c)
	return http.StatusOK, q.s.companyView(c)
}

func detachContactCompany(q *request) (int, any) {
	ct, status, body := q.contactFor()
	if ct == nil {
		return status, body
	}
	st := q.s.companies()
	c := st.byID[q.param("company_id")]
	if c == nil || !st.detach(ct.id, c) {
		return q.companyNotFound()
	}
	return http.StatusOK, q.s.companyView(c)
}

type contactCompaniesView struct {
	Type       string          `json:"type"`
	Data       []companyView   `json:"data"`
	TotalCount int             `json:"total_count"`
	Pages      linkedPagesView `json:"pages"`
}

// linkedPagesView is the pages_link schema: next is a link.
type linkedPagesView struct {
	Type       string  `json:"type"`
	Page       int     `json:"page"`
	Next       *string `json:"next"`
	PerPage    int     `json:"per_page"`
	TotalPages int     `json:"total_pages"`
}

func listContactCompanies(q *request) (int, any) {
	ct, status, body := q.contactFor()
	if ct == nil {
		return status, body
	}
	page, _, status, body := q.pageParams(contactCompaniesPerPage, contactCompaniesPerPage)
	if status != 0 {
		return status, body
	}
	list := q.s.companiesOf(ct.id)
	per := contactCompaniesPerPage
	out := contactCompaniesView{Type: "list", Data: []companyView{}, TotalCount: len(list),
		Pages: linkedPagesView{Type: "pages", Page: page, PerPage: per, TotalPages: (len(list) + per - 1) / per}}
	start := (page - 1) * per
	for i := start; i < len(list) && i < start+per; i++ {
		out.Data = append(out.Data, q.s.companyView(list[i]))
	}
	if page < out.Pages.TotalPages {
		next := fmt.Sprintf("/contacts/%s/companies?page=%d", ct.id, page+1)
		out.Pages.Next = &next
	}
	return http.StatusOK, out
}

// tagCompanies serves POST /tags with companies: every entry names a
// company by id or company_id (404 company_not_found, and nothing tagged,
// when one does not exist); entries with "untag": true lose the tag, the
// others get it (tagging twice is a no-op). The tag is created when
// missing. Tagging users and companies in one call is refused (400).
func tagCompanies(q *request, name string, raw json.RawMessage) (int, any) {
	var items []struct {
		ID        json.RawMessage `json:"id"`
		CompanyID string          `json:"company_id"`
		Untag     bool            `json:"untag"`
	}
	if err := json.Unmarshal(raw, &items); err != nil {
		return q.failField(http.StatusBadRequest, CodeParameterInvalid, "invalid tag parameters: companies must be a list of {id} or {company_id}", "companies")
	}
	if len(items) > MaxTagCompaniesPerCall {
		return q.failField(http.StatusBadRequest, CodeParameterInvalid,
			fmt.Sprintf("invalid tag parameters: at most %d companies per call, got %d", MaxTagCompaniesPerCall, len(items)), "companies")
	}
	st := q.s.companies()
	targets := make([]*company, 0, len(items))
	for i, it := range items {
		var c *company
		switch id := strings.Trim(string(it.ID), `"`); {
		case id != "" && id != "null":
			c = st.byID[id]
		case it.CompanyID != "":
			c = st.byCompanyID[it.CompanyID]
		default:
			return q.failField(http.StatusBadRequest, CodeParameterInvalid, fmt.Sprintf("invalid tag parameters: companies[%d] has no id or company_id", i), "companies")
		}
		if c == nil {
			return q.companyNotFound()
		}
		targets = append(targets, c)
	}
	tags := q.s.tags()
	t := tags.byName[strings.ToLower(name)]
	if t == nil {
		t = tags.create(name, q.now)
	}
	by := q.meAdmin().id
	for i, c := range targets {
		if items[i].Untag {
			for j, ap := range c.tags {
				if ap.id == t.id {
					c.tags = append(c.tags[:j:j], c.tags[j+1:]...)
					break
				}
			}
		} else if _, ok := c.tags.find(t.id); !ok {
			c.tags = append(c.tags, appliedTag{id: t.id, at: q.now, by: by})
		}
	}
	return http.StatusOK, t.view()
}
