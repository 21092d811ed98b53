package engine

import (
	"context"
	"fmt"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
)

func putReq(item attr.Item) api.WriteRequest {
	return api.WriteRequest{PutRequest: &api.PutRequest{Item: item}}
}

func delReq(key attr.Item) api.WriteRequest {
	return api.WriteRequest{DeleteRequest: &api.DeleteRequest{Key: key}}
}

func TestBatchWriteAndGet(t *testing.T) {
	db := newItemsDB(t)
	ctx := context.Background()
	var hashReqs, rangeReqs []api.WriteRequest
	for i := range 20 {
		hashReqs = append(hashReqs, putReq(attr.Item{"id": s(fmt.Sprint(i)), "b": s(str(1500, "b"))}))
	}
	for i := range 5 {
		rangeReqs = append(rangeReqs, putReq(attr.Item{"pk": s("p"), "sk": n(fmt.Sprint(i))}))
	}
	out, err := db.BatchWriteItem(ctx, &api.BatchWriteItemInput{
		RequestItems:           map[string][]api.WriteRequest{tblHash: hashReqs, tblRange: rangeReqs},
		ReturnConsumedCapacity: api.Ptr("TOTAL"),
	})
	checkErr(t, err, "", "")
	if out.UnprocessedItems == nil || len(out.UnprocessedItems) != 0 {
		t.Fatalf("UnprocessedItems = %v, want present and empty", out.UnprocessedItems)
	}
	units := map[string]float64{}
	for _, c := range out.ConsumedCapacity {
		units[api.Str(c.TableName)] = *c.CapacityUnits
	}
	if units[tblHash] != 40 || units[tblRange] != 5 || len(units) != 2 {
		t.Fatalf("ConsumedCapacity %v, want %s 40 and %s 5", units, tblHash, tblRange)
	}

	var keys []attr.Item
	for i := range 20 {
		keys = append(keys, attr.Item{"id": s(fmt.Sprint(i))})
	}
	keys = append(keys, attr.Item{"id": s("missing")})
	g, err := db.BatchGetItem(ctx, &api.BatchGetItemInput{
		RequestItems: map[string]api.KeysAndAttributes{
			tblHash:  {Keys: keys, ProjectionExpression: api.Ptr("id")},
			tblRange: {Keys: []attr.Item{{"pk": s("p"), "sk": n("3")}}, ConsistentRead: api.Ptr(true)},
		},
		ReturnConsumedCapacity: api.Ptr("INDEXES"),
	})
	checkErr(t, err, "", "")
	if len(g.Responses[tblHash]) != 20 || len(g.Responses[tblRange]) != 1 || len(g.UnprocessedKeys) != 0 || g.UnprocessedKeys == nil {
		t.Fatalf("BatchGetItem: %d and %d items, unprocessed %v", len(g.Responses[tblHash]), len(g.Responses[tblRange]), g.UnprocessedKeys)
	}
	for _, it := range g.Responses[tblHash] {
		if len(it) != 1 {
			t.Fatalf("projection not applied: %v", it)
		}
	}
	for _, c := range g.ConsumedCapacity {
		want := map[string]float64{tblHash: 21 * 0.5, tblRange: 1}[api.Str(c.TableName)]
		if *c.CapacityUnits != want || c.Table == nil || *c.Table.CapacityUnits != want {
			t.Fatalf("BatchGetItem capacity of %s: %+v, want %v", api.Str(c.TableName), c, want)
		}
	}

	// Deletes, mixed with a put.
	_, err = db.BatchWriteItem(ctx, &api.BatchWriteItemInput{RequestItems: map[string][]api.WriteRequest{
		tblHash: {delReq(attr.Item{"id": s("0")}), delReq(attr.Item{"id": s("nope")}), putReq(attr.Item{"id": s("new")})},
	}})
	checkErr(t, err, "", "")
	if get(t, db, tblHash, attr.Item{"id": s("0")}) != nil || get(t, db, tblHash, attr.Item{"id": s("new")}) == nil {
		t.Fatal("batch delete/put not applied")
	}
}

func TestBatchGetUnprocessed(t *testing.T) {
	db := newItemsDB(t)
	ctx := context.Background()
	// 50 items of ~390 KB: 16 MB holds 42 of them.
	var keys []attr.Item
	for i := range 50 {
		id := fmt.Sprintf("k%02d", i)
		put(t, db, tblHash, attr.Item{"id": s(id), "b": s(str(390*1024, "b"))})
		keys = append(keys, attr.Item{"id": s(id)})
	}
	g, err := db.BatchGetItem(ctx, &api.BatchGetItemInput{RequestItems: map[string]api.KeysAndAttributes{
		tblHash: {Keys: keys, ConsistentRead: api.Ptr(true)},
	}})
	checkErr(t, err, "", "")
	got, un := len(g.Responses[tblHash]), len(g.UnprocessedKeys[tblHash].Keys)
	if got+un != 50 || un == 0 || got < 40 {
		t.Fatalf("got %d items and %d unprocessed keys", got, un)
	}
	if !api.Bool(g.UnprocessedKeys[tblHash].ConsistentRead) {
		t.Fatal("UnprocessedKeys lost ConsistentRead")
	}
}

