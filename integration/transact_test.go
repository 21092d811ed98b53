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

// reasonCodes returns the codes of a cancellation's reasons.
func reasonCodes(rs []types.CancellationReason) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = aws.ToString(r.Code)
	}
	return out
}

func TestTransactWriteThroughSDK(t *testing.T) {
	_, c := newTxServer(t)
	ctx := context.Background()
	out, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		ReturnConsumedCapacity:      types.ReturnConsumedCapacityTotal,
		ReturnItemCollectionMetrics: types.ReturnItemCollectionMetricsSize,
		TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: aws.String("txh"), Item: item{"pk": S("a"), "v": N("1")}, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
			{Update: &types.Update{TableName: aws.String("txr"), Key: item{"pk": S("a"), "sk": N("1")}, UpdateExpression: aws.String("ADD n :one"), ExpressionAttributeValues: item{":one": N("1")}}},
			{Delete: &types.Delete{TableName: aws.String("txh"), Key: item{"pk": S("gone")}}},
			{ConditionCheck: &types.ConditionCheck{TableName: aws.String("txh"), Key: item{"pk": S("exists")}, ConditionExpression: aws.String("v = :one"), ExpressionAttributeValues: item{":one": N("1")}}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantItem(t, get(t, c, "txh", item{"pk": S("a")}), item{"pk": S("a"), "v": N("1")})
	wantItem(t, get(t, c, "txr", item{"pk": S("a"), "sk": N("1")}), item{"pk": S("a"), "sk": N("1"), "n": N("1")})
	if len(out.ConsumedCapacity) != 2 || aws.ToString(out.ConsumedCapacity[0].TableName) != "txh" ||
		aws.ToFloat64(out.ConsumedCapacity[0].WriteCapacityUnits) != 4 || aws.ToFloat64(out.ConsumedCapacity[0].ReadCapacityUnits) != 2 {
		t.Errorf("ConsumedCapacity %+v", out.ConsumedCapacity)
	}

	// A failed condition cancels everything; reasons come in request
	// order, with the old item where it was asked for.
	_, err = c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("txh"), Item: item{"pk": S("b")}}},
		{Put: &types.Put{TableName: aws.String("txh"), Item: item{"pk": S("a"), "v": N("2")}, ConditionExpression: aws.String("attribute_not_exists(pk)"),
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String("txh"), Key: item{"pk": S("exists")}, ConditionExpression: aws.String("v = :two"), ExpressionAttributeValues: item{":two": N("2")}}},
	}})
	var tc *types.TransactionCanceledException
	if !errors.As(err, &tc) {
		t.Fatalf("got %v, want TransactionCanceledException", err)
	}
	wantAPIError(t, err, "TransactionCanceledException", "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed, ConditionalCheckFailed]")
	if got := reasonCodes(tc.CancellationReasons); len(got) != 3 || got[0] != "None" || got[1] != "ConditionalCheckFailed" || got[2] != "ConditionalCheckFailed" {
		t.Errorf("reasons %v", got)
	}
	if r := tc.CancellationReasons[1]; aws.ToString(r.Message) != "The conditional request failed" {
		t.Errorf("reason message %q", aws.ToString(r.Message))
	}
	wantItem(t, tc.CancellationReasons[1].Item, item{"pk": S("a"), "v": N("1")})
	if tc.CancellationReasons[2].Item != nil || tc.CancellationReasons[0].Message != nil {
		t.Errorf("reasons carry more than asked: %+v", tc.CancellationReasons)
	}
	if get(t, c, "txh", item{"pk": S("b")}) != nil {
		t.Error("a cancelled transaction wrote an item")
	}
}

