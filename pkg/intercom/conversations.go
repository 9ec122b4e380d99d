package intercom

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"strings"
)

// ConversationsService reads conversations with their parts and writes them:
// creating one (with its original time, for importing history), replying as
// an admin or a contact, closing, opening, snoozing, assigning, tagging and
// updating its attributes.
type ConversationsService service

// MaxConversationParts is the most parts GET /conversations/{id} returns:
// Intercom returns the newest 500 of a longer conversation.
const MaxConversationParts = 500

// partsTruncated reports whether Intercom left parts out of a conversation or
// a ticket that answered returned of them with total_count total. Exactly
// MaxConversationParts counts as cut too, since Intercom's total_count may be
// the count returned rather than the thread's.
func partsTruncated(total, returned int) bool {
	return total > returned || returned >= MaxConversationParts
}

// MaxAttachmentURLs is how many attachment URLs one reply or one new
// conversation may carry.
const MaxAttachmentURLs = 10

// Conversation states.
const (
	StateOpen    = "open"
	StateClosed  = "closed"
	StateSnoozed = "snoozed"
)

// Conversation is a conversation; ConversationParts is set when it was read
// with Get, not when listed or searched.
type Conversation struct {
	Type         string `json:"type,omitempty"`
	ID           string `json:"id"`
	Title        string `json:"title,omitempty"`
	CreatedAt    int64  `json:"created_at,omitempty"`
	UpdatedAt    int64  `json:"updated_at,omitempty"`
	WaitingSince int64  `json:"waiting_since,omitempty"`
	SnoozedUntil int64  `json:"snoozed_until,omitempty"`
	Open         bool   `json:"open"`
	// State is open, closed or snoozed.
	State    string `json:"state,omitempty"`
	Read     bool   `json:"read"`
	Priority string `json:"priority,omitempty"`
	// AdminAssigneeID and TeamAssigneeID are 0 when unassigned.
	AdminAssigneeID   int64                 `json:"admin_assignee_id,omitempty"`
	TeamAssigneeID    int64                 `json:"team_assignee_id,omitempty"`
	Tags              *ConversationTags     `json:"tags,omitempty"`
	Source            *ConversationSource   `json:"source,omitempty"`
	Contacts          *ConversationContacts `json:"contacts,omitempty"`
	CustomAttributes  map[string]any        `json:"custom_attributes,omitempty"`
	ConversationParts *ConversationPartList `json:"conversation_parts,omitempty"`
}

// Parts returns the parts read with the conversation (nil when listed).
func (c *Conversation) Parts() []*ConversationPart {
	if c == nil || c.ConversationParts == nil {
		return nil
	}
	return c.ConversationParts.ConversationParts
}

// PartsTruncated reports whether Intercom left parts out: it returns the
// newest MaxConversationParts of a longer conversation. A conversation with
// exactly that many parts is reported too (see partsTruncated).
func (c *Conversation) PartsTruncated() bool {
	return c != nil && c.ConversationParts != nil && partsTruncated(c.ConversationParts.TotalCount, len(c.Parts()))
}

// ConversationSource is the message that started a conversation.
type ConversationSource struct {
	// Type is the channel: conversation (in-app), email, ...
	Type string `json:"type,omitempty"`
	ID   string `json:"id,omitempty"`
	// DeliveredAs is customer_initiated, admin_initiated, operator_initiated,
	// automated or campaigns_initiated.
	DeliveredAs string           `json:"delivered_as,omitempty"`
	Subject     string           `json:"subject,omitempty"`
	Body        string           `json:"body,omitempty"`
	Author      *PartAuthor      `json:"author,omitempty"`
	Attachments []PartAttachment `json:"attachments,omitempty"`
	URL         string           `json:"url,omitempty"`
	Redacted    bool             `json:"redacted,omitempty"`
}

// PartAuthor wrote a part: an admin, a bot, a team, or a contact (type user,
// lead or contact).
type PartAuthor struct {
	Type  string `json:"type,omitempty"`
	ID    string `json:"id,omitempty"`
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
}

// IsContact reports whether the author is a contact (user or lead).
func (a *PartAuthor) IsContact() bool {
	return a != nil && (a.Type == "user" || a.Type == "lead" || a.Type == "contact")
}

