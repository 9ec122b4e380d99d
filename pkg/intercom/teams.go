package intercom

import (
	"context"
	"errors"
)

// TeamsService reads teams of teammates. Intercom's API cannot create them:
// a migration matches them by name.
type TeamsService service

// Team is a group of teammates.
type Team struct {
	Type               string  `json:"type,omitempty"`
	ID                 string  `json:"id"`
	Name               string  `json:"name"`
	AdminIDs           []int64 `json:"admin_ids,omitempty"`
	AssignmentLimit    *int    `json:"assignment_limit,omitempty"`
	DistributionMethod string  `json:"distribution_method,omitempty"`
}

// List returns every team: GET /teams (not paged).
func (s *TeamsService) List(ctx context.Context) ([]*Team, *Response, error) {
	var out struct {
		Teams []*Team `json:"teams"`
	}
	resp, err := s.client.call(ctx, "GET", "teams", nil, nil, &out)
	if err == nil {
		err = noNullItems(resp, out.Teams)
	}
	if err != nil {
		return nil, resp, err
	}
	return out.Teams, resp, nil
}

// Get reads one team: GET /teams/{id}.
func (s *TeamsService) Get(ctx context.Context, id string) (*Team, *Response, error) {
	if id == "" {
		return nil, nil, errors.New("intercom: empty team id")
	}
	var t Team
	resp, err := s.client.call(ctx, "GET", "teams/"+pathSegment(id), nil, nil, &t)
	if err != nil {
		return nil, resp, err
	}
	return &t, resp, nil
}
