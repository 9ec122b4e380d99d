package intercomtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/icmigrate/icmigrate/internal/htmltext"
)

// Conversations: the source message, the parts (comments, notes,
// assignments, state changes, and events the API cannot create), tags,
// custom attributes; and admins' messages, which start conversations.
//
// Modelled rules (Intercom's, as its documentation and the 2.14
// description state them, unless marked as the sandbox's choice):
//   - GET /conversations/{id} returns the newest MaxConversationParts parts
//     of a longer conversation, oldest first; conversation_parts.total_count
//     is the number of parts the conversation has (the sandbox's reading of
//     the field; clients should also treat exactly 500 parts as possibly
//     cut).
//   - POST /conversations starts a conversation from a contact (from.type
//     user, lead or contact; a user/lead type must match the contact's
//     role, 400 otherwise; an unknown contact is 404 "User Not Found"). The
//     body is plain text and is stored as a paragraph ("<p>...</p>", HTML
//     escaped). created_at dates it in the past (400 when in the future).
//     The answer is a user_message with the conversation_id.
//   - POST /messages with create_conversation_without_contact_reply starts
//     an admin-initiated conversation (delivered_as admin_initiated) and
//     answers its conversation_id; without it, only the message exists (the
//     sandbox keeps no messages). One recipient; email needs a subject (422
//     parameter_not_found).
//   - POST /conversations/{id}/reply appends a comment (admin or contact)
//     or a note (admin), dated created_at when given. The contact must take
//     part in the conversation (400). A contact's comment reopens a closed
//     or snoozed conversation and sets waiting_since; an admin's comment
//     clears waiting_since. Up to 10 attachment_urls (http or https), each
//     becoming an attachment named after the URL's last path segment.
//   - POST /conversations/{id}/parts: close, open, snoozed (snoozed_until
//     must be in the future, 400) and assignment (to an admin: 404 when
//     unknown, 403 when the admin has no inbox seat; to a team: the sandbox
//     has no teams, 404; "0" unassigns). These parts take no created_at:
//     they are dated now. admin_id must be an admin (404).
//   - PUT /conversations/{id}: title, read, custom_attributes. A custom
//     attribute must be one of the workspace's conversation attributes
//     (400 otherwise) with a value of its type. The API cannot create
//     conversation attributes (data_attribute.model has no conversation), so
//     the sandbox gives every workspace, empty ones included, the same
//     definitions (ConversationAttributes): an operator recreates them by
//     hand before migrating, as with teammates. Only string, list and
//     integer attributes exist in the sandbox: the description's
//     custom_attributes schema has no boolean nor float.
//   - POST /conversations/{id}/tags {id, admin_id}: tags once (again is a
//     no-op); DELETE /conversations/{id}/tags/{tag_id} untags (404 when the
//     tag is not on the conversation).
//   - Lists page like contacts (opaque, stateless cursors in creation
//     order; the sandbox's choice, Intercom's order may differ); per_page
//     default 20, at most 150.
//   - Parts are kept in the order they were added (a part dated in the past
//     does not move before later ones).

// MaxConversationParts is how many parts GET /conversations/{id} returns.
const MaxConversationParts = 500

// DefaultConversationsPerPage is the page size without per_page.
const DefaultConversationsPerPage = 20

// MaxAttachmentURLs is how many attachment URLs a reply may carry.
const MaxAttachmentURLs = 10

// ConversationAttribute is a conversation data attribute of every sandbox
// workspace.
type ConversationAttribute struct {
	Name     string
	DataType string // string, integer or options
	Options  []string
}

// ConversationAttributes are the conversation attributes of every sandbox
// workspace.
var ConversationAttributes = []ConversationAttribute{
	{Name: "issue_type", DataType: "options", Options: []string{"Billing", "Bug", "Question", "Feature request", "Account access"}},
	{Name: "order_number", DataType: "string"},
	{Name: "severity", DataType: "integer"},
	{Name: "product_area", DataType: "options", Options: []string{"Dashboard", "Mobile app", "API", "Integrations", "Reports"}},
}

func conversationAttribute(name string) *ConversationAttribute {
	for i := range ConversationAttributes {
		if ConversationAttributes[i].Name == name {
			return &ConversationAttributes[i]
		}
	}
	return nil
}

