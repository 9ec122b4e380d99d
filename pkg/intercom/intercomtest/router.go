package intercomtest

import (
	"net/url"
	"strings"
)

// routeTable matches a method and path against the implemented routes. It
// works without the spec (Options.Unvalidated); with the spec, the spec's
// router decides the route and this table only finds the handler. Literal
// segments win over parameters ("/contacts/search" before
// "/contacts/{contact_id}").
type routeTable struct {
	routes []*compiledRoute
}

type compiledRoute struct {
	r        *route
	segments []string // "{name}" for parameters
	literals int
}

func newRouteTable() *routeTable { return &routeTable{} }

func (t *routeTable) add(r route) {
	rc := r
	segs := strings.Split(strings.Trim(r.path, "/"), "/")
	c := &compiledRoute{r: &rc, segments: segs}
	for _, s := range segs {
		if !isParam(s) {
			c.literals++
		}
	}
	for _, old := range t.routes {
		if old.r.method == r.method && old.r.path == r.path {
			panic("intercomtest: route registered twice: " + r.method + " " + r.path)
		}
	}
	t.routes = append(t.routes, c)
}

func isParam(seg string) bool {
	return strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}")
}

// match finds the route for method and the escaped path.
func (t *routeTable) match(method, escapedPath string) (*route, map[string]string, bool) {
	parts := strings.Split(strings.Trim(escapedPath, "/"), "/")
	var best *compiledRoute
	for _, c := range t.routes {
		if c.r.method != method || len(c.segments) != len(parts) {
			continue
		}
		ok := true
		for i, seg := range c.segments {
			if !isParam(seg) && seg != parts[i] {
				ok = false
				break
			}
		}
		if ok && (best == nil || c.literals > best.literals) {
			best = c
		}
	}
	if best == nil {
		return nil, nil, false
	}
	params := make(map[string]string)
	for i, seg := range best.segments {
		if isParam(seg) {
			v, err := url.PathUnescape(parts[i])
			if err != nil {
				v = parts[i]
			}
			params[seg[1:len(seg)-1]] = v
		}
	}
	return best.r, params, true
}
