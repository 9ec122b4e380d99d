package intercom

import (
	"context"
	"net/url"
)

// SegmentsService reads segments. Intercom's API cannot create them: their
// rules are recreated by hand, and a migration reports them.
type SegmentsService service

// Segment is a group of contacts defined by rules.
type Segment struct {
	Type      string `json:"type,omitempty"`
	ID        string `json:"id"`
	Name      string `json:"name"`
	CreatedAt int64  `json:"created_at,omitempty"`
	UpdatedAt int64  `json:"updated_at,omitempty"`
	// PersonType is "user" or "contact" (leads).
	PersonType string `json:"person_type,omitempty"`
	// Count is set when asked for (List with includeCount).
	Count *int `json:"count,omitempty"`
}

// List returns every segment, with the number of contacts in each when
// includeCount is set: GET /segments.
func (s *SegmentsService) List(ctx context.Context, includeCount bool) ([]*Segment, *Response, error) {
	var q url.Values
	if includeCount {
		q = url.Values{"include_count": {"true"}}
	}
	return callItems(ctx, s.client, "segments", q, (*segmentList).items)
}

// segmentList is the answer of GET /segments.
type segmentList struct {
	Segments []*Segment `json:"segments"`
}

func (l *segmentList) items() []*Segment { return l.Segments }
