package wire

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
)

// TestMiddleware: the middleware sees each decoded operation with its
// input shape, can refuse it with a DynamoDB error, and otherwise passes the
// engine's output through, including the engine's validation errors.
func TestMiddleware(t *testing.T) {
	var seen []string
	h := newTestHandler(t, Options{Middleware: func(ctx context.Context, id api.OpID, in any, next func(context.Context) (any, error)) (any, error) {
		if p, ok := in.(*api.PutItemInput); ok {
			seen = append(seen, id.String()+":"+api.Str(p.TableName))
			return nil, apierr.New(apierr.ProvisionedThroughputExceededException, "slow down")
		}
		seen = append(seen, id.String())
		return next(ctx)
	}})
	tests := []struct {
		target, body string
		status       int
		contains     string
	}{
		{"PutItem", `{"TableName":"music","Item":{"id":{"S":"1"}}}`, http.StatusBadRequest, "slow down"},
		{"ListTables", `{}`, http.StatusOK, `"TableNames":[]`},
		{"DescribeLimits", `{}`, http.StatusOK, `{}`},
		// The engine validates: an invalid request reaches the middleware,
		// which sees the engine's answer.
		{"DescribeTable", `{"TableName":"x"}`, http.StatusBadRequest, "tableName"},
	}
	for _, tc := range tests {
		rec := do(t, h, req{target: tc.target, body: tc.body}.build())
		if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.contains) {
			t.Errorf("%s %s: %d %s, want %d containing %q", tc.target, tc.body, rec.Code, rec.Body, tc.status, tc.contains)
		}
	}
	// do serves each request through ServeHTTP and then ServeFast, so the
	// middleware sees every valid one twice.
	if got, want := strings.Join(seen, ","), "PutItem:music,PutItem:music,ListTables,ListTables,DescribeLimits,DescribeLimits,DescribeTable,DescribeTable"; got != want {
		t.Errorf("middleware saw %s, want %s", got, want)
	}
}
