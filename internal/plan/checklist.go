package plan

import "slices"

// Item is one thing the operator recreates or decides by hand: the API
// cannot carry it.
type Item struct {
	Key   string `json:"key"`
	Title string `json:"title"`
	// Priority is high (the switch breaks something without it), medium
	// (a feature stops until it is rebuilt) or low.
	Priority string `json:"priority"`
	// HoldsData says it holds data of its own (statistics, answers,
	// history) that stays in the source: export it before the source
	// workspace is closed.
	HoldsData bool `json:"holds_data"`
	// APICounts says the API can count it; Count is then what the source
	// holds.
	APICounts bool   `json:"api_counts"`
	Count     *int64 `json:"count,omitempty"`
	Action    string `json:"action"`
}

// Priorities of an Item.
const (
	PriorityHigh   = "high"
	PriorityMedium = "medium"
	PriorityLow    = "low"
)

// item is a checklist entry; count, when set, is how the API counts it.
type item struct {
	Item
	count func(inv *inventory) int
}

// items are every checklist entry; checklist sorts them by priority, and
// within a priority keeps this order: what the migration needs first, then
// what the switch needs, then the rest.
var items = []item{
	{Item: Item{Key: "teammates", Title: "Teammates", Priority: PriorityHigh, HoldsData: true,
		Action: "Invite every teammate to the destination with the same email, with an inbox seat where they answer conversations, before migrating: records are matched to teammates by email (see the teammates check)."},
		count: func(inv *inventory) int { return len(inv.admins) }},
	{Item: Item{Key: "teams_and_roles", Title: "Teams and roles", Priority: PriorityHigh,
		Action: "Create the teams with the same names, their members and assignment methods, and the roles and permissions, before migrating: assignments are matched by team name."},
		count: func(inv *inventory) int { return len(inv.teams) }},
	{Item: Item{Key: "conversation_data_attributes", Title: "Conversation data attributes", Priority: PriorityHigh, HoldsData: true,
		Action: "Create the conversation attributes with the same names, types and list options before migrating: the API cannot create them, and conversations carry their values only when they exist."},
		count: func(inv *inventory) int { return len(inv.convAttrs) }},
	{Item: Item{Key: "subscription_types", Title: "Subscription types", Priority: PriorityHigh,
		Action: "Create every subscription type with the same name and consent type (opt-in or opt-out) before migrating: contacts' preferences, opt-outs included, are carried only for matching types."},
		count: func(inv *inventory) int { return len(inv.subTypes) }},
	{Item: Item{Key: "help_center_settings", Title: "Help-center settings", Priority: PriorityHigh,
		Action: "Create the help centers with the same identifiers before migrating, then redo their settings: languages, styling, header and footer, home page layout, SEO, and website on or off."},
		count: func(inv *inventory) int { return len(inv.helpCenters) }},
	{Item: Item{Key: "custom_help_center_domain", Title: "Custom help-center domain", Priority: PriorityHigh,
		Action: "At the switch, set the custom domain on the destination help center and point its DNS (CNAME) there; certificates take a while to be issued, so plan the DNS change ahead."},
		count: func(inv *inventory) int {
			n := 0
			for _, h := range inv.helpCenters {
				if h.CustomDomain != "" {
					n++
				}
			}
			return n
		}},
	{Item: Item{Key: "private_articles_and_audiences", Title: "Private articles and audiences", Priority: PriorityMedium, HoldsData: true,
		Action: "Set each article's audience (who can see it, private or public) again: the API carries the articles, not their visibility rules. Until then private articles may be public or hidden."}},
	{Item: Item{Key: "email_addresses_and_domains", Title: "Email addresses and domains", Priority: PriorityHigh,
		Action: "Add the sender addresses, verify them, and authenticate the custom sending domains (DKIM, SPF, DMARC records) in the destination before the switch: email replies fail or land in spam otherwise."}},
	{Item: Item{Key: "email_forwarding", Title: "Email forwarding", Priority: PriorityHigh,
		Action: "At the switch, point the support mailboxes' forwarding to the destination's inbound address: mail forwarded to the source after the switch is not migrated."}},
	{Item: Item{Key: "web_installation", Title: "Web installation", Priority: PriorityHigh,
		Action: "At the switch, deploy the Messenger snippet with the destination's app id (and its regional API base, e.g. api_base for EU or AU) on every site and web app."}},
	{Item: Item{Key: "identity_verification", Title: "Identity verification (web, iOS, Android)", Priority: PriorityHigh,
		Action: "Turn identity verification on in the destination and deploy its secrets for web (user_hash HMAC), iOS and Android with the new app id: the source's secrets do not verify in the destination. (Count: 1 when the source has it on for web, as GET /me says; iOS and Android are not reported.)"},
		// GET /me says whether web identity verification is on (1) or off.
		count: func(inv *inventory) int {
			if inv.identityVerification {
				return 1
			}
			return 0
		}},
	{Item: Item{Key: "mobile_installation_and_push", Title: "iOS and Android installation and push configuration", Priority: PriorityHigh,
		Action: "Ship app builds with the destination's app id and API keys, and upload the APNs certificate or key and the FCM credentials to the destination: push messages and the mobile Messenger stop otherwise."}},
	{Item: Item{Key: "connected_apps_and_webhooks", Title: "Connected apps and webhooks to reconnect", Priority: PriorityHigh,
		Action: "Reinstall the App Store apps and integrations (CRM, Slack, Jira...), recreate the webhook subscriptions and developer-hub apps, and give every tool the destination's tokens and regional API URL; then revoke the source's."}},
	{Item: Item{Key: "security_settings", Title: "Security settings", Priority: PriorityHigh,
		Action: "Redo the security settings: SSO/SAML, two-factor enforcement, allowed login domains, trusted domains for the Messenger, and data-access rules."}},
	{Item: Item{Key: "rules", Title: "Rules", Priority: PriorityHigh,
		Action: "Recreate the workflows and assignment, routing and tagging rules: new conversations in the destination go unrouted until they exist."}},
	{Item: Item{Key: "operator_settings", Title: "Operator settings", Priority: PriorityMedium,
		Action: "Redo the Operator and Fin settings: reply-time expectations, email collection, suggested articles, qualification and custom bots' answers."}},
	{Item: Item{Key: "office_hours", Title: "Office hours", Priority: PriorityMedium,
		Action: "Set the office hours and the reply-time messages in the destination (its time zone too: see general settings)."}},
	{Item: Item{Key: "slas", Title: "SLAs", Priority: PriorityMedium, HoldsData: true,
		Action: "Recreate the SLA policies and the rules that apply them. Migrated conversations carry no SLA: their SLA history and statistics stay in the source (export the reports)."}},
	{Item: Item{Key: "views", Title: "Views", Priority: PriorityMedium,
		Action: "Recreate the inbox views (shared and personal) and the saved filters of reports."}},
	{Item: Item{Key: "general_settings", Title: "General settings", Priority: PriorityMedium,
		Action: "Redo the workspace settings: name, time zone, languages, default sender, Messenger appearance and greetings, and the data retention settings."}},
	{Item: Item{Key: "series", Title: "Series", Priority: PriorityMedium, HoldsData: true,
		Action: "Recreate the series and their rules, and decide where contacts in the middle of one start again; the series' statistics stay in the source (export them)."}},
	{Item: Item{Key: "emails", Title: "Emails", Priority: PriorityMedium, HoldsData: true,
		Action: "Recreate the outbound emails (one-off and ongoing) with their audiences and schedules; their send and open statistics stay in the source."}},
	{Item: Item{Key: "chats", Title: "Chats", Priority: PriorityMedium, HoldsData: true,
		Action: "Recreate the outbound chats with their audiences and schedules; their statistics stay in the source."}},
	{Item: Item{Key: "posts", Title: "Posts", Priority: PriorityMedium, HoldsData: true,
		Action: "Recreate the posts with their audiences and schedules; their statistics stay in the source."}},
	{Item: Item{Key: "product_tours", Title: "Product tours", Priority: PriorityMedium, HoldsData: true,
		Action: "Rebuild the product tours (their steps point at the product's pages) and their audiences; completion statistics stay in the source."}},
	{Item: Item{Key: "surveys", Title: "Surveys", Priority: PriorityMedium, HoldsData: true,
		Action: "Recreate the surveys and export their responses from the source: answers are not migrated (those saved to contact attributes are)."}},
	{Item: Item{Key: "sms", Title: "SMS", Priority: PriorityMedium, HoldsData: true,
		Action: "Set up the SMS numbers (and their registration) in the destination and recreate the SMS messages; statistics stay in the source."}},
	{Item: Item{Key: "banners", Title: "Banners", Priority: PriorityLow, HoldsData: true,
		Action: "Recreate the banners with their audiences; statistics stay in the source."}},
	{Item: Item{Key: "mobile_push", Title: "Mobile push", Priority: PriorityLow, HoldsData: true,
		Action: "Recreate the push messages once push is configured in the destination; statistics stay in the source."}},
	{Item: Item{Key: "mobile_carousels", Title: "Mobile carousels", Priority: PriorityLow, HoldsData: true,
		Action: "Recreate the mobile carousels with their audiences; statistics stay in the source."}},
	{Item: Item{Key: "email_templates", Title: "Email templates", Priority: PriorityLow,
		Action: "Copy the custom email templates (HTML) to the destination before recreating the emails that use them."}},
	{Item: Item{Key: "task_bots", Title: "Task bots for users, leads and teammates", Priority: PriorityLow,
		Action: "Recreate the task bots (for users, for leads, and the ones that help teammates) and their settings."}},
	{Item: Item{Key: "qualification_settings", Title: "Qualification settings", Priority: PriorityLow,
		Action: "Redo the qualification data the Operator and bots collect, and the lead qualification attributes shown to teammates."}},
	{Item: Item{Key: "email_notifications", Title: "Email notifications", Priority: PriorityLow,
		Action: "Each teammate sets their notification preferences (email, desktop, mobile) again in the destination."}},
	{Item: Item{Key: "attachment_settings", Title: "Attachment settings", Priority: PriorityLow,
		Action: "Redo the attachment settings (which files contacts may upload in the Messenger, and their security). Attachments of migrated conversations are sent by their source URLs: keep the source workspace open until the migration is verified."}},
}

// checklist fills the counts the API gives.
func checklist(inv *inventory) []Item {
	out := make([]Item, 0, len(items))
	for _, it := range items {
		x := it.Item
		if it.count != nil {
			n := int64(it.count(inv))
			x.APICounts, x.Count = true, &n
		}
		out = append(out, x)
	}
	rank := map[string]int{PriorityHigh: 0, PriorityMedium: 1, PriorityLow: 2}
	slices.SortStableFunc(out, func(a, b Item) int { return rank[a.Priority] - rank[b.Priority] })
	return out
}
