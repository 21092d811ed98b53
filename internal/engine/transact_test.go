package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
)

// newTransactDB opens a DB with a settable clock and the item test tables.
func newTransactDB(tb testing.TB) (*DB, *tblClock) {
	tb.Helper()
	c := &tblClock{t: tblEpoch}
	db := openTablesDB(tb, newTablesStore(tb), c)
	mkTable(tb, db, tblHash, KeyAttr{"id", attr.TypeS}, KeyAttr{})
	mkTable(tb, db, tblRange, KeyAttr{"pk", attr.TypeS}, KeyAttr{"sk", attr.TypeN})
	return db, c
}

func txPut(table string, item attr.Item) api.TransactWriteItem {
	return api.TransactWriteItem{Put: &api.Put{TableName: api.Ptr(table), Item: item}}
}

func txAdd(table string, key attr.Item, by string) api.TransactWriteItem {
	return api.TransactWriteItem{Update: &api.Update{
		TableName: api.Ptr(table), Key: key,
		UpdateExpression:          api.Ptr("ADD v :d"),
		ExpressionAttributeValues: attr.Item{":d": n(by)},
	}}
}

func txCheck(table string, key attr.Item, cond string) api.TransactWriteItem {
	return api.TransactWriteItem{ConditionCheck: &api.ConditionCheck{
		TableName: api.Ptr(table), Key: key, ConditionExpression: api.Ptr(cond),
	}}
}

