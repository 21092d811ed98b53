package engine

import (
	"context"
	"strconv"
	"testing"

	"github.com/dynago/dynago/internal/api"
)

// benchTableInput is a test suite's usual table: hash and range key and
// one GSI, on demand.
func benchTableInput(name string) *api.CreateTableInput {
	return &api.CreateTableInput{
		TableName:   api.Ptr(name),
		BillingMode: api.Ptr("PAY_PER_REQUEST"),
		AttributeDefinitions: []api.AttributeDefinition{
			{AttributeName: api.Ptr("pk"), AttributeType: api.Ptr("S")},
			{AttributeName: api.Ptr("sk"), AttributeType: api.Ptr("N")},
			{AttributeName: api.Ptr("gpk"), AttributeType: api.Ptr("S")},
		},
		KeySchema: []api.KeySchemaElement{
			{AttributeName: api.Ptr("pk"), KeyType: api.Ptr("HASH")},
			{AttributeName: api.Ptr("sk"), KeyType: api.Ptr("RANGE")},
		},
		GlobalSecondaryIndexes: []api.GlobalSecondaryIndex{{
			IndexName:  api.Ptr("by_gpk"),
			KeySchema:  []api.KeySchemaElement{{AttributeName: api.Ptr("gpk"), KeyType: api.Ptr("HASH")}},
			Projection: &api.Projection{ProjectionType: api.Ptr("ALL")},
		}},
	}
}

// BenchmarkTableLifecycle is the table part of a test case: CreateTable
// (with a GSI), the DescribeTable a waiter polls once, DeleteTable, and
// the DescribeTable that finds it gone.
func BenchmarkTableLifecycle(b *testing.B) {
	db := newItemsDB(b)
	ctx := context.Background()
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		name := "life" + strconv.Itoa(i)
		i++
		if _, err := db.CreateTable(ctx, benchTableInput(name)); err != nil {
			b.Fatal(err)
		}
		d, err := db.DescribeTable(ctx, &api.DescribeTableInput{TableName: api.Ptr(name)})
		if err != nil || api.Str(d.Table.TableStatus) != api.TableStatusActive {
			b.Fatalf("DescribeTable: %v, %v", d, err)
		}
		if _, err := db.DeleteTable(ctx, &api.DeleteTableInput{TableName: api.Ptr(name)}); err != nil {
			b.Fatal(err)
		}
		if _, err := db.DescribeTable(ctx, &api.DescribeTableInput{TableName: api.Ptr(name)}); err == nil {
			b.Fatal("DescribeTable found the deleted table")
		}
	}
}

// BenchmarkUpdateTableAfterDeletes is UpdateTable (a throughput increase)
// on a server whose test suite has already created and deleted 500
// tables: their finished drop jobs leave records the store has not
// compacted away, which a scan of every job record steps over. Compare
// cpu-ns/op (the process's CPU, the job runner's included).
func BenchmarkUpdateTableAfterDeletes(b *testing.B) {
	db := newItemsDB(b)
	ctx := context.Background()
	for i := range 500 {
		name := "gone" + strconv.Itoa(i)
		if _, err := db.CreateTable(ctx, benchTableInput(name)); err != nil {
			b.Fatal(err)
		}
		if _, err := db.DeleteTable(ctx, &api.DeleteTableInput{TableName: api.Ptr(name)}); err != nil {
			b.Fatal(err)
		}
	}
	in := benchTableInput("upd")
	in.BillingMode = api.Ptr("PROVISIONED")
	in.ProvisionedThroughput = &api.ProvisionedThroughput{ReadCapacityUnits: api.Ptr(int64(1)), WriteCapacityUnits: api.Ptr(int64(1))}
	in.GlobalSecondaryIndexes[0].ProvisionedThroughput = in.ProvisionedThroughput
	if _, err := db.CreateTable(ctx, in); err != nil {
		b.Fatal(err)
	}
	rcu := int64(1)
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		rcu++
		if _, err := db.UpdateTable(ctx, &api.UpdateTableInput{TableName: api.Ptr("upd"),
			ProvisionedThroughput: &api.ProvisionedThroughput{ReadCapacityUnits: api.Ptr(rcu), WriteCapacityUnits: api.Ptr(int64(1))}}); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
}
