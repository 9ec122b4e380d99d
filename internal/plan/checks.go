package plan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/icmigrate/icmigrate/internal/report"
	"github.com/icmigrate/icmigrate/pkg/intercom"
)

// Check is one thing that stands in the migration's way, or does not.
type Check struct {
	Name string `json:"name"`
	// Status is StatusOK, StatusWarning, StatusProblem or StatusSkipped.
	Status  string `json:"status"`
	Summary string `json:"summary"`
	// Items name what to act on (teammates to invite, types to create...).
	Items     []string `json:"items,omitempty"`
	Estimated bool     `json:"estimated,omitempty"`
}

// Statuses of a Check.
const (
	StatusOK      = "ok"
	StatusWarning = "warning"
	StatusProblem = "problem"
	StatusSkipped = "skipped"
)

// Names of the checks.
const (
	CheckAttributeLimit       = "custom_data_attribute_limit"
	CheckAdminsMissing        = "teammates_missing_in_destination"
	CheckHelpCentersMissing   = "help_centers_missing_in_destination"
	CheckTeamsMissing         = "teams_missing_in_destination"
	CheckSubTypesMissing      = "subscription_types_missing_in_destination"
	CheckSegmentsMissing      = "segments_missing_in_destination"
	CheckTicketStatesMissing  = "ticket_states_missing_in_destination"
	CheckNewsfeedsMissing     = "newsfeeds_missing_in_destination"
	CheckConvAttrsMissing     = "conversation_attributes_missing_in_destination"
	CheckConversationsOver500 = "conversations_over_500_parts"
	CheckDestinationEmpty     = "destination_empty"
	CheckCustomObjectTypes    = "custom_object_types"
)

// attributeLimitWarn is when the attribute count earns a warning: little
// room is left for attributes added after the move.
const attributeLimitWarn = intercom.MaxCustomDataAttributes * 9 / 10

// checks runs every check; the ones that compare the workspaces are skipped
// without a destination. nw is report.NotWritable's comparison of what the
// API cannot create (teams, help centers, subscription types...).
func checks(inv *inventory, d *destInventory, nw []report.Entity) []Check {
	out := []Check{attributeLimit(inv, d)}
	if d == nil {
		for _, n := range []string{CheckAdminsMissing, CheckSegmentsMissing, CheckSubTypesMissing, CheckTeamsMissing, CheckHelpCentersMissing,
			CheckTicketStatesMissing, CheckNewsfeedsMissing, CheckConvAttrsMissing, CheckDestinationEmpty} {
			out = append(out, Check{Name: n, Status: StatusSkipped, Summary: "the destination was not read"})
		}
	} else {
		out = append(out, adminsMissing(inv, d))
		for _, e := range nw {
			out = append(out, notWritable(e))
		}
		out = append(out, missingCheck(CheckNewsfeedsMissing, "newsfeed", inv.newsfeeds, d.newsfeeds, func(f *intercom.Newsfeed) string { return normName(f.Name) },
			func(f *intercom.Newsfeed) string { return fmt.Sprintf("%s (id %s)", f.Name, f.ID) },
			"news items lose their assignment to them; create them in the destination with the same names"))
		out = append(out, missingCheck(CheckConvAttrsMissing, "conversation data attribute", inv.convAttrs, d.convAttrs, func(a *intercom.DataAttribute) string { return normName(a.Name) },
			func(a *intercom.DataAttribute) string { return fmt.Sprintf("%s (%s)", a.Name, a.DataType) },
			"conversations lose these values; create the attributes in the destination (Settings > Data > Conversations)"))
		out = append(out, destinationEmpty(d))
	}
	out = append(out, over500(inv), customObjectTypes(inv))
	return out
}

