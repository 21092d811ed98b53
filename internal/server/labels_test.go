package server

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/dynago/dynago/internal/api"
)

// Every operation of the registry the engine serves is counted in
// dynago_requests_total under its own name, even one that fails: metrics
// read the registry, so an operation cannot be served unlabelled.
func TestEveryServedOperationIsLabelled(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Config{InMemory: true, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	served := 0
	for id := range api.OpID(api.NumOperations) {
		if s.db.Handler(id) == nil {
			continue
		}
		served++
		op := id.Operation()
		req := httptest.NewRequest("POST", "/", strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		req.Header.Set("X-Amz-Target", op.Target)
		req.Header.Set("X-Amz-Date", "20260101T000000Z")
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=k/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=s")
		s.Handler().ServeHTTP(httptest.NewRecorder(), req)
	}
	fams, err := s.Metrics().Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range fams {
		if f.GetName() != "dynago_requests_total" {
			continue
		}
		for _, m := range f.Metric {
			seen[label(m, "operation")] = true
		}
	}
	for id := range api.OpID(api.NumOperations) {
		if s.db.Handler(id) != nil && !seen[id.String()] {
			t.Errorf("%s was served but not counted in dynago_requests_total", id)
		}
	}
	if served < 20 {
		t.Errorf("only %d operations served", served)
	}
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.Label {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}
