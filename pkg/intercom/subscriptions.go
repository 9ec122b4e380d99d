package intercom

import (
	"context"
	"errors"
	"fmt"
)

// SubscriptionTypesService reads a workspace's subscription types. Intercom's
// API cannot create them: a migration matches them by name, and the
// operator recreates the missing ones. A contact's preferences are read and
// written through ContactsService (ListSubscriptions, AttachSubscription,
// DetachSubscription).
type SubscriptionTypesService service

// Consent types of subscription types (SubscriptionType.ConsentType).
const (
	// ConsentOptOut: contacts receive the messages unless they opted out;
	// attaching a contact to such a type opts it out.
	ConsentOptOut = "opt_out"
	// ConsentOptIn: contacts receive the messages only once they opted in;
	// attaching a contact to such a type opts it in.
	ConsentOptIn = "opt_in"
)

// SubscriptionType is a kind of message contacts can opt in to or out of.
type SubscriptionType struct {
	Type               string                    `json:"type,omitempty"`
	ID                 string                    `json:"id"`
	State              string                    `json:"state,omitempty"` // live, draft or archived
	ConsentType        string                    `json:"consent_type,omitempty"`
	DefaultTranslation *SubscriptionTranslation  `json:"default_translation,omitempty"`
	Translations       []SubscriptionTranslation `json:"translations,omitempty"`
	ContentTypes       []string                  `json:"content_types,omitempty"` // email, sms_message
}

// SubscriptionTranslation is a subscription type's name and description in
// one locale.
type SubscriptionTranslation struct {
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	Locale      string `json:"locale,omitempty"`
}

// Name is the type's name in its default translation ("" when it has none):
// what a migration matches types by.
func (t *SubscriptionType) Name() string {
	if t == nil || t.DefaultTranslation == nil {
		return ""
	}
	return t.DefaultTranslation.Name
}

// ContactSubscriptionTypes is what a contact embeds of its preferences: the
// subscription types it opted out of (Contact.OptedOutSubscriptionTypes) or
// in to (Contact.OptedInSubscriptionTypes). HasMore says the embedded list
// was cut and ContactsService.ListSubscriptions must be asked for all.
type ContactSubscriptionTypes struct {
	Data       []Reference `json:"data"`
	URL        string      `json:"url,omitempty"`
	TotalCount int         `json:"total_count"`
	HasMore    bool        `json:"has_more"`
}

// ContactNotes is what a contact embeds of its notes (Contact.Notes):
// TotalCount says how many NotesService.List returns.
type ContactNotes struct {
	Data       []Reference `json:"data"`
	URL        string      `json:"url,omitempty"`
	TotalCount int         `json:"total_count"`
	HasMore    bool        `json:"has_more"`
}

// List returns every subscription type of the workspace:
// GET /subscription_types (not paged).
func (s *SubscriptionTypesService) List(ctx context.Context) ([]*SubscriptionType, *Response, error) {
	return subscriptionList(ctx, s.client, "subscription_types")
}

func subscriptionList(ctx context.Context, c *Client, path string) ([]*SubscriptionType, *Response, error) {
	return callData[SubscriptionType](ctx, c, path, nil)
}

// ListSubscriptions returns the subscription types a contact has an explicit
// preference for: opt-out types it opted out of and opt-in types it opted in
// to (each with its ConsentType). Types left in their default state are not
// listed. GET /contacts/{id}/subscriptions.
func (s *ContactsService) ListSubscriptions(ctx context.Context, contactID string) ([]*SubscriptionType, *Response, error) {
	if contactID == "" {
		return nil, nil, errors.New("intercom: empty contact id")
	}
	return subscriptionList(ctx, s.client, "contacts/"+pathSegment(contactID)+"/subscriptions")
}

// AttachSubscription records a contact's preference for a subscription type:
// with an opt-out type (consentType ConsentOptOut) the contact is opted out,
// with an opt-in type (ConsentOptIn) opted in. consentType must be the
// type's own. Attaching twice is harmless. POST /contacts/{id}/subscriptions.
func (s *ContactsService) AttachSubscription(ctx context.Context, contactID, typeID, consentType string) (*SubscriptionType, *Response, error) {
	if contactID == "" || typeID == "" {
		return nil, nil, errors.New("intercom: empty contact or subscription type id")
	}
	if consentType != ConsentOptIn && consentType != ConsentOptOut {
		return nil, nil, fmt.Errorf("intercom: consent type %q (want %s or %s)", consentType, ConsentOptIn, ConsentOptOut)
	}
	body := struct {
		ID          string `json:"id"`
		ConsentType string `json:"consent_type"`
	}{typeID, consentType}
	return callDecode[SubscriptionType](ctx, s.client, "POST", "contacts/"+pathSegment(contactID)+"/subscriptions", nil, body, nil)
}

// DetachSubscription removes a contact's preference for a subscription
// type, which returns to its default (opted in for opt-out types, out for
// opt-in ones). DELETE /contacts/{id}/subscriptions/{type id}.
func (s *ContactsService) DetachSubscription(ctx context.Context, contactID, typeID string) (*SubscriptionType, *Response, error) {
	if contactID == "" || typeID == "" {
		return nil, nil, errors.New("intercom: empty contact or subscription type id")
	}
	return callDecode[SubscriptionType](ctx, s.client, "DELETE", "contacts/"+pathSegment(contactID)+"/subscriptions/"+pathSegment(typeID), nil, nil, nil)
}
