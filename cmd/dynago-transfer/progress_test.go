package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/creack/pty"

	"github.com/dynago/dynago/internal/dataio"
)

// importWithStderr runs an import whose standard error is f, and returns
// everything written to it, read from r.
func importWithStderr(t *testing.T, url, in string, f *os.File, r io.Reader) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		io.Copy(&buf, r)
	}()
	code := run(context.Background(), []string{"import", "--table", "users", "--progress-interval", "10ms", in},
		envFrom(map[string]string{"DYNAGO_ENDPOINT_URL": url}), io.Discard, f)
	f.Close()
	wg.Wait()
	return code, buf.String()
}

// TestProgressTerminal checks that on a terminal the import draws a
// progress bar (redrawn in place, with the rate and time left).
func TestProgressTerminal(t *testing.T) {
	db := newTestTable(t, "users")
	in := writeTestFile(t, t.TempDir(), "u.json", dataio.FormatDynamoDBJSON, dataio.CompressionNone, 0, 5000)
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	code, out := importWithStderr(t, db.URL(), in, tty, ptmx)
	if code != exitOK {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, want := range []string{"\r", "import", "100%", "MB/s", "imported 5000 items"} {
		if !strings.Contains(out, want) {
			t.Errorf("terminal output lacks %q:\n%q", want, out)
		}
	}
	// The last frame before the summary shows the final count, not the
	// count of the last refresh.
	frames := strings.Split(strings.TrimRight(out[:strings.LastIndex(out, "imported ")], "\r\n"), "\r")
	if last := frames[len(frames)-1]; !strings.HasPrefix(last, "import: 5000 items, ") || !strings.Contains(last, "100%") {
		t.Errorf("last frame %q, want the final count at 100%%", last)
	}
	if n := strings.Count(out, "\n"); n > 2 {
		t.Errorf("%d lines on a terminal, want the bar redrawn in place:\n%q", n, out)
	}
	if !strings.Contains(out, "items/s") || strings.Contains(out, "import: 5000 items, 0 items/s") {
		t.Errorf("no rate in the bar:\n%q", out)
	}
}

// TestProgressPipe checks that into a pipe the import writes plain lines,
// no bar.
func TestProgressPipe(t *testing.T) {
	db := newTestTable(t, "users")
	in := writeTestFile(t, t.TempDir(), "u.json", dataio.FormatDynamoDBJSON, dataio.CompressionNone, 0, 5000)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	code, out := importWithStderr(t, db.URL(), in, w, r)
	if code != exitOK {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if strings.Contains(out, "\r") || strings.Contains(out, "█") {
		t.Errorf("a bar in a pipe:\n%q", out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "import: ") || !strings.Contains(lines[0], " of ") || !strings.Contains(lines[0], "items/s") {
		t.Errorf("no plain progress lines:\n%s", out)
	}
	if !strings.HasPrefix(lines[len(lines)-1], "imported 5000 items") {
		t.Errorf("last line %q", lines[len(lines)-1])
	}
}

func TestProgressLine(t *testing.T) {
	p := &progress{verb: "import", bytes: true, total: 200e6, done: 50e6, items: 1000, bad: 3}
	p.start = p.start.Add(0)
	line := p.lineLocked()
	for _, want := range []string{"import: 1000 items", "3 bad lines", "50.0 of 200.0 MB", "items/s", "25%", "ETA"} {
		if !strings.Contains(line, want) {
			t.Errorf("%q lacks %q", line, want)
		}
	}
	e := &progress{verb: "export", total: 400, done: 100, items: 100}
	if line := e.lineLocked(); !strings.Contains(line, "export: 100 items of about 400") {
		t.Errorf("%q", line)
	}
	_ = filepath.Join
}
