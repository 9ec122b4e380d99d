package intercom

import (
	"context"
	"errors"
	"net/url"
	"strconv"
)

// DataAttributesService lists and creates data attributes.
type DataAttributesService service

// Data attribute models.
const (
	ModelContact      = "contact"
	ModelCompany      = "company"
	ModelConversation = "conversation"
)

// MaxCustomDataAttributes is Intercom's cap on custom attributes per
// workspace (archived ones do not count).
const MaxCustomDataAttributes = 250

// DataAttribute describes one attribute of contacts, companies or
// conversations, built in (Custom false) or custom.
type DataAttribute struct {
	Type              string   `json:"type,omitempty"`
	ID                int64    `json:"id,omitempty"`
	Model             string   `json:"model,omitempty"`
	Name              string   `json:"name"`
	FullName          string   `json:"full_name,omitempty"`
	Label             string   `json:"label,omitempty"`
	Description       string   `json:"description,omitempty"`
	DataType          string   `json:"data_type,omitempty"`
	Options           []string `json:"options,omitempty"`
	APIWritable       bool     `json:"api_writable,omitempty"`
	MessengerWritable bool     `json:"messenger_writable,omitempty"`
	UIWritable        bool     `json:"ui_writable,omitempty"`
	Custom            bool     `json:"custom,omitempty"`
	Archived          bool     `json:"archived,omitempty"`
	CreatedAt         int64    `json:"created_at,omitempty"`
	UpdatedAt         int64    `json:"updated_at,omitempty"`
}

// DataAttributeListOptions filters List.
type DataAttributeListOptions struct {
	Model           string // contact, company or conversation; "" for all
	IncludeArchived bool
}

// List returns the data attributes of a model: GET /data_attributes (not
// paged).
func (s *DataAttributesService) List(ctx context.Context, opts *DataAttributeListOptions) ([]*DataAttribute, *Response, error) {
	q := url.Values{}
	if opts != nil {
		if opts.Model != "" {
			q.Set("model", opts.Model)
		}
		if opts.IncludeArchived {
			q.Set("include_archived", strconv.FormatBool(true))
		}
	}
	return callData[DataAttribute](ctx, s.client, "data_attributes", q)
}

// DataAttributeOption is one value of a list ("options") attribute.
type DataAttributeOption struct {
	Value string `json:"value"`
}

// DataAttributeRequest creates a custom attribute. Model is ModelContact or
// ModelCompany (conversation attributes cannot be created this way).
// DataType is string, integer, float, boolean, datetime, date, or options
// (with at least two Options).
type DataAttributeRequest struct {
	Name              string                `json:"name"`
	Model             string                `json:"model"`
	DataType          string                `json:"data_type"`
	Description       string                `json:"description,omitempty"`
	Options           []DataAttributeOption `json:"options,omitempty"`
	MessengerWritable *bool                 `json:"messenger_writable,omitempty"`
}

// Create makes a custom data attribute: POST /data_attributes.
func (s *DataAttributesService) Create(ctx context.Context, r *DataAttributeRequest) (*DataAttribute, *Response, error) {
	if r == nil || r.Name == "" || r.Model == "" || r.DataType == "" {
		return nil, nil, errors.New("intercom: a data attribute needs a name, a model and a data type")
	}
	return callDecode[DataAttribute](ctx, s.client, "POST", "data_attributes", nil, r, nil)
}
