package intercomtest

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
)

// Custom object instances.
//
// Modelled rules:
//   - Custom object types are defined in Intercom's UI: the API can neither
//     create nor list them. Every workspace has two, seeded whatever
//     Options.Contacts is, with identifiers and attributes that depend on the
//     seed alone (RemoveCustomObjectType plays an operator who has not
//     defined one). A route naming a type the workspace lacks answers 404
//     not_found "Custom object type `X` not found".
//   - POST upserts by external_id (required: 400 without): an instance of
//     the type with that external id is updated (the attributes given
//     replace theirs, null unsets one), else one is created. Attributes must
//     be the type's (400 else) with a value of the attribute's type
//     (string, integer, float, boolean; 400 else).
//   - GET with external_id answers that instance (404 not_found "Custom
//     object instance not found"); without it, the type's instances paged
//     by page and per_page (at most 150), by id: the list Intercom serves and
//     documents since 2.14 (see internal/openapi/defects_content.go).
//     GET and DELETE by id take Intercom's id (GET also an external id).

type customObjectAttr struct {
	name     string
	dataType string // string, integer, float, boolean
}

type customObjectInstance struct {
	id         int64
	externalID string
	extCreated int64
	extUpdated int64
	attrs      map[string]any
	createdAt  int64
	updatedAt  int64
}

type customObjectType struct {
	identifier string
	attrs      []customObjectAttr
	byID       map[int64]*customObjectInstance
	byExternal map[string]*customObjectInstance
}

func (t *customObjectType) attr(name string) *customObjectAttr {
	return firstRef(t.attrs, func(a *customObjectAttr) bool { return a.name == name })
}

type customObjectStore struct {
	types []*customObjectType
	ids   contentIDs
}

func (st *customObjectStore) typeOf(identifier string) *customObjectType {
	return first(st.types, func(t *customObjectType) bool { return t.identifier == identifier })
}

func (s *Sandbox) customObjects() *customObjectStore {
	return s.stores["custom_objects"].(*customObjectStore)
}

func init() {
	registerEntity(entityDef{
		name:     "custom_objects",
		order:    98,
		newStore: func() any { return &customObjectStore{} },
		seed:     seedCustomObjects,
		count: func(s *Sandbox) int {
			n := 0
			for _, t := range s.customObjects().types {
				n += len(t.byID)
			}
			return n
		},
		records: func(s *Sandbox) []any {
			var out []any
			for _, t := range s.customObjects().types {
				out = append(out, contentRecords(t.byID, func(o *customObjectInstance) any { return t.view(o) })...)
			}
			return out
		},
		routes: []route{
			{method: "POST", path: "/custom_object_instances/{custom_object_type_identifier}", write: true, handler: upsertCustomObject},
			{method: "GET", path: "/custom_object_instances/{custom_object_type_identifier}", handler: findOrListCustomObjects},
			{method: "DELETE", path: "/custom_object_instances/{custom_object_type_identifier}", write: true, handler: deleteCustomObjectByExternalID},
			{method: "GET", path: "/custom_object_instances/{custom_object_type_identifier}/{custom_object_instance_id}", handler: getCustomObject},
			{method: "DELETE", path: "/custom_object_instances/{custom_object_type_identifier}/{custom_object_instance_id}", write: true, handler: deleteCustomObject},
		},
	})
}

// CustomObjectTypes lists the identifiers of the workspace's custom object
// types (which the API cannot list: a migration is told them).
func (s *Sandbox) CustomObjectTypes() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []string
	for _, t := range s.customObjects().types {
		out = append(out, t.identifier)
	}
	return out
}

// RemoveCustomObjectType deletes a type and its instances, as when an
// operator has not defined it in a new workspace. It reports whether there
// was one.
func (s *Sandbox) RemoveCustomObjectType(identifier string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.customObjects()
	for i, t := range st.types {
		if t.identifier == identifier {
			st.types = append(st.types[:i:i], st.types[i+1:]...)
			return true
		}
	}
	return false
}

type customObjectView struct {
	ID                string         `json:"id"`
	Type              string         `json:"type"`
	ExternalID        string         `json:"external_id"`
	ExternalCreatedAt *int64         `json:"external_created_at"`
	ExternalUpdatedAt *int64         `json:"external_updated_at"`
	CreatedAt         int64          `json:"created_at"`
	UpdatedAt         int64          `json:"updated_at"`
	CustomAttributes  map[string]any `json:"custom_attributes"`
}

