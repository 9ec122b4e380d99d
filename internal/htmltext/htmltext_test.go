package htmltext

import "testing"

func TestToText(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", ""},
		{"plain", "hello", "hello"},
		{"paragraph", "<p>hello</p>", "hello"},
		{"paragraphs", "<p>one</p><p>two</p>", "one\ntwo"},
		{"paragraphs on lines", "<p>one</p>\n<p>two</p>", "one\ntwo"},
		{"breaks", "a<br>b<br/>c<br />d", "a\nb\nc\nd"},
		{"attributes and nesting", `<p class="no-margin"><b>bold</b> <a href="x">link</a></p>`, "bold link"},
		{"entities", "<p>&lt;tag&gt; &amp; &quot;q&quot;</p>", `<tag> & "q"`},
		{"space trimmed", "  <p> padded </p>\n", "padded"},
		{"tags only", "<p></p><br>", ""},
		{"image only", `<img src="https://example.com/a.png">`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ToText(tc.in); got != tc.want {
				t.Errorf("ToText(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
