package intercom

import "context"

// AdminsService reads teammates. Intercom's API cannot create them: a
// migration maps them by email.
type AdminsService service

// Admin is a teammate.
type Admin struct {
	Type            string  `json:"type,omitempty"`
	ID              string  `json:"id"`
	Name            string  `json:"name,omitempty"`
	Email           string  `json:"email,omitempty"`
	JobTitle        string  `json:"job_title,omitempty"`
	AwayModeEnabled bool    `json:"away_mode_enabled,omitempty"`
	HasInboxSeat    bool    `json:"has_inbox_seat,omitempty"`
	TeamIDs         []int64 `json:"team_ids,omitempty"`
}

// App is the workspace ("app" in Intercom's older terms) behind a token.
type App struct {
	Type                 string `json:"type,omitempty"`
	IDCode               string `json:"id_code"`
	Name                 string `json:"name,omitempty"`
	Region               string `json:"region,omitempty"`
	Timezone             string `json:"timezone,omitempty"`
	CreatedAt            int64  `json:"created_at,omitempty"`
	IdentityVerification bool   `json:"identity_verification,omitempty"`
}

// Me is the admin behind the token and the workspace it belongs to.
type Me struct {
	Type  string `json:"type,omitempty"`
	ID    string `json:"id"`
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	App   *App   `json:"app,omitempty"`
}

// Me identifies the token: GET /me.
func (s *AdminsService) Me(ctx context.Context) (*Me, *Response, error) {
	return callDecode[Me](ctx, s.client, "GET", "me", nil, nil, nil)
}

// List returns every teammate of the workspace: GET /admins (not paged).
func (s *AdminsService) List(ctx context.Context) ([]*Admin, *Response, error) {
	return callItems(ctx, s.client, "admins", nil, (*adminList).items)
}

// adminList is the answer of GET /admins.
type adminList struct {
	Admins []*Admin `json:"admins"`
}

func (l *adminList) items() []*Admin { return l.Admins }
