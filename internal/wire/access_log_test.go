package wire

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/auth"
)

// logBuffer collects JSON log lines, safe for the handler's goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines returns the logged lines whose msg is "request", decoded.
func (b *logBuffer) requests(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.buf.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if m["msg"] == "request" {
			out = append(out, m)
		}
	}
	return out
}

func (b *logBuffer) reset() {
	b.mu.Lock()
	b.buf.Reset()
	b.mu.Unlock()
}

func TestAccessLog(t *testing.T) {
	var logs logBuffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	h := New(newFakeEngine(), Options{Logger: log, AccessLog: true,
		// The fake engine charges nothing; the middleware stands in for
		// the engine's capacity accounting.
		Middleware: func(ctx context.Context, op api.OpID, in any, next func(context.Context) (any, error)) (any, error) {
			if op == api.OpPutItem {
				api.RequestStatsFrom(ctx).AddCapacity(0, 1)
				api.RequestStatsFrom(ctx).AddCapacity(0, 2) // an index write
			}
			return next(ctx)
		}})

	tests := []struct {
		name string
		req  req
		want map[string]any // fields the line must have; nil value: must be absent
	}{
		{"a write", req{target: "PutItem", body: `{"TableName":"Music","Item":{"a":{"S":"x"}}}`},
			map[string]any{"level": "INFO", "op": "PutItem", "table": "Music", "status": 200.0, "wcu": 3.0, "error": nil, "rcu": nil}},
		{"an error", req{target: "UpdateItem", body: `{"TableName":"Music","Key":{"a":{"S":"x"}}}`},
			map[string]any{"op": "UpdateItem", "table": "Music", "status": 400.0, "error": "ConditionalCheckFailedException"}},
		{"several tables", req{target: "BatchGetItem", body: `{"RequestItems":{"A1x":{"Keys":[{"a":{"S":"x"}}]},"B2y":{"Keys":[{"a":{"S":"x"}}]}}}`},
			map[string]any{"op": "BatchGetItem", "status": 400.0, "error": "ResourceNotFoundException"}},
		{"an unknown target", req{rawTgt: "DynamoDB_20120810.Frobnicate", body: `{}`},
			map[string]any{"op": "unknown", "target": "DynamoDB_20120810.Frobnicate", "status": 400.0, "error": "UnknownOperationException"}},
		{"not the API", req{method: "GET", path: "/nope", noAuth: true},
			map[string]any{"op": "unknown", "method": "GET", "path": "/nope", "status": 404.0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs.reset()
			rec := do(t, h, tt.req.build())
			lines := logs.requests(t)
			if len(lines) != 2 { // do serves through ServeHTTP and ServeFast
				t.Fatalf("%d request lines, want 2: %v", len(lines), lines)
			}
			l := lines[0]
			for k, v := range tt.want {
				got, ok := l[k]
				if v == nil {
					if ok {
						t.Errorf("%s = %v, want it absent", k, got)
					}
					continue
				}
				if got != v {
					t.Errorf("%s = %#v, want %#v (line %v)", k, got, v, l)
				}
			}
			if l["request_id"] != rec.Header().Get("x-amzn-RequestId") && lines[1]["request_id"] != rec.Header().Get("x-amzn-RequestId") {
				t.Errorf("request_id %v, the answer's %s", l["request_id"], rec.Header().Get("x-amzn-RequestId"))
			}
			if _, ok := l["latency"]; !ok {
				t.Errorf("no latency in %v", l)
			}
			if tt.name == "several tables" {
				if tb, _ := l["table"].(string); tb != "A1x,B2y" && tb != "B2y,A1x" {
					t.Errorf("table = %q, want both tables", tb)
				}
			}
		})
	}

	t.Run("health checks at debug only", func(t *testing.T) {
		logs.reset()
		do(t, h, req{method: "GET", noAuth: true}.build())
		if lines := logs.requests(t); len(lines) != 0 {
			t.Errorf("a health check logged at info: %v", lines)
		}
	})
}

func TestAccessLogOff(t *testing.T) {
	var logs logBuffer
	h := New(newFakeEngine(), Options{Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	do(t, h, req{target: "PutItem", body: `{"TableName":"Music","Item":{"a":{"S":"x"}}}`}.build())
	if lines := logs.requests(t); len(lines) != 0 {
		t.Errorf("AccessLog off logged at info: %v", lines)
	}
	// At debug, the same line is written.
	logs.reset()
	h = New(newFakeEngine(), Options{Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	do(t, h, req{target: "PutItem", body: `{"TableName":"Music","Item":{"a":{"S":"x"}}}`}.build())
	lines := logs.requests(t)
	if len(lines) != 2 || lines[0]["level"] != "DEBUG" || lines[0]["op"] != "PutItem" {
		t.Errorf("debug lines %v, want two DEBUG PutItem lines", lines)
	}
}

// BenchmarkAccessLog is BenchmarkServeFast's GetItem with request lines
// off (the logger at warn), and on at info into a JSON and a text handler
// writing to a discarding buffer: the cost of --access-log.
func BenchmarkAccessLog(b *testing.B) {
	for _, bm := range []struct {
		name   string
		access bool
		log    func() *slog.Logger
	}{
		{"off", false, func() *slog.Logger {
			return slog.New(slog.NewTextHandler(discard{}, &slog.HandlerOptions{Level: slog.LevelInfo}))
		}},
		{"text", true, func() *slog.Logger {
			return slog.New(slog.NewTextHandler(discard{}, &slog.HandlerOptions{Level: slog.LevelInfo}))
		}},
		{"json", true, func() *slog.Logger {
			return slog.New(slog.NewJSONHandler(discard{}, &slog.HandlerOptions{Level: slog.LevelInfo}))
		}},
	} {
		b.Run(bm.name, func(b *testing.B) {
			h := New(newFakeEngine(), Options{Logger: bm.log(), AccessLog: bm.access})
			serveFastLoop(b, h, "GetItem", benchGetItem)
		})
	}
}

// discard is io.Discard as a distinct type, so the handler's writes are
// not optimised away.
type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// TestAccessLogNamesTheCaller: with Authenticate, each request line names
// the verified principal and the region it signed for.
func TestAccessLogNamesTheCaller(t *testing.T) {
	cfg, err := auth.Parse("auth.json", []byte(`{"accounts": {"111111111111": {"users": {"app": {
  "accessKeys": [{"id": "AKIALOG", "secret": "s"}], "policies": []}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	p, ok := cfg.Principal("111111111111", "app")
	if !ok {
		t.Fatal("no principal")
	}
	var logs logBuffer
	h := New(newFakeEngine(), Options{
		Logger:    slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
		AccessLog: true,
		Authenticate: func(auth.SignedRequest, time.Time) (auth.Identity, error) {
			return auth.Identity{Principal: p, Region: "eu-west-1"}, nil
		},
	})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req{target: "ListTables", body: `{}`}.build())
	lines := logs.requests(t)
	if len(lines) != 1 {
		t.Fatalf("%d request lines", len(lines))
	}
	if got := lines[0]["principal"]; got != "arn:aws:iam::111111111111:user/app" {
		t.Errorf("principal = %v", got)
	}
	if got := lines[0]["region"]; got != "eu-west-1" {
		t.Errorf("region = %v", got)
	}
}