// consequences say what a record missing in the destination costs, by
// report.NotWritable's entity; their checks are named
// <entity>_missing_in_destination.
var consequences = map[string]string{
	"teams":              "records assigned to them lose the team assignment; create them in the destination with the same names",
	"help_centers":       "their collections and articles are not migrated; create them in the destination (same identifier or name) first",
	"subscription_types": "the preferences of their contacts, opt-outs included, are not carried until the destination has a type of the same name and consent type; create them first",
	"segments":           "the API cannot create segments; recreate their filters by hand",
	"ticket_states":      "their tickets take the destination's first state of the same category; create the states to keep them apart",
}

// notWritable turns report.NotWritable's row into a check.
func notWritable(e report.Entity) Check {
	c := Check{Name: e.Entity + "_missing_in_destination", Status: StatusOK, Items: e.Missing,
		Summary: fmt.Sprintf("the destination has every one of the %d source %s (by name)", e.Source, strings.ReplaceAll(e.Entity, "_", " "))}
	switch {
	case e.Error != "":
		c.Status = StatusWarning
		c.Summary = fmt.Sprintf("%s could not be compared: %s", strings.ReplaceAll(e.Entity, "_", " "), e.Error)
	case len(e.Missing) > 0:
		c.Status = StatusProblem
		if e.Entity == "segments" {
			c.Status = StatusWarning // nothing fails: segments are not migrated anyway
		}
		c.Summary = fmt.Sprintf("%d of %d source %s are missing in the destination (by name): %s", len(e.Missing), e.Source, strings.ReplaceAll(e.Entity, "_", " "), consequences[e.Entity])
	}
	return c
}