func (t *customObjectType) view(o *customObjectInstance) customObjectView {
	v := customObjectView{ID: contentID(o.id), Type: t.identifier, ExternalID: o.externalID,
		ExternalCreatedAt: timeOrNil(o.extCreated), ExternalUpdatedAt: timeOrNil(o.extUpdated),
		CreatedAt: o.createdAt, UpdatedAt: o.updatedAt, CustomAttributes: make(map[string]any, len(o.attrs))}
	for k, x := range o.attrs {
		v.CustomAttributes[k] = x
	}
	return v
}

// typeParam returns the type of the path, or a 404 answer.
func (q *request) typeParam() (*customObjectType, int, any) {
	name := q.param("custom_object_type_identifier")
	t := q.s.customObjects().typeOf(name)
	if t == nil {
		status, body := q.fail(http.StatusNotFound, CodeNotFound, fmt.Sprintf("Custom object type `%s` not found", name))
		return nil, status, body
	}
	return t, 0, nil
}

const msgCustomObjectNotFound = "Custom object instance not found"

// customObjectValue checks a value against an attribute's type; nil is
// null (unset).
func customObjectValue(a *customObjectAttr, raw json.RawMessage) (any, error) {
	v, err := decodeValue(raw)
	if v == nil || err != nil {
		return nil, err
	}
	switch a.dataType {
	case "string":
		if s, ok := v.(string); ok {
			return s, nil
		}
		return nil, fmt.Errorf("must be a string")
	case "integer":
		if n, ok := v.(json.Number); ok {
			if i, err := n.Int64(); err == nil {
				return i, nil
			}
			if f, err := n.Float64(); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
				return int64(f), nil
			}
		}
		return nil, fmt.Errorf("must be an integer")
	case "float":
		if n, ok := v.(json.Number); ok {
			if f, err := n.Float64(); err == nil {
				return f, nil
			}
		}
		return nil, fmt.Errorf("must be a number")
	case "boolean":
		if b, ok := v.(bool); ok {
			return b, nil
		}
		return nil, fmt.Errorf("must be a boolean")
	}
	return nil, fmt.Errorf("has an unsupported type")
}

func upsertCustomObject(q *request) (int, any) {
	t, status, body := q.typeParam()
	if t == nil {
		return status, body
	}
	f, status, body := q.contentFields()
	if f == nil {
		return status, body
	}
	bad := q.invalid
	ext, _, ok := contentString(f, "external_id")
	if !ok || strings.TrimSpace(ext) == "" {
		return bad("external_id", "external_id is required")
	}
	old := t.byExternal[ext]
	o := &customObjectInstance{externalID: ext, attrs: map[string]any{}}
	if old != nil {
		*o = *old
		o.attrs = make(map[string]any, len(old.attrs))
		for k, v := range old.attrs {
			o.attrs[k] = v
		}
	}
	if status, body := q.setTimestamps(f, timestampField{"external_created_at", &o.extCreated}, timestampField{"external_updated_at", &o.extUpdated}); status != 0 {
		return status, body
	}
	status, body = q.setCustomAttributes(f, func(name string, raw json.RawMessage) string {
		a := t.attr(name)
		if a == nil {
			return fmt.Sprintf("Custom attribute '%s' does not exist on %s", name, t.identifier)
		}
		v, err := customObjectValue(a, raw)
		if err != nil {
			return fmt.Sprintf("Custom attribute '%s' %v", name, err)
		}
		if v == nil {
			delete(o.attrs, name)
		} else {
			o.attrs[name] = v
		}
		return ""
	})
	if status != 0 {
		return status, body
	}
	if old == nil {
		o.id = q.s.customObjects().ids.take()
		o.createdAt = q.now
		t.byID[o.id] = o
		t.byExternal[ext] = o
	} else {
		*old = *o
		o = old
	}
	o.updatedAt = max(q.now, o.createdAt)
	return http.StatusOK, t.view(o)
}

func findOrListCustomObjects(q *request) (int, any) {
	t, status, body := q.typeParam()
	if t == nil {
		return status, body
	}
	query := q.r.URL.Query()
	if query.Has("external_id") {
		o := t.byExternal[query.Get("external_id")]
		if o == nil {
			return q.fail(http.StatusNotFound, CodeNotFound, msgCustomObjectNotFound)
		}
		return http.StatusOK, t.view(o)
	}
	ids := contentSortedIDs(t.byID)
	return numberedPage(q, ids, 50, func(id int64) customObjectView { return t.view(t.byID[id]) })
}

func (t *customObjectType) remove(o *customObjectInstance) {
	delete(t.byID, o.id)
	delete(t.byExternal, o.externalID)
}

