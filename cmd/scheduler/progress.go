package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/icmigrate/icmigrate/internal/migrate"
)

// progress shows a migration's progress while a command waits for it: when
// the output is a terminal, a bar per entity of the run (records done /
// total, percentage, rate, ETA) redrawn in place; otherwise a plain line
// per tick (printProgress), which logs and CI keep readable.
type progress struct {
	w    io.Writer
	tty  bool
	size func() (cols, rows int)
	// start is when the command began waiting.
	start time.Time
	drawn int // lines drawn last time
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w, start: time.Now(), size: func() (int, int) { return 100, 50 }}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) && os.Getenv("TERM") != "dumb" {
		p.tty = true
		p.size = func() (int, int) {
			if cols, rows, err := term.GetSize(int(f.Fd())); err == nil && cols > 0 && rows > 0 {
				return cols, rows
			}
			return 80, 24
		}
	}
	return p
}

// update shows st.
func (p *progress) update(st *migrate.Status) {
	if !p.tty {
		printProgress(p.w, st)
		return
	}
	cols, rows := p.size()
	// A frame taller than the terminal could not be redrawn in place.
	lines := progressLines(st, cols, rows-1, time.Since(p.start))
	var b strings.Builder
	if p.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", p.drawn) // back to the first line drawn
	}
	for _, l := range lines {
		b.WriteString("\r\x1b[2K" + l + "\n")
	}
	for i := len(lines); i < p.drawn; i++ {
		b.WriteString("\r\x1b[2K\n") // a shorter frame: blank what is left
	}
	p.drawn = max(p.drawn, len(lines))
	io.WriteString(p.w, b.String())
}

// progressLines is one frame: a header and a bar per entity of the run,
// each at most width columns. When that is more than height lines, the
// entities that are complete, then those waiting, are summed up in a line.
func progressLines(st *migrate.Status, width, height int, elapsed time.Duration) []string {
	m := st.Migration
	header := fmt.Sprintf("migration %s run %d: %s, %s", m.ID, m.Run, m.State, elapsed.Round(time.Second))
	if st.UnitFailures > 0 {
		header += fmt.Sprintf(", %d unit(s) failed", st.UnitFailures)
	}
	lines := []string{clip(header, width)}
	var phases []migrate.PhaseStatus
	name := 0
	for _, p := range st.Phases {
		if m.InRun(p.Phase) {
			phases = append(phases, p)
			name = max(name, len(p.Phase))
		}
	}
	// name, two spaces, the bar, then figures of about 50 columns.
	barWidth := min(max(width-name-56, 10), 40)
	var done, waiting []string
	var bars []string
	for _, p := range phases {
		bars = append(bars, phaseBar(p, name, barWidth))
		switch {
		case p.Complete:
			done = append(done, p.Phase)
		case p.Units == 0:
			waiting = append(waiting, p.Phase)
		}
	}
	if height > 0 && 1+len(bars) > height {
		var running []string
		for _, p := range phases {
			if !p.Complete && p.Units > 0 {
				running = append(running, phaseBar(p, name, barWidth))
			}
		}
		bars = nil
		if len(done) > 0 {
			bars = append(bars, fmt.Sprintf("%d done: %s", len(done), strings.Join(done, ", ")))
		}
		bars = append(bars, running...)
		if len(waiting) > 0 {
			bars = append(bars, fmt.Sprintf("%d waiting: %s", len(waiting), strings.Join(waiting, ", ")))
		}
		bars = bars[:min(len(bars), max(height-1, 0))]
	}
	for _, b := range bars {
		lines = append(lines, clip(b, width))
	}
	return lines
}

// phaseBar is one entity's line:
//
//	contacts      [██████████░░░░░░░░░░]         1200/2000  60%     350/s  ETA 2s  failed 3
func phaseBar(p migrate.PhaseStatus, nameWidth, barWidth int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-*s  [", nameWidth, p.Phase)
	switch {
	case p.Complete:
		b.WriteString(strings.Repeat("█", barWidth))
	case p.Total > 0:
		filled := int(float64(barWidth) * float64(min(p.Done+p.Failed, p.Total)) / float64(p.Total))
		b.WriteString(strings.Repeat("█", filled) + strings.Repeat("░", barWidth-filled))
	default:
		b.WriteString(strings.Repeat(" ", barWidth))
	}
	b.WriteString("] ")
	switch {
	case p.Total > 0:
		fmt.Fprintf(&b, "%17s %3d%%", fmt.Sprintf("%d/%d", p.Done, p.Total), min(100, 100*(p.Done+p.Failed)/p.Total))
	default:
		fmt.Fprintf(&b, "%17d     ", p.Done)
	}
	switch {
	case p.Complete:
		b.WriteString("  done")
	case p.Units == 0:
		b.WriteString("  waiting")
	case p.Rate <= 0 && p.ETA <= 0:
		b.WriteString("  running")
	default:
		if p.Rate > 0 {
			fmt.Fprintf(&b, "  %6.0f/s", p.Rate)
		}
		if p.ETA > 0 {
			fmt.Fprintf(&b, "  ETA %s", p.ETA.Round(time.Second))
		}
	}
	if p.Failed > 0 {
		fmt.Fprintf(&b, "  failed %d", p.Failed)
	}
	return b.String()
}

// clip cuts s to width runes.
func clip(s string, width int) string {
	if r := []rune(s); width > 0 && len(r) > width {
		return string(r[:width])
	}
	return s
}
