package plan

import (
	"fmt"
	"math"
)

// Cutover is the recommended switch: the bulk run with the apps given,
// then a freeze as short as the delta pass that catches up with what
// changed meanwhile.
type Cutover struct {
	// AppsSource and AppsDest are the apps (tokens) given per side, at
	// most 3 counted (the workspace limit caps more).
	AppsSource int `json:"apps_source"`
	AppsDest   int `json:"apps_dest"`
	// BulkSeconds is the bulk run at those apps; VerifySeconds the
	// comparison after it (verify reads about what the run read, on both
	// sides: an estimate).
	BulkSeconds   float64 `json:"bulk_seconds"`
	VerifySeconds float64 `json:"verify_seconds"`
	// Changed* are what changes at the source during the bulk run and its
	// verify, at the pace of the last ChangeWindowDays days.
	ChangedContacts      int64 `json:"changed_contacts"`
	ChangedConversations int64 `json:"changed_conversations"`
	DeltaSourceCalls     int64 `json:"delta_source_calls"`
	DeltaDestCalls       int64 `json:"delta_dest_calls"`
	// DeltaSeconds is the delta pass: the freeze lasts about that long,
	// plus its verify and the switch.
	DeltaSeconds float64  `json:"delta_seconds"`
	DeltaKnown   bool     `json:"delta_known"`
	Steps        []string `json:"steps"`
}

// cutover plans the switch from the estimates.
func cutover(rep *Report, dst Workspace) Cutover {
	src, f := rep.Source, rep.Figures
	c := Cutover{AppsSource: min(max(src.Apps, 1), 3), AppsDest: min(max(dst.Apps, 1), 3)}
	rs, rd := src.RatePerMinute(c.AppsSource), dst.RatePerMinute(c.AppsDest)
	var srcReads int64
	for _, e := range rep.Entities {
		c.BulkSeconds += phaseSeconds(e.SourceCalls, e.DestCalls, rs, rd)
		srcReads += e.SourceCalls
	}
	c.VerifySeconds = phaseSeconds(srcReads, srcReads, rs, rd)

	// The delta pass moves what changed since the bulk run started. Each
	// changed record is priced as a new one (an upper bound: an update
	// writes what changed, often a single call): a contact at the bulk
	// run's writes per contact (the contact, its tags, preferences,
	// notes, events, companies), a conversation at its writes plus a read
	// of the destination copy to find where it stands.
	ch := rep.Change
	if ch.Known {
		c.DeltaKnown = true
		days := (c.BulkSeconds + c.VerifySeconds) / 86400
		perDay := func(n int) int64 { return int64(math.Ceil(float64(n) / float64(ch.Days) * days)) }
		c.ChangedContacts, c.ChangedConversations = perDay(ch.ContactsUpdated), perDay(ch.ConversationsUpdated)
		contactWrites, convWrites := 1.0, 1.0
		if f.Contacts.N > 0 {
			contactWrites = float64(f.Contacts.N+f.ContactTagCalls.N+f.Preferences.N+f.Notes.N+f.ListableEvents.N+f.CompanyAttachments.N) / float64(f.Contacts.N)
		}
		if f.Conversations.N > 0 {
			convWrites = float64(f.Conversations.N+f.ConversationWrites.N) / float64(f.Conversations.N)
		}
		// Source: a search page per 150 changed records of each kind,
		// a GET per conversation, a summary per contact (events).
		c.DeltaSourceCalls = int64(pages(c.ChangedContacts, contactsPage)+pages(c.ChangedConversations, contactsPage)) + c.ChangedConversations + c.ChangedContacts
		c.DeltaDestCalls = int64(math.Ceil(float64(c.ChangedContacts)*contactWrites+float64(c.ChangedConversations)*(convWrites+1))) + 1
		c.DeltaSeconds = phaseSeconds(c.DeltaSourceCalls, c.DeltaDestCalls, rs, rd)
	}
	c.Steps = steps(rep, c)
	return c
}

func steps(rep *Report, c Cutover) []string {
	high, problems := 0, 0
	for _, it := range rep.Checklist {
		if it.Priority == PriorityHigh {
			high++
		}
	}
	for _, ch := range rep.Checks {
		if ch.Status == StatusProblem {
			problems++
		}
	}
	delta := "unknown (the source's rate of change could not be read): measure it with a trial delta pass"
	if c.DeltaKnown {
		delta = fmt.Sprintf("about %s for %d contact(s) and %d conversation(s) changed during the bulk run and its verify (the pace of the last %d days)",
			Human(c.DeltaSeconds), c.ChangedContacts, c.ChangedConversations, rep.Change.Days)
	}
	return []string{
		fmt.Sprintf("Prepare: fix the %d problem(s) of the checks and recreate the %d high-priority checklist items that the migration needs first (teammates, teams, attributes, subscription types, help centers).", problems, high),
		fmt.Sprintf("Bulk run: `scheduler migrate --id M --wait` takes about %s with %d app(s) on the source and %d on the destination; start it at least %s before the planned switch. More apps (up to 3 a side) shorten it: see the durations.",
			Human(c.BulkSeconds), c.AppsSource, c.AppsDest, Human(c.BulkSeconds+c.VerifySeconds)),
		fmt.Sprintf("Verify: `scheduler verify --id M` (about %s); requeue what failed after fixing it.", Human(c.VerifySeconds)),
		"Freeze: once the bulk run is verified, at the start of the switch window, stop changes at the source: close the Messenger and inbound email to it (or put teammates on the destination), pause its outbound messages, workflows and integrations.",
		"Delta pass: `scheduler migrate --id M --delta` moves what changed since the bulk run: " + delta + ". The freeze lasts about that long, plus its verify.",
		"Verify again, then switch: deploy the Messenger with the destination's app id, repoint email forwarding and the help-center domain, ship the mobile settings, reconnect apps and webhooks; then unfreeze on the destination.",
	}
}

// Human writes a duration for people: "45s", "12m", "3h 05m", "2d 4h".
func Human(seconds float64) string {
	s := int64(math.Ceil(seconds))
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm", (s+59)/60)
	case s < 86400:
		m := (s + 59) / 60
		return fmt.Sprintf("%dh %02dm", m/60, m%60)
	}
	h := (s + 3599) / 3600
	return fmt.Sprintf("%dd %dh", h/24, h%24)
}
