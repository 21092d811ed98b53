package pebble

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// slogLogger routes Pebble's log output into the server's slog logger.
// Pebble's default logger writes every flush, compaction and WAL event to the
// standard library's log package; a database emulator that developers run in
// CI must stay quiet, so informational messages go out at debug level.
// Errors (background compaction or disk failures) stay at error level because
// an operator needs to see them.
type slogLogger struct {
	l       *slog.Logger
	failure *failure
}

// Infof implements pebble.Logger.
func (s slogLogger) Infof(format string, args ...any) {
	s.log(slog.LevelDebug, format, args)
}

// Errorf implements pebble.Logger.
func (s slogLogger) Errorf(format string, args ...any) {
	s.log(slog.LevelError, format, args)
}

// Fatalf implements pebble.Logger. Pebble calls it when it cannot go on (a
// MANIFEST write or sync failed, an invariant broke) and expects it not to
// return. Pebble's default exits the process; panicking, as this adapter
// once did, left the server half alive (the wire layer recovered the panic
// and every later write failed) or, from a background goroutine, killed it
// with a stack trace. Instead the store is marked failed, which makes every
// call refuse with ErrFailed and tells the server to stop cleanly
// (Store.Failed), and the calling goroutine is parked for good: it may hold
// Pebble's locks, so it must neither go on nor unwind. Store.Close then
// leaves Pebble unclosed (the process is about to exit; everything
// acknowledged is in the synced WAL).
//
// While Open runs there is no server to stop yet, so Fatalf panics instead
// and Open turns the panic into its error.
//
// Commit errors do not come here: every synced commit goes through
// DB.ApplyNoSyncWait and Batch.SyncWait (commit.go), which return WAL
// errors rather than calling Fatalf.
func (s slogLogger) Fatalf(format string, args ...any) {
	msg := strings.TrimSuffix(fmt.Sprintf(format, args...), "\n")
	s.l.Error(msg, "component", "pebble", "fatal", true)
	if s.failure.opening.Load() {
		panic(fatalPanic(msg))
	}
	s.failure.fail(errors.New(msg))
	s.failure.parked.Add(1)
	select {}
}

// fatalPanic is what Fatalf panics with while the store is opening.
type fatalPanic string

func (s slogLogger) log(level slog.Level, format string, args []any) {
	ctx := context.Background()
	if !s.l.Enabled(ctx, level) {
		return // skip formatting: Pebble logs on every flush and compaction
	}
	msg := strings.TrimSuffix(fmt.Sprintf(format, args...), "\n")
	s.l.Log(ctx, level, msg, "component", "pebble")
}
