package demo

import (
	"sort"
	"strings"
)

// entityOfRoute names the entity kind a destination write belongs to, so
// that the demo can say what each kind cost. The longest matching prefix of
// "METHOD /path" wins; reads are not counted here.
var entityOfRoute = []struct{ prefix, entity string }{
	{"POST /contacts/{contact_id}/companies", "company_contacts"},
	{"POST /contacts/{contact_id}/notes", "notes"},
	{"POST /contacts/{contact_id}/subscriptions", "consent"},
	{"DELETE /contacts/{contact_id}/subscriptions", "consent"},
	{"DELETE /contacts/{contact_id}/tags", "tags"},
	{"POST /contacts", "contacts"},
	{"PUT /contacts", "contacts"},
	{"POST /companies", "companies"},
	{"PUT /companies", "companies"},
	{"POST /tags", "tags"},
	{"POST /data_attributes", "data_attributes"},
	{"PUT /data_attributes", "data_attributes"},
	{"POST /events", "events"},
	{"POST /messages", "conversations"},
	{"POST /conversations", "conversations"},
	{"PUT /conversations", "conversations"},
	{"POST /ticket_types", "ticket_types"},
	{"PUT /ticket_types", "ticket_types"},
	{"POST /tickets", "tickets"},
	{"PUT /tickets", "tickets"},
	{"POST /help_center/collections", "collections"},
	{"PUT /help_center/collections", "collections"},
	{"POST /articles", "articles"},
	{"PUT /articles", "articles"},
	{"POST /internal_articles", "internal_articles"},
	{"PUT /internal_articles", "internal_articles"},
	{"POST /news/news_items", "news_items"},
	{"PUT /news/news_items", "news_items"},
	{"POST /custom_object_instances", "custom_objects"},
}

// EntityCost is what one entity kind cost in destination writes.
type EntityCost struct {
	Entity string
	Writes int
}

// WritesByEntity groups a sandbox's write counts ("METHOD /route" -> n) by
// entity kind; writes of no known kind are grouped under "other".
func WritesByEntity(calls map[string]int) []EntityCost {
	by := map[string]int{}
	for route, n := range calls {
		if strings.HasPrefix(route, "GET ") {
			continue
		}
		best, entity := -1, "other"
		for _, r := range entityOfRoute {
			if strings.HasPrefix(route, r.prefix) && len(r.prefix) > best {
				best, entity = len(r.prefix), r.entity
			}
		}
		by[entity] += n
	}
	out := make([]EntityCost, 0, len(by))
	for e, n := range by {
		out = append(out, EntityCost{e, n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Entity < out[j].Entity })
	return out
}
