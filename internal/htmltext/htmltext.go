// Package htmltext turns the HTML of a message body into plain text, as
// POST /conversations takes a body and as Intercom shows a plain-text one:
// the migration (to send and compare bodies) and the sandbox (to store
// them) read bodies the same way.
package htmltext

import (
	"html"
	"strings"
)

// breaks are the paragraph boundaries and line breaks that become newlines.
var breaks = strings.NewReplacer("</p><p>", "\n", "</p>\n<p>", "\n", "<br>", "\n", "<br/>", "\n", "<br />", "\n")

// ToText turns a body into text: paragraphs and line breaks become
// newlines, tags go, entities are decoded, and surrounding space is
// trimmed.
func ToText(s string) string {
	s = breaks.Replace(s)
	var b strings.Builder
	in := false
	for _, ch := range s {
		switch {
		case ch == '<':
			in = true
		case ch == '>' && in:
			in = false
		case !in:
			b.WriteRune(ch)
		}
	}
	return strings.TrimSpace(html.UnescapeString(b.String()))
}