func normName(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// missingByName are the data attributes of src whose name dst lacks
// (names are unique across models, ignoring case; an archived attribute
// keeps its name: attributes.go matches it).
func missingByName(src, dst []*intercom.DataAttribute) []*intercom.DataAttribute {
	have := map[string]bool{}
	for _, a := range dst {
		have[normName(a.Name)] = true
	}
	var out []*intercom.DataAttribute
	for _, a := range src {
		if !have[normName(a.Name)] {
			out = append(out, a)
		}
	}
	return out
}

// attributeLimit: after the migration the destination holds its own live
// custom attributes and the source's it lacks; Intercom allows 250.
func attributeLimit(inv *inventory, d *destInventory) Check {
	c := Check{Name: CheckAttributeLimit}
	srcN := len(inv.contactAttrs) + len(inv.companyAttrs)
	after := srcN
	var detail string
	if d != nil {
		live := customLive(append(append([]*intercom.DataAttribute(nil), d.contactAttrs...), d.companyAttrs...))
		created := len(missingByName(inv.contactAttrs, d.contactAttrs)) + len(missingByName(inv.companyAttrs, d.companyAttrs))
		after = len(live) + created
		detail = fmt.Sprintf("; the destination has %d live and would get %d more", len(live), created)
	}
	c.Summary = fmt.Sprintf("%d custom attributes in the source (%d contact, %d company)%s: %d of Intercom's %d after the migration",
		srcN, len(inv.contactAttrs), len(inv.companyAttrs), detail, after, intercom.MaxCustomDataAttributes)
	switch {
	case after > intercom.MaxCustomDataAttributes:
		c.Status = StatusProblem
		c.Items = []string{fmt.Sprintf("archive %d custom attributes (in either workspace) before migrating, or their creation fails", after-intercom.MaxCustomDataAttributes)}
	case after > attributeLimitWarn:
		c.Status = StatusWarning
		c.Items = []string{fmt.Sprintf("only %d attributes of room left after the migration", intercom.MaxCustomDataAttributes-after)}
	default:
		c.Status = StatusOK
	}
	return c
}

// adminsMissing: source teammates without a destination teammate of the
// same email (the rule of admins.go): their records lose their owner or go
// to the fallback teammate.
func adminsMissing(inv *inventory, d *destInventory) Check {
	have := map[string]bool{}
	for _, a := range d.admins {
		if a.Email != "" {
			have[strings.ToLower(a.Email)] = true
		}
	}
	var missing []*intercom.Admin
	for _, a := range inv.admins {
		if a.Email == "" || !have[strings.ToLower(a.Email)] {
			missing = append(missing, a)
		}
	}
	sort.Slice(missing, func(i, j int) bool { return missing[i].ID < missing[j].ID })
	c := Check{Name: CheckAdminsMissing, Status: StatusOK,
		Summary: fmt.Sprintf("every one of the %d source teammates has a teammate of the same email in the destination", len(inv.admins))}
	if len(missing) == 0 {
		return c
	}
	c.Status = StatusProblem
	c.Summary = fmt.Sprintf("%d of %d source teammates have no teammate of the same email in the destination: invite them before migrating, or name a fallback teammate (migrate --fallback-admin); otherwise their contacts lose their owner and their notes, articles and replies go to the token's teammate", len(missing), len(inv.admins))
	for _, a := range missing {
		c.Items = append(c.Items, fmt.Sprintf("%s <%s> (id %s)", a.Name, a.Email, a.ID))
	}
	return c
}

// missingCheck is a check of records matched by a key (a name).
func missingCheck[T any](name, noun string, src, dst []T, key func(T) string, label func(T) string, consequence string) Check {
	have := map[string]int{}
	for _, x := range dst {
		have[key(x)]++
	}
	c := Check{Name: name, Status: StatusOK, Summary: fmt.Sprintf("the destination has every one of the %d source %ss", len(src), noun)}
	for _, x := range src {
		if have[key(x)] > 0 {
			have[key(x)]-- // records sharing a name are paired in order (news.go)
			continue
		}
		c.Items = append(c.Items, label(x))
	}
	if len(c.Items) > 0 {
		c.Status = StatusProblem
		c.Summary = fmt.Sprintf("%d of %d source %ss are missing in the destination: %s", len(c.Items), len(src), noun, consequence)
	}
	return c
}

func destinationEmpty(d *destInventory) Check {
	c := Check{Name: CheckDestinationEmpty, Status: StatusOK, Summary: "the destination holds no contacts"}
	if d.contacts > 0 {
		c.Status = StatusWarning
		c.Summary = fmt.Sprintf("the destination holds %d contacts: migrate refuses to start without --allow-nonempty-destination, and then matches records by email and external id (a lookup and an update each instead of a creation)", d.contacts)
	}
	return c
}

// over500: the API returns the newest 500 parts of a conversation; the
// older ones cannot be read, and the engine notes each such conversation.
func over500(inv *inventory) Check {
	n := inv.over500
	c := Check{Name: CheckConversationsOver500, Status: StatusOK, Estimated: n.Estimated,
		Summary: fmt.Sprintf("no conversation has more than %d parts (%s)", intercom.MaxConversationParts, n.Basis)}
	if n.Estimated && n.N == 0 {
		// A sample that found none says little: they are rare.
		c.Status = StatusWarning
		c.Summary = fmt.Sprintf("none in a %s, and the search could not count them: the migration notes each conversation over %d parts it meets (the older parts are not migrated)", n.Basis, intercom.MaxConversationParts)
	}
	if n.N > 0 {
		c.Status = StatusWarning
		c.Summary = fmt.Sprintf("%d conversations have more than %d parts (%s): the API returns only their newest %d, the older ones are not migrated (migrate notes each one)", n.N, intercom.MaxConversationParts, n.Basis, intercom.MaxConversationParts)
	}
	return c
}

func customObjectTypes(inv *inventory) Check {
	c := Check{Name: CheckCustomObjectTypes, Status: StatusOK}
	if len(inv.customObjects) == 0 {
		c.Status = StatusSkipped
		c.Summary = "no custom object type named (--custom-object-types): the API cannot list them, so their instances are neither counted nor migrated"
		return c
	}
	for _, o := range inv.customObjects {
		if o.Problem != "" {
			c.Items = append(c.Items, fmt.Sprintf("%s: %s", o.Type, o.Problem))
		}
	}
	c.Summary = fmt.Sprintf("%d custom object types named", len(inv.customObjects))
	if len(c.Items) > 0 {
		c.Status = StatusProblem
		c.Summary += fmt.Sprintf(", %d of them cannot be migrated", len(c.Items))
	}
	return c
}