func deleteCustomObjectByExternalID(q *request) (int, any) {
	t, status, body := q.typeParam()
	if t == nil {
		return status, body
	}
	o := t.byExternal[q.r.URL.Query().Get("external_id")]
	if o == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, msgCustomObjectNotFound)
	}
	t.remove(o)
	return http.StatusOK, contentDeletedView{ID: contentID(o.id), Object: t.identifier, Deleted: true}
}

func (q *request) instanceParam(t *customObjectType, byExternal bool) *customObjectInstance {
	raw := q.param("custom_object_instance_id")
	if id, ok := parseContentID(raw); ok {
		if o := t.byID[id]; o != nil {
			return o
		}
	}
	if byExternal {
		return t.byExternal[raw]
	}
	return nil
}

func getCustomObject(q *request) (int, any) {
	t, status, body := q.typeParam()
	if t == nil {
		return status, body
	}
	o := q.instanceParam(t, true)
	if o == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, msgCustomObjectNotFound)
	}
	return http.StatusOK, t.view(o)
}

func deleteCustomObject(q *request) (int, any) {
	t, status, body := q.typeParam()
	if t == nil {
		return status, body
	}
	o := q.instanceParam(t, false)
	if o == nil {
		return q.fail(http.StatusNotFound, CodeNotFound, msgCustomObjectNotFound)
	}
	t.remove(o)
	return http.StatusOK, contentDeletedView{ID: contentID(o.id), Object: t.identifier, Deleted: true}
}

// ---- generator ----

type customObjectTemplate struct {
	identifier string
	prefix     string
	attrs      []customObjectAttr
}

var customObjectTemplates = []customObjectTemplate{
	{"Order", "ord", []customObjectAttr{{"order_number", "string"}, {"total_amount", "float"}, {"status", "string"}, {"paid", "boolean"}, {"items", "integer"}}},
	{"Subscription", "sub", []customObjectAttr{{"plan", "string"}, {"seats", "integer"}, {"mrr", "float"}, {"active", "boolean"}}},
	{"Device", "dev", []customObjectAttr{{"serial", "string"}, {"model", "string"}, {"firmware", "string"}, {"registered", "boolean"}}},
	{"Booking", "bkg", []customObjectAttr{{"reference", "string"}, {"guests", "integer"}, {"amount", "float"}, {"confirmed", "boolean"}}},
}

var customStringValues = map[string][]string{
	"status": {"pending", "shipped", "delivered", "cancelled"},
	"plan":   {"starter", "pro", "enterprise"},
	"model":  {"X100", "X200", "Z-Lite", "Z-Pro"},
}

// seedCustomObjects defines two types in every workspace and, in seeded
// ones, N/10 instances (4 to 1000) over them, each attribute set on four
// in five.
func seedCustomObjects(s *Sandbox, g *gen) {
	st := s.customObjects()
	st.ids = newContentIDs(s.salt, "custom_objects")
	order := g.r.Perm(len(customObjectTemplates))
	var prefixes []string
	for _, k := range order[:2] {
		tpl := customObjectTemplates[k]
		st.types = append(st.types, &customObjectType{identifier: tpl.identifier, attrs: tpl.attrs,
			byID: map[int64]*customObjectInstance{}, byExternal: map[string]*customObjectInstance{}})
		prefixes = append(prefixes, tpl.prefix)
	}
	if g.ctx.contacts == 0 {
		return
	}
	n := contentClamp(g.ctx.contacts/10, 4, 1000)
	base := mix64(uint64(s.seed) ^ 0xc0b1)
	for i := 0; i < n; i++ {
		k := g.intn(len(st.types))
		t := st.types[k]
		o := &customObjectInstance{id: st.ids.take(), attrs: map[string]any{},
			externalID: prefixes[k] + "_" + strconv.FormatUint(mix64(base+uint64(i)), 36)}
		o.createdAt, o.updatedAt = g.history(s, 86400)
		if g.chance(0.85) {
			o.extCreated = g.between(s.appCreated-365*86400, o.createdAt)
			o.extUpdated = g.between(o.extCreated, o.updatedAt)
		}
		for _, a := range t.attrs {
			if !g.chance(0.8) {
				continue
			}
			switch a.dataType {
			case "string":
				if list := customStringValues[a.name]; list != nil {
					o.attrs[a.name] = g.pick(list)
				} else {
					o.attrs[a.name] = strings.ToUpper(prefixes[k]) + "-" + strconv.Itoa(10000+g.intn(90000))
				}
			case "integer":
				o.attrs[a.name] = int64(1 + g.intn(20))
			case "float":
				o.attrs[a.name] = math.Round(g.r.Float64()*100000) / 100
			case "boolean":
				o.attrs[a.name] = g.chance(0.5)
			}
		}
		t.byID[o.id] = o
		t.byExternal[o.externalID] = o
	}
}
