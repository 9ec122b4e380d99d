package main

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// openPTY opens a pseudo-terminal of cols x rows: the terminal side, what
// a command's stdout is in an operator's shell, and the controller side,
// which reads what is written to it.
func openPTY(t *testing.T, cols, rows uint16) (term, ctl *os.File) {
	t.Helper()
	ctl, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { ctl.Close() })
	ioctl := func(fd uintptr, req uintptr, arg unsafe.Pointer) error {
		if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, req, uintptr(arg)); errno != 0 {
			return errno
		}
		return nil
	}
	var unlock int32
	if err := ioctl(ctl.Fd(), syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)); err != nil {
		t.Skipf("unlocking the pseudo-terminal: %v", err)
	}
	var n uint32
	if err := ioctl(ctl.Fd(), syscall.TIOCGPTN, unsafe.Pointer(&n)); err != nil {
		t.Skipf("pseudo-terminal number: %v", err)
	}
	term, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("opening the pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { term.Close() })
	ws := struct{ rows, cols, x, y uint16 }{rows, cols, 0, 0}
	if err := ioctl(term.Fd(), syscall.TIOCSWINSZ, unsafe.Pointer(&ws)); err != nil {
		t.Fatalf("setting the window size: %v", err)
	}
	return term, ctl
}

// TestProgressOnPTY: written to a real terminal, progress draws bars as
// wide as the terminal and redraws them in place; TERM=dumb gets the plain
// lines.
func TestProgressOnPTY(t *testing.T) {
	term, ctl := openPTY(t, 72, 30)
	t.Setenv("TERM", "xterm")
	p := newProgress(term)
	if !p.tty {
		t.Fatal("a pseudo-terminal not taken for a terminal")
	}
	if cols, rows := p.size(); cols != 72 || rows != 30 {
		t.Errorf("size %dx%d, want the terminal's 72x30", cols, rows)
	}
	p.update(progressStatus())
	p.update(progressStatus())
	// Two frames of five lines: the terminal may hand them over in pieces.
	ctl.SetReadDeadline(time.Now().Add(5 * time.Second))
	var out string
	buf := make([]byte, 64<<10)
	for strings.Count(out, "\n") < 10 {
		n, err := ctl.Read(buf)
		if err != nil {
			t.Fatalf("reading the terminal: %v (read %q)", err, out)
		}
		out += string(buf[:n])
	}
	if !strings.Contains(out, "█") || !strings.Contains(out, "\x1b[5A") {
		t.Errorf("no bars redrawn in place on the terminal:\n%q", out)
	}
	for _, line := range strings.Split(out, "\n") {
		// The terminal turns \n into \r\n; a frame line is \r, the erase
		// sequence, then at most 72 columns.
		line = strings.TrimPrefix(strings.TrimSuffix(line, "\r"), "\r\x1b[2K")
		line = strings.TrimPrefix(line, "\x1b[5A\r\x1b[2K")
		if n := len([]rune(line)); n > 72 {
			t.Errorf("%d columns on a 72-column terminal: %q", n, line)
		}
	}

	t.Setenv("TERM", "dumb")
	if newProgress(term).tty {
		t.Error("TERM=dumb gets the bars")
	}
}