type attachment struct {
	name, url, contentType string
	size                   int64
}

type convPart struct {
	id          int64
	partType    string
	body        string
	createdAt   int64
	updatedAt   int64
	authorType  string // admin, user, lead, bot
	authorID    string
	assignType  string // for assignments: admin, team or nobody_admin
	assignID    string
	attachments []attachment
	state       string // of the conversation once the part was added
}

type conversation struct {
	seq         int64
	id          string
	createdAt   int64
	updatedAt   int64
	title       string
	msgID       string
	srcType     string // conversation (in-app) or email
	deliveredAs string
	subject     string
	body        string
	authorType  string // user, lead or admin
	authorID    string
	attachments []attachment
	contacts    []string
	parts       []*convPart
	state       string
	snoozedTill int64
	adminAssign int64
	teamAssign  int64
	read        bool
	priority    string
	waiting     int64
	tags        []appliedTag
	custom      map[string]any
}

func (c *conversation) before(createdAt, seq int64) bool {
	return c.createdAt < createdAt || (c.createdAt == createdAt && c.seq < seq)
}

func (c *conversation) hasContact(id string) bool {
	for _, x := range c.contacts {
		if x == id {
			return true
		}
	}
	return false
}

type convStore struct {
	byID    map[string]*conversation
	order   []*conversation // creation order
	nextSeq int64
	idBase  int64
	// nextPart and nextMsg number parts and messages.
	nextPart int64
	nextMsg  int64
}

func (s *Sandbox) conversations() *convStore { return s.stores["conversations"].(*convStore) }

func init() {
	registerEntity(entityDef{
		name:  "conversations",
		order: 80,
		newStore: func() any {
			return &convStore{byID: map[string]*conversation{}, nextSeq: 1}
		},
		seed:  seedConversations,
		count: func(s *Sandbox) int { return len(s.conversations().order) },
		records: func(s *Sandbox) []any {
			return recordsOf(s.conversations().order, func(c *conversation) any { return s.conversationView(c, true) })
		},
		routes: []route{
			{method: "GET", path: "/conversations", handler: listConversations},
			{method: "POST", path: "/conversations", write: true, handler: createConversation},
			{method: "GET", path: "/conversations/{conversation_id}", handler: getConversation},
			{method: "PUT", path: "/conversations/{conversation_id}", write: true, handler: updateConversation},
			{method: "POST", path: "/conversations/search", handler: searchConversations},
			{method: "POST", path: "/conversations/{conversation_id}/reply", write: true, handler: replyConversation},
			{method: "POST", path: "/conversations/{conversation_id}/parts", write: true, handler: manageConversation},
			{method: "POST", path: "/conversations/{conversation_id}/tags", write: true, handler: tagConversation},
			{method: "DELETE", path: "/conversations/{conversation_id}/tags/{tag_id}", write: true, handler: untagConversation},
			{method: "POST", path: "/messages", write: true, handler: createMessage},
		},
	})
}

// initIDs sets the workspace's id ranges: conversation ids are integers
// (the description types the path parameter so), distinct per workspace.
func (st *convStore) initIDs(salt uint64) {
	st.idBase = 100000000 + int64(salt%800000)*1000
	st.nextPart = 1000000000 + int64(salt%900000)*1000
	st.nextMsg = 400000000 + int64(salt%90000)*1000
}

// add numbers c (seq, id) and puts it in creation order.
func (st *convStore) add(c *conversation) {
	st.number(c)
	st.order = insertInOrder(st.order, c, c.createdAt, c.seq)
}

// number gives c the next sequence number and its id, and indexes it.
func (st *convStore) number(c *conversation) {
	c.seq = st.nextSeq
	st.nextSeq++
	c.id = strconv.FormatInt(st.idBase+c.seq, 10)
	st.byID[c.id] = c
}

// addSeeded adds the generated conversations as add would one by one, but
// sorts once: their creation times are random, and inserting each in order
// cost O(n²) moves (most of the seeding time of big workspaces).
func (st *convStore) addSeeded(list []*conversation) {
	if len(st.byID) == 0 {
		st.byID = make(map[string]*conversation, len(list))
	}
	for _, c := range list {
		st.number(c)
	}
	st.order = append(st.order, list...)
	sort.Slice(st.order, func(i, j int) bool { return st.order[i].before(st.order[j].createdAt, st.order[j].seq) })
}

