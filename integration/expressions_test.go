package integration

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The expression parameters as applications most often use them:
// conditional puts, filters, projections and update expressions.

func TestConditionExpression(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "Cond", hashS)
	putIfAbsent := &dynamodb.PutItemInput{TableName: aws.String("Cond"), Item: item{"pk": S("a"), "v": N("1")}, ConditionExpression: aws.String("attribute_not_exists(pk)")}
	if _, err := c.PutItem(ctx, putIfAbsent); err != nil {
		t.Fatalf("first conditional put: %v", err)
	}
	_, err := c.PutItem(ctx, putIfAbsent)
	wantAPIError(t, err, "ConditionalCheckFailedException", "The conditional request failed")

	_, err = c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("Cond"), Key: item{"pk": S("a")},
		ConditionExpression: aws.String("v > :min"), ExpressionAttributeValues: item{":min": N("5")}})
	wantAPIError(t, err, "ConditionalCheckFailedException", "The conditional request failed")
	if get(t, c, "Cond", item{"pk": S("a")}) == nil {
		t.Fatal("a failed conditional delete removed the item")
	}
	_, err = c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("Cond"), Key: item{"pk": S("a")},
		ConditionExpression: aws.String("#v = :one"), ExpressionAttributeNames: map[string]string{"#v": "v"}, ExpressionAttributeValues: item{":one": N("1.0")}})
	if err != nil {
		t.Fatalf("conditional delete that holds: %v", err)
	}
	if get(t, c, "Cond", item{"pk": S("a")}) != nil {
		t.Error("conditional delete left the item")
	}
}

func TestFilterAndProjectionExpressions(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "Filt", hashRangeN)
	for i, color := range []string{"red", "blue", "red", "green", "red"} {
		put(t, c, "Filt", item{"pk": S("p"), "sk": N(string(rune('0' + i))), "color": S(color), "info": M(item{"size": N("10"), "tags": L(S("x"), S("y"))})})
	}
	q, err := c.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String("Filt"),
		KeyConditionExpression:    aws.String("pk = :p"),
		FilterExpression:          aws.String("color = :c"),
		ProjectionExpression:      aws.String("sk, info.tags[1], #c"),
		ExpressionAttributeNames:  map[string]string{"#c": "color"},
		ExpressionAttributeValues: item{":p": S("p"), ":c": S("red")},
	})
	if err != nil {
		t.Fatalf("Query with filter: %v", err)
	}
	if q.Count != 3 || q.ScannedCount != 5 {
		t.Errorf("filtered query Count=%d ScannedCount=%d, want 3 and 5", q.Count, q.ScannedCount)
	}
	if len(q.Items) > 0 {
		wantItem(t, q.Items[0], item{"sk": N("0"), "color": S("red"), "info": M(item{"tags": L(S("y"))})})
	}
	s, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("Filt"), FilterExpression: aws.String("color <> :c"), ExpressionAttributeValues: item{":c": S("red")}, Select: types.SelectCount})
	if err != nil {
		t.Fatalf("Scan with filter: %v", err)
	}
	if s.Count != 2 || s.ScannedCount != 5 {
		t.Errorf("filtered scan Count=%d ScannedCount=%d, want 2 and 5", s.Count, s.ScannedCount)
	}
}

func TestUpdateExpression(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "UpdE", hashS)
	key := item{"pk": S("u")}
	put(t, c, "UpdE", item{"pk": S("u"), "n": N("1"), "l": L(S("a")), "gone": S("x"), "tags": SS("a", "b")})
	out, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String("UpdE"),
		Key:                       key,
		UpdateExpression:          aws.String("SET n = n + :inc, l = list_append(l, :more), fresh = if_not_exists(fresh, :zero) REMOVE gone ADD clicks :inc DELETE tags :b"),
		ExpressionAttributeValues: item{":inc": N("2"), ":more": L(S("b")), ":zero": N("0"), ":b": SS("b")},
		ReturnValues:              types.ReturnValueAllNew,
	})
	if err != nil {
		t.Fatalf("UpdateItem: %v", err)
	}
	wantItem(t, out.Attributes, item{"pk": S("u"), "n": N("3"), "l": L(S("a"), S("b")), "fresh": N("0"), "clicks": N("2"), "tags": SS("a")})
}