func TestTransactGetThroughSDK(t *testing.T) {
	_, c := newTxServer(t)
	put(t, c, "txr", item{"pk": S("p"), "sk": N("1"), "a": S("x"), "b": L(S("y"), S("z"))})
	out, err := c.TransactGetItems(context.Background(), &dynamodb.TransactGetItemsInput{
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
		TransactItems: []types.TransactGetItem{
			{Get: &types.Get{TableName: aws.String("txr"), Key: item{"pk": S("p"), "sk": N("1")}, ProjectionExpression: aws.String("#b[1], sk"), ExpressionAttributeNames: map[string]string{"#b": "b"}}},
			{Get: &types.Get{TableName: aws.String("txh"), Key: item{"pk": S("missing")}}},
			{Get: &types.Get{TableName: aws.String("txh"), Key: item{"pk": S("exists")}}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Responses) != 3 {
		t.Fatalf("%d responses, want 3", len(out.Responses))
	}
	wantItem(t, out.Responses[0].Item, item{"sk": N("1"), "b": L(S("z"))})
	if out.Responses[1].Item != nil {
		t.Errorf("a missing item answered %s", showItem(out.Responses[1].Item))
	}
	wantItem(t, out.Responses[2].Item, item{"pk": S("exists"), "v": N("1")})
	if len(out.ConsumedCapacity) != 2 || aws.ToFloat64(out.ConsumedCapacity[1].ReadCapacityUnits) != 4 {
		t.Errorf("ConsumedCapacity %+v", out.ConsumedCapacity)
	}
}

// TestSingleItemReturnValuesOnConditionCheckFailure checks that PutItem,
// UpdateItem and DeleteItem return the old item in their
// ConditionalCheckFailedException, as the SDK reads it.
func TestSingleItemReturnValuesOnConditionCheckFailure(t *testing.T) {
	_, c := newTxServer(t)
	ctx := context.Background()
	old := item{"pk": S("exists"), "v": N("1")}
	cond := aws.String("attribute_not_exists(pk)")
	all := types.ReturnValuesOnConditionCheckFailureAllOld
	errs := map[string]error{}
	_, errs["PutItem"] = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("txh"), Item: item{"pk": S("exists")}, ConditionExpression: cond, ReturnValuesOnConditionCheckFailure: all})
	_, errs["UpdateItem"] = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("txh"), Key: item{"pk": S("exists")}, UpdateExpression: aws.String("SET w = :w"), ExpressionAttributeValues: item{":w": N("1")}, ConditionExpression: cond, ReturnValuesOnConditionCheckFailure: all})
	_, errs["DeleteItem"] = c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("txh"), Key: item{"pk": S("exists")}, ConditionExpression: cond, ReturnValuesOnConditionCheckFailure: all})
	for op, err := range errs {
		var ccf *types.ConditionalCheckFailedException
		if !errors.As(err, &ccf) {
			t.Errorf("%s: got %v, want ConditionalCheckFailedException", op, err)
			continue
		}
		wantAPIError(t, err, "ConditionalCheckFailedException", "The conditional request failed")
		wantItem(t, ccf.Item, old)
	}
	// Without ALL_OLD, no item.
	_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("txh"), Item: item{"pk": S("exists")}, ConditionExpression: cond})
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) || ccf.Item != nil {
		t.Errorf("without ALL_OLD: %v (item %v)", err, ccf)
	}
}

func TestTransactIdempotency(t *testing.T) {
	dir := t.TempDir()
	key := item{"pk": S("counter")}
	add := func(by, token string) *dynamodb.TransactWriteItemsInput {
		return &dynamodb.TransactWriteItemsInput{
			ClientRequestToken: aws.String(token),
			TransactItems: []types.TransactWriteItem{{Update: &types.Update{
				TableName: aws.String("txh"), Key: key, UpdateExpression: aws.String("ADD v :d"), ExpressionAttributeValues: item{":d": N(by)},
			}}},
		}
	}
	ctx := context.Background()
	t.Run("before restart", func(t *testing.T) {
		c := dynagotest.New(t, dynagotest.WithDataDir(dir)).Client()
		makeTable(t, c, "txh", hashS)
		for range 3 {
			if _, err := c.TransactWriteItems(ctx, add("1", "tok-a")); err != nil {
				t.Fatal(err)
			}
		}
		if v := nval(t, get(t, c, "txh", key)["v"]); v != "1" {
			t.Errorf("three calls with one token: v = %s, want 1", v)
		}
		_, err := c.TransactWriteItems(ctx, add("5", "tok-a"))
		var mismatch *types.IdempotentParameterMismatchException
		if !errors.As(err, &mismatch) {
			t.Errorf("changed request, same token: got %v, want IdempotentParameterMismatchException", err)
		}
		if _, err := c.TransactWriteItems(ctx, add("5", "tok-b")); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("after restart", func(t *testing.T) {
		c := dynagotest.New(t, dynagotest.WithDataDir(dir)).Client()
		if _, err := c.TransactWriteItems(ctx, add("1", "tok-a")); err != nil {
			t.Fatal(err)
		}
		_, err := c.TransactWriteItems(ctx, add("1", "tok-b"))
		var mismatch *types.IdempotentParameterMismatchException
		if !errors.As(err, &mismatch) {
			t.Errorf("token of before the restart, changed request: got %v", err)
		}
		if v := nval(t, get(t, c, "txh", key)["v"]); v != "6" {
			t.Errorf("after the restart: v = %s, want 6 (the tokens were remembered)", v)
		}
	})
}
