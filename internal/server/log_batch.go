package server

// Request lines are written in batches. With the access log on (the
// default), writing each request's line with its own write(2) cost about
// 12 % of the server's CPU per GetItem, more than formatting the line
// (BenchmarkLoggerBatching; a dynago-bench profile of GetItem in memory:
// os.(*File).Write 11.8 % of the samples, slog's formatting 6 %). So the
// logger keeps request lines in a buffer and writes them together, at most
// requestLineDelay after the first of them or when the buffer is full;
// any other line (start-up, jobs, warnings, errors, shutdown) is written
// at once, after the request lines before it, so the order of lines is
// kept and a line a user or a supervisor waits for is never held back.
// The cost: a kill -9 loses at most requestLineDelay of request lines.

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/dynago/dynago/internal/wire"
)

// requestLineDelay bounds how late a request line is written.
const requestLineDelay = 50 * time.Millisecond

// logBufferSize is how many bytes of request lines wait at most.
const logBufferSize = 64 << 10

// lineBatcher is the io.Writer under the logger's handler: it holds what
// it is given until flush, or until the buffer fills or the delay passes.
type lineBatcher struct {
	mu    sync.Mutex
	w     io.Writer
	buf   []byte
	armed bool // a flush is scheduled
}

// Write keeps p (one log line: slog's handlers write a record with one
// Write) for the next flush.
func (b *lineBatcher) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.buf)+len(p) > logBufferSize {
		b.flushLocked()
	}
	b.buf = append(b.buf, p...)
	if !b.armed {
		b.armed = true
		time.AfterFunc(requestLineDelay, b.flush)
	}
	return len(p), nil
}

// flush writes what is held.
func (b *lineBatcher) flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
	b.armed = false
}

func (b *lineBatcher) flushLocked() {
	if len(b.buf) > 0 {
		// A log line that cannot be written has nowhere to be reported.
		_, _ = b.w.Write(b.buf)
		b.buf = b.buf[:0]
	}
}

// batchingHandler flushes its lineBatcher after every record but the
// access log's request lines.
type batchingHandler struct {
	slog.Handler
	b *lineBatcher
}

func (h batchingHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Message != wire.AccessLogMessage || r.Level > slog.LevelInfo {
		h.b.flush()
	}
	return err
}

func (h batchingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return batchingHandler{h.Handler.WithAttrs(attrs), h.b}
}

func (h batchingHandler) WithGroup(name string) slog.Handler {
	return batchingHandler{h.Handler.WithGroup(name), h.b}
}
