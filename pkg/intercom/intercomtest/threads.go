package intercomtest

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Conversations and tickets are both threads of parts with contacts: what
// their views and handlers share.

// contactRefs renders the contacts (by id) of a conversation or a ticket,
// with their external ids; an unknown id is rendered without one.
func (s *Sandbox) contactRefs(ids []string) convContactsView {
	cs := s.contacts()
	refs := make([]contactRefView, 0, len(ids))
	for _, id := range ids {
		ref := contactRefView{Type: "contact", ID: id}
		if c := cs.byID[id]; c != nil {
			ref.ExternalID = strOrNil(c.externalID)
		}
		refs = append(refs, ref)
	}
	return convContactsView{Type: "contact.list", Contacts: refs}
}

// newestPartViews renders the newest MaxConversationParts of parts, oldest
// first: what GET answers of a longer conversation or ticket.
func newestPartViews[P, V any](parts []P, view func(P) V) []V {
	if len(parts) > MaxConversationParts {
		parts = parts[len(parts)-MaxConversationParts:]
	}
	out := make([]V, 0, len(parts))
	for _, p := range parts {
		out = append(out, view(p))
	}
	return out
}

// integerValue reads an attribute value that must be an integer.
func integerValue(raw json.RawMessage) (int64, error) {
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, fmt.Errorf("must be an integer")
	}
	i, err := n.Int64()
	if err != nil {
		return 0, fmt.Errorf("must be an integer")
	}
	return i, nil
}

// byRef finds a contact by its id, else its external id, else its
// email (users only), as replies and new tickets name one; nil when none
// is given or none matches.
func (cs *contactStore) byRef(id, externalID, email string) *contact {
	switch {
	case id != "":
		return cs.byID[id]
	case externalID != "":
		return cs.byExternalID[externalID]
	case email != "":
		return cs.userByEmail[strings.ToLower(email)]
	}
	return nil
}
