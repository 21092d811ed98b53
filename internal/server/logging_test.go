package server

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

func TestNewLogger(t *testing.T) {
	var buf bytes.Buffer
	log, err := NewLogger(&buf, "JSON", slog.LevelInfo)
	if err != nil {
		t.Fatal(err)
	}
	log.Debug("hidden")
	log.Info("listening", "op", "PutItem") // written at once, unlike request lines
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil || m["op"] != "PutItem" || m["level"] != "INFO" {
		t.Errorf("json line %q: %v %v", buf.String(), m, err)
	}
	buf.Reset()
	if log, err = NewLogger(&buf, "", slog.LevelInfo); err != nil {
		t.Fatal(err)
	}
	log.Info("listening", "op", "PutItem")
	if !strings.Contains(buf.String(), "level=INFO msg=listening op=PutItem") {
		t.Errorf("text line %q", buf.String())
	}
	if _, err := NewLogger(&buf, "xml", slog.LevelInfo); err == nil {
		t.Error("format xml accepted")
	}
}
