package integration

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Every refused number of testdata/numbers.txt is refused the same way
// wherever a number enters a request, not only in items: in
// ExpressionAttributeValues (with DynamoDB's "contains invalid value ...
// for key" wrapper), in AttributeUpdates, in Expected and in the legacy
// filters and key conditions; and a refused write stores nothing.
func TestNumbersRefusedEverywhere(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "NumPaths", hashRangeN)
	put(t, c, "NumPaths", item{"pk": S("a"), "sk": N("1"), "n": N("1")})
	for _, tc := range readNumberCases(t) {
		if tc.errorMsg == "" {
			continue
		}
		t.Run(fmt.Sprintf("line%d", tc.line), func(t *testing.T) {
			bad := N(tc.in)
			eavMsg := "ExpressionAttributeValues contains invalid value: " + tc.errorMsg + " for key :v"
			eav := map[string]types.AttributeValue{":v": bad}
			table := aws.String("NumPaths")
			key := item{"pk": S("w"), "sk": N("1")}

			_, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: table, FilterExpression: aws.String("n < :v"), ExpressionAttributeValues: eav})
			wantAPIError(t, err, "ValidationException", eavMsg)
			_, err = c.Query(ctx, &dynamodb.QueryInput{TableName: table, KeyConditionExpression: aws.String("pk = :p AND sk > :v"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":p": S("a"), ":v": bad}})
			wantAPIError(t, err, "ValidationException", "ExpressionAttributeValues contains invalid value: "+tc.errorMsg+" for key :v")
			_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: table, Key: key, UpdateExpression: aws.String("SET n = :v"), ExpressionAttributeValues: eav})
			wantAPIError(t, err, "ValidationException", eavMsg)
			_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: key, ConditionExpression: aws.String("attribute_not_exists(n) OR n = :v"), ExpressionAttributeValues: eav})
			wantAPIError(t, err, "ValidationException", eavMsg)

			for _, action := range []types.AttributeAction{types.AttributeActionPut, types.AttributeActionAdd} {
				_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: table, Key: key,
					AttributeUpdates: map[string]types.AttributeValueUpdate{"n": {Action: action, Value: bad}}})
				wantAPIError(t, err, "ValidationException", tc.errorMsg)
			}
			_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: key,
				Expected: map[string]types.ExpectedAttributeValue{"n": {Value: bad}}})
			wantAPIError(t, err, "ValidationException", tc.errorMsg)
			_, err = c.Scan(ctx, &dynamodb.ScanInput{TableName: table,
				ScanFilter: map[string]types.Condition{"n": {ComparisonOperator: types.ComparisonOperatorLt, AttributeValueList: []types.AttributeValue{bad}}}})
			wantAPIError(t, err, "ValidationException", tc.errorMsg)
			_, err = c.Query(ctx, &dynamodb.QueryInput{TableName: table, KeyConditions: map[string]types.Condition{
				"pk": {ComparisonOperator: types.ComparisonOperatorEq, AttributeValueList: []types.AttributeValue{S("a")}},
				"sk": {ComparisonOperator: types.ComparisonOperatorGt, AttributeValueList: []types.AttributeValue{bad}},
			}})
			wantAPIError(t, err, "ValidationException", tc.errorMsg)

			if got := get(t, c, "NumPaths", key); got != nil {
				t.Fatalf("a refused write stored %s", showItem(got))
			}
		})
	}
}

