package server

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func post(t *testing.T, url, op, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	req.Header.Set("X-Amz-Date", "20260101T000000Z")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=k/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=s")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestStartServesAndCloses(t *testing.T) {
	ctx := context.Background()
	s, err := Start(ctx, Config{Port: 0, InMemory: true, Region: "ap-south-1", Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.Addr(), "127.0.0.1:") || strings.HasSuffix(s.Addr(), ":0") {
		t.Errorf("Addr() = %q, want 127.0.0.1 and the chosen port", s.Addr())
	}
	resp, err := http.Get(s.URL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "healthy: "+s.Addr()+" " {
		t.Errorf("health check: %d %q", resp.StatusCode, b)
	}
	// A request the wire layer refuses before the engine, so this test does
	// not depend on the engine's progress.
	resp, body := post(t, s.URL(), "GetItem", `{"Key":{}}`)
	if resp.StatusCode != 400 || !strings.Contains(body, "Value null at 'tableName'") {
		t.Errorf("GetItem without TableName: %d %s", resp.StatusCode, body)
	}

	closeCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.Close(closeCtx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := <-s.ServeErr(); err != nil {
		t.Errorf("ServeErr after Close: %v", err)
	}
	if _, err := http.Get(s.URL() + "/"); err == nil {
		t.Error("still answering after Close")
	}
}

func TestStartOnDiskReopens(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir() + "/data"
	for i := range 2 {
		s, err := Start(ctx, Config{Port: 0, DataDir: dir, Logger: quietLogger()})
		if err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
		if err := s.Close(ctx); err != nil {
			t.Fatalf("close %d: %v", i, err)
		}
	}
}

func TestStartPortInUse(t *testing.T) {
	ctx := context.Background()
	s, err := Start(ctx, Config{Port: 0, InMemory: true, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	_, port, _ := net.SplitHostPort(s.Addr())
	p, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	if s2, err := Start(ctx, Config{Port: p, InMemory: true, Logger: quietLogger()}); err == nil {
		s2.Close(ctx)
		t.Fatal("second server on the same port started")
	}
}

func TestOpenWithoutListening(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Config{InMemory: true, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	if s.Addr() != "" || s.URL() != "" || s.ServeErr() != nil {
		t.Errorf("an unlistening server reports %q %q", s.Addr(), s.URL())
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 200 {
		t.Errorf("health check through Handler(): %d", rec.Code)
	}
}

func TestParseLogLevel(t *testing.T) {
	for in, want := range map[string]slog.Level{"": slog.LevelInfo, "debug": slog.LevelDebug, "INFO": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError} {
		if got, err := ParseLogLevel(in); err != nil || got != want {
			t.Errorf("ParseLogLevel(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseLogLevel("loud"); err == nil {
		t.Error("ParseLogLevel(loud) succeeded")
	}
}
