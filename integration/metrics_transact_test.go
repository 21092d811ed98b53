package integration

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/dynagotest"
)

// TestMetricsTransactions: /metrics, parsed with Prometheus' text parser,
// counts the TransactWriteItems and TransactGetItems requests a test made,
// per table, and their doubled capacity.
func TestMetricsTransactions(t *testing.T) {
	s := dynagotest.New(t)
	c := s.Client()
	ctx := context.Background()
	provisionedTable(t, c, "ledger", 100, 100)
	provisionedTable(t, c, "audit", 100, 100)
	tbl := func(n string) *string { return aws.String(n) }

	for i, pk := range []string{"a", "b", "c"} { // 3 writes on both tables: 2 + 2 WCU each
		_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: tbl("ledger"), Item: item{"pk": S(pk), "n": N("1")}}},
			{Put: &types.Put{TableName: tbl("audit"), Item: item{"pk": S(pk + "-log")}}},
		}})
		if err != nil {
			t.Fatalf("transaction %d: %v", i, err)
		}
	}
	// A cancelled one: its condition fails; nothing is written.
	_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: tbl("ledger"), Item: item{"pk": S("a")}, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
	}})
	wantCancellation(t, err, []string{"ConditionalCheckFailed"}, "")
	for range 2 { // 2 reads of ledger only: 2 × 2 RCU
		if _, err := c.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
			{Get: &types.Get{TableName: tbl("ledger"), Key: item{"pk": S("a")}}},
		}}); err != nil {
			t.Fatal(err)
		}
	}

	fams := scrape(t, s.URL())
	checks := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"dynago_requests_total", map[string]string{"operation": "TransactWriteItems", "table": "ledger"}, 4},
		{"dynago_requests_total", map[string]string{"operation": "TransactWriteItems", "table": "audit"}, 3},
		{"dynago_requests_total", map[string]string{"operation": "TransactGetItems", "table": "ledger"}, 2},
		{"dynago_requests_total", map[string]string{"operation": "TransactGetItems", "table": "audit"}, -1},
		{"dynago_request_duration_seconds", map[string]string{"operation": "TransactGetItems", "table": "ledger"}, 2},
		{"dynago_consumed_write_capacity_units_total", map[string]string{"table": "ledger", "index": ""}, 3 * 2},
		{"dynago_consumed_write_capacity_units_total", map[string]string{"table": "audit", "index": ""}, 3 * 2},
		{"dynago_consumed_read_capacity_units_total", map[string]string{"table": "ledger", "index": ""}, 2 * 2},
	}
	for _, ck := range checks {
		if got := sample(fams, ck.name, ck.labels); got != ck.want {
			t.Errorf("%s%v = %v, want %v", ck.name, ck.labels, got, ck.want)
		}
	}
}

// TestFailedConditionCapacity: a refused conditional write is charged the
// existing item's size in write units (one when there is none), as
// DynamoDB does, not a flat unit.
func TestFailedConditionCapacity(t *testing.T) {
	s := dynagotest.New(t)
	c := s.Client()
	ctx := context.Background()
	provisionedTable(t, c, "cond", 100, 100)
	put(t, c, "cond", sized("big", 3500)) // 4 WCU
	cases := []struct {
		name string
		call func() error
		want float64
	}{
		{"put over a 3.5 KB item", func() error {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("cond"), Item: item{"pk": S("big")},
				ConditionExpression: aws.String("attribute_not_exists(pk)")})
			return err
		}, 4},
		{"update of a missing item", func() error {
			_, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("cond"), Key: item{"pk": S("none")},
				UpdateExpression: aws.String("SET n = :one"), ConditionExpression: aws.String("attribute_exists(pk)"),
				ExpressionAttributeValues: item{":one": N("1")}})
			return err
		}, 1},
		{"delete of the 3.5 KB item", func() error {
			_, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("cond"), Key: item{"pk": S("big")},
				ConditionExpression: aws.String("attribute_not_exists(pk)")})
			return err
		}, 4},
	}
	labels := map[string]string{"table": "cond", "index": ""}
	for _, tc := range cases {
		before := sample(scrape(t, s.URL()), "dynago_consumed_write_capacity_units_total", labels)
		var ccf *types.ConditionalCheckFailedException
		if err := tc.call(); !errors.As(err, &ccf) {
			t.Fatalf("%s: got %v, want ConditionalCheckFailedException", tc.name, err)
		}
		after := sample(scrape(t, s.URL()), "dynago_consumed_write_capacity_units_total", labels)
		if after-before != tc.want {
			t.Errorf("%s: charged %v write units, want %v", tc.name, after-before, tc.want)
		}
	}
}
