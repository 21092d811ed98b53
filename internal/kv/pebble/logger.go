package pebble

import (
	"context"
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
	l *slog.Logger
}

// Infof implements pebble.Logger.
func (s slogLogger) Infof(format string, args ...any) {
	s.log(slog.LevelDebug, format, args)
}

// Errorf implements pebble.Logger.
func (s slogLogger) Errorf(format string, args ...any) {
	s.log(slog.LevelError, format, args)
}

// Fatalf implements pebble.Logger. Pebble calls it on unrecoverable
// corruption and expects it not to return; panicking (rather than os.Exit, as
// Pebble's default does) lets deferred handlers and tests see the failure.
func (s slogLogger) Fatalf(format string, args ...any) {
	msg := strings.TrimSuffix(fmt.Sprintf(format, args...), "\n")
	s.l.Error(msg, "component", "pebble", "fatal", true)
	panic("pebble: fatal: " + msg)
}

func (s slogLogger) log(level slog.Level, format string, args []any) {
	ctx := context.Background()
	if !s.l.Enabled(ctx, level) {
		return // skip formatting: Pebble logs on every flush and compaction
	}
	msg := strings.TrimSuffix(fmt.Sprintf(format, args...), "\n")
	s.l.Log(ctx, level, msg, "component", "pebble")
}
