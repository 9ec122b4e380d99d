package intercomtest_test

import (
	"context"
	"sort"
	"strconv"
	"testing"

	"github.com/icmigrate/icmigrate/pkg/intercom"
	"github.com/icmigrate/icmigrate/pkg/intercom/intercomtest"
)

// TestEveryEndpointWithoutViolations calls every route the sandbox serves,
// entity by entity, with every response validated whole against the spec:
// through the typed client where it has the call (so the client and the
// sandbox are checked against each other too), raw HTTP otherwise and for
// requests the client refuses to send. It fails if a route was not called,
// so a new route needs a step here.
func TestEveryEndpointWithoutViolations(t *testing.T) {
	sb, c, a := convClient(t, intercomtest.Options{Seed: 31, Contacts: 60, FullResponseValidation: true})
	e := newEveryEnv(t, sb, c, a)
	for _, step := range []struct {
		entity string
		run    func(t *testing.T, e *everyEnv)
	}{
		{"admins", everyAdmins},
		{"data_attributes", everyDataAttributes},
		{"tags", everyTags},
		{"contacts", everyContacts}, // deletes e.lead: after tags
		{"companies", everyCompanies},
		{"subscriptions", everySubscriptions},
		{"notes", everyNotes},
		{"events", everyEvents},
		{"teams_segments", everyTeamsAndSegments},
		{"conversations", everyConversations},
		{"tickets", everyTickets},
		{"help_center", everyHelpCenter},
		{"articles", everyArticles},
		{"news", everyNews},
		{"custom_objects", everyCustomObjects},
		{"outside_the_sandbox", everyUnknownRoute},
	} {
		t.Run(step.entity, func(t *testing.T) { step.run(t, e) })
	}
	if v := sb.ResponseViolations(); len(v) != 0 {
		t.Fatalf("violations: %v", v)
	}
	calls := sb.Calls()
	var missing []string
	for _, key := range intercomtest.Routes() {
		if calls[key] == 0 {
			missing = append(missing, key)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("routes not exercised: %v", missing)
	}
}

// everyEnv is what the steps share: the sandbox, both clients and records
// of the seeded workspace that the steps act on.
type everyEnv struct {
	ctx    context.Context
	sb     *intercomtest.Sandbox
	c      *intercom.Client
	a      *api
	admin  string // an admin's id
	adminN int64
	user   *intercom.Contact // role user, with an external_id
	lead   *intercom.Contact
	tagged *intercom.Contact // has a tag
	tag    string            // a tag of tagged
}

func newEveryEnv(t *testing.T, sb *intercomtest.Sandbox, c *intercom.Client, a *api) *everyEnv {
	t.Helper()
	e := &everyEnv{ctx: context.Background(), sb: sb, c: c, a: a}
	page := call(c.Contacts.List(e.ctx, &intercom.ListOptions{PerPage: 60})).ok(t)
	for _, ct := range page.Data {
		if e.user == nil && ct.Role == "user" && ct.ExternalID != "" {
			e.user = ct
		}
		if e.lead == nil && ct.Role == "lead" {
			e.lead = ct
		}
		if e.tagged == nil && ct.Tags != nil && len(ct.Tags.Data) > 0 {
			e.tagged = ct
		}
	}
	if e.user == nil || e.lead == nil || e.tagged == nil {
		t.Fatalf("the seeded workspace lacks a user with an external id, a lead or a tagged contact")
	}
	e.tag = e.tagged.Tags.Data[0].ID
	admins := call(c.Admins.List(e.ctx)).ok(t)
	e.admin = admins[0].ID
	e.adminN = contentInt64(e.admin)
	return e
}

// raw is the HTTP client reporting to t (a step's subtest).
func (e *everyEnv) raw(t *testing.T) *api {
	a := *e.a
	a.t = t
	return &a
}

// result is the answer of a typed client call: call(c.X.Get(...)).ok(t).
type result[T any] struct {
	v   T
	err error
}

func call[T any](v T, _ *intercom.Response, err error) result[T] { return result[T]{v, err} }

// ok fails the test unless the call succeeded.
func (r result[T]) ok(t *testing.T) T {
	t.Helper()
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.v
}

// fails fails the test unless the call was answered status.
func (r result[T]) fails(t *testing.T, status int) {
	t.Helper()
	if got := errStatus(r.err); got != status {
		t.Fatalf("answered %d (%v), want %d", got, r.err, status)
	}
}

func everyAdmins(t *testing.T, e *everyEnv) {
	a := e.raw(t)
	if me := call(e.c.Admins.Me(e.ctx)).ok(t); me.App == nil || me.App.IDCode != e.sb.AppID() {
		t.Errorf("GET /me: app %+v", me.App)
	}
	a.must(200, "GET", "/admins?display_avatar=true", nil)
	a.must(200, "GET", "/admins/"+e.admin, nil)
	a.must(404, "GET", "/admins/1", nil)
}

func everyDataAttributes(t *testing.T, e *everyEnv) {
	a, das := e.raw(t), e.c.DataAttributes
	level := call(das.Create(e.ctx, &intercom.DataAttributeRequest{Name: "level", Model: "contact", DataType: "options",
		Options: []intercom.DataAttributeOption{{Value: "a"}, {Value: "b"}}})).ok(t)
	call(das.List(e.ctx, nil)).ok(t)
	call(das.List(e.ctx, &intercom.DataAttributeListOptions{Model: "company", IncludeArchived: true})).ok(t)
	call(das.Create(e.ctx, &intercom.DataAttributeRequest{Name: "score", Model: "company", DataType: "float", Description: "d"})).ok(t)
	call(das.Create(e.ctx, &intercom.DataAttributeRequest{Name: "score", Model: "contact", DataType: "float"})).fails(t, 400)
	// The client has no update: migrations create attributes, never edit them.
	a.must(200, "PUT", "/data_attributes/"+strconv.FormatInt(level.ID, 10), map[string]any{"options": []map[string]string{{"value": "a"}, {"value": "c"}}, "description": "x"})
	a.must(404, "PUT", "/data_attributes/1", map[string]any{"archived": true})
}

func everyTags(t *testing.T, e *everyEnv) {
	a, tags := e.raw(t), e.c.Tags
	call(tags.List(e.ctx)).ok(t)
	call(tags.Create(e.ctx, "New")).ok(t)
	call(tags.TagContacts(e.ctx, "New", []string{e.user.ID})).ok(t)
	call(tags.TagContacts(e.ctx, "New", []string{"nope"})).fails(t, 404)
	a.must(400, "POST", "/tags", map[string]any{"test": "invalid"})
	a.must(200, "GET", "/tags/"+e.tag, nil)
	a.must(404, "GET", "/tags/1", nil)
	if got := call(e.c.Contacts.ListTags(e.ctx, e.tagged.ID)).ok(t); len(got) == 0 {
		t.Errorf("contact %s lists no tag", e.tagged.ID)
	}
	a.must(200, "POST", "/contacts/"+e.lead.ID+"/tags", map[string]any{"id": e.tag})
	a.must(200, "DELETE", "/contacts/"+e.lead.ID+"/tags/"+e.tag, nil)
}

func everyContacts(t *testing.T, e *everyEnv) {
	a, cs := e.raw(t), e.c.Contacts
	call(cs.List(e.ctx, nil)).ok(t)
	a.must(400, "GET", "/contacts?per_page=1000", nil)
	req := &intercom.ContactRequest{Email: "every@x.example", Name: intercom.Ptr("E"), Avatar: intercom.Ptr("https://a.example/x.png"),
		OwnerID: intercom.Ptr(e.adminN), CustomAttributes: map[string]any{"level": "a"}}
	call(cs.Create(e.ctx, req)).ok(t)
	call(cs.Create(e.ctx, &intercom.ContactRequest{Email: "every@x.example"})).fails(t, 409)
	call(cs.Get(e.ctx, e.tagged.ID)).ok(t)
	call(cs.Get(e.ctx, "nope")).fails(t, 404)
	call(cs.Update(e.ctx, e.lead.ID, &intercom.ContactRequest{Name: intercom.Ptr("Lead Renamed"), Clear: []string{"phone"}})).ok(t)
	call(cs.FindByExternalID(e.ctx, e.user.ExternalID)).ok(t)
	call(cs.Search(e.ctx, intercom.Or(intercom.Eq("role", "lead"), intercom.Eq("tag_id", e.tag)), &intercom.ListOptions{PerPage: 5})).ok(t)
	call(cs.Search(e.ctx, intercom.Eq("nope", "x"), nil)).fails(t, 400)
	// The client deletes nothing: a migration only writes.
	a.must(200, "DELETE", "/contacts/"+e.lead.ID, nil)
}

func everyCompanies(t *testing.T, e *everyEnv) {
	a, cs := e.raw(t), e.c.Companies
	co := call(cs.CreateOrUpdate(e.ctx, &intercom.CompanyRequest{CompanyID: "every-0"})).ok(t)
	call(cs.CreateOrUpdate(e.ctx, &intercom.CompanyRequest{CompanyID: "every-1", Name: "Every", Plan: "Pro", Size: intercom.Ptr(int64(3)),
		CustomAttributes: map[string]any{"seats_purchased": 4}})).ok(t)
	call(cs.FindByCompanyID(e.ctx, "every-1")).ok(t)
	call(cs.Get(e.ctx, co.ID)).ok(t)
	call(cs.Get(e.ctx, "nope")).fails(t, 404)
	call(cs.List(e.ctx, &intercom.PageNumberOptions{PerPage: 5})).ok(t)
	call(cs.Scroll(e.ctx, "")).ok(t)
	// A second scroll while one is open is refused; the client's Walk
	// handles it, a raw call shows the answer.
	a.must(400, "GET", "/companies/scroll", nil)
	call(cs.AttachContact(e.ctx, e.user.ID, co.ID)).ok(t)
	call(cs.ListAttached(e.ctx, e.user.ID)).ok(t)
	call(e.c.Tags.TagCompanies(e.ctx, "New", []string{co.ID})).ok(t)
	call(cs.DetachContact(e.ctx, e.user.ID, co.ID)).ok(t)
}

func everySubscriptions(t *testing.T, e *everyEnv) {
	st := call(e.c.SubscriptionTypes.List(e.ctx)).ok(t)[0]
	cs := e.c.Contacts
	call(cs.AttachSubscription(e.ctx, e.user.ID, st.ID, st.ConsentType)).ok(t)
	call(cs.ListSubscriptions(e.ctx, e.user.ID)).ok(t)
	call(cs.DetachSubscription(e.ctx, e.user.ID, st.ID)).ok(t)
}

func everyNotes(t *testing.T, e *everyEnv) {
	a := e.raw(t)
	n := call(e.c.Notes.Create(e.ctx, e.user.ID, &intercom.NoteRequest{Body: "<p>n</p>", AdminID: e.admin})).ok(t)
	call(e.c.Notes.List(e.ctx, e.user.ID, nil)).ok(t)
	call(e.c.Notes.Create(e.ctx, "nope", &intercom.NoteRequest{Body: "x"})).fails(t, 404)
	a.must(200, "GET", "/notes/"+n.ID, nil)
}

func everyEvents(t *testing.T, e *everyEnv) {
	a := e.raw(t)
	resp, err := e.c.Events.Create(e.ctx, &intercom.EventRequest{EventName: "e", CreatedAt: 1700000000, ID: e.user.ID,
		Metadata: map[string]any{"n": 1, "l": map[string]any{"url": "https://x.example", "value": "x"}}})
	if err != nil || resp.StatusCode != 202 {
		t.Fatalf("POST /events: %v", err)
	}
	call(e.c.Events.List(e.ctx, intercom.EventFilter{IntercomUserID: e.user.ID}, nil)).ok(t)
	call(e.c.Events.Summaries(e.ctx, intercom.EventFilter{UserID: e.user.ExternalID})).ok(t)
	a.must(400, "GET", "/events?type=user", nil) // no user named: the client refuses it
}

func everyTeamsAndSegments(t *testing.T, e *everyEnv) {
	a := e.raw(t)
	teams := call(e.c.Teams.List(e.ctx)).ok(t)
	call(e.c.Teams.Get(e.ctx, teams[0].ID)).ok(t)
	call(e.c.Teams.Get(e.ctx, "1")).fails(t, 404)
	segs := call(e.c.Segments.List(e.ctx, true)).ok(t)
	a.must(200, "GET", "/segments/"+segs[0].ID, nil)
}

func everyConversations(t *testing.T, e *everyEnv) {
	cv, user, admin := e.c.Conversations, e.user.ID, e.admin
	id := call(cv.Create(e.ctx, &intercom.CreateConversationRequest{From: intercom.ConversationFrom{Type: "user", ID: user}, Body: "Hi",
		CreatedAt: 1600000000, AttachmentURLs: []string{"https://files.example/a.png"}})).ok(t).ConversationID
	call(e.c.Messages.Create(e.ctx, &intercom.MessageRequest{MessageType: "email", Subject: "S", Body: "<p>B</p>",
		From: intercom.MessageFrom{Type: "admin", ID: e.adminN}, To: intercom.MessageRecip{Type: "user", ID: user},
		CreatedAt: 1600000000, CreateConversationWithoutContactReply: true})).ok(t)
	call(cv.List(e.ctx, &intercom.ListOptions{PerPage: 5})).ok(t)
	call(cv.Get(e.ctx, id, &intercom.ConversationGetOptions{PlainText: true})).ok(t)
	call(cv.Get(e.ctx, "1", nil)).fails(t, 404)
	call(cv.Reply(e.ctx, id, &intercom.ReplyRequest{MessageType: "comment", Type: "user", IntercomUserID: user, Body: "x", CreatedAt: 1600000100})).ok(t)
	call(cv.Reply(e.ctx, id, &intercom.ReplyRequest{MessageType: "note", Type: "admin", AdminID: admin, Body: "<p>n</p>"})).ok(t)
	call(cv.Assign(e.ctx, id, &intercom.AssignRequest{AdminID: admin, AssigneeID: admin})).ok(t)
	call(cv.Close(e.ctx, id, admin, "")).ok(t)
	call(cv.Snooze(e.ctx, id, admin, 4102444800)).ok(t)
	call(cv.Open(e.ctx, id, admin)).ok(t)
	call(cv.Update(e.ctx, id, &intercom.ConversationUpdate{Title: intercom.Ptr("T"), Read: intercom.Ptr(true),
		CustomAttributes: map[string]any{"issue_type": "Bug", "severity": 2}})).ok(t)
	call(cv.Update(e.ctx, id, &intercom.ConversationUpdate{CustomAttributes: map[string]any{"nope": "x"}})).fails(t, 400)
	call(cv.AddTag(e.ctx, id, e.tag, admin)).ok(t)
	call(cv.RemoveTag(e.ctx, id, e.tag, admin)).ok(t)
	call(cv.Search(e.ctx, intercom.And(intercom.Eq("contact_ids", user), intercom.Filter{Field: "created_at", Operator: ">", Value: 1}),
		&intercom.ListOptions{PerPage: 5})).ok(t)
	call(cv.Search(e.ctx, intercom.Eq("nope", "x"), nil)).fails(t, 400)
}

func everyTickets(t *testing.T, e *everyEnv) {
	tts, tks, user, admin := e.c.TicketTypes, e.c.Tickets, e.user.ID, e.admin
	states := call(tts.ListStates(e.ctx)).ok(t)
	call(tts.List(e.ctx)).ok(t)
	tt := call(tts.Create(e.ctx, &intercom.TicketTypeRequest{Name: "Every", Category: "Customer", Description: "d"})).ok(t).ID
	call(tts.Get(e.ctx, tt)).ok(t)
	call(tts.Update(e.ctx, tt, &intercom.TicketTypeRequest{Description: "d2"})).ok(t)
	level := call(tts.CreateAttribute(e.ctx, tt, &intercom.TicketTypeAttributeRequest{Name: "level", Description: "l", DataType: "list",
		ListItems: []string{"Low", "High"}})).ok(t)
	call(tts.CreateAttribute(e.ctx, tt, &intercom.TicketTypeAttributeRequest{Name: "count", Description: "c", DataType: "integer"})).ok(t)
	call(tts.UpdateAttribute(e.ctx, tt, level.ID, &intercom.TicketTypeAttributeRequest{ListItems: []string{"Low", "High", "Urgent"}})).ok(t)
	low := level.ListOptions()[0].ID
	tk := call(tks.Create(e.ctx, &intercom.CreateTicketRequest{TicketTypeID: tt, Contacts: []intercom.TicketContact{{ID: user}}, CreatedAt: 1600000000,
		TicketAttributes: map[string]any{intercom.TicketTitleAttribute: "T", "level": low, "count": 3}})).ok(t).ID
	call(tks.Create(e.ctx, &intercom.CreateTicketRequest{TicketTypeID: tt, Contacts: []intercom.TicketContact{{ID: user}},
		TicketAttributes: map[string]any{"level": "Low"}})).fails(t, 400)
	call(tks.Reply(e.ctx, tk, &intercom.ReplyRequest{MessageType: "comment", Type: "user", IntercomUserID: user, Body: "x", CreatedAt: 1600000100})).ok(t)
	call(tks.Reply(e.ctx, tk, &intercom.ReplyRequest{MessageType: "note", Type: "admin", AdminID: admin, Body: "<p>n</p>"})).ok(t)
	call(tks.Update(e.ctx, tk, &intercom.UpdateTicketRequest{TicketStateID: states[len(states)-1].ID, Open: intercom.Ptr(false),
		AssigneeID: admin, AdminID: e.adminN})).ok(t)
	call(tks.Get(e.ctx, tk)).ok(t)
	call(tks.Get(e.ctx, "1")).fails(t, 404)
	call(tks.Search(e.ctx, intercom.Filter{Field: "created_at", Operator: ">", Value: 0}, &intercom.ListOptions{PerPage: 5})).ok(t)
}

func everyHelpCenter(t *testing.T, e *everyEnv) {
	a, hc := e.raw(t), e.c.HelpCenter
	hcs := call(hc.ListHelpCenters(e.ctx)).ok(t)
	call(hc.GetHelpCenter(e.ctx, hcs[0].ID)).ok(t)
	call(hc.GetHelpCenter(e.ctx, "1")).fails(t, 404)
	cols := call(hc.ListCollections(e.ctx, &intercom.PageNumberOptions{Page: 2, PerPage: 2})).ok(t)
	a.must(400, "GET", "/help_center/collections?per_page=0", nil) // the client never sends 0
	col := call(hc.CreateCollection(e.ctx, &intercom.CollectionRequest{Name: "New",
		Translations: intercom.GroupTranslations{"fr": {Name: "Nouveau"}}})).ok(t)
	call(hc.GetCollection(e.ctx, cols.Data[0].ID)).ok(t)
	call(hc.UpdateCollection(e.ctx, cols.Data[0].ID, &intercom.CollectionRequest{Description: intercom.Ptr("d")})).ok(t)
	call(hc.DeleteCollection(e.ctx, col.ID)).ok(t)
	call(hc.DeleteCollection(e.ctx, "1")).fails(t, 404)
}

func everyArticles(t *testing.T, e *everyEnv) {
	a, arts, ias := e.raw(t), e.c.Articles, e.c.InternalArticles
	hcs := call(e.c.HelpCenter.ListHelpCenters(e.ctx)).ok(t)
	cols := call(e.c.HelpCenter.ListCollections(e.ctx, nil)).ok(t)
	page := call(arts.List(e.ctx, &intercom.PageNumberOptions{Page: 1, PerPage: 3})).ok(t)
	call(arts.Create(e.ctx, &intercom.ArticleRequest{Title: "T", AuthorID: e.adminN, State: "published",
		Translations: intercom.ArticleTranslations{"de": {Title: "D", AuthorID: e.adminN}}})).ok(t)
	call(arts.Search(e.ctx, intercom.ArticleSearchOptions{Phrase: "how", State: "all", HelpCenterID: contentInt64(hcs[0].ID)})).ok(t)
	call(arts.Get(e.ctx, page.Data[0].ID)).ok(t)
	call(arts.Update(e.ctx, page.Data[0].ID, &intercom.ArticleRequest{Title: "Renamed", ParentID: cols.Data[0].ID})).ok(t)
	call(arts.Delete(e.ctx, page.Data[1].ID)).ok(t)

	call(ias.List(e.ctx, nil)).ok(t)
	ia := call(ias.Create(e.ctx, &intercom.InternalArticleRequest{Title: "I", Body: intercom.Ptr("b"), AuthorID: e.adminN, OwnerID: e.adminN, Locale: "en"})).ok(t)
	a.must(200, "GET", "/internal_articles/search?folder_id=1", nil) // no client call: a migration lists them
	call(ias.Get(e.ctx, ia.ID)).ok(t)
	call(ias.Update(e.ctx, ia.ID, &intercom.InternalArticleRequest{Body: intercom.Ptr("c")})).ok(t)
	call(ias.Delete(e.ctx, ia.ID)).ok(t)
}

func everyNews(t *testing.T, e *everyEnv) {
	news := e.c.News
	feeds := call(news.ListNewsfeeds(e.ctx, nil)).ok(t)
	call(news.GetNewsfeed(e.ctx, feeds.Data[0].ID)).ok(t)
	call(news.ListLiveItems(e.ctx, feeds.Data[0].ID, nil)).ok(t)
	call(news.ListItems(e.ctx, &intercom.PageNumberOptions{Page: 2, PerPage: 1})).ok(t)
	item := call(news.CreateItem(e.ctx, &intercom.NewsItemRequest{Title: "N", SenderID: e.adminN, State: "live", Labels: []string{"New"},
		Reactions: []string{"👍"}, NewsfeedAssignments: []intercom.NewsfeedAssignment{{NewsfeedID: contentInt64(feeds.Data[0].ID)}}})).ok(t)
	call(news.GetItem(e.ctx, item.ID)).ok(t)
	call(news.UpdateItem(e.ctx, item.ID, &intercom.NewsItemRequest{Title: "N2", SenderID: e.adminN})).ok(t)
	call(news.DeleteItem(e.ctx, item.ID)).ok(t)
	call(news.GetItem(e.ctx, item.ID)).fails(t, 404)
}

func everyCustomObjects(t *testing.T, e *everyEnv) {
	a, cos := e.raw(t), e.c.CustomObjectInstances
	typ := e.sb.CustomObjectTypes()[0]
	page := call(cos.List(e.ctx, typ, &intercom.PageNumberOptions{Page: 1, PerPage: 2})).ok(t)
	call(cos.CreateOrUpdate(e.ctx, typ, &intercom.CustomObjectInstanceRequest{ExternalID: "z", ExternalCreatedAt: intercom.Ptr(int64(1500000000))})).ok(t)
	call(cos.FindByExternalID(e.ctx, typ, "z")).ok(t)
	if exists := call(cos.TypeExists(e.ctx, "Nope")).ok(t); exists {
		t.Error("TypeExists(Nope) = true")
	}
	a.must(404, "GET", "/custom_object_instances/Nope?page=1", nil)
	call(cos.Get(e.ctx, typ, page.Data[0].ID)).ok(t)
	call(cos.DeleteByExternalID(e.ctx, typ, "z")).ok(t)
	call(cos.Delete(e.ctx, typ, page.Data[0].ID)).ok(t)
}

// everyUnknownRoute: a route of the spec the sandbox does not serve, and a
// path outside the spec.
func everyUnknownRoute(t *testing.T, e *everyEnv) {
	a := e.raw(t)
	a.must(501, "GET", "/ip_allowlist", nil)
	a.must(404, "GET", "/nothing", nil)
}
