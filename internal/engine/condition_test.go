package engine

import (
	"context"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
)

func TestConditionalWrites(t *testing.T) {
	db := newItemsDB(t)
	ctx := context.Background()
	tbl := api.Ptr(tblHash)
	key := attr.Item{"id": s("c")}
	const ccf = apierr.ConditionalCheckFailedException
	const failed = "The conditional request failed"

	// attribute_not_exists: the first put succeeds, the second fails.
	notExists := api.Ptr("attribute_not_exists(id)")
	_, err := db.PutItem(ctx, &api.PutItemInput{TableName: tbl, Item: attr.Item{"id": s("c"), "v": n("1")}, ConditionExpression: notExists})
	checkErr(t, err, "", "")
	_, err = db.PutItem(ctx, &api.PutItemInput{TableName: tbl, Item: attr.Item{"id": s("c"), "v": n("2")}, ConditionExpression: notExists})
	checkErr(t, err, ccf, failed)
	if got := get(t, db, tblHash, key); got["v"].S != "1" {
		t.Fatalf("a failed conditional put changed the item: %v", got)
	}

	// ReturnValuesOnConditionCheckFailure carries the existing item.
	_, err = db.PutItem(ctx, &api.PutItemInput{TableName: tbl, Item: attr.Item{"id": s("c")}, ConditionExpression: notExists,
		ReturnValuesOnConditionCheckFailure: api.Ptr("ALL_OLD")})
	checkErr(t, err, ccf, failed)
	if it, _ := apierr.As(err).Item.(attr.Item); it == nil || it["v"].S != "1" {
		t.Fatalf("condition failure item = %v", apierr.As(err).Item)
	}

	// Legacy Expected on DeleteItem.
	_, err = db.DeleteItem(ctx, &api.DeleteItemInput{TableName: tbl, Key: key, Expected: map[string]api.ExpectedAttributeValue{
		"v": {Value: api.Ptr(n("9"))}}})
	checkErr(t, err, ccf, failed)
	_, err = db.DeleteItem(ctx, &api.DeleteItemInput{TableName: tbl, Key: key, Expected: map[string]api.ExpectedAttributeValue{
		"v": {Value: api.Ptr(n("1"))}}})
	checkErr(t, err, "", "")
	if get(t, db, tblHash, key) != nil {
		t.Fatal("conditional delete did not delete")
	}
}

func TestUpdateItem(t *testing.T) {
	db := newItemsDB(t)
	ctx := context.Background()
	tbl := api.Ptr(tblRange)
	key := attr.Item{"pk": s("u"), "sk": n("1")}
	out, err := db.UpdateItem(ctx, &api.UpdateItemInput{TableName: tbl, Key: key, UpdateExpression: api.Ptr("SET a = :a, c = :c"),
		ExpressionAttributeValues: attr.Item{":a": n("5"), ":c": s("x")}, ReturnValues: api.Ptr("ALL_NEW")})
	checkErr(t, err, "", "")
	if len(out.Attributes) != 4 || out.Attributes["a"].S != "5" {
		t.Fatalf("ALL_NEW = %v", out.Attributes)
	}
	out, err = db.UpdateItem(ctx, &api.UpdateItemInput{TableName: tbl, Key: key, UpdateExpression: api.Ptr("ADD a :one"),
		ExpressionAttributeValues: attr.Item{":one": n("1")}, ReturnValues: api.Ptr("UPDATED_OLD")})
	checkErr(t, err, "", "")
	if len(out.Attributes) != 1 || out.Attributes["a"].S != "5" {
		t.Fatalf("UPDATED_OLD = %v", out.Attributes)
	}
	out, err = db.UpdateItem(ctx, &api.UpdateItemInput{TableName: tbl, Key: key, UpdateExpression: api.Ptr("REMOVE c"),
		ReturnValues: api.Ptr("UPDATED_NEW")})
	checkErr(t, err, "", "")
	if out.Attributes != nil {
		t.Fatalf("UPDATED_NEW after REMOVE = %v, want none", out.Attributes)
	}
	if got := get(t, db, tblRange, key); len(got) != 3 || got["a"].S != "6" {
		t.Fatalf("item after updates = %v", got)
	}
	// Legacy AttributeUpdates.
	_, err = db.UpdateItem(ctx, &api.UpdateItemInput{TableName: tbl, Key: key, AttributeUpdates: map[string]api.AttributeValueUpdate{
		"a": {Action: api.Ptr("PUT"), Value: api.Ptr(s("z"))}}})
	checkErr(t, err, "", "")
	if got := get(t, db, tblRange, key); got["a"].S != "z" {
		t.Fatalf("item after AttributeUpdates = %v", got)
	}
	// The size limit applies to the updated item.
	_, err = db.UpdateItem(ctx, &api.UpdateItemInput{TableName: tbl, Key: key, UpdateExpression: api.Ptr("SET big = :b"),
		ExpressionAttributeValues: attr.Item{":b": s(str(400*1024, "b"))}})
	checkErr(t, err, apierr.ValidationException, "Item size to update has exceeded the maximum allowed size")
	// A condition failure writes nothing.
	_, err = db.UpdateItem(ctx, &api.UpdateItemInput{TableName: tbl, Key: key, UpdateExpression: api.Ptr("SET a = :a"),
		ConditionExpression: api.Ptr("attribute_not_exists(pk)"), ExpressionAttributeValues: attr.Item{":a": s("no")}})
	checkErr(t, err, apierr.ConditionalCheckFailedException, "The conditional request failed")
	if got := get(t, db, tblRange, key); got["a"].S != "z" {
		t.Fatalf("item after failed update = %v", got)
	}
}
