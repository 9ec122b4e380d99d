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
	return callItems(ctx, s.client, "teams", nil, (*teamList).items)
}

// teamList is the answer of GET /teams.
type teamList struct {
	Teams []*Team `json:"teams"`
}

func (l *teamList) items() []*Team { return l.Teams }

// Get reads one team: GET /teams/{id}.
func (s *TeamsService) Get(ctx context.Context, id string) (*Team, *Response, error) {
	if id == "" {
		return nil, nil, errors.New("intercom: empty team id")
	}
	return callDecode[Team](ctx, s.client, "GET", "teams/"+pathSegment(id), nil, nil, nil)
}
