package intercomtest

import (
	"net/http"
	"strings"
)

// replyIn is a decoded reply (POST /conversations/{id}/reply and POST
// /tickets/{id}/reply take the same body and the same rules): a comment or
// note of an admin, or a comment of a contact taking part.
type replyIn struct {
	messageType string
	body        string
	createdAt   int64
	attachments []attachment
	admin       *admin   // type admin
	contact     *contact // type user
}

// parseReply decodes and checks a reply. takesPart tells whether a contact
// may reply; one who may not is answered 400 with notTaking.
func (q *request) parseReply(takesPart func(contactID string) bool, notTaking string) (*replyIn, int, any) {
	fail := func(status int, body any) (*replyIn, int, any) { return nil, status, body }
	var in struct {
		MessageType    string   `json:"message_type"`
		Type           string   `json:"type"`
		AdminID        string   `json:"admin_id"`
		IntercomUserID string   `json:"intercom_user_id"`
		UserID         string   `json:"user_id"`
		Email          string   `json:"email"`
		Body           string   `json:"body"`
		CreatedAt      int64    `json:"created_at"`
		AttachmentURLs []string `json:"attachment_urls"`
		ReplyOptions   []any    `json:"reply_options"`
	}
	if status, body, ok := decodeBody(q, &in); !ok {
		return fail(status, body)
	}
	if in.MessageType == "quick_reply" || in.ReplyOptions != nil {
		return fail(q.invalid("message_type", "the sandbox does not implement quick replies"))
	}
	if strings.TrimSpace(in.Body) == "" {
		return fail(q.invalid("body", "Body is required"))
	}
	atts, status, body := q.attachmentsOf(in.AttachmentURLs)
	if status != 0 {
		return fail(status, body)
	}
	created, status, body := q.createdAtOf(in.CreatedAt, "created_at")
	if status != 0 {
		return fail(status, body)
	}
	r := &replyIn{messageType: in.MessageType, body: in.Body, createdAt: created, attachments: atts}
	switch in.Type {
	case "admin":
		if r.admin = q.s.admins().byID[in.AdminID]; r.admin == nil {
			return fail(q.fail(http.StatusNotFound, "admin_not_found", "Admin not found"))
		}
		if in.MessageType != "comment" && in.MessageType != "note" {
			return fail(q.invalid("message_type", "message_type must be comment or note"))
		}
	case "user":
		if r.contact = q.s.contacts().byRef(in.IntercomUserID, in.UserID, in.Email); r.contact == nil {
			return fail(q.fail(http.StatusNotFound, CodeNotFound, MsgUserNotFound))
		}
		if !takesPart(r.contact.id) {
			return fail(q.fail(http.StatusBadRequest, CodeParameterInvalid, notTaking))
		}
		if in.MessageType != "comment" {
			return fail(q.invalid("message_type", "a contact's reply is a comment"))
		}
	default:
		return fail(q.invalid("type", "type must be admin or user"))
	}
	return r, 0, nil
}
