package engine

import (
	"context"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
)

// TestEveryOperationAsks: every operation the engine serves asks at least
// one authorization question for a request naming its resources, except
// PartiQL, whose statements ask when their tables resolve. An operation
// added without a case falls to resourceAsks, which asks on its
// registry resources or "*"; this test fails if one asks nothing.
func TestEveryOperationAsks(t *testing.T) {
	db, _ := newTablesDB(t)
	for id := range api.OpID(api.NumOperations) {
		if db.Handler(id) == nil {
			continue
		}
		switch id {
		case api.OpExecuteStatement, api.OpBatchExecuteStatement, api.OpExecuteTransaction:
			continue
		}
		in := id.Operation().NewInput()
		switch in := in.(type) {
		case *api.BatchGetItemInput:
			in.RequestItems = map[string]api.KeysAndAttributes{"t": {Keys: []attr.Item{{}}}}
		case *api.BatchWriteItemInput:
			in.RequestItems = map[string][]api.WriteRequest{"t": {{DeleteRequest: &api.DeleteRequest{}}}}
		case *api.TransactGetItemsInput:
			in.TransactItems = []api.TransactGetItem{{Get: &api.Get{}}}
		case *api.TransactWriteItemsInput:
			in.TransactItems = []api.TransactWriteItem{{Put: &api.Put{}}}
		}
		asks, err := db.asks(context.Background(), id, in)
		if err != nil {
			t.Errorf("%s: %v", id, err)
			continue
		}
		if len(asks) == 0 {
			t.Errorf("%s asks nothing", id)
		}
		for _, a := range asks {
			if a.action == "" || a.resource.ARN == "" {
				t.Errorf("%s asks %q on %q", id, a.action, a.resource.ARN)
			}
		}
	}
}
