package engine

import (
	"context"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
)

// allRecords reads every record of the stream's first shard.
func allRecords(t *testing.T, db *DB, arn string) []api.Record {
	t.Helper()
	ctx := context.Background()
	d, err := db.DescribeStream(ctx, &api.DescribeStreamInput{StreamArn: &arn})
	if err != nil {
		t.Fatal(err)
	}
	it, err := db.GetShardIterator(ctx, &api.GetShardIteratorInput{StreamArn: &arn, ShardId: d.StreamDescription.Shards[0].ShardId, ShardIteratorType: api.Ptr(api.ShardIteratorTypeTrimHorizon)})
	if err != nil {
		t.Fatal(err)
	}
	r, err := db.GetRecords(ctx, &api.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil {
		t.Fatal(err)
	}
	return r.Records
}

// One record per item changed by BatchWriteItem and by each action of
// TransactWriteItems (none for a ConditionCheck); TTL deletions carry the
// service's userIdentity.
func TestStreamRecordsOfBatchTransactionAndTTL(t *testing.T) {
	now := time.Now()
	db, _ := openRecorded(t, Options{Now: func() time.Time { return now }})
	arn := streamTable(t, db, "multi", api.StreamViewTypeNewAndOldImages)
	ctx := context.Background()
	if _, err := db.BatchWriteItem(ctx, &api.BatchWriteItemInput{RequestItems: map[string][]api.WriteRequest{"multi": {
		{PutRequest: &api.PutRequest{Item: attr.Item{"id": attr.String("b1")}}},
		{PutRequest: &api.PutRequest{Item: attr.Item{"id": attr.String("b2"), "exp": attr.NumberFromInt(now.Add(-time.Hour).Unix())}}},
	}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.TransactWriteItems(ctx, &api.TransactWriteItemsInput{TransactItems: []api.TransactWriteItem{
		{Put: &api.Put{TableName: api.Ptr("multi"), Item: attr.Item{"id": attr.String("t1")}}},
		{Delete: &api.Delete{TableName: api.Ptr("multi"), Key: attr.Item{"id": attr.String("b1")}}},
		{ConditionCheck: &api.ConditionCheck{TableName: api.Ptr("multi"), Key: attr.Item{"id": attr.String("b2")}, ConditionExpression: api.Ptr("attribute_exists(id)")}},
	}}); err != nil {
		t.Fatal(err)
	}
	if deleted, _, err := db.expireTable(ctx, nil, db.lookup("multi").table, "exp"); err != nil || deleted != 1 {
		t.Fatalf("TTL pass deleted %d, %v", deleted, err)
	}
	recs := allRecords(t, db, arn)
	want := []struct{ name, id string }{{"INSERT", "b1"}, {"INSERT", "b2"}, {"INSERT", "t1"}, {"REMOVE", "b1"}, {"REMOVE", "b2"}}
	if len(recs) != len(want) {
		t.Fatalf("%d records, want %d", len(recs), len(want))
	}
	for i, w := range want {
		r := recs[i]
		if api.Str(r.EventName) != w.name || r.Dynamodb.Keys["id"].S != w.id {
			t.Errorf("record %d: %s %v, want %s %s", i, api.Str(r.EventName), r.Dynamodb.Keys, w.name, w.id)
		}
		ttl := i == 4
		if got := r.UserIdentity != nil; got != ttl {
			t.Errorf("record %d: userIdentity %+v", i, r.UserIdentity)
		}
	}
	if u := recs[4].UserIdentity; u != nil && (api.Str(u.Type) != "Service" || api.Str(u.PrincipalId) != "dynamodb.amazonaws.com") {
		t.Errorf("TTL userIdentity %+v", u)
	}
	if recs[4].Dynamodb.OldImage == nil {
		t.Error("TTL REMOVE without its old image")
	}
}