func TestBatchValidation(t *testing.T) {
	db := newItemsDB(t)
	ctx := context.Background()
	const v = apierr.ValidationException
	var many []api.WriteRequest
	for i := range 26 {
		many = append(many, putReq(attr.Item{"id": s(fmt.Sprint(i))}))
	}
	writes := []struct {
		name string
		reqs map[string][]api.WriteRequest
		code apierr.Code
		msg  string
	}{
		{"too many", map[string][]api.WriteRequest{tblHash: many[:13], tblNum: many[13:]}, v, "Too many items requested for the BatchWriteItem call"},
		{"empty request", map[string][]api.WriteRequest{tblHash: {{}}}, v, "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"},
		{"put and delete", map[string][]api.WriteRequest{tblHash: {{PutRequest: &api.PutRequest{Item: attr.Item{"id": s("a")}}, DeleteRequest: &api.DeleteRequest{Key: attr.Item{"id": s("a")}}}}}, v, "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"},
		{"duplicate put delete", map[string][]api.WriteRequest{tblHash: {putReq(attr.Item{"id": s("a")}), delReq(attr.Item{"id": s("a")})}}, v, "Provided list of item keys contains duplicates"},
		{"duplicate numbers", map[string][]api.WriteRequest{tblNum: {putReq(attr.Item{"id": n("1")}), putReq(attr.Item{"id": n("1.00")})}}, v, "Provided list of item keys contains duplicates"},
		{"put missing key", map[string][]api.WriteRequest{tblHash: {putReq(attr.Item{"x": s("a")})}}, v, "The provided key element does not match the schema"},
		{"put wrong key type", map[string][]api.WriteRequest{tblHash: {putReq(attr.Item{"id": n("1")})}}, v, "The provided key element does not match the schema"},
		{"put hash too big", map[string][]api.WriteRequest{tblHash: {putReq(attr.Item{"id": s(str(2049, "a"))})}}, v, "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes"},
		{"put item too big", map[string][]api.WriteRequest{"no_such_table": {putReq(attr.Item{"id": s("a"), "b": s(str(400*1024, "b"))})}}, v, "Item size has exceeded the maximum allowed size"},
		{"delete bad key", map[string][]api.WriteRequest{tblRange: {delReq(attr.Item{"pk": s("a")})}}, v, "The provided key element does not match the schema"},
		{"no table", map[string][]api.WriteRequest{"no_such_table": {putReq(attr.Item{"id": s("a")})}}, apierr.ResourceNotFoundException, "Requested resource not found"},
	}
	for _, c := range writes {
		t.Run("write "+c.name, func(t *testing.T) {
			_, err := db.BatchWriteItem(ctx, &api.BatchWriteItemInput{RequestItems: c.reqs})
			checkErr(t, err, c.code, c.msg)
		})
	}
	// Nothing of a refused batch is written.
	if get(t, db, tblHash, attr.Item{"id": s("0")}) != nil {
		t.Fatal("a refused batch wrote an item")
	}

	var keys []attr.Item
	for i := range 101 {
		keys = append(keys, attr.Item{"id": s(fmt.Sprint(i))})
	}
	gets := []struct {
		name string
		reqs map[string]api.KeysAndAttributes
		code apierr.Code
		msg  string
	}{
		{"too many", map[string]api.KeysAndAttributes{tblHash: {Keys: keys[:60]}, tblStr: {Keys: keys[60:]}}, v, "Too many items requested for the BatchGetItem call"},
		{"duplicates", map[string]api.KeysAndAttributes{tblHash: {Keys: []attr.Item{{"id": s("a")}, {"id": s("a")}}}}, v, "Provided list of item keys contains duplicates"},
		{"bad key", map[string]api.KeysAndAttributes{tblHash: {Keys: []attr.Item{{"id": n("1")}}}}, v, "The provided key element does not match the schema"},
		{"no table", map[string]api.KeysAndAttributes{"no_such_table": {Keys: []attr.Item{{"id": s("a")}}}}, apierr.ResourceNotFoundException, "Requested resource not found"},
		{"100 keys", map[string]api.KeysAndAttributes{tblHash: {Keys: keys[:100]}}, "", ""},
	}
	for _, c := range gets {
		t.Run("get "+c.name, func(t *testing.T) {
			_, err := db.BatchGetItem(ctx, &api.BatchGetItemInput{RequestItems: c.reqs})
			checkErr(t, err, c.code, c.msg)
		})
	}
}