func (st *convStore) newPart(p *convPart) *convPart {
	st.nextPart++
	p.id = st.nextPart
	return p
}

func (st *convStore) newMessageID() string {
	st.nextMsg++
	return strconv.FormatInt(st.nextMsg, 10)
}

// Views (the conversation schema).

type convView struct {
	Type               string            `json:"type"`
	ID                 string            `json:"id"`
	Title              *string           `json:"title"`
	CreatedAt          int64             `json:"created_at"`
	UpdatedAt          int64             `json:"updated_at"`
	WaitingSince       *int64            `json:"waiting_since"`
	SnoozedUntil       *int64            `json:"snoozed_until"`
	Open               bool              `json:"open"`
	State              string            `json:"state"`
	Read               bool              `json:"read"`
	Priority           string            `json:"priority"`
	AdminAssigneeID    *int64            `json:"admin_assignee_id"`
	TeamAssigneeID     *int64            `json:"team_assignee_id"`
	Tags               convTagsView      `json:"tags"`
	ConversationRating *struct{}         `json:"conversation_rating"`
	Source             convSourceView    `json:"source"`
	Contacts           convContactsView  `json:"contacts"`
	Teammates          convTeammatesView `json:"teammates"`
	CustomAttributes   map[string]any    `json:"custom_attributes"`
	FirstContactReply  *firstReplyView   `json:"first_contact_reply"`
	SLAApplied         *struct{}         `json:"sla_applied"`
	Statistics         *struct{}         `json:"statistics"`
	ConversationParts  *convPartsView    `json:"conversation_parts,omitempty"`
	LinkedObjects      linkedObjectsView `json:"linked_objects"`
	AIAgentPart        bool              `json:"ai_agent_participated"`
}

// validationSample keeps every tenth part (see sampler).
func (v convView) validationSample(offset int) any {
	if v.ConversationParts == nil {
		return v
	}
	out := v
	parts := *v.ConversationParts
	parts.ConversationParts = nil
	for i := offset; i < len(v.ConversationParts.ConversationParts); i += sampleEvery {
		parts.ConversationParts = append(parts.ConversationParts, v.ConversationParts.ConversationParts[i])
	}
	if parts.ConversationParts == nil {
		parts.ConversationParts = []partView{}
	}
	out.ConversationParts = &parts
	return out
}

type convTagsView struct {
	Type string    `json:"type"`
	Tags []tagView `json:"tags"`
}

type convSourceView struct {
	Type        string           `json:"type"`
	ID          string           `json:"id"`
	DeliveredAs string           `json:"delivered_as"`
	Subject     string           `json:"subject"`
	Body        string           `json:"body"`
	Author      partAuthorView   `json:"author"`
	Attachments []attachmentView `json:"attachments"`
	URL         *string          `json:"url"`
	Redacted    bool             `json:"redacted"`
}

type partAuthorView struct {
	Type        string  `json:"type"`
	ID          string  `json:"id"`
	Name        *string `json:"name"`
	Email       string  `json:"email,omitempty"`
	FromAIAgent bool    `json:"from_ai_agent"`
	IsAIAnswer  bool    `json:"is_ai_answer"`
}

type attachmentView struct {
	Type        string `json:"type"`
	Name        string `json:"name"`
	URL         string `json:"url"`
	ContentType string `json:"content_type"`
	FileSize    int64  `json:"filesize"`
	Width       int    `json:"width"`
	Height      int    `json:"height"`
}

type convContactsView struct {
	Type     string           `json:"type"`
	Contacts []contactRefView `json:"contacts"`
}

type contactRefView struct {
	Type       string  `json:"type"`
	ID         string  `json:"id"`
	ExternalID *string `json:"external_id"`
}

type convTeammatesView struct {
	Type      string      `json:"type"`
	Teammates []reference `json:"teammates"`
}

type firstReplyView struct {
	CreatedAt int64   `json:"created_at"`
	Type      string  `json:"type"`
	URL       *string `json:"url"`
}

type convPartsView struct {
	Type              string     `json:"type"`
	ConversationParts []partView `json:"conversation_parts"`
	TotalCount        int        `json:"total_count"`
}