func TestTransactWriteAcrossTables(t *testing.T) {
	needExpr(t)
	db, _ := newTransactDB(t)
	ctx := context.Background()
	put(t, db, tblHash, attr.Item{"id": s("gone"), "v": n("1")})
	put(t, db, tblHash, attr.Item{"id": s("checked"), "v": n("7")})
	out, err := db.TransactWriteItems(ctx, &api.TransactWriteItemsInput{
		ReturnConsumedCapacity: api.Ptr("TOTAL"),
		TransactItems: []api.TransactWriteItem{
			txPut(tblHash, attr.Item{"id": s("new"), "v": n("1")}),
			txAdd(tblRange, attr.Item{"pk": s("p"), "sk": n("1")}, "5"),
			{Delete: &api.Delete{TableName: api.Ptr(tblHash), Key: attr.Item{"id": s("gone")}}},
			txCheck(tblHash, attr.Item{"id": s("checked")}, "v = :seven"),
		},
	})
	// The check's value is missing: a validation error, nothing applied.
	checkErr(t, err, apierr.ValidationException, "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :seven")
	if out != nil || get(t, db, tblHash, attr.Item{"id": s("new")}) != nil {
		t.Fatal("an invalid transaction wrote something")
	}

	in := &api.TransactWriteItemsInput{
		ReturnConsumedCapacity: api.Ptr("TOTAL"),
		TransactItems: []api.TransactWriteItem{
			txPut(tblHash, attr.Item{"id": s("new"), "v": n("1")}),
			txAdd(tblRange, attr.Item{"pk": s("p"), "sk": n("1")}, "5"),
			{Delete: &api.Delete{TableName: api.Ptr(tblHash), Key: attr.Item{"id": s("gone")}}},
			txCheck(tblHash, attr.Item{"id": s("checked")}, "attribute_exists(v)"),
		},
	}
	out, err = db.TransactWriteItems(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if got := get(t, db, tblHash, attr.Item{"id": s("new")}); got == nil {
		t.Error("Put not applied")
	}
	if got := get(t, db, tblRange, attr.Item{"pk": s("p"), "sk": n("1")}); got == nil || got["v"].S != "5" {
		t.Errorf("Update not applied: %v", got)
	}
	if got := get(t, db, tblHash, attr.Item{"id": s("gone")}); got != nil {
		t.Errorf("Delete not applied: %v", got)
	}
	// items_hash: put 2 + delete 2 = 4 write units, check 2 read units;
	// items_range: update 2 write units.
	want := `[{"CapacityUnits":6,"ReadCapacityUnits":2,"TableName":"items_hash","WriteCapacityUnits":4},{"CapacityUnits":2,"TableName":"items_range","WriteCapacityUnits":2}]`
	if got := txJSON(t, out.ConsumedCapacity); got != want {
		t.Errorf("ConsumedCapacity\n got %s\nwant %s", got, want)
	}
}

func TestTransactWriteCancelled(t *testing.T) {
	needExpr(t)
	db, _ := newTransactDB(t)
	ctx := context.Background()
	put(t, db, tblHash, attr.Item{"id": s("a"), "v": n("1")})
	put(t, db, tblHash, attr.Item{"id": s("b"), "v": n("2"), "s": s("text")})
	_, err := db.TransactWriteItems(ctx, &api.TransactWriteItemsInput{TransactItems: []api.TransactWriteItem{
		txPut(tblHash, attr.Item{"id": s("c")}),
		{Update: &api.Update{
			TableName: api.Ptr(tblHash), Key: attr.Item{"id": s("a")},
			UpdateExpression:                    api.Ptr("SET v = :x"),
			ConditionExpression:                 api.Ptr("v = :x"),
			ExpressionAttributeValues:           attr.Item{":x": n("9")},
			ReturnValuesOnConditionCheckFailure: api.Ptr("ALL_OLD"),
		}},
		txAdd(tblHash, attr.Item{"id": s("b")}, "1"),
	}})
	checkErr(t, err, apierr.TransactionCanceledException, "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed, None]")
	reasons := apierr.As(err).CancellationReasons
	want := `[{"Code":"None"},{"Code":"ConditionalCheckFailed","Item":{"id":{"S":"a"},"v":{"N":"1"}},"Message":"The conditional request failed"},{"Code":"None"}]`
	if got := txJSON(t, reasons); got != want {
		t.Errorf("CancellationReasons\n got %s\nwant %s", got, want)
	}
	if get(t, db, tblHash, attr.Item{"id": s("c")}) != nil {
		t.Error("a cancelled transaction's Put was applied")
	}
	if v := get(t, db, tblHash, attr.Item{"id": s("b")})["v"]; v.S != "2" {
		t.Errorf("a cancelled transaction's Update was applied: %v", v)
	}

	// An update that cannot apply is a ValidationError reason.
	_, err = db.TransactWriteItems(ctx, &api.TransactWriteItemsInput{TransactItems: []api.TransactWriteItem{
		txAdd(tblHash, attr.Item{"id": s("a")}, "1"),
		{Update: &api.Update{
			TableName: api.Ptr(tblHash), Key: attr.Item{"id": s("b")},
			UpdateExpression: api.Ptr("ADD s :one"), ExpressionAttributeValues: attr.Item{":one": n("1")},
		}},
	}})
	e := apierr.As(err)
	if e == nil || e.Code != apierr.TransactionCanceledException || e.Message != msgTransactCancelled+" [None, ValidationError]" {
		t.Fatalf("got %v, want a cancellation [None, ValidationError]", err)
	}
	rs := e.CancellationReasons.([]api.CancellationReason)
	if api.Str(rs[1].Message) == "" {
		t.Error("the ValidationError reason has no message")
	}
	if v := get(t, db, tblHash, attr.Item{"id": s("a")})["v"]; v.S != "1" {
		t.Errorf("a cancelled transaction's ADD was applied: %v", v)
	}
}

// TestTransactWriteValidation covers the errors that refuse a request
// before anything is read.
func TestTransactWriteValidation(t *testing.T) {
	needExpr(t)
	db, _ := newTransactDB(t)
	key := attr.Item{"id": s("k")}
	cases := []struct {
		name  string
		items []api.TransactWriteItem
		code  apierr.Code
		msg   string
	}{
		{"empty", []api.TransactWriteItem{}, apierr.ValidationException, "1 validation error detected: Value at 'TransactItems' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"no action", []api.TransactWriteItem{{}}, apierr.ValidationException, msgTransactOneAction},
		{"two actions", []api.TransactWriteItem{{Put: &api.Put{TableName: api.Ptr(tblHash), Item: key}, Delete: &api.Delete{TableName: api.Ptr(tblHash), Key: key}}}, apierr.ValidationException, msgTransactOneAction},
		{"same item twice", []api.TransactWriteItem{txPut(tblHash, key), txCheck(tblHash, key, "attribute_exists(id)")}, apierr.ValidationException, msgTransactDuplicate},
		{"missing table", []api.TransactWriteItem{txPut("nope", key)}, apierr.ResourceNotFoundException, "Requested resource not found"},
		{"put key missing", []api.TransactWriteItem{txPut(tblHash, attr.Item{"x": s("1")})}, apierr.TransactionCanceledException, msgTransactCancelled + " [ValidationError]"},
		{"put key mistyped", []api.TransactWriteItem{txPut(tblHash, attr.Item{"id": n("1")})}, apierr.TransactionCanceledException, msgTransactCancelled + " [ValidationError]"},
		{"delete key wrong", []api.TransactWriteItem{{Delete: &api.Delete{TableName: api.Ptr(tblHash), Key: attr.Item{"id": s("1"), "x": s("2")}}}}, apierr.TransactionCanceledException, msgTransactCancelled + " [ValidationError]"},
		{"bad rv on failure", []api.TransactWriteItem{{Put: &api.Put{TableName: api.Ptr(tblHash), Item: key, ReturnValuesOnConditionCheckFailure: api.Ptr("ALL_NEW")}}}, apierr.ValidationException, "1 validation error detected: Value 'ALL_NEW' at 'transactItems.1.member.put.returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := db.TransactWriteItems(context.Background(), &api.TransactWriteItemsInput{TransactItems: c.items})
			checkErr(t, err, c.code, c.msg)
		})
	}
	// An update of the key is refused as UpdateItem refuses it.
	_, want := db.UpdateItem(context.Background(), &api.UpdateItemInput{TableName: api.Ptr(tblHash), Key: key, UpdateExpression: api.Ptr("SET id = :v"), ExpressionAttributeValues: attr.Item{":v": s("x")}})
	_, err := db.TransactWriteItems(context.Background(), &api.TransactWriteItemsInput{TransactItems: []api.TransactWriteItem{{Update: &api.Update{TableName: api.Ptr(tblHash), Key: key, UpdateExpression: api.Ptr("SET id = :v"), ExpressionAttributeValues: attr.Item{":v": s("x")}}}}})
	if we := apierr.As(want); we == nil {
		t.Errorf("UpdateItem of the key succeeded")
	} else {
		checkErr(t, err, we.Code, we.Message)
	}
	many := make([]api.TransactWriteItem, maxTransactItems+1)
	for i := range many {
		many[i] = txPut(tblHash, attr.Item{"id": s(fmt.Sprint(i))})
	}
	if _, err := db.TransactWriteItems(context.Background(), &api.TransactWriteItemsInput{TransactItems: many}); !isCode(err, apierr.ValidationException) {
		t.Errorf("101 actions: %v", err)
	}
}

func TestTransactWriteIdempotency(t *testing.T) {
	needExpr(t)
	db, clock := newTransactDB(t)
	ctx := context.Background()
	key := attr.Item{"id": s("counter")}
	in := &api.TransactWriteItemsInput{
		ClientRequestToken: api.Ptr("token-1"),
		TransactItems:      []api.TransactWriteItem{txAdd(tblHash, key, "1")},
	}
	for range 3 {
		if _, err := db.TransactWriteItems(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	if v := get(t, db, tblHash, key)["v"].S; v != "1" {
		t.Fatalf("three calls with one token applied the ADD %s times", v)
	}
	other := &api.TransactWriteItemsInput{
		ClientRequestToken: api.Ptr("token-1"),
		TransactItems:      []api.TransactWriteItem{txAdd(tblHash, key, "2")},
	}
	_, err := db.TransactWriteItems(ctx, other)
	checkErr(t, err, apierr.IdempotentParameterMismatchException, msgIdempotentMismatch)

	// After ten minutes the token is forgotten and swept.
	clock.advance(tokenTTL + time.Second)
	if _, err := db.TransactWriteItems(ctx, other); err != nil {
		t.Fatal(err)
	}
	if v := get(t, db, tblHash, key)["v"].S; v != "3" {
		t.Fatalf("after the window: v = %s, want 3", v)
	}
	clock.advance(tokenTTL + time.Second)
	if err := db.sweepTokens(ctx, clock.now().UnixNano()); err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := scanPrefix(ctx, db.store, "m/txtok", func(_, _ []byte) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d token keys left after the sweep, want 0", n)
	}
}

func TestTransactWriteTokenReplayCapacity(t *testing.T) {
	needExpr(t)
	db, _ := newTransactDB(t)
	in := &api.TransactWriteItemsInput{
		ClientRequestToken:     api.Ptr("t"),
		ReturnConsumedCapacity: api.Ptr("TOTAL"),
		TransactItems:          []api.TransactWriteItem{txPut(tblHash, attr.Item{"id": s("x")})},
	}
	first, err := db.TransactWriteItems(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := db.TransactWriteItems(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if got := txJSON(t, first.ConsumedCapacity); got != `[{"CapacityUnits":2,"TableName":"items_hash","WriteCapacityUnits":2}]` {
		t.Errorf("first call: %s", got)
	}
	if got := txJSON(t, again.ConsumedCapacity); got != `[{"CapacityUnits":1,"ReadCapacityUnits":1,"TableName":"items_hash"}]` {
		t.Errorf("replay: %s", got)
	}
}

func TestTransactGetItems(t *testing.T) {
	needExpr(t)
	db, _ := newTransactDB(t)
	put(t, db, tblHash, attr.Item{"id": s("a"), "v": n("1"), "w": s(str(5000, "x"))})
	put(t, db, tblRange, attr.Item{"pk": s("p"), "sk": n("2"), "v": n("3")})
	out, err := db.TransactGetItems(context.Background(), &api.TransactGetItemsInput{
		ReturnConsumedCapacity: api.Ptr("TOTAL"),
		TransactItems: []api.TransactGetItem{
			{Get: &api.Get{TableName: api.Ptr(tblHash), Key: attr.Item{"id": s("a")}, ProjectionExpression: api.Ptr("#v"), ExpressionAttributeNames: map[string]string{"#v": "v"}}},
			{Get: &api.Get{TableName: api.Ptr(tblHash), Key: attr.Item{"id": s("missing")}}},
			{Get: &api.Get{TableName: api.Ptr(tblRange), Key: attr.Item{"pk": s("p"), "sk": n("2")}}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(out)
	// a: 5 KB → 2 units ×2; missing: 1 ×2; p: 1 ×2.
	want := `{"ConsumedCapacity":[{"CapacityUnits":6,"ReadCapacityUnits":6,"TableName":"items_hash"},{"CapacityUnits":2,"ReadCapacityUnits":2,"TableName":"items_range"}],"Responses":[{"Item":{"v":{"N":"1"}}},{},{"Item":{"pk":{"S":"p"},"sk":{"N":"2"},"v":{"N":"3"}}}]}`
	if string(b) != want {
		t.Errorf("TransactGetItems\n got %s\nwant %s", b, want)
	}
	_, err = db.TransactGetItems(context.Background(), &api.TransactGetItemsInput{TransactItems: []api.TransactGetItem{
		{Get: &api.Get{TableName: api.Ptr(tblHash), Key: attr.Item{"id": s("a")}}},
		{Get: &api.Get{TableName: api.Ptr(tblHash), Key: attr.Item{"id": s("a")}}},
	}})
	checkErr(t, err, apierr.ValidationException, msgTransactDuplicate)
}

// TestSingleItemConditionReturnsOldItem checks ReturnValuesOnConditionCheckFailure
// on the single-item writes, which share the transaction's check.
func TestSingleItemConditionReturnsOldItem(t *testing.T) {
	needExpr(t)
	db, _ := newTransactDB(t)
	ctx := context.Background()
	old := attr.Item{"id": s("a"), "v": n("1")}
	put(t, db, tblHash, old)
	cond := api.Ptr("attribute_not_exists(id)")
	all := api.Ptr("ALL_OLD")
	errs := map[string]error{}
	_, errs["PutItem"] = db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr(tblHash), Item: old, ConditionExpression: cond, ReturnValuesOnConditionCheckFailure: all})
	_, errs["DeleteItem"] = db.DeleteItem(ctx, &api.DeleteItemInput{TableName: api.Ptr(tblHash), Key: attr.Item{"id": s("a")}, ConditionExpression: cond, ReturnValuesOnConditionCheckFailure: all})
	_, errs["UpdateItem"] = db.UpdateItem(ctx, &api.UpdateItemInput{TableName: api.Ptr(tblHash), Key: attr.Item{"id": s("a")}, ConditionExpression: cond, ReturnValuesOnConditionCheckFailure: all})
	for op, err := range errs {
		e := apierr.As(err)
		if e == nil || e.Code != apierr.ConditionalCheckFailedException {
			t.Errorf("%s: %v", op, err)
			continue
		}
		if got := txJSON(t, e.Item); got != `{"id":{"S":"a"},"v":{"N":"1"}}` {
			t.Errorf("%s: Item %s", op, got)
		}
	}
}

// txJSON returns v's compact JSON.
func txJSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// BenchmarkTransactWriteItems measures a two-item transfer, the common
// transaction shape.
func BenchmarkTransactWriteItems(b *testing.B) {
	db, _ := newTransactDB(b)
	ctx := context.Background()
	put(b, db, tblHash, attr.Item{"id": s("a"), "v": n("1000000000")})
	put(b, db, tblHash, attr.Item{"id": s("b"), "v": n("0")})
	in := &api.TransactWriteItemsInput{TransactItems: []api.TransactWriteItem{
		{Update: &api.Update{TableName: api.Ptr(tblHash), Key: attr.Item{"id": s("a")},
			UpdateExpression: api.Ptr("SET v = v - :one"), ConditionExpression: api.Ptr("v >= :one"),
			ExpressionAttributeValues: attr.Item{":one": n("1")}}},
		txAdd(tblHash, attr.Item{"id": s("b")}, "1"),
	}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := db.TransactWriteItems(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTransactGetItems measures reading ten items from one snapshot.
func BenchmarkTransactGetItems(b *testing.B) {
	db, _ := newTransactDB(b)
	ctx := context.Background()
	in := &api.TransactGetItemsInput{}
	for i := range 10 {
		id := s(string(rune('a' + i)))
		put(b, db, tblHash, attr.Item{"id": id, "v": n("1")})
		in.TransactItems = append(in.TransactItems, api.TransactGetItem{Get: &api.Get{TableName: api.Ptr(tblHash), Key: attr.Item{"id": id}}})
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := db.TransactGetItems(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}
