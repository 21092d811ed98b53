package dynagotest_test

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/dynagotest"
)

// BenchmarkNew measures what every test that calls New pays: starting an
// in-memory server and getting its first answer (ListTables), then
// stopping it. It reports the first part alone as first-answer-ns/op, the
// figure issue 20 sets a target for (start to first answer), and the
// stop as stop-ns/op.
func BenchmarkNew(b *testing.B) {
	ctx := context.Background()
	var first, stop time.Duration
	for b.Loop() {
		t0 := time.Now()
		db := dynagotest.New(b)
		if _, err := db.Client().ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := db.Stop(); err != nil {
			b.Fatal(err)
		}
		first, stop = first+t1.Sub(t0), stop+time.Since(t1)
	}
	b.ReportMetric(float64(first.Nanoseconds())/float64(b.N), "first-answer-ns/op")
	b.ReportMetric(float64(stop.Nanoseconds())/float64(b.N), "stop-ns/op")
}

// BenchmarkTestCase runs the life of one typical test case against one
// server, as a test suite does hundreds of times: CreateTable with a GSI,
// wait until ACTIVE, 20 PutItem, Query, Scan, UpdateItem, DeleteTable and
// wait until it is gone. Its sub-benchmarks report the two table
// operations alone, the ones test suites wait on.
func BenchmarkTestCase(b *testing.B) {
	ctx := context.Background()
	db := dynagotest.New(b)
	c := db.Client()
	var n atomic.Int64
	b.Run("whole", func(b *testing.B) {
		for b.Loop() {
			runTestCase(ctx, b, c, "case"+strconv.FormatInt(n.Add(1), 10))
		}
	})
	b.Run("parallel4", func(b *testing.B) {
		b.SetParallelism(2) // 2 × GOMAXPROCS(2) = 4 test cases at a time
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				runTestCase(ctx, b, c, "case"+strconv.FormatInt(n.Add(1), 10))
			}
		})
	})
	b.Run("CreateTable-ACTIVE", func(b *testing.B) {
		for b.Loop() {
			name := "case" + strconv.FormatInt(n.Add(1), 10)
			createActive(ctx, b, c, name)
			b.StopTimer()
			deleteGone(ctx, b, c, name)
			b.StartTimer()
		}
	})
	b.Run("DeleteTable-gone", func(b *testing.B) {
		for b.Loop() {
			name := "case" + strconv.FormatInt(n.Add(1), 10)
			b.StopTimer()
			createActive(ctx, b, c, name)
			b.StartTimer()
			deleteGone(ctx, b, c, name)
		}
	})
}

func runTestCase(ctx context.Context, b testing.TB, c *dynamodb.Client, name string) {
	createActive(ctx, b, c, name)
	for i := range 20 {
		_, err := c.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String(name),
			Item: map[string]types.AttributeValue{
				"pk":   &types.AttributeValueMemberS{Value: "p" + strconv.Itoa(i%4)},
				"sk":   &types.AttributeValueMemberN{Value: strconv.Itoa(i)},
				"gpk":  &types.AttributeValueMemberS{Value: "g" + strconv.Itoa(i%2)},
				"body": &types.AttributeValueMemberS{Value: "some text of a test item"},
			},
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	q, err := c.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(name),
		KeyConditionExpression:    aws.String("pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: "p1"}},
	})
	if err != nil {
		b.Fatal(err)
	}
	if len(q.Items) != 5 {
		b.Fatalf("Query: %d items, want 5", len(q.Items))
	}
	s, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(name)})
	if err != nil {
		b.Fatal(err)
	}
	if len(s.Items) != 20 {
		b.Fatalf("Scan: %d items, want 20", len(s.Items))
	}
	_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(name),
		Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "p1"},
			"sk": &types.AttributeValueMemberN{Value: "1"},
		},
		UpdateExpression:          aws.String("SET body = :b"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":b": &types.AttributeValueMemberS{Value: "changed"}},
	})
	if err != nil {
		b.Fatal(err)
	}
	deleteGone(ctx, b, c, name)
}

// createActive creates the test case's table (with one GSI) and waits, as
// the SDK's TableExistsWaiter does, until DescribeTable says ACTIVE.
func createActive(ctx context.Context, b testing.TB, c *dynamodb.Client, name string) {
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeN},
			{AttributeName: aws.String("gpk"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName:  aws.String("gsi"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("gpk"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
		BillingMode: types.BillingModePayPerRequest,
	})
	if err != nil {
		b.Fatal(err)
	}
	for {
		d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err != nil {
			b.Fatal(err)
		}
		if d.Table.TableStatus == types.TableStatusActive {
			return
		}
	}
}

// deleteGone deletes the table and waits, as TableNotExistsWaiter does,
// until DescribeTable says ResourceNotFoundException.
func deleteGone(ctx context.Context, b testing.TB, c *dynamodb.Client, name string) {
	if _, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)}); err != nil {
		b.Fatal(err)
	}
	for {
		_, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err != nil {
			var nf *types.ResourceNotFoundException
			if errors.As(err, &nf) {
				return
			}
			b.Fatal(err)
		}
	}
}