type partView struct {
	Type        string           `json:"type"`
	ID          string           `json:"id"`
	PartType    string           `json:"part_type"`
	Body        *string          `json:"body"`
	CreatedAt   int64            `json:"created_at"`
	UpdatedAt   int64            `json:"updated_at"`
	NotifiedAt  int64            `json:"notified_at"`
	AssignedTo  *nullableRef     `json:"assigned_to,omitempty"`
	Author      partAuthorView   `json:"author"`
	Attachments []attachmentView `json:"attachments"`
	ExternalID  *string          `json:"external_id"`
	Redacted    bool             `json:"redacted"`
	State       string           `json:"state"`
}

type nullableRef struct {
	Type string  `json:"type"`
	ID   *string `json:"id"`
}

type linkedObjectsView struct {
	Type       string `json:"type"`
	TotalCount int    `json:"total_count"`
	HasMore    bool   `json:"has_more"`
	Data       []any  `json:"data"`
}

func (s *Sandbox) authorView(typ, id string) partAuthorView {
	v := partAuthorView{Type: typ, ID: id}
	switch typ {
	case "admin":
		if a := s.admins().byID[id]; a != nil {
			name := a.name
			v.Name, v.Email = &name, a.email
		}
	case "user", "lead", "contact":
		if c := s.contacts().byID[id]; c != nil {
			v.Name = strOrNil(c.name)
			if plausibleEmail(c.email) {
				v.Email = c.email
			}
		}
	case "bot":
		name := "Fin"
		v.Name = &name
	}
	return v
}

func attachmentViews(list []attachment) []attachmentView {
	out := make([]attachmentView, 0, len(list))
	for _, a := range list {
		out = append(out, attachmentView{Type: "upload", Name: a.name, URL: a.url, ContentType: a.contentType, FileSize: a.size})
	}
	return out
}

func (s *Sandbox) partView(p *convPart) partView {
	v := partView{
		Type: "conversation_part", ID: strconv.FormatInt(p.id, 10), PartType: p.partType,
		Body: strOrNil(p.body), CreatedAt: p.createdAt, UpdatedAt: p.updatedAt, NotifiedAt: p.createdAt,
		Author: s.authorView(p.authorType, p.authorID), Attachments: attachmentViews(p.attachments), State: p.state,
	}
	if p.assignType != "" {
		v.AssignedTo = &nullableRef{Type: p.assignType, ID: strOrNil(p.assignID)}
	}
	return v
}

// conversationView renders c; withParts adds its newest parts (Get).
func (s *Sandbox) conversationView(c *conversation, withParts bool) convView {
	v := convView{
		Type: "conversation", ID: c.id, Title: strOrNil(c.title), CreatedAt: c.createdAt, UpdatedAt: c.updatedAt,
		WaitingSince: timeOrNil(c.waiting), Open: c.state != "closed", State: c.state, Read: c.read,
		Priority: c.priority, CustomAttributes: make(map[string]any, len(c.custom)),
		Tags: convTagsView{Type: "tag.list", Tags: make([]tagView, 0, len(c.tags))},
		Source: convSourceView{
			Type: c.srcType, ID: c.msgID, DeliveredAs: c.deliveredAs, Subject: c.subject, Body: c.body,
			Author: s.authorView(c.authorType, c.authorID), Attachments: attachmentViews(c.attachments),
		},
		Contacts:      s.contactRefs(c.contacts),
		Teammates:     convTeammatesView{Type: "admin.list", Teammates: []reference{}},
		LinkedObjects: linkedObjectsView{Type: "list", Data: []any{}},
	}
	if c.state == "snoozed" {
		v.SnoozedUntil = timeOrNil(c.snoozedTill)
	}
	if c.adminAssign != 0 {
		id := c.adminAssign
		v.AdminAssigneeID = &id
	}
	if c.teamAssign != 0 {
		id := c.teamAssign
		v.TeamAssigneeID = &id
	}
	tags := s.tags()
	for _, ap := range c.tags {
		if t := tags.byID[ap.id]; t != nil {
			v.Tags.Tags = append(v.Tags.Tags, t.appliedView(ap))
		}
	}
	seen := map[string]bool{}
	for _, p := range c.parts {
		if p.authorType == "admin" && !seen[p.authorID] {
			seen[p.authorID] = true
			v.Teammates.Teammates = append(v.Teammates.Teammates, reference{Type: "admin", ID: p.authorID})
		}
	}
	if c.deliveredAs == "customer_initiated" {
		v.FirstContactReply = &firstReplyView{CreatedAt: c.createdAt, Type: c.srcType}
	}
	for k, x := range c.custom {
		v.CustomAttributes[k] = x
	}
	if withParts {
		v.ConversationParts = &convPartsView{Type: "conversation_part.list", ConversationParts: newestPartViews(c.parts, s.partView), TotalCount: len(c.parts)}
	}
	return v
}

