package intercom

import (
	"context"
	"errors"
	"iter"
)

// NotesService reads and adds the notes teammates keep on contacts.
type NotesService service

// Note is a teammate's note on a contact. Intercom sets CreatedAt when the
// note is added: the API cannot backdate a note.
type Note struct {
	Type      string     `json:"type,omitempty"`
	ID        string     `json:"id"`
	CreatedAt int64      `json:"created_at,omitempty"`
	Contact   *Reference `json:"contact,omitempty"`
	// Author is the teammate who wrote it (nil when Intercom names none).
	Author *Admin `json:"author,omitempty"`
	// Body is HTML ("<p>Text</p>").
	Body string `json:"body"`
}

// NoteList is one page of a contact's notes, newest first.
type NoteList struct {
	Type       string       `json:"type,omitempty"`
	Data       []*Note      `json:"data"`
	TotalCount int          `json:"total_count"`
	Pages      *cursorPages `json:"pages,omitempty"`
}

// NoteRequest adds a note.
type NoteRequest struct {
	Body string `json:"body"`
	// AdminID is the author; empty: the teammate behind the token.
	AdminID string `json:"admin_id,omitempty"`
}

// List reads one page of a contact's notes, newest first:
// GET /contacts/{id}/notes. Response.NextCursor is the next page's cursor.
func (s *NotesService) List(ctx context.Context, contactID string, opts *ListOptions) (*NoteList, *Response, error) {
	if contactID == "" {
		return nil, nil, errors.New("intercom: empty contact id")
	}
	if err := opts.validate(); err != nil {
		return nil, nil, err
	}
	var l NoteList
	resp, err := s.client.call(ctx, "GET", "contacts/"+pathSegment(contactID)+"/notes", opts.query(), nil, &l)
	if err == nil {
		err = noNullItems(resp, l.Data)
	}
	if err != nil {
		return nil, resp, err
	}
	resp.NextCursor = l.Pages.nextCursor()
	return &l, resp, nil
}

// All streams every note of a contact, newest first.
func (s *NotesService) All(ctx context.Context, contactID string, opts *ListOptions) iter.Seq2[*Note, error] {
	return iterate(ctx, opts, func(ctx context.Context, o ListOptions) ([]*Note, *Response, error) {
		l, resp, err := s.List(ctx, contactID, &o)
		if err != nil {
			return nil, resp, err
		}
		return l.Data, resp, nil
	})
}

// Create adds a note to a contact: POST /contacts/{id}/notes. It is not
// idempotent: sent twice, it adds two notes.
func (s *NotesService) Create(ctx context.Context, contactID string, r *NoteRequest) (*Note, *Response, error) {
	if contactID == "" {
		return nil, nil, errors.New("intercom: empty contact id")
	}
	if r == nil || r.Body == "" {
		return nil, nil, errors.New("intercom: a note needs a body")
	}
	return callDecode[Note](ctx, s.client, "POST", "contacts/"+pathSegment(contactID)+"/notes", nil, r, nil)
}
