package intercomtest

import (
	"net/http"
	"sort"
)

// handlerFunc serves one route. It runs with the workspace lock held (a read
// lock unless the route is a write) and returns the status and the value to
// encode as JSON. The value must not alias workspace state: it is encoded
// after the lock is released.
type handlerFunc func(q *request) (status int, body any)

// route is one implemented operation, keyed like the spec: method and path
// template ("/contacts/{contact_id}").
type route struct {
	method  string
	path    string
	write   bool // takes the write lock
	handler handlerFunc
}

// entityDef describes one kind of record of the workspace. Each entity file
// registers one in an init function.
type entityDef struct {
	// name is the key of Count and Records ("contacts").
	name string
	// order sorts seeding: entities that others refer to seed first.
	order int
	// newStore returns the empty state; it is kept in Sandbox.stores[name].
	newStore func() any
	// seed fills the state from the generator, with the lock held (New).
	seed func(s *Sandbox, g *gen)
	// count returns the number of records (read lock held).
	count func(s *Sandbox) int
	// records returns every record as the API renders it, in a stable
	// order (read lock held).
	records func(s *Sandbox) []any
	// routes are the operations the entity serves.
	routes []route
}

var entityDefs []entityDef

func registerEntity(d entityDef) {
	for _, e := range entityDefs {
		if e.name == d.name {
			panic("intercomtest: entity registered twice: " + d.name)
		}
	}
	entityDefs = append(entityDefs, d)
	sort.SliceStable(entityDefs, func(i, j int) bool { return entityDefs[i].order < entityDefs[j].order })
}

func findEntity(name string) *entityDef {
	return firstRef(entityDefs, func(d *entityDef) bool { return d.name == name })
}

// recordsOf renders the records of an entity, in list's order (the
// records function of entityDef).
func recordsOf[T any](list []T, view func(T) any) []any {
	out := make([]any, 0, len(list))
	for _, x := range list {
		out = append(out, view(x))
	}
	return out
}

// matching returns the items of list that ok accepts, in order.
func matching[T any](list []T, ok func(T) bool) []T {
	var out []T
	for _, x := range list {
		if ok(x) {
			out = append(out, x)
		}
	}
	return out
}

// first returns the first item of list that ok accepts, or the zero value
// (nil for a list of pointers).
func first[T any](list []T, ok func(T) bool) T {
	for _, x := range list {
		if ok(x) {
			return x
		}
	}
	var none T
	return none
}

// firstRef returns a pointer to the first item of list that ok accepts, or
// nil.
func firstRef[T any](list []T, ok func(*T) bool) *T {
	for i := range list {
		if ok(&list[i]) {
			return &list[i]
		}
	}
	return nil
}

// request is what a handler sees.
type request struct {
	s      *Sandbox
	r      *http.Request
	params map[string]string
	body   []byte
	app    *app
	now    int64 // Unix seconds, from Options.Now
	id     string
}

func (q *request) param(name string) string { return q.params[name] }

// fail builds an error answer.
func (q *request) fail(status int, code, message string) (int, any) {
	return status, newErrorBody(q.id, code, message, "")
}

// failField builds an error answer naming a field.
func (q *request) failField(status int, code, message, field string) (int, any) {
	return status, newErrorBody(q.id, code, message, field)
}