// convPageOf cuts one page of list (in creation order) after cursor.
func (s *Sandbox) convPageOf(list []*conversation, perPage int, cursor string) (sampledPage[convView], bool) {
	items, pages, ok := timePage(convCursor, list, perPage, cursor, func(c *conversation) (int64, int64) { return c.createdAt, c.seq })
	if !ok {
		return sampledPage[convView]{}, false
	}
	view := func(c *conversation) convView { return s.conversationView(c, false) }
	return sampledPage[convView]{renderPage("conversation.list", "conversations", items, len(list), pages, view)}, true
}

// Handlers.

func listConversations(q *request) (int, any) {
	return timeList(q, DefaultConversationsPerPage, q.s.conversations().order, q.s.convPageOf)
}

const msgConversationNotFound = "Conversation not found"

func (q *request) conversation() *conversation {
	return q.s.conversations().byID[q.param("conversation_id")]
}

func getConversation(q *request) (int, any) {
	c := q.conversation()
	if c == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, msgConversationNotFound)
	}
	v := q.s.conversationView(c, true)
	if q.r.URL.Query().Get("display_as") == "plaintext" {
		v.Source.Body = plainText(v.Source.Body)
		for i := range v.ConversationParts.ConversationParts {
			if b := v.ConversationParts.ConversationParts[i].Body; b != nil {
				t := plainText(*b)
				v.ConversationParts.ConversationParts[i].Body = &t
			}
		}
	}
	return http.StatusOK, v
}

// plainText strips tags and unescapes entities; paragraphs and line breaks
// become newlines (as the migration reads a body: htmltext).
func plainText(s string) string { return htmltext.ToText(s) }

// paragraph is how Intercom stores a plain-text message.
func paragraph(text string) string {
	lines := strings.Split(strings.TrimSpace(text), "\n")
	for i, l := range lines {
		lines[i] = html.EscapeString(l)
	}
	return "<p>" + strings.Join(lines, "</p><p>") + "</p>"
}

func decodeBody(q *request, v any) (int, any, bool) {
	dec := json.NewDecoder(bytes.NewReader(q.body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		status, body := q.fail(http.StatusBadRequest, CodeParameterInvalid, "the body must be a JSON object: "+err.Error())
		return status, body, false
	}
	return 0, nil, true
}

// attachmentsOf checks attachment URLs and turns them into attachments.
func (q *request) attachmentsOf(urls []string) ([]attachment, int, any) {
	if len(urls) > MaxAttachmentURLs {
		status, body := q.failField(http.StatusBadRequest, CodeParameterInvalid, fmt.Sprintf("at most %d attachment_urls", MaxAttachmentURLs), "attachment_urls")
		return nil, status, body
	}
	var out []attachment
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			status, body := q.failField(http.StatusBadRequest, CodeParameterInvalid, "attachment_urls must be http(s) URLs", "attachment_urls")
			return nil, status, body
		}
		name := u.Path
		if i := strings.LastIndexByte(name, '/'); i >= 0 {
			name = name[i+1:]
		}
		if name == "" {
			name = "attachment"
		}
		out = append(out, attachment{name: name, url: raw, contentType: contentTypeOf(name), size: int64(1000 + len(raw)*37)})
	}
	return out, 0, nil
}

func contentTypeOf(name string) string {
	switch {
	case strings.HasSuffix(name, ".png"):
		return "image/png"
	case strings.HasSuffix(name, ".jpg"), strings.HasSuffix(name, ".jpeg"):
		return "image/jpeg"
	case strings.HasSuffix(name, ".pdf"):
		return "application/pdf"
	case strings.HasSuffix(name, ".csv"):
		return "text/csv"
	}
	return "application/octet-stream"
}

