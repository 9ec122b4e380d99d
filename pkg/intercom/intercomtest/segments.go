package intercomtest

import (
	"net/http"
	"strconv"
)

// Segments. They are rules over contacts, made in Intercom's interface: the
// API lists them and cannot create them. A seeded workspace with contacts
// has some; an empty one has none (its operator recreates them: a
// migration reports them missing). Counts are fixed at seeding.

type segment struct {
	id         string
	name       string
	personType string // user or contact (leads)
	createdAt  int64
	updatedAt  int64
	count      int
}

type segmentStore struct {
	list []*segment
}

func (s *Sandbox) segments() *segmentStore { return s.stores["segments"].(*segmentStore) }

func init() {
	registerEntity(entityDef{
		name:     "segments",
		order:    48,
		newStore: func() any { return &segmentStore{} },
		seed:     seedSegments,
		count:    func(s *Sandbox) int { return len(s.segments().list) },
		records: func(s *Sandbox) []any {
			return recordsOf(s.segments().list, func(sg *segment) any { return sg.view(true) })
		},
		routes: []route{
			{method: "GET", path: "/segments", handler: listSegments},
			{method: "GET", path: "/segments/{segment_id}", handler: getSegment},
		},
	})
}

var segmentDefs = []struct {
	name, personType string
	share            float64
}{
	{"Active users", "user", 0.42}, {"New signups", "user", 0.08}, {"Churn risk", "user", 0.06},
	{"Trial users", "user", 0.15}, {"Leads from EMEA", "contact", 0.07}, {"High value accounts", "user", 0.04},
	{"Slipping away", "user", 0.11}, {"Unengaged leads", "contact", 0.09},
}

func seedSegments(s *Sandbox, g *gen) {
	if g.ctx.contacts == 0 {
		return
	}
	st := s.segments()
	n := 4 + g.intn(len(segmentDefs)-3)
	for i, k := range g.r.Perm(len(segmentDefs))[:n] {
		d := segmentDefs[k]
		created := g.ctx.anchor - int64(30+g.intn(900))*86400
		st.list = append(st.list, &segment{
			id: objectID(created, s.salt^0x5e9, int64(i+1)), name: d.name, personType: d.personType,
			createdAt: created, updatedAt: g.between(created, g.ctx.anchor), count: int(d.share * float64(g.ctx.contacts)),
		})
	}
}

type segmentView struct {
	Type       string `json:"type"`
	ID         string `json:"id"`
	Name       string `json:"name"`
	CreatedAt  int64  `json:"created_at"`
	UpdatedAt  int64  `json:"updated_at"`
	PersonType string `json:"person_type"`
	Count      *int   `json:"count,omitempty"`
}

func (sg *segment) view(withCount bool) segmentView {
	v := segmentView{Type: "segment", ID: sg.id, Name: sg.name, CreatedAt: sg.createdAt, UpdatedAt: sg.updatedAt, PersonType: sg.personType}
	if withCount {
		n := sg.count
		v.Count = &n
	}
	return v
}

func listSegments(q *request) (int, any) {
	withCount, _ := strconv.ParseBool(q.r.URL.Query().Get("include_count"))
	views := []segmentView{}
	for _, sg := range q.s.segments().list {
		views = append(views, sg.view(withCount))
	}
	return http.StatusOK, map[string]any{"type": "segment.list", "segments": views, "pages": map[string]any{}}
}

func getSegment(q *request) (int, any) {
	for _, sg := range q.s.segments().list {
		if sg.id == q.param("segment_id") {
			return http.StatusOK, sg.view(false)
		}
	}
	return q.fail(http.StatusNotFound, CodeNotFound, MsgNotFound)
}
