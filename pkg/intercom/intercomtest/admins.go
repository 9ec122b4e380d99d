package intercomtest

import (
	"net/http"
	"strconv"
	"strings"
)

// Admins (teammates). They cannot be created through the API: the workspace
// has Options.Admins of them, and each token belongs to one (GET /me).

type admin struct {
	id           string
	num          int64
	name         string
	email        string
	jobTitle     string
	hasInboxSeat bool
	away         bool
	teamIDs      []int64 // set by the teams' seed
}

type adminStore struct {
	list []*admin
	byID map[string]*admin
}

func (s *Sandbox) admins() *adminStore { return s.stores["admins"].(*adminStore) }

func init() {
	registerEntity(entityDef{
		name:     "admins",
		order:    10,
		newStore: func() any { return &adminStore{byID: map[string]*admin{}} },
		seed:     seedAdmins,
		count:    func(s *Sandbox) int { return len(s.admins().list) },
		records: func(s *Sandbox) []any {
			return recordsOf(s.admins().list, func(a *admin) any { return a.view(false) })
		},
		routes: []route{
			{method: "GET", path: "/me", handler: getMe},
			{method: "GET", path: "/admins", handler: listAdmins},
			{method: "GET", path: "/admins/{admin_id}", handler: getAdmin},
		},
	})
}

// seedAdmins makes the teammates. Names, emails and seats come from a stream
// that depends on the seed alone (so every region's sandbox has the same
// people); ids mix in the workspace salt.
func seedAdmins(s *Sandbox, eg *gen) {
	st := s.admins()
	g := newGen(s.seed, "admins-people")
	domain := slug(newGen(s.seed, "workspace").companyName()) + ".example"
	n := eg.ctx.admins
	used := map[string]bool{}
	for i := 0; i < n; i++ {
		first, last := g.firstName(), g.lastName()
		local := strings.ToLower(first + "." + strings.ReplaceAll(last, "'", ""))
		for used[local] {
			local += strconv.Itoa(i)
		}
		used[local] = true
		num := int64(1000000 + mix64(s.salt^uint64(i+1)*0x9e3779b97f4a7c15)%8999999)
		for st.byID[strconv.FormatInt(num, 10)] != nil {
			num++
		}
		a := &admin{
			num:          num,
			id:           strconv.FormatInt(num, 10),
			name:         first + " " + last,
			email:        local + "@" + domain,
			jobTitle:     g.pick(jobTitles),
			hasInboxSeat: i < 4 || g.chance(0.5),
			away:         i >= 4 && g.chance(0.2),
		}
		st.list = append(st.list, a)
		st.byID[a.id] = a
	}
}

type adminView struct {
	Type             string  `json:"type"`
	ID               string  `json:"id"`
	Name             string  `json:"name"`
	Email            string  `json:"email"`
	JobTitle         string  `json:"job_title"`
	AwayModeEnabled  bool    `json:"away_mode_enabled"`
	AwayModeReassign bool    `json:"away_mode_reassign"`
	HasInboxSeat     bool    `json:"has_inbox_seat"`
	TeamIDs          []int64 `json:"team_ids"`
	Avatar           *string `json:"avatar,omitempty"`
}

func (a *admin) view(withAvatar bool) adminView {
	v := adminView{
		Type: "admin", ID: a.id, Name: a.name, Email: a.email, JobTitle: a.jobTitle,
		AwayModeEnabled: a.away, HasInboxSeat: a.hasInboxSeat, TeamIDs: append([]int64{}, a.teamIDs...),
	}
	if withAvatar {
		url := adminAvatarURL
		v.Avatar = &url
	}
	return v
}

const adminAvatarURL = "https://static.intercomassets.com/assets/default-avatars/admins/128.png"

func listAdmins(q *request) (int, any) {
	withAvatar := q.r.URL.Query().Get("display_avatar") == "true"
	list := q.s.admins().list
	views := make([]adminView, 0, len(list))
	for _, a := range list {
		views = append(views, a.view(withAvatar))
	}
	return http.StatusOK, map[string]any{"type": "admin.list", "admins": views}
}

func getAdmin(q *request) (int, any) {
	a := q.s.admins().byID[q.param("admin_id")]
	if a == nil {
		return q.fail(http.StatusNotFound, "admin_not_found", "Admin not found")
	}
	return http.StatusOK, a.view(false)
}

type meView struct {
	Type             string    `json:"type"`
	ID               string    `json:"id"`
	Email            string    `json:"email"`
	Name             string    `json:"name"`
	EmailVerified    bool      `json:"email_verified"`
	JobTitle         string    `json:"job_title"`
	AwayModeEnabled  bool      `json:"away_mode_enabled"`
	AwayModeReassign bool      `json:"away_mode_reassign"`
	HasInboxSeat     bool      `json:"has_inbox_seat"`
	TeamIDs          []int64   `json:"team_ids"`
	App              appView   `json:"app"`
	Avatar           avatarObj `json:"avatar"`
}

type appView struct {
	Type                 string `json:"type"`
	IDCode               string `json:"id_code"`
	Name                 string `json:"name"`
	CreatedAt            int64  `json:"created_at"`
	Secure               bool   `json:"secure"`
	IdentityVerification bool   `json:"identity_verification"`
	Timezone             string `json:"timezone"`
	Region               string `json:"region"`
}

type avatarObj struct {
	Type     string  `json:"type"`
	ImageURL *string `json:"image_url"`
}

func getMe(q *request) (int, any) {
	st := q.s.admins()
	a := st.list[q.app.admin%len(st.list)]
	url := adminAvatarURL
	return http.StatusOK, meView{
		Type: "admin", ID: a.id, Email: a.email, Name: a.name, EmailVerified: true,
		JobTitle: a.jobTitle, AwayModeEnabled: a.away, HasInboxSeat: a.hasInboxSeat, TeamIDs: append([]int64{}, a.teamIDs...),
		App: appView{
			Type: "app", IDCode: q.s.appID, Name: q.s.appName, CreatedAt: q.s.appCreated,
			Timezone: q.s.timezone, Region: q.s.regionName,
		},
		Avatar: avatarObj{Type: "avatar", ImageURL: &url},
	}
}

// meAdmin returns the admin behind the request's token (the author of
// writes: tags applied, attributes created).
func (q *request) meAdmin() *admin {
	st := q.s.admins()
	return st.list[q.app.admin%len(st.list)]
}
