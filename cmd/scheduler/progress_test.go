package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/icmigrate/icmigrate/internal/migrate"
	"github.com/icmigrate/icmigrate/internal/store"
)

func progressStatus() *migrate.Status {
	return &migrate.Status{
		Migration: &store.Migration{ID: "us-to-eu", Run: 2, State: store.StateRunning,
			Phases: []string{"admins", "tags", "contacts", "contact_tags"}},
		Phases: []migrate.PhaseStatus{
			{Phase: "admins", Total: 6, Done: 6, Units: 1, UnitsDone: 1, Complete: true},
			{Phase: "tags", Total: 25, Done: 25, Units: 1, UnitsDone: 1, Complete: true},
			{Phase: "contacts", Total: 2000, Done: 1195, Failed: 5, Units: 14, UnitsDone: 8, Rate: 350.4, ETA: 2*time.Second + 300*time.Millisecond},
			{Phase: "contact_tags"},
		},
	}
}

func TestProgressLines(t *testing.T) {
	lines := progressLines(progressStatus(), 120, 50, 83*time.Second)
	if len(lines) != 5 {
		t.Fatalf("%d lines, want a header and 4 entities:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	t.Logf("\n%s", strings.Join(lines, "\n"))
	for i, want := range [][]string{
		{"migration us-to-eu run 2: running, 1m23s"},
		{"admins", "[" + strings.Repeat("█", 40) + "]", "6/6", "100%", "done"},
		{"tags", "25/25", "done"},
		{"contacts", "1195/2000", " 60%", "350/s", "ETA 2s", "failed 5", "░"},
		{"contact_tags", "waiting"},
	} {
		for _, w := range want {
			if !strings.Contains(lines[i], w) {
				t.Errorf("line %d %q lacks %q", i, lines[i], w)
			}
		}
		if n := utf8.RuneCountInString(lines[i]); n > 120 {
			t.Errorf("line %d is %d columns wide", i, n)
		}
	}
	// The bars line up.
	if strings.Index(lines[1], "[") != strings.Index(lines[3], "[") {
		t.Errorf("bars not aligned:\n%s\n%s", lines[1], lines[3])
	}
	// A narrow terminal: clipped, never wrapped.
	for _, l := range progressLines(progressStatus(), 40, 50, time.Second) {
		if n := utf8.RuneCountInString(l); n > 40 {
			t.Errorf("%d columns in a 40-column terminal: %q", n, l)
		}
	}
	// A short terminal: complete and waiting entities summed up.
	lines = progressLines(progressStatus(), 120, 4, time.Second)
	if len(lines) != 4 || !strings.HasPrefix(lines[1], "2 done: admins, tags") || !strings.Contains(lines[2], "1195/2000") || lines[3] != "1 waiting: contact_tags" {
		t.Errorf("4-line frame:\n%s", strings.Join(lines, "\n"))
	}
	if lines := progressLines(progressStatus(), 120, 2, time.Second); len(lines) != 2 {
		t.Errorf("2-line frame: %q", lines)
	}
	// A requeue of contacts only shows the entities of the run.
	st := progressStatus()
	st.Migration.RunPhases = []string{"contacts", "contact_tags"}
	if lines := progressLines(st, 120, 50, time.Second); len(lines) != 3 {
		t.Errorf("requeue run: %d lines, want 3", len(lines))
	}
}

// TestProgressNotATerminal: into a pipe or a file, plain lines, one per
// tick, without escape sequences.
func TestProgressNotATerminal(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf)
	if p.tty {
		t.Fatal("a buffer taken for a terminal")
	}
	p.update(progressStatus())
	p.update(progressStatus())
	out := buf.String()
	if strings.Count(out, "\n") != 2 || strings.Contains(out, "\x1b") || !strings.Contains(out, "contacts        1195/2000 failed 5") {
		t.Errorf("plain progress:\n%s", out)
	}
}

// TestProgressTerminal: on a terminal, each frame redraws the last one in
// place.
func TestProgressTerminal(t *testing.T) {
	var buf bytes.Buffer
	p := &progress{w: &buf, tty: true, size: func() (int, int) { return 100, 40 }, start: time.Now()}
	p.update(progressStatus())
	first := buf.String()
	if strings.Contains(first, "\x1b[5A") || strings.Count(first, "\n") != 5 {
		t.Errorf("first frame:\n%q", first)
	}
	buf.Reset()
	st := progressStatus()
	st.Phases[2].Done = 2000
	st.Phases[2].Complete = true
	p.update(st)
	second := buf.String()
	if !strings.HasPrefix(second, "\x1b[5A") || strings.Count(second, "\r\x1b[2K") != 5 {
		t.Errorf("second frame does not redraw the first:\n%q", second)
	}
}
