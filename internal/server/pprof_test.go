package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestPprofEndpoint checks that /debug/pprof/ is served only when
// Config.Pprof is set, and that the API keeps answering either way.
func TestPprofEndpoint(t *testing.T) {
	for _, on := range []bool{false, true} {
		ctx := context.Background()
		s, err := Open(ctx, Config{InMemory: true, Logger: quietLogger(), Pprof: on})
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/debug/pprof/", nil))
		served := rec.Code == http.StatusOK && strings.Contains(rec.Body.String(), "goroutine")
		if served != on {
			t.Errorf("Pprof=%v: GET /debug/pprof/ answered %d (profile index served: %v)", on, rec.Code, served)
		}
		rec = httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00")
		req.Header.Set("X-Amz-Date", "20260101T000000Z")
		s.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Errorf("Pprof=%v: ListTables answered %d: %s", on, rec.Code, rec.Body.String())
		}
		if err := s.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPprofNeedsLoopback: profiles are unauthenticated, so --pprof
// refuses a host other processes on the network can reach.
func TestPprofNeedsLoopback(t *testing.T) {
	ctx := context.Background()
	for _, host := range []string{"0.0.0.0", "::", "192.0.2.1"} {
		if s, err := Open(ctx, Config{InMemory: true, Logger: quietLogger(), Pprof: true, Host: host}); err == nil {
			s.Close(ctx)
			t.Errorf("Pprof on host %s was accepted", host)
		}
	}
	for _, host := range []string{"127.0.0.1", "::1", "localhost"} {
		s, err := Open(ctx, Config{InMemory: true, Logger: quietLogger(), Pprof: true, Host: host})
		if err != nil {
			t.Fatalf("Pprof on host %s: %v", host, err)
		}
		s.Close(ctx)
	}
}