// createdAtOf returns the given time, or now; a time in the future is refused.
func (q *request) createdAtOf(t int64, field string) (int64, int, any) {
	if t == 0 {
		return q.now, 0, nil
	}
	if t < 0 || t > q.now+60 {
		status, body := q.failField(http.StatusBadRequest, CodeParameterInvalid, field+" must be a Unix time in the past", field)
		return 0, status, body
	}
	return t, 0, nil
}

type messageView struct {
	Type           string `json:"type"`
	ID             string `json:"id"`
	CreatedAt      int64  `json:"created_at"`
	Subject        string `json:"subject,omitempty"`
	Body           string `json:"body"`
	MessageType    string `json:"message_type"`
	ConversationID string `json:"conversation_id,omitempty"`
}

func createConversation(q *request) (int, any) {
	var in struct {
		From struct {
			Type string `json:"type"`
			ID   string `json:"id"`
		} `json:"from"`
		Body           string   `json:"body"`
		Subject        string   `json:"subject"`
		AttachmentURLs []string `json:"attachment_urls"`
		CreatedAt      int64    `json:"created_at"`
	}
	if status, body, ok := decodeBody(q, &in); !ok {
		return status, body
	}
	ct := q.s.contacts().byID[in.From.ID]
	if ct == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, MsgUserNotFound)
	}
	if (in.From.Type == "user" || in.From.Type == "lead") && in.From.Type != ct.role() {
		return q.failField(http.StatusBadRequest, CodeParameterInvalid, fmt.Sprintf("from.type is %s but the contact is a %s", in.From.Type, ct.role()), "from.type")
	}
	if strings.TrimSpace(in.Body) == "" {
		return q.failField(http.StatusBadRequest, CodeParameterInvalid, "Body is required", "body")
	}
	atts, status, body := q.attachmentsOf(in.AttachmentURLs)
	if status != 0 {
		return status, body
	}
	created, status, body := q.createdAtOf(in.CreatedAt, "created_at")
	if status != 0 {
		return status, body
	}
	st := q.s.conversations()
	c := &conversation{
		createdAt: created, updatedAt: q.now, msgID: st.newMessageID(), srcType: "conversation",
		deliveredAs: "customer_initiated", subject: in.Subject, body: paragraph(in.Body),
		authorType: ct.role(), authorID: ct.id, attachments: atts, contacts: []string{ct.id},
		state: "open", priority: "not_priority", waiting: created, custom: map[string]any{},
	}
	st.add(c)
	return http.StatusOK, messageView{Type: "user_message", ID: c.msgID, CreatedAt: created, Body: c.body, MessageType: "inapp", ConversationID: c.id}
}

func createMessage(q *request) (int, any) {
	var in struct {
		MessageType string `json:"message_type"`
		Subject     string `json:"subject"`
		Body        string `json:"body"`
		Template    string `json:"template"`
		From        *struct {
			Type string      `json:"type"`
			ID   json.Number `json:"id"`
		} `json:"from"`
		To        json.RawMessage `json:"to"`
		CreatedAt int64           `json:"created_at"`
		Convo     bool            `json:"create_conversation_without_contact_reply"`
	}
	if status, body, ok := decodeBody(q, &in); !ok {
		return status, body
	}
	if strings.TrimSpace(in.Body) == "" {
		return q.failField(http.StatusBadRequest, CodeParameterInvalid, "Body is required", "body")
	}
	if in.MessageType == "email" && strings.TrimSpace(in.Subject) == "" {
		return q.fail(http.StatusUnprocessableEntity, "parameter_not_found", "No subject supplied for email message")
	}
	sender := q.meAdmin()
	if in.From != nil {
		if sender = q.s.admins().byID[in.From.ID.String()]; sender == nil {
			return q.fail(http.StatusNotFound, "admin_not_found", "Admin not found")
		}
	}
	var to struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	}
	raw := bytes.TrimSpace(in.To)
	if len(raw) > 0 && raw[0] == '[' {
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil || len(list) != 1 {
			return q.failField(http.StatusBadRequest, CodeParameterInvalid, "the sandbox sends a message to exactly one recipient", "to")
		}
		raw = list[0]
	}
	if err := json.Unmarshal(raw, &to); err != nil || to.ID == "" {
		return q.failField(http.StatusBadRequest, CodeParameterInvalid, "to must name a contact", "to")
	}
	ct := q.s.contacts().byID[to.ID]
	if ct == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, MsgUserNotFound)
	}
	created, status, body := q.createdAtOf(in.CreatedAt, "created_at")
	if status != 0 {
		return status, body
	}
	st := q.s.conversations()
	msgType := "inapp"
	srcType := "conversation"
	if in.MessageType == "email" {
		msgType, srcType = "email", "email"
	}
	m := messageView{Type: "admin_message", ID: st.newMessageID(), CreatedAt: created, Subject: in.Subject, Body: in.Body, MessageType: msgType}
	if !in.Convo {
		return http.StatusOK, m
	}
	c := &conversation{
		createdAt: created, updatedAt: q.now, msgID: m.ID, srcType: srcType, deliveredAs: "admin_initiated",
		subject: in.Subject, body: in.Body, authorType: "admin", authorID: sender.id, contacts: []string{ct.id},
		state: "open", priority: "not_priority", custom: map[string]any{},
	}
	st.add(c)
	m.ConversationID = c.id
	return http.StatusOK, m
}

