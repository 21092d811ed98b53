package integration

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/dynagotest"
	"github.com/dynago/dynago/internal/engine"
	"github.com/dynago/dynago/internal/kv/pebble"
	"github.com/dynago/dynago/internal/wire"
)

// threadInput is the developer guide's Thread table with its
// LastPostIndex LSI: item collections are per ForumName.
func threadInput() *dynamodb.CreateTableInput {
	return &dynamodb.CreateTableInput{
		TableName:            aws.String("Thread"),
		KeySchema:            ks("ForumName", "Subject"),
		AttributeDefinitions: adefs("ForumName", "S", "Subject", "S", "LastPostDateTime", "S"),
		BillingMode:          types.BillingModePayPerRequest,
		LocalSecondaryIndexes: []types.LocalSecondaryIndex{{IndexName: aws.String("LastPostIndex"),
			KeySchema:  ks("ForumName", "LastPostDateTime"),
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}},
	}
}

func thread(forum, subject, body string) item {
	return item{"ForumName": S(forum), "Subject": S(subject), "LastPostDateTime": S("2026-11-21T06:00:00Z"), "Body": S(body)}
}

func wantCollection(t *testing.T, m *types.ItemCollectionMetrics, forum string) {
	t.Helper()
	if m == nil {
		t.Fatal("no ItemCollectionMetrics")
	}
	if len(m.ItemCollectionKey) != 1 || sval(t, m.ItemCollectionKey["ForumName"]) != forum {
		t.Fatalf("ItemCollectionKey %s, want ForumName %s", showItem(m.ItemCollectionKey), forum)
	}
	if len(m.SizeEstimateRangeGB) != 2 || m.SizeEstimateRangeGB[0] != 0 || m.SizeEstimateRangeGB[1] != 1 {
		t.Fatalf("SizeEstimateRangeGB %v, want [0 1]", m.SizeEstimateRangeGB)
	}
}

func TestItemCollectionMetrics(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	if _, err := c.CreateTable(ctx, threadInput()); err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, "Thread")
	size := types.ReturnItemCollectionMetricsSize

	p, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("Thread"), Item: thread("S3", "Buckets", "hi"),
		ReturnItemCollectionMetrics: size})
	if err != nil {
		t.Fatal(err)
	}
	wantCollection(t, p.ItemCollectionMetrics, "S3")

	u, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("Thread"),
		Key:              item{"ForumName": S("S3"), "Subject": S("Buckets")},
		UpdateExpression: aws.String("SET Body = :b"), ExpressionAttributeValues: item{":b": S("hello")},
		ReturnItemCollectionMetrics: size})
	if err != nil {
		t.Fatal(err)
	}
	wantCollection(t, u.ItemCollectionMetrics, "S3")

	d, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("Thread"),
		Key: item{"ForumName": S("S3"), "Subject": S("Buckets")}, ReturnItemCollectionMetrics: size})
	if err != nil {
		t.Fatal(err)
	}
	wantCollection(t, d.ItemCollectionMetrics, "S3")

	bw, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{ReturnItemCollectionMetrics: size,
		RequestItems: map[string][]types.WriteRequest{"Thread": {
			{PutRequest: &types.PutRequest{Item: thread("EC2", "AMIs", "x")}},
			{PutRequest: &types.PutRequest{Item: thread("S3", "Versioning", "y")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if ms := bw.ItemCollectionMetrics["Thread"]; len(ms) != 2 {
		t.Fatalf("BatchWriteItem ItemCollectionMetrics %v", bw.ItemCollectionMetrics)
	}

	tw, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{ReturnItemCollectionMetrics: size,
		TransactItems: []types.TransactWriteItem{{Put: &types.Put{TableName: aws.String("Thread"), Item: thread("EC2", "VPC", "z")}}}})
	if err != nil {
		t.Fatal(err)
	}
	if ms := tw.ItemCollectionMetrics["Thread"]; len(ms) != 1 {
		t.Fatalf("TransactWriteItems ItemCollectionMetrics %v", tw.ItemCollectionMetrics)
	} else {
		wantCollection(t, &ms[0], "EC2")
	}

	// Without SIZE, or on a table without an LSI, there are no metrics.
	p, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("Thread"), Item: thread("S3", "Buckets", "hi")})
	if err != nil || p.ItemCollectionMetrics != nil {
		t.Fatalf("no SIZE: %v, %v", p.ItemCollectionMetrics, err)
	}
	makeTable(t, c, "NoLSI", hashS)
	p, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("NoLSI"), Item: item{"pk": S("a")}, ReturnItemCollectionMetrics: size})
	if err != nil || p.ItemCollectionMetrics != nil {
		t.Fatalf("no LSI: %v, %v", p.ItemCollectionMetrics, err)
	}
}

// limitedServer serves an engine whose item collection cap is limit bytes
// (the server's flags do not expose the cap: DynamoDB's is fixed at 10 GB).
func limitedServer(t *testing.T, limit int64) *dynamodb.Client {
	t.Helper()
	st, err := pebble.Open("", pebble.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	db, err := engine.Open(context.Background(), st, engine.Options{ItemCollectionLimit: limit})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(wire.New(db, wire.Options{}))
	t.Cleanup(func() {
		srv.Close()
		db.Close()
		st.Close()
	})
	return dynagotest.NewClient(srv.URL)
}

func TestItemCollectionSizeLimit(t *testing.T) {
	c := limitedServer(t, 2000)
	ctx := context.Background()
	if _, err := c.CreateTable(ctx, threadInput()); err != nil {
		t.Fatal(err)
	}
	body := strings.Repeat("b", 400)
	for _, s := range []string{"a", "b", "c"} {
		put(t, c, "Thread", thread("S3", s, body))
	}
	_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("Thread"), Item: thread("S3", "d", body)})
	wantAPIError(t, err, "ItemCollectionSizeLimitExceededException", "Collection size exceeded.")
	var ex *types.ItemCollectionSizeLimitExceededException
	if !errors.As(err, &ex) {
		t.Fatalf("the SDK did not decode %T as ItemCollectionSizeLimitExceededException", err)
	}
	// Another forum is another collection.
	put(t, c, "Thread", thread("EC2", "d", body))

	_, err = c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("Thread"), Item: thread("S3", "e", body)}}}})
	wantAPIError(t, err, "TransactionCanceledException",
		"Transaction cancelled, please refer cancellation reasons for specific reasons [ItemCollectionSizeLimitExceeded]")
}
