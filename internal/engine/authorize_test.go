package engine

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/auth"
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

// TestKeylessAsk: for a caller whose policies read no condition keys,
// the one-table operations ask without computing keys; what they ask
// (action and resource, with the table's policy) must be what the full
// path asks, on a table with and without a resource policy and with an
// index, and a caller whose policy has a Condition takes the full path.
func TestKeylessAsk(t *testing.T) {
	ctx := context.Background()
	db, _ := newTablesDB(t)
	var music api.CreateTableInput
	if err := json.Unmarshal([]byte(musicTable), &music); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateTable(ctx, &music); err != nil {
		t.Fatal(err)
	}
	cfg, err := auth.Parse("test.json", []byte(`{"accounts": {"000000000000": {"users": {
	  "admin": {"policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}]},
	  "fine": {"policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*",
	    "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["a"]}}}]}]}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	caller := func(user string) *auth.Caller {
		p, ok := cfg.Principal("000000000000", user)
		if !ok {
			t.Fatal(user)
		}
		return &auth.Caller{Identity: auth.Identity{Principal: p, Region: "us-east-1"}}
	}
	admin, fine := caller("admin"), caller("fine")
	key := attr.Item{"Artist": attr.String("a"), "Song": attr.String("b")}
	inputs := []struct {
		op api.OpID
		in any
	}{
		{api.OpGetItem, &api.GetItemInput{TableName: api.Ptr("Music"), Key: key}},
		{api.OpPutItem, &api.PutItemInput{TableName: api.Ptr("Music"), Item: key}},
		{api.OpUpdateItem, &api.UpdateItemInput{TableName: api.Ptr("Music"), Key: key}},
		{api.OpDeleteItem, &api.DeleteItemInput{TableName: api.Ptr("Music"), Key: key}},
		{api.OpQuery, &api.QueryInput{TableName: api.Ptr("Music"), IndexName: api.Ptr("AlbumIndex")}},
		{api.OpScan, &api.ScanInput{TableName: api.Ptr("Nowhere")}},
		{api.OpGetItem, &api.GetItemInput{TableName: api.Ptr("arn:aws:dynamodb:us-east-1:111111111111:table/Other"), Key: key}},
	}
	check := func(policy string) {
		for _, tc := range inputs {
			asks, err := db.asks(ctx, tc.op, tc.in)
			if err != nil || len(asks) != 1 {
				t.Fatalf("%s: asks %v, %v", tc.op, asks, err)
			}
			a, ok := db.keylessAsk(admin, tc.in)
			if !ok {
				t.Errorf("%s (%s): admin's ask is not keyless", tc.op, policy)
				continue
			}
			if a.action != asks[0].action || a.resource != asks[0].resource {
				t.Errorf("%s (%s): keyless ask %q on %+v, full ask %q on %+v", tc.op, policy, a.action, a.resource, asks[0].action, asks[0].resource)
			}
			if _, ok := db.keylessAsk(fine, tc.in); ok {
				t.Errorf("%s (%s): a Condition's reader asks keyless", tc.op, policy)
			}
		}
	}
	check("no resource policy")
	arn := db.tableArn("Music")
	doc := `{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "dynamodb:DeleteItem", "Resource": "` + arn + `"}]}`
	if _, err := db.PutResourcePolicy(ctx, &api.PutResourcePolicyInput{ResourceArn: &arn, Policy: &doc}); err != nil {
		t.Fatal(err)
	}
	check("a resource policy without conditions")
	if _, ok := db.keylessAsk(admin, inputs[0].in); !ok {
		t.Error("a resource policy without conditions made the ask keyed")
	}
	doc = `{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "dynamodb:DeleteItem", "Resource": "` + arn + `",
	  "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}`
	if _, err := db.PutResourcePolicy(ctx, &api.PutResourcePolicyInput{ResourceArn: &arn, Policy: &doc}); err != nil {
		t.Fatal(err)
	}
	if _, ok := db.keylessAsk(admin, inputs[0].in); ok {
		t.Error("a resource policy with a Condition left the ask keyless")
	}
}
