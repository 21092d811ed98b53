package engine

import (
	"context"
	"encoding/json"
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

// FuzzAsks decodes arbitrary JSON as the input of an operation and asks
// its authorization questions against a table with a sort key and an
// index: asks must never panic, and every ask names an action and a
// resource.
func FuzzAsks(f *testing.F) {
	f.Add(uint16(api.OpGetItem), `{"TableName":"Music","Key":{"Artist":{"S":"a"},"Song":{"S":"b"}},"ProjectionExpression":"#a, b.c[1]","ExpressionAttributeNames":{"#a":"x"}}`)
	f.Add(uint16(api.OpQuery), `{"TableName":"Music","IndexName":"AlbumIndex","KeyConditionExpression":"Album = :v","ExpressionAttributeValues":{":v":{"S":"x"}}}`)
	f.Add(uint16(api.OpUpdateItem), `{"TableName":"Music","Key":{"Artist":{"S":"a"}},"UpdateExpression":"SET n = n + :one REMOVE z","ExpressionAttributeValues":{":one":{"N":"1"}}}`)
	f.Add(uint16(api.OpBatchWriteItem), `{"RequestItems":{"Music":[{"PutRequest":{"Item":{"Artist":{"S":"a"}}}},{"DeleteRequest":{}}]}}`)
	f.Add(uint16(api.OpTransactWriteItems), `{"TransactItems":[{"Update":{"TableName":"Music","Key":{},"UpdateExpression":"SET"}},{"ConditionCheck":{}}]}`)
	f.Add(uint16(api.OpGetRecords), `{"ShardIterator":"arn:aws:dynamodb:us-east-1:000000000000:table/Music/stream/x|1|e30"}`)
	db, _ := newTablesDB(f)
	var music api.CreateTableInput
	if err := json.Unmarshal([]byte(musicTable), &music); err != nil {
		f.Fatal(err)
	}
	if _, err := db.CreateTable(context.Background(), &music); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, op uint16, body string) {
		id := api.OpID(op % uint16(api.NumOperations))
		if db.Handler(id) == nil {
			return
		}
		in := id.Operation().NewInput()
		if json.Unmarshal([]byte(body), in) != nil {
			return
		}
		asks, err := db.asks(context.Background(), id, in)
		if err != nil {
			return
		}
		for _, a := range asks {
			if a.action == "" || a.resource.ARN == "" {
				t.Errorf("%s asks %q on %q", id, a.action, a.resource.ARN)
			}
		}
	})
}