func replyConversation(q *request) (int, any) {
	c := q.conversation()
	if c == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, msgConversationNotFound)
	}
	in, status, body := q.parseReply(c.hasContact, "the contact does not take part in this conversation")
	if in == nil {
		return status, body
	}
	p := &convPart{partType: in.messageType, body: in.body, createdAt: in.createdAt, updatedAt: q.now, attachments: in.attachments}
	if a := in.admin; a != nil {
		p.authorType, p.authorID = "admin", a.id
		if in.messageType == "comment" {
			c.waiting = 0
		}
	} else {
		p.authorType, p.authorID = in.contact.role(), in.contact.id
		if c.state != "open" {
			c.state, c.snoozedTill = "open", 0
		}
		c.waiting = in.createdAt
	}
	return q.addConvPart(c, p)
}

// addConvPart appends a part made by a request to c and answers c.
func (q *request) addConvPart(c *conversation, p *convPart) (int, any) {
	p.state = c.state
	c.parts = append(c.parts, q.s.conversations().newPart(p))
	c.updatedAt = max(c.updatedAt, q.now)
	return http.StatusOK, q.s.conversationView(c, true)
}

func manageConversation(q *request) (int, any) {
	c := q.conversation()
	if c == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, msgConversationNotFound)
	}
	var in struct {
		MessageType  string `json:"message_type"`
		Type         string `json:"type"`
		AdminID      string `json:"admin_id"`
		AssigneeID   string `json:"assignee_id"`
		Body         string `json:"body"`
		SnoozedUntil int64  `json:"snoozed_until"`
	}
	if status, body, ok := decodeBody(q, &in); !ok {
		return status, body
	}
	admins := q.s.admins()
	a := admins.byID[in.AdminID]
	if a == nil {
		return q.fail(http.StatusNotFound, "admin_not_found", "Admin not found")
	}
	p := &convPart{partType: in.MessageType, body: in.Body, createdAt: q.now, updatedAt: q.now, authorType: "admin", authorID: a.id}
	switch in.MessageType {
	case "close":
		c.state, c.snoozedTill = "closed", 0
	case "open":
		c.state, c.snoozedTill = "open", 0
	case "snoozed":
		if in.SnoozedUntil <= q.now {
			return q.failField(http.StatusBadRequest, CodeParameterInvalid, "snoozed_until must be in the future", "snoozed_until")
		}
		c.state, c.snoozedTill = "snoozed", in.SnoozedUntil
	case "assignment":
		switch {
		case in.AssigneeID == "0":
			p.assignType = "nobody_admin"
			if in.Type == "team" {
				c.teamAssign = 0
			} else {
				c.adminAssign = 0
			}
		case in.Type == "team":
			return q.fail(http.StatusNotFound, CodeNotFound, "Team not found")
		default:
			to := admins.byID[in.AssigneeID]
			if to == nil {
				return q.fail(http.StatusNotFound, "admin_not_found", "Assignee not found")
			}
			if !to.hasInboxSeat {
				return q.fail(http.StatusForbidden, "admin_without_inbox_seat", "The assignee does not have an inbox seat")
			}
			p.assignType, p.assignID = "admin", to.id
			c.adminAssign = to.num
		}
	default:
		return q.failField(http.StatusBadRequest, CodeParameterInvalid, "message_type must be close, open, snoozed or assignment", "message_type")
	}
	return q.addConvPart(c, p)
}