// PartAttachment is a file attached to a part.
type PartAttachment struct {
	Type        string `json:"type,omitempty"`
	Name        string `json:"name,omitempty"`
	URL         string `json:"url,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	FileSize    int64  `json:"filesize,omitempty"`
	Width       int    `json:"width,omitempty"`
	Height      int    `json:"height,omitempty"`
}

// ConversationPart is one message or event of a conversation.
type ConversationPart struct {
	Type string `json:"type,omitempty"`
	ID   string `json:"id"`
	// PartType is comment, note, assignment, close, open, snoozed, or one of
	// Intercom's many event types (timer_unsnooze, participant_added...).
	PartType   string `json:"part_type"`
	Body       string `json:"body,omitempty"`
	CreatedAt  int64  `json:"created_at,omitempty"`
	UpdatedAt  int64  `json:"updated_at,omitempty"`
	NotifiedAt int64  `json:"notified_at,omitempty"`
	// AssignedTo is the new assignee of an assignment part.
	AssignedTo  *Reference       `json:"assigned_to,omitempty"`
	Author      *PartAuthor      `json:"author,omitempty"`
	Attachments []PartAttachment `json:"attachments,omitempty"`
	ExternalID  string           `json:"external_id,omitempty"`
	Redacted    bool             `json:"redacted,omitempty"`
	// State is the conversation's state when the part was created.
	State string `json:"state,omitempty"`
}

// ConversationPartList is the parts of a conversation, oldest first.
// TotalCount may exceed len(ConversationParts): see PartsTruncated.
type ConversationPartList struct {
	Type              string              `json:"type,omitempty"`
	ConversationParts []*ConversationPart `json:"conversation_parts"`
	TotalCount        int                 `json:"total_count"`
}

// ConversationTags are the tags of a conversation.
type ConversationTags struct {
	Type string             `json:"type,omitempty"`
	Tags []*ConversationTag `json:"tags"`
}

// ConversationTag is a tag applied to a conversation (or a ticket).
type ConversationTag struct {
	Type      string     `json:"type,omitempty"`
	ID        string     `json:"id"`
	Name      string     `json:"name,omitempty"`
	AppliedAt int64      `json:"applied_at,omitempty"`
	AppliedBy *Reference `json:"applied_by,omitempty"`
}

// ConversationContacts are the contacts taking part in a conversation.
type ConversationContacts struct {
	Type     string             `json:"type,omitempty"`
	Contacts []ContactReference `json:"contacts"`
}

// ContactReference names a contact.
type ContactReference struct {
	Type       string `json:"type,omitempty"`
	ID         string `json:"id"`
	ExternalID string `json:"external_id,omitempty"`
}

// ConversationList is one page of conversations (without their parts).
type ConversationList struct {
	Type          string          `json:"type,omitempty"`
	Conversations []*Conversation `json:"conversations"`
	TotalCount    int             `json:"total_count"`
	Pages         *cursorPages    `json:"pages,omitempty"`
}

// Message is what creating a conversation or a message answers.
// ConversationID names the conversation it started.
type Message struct {
	Type           string `json:"type,omitempty"`
	ID             string `json:"id"`
	CreatedAt      int64  `json:"created_at,omitempty"`
	Subject        string `json:"subject,omitempty"`
	Body           string `json:"body,omitempty"`
	MessageType    string `json:"message_type,omitempty"`
	ConversationID string `json:"conversation_id,omitempty"`
}

// List reads one page of conversations: GET /conversations. The parts are
// not included (Get reads them).
func (s *ConversationsService) List(ctx context.Context, opts *ListOptions) (*ConversationList, *Response, error) {
	if err := opts.validate(); err != nil {
		return nil, nil, err
	}
	return s.page(ctx, "GET", "conversations", opts.query(), nil)
}

// All streams every conversation, page by page.
func (s *ConversationsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[*Conversation, error] {
	return iterate(ctx, opts, listPages(s.List, (*ConversationList).cursorPage))
}

// Search reads one page of the conversations matching q:
// POST /conversations/search. Intercom's search is eventually consistent.
func (s *ConversationsService) Search(ctx context.Context, q Filter, opts *ListOptions) (*ConversationList, *Response, error) {
	body, err := newSearchRequest(q, opts)
	if err != nil {
		return nil, nil, err
	}
	return s.page(ctx, "POST", "conversations/search", nil, body)
}

// SearchAll streams every conversation matching q.
func (s *ConversationsService) SearchAll(ctx context.Context, q Filter, opts *ListOptions) iter.Seq2[*Conversation, error] {
	return iterate(ctx, opts, searchPages(s.Search, q, (*ConversationList).cursorPage))
}

func (s *ConversationsService) page(ctx context.Context, method, path string, q url.Values, body any) (*ConversationList, *Response, error) {
	return callCursorPage(ctx, s.client, method, path, q, body, (*ConversationList).cursorPage)
}

func (l *ConversationList) cursorPage() ([]*Conversation, *cursorPages) {
	return l.Conversations, l.Pages
}

// ConversationGetOptions change how Get renders a conversation.
type ConversationGetOptions struct {
	// PlainText asks for bodies as plain text (display_as=plaintext).
	PlainText bool
}

// Get reads a conversation with its parts (the newest MaxConversationParts
// of them): GET /conversations/{id}.
func (s *ConversationsService) Get(ctx context.Context, id string, opts *ConversationGetOptions) (*Conversation, *Response, error) {
	if id == "" {
		return nil, nil, errors.New("intercom: empty conversation id")
	}
	var q url.Values
	if opts != nil && opts.PlainText {
		q = url.Values{"display_as": {"plaintext"}}
	}
	return s.one(ctx, "GET", "conversations/"+pathSegment(id), q, nil)
}

// ConversationFrom is the contact a new conversation comes from.
type ConversationFrom struct {
	// Type is user, lead or contact.
	Type string `json:"type"`
	ID   string `json:"id"`
}

// CreateConversationRequest starts a conversation from a contact.
type CreateConversationRequest struct {
	From ConversationFrom `json:"from"`
	// Body is plain text (Intercom does not take HTML here).
	Body           string   `json:"body"`
	Subject        string   `json:"subject,omitempty"`
	AttachmentURLs []string `json:"attachment_urls,omitempty"`
	// CreatedAt (Unix seconds) dates the conversation in the past, for
	// importing history; 0 means now.
	CreatedAt int64 `json:"created_at,omitempty"`
}

// Create starts a conversation from a contact: POST /conversations. The
// answer is the first message; its ConversationID names the conversation.
func (s *ConversationsService) Create(ctx context.Context, r *CreateConversationRequest) (*Message, *Response, error) {
	if r == nil || r.From.ID == "" || r.From.Type == "" {
		return nil, nil, errors.New("intercom: a new conversation needs from.type and from.id")
	}
	if r.Body == "" {
		return nil, nil, errors.New("intercom: a new conversation needs a body")
	}
	if len(r.AttachmentURLs) > MaxAttachmentURLs {
		return nil, nil, fmt.Errorf("intercom: %d attachment URLs (at most %d)", len(r.AttachmentURLs), MaxAttachmentURLs)
	}
	return callDecode[Message](ctx, s.client, "POST", "conversations", nil, r, nil)
}

// Reply message types.
const (
	MessageTypeComment = "comment"
	MessageTypeNote    = "note"
)

// ReplyRequest is a reply to a conversation, by an admin (Type "admin",
// AdminID) or by a contact (Type "user" and one of IntercomUserID, UserID
// or Email).
type ReplyRequest struct {
	// MessageType is comment or note (notes are admins' only).
	MessageType    string `json:"message_type"`
	Type           string `json:"type"`
	AdminID        string `json:"admin_id,omitempty"`
	IntercomUserID string `json:"intercom_user_id,omitempty"`
	UserID         string `json:"user_id,omitempty"`
	Email          string `json:"email,omitempty"`
	Body           string `json:"body,omitempty"`
	// CreatedAt (Unix seconds) dates the reply in the past; 0 means now.
	CreatedAt      int64    `json:"created_at,omitempty"`
	AttachmentURLs []string `json:"attachment_urls,omitempty"`
}

func (r *ReplyRequest) validate() error {
	if r == nil {
		return errors.New("intercom: nil reply")
	}
	switch r.Type {
	case "admin":
		if r.AdminID == "" {
			return errors.New("intercom: an admin reply needs admin_id")
		}
		if r.MessageType != MessageTypeComment && r.MessageType != MessageTypeNote {
			return fmt.Errorf("intercom: admin reply of message type %q (want comment or note)", r.MessageType)
		}
	case "user":
		if r.IntercomUserID == "" && r.UserID == "" && r.Email == "" {
			return errors.New("intercom: a contact reply needs intercom_user_id, user_id or email")
		}
		if r.MessageType != MessageTypeComment {
			return fmt.Errorf("intercom: contact reply of message type %q (want comment)", r.MessageType)
		}
	default:
		return fmt.Errorf("intercom: reply of type %q (want admin or user)", r.Type)
	}
	if strings.TrimSpace(r.Body) == "" {
		return errors.New("intercom: a reply needs a body")
	}
	if len(r.AttachmentURLs) > MaxAttachmentURLs {
		return fmt.Errorf("intercom: %d attachment URLs (at most %d)", len(r.AttachmentURLs), MaxAttachmentURLs)
	}
	return nil
}

// Reply adds a comment or a note: POST /conversations/{id}/reply. The
// answer is the conversation with its parts.
func (s *ConversationsService) Reply(ctx context.Context, id string, r *ReplyRequest) (*Conversation, *Response, error) {
	path, err := replyPath("conversations", "conversation", id, r)
	if err != nil {
		return nil, nil, err
	}
	return s.one(ctx, "POST", path, nil, r)
}

// AppendReply is Reply without reading Intercom's answer back. The answer
// is the whole conversation with up to 500 parts, hundreds of kilobytes
// that a writer appending parts one after another (a migration) does not
// need: decoding it made appending to a long conversation quadratic. Errors
// are Reply's.
func (s *ConversationsService) AppendReply(ctx context.Context, id string, r *ReplyRequest) (*Response, error) {
	path, err := replyPath("conversations", "conversation", id, r)
	if err != nil {
		return nil, err
	}
	return s.client.call(ctx, "POST", path, nil, r, nil)
}

// replyPath checks a reply to the conversation or ticket id (of the kind
// named, kept in collection) and names the route it is posted to.
func replyPath(collection, kind, id string, r *ReplyRequest) (string, error) {
	if id == "" {
		return "", errors.New("intercom: empty " + kind + " id")
	}
	if err := r.validate(); err != nil {
		return "", err
	}
	return collection + "/" + pathSegment(id) + "/reply", nil
}

// manageRequest is the body of POST /conversations/{id}/parts.
type manageRequest struct {
	MessageType  string `json:"message_type"`
	Type         string `json:"type,omitempty"`
	AdminID      string `json:"admin_id"`
	AssigneeID   string `json:"assignee_id,omitempty"`
	Body         string `json:"body,omitempty"`
	SnoozedUntil int64  `json:"snoozed_until,omitempty"`
}

func (s *ConversationsService) manage(ctx context.Context, id string, r *manageRequest) (*Conversation, *Response, error) {
	if id == "" {
		return nil, nil, errors.New("intercom: empty conversation id")
	}
	if r.AdminID == "" {
		return nil, nil, fmt.Errorf("intercom: %s needs the admin_id of the admin performing it", r.MessageType)
	}
	return s.one(ctx, "POST", "conversations/"+pathSegment(id)+"/parts", nil, r)
}

// Close closes a conversation, with an optional message: POST
// /conversations/{id}/parts. The API takes no time: the part is dated now.
func (s *ConversationsService) Close(ctx context.Context, id, adminID, body string) (*Conversation, *Response, error) {
	return s.manage(ctx, id, &manageRequest{MessageType: "close", Type: "admin", AdminID: adminID, Body: body})
}

// Open reopens a closed or snoozed conversation.
func (s *ConversationsService) Open(ctx context.Context, id, adminID string) (*Conversation, *Response, error) {
	return s.manage(ctx, id, &manageRequest{MessageType: "open", AdminID: adminID})
}

// Snooze snoozes a conversation until a time (Unix seconds) in the future.
func (s *ConversationsService) Snooze(ctx context.Context, id, adminID string, until int64) (*Conversation, *Response, error) {
	if until <= 0 {
		return nil, nil, errors.New("intercom: snoozing needs snoozed_until")
	}
	return s.manage(ctx, id, &manageRequest{MessageType: "snoozed", AdminID: adminID, SnoozedUntil: until})
}

// AssignRequest assigns a conversation.
type AssignRequest struct {
	// AdminID performs the assignment.
	AdminID string
	// AssigneeID is the admin or team to assign to; "0" unassigns.
	AssigneeID string
	// AssigneeType is admin (default) or team.
	AssigneeType string
	// Body is an optional message sent with the assignment.
	Body string
}

// Assign assigns a conversation to an admin or a team. Intercom refuses
// (403) an admin without an inbox seat.
func (s *ConversationsService) Assign(ctx context.Context, id string, r *AssignRequest) (*Conversation, *Response, error) {
	if r == nil || r.AssigneeID == "" {
		return nil, nil, errors.New("intercom: an assignment needs assignee_id (\"0\" to unassign)")
	}
	typ := r.AssigneeType
	if typ == "" {
		typ = "admin"
	}
	if typ != "admin" && typ != "team" {
		return nil, nil, fmt.Errorf("intercom: assignee type %q (want admin or team)", typ)
	}
	return s.manage(ctx, id, &manageRequest{MessageType: "assignment", Type: typ, AdminID: r.AdminID, AssigneeID: r.AssigneeID, Body: r.Body})
}

// ConversationUpdate changes a conversation's title, read flag and custom
// attributes. Nil fields are not sent.
type ConversationUpdate struct {
	Title            *string        `json:"title,omitempty"`
	Read             *bool          `json:"read,omitempty"`
	CustomAttributes map[string]any `json:"custom_attributes,omitempty"`
}

// Update changes a conversation: PUT /conversations/{id}.
func (s *ConversationsService) Update(ctx context.Context, id string, r *ConversationUpdate) (*Conversation, *Response, error) {
	if id == "" {
		return nil, nil, errors.New("intercom: empty conversation id")
	}
	if r == nil {
		return nil, nil, errors.New("intercom: nil conversation update")
	}
	return s.one(ctx, "PUT", "conversations/"+pathSegment(id), nil, r)
}

// AddTag tags a conversation, as an admin: POST /conversations/{id}/tags.
// Tagging twice is harmless.
func (s *ConversationsService) AddTag(ctx context.Context, id, tagID, adminID string) (*ConversationTag, *Response, error) {
	if id == "" || tagID == "" || adminID == "" {
		return nil, nil, errors.New("intercom: tagging a conversation needs its id, the tag id and an admin id")
	}
	body := struct {
		ID      string `json:"id"`
		AdminID string `json:"admin_id"`
	}{tagID, adminID}
	return callDecode[ConversationTag](ctx, s.client, "POST", "conversations/"+pathSegment(id)+"/tags", nil, body, nil)
}

// RemoveTag untags a conversation: DELETE /conversations/{id}/tags/{tag_id}.
func (s *ConversationsService) RemoveTag(ctx context.Context, id, tagID, adminID string) (*ConversationTag, *Response, error) {
	if id == "" || tagID == "" || adminID == "" {
		return nil, nil, errors.New("intercom: untagging a conversation needs its id, the tag id and an admin id")
	}
	body := struct {
		AdminID string `json:"admin_id"`
	}{adminID}
	return callDecode[ConversationTag](ctx, s.client, "DELETE", "conversations/"+pathSegment(id)+"/tags/"+pathSegment(tagID), nil, body, nil)
}

func (s *ConversationsService) one(ctx context.Context, method, path string, q url.Values, body any) (*Conversation, *Response, error) {
	return callDecode(ctx, s.client, method, path, q, body, func(resp *Response, c *Conversation) error {
		return noNullItems(resp, c.Parts())
	})
}

// MessagesService sends messages from admins. With
// CreateConversationWithoutContactReply it starts a conversation at once,
// which is how a migration recreates an admin-initiated conversation.
type MessagesService service

// MessageRequest is an admin's outbound message.
type MessageRequest struct {
	// MessageType is in_app or email (email needs a Subject).
	MessageType string       `json:"message_type"`
	Subject     string       `json:"subject,omitempty"`
	Body        string       `json:"body"`
	Template    string       `json:"template,omitempty"`
	From        MessageFrom  `json:"from"`
	To          MessageRecip `json:"to"`
	// CreatedAt (Unix seconds) dates the message in the past; 0 means now.
	CreatedAt int64 `json:"created_at,omitempty"`
	// CreateConversationWithoutContactReply opens the conversation in the
	// inbox at once; the answer's ConversationID then names it.
	CreateConversationWithoutContactReply bool `json:"create_conversation_without_contact_reply,omitempty"`
}

// MessageFrom is the admin sending a message.
type MessageFrom struct {
	Type string `json:"type"` // admin
	ID   int64  `json:"id"`
}

// MessageRecip is the contact a message goes to.
type MessageRecip struct {
	Type string `json:"type"` // user or lead
	ID   string `json:"id"`
}

// Create sends a message: POST /messages.
func (s *MessagesService) Create(ctx context.Context, r *MessageRequest) (*Message, *Response, error) {
	if r == nil || r.From.ID == 0 || r.To.ID == "" {
		return nil, nil, errors.New("intercom: a message needs from.id (an admin) and to.id (a contact)")
	}
	if r.MessageType != "in_app" && r.MessageType != "email" {
		return nil, nil, fmt.Errorf("intercom: message type %q (want in_app or email)", r.MessageType)
	}
	if r.MessageType == "email" && r.Subject == "" {
		return nil, nil, errors.New("intercom: an email message needs a subject")
	}
	if r.Body == "" {
		return nil, nil, errors.New("intercom: a message needs a body")
	}
	if r.From.Type == "" {
		r2 := *r
		r2.From.Type = "admin"
		r = &r2
	}
	return callDecode[Message](ctx, s.client, "POST", "messages", nil, r, nil)
}
