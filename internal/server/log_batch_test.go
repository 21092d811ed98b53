package server

import (
	"bytes"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/wire"
)

// countingWriter records each Write it is given.
type countingWriter struct {
	mu     sync.Mutex
	writes []string
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes = append(c.writes, string(p))
	return len(p), nil
}

func (c *countingWriter) snapshot() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.writes...)
}

// TestLoggerBatchesRequestLines: request lines wait and go out together;
// any other line goes out at once, after the request lines logged before
// it, so a line someone waits for is never held back and order is kept.
func TestLoggerBatchesRequestLines(t *testing.T) {
	for _, format := range []string{LogFormatText, LogFormatJSON} {
		w := &countingWriter{}
		log, err := NewLogger(w, format, slog.LevelInfo)
		if err != nil {
			t.Fatal(err)
		}
		log.Info(wire.AccessLogMessage, "n", 1)
		log.Info(wire.AccessLogMessage, "n", 2)
		if got := w.snapshot(); len(got) != 0 {
			t.Fatalf("%s: request lines written at once: %q", format, got)
		}
		log.Info("dynago serving the DynamoDB API")
		got := w.snapshot()
		if len(got) != 1 || strings.Count(got[0], "\n") != 3 ||
			strings.Index(got[0], "2") > strings.Index(got[0], "serving") {
			t.Fatalf("%s: after a start-up line, writes %q: want the two request lines then it, in one write", format, got)
		}
		log.Info(wire.AccessLogMessage, "n", 3)
		deadline := time.Now().Add(10 * time.Second)
		for len(w.snapshot()) < 2 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if got := w.snapshot(); len(got) != 2 || !strings.Contains(got[1], "3") {
			t.Fatalf("%s: a lone request line was not written after the delay: %q", format, got)
		}
		log.Warn(wire.AccessLogMessage, "n", 4) // a request line above info is not held
		if got := w.snapshot(); len(got) != 3 {
			t.Fatalf("%s: a warning was held back: %q", format, got)
		}
	}
}

// TestLoggerBatchBound: a buffer full of request lines is written without
// waiting for the delay, and nothing is lost or reordered.
func TestLoggerBatchBound(t *testing.T) {
	var out bytes.Buffer
	w := &countingWriter{}
	log, _ := NewLogger(w, LogFormatText, slog.LevelInfo)
	const n = 5000 // about 40 bytes each, three buffers' worth
	for i := range n {
		log.Info(wire.AccessLogMessage, "i", i)
	}
	if got := w.snapshot(); len(got) < 2 {
		t.Fatalf("%d writes for %d request lines: a full buffer waited", len(got), n)
	}
	log.Info("stopped")
	for _, s := range w.snapshot() {
		out.WriteString(s)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != n+1 {
		t.Fatalf("%d lines, want %d", len(lines), n+1)
	}
	for i, l := range lines[:n] {
		if !strings.HasSuffix(l, " i="+strconv.Itoa(i)) {
			t.Fatalf("line %d = %q", i, l)
		}
	}
}

// BenchmarkLoggerBatching writes one request line per op to a file, as
// `dynago serve 2>file` does, batched (NewLogger) and with a write per
// line (slog's handler straight on the file).
func BenchmarkLoggerBatching(b *testing.B) {
	f, err := os.Create(b.TempDir() + "/log")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	batched, _ := NewLogger(f, LogFormatText, slog.LevelInfo)
	for _, bm := range []struct {
		name string
		log  *slog.Logger
	}{
		{"batched", batched},
		{"line-by-line", slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelInfo}))},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bm.log.LogAttrs(b.Context(), slog.LevelInfo, wire.AccessLogMessage,
					slog.String("op", "GetItem"), slog.String("table", "t"), slog.Int("status", 200),
					slog.Duration("latency", 41*time.Microsecond), slog.Float64("rcu", 0.5),
					slog.String("request_id", "R1PS75ETBWRR1KE68I3S510DAPXVPZPMSE252K0OA36FXRHG2DK1"))
			}
		})
	}
}
