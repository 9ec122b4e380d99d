package intercomtest

import (
	"net/http"
	"strconv"
)

// Teams of teammates. Like teammates they cannot be created through the
// API: every workspace of a seed has the same teams (names, members by
// teammate, distribution), under ids of its own. Teammates list their teams
// in team_ids.

type team struct {
	id           int64
	name         string
	adminIDs     []string
	distribution string
	limit        int // assignment limit, for load-balanced teams
}

type teamStore struct {
	list []*team
	byID map[int64]*team
}

func (s *Sandbox) teams() *teamStore { return s.stores["teams"].(*teamStore) }

func init() {
	registerEntity(entityDef{
		name:     "teams",
		order:    11,
		newStore: func() any { return &teamStore{byID: map[int64]*team{}} },
		seed:     seedTeams,
		count:    func(s *Sandbox) int { return len(s.teams().list) },
		records: func(s *Sandbox) []any {
			return recordsOf(s.teams().list, func(t *team) any { return t.view() })
		},
		routes: []route{
			{method: "GET", path: "/teams", handler: listTeams},
			{method: "GET", path: "/teams/{team_id}", handler: getTeam},
		},
	})
}

var teamNames = []string{"Support", "Sales", "Billing", "Onboarding", "Escalations", "Success"}

// seedTeams makes three to five teams from the seed alone, each with some
// of the teammates (by their place in the list, so the same people in every
// region).
func seedTeams(s *Sandbox, _ *gen) {
	st := s.teams()
	admins := s.admins().list
	g := newGen(s.seed, "teams-people")
	n := 3 + g.intn(3)
	perm := g.r.Perm(len(teamNames))
	base := int64(5000000 + mix64(s.salt^0x7ea3)%1000000)
	for i := range n {
		t := &team{id: base + int64(i)*13, name: teamNames[perm[i]], distribution: "round_robin"}
		if g.chance(0.4) {
			t.distribution, t.limit = "balanced", 5+g.intn(20)
		}
		for j, a := range admins {
			if (j+i)%3 == 0 || g.chance(0.25) {
				t.adminIDs = append(t.adminIDs, a.id)
				a.teamIDs = append(a.teamIDs, t.id)
			}
		}
		st.list = append(st.list, t)
		st.byID[t.id] = t
	}
}

type teamView struct {
	Type               string  `json:"type"`
	ID                 string  `json:"id"`
	Name               string  `json:"name"`
	AdminIDs           []int64 `json:"admin_ids"`
	AssignmentLimit    *int    `json:"assignment_limit,omitempty"`
	DistributionMethod string  `json:"distribution_method"`
}

func (t *team) view() teamView {
	v := teamView{Type: "team", ID: strconv.FormatInt(t.id, 10), Name: t.name, AdminIDs: []int64{}, DistributionMethod: t.distribution}
	for _, id := range t.adminIDs {
		n, _ := strconv.ParseInt(id, 10, 64)
		v.AdminIDs = append(v.AdminIDs, n)
	}
	if t.limit > 0 {
		l := t.limit
		v.AssignmentLimit = &l
	}
	return v
}

func listTeams(q *request) (int, any) {
	views := []teamView{}
	for _, t := range q.s.teams().list {
		views = append(views, t.view())
	}
	return http.StatusOK, map[string]any{"type": "team.list", "teams": views}
}

func getTeam(q *request) (int, any) {
	id, err := strconv.ParseInt(q.param("team_id"), 10, 64)
	t := q.s.teams().byID[id]
	if err != nil || t == nil {
		return q.fail(http.StatusNotFound, "team_not_found", "Team not found")
	}
	return http.StatusOK, t.view()
}
