package wire

import (
	"context"
	"testing"

	"github.com/dynago/dynago/internal/api"
)

// TestRoute checks the X-Amz-Target lookup over both header forms, both
// services, and operations the engine does not serve; and that looking a
// target up as bytes copies nothing.
func TestRoute(t *testing.T) {
	var handlers [api.NumOperations]api.Handler
	handlers[api.OpGetItem] = func(ctx context.Context, in any) (any, error) { return nil, nil }
	handlers[api.OpGetRecords] = handlers[api.OpGetItem]
	for _, tt := range []struct {
		target string
		want   api.OpID
		ok     bool
	}{
		{"DynamoDB_20120810.GetItem", api.OpGetItem, true},
		{"DynamoDBStreams_20120810.GetRecords", api.OpGetRecords, true},
		{"DynamoDB_20120810.GetRecords", 0, false},
		{"DynamoDB_20120810.PutItem", 0, false}, // not served by these handlers
		{"DynamoDB_20120810.getitem", 0, false},
		{"DynamoDB_20120810.", 0, false},
		{"GetItem", 0, false},
		{"DynamoDB_20991231.GetItem", 0, false},
		{"", 0, false},
	} {
		for _, lookup := range []func() (api.OpID, bool){
			func() (api.OpID, bool) { return api.OperationByTarget(tt.target) },
			func() (api.OpID, bool) { return api.OperationByTargetBytes([]byte(tt.target)) },
		} {
			id, ok := lookup()
			id, ok = served(id, ok, &handlers)
			if ok != tt.ok || id != tt.want {
				t.Errorf("route(%q) = %v, %v; want %v, %v", tt.target, id, ok, tt.want, tt.ok)
			}
		}
	}
	target := []byte("DynamoDB_20120810.GetItem")
	if n := testing.AllocsPerRun(100, func() { api.OperationByTargetBytes(target) }); n != 0 {
		t.Errorf("lookup over bytes: %v allocations, want 0", n)
	}
}
