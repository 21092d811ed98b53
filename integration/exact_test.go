package integration

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/dynagotest"
)

// TestDeleteTableDescription checks the description DeleteTable answers, as
// DynamoDB's: the table's name, DELETING, throughput (zeros on demand, with
// BillingModeSummary), size, count, ARN, id and deletion protection, and no
// key schema, attribute definitions, creation time or indexes.
func TestDeleteTableDescription(t *testing.T) {
	srv := dynagotest.New(t)
	for _, tc := range []struct {
		name, create string
		want         []string
		throughput   float64
	}{
		{"ondemand", `{"TableName":"ondemand","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"g","AttributeType":"S"}],
			"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],
			"GlobalSecondaryIndexes":[{"IndexName":"byG","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}],
			"BillingMode":"PAY_PER_REQUEST"}`,
			[]string{"BillingModeSummary", "DeletionProtectionEnabled", "ItemCount", "ProvisionedThroughput", "TableArn", "TableId", "TableName", "TableSizeBytes", "TableStatus"}, 0},
		{"provisioned", `{"TableName":"provisioned","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],
			"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"ProvisionedThroughput":{"ReadCapacityUnits":5,"WriteCapacityUnits":7}}`,
			[]string{"DeletionProtectionEnabled", "ItemCount", "ProvisionedThroughput", "TableArn", "TableId", "TableName", "TableSizeBytes", "TableStatus"}, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if status, m := rawCall(t, srv.URL(), "CreateTable", tc.create); status != http.StatusOK {
				t.Fatalf("CreateTable: %d %v", status, m)
			}
			waitActive(t, srv.Client(), tc.name)
			status, m := rawCall(t, srv.URL(), "DeleteTable", `{"TableName":"`+tc.name+`"}`)
			if status != http.StatusOK {
				t.Fatalf("DeleteTable: %d %v", status, m)
			}
			d, _ := m["TableDescription"].(map[string]any)
			var keys []string
			for k := range d {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			if strings.Join(keys, " ") != strings.Join(tc.want, " ") {
				t.Errorf("DeleteTable's description has\n%v, want\n%v", keys, tc.want)
			}
			if d["TableStatus"] != "DELETING" || d["TableName"] != tc.name {
				t.Errorf("TableStatus %v, TableName %v", d["TableStatus"], d["TableName"])
			}
			pt, _ := d["ProvisionedThroughput"].(map[string]any)
			if pt["ReadCapacityUnits"] != tc.throughput || pt["NumberOfDecreasesToday"] != float64(0) {
				t.Errorf("ProvisionedThroughput %v, want ReadCapacityUnits %v and NumberOfDecreasesToday 0", pt, tc.throughput)
			}
		})
	}
}

// TestNullFalse checks that {"NULL": false} is accepted and stored as
// {"NULL": true}, as DynamoDB has done since 2026, in an item and as an
// expression attribute value.
func TestNullFalse(t *testing.T) {
	srv := dynagotest.New(t)
	c := srv.Client()
	ctx := context.Background()
	makeTable(t, c, "nulls", hashS)
	_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("nulls"),
		Item: item{"pk": S("k"), "n": &types.AttributeValueMemberNULL{Value: false}}})
	if err != nil {
		t.Fatalf("PutItem with NULL false: %v", err)
	}
	got, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("nulls"), Key: item{"pk": S("k")}, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := got.Item["n"].(*types.AttributeValueMemberNULL); !ok || !n.Value {
		t.Errorf("n is %#v, want NULL true", got.Item["n"])
	}
	_, err = c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("nulls"), Key: item{"pk": S("k")},
		ConditionExpression:       aws.String("n = :f"),
		ExpressionAttributeValues: item{":f": &types.AttributeValueMemberNULL{Value: false}}})
	if err != nil {
		t.Errorf("DeleteItem on n = NULL false: %v", err)
	}
}