func updateConversation(q *request) (int, any) {
	c := q.conversation()
	if c == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, msgConversationNotFound)
	}
	var in struct {
		Title            *string                    `json:"title"`
		Read             *bool                      `json:"read"`
		CustomAttributes map[string]json.RawMessage `json:"custom_attributes"`
		CompanyID        *string                    `json:"company_id"`
	}
	if status, body, ok := decodeBody(q, &in); !ok {
		return status, body
	}
	if in.CompanyID != nil {
		return q.failField(http.StatusBadRequest, CodeParameterInvalid, "the sandbox does not attach companies to conversations", "company_id")
	}
	custom := make(map[string]any, len(c.custom))
	for k, v := range c.custom {
		custom[k] = v
	}
	for _, name := range sortedKeys(in.CustomAttributes) {
		field := "custom_attributes." + name
		def := conversationAttribute(name)
		if def == nil {
			return q.failField(http.StatusBadRequest, CodeParameterInvalid, fmt.Sprintf("Custom attribute '%s' does not exist", name), field)
		}
		raw := in.CustomAttributes[name]
		if isNull(raw) {
			delete(custom, name)
			continue
		}
		v, err := convAttrValue(def, raw)
		if err != nil {
			return q.failField(http.StatusBadRequest, CodeParameterInvalid, fmt.Sprintf("Custom attribute '%s' %v", name, err), field)
		}
		custom[name] = v
	}
	c.custom = custom
	if in.Title != nil {
		c.title = *in.Title
	}
	if in.Read != nil {
		c.read = *in.Read
	}
	c.updatedAt = max(c.updatedAt, q.now)
	return http.StatusOK, q.s.conversationView(c, true)
}

func convAttrValue(def *ConversationAttribute, raw json.RawMessage) (any, error) {
	switch def.DataType {
	case "integer":
		i, err := integerValue(raw)
		if err != nil {
			return nil, err
		}
		return i, nil
	default:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("must be a string")
		}
		if def.DataType == "options" {
			return optionValue(s, def.Options)
		}
		return s, nil
	}
}

func tagConversation(q *request) (int, any) {
	c := q.conversation()
	if c == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, msgConversationNotFound)
	}
	var in struct {
		ID      json.RawMessage `json:"id"`
		AdminID json.RawMessage `json:"admin_id"`
	}
	if status, body, ok := decodeBody(q, &in); !ok {
		return status, body
	}
	t := q.s.tags().lookup(strings.Trim(string(in.ID), `"`))
	if t == nil {
		return q.fail(http.StatusNotFound, "tag_not_found", "Tag not found")
	}
	a := q.s.admins().byID[strings.Trim(string(in.AdminID), `"`)]
	if a == nil {
		return q.fail(http.StatusNotFound, "admin_not_found", "Admin not found")
	}
	for _, ap := range c.tags {
		if ap.id == t.id {
			return http.StatusOK, t.appliedView(ap)
		}
	}
	ap := appliedTag{id: t.id, at: q.now, by: a.id}
	c.tags = append(c.tags, ap)
	return http.StatusOK, t.appliedView(ap)
}

func untagConversation(q *request) (int, any) {
	c := q.conversation()
	if c == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, msgConversationNotFound)
	}
	var in struct {
		AdminID json.RawMessage `json:"admin_id"`
	}
	if status, body, ok := decodeBody(q, &in); !ok {
		return status, body
	}
	if q.s.admins().byID[strings.Trim(string(in.AdminID), `"`)] == nil {
		return q.fail(http.StatusNotFound, "admin_not_found", "Admin not found")
	}
	t := q.s.tags().lookup(q.param("tag_id"))
	if t == nil {
		return q.fail(http.StatusNotFound, "tag_not_found", "Tag not found")
	}
	for i, ap := range c.tags {
		if ap.id == t.id {
			c.tags = append(c.tags[:i:i], c.tags[i+1:]...)
			return http.StatusOK, t.appliedView(ap)
		}
	}
	return q.fail(http.StatusNotFound, "tag_not_found", "Tag not found")
}
