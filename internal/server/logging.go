package server

// Logging setup: `dynago serve --log-format text|json --log-level L`.
// Text is slog's key=value lines, for a terminal; JSON is one object per
// line, for a log collector (Loki, CloudWatch, Elasticsearch) that would
// otherwise have to parse key=value. Both carry the same fields: the
// access log's request lines (wire/access_log.go), the engine's job
// progress lines, and the server's own.

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// Log formats of Config.LogFormat.
const (
	LogFormatText = "text"
	LogFormatJSON = "json"
)

// DefaultLogFormat is the default of Config.LogFormat and of --log-format.
const DefaultLogFormat = LogFormatText

// ParseLogFormat checks a log format name (text or json, any case) and
// returns it in lower case; empty means DefaultLogFormat.
func ParseLogFormat(s string) (string, error) {
	switch f := strings.ToLower(s); f {
	case "":
		return DefaultLogFormat, nil
	case LogFormatText, LogFormatJSON:
		return f, nil
	}
	return "", fmt.Errorf("unknown log format %q (want text or json)", s)
}

// NewLogger returns the logger writing to w in format (text or json) at
// level and above. Request lines are written in batches, every other line
// at once (log_batch.go).
func NewLogger(w io.Writer, format string, level slog.Level) (*slog.Logger, error) {
	f, err := ParseLogFormat(format)
	if err != nil {
		return nil, err
	}
	b := &lineBatcher{w: w}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(b, opts)
	if f == LogFormatJSON {
		h = slog.NewJSONHandler(b, opts)
	}
	return slog.New(batchingHandler{h, b}), nil
}
