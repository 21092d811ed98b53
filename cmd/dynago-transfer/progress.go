package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress shows how an import or export goes: on a terminal a bar
// (github.com/schollz/progressbar) with the rate and the time left, and
// otherwise (a pipe, a log file, CI) a plain line every interval. Either
// way a summary line ends the run, and messages (bad lines) go to the same
// writer without garbling the bar.
type progress struct {
	mu       sync.Mutex
	w        io.Writer
	verb     string // "import" or "export"
	bytes    bool   // done counts input bytes (import) rather than items
	total    int64  // of done; 0 or less when unknown
	start    time.Time
	bar      *progressbar.ProgressBar
	plain    bool
	interval time.Duration
	last     time.Time // of the last plain line

	items, bad, done int64
	stop             chan struct{}
	stopped          chan struct{}
}

// progressMode resolves "auto": a bar when w is a terminal.
func progressMode(mode string, w io.Writer) string {
	if mode != "auto" {
		return mode
	}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return "bar"
	}
	return "plain"
}

func newProgress(w io.Writer, mode, verb string, bytes bool, total int64, interval time.Duration) *progress {
	p := &progress{w: w, verb: verb, bytes: bytes, total: total, start: time.Now(), interval: interval,
		stop: make(chan struct{}), stopped: make(chan struct{})}
	p.last = p.start
	switch progressMode(mode, w) {
	case "bar":
		max := total
		if max <= 0 {
			max = -1
		}
		opts := []progressbar.Option{
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100 * time.Millisecond),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetRenderBlankState(true),
			progressbar.OptionSetDescription(verb),
		}
		if bytes {
			opts = append(opts, progressbar.OptionShowBytes(true))
		} else {
			opts = append(opts, progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("items"))
		}
		p.bar = progressbar.NewOptions64(max, opts...)
	case "plain":
		p.plain = true
	}
	go p.tick()
	return p
}

// tick refreshes the bar's description and writes the plain lines.
func (p *progress) tick() {
	defer close(p.stopped)
	period := p.interval
	if p.bar != nil {
		period = 200 * time.Millisecond
	}
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.mu.Lock()
			if p.plain {
				fmt.Fprintln(p.w, p.lineLocked())
			} else if p.bar != nil && p.bytes {
				p.bar.Describe(p.describeLocked())
			}
			p.mu.Unlock()
		}
	}
}

// set records the counts so far: items written, bad lines, and progress
// in the bar's unit (input bytes for import, items for export).
func (p *progress) set(items, bad, done int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.items, p.bad, p.done = items, bad, done
	if p.bar != nil {
		p.bar.Set64(done)
	}
}

// printf writes a message line, clearing the bar around it.
func (p *progress) printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		p.bar.Clear()
	}
	fmt.Fprintf(p.w, format+"\n", args...)
	if p.bar != nil {
		p.bar.RenderBlank()
	}
}

// describeLocked is the import bar's description: the items written (the
// bar itself counts input bytes) and their rate.
func (p *progress) describeLocked() string {
	return fmt.Sprintf("%s: %d items, %.0f items/s", p.verb, p.items, p.rateLocked())
}

func (p *progress) rateLocked() float64 {
	if s := time.Since(p.start).Seconds(); s > 0 {
		return float64(p.items) / s
	}
	return 0
}

// lineLocked is one plain progress line.
func (p *progress) lineLocked() string {
	s := fmt.Sprintf("%s: %d items", p.verb, p.items)
	if p.bad > 0 {
		s += fmt.Sprintf(", %d bad lines", p.bad)
	}
	if p.bytes {
		s += fmt.Sprintf(", %.1f", float64(p.done)/1e6)
		if p.total > 0 {
			s += fmt.Sprintf(" of %.1f", float64(p.total)/1e6)
		}
		s += " MB"
	} else if p.total > 0 {
		s += fmt.Sprintf(" of about %d", p.total)
	}
	rate := p.rateLocked()
	s += fmt.Sprintf(", %.0f items/s", rate)
	if p.total > 0 && p.done > 0 && p.done < p.total {
		pct := float64(p.done) / float64(p.total)
		elapsed := time.Since(p.start)
		eta := time.Duration(float64(elapsed) * (1 - pct) / pct).Round(time.Second)
		s += fmt.Sprintf(", %.0f%%, ETA %s", 100*pct, eta)
	}
	return s
}

// finish stops the display and writes the summary line.
func (p *progress) finish(summary string) {
	close(p.stop)
	<-p.stopped
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		if p.bytes {
			// The last frame shows the final count, not the tick's
			// count of up to 200 ms before.
			p.bar.Describe(p.describeLocked())
		}
		p.bar.Exit()
		fmt.Fprintln(p.w)
	}
	fmt.Fprintln(p.w, summary)
}

// elapsed is the time since the start, for summaries.
func (p *progress) elapsed() time.Duration { return time.Since(p.start) }

// countingReader counts the bytes read through it (the import's progress
// is the position in the file, compressed or not).
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n.Add(int64(n))
	return n, err
}
