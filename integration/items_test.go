package integration

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// allTypes holds every one of DynamoDB's ten attribute types, nested in
// lists and maps too.
func allTypes(pk string) item {
	scalars := item{
		"s":    S("héllo wörld"),
		"n":    N("-56.789"),
		"b":    B([]byte{0, 1, 2, 0xff}),
		"bool": BOOL(true),
		"null": NULL(),
		"ss":   SS("a", "b", "c"),
		"ns":   NS("1", "-2.5", "3e3"),
		"bs":   BS([]byte("x"), []byte{0}),
		"l":    L(S("a"), N("1"), BOOL(false), NULL(), L(), M(item{})),
		"m":    M(item{"nested": M(item{"deep": L(SS("z"), NS("7"), BS([]byte("q")))}), "empty": S("")}),
		"es":   S(""), // empty strings are allowed outside keys since 2020
	}
	scalars["pk"] = S(pk)
	return scalars
}

func TestAllTypesRoundTrip(t *testing.T) {
	c := client(t)
	makeTable(t, c, "Types", hashS)
	in := allTypes("k1")
	put(t, c, "Types", in)
	want := allTypes("k1")
	want["ns"] = NS("1", "-2.5", "3000") // numbers come back normalised
	wantItem(t, get(t, c, "Types", item{"pk": S("k1")}), want)
}

func TestPutGetDelete(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "Items", hashRangeN)
	key := item{"pk": S("p"), "sk": N("1")}
	if got := get(t, c, "Items", key); got != nil {
		t.Fatalf("GetItem on empty table = %s", showItem(got))
	}
	put(t, c, "Items", item{"pk": S("p"), "sk": N("1"), "v": S("one")})
	put(t, c, "Items", item{"pk": S("p"), "sk": N("2"), "v": S("two")})
	wantItem(t, get(t, c, "Items", key), item{"pk": S("p"), "sk": N("1"), "v": S("one")})

	// Put replaces the whole item.
	put(t, c, "Items", item{"pk": S("p"), "sk": N("1"), "w": S("new")})
	wantItem(t, get(t, c, "Items", key), item{"pk": S("p"), "sk": N("1"), "w": S("new")})

	// AttributesToGet projects.
	out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("Items"), Key: item{"pk": S("p"), "sk": N("2")}, AttributesToGet: []string{"v"}})
	if err != nil {
		t.Fatalf("GetItem AttributesToGet: %v", err)
	}
	wantItem(t, out.Item, item{"v": S("two")})

	if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("Items"), Key: key}); err != nil {
		t.Fatalf("DeleteItem: %v", err)
	}
	if got := get(t, c, "Items", key); got != nil {
		t.Errorf("deleted item still there: %s", showItem(got))
	}
	// Deleting an absent item succeeds.
	if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("Items"), Key: key}); err != nil {
		t.Errorf("DeleteItem of absent item: %v", err)
	}
	if got := get(t, c, "Items", item{"pk": S("p"), "sk": N("2")}); got == nil {
		t.Error("the other item went too")
	}

	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("NoTable"), Item: item{"pk": S("x")}})
	wantAPIError(t, err, "ResourceNotFoundException", "Requested resource not found")
	_, err = c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("NoTable"), Key: item{"pk": S("x")}})
	wantAPIError(t, err, "ResourceNotFoundException", "Requested resource not found")
}

func TestReturnValuesPutDelete(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "RetVals", hashS)

	out, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("RetVals"), Item: item{"pk": S("a"), "v": N("-0015.789e6")}, ReturnValues: types.ReturnValueAllOld})
	if err != nil {
		t.Fatalf("PutItem: %v", err)
	}
	if out.Attributes != nil {
		t.Errorf("ALL_OLD of a new item = %s, want none", showItem(out.Attributes))
	}
	out, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("RetVals"), Item: item{"pk": S("a"), "v": S("b")}, ReturnValues: types.ReturnValueAllOld})
	if err != nil {
		t.Fatalf("PutItem: %v", err)
	}
	wantItem(t, out.Attributes, item{"pk": S("a"), "v": N("-15789000")})

	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("RetVals"), Item: item{"pk": S("a")}, ReturnValues: types.ReturnValueAllNew})
	wantAPIError(t, err, "ValidationException", "ReturnValues can only be ALL_OLD or NONE")

	del, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("RetVals"), Key: item{"pk": S("a")}, ReturnValues: types.ReturnValueAllOld})
	if err != nil {
		t.Fatalf("DeleteItem: %v", err)
	}
	wantItem(t, del.Attributes, item{"pk": S("a"), "v": S("b")})
}