// An update that only takes attributes away from a missing item does not
// create it, whether written as an UpdateExpression or as AttributeUpdates;
// ALL_NEW then returns nothing. One that also sets something does.
func TestUpdateOnlyRemovingDoesNotCreate(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "RemoveOnly", hashS)
	table := aws.String("RemoveOnly")
	for _, tc := range []struct {
		name string
		in   dynamodb.UpdateItemInput
	}{
		{"REMOVE", dynamodb.UpdateItemInput{UpdateExpression: aws.String("REMOVE a, b.c")}},
		{"DELETE", dynamodb.UpdateItemInput{UpdateExpression: aws.String("DELETE s :v"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":v": SS("x")}}},
		{"AttributeUpdates DELETE", dynamodb.UpdateItemInput{AttributeUpdates: map[string]types.AttributeValueUpdate{"a": {Action: types.AttributeActionDelete}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.TableName, in.Key, in.ReturnValues = table, item{"pk": S(tc.name)}, types.ReturnValueAllNew
			out, err := c.UpdateItem(ctx, &in)
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Attributes) != 0 {
				t.Errorf("ALL_NEW returned %s", showItem(out.Attributes))
			}
			if got := get(t, c, "RemoveOnly", item{"pk": S(tc.name)}); got != nil {
				t.Errorf("the update created %s", showItem(got))
			}
		})
	}
	out, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: table, Key: item{"pk": S("set")},
		UpdateExpression: aws.String("REMOVE a SET b = :v"), ExpressionAttributeValues: map[string]types.AttributeValue{":v": N("1")},
		ReturnValues: types.ReturnValueAllNew})
	if err != nil {
		t.Fatal(err)
	}
	wantItem(t, out.Attributes, item{"pk": S("set"), "b": N("1")})
}

// ConditionalOperator joins two or more legacy conditions; with none or
// one DynamoDB refuses it. Legacy EQ and NE take values of every type.
func TestLegacyConditionalOperatorAndTypes(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "LegacyOps", hashS)
	table := aws.String("LegacyOps")
	put(t, c, "LegacyOps", item{"pk": S("a"), "l": L(S("x")), "m": M(item{"k": N("1")}), "b": BOOL(true)})
	and := types.ConditionalOperatorAnd

	_, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: table, ConditionalOperator: and})
	wantAPIError(t, err, "ValidationException", "ConditionalOperator cannot be used without Filter or Expected")
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: item{"pk": S("b")}, ConditionalOperator: and})
	wantAPIError(t, err, "ValidationException", "ConditionalOperator cannot be used without Filter or Expected")
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: item{"pk": S("b")}, ConditionalOperator: and,
		Expected: map[string]types.ExpectedAttributeValue{"x": {Exists: aws.Bool(false)}}})
	wantAPIError(t, err, "ValidationException", "ConditionalOperator can only be used when Filter or Expected has two or more elements")
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: item{"pk": S("b")}, ConditionalOperator: and,
		Expected: map[string]types.ExpectedAttributeValue{}})
	wantAPIError(t, err, "ValidationException", "ConditionalOperator can only be used when Filter or Expected has two or more elements")
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: item{"pk": S("b")}, ConditionalOperator: types.ConditionalOperatorOr,
		Expected: map[string]types.ExpectedAttributeValue{"x": {Exists: aws.Bool(false)}, "y": {Exists: aws.Bool(false)}}})
	if err != nil {
		t.Fatalf("two Expected conditions joined by OR: %v", err)
	}

	for _, tc := range []struct {
		attr string
		v    types.AttributeValue
		op   types.ComparisonOperator
		want int32
	}{
		{"l", L(S("x")), types.ComparisonOperatorEq, 1},
		{"m", M(item{"k": N("1")}), types.ComparisonOperatorEq, 1},
		{"b", BOOL(true), types.ComparisonOperatorEq, 1},
		{"b", BOOL(false), types.ComparisonOperatorNe, 2}, // item b has no attribute b: NE holds
		{"l", NULL(), types.ComparisonOperatorEq, 0},
	} {
		out, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: table,
			ScanFilter: map[string]types.Condition{tc.attr: {ComparisonOperator: tc.op, AttributeValueList: []types.AttributeValue{tc.v}}}})
		if err != nil {
			t.Fatalf("ScanFilter %s %s %s: %v", tc.attr, tc.op, show(tc.v), err)
		}
		if out.Count != tc.want {
			t.Errorf("ScanFilter %s %s %s: Count %d, want %d", tc.attr, tc.op, show(tc.v), out.Count, tc.want)
		}
	}
}