// UpdateItem with the legacy AttributeUpdates parameter: PUT, ADD and
// DELETE, and every ReturnValues.
func TestUpdateItemAttributeUpdates(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "Upd", hashS)
	key := item{"pk": S("u")}
	update := func(rv types.ReturnValue, au map[string]types.AttributeValueUpdate) item {
		t.Helper()
		out, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("Upd"), Key: key, AttributeUpdates: au, ReturnValues: rv})
		if err != nil {
			t.Fatalf("UpdateItem %v: %v", au, err)
		}
		return out.Attributes
	}
	// Updating an absent item creates it.
	got := update(types.ReturnValueAllNew, map[string]types.AttributeValueUpdate{
		"name":  {Action: types.AttributeActionPut, Value: S("Ada")},
		"count": {Action: types.AttributeActionAdd, Value: N("5")},
		"tags":  {Action: types.AttributeActionAdd, Value: SS("x", "y")},
	})
	wantItem(t, got, item{"pk": S("u"), "name": S("Ada"), "count": N("5"), "tags": SS("x", "y")})

	got = update(types.ReturnValueUpdatedOld, map[string]types.AttributeValueUpdate{
		"count": {Action: types.AttributeActionAdd, Value: N("-7.5")},
	})
	wantItem(t, got, item{"count": N("5")})

	got = update(types.ReturnValueUpdatedNew, map[string]types.AttributeValueUpdate{
		"tags": {Action: types.AttributeActionDelete, Value: SS("x", "nope")},
		"name": {Action: types.AttributeActionPut, Value: S("Grace")},
	})
	wantItem(t, got, item{"tags": SS("y"), "name": S("Grace")})

	got = update(types.ReturnValueAllOld, map[string]types.AttributeValueUpdate{
		"name": {Action: types.AttributeActionDelete},
	})
	wantItem(t, got, item{"pk": S("u"), "name": S("Grace"), "count": N("-2.5"), "tags": SS("y")})

	got = update(types.ReturnValueNone, map[string]types.AttributeValueUpdate{
		"tags": {Action: types.AttributeActionDelete, Value: SS("y")}, // deleting the last member removes the set
	})
	if got != nil {
		t.Errorf("ReturnValues NONE returned %s", showItem(got))
	}
	wantItem(t, get(t, c, "Upd", key), item{"pk": S("u"), "count": N("-2.5")})

	_, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("Upd"), Key: key, AttributeUpdates: map[string]types.AttributeValueUpdate{
		"pk": {Action: types.AttributeActionPut, Value: S("other")},
	}})
	wantAPIError(t, err, "ValidationException", "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key")
}

// ReturnConsumedCapacity follows DynamoDB's unit arithmetic: a write
// costs one unit per started KB, a strongly consistent read one unit per
// started 4 KB, an eventually consistent read half that.
func TestReturnConsumedCapacity(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "Cap", hashS)
	big := strings.Repeat("x", 5000) // item of about 5 KB

	cases := []struct {
		name string
		call func() (*types.ConsumedCapacity, error)
		want float64
	}{
		{"small put", func() (*types.ConsumedCapacity, error) {
			out, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("Cap"), Item: item{"pk": S("small")}, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
			return capOf(out, err, func() *types.ConsumedCapacity { return out.ConsumedCapacity })
		}, 1},
		{"5 KB put", func() (*types.ConsumedCapacity, error) {
			out, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("Cap"), Item: item{"pk": S("big"), "d": S(big)}, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
			return capOf(out, err, func() *types.ConsumedCapacity { return out.ConsumedCapacity })
		}, 5},
		{"5 KB consistent get", func() (*types.ConsumedCapacity, error) {
			out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("Cap"), Key: item{"pk": S("big")}, ConsistentRead: aws.Bool(true), ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
			return capOf(out, err, func() *types.ConsumedCapacity { return out.ConsumedCapacity })
		}, 2},
		{"5 KB eventually consistent get", func() (*types.ConsumedCapacity, error) {
			out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("Cap"), Key: item{"pk": S("big")}, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
			return capOf(out, err, func() *types.ConsumedCapacity { return out.ConsumedCapacity })
		}, 1},
		{"small eventually consistent get", func() (*types.ConsumedCapacity, error) {
			out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("Cap"), Key: item{"pk": S("small")}, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
			return capOf(out, err, func() *types.ConsumedCapacity { return out.ConsumedCapacity })
		}, 0.5},
		{"delete of 5 KB item", func() (*types.ConsumedCapacity, error) {
			out, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("Cap"), Key: item{"pk": S("big")}, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
			return capOf(out, err, func() *types.ConsumedCapacity { return out.ConsumedCapacity })
		}, 5},
	}
	for _, tc := range cases {
		cc, err := tc.call()
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if cc == nil {
			t.Errorf("%s: no ConsumedCapacity", tc.name)
			continue
		}
		if aws.ToString(cc.TableName) != "Cap" || aws.ToFloat64(cc.CapacityUnits) != tc.want {
			t.Errorf("%s: ConsumedCapacity = %s %v, want Cap %v", tc.name, aws.ToString(cc.TableName), aws.ToFloat64(cc.CapacityUnits), tc.want)
		}
	}

	// Without ReturnConsumedCapacity there is none.
	out, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("Cap"), Item: item{"pk": S("n")}})
	if err != nil {
		t.Fatalf("PutItem: %v", err)
	}
	if out.ConsumedCapacity != nil {
		t.Errorf("ConsumedCapacity without asking = %+v", out.ConsumedCapacity)
	}
}

func capOf[T any](_ T, err error, f func() *types.ConsumedCapacity) (*types.ConsumedCapacity, error) {
	if err != nil {
		return nil, err
	}
	return f(), nil
}
