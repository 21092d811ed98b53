package engine

import (
	"context"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
)

func TestPutGetDelete(t *testing.T) {
	db := newItemsDB(t)
	ctx := context.Background()
	item := attr.Item{"id": s("a"), "n": n("1.50"), "b": b("xy"), "l": {Type: attr.TypeL, L: []attr.Value{s("x"), attr.Null()}}}
	out, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr(tblHash), Item: item, ReturnValues: api.Ptr("ALL_OLD")})
	checkErr(t, err, "", "")
	if out.Attributes != nil {
		t.Fatalf("ALL_OLD of a new item: got %v, want none", out.Attributes)
	}
	if got := get(t, db, tblHash, attr.Item{"id": s("a")}); !attr.ItemsEqual(got, item) {
		t.Fatalf("GetItem: got %v, want %v", got, item)
	}

	// Replace, returning the old item.
	item2 := attr.Item{"id": s("a"), "v": s("2")}
	out, err = db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr(tblHash), Item: item2, ReturnValues: api.Ptr("ALL_OLD")})
	checkErr(t, err, "", "")
	if !attr.ItemsEqual(out.Attributes, item) {
		t.Fatalf("ALL_OLD: got %v, want %v", out.Attributes, item)
	}
	if got := get(t, db, tblHash, attr.Item{"id": s("a")}); !attr.ItemsEqual(got, item2) {
		t.Fatalf("GetItem after replace: got %v, want %v", got, item2)
	}

	// Numbers in keys compare by value: 1.0 and 1 are the same key.
	put(t, db, tblNum, attr.Item{"id": n("1.0"), "v": s("x")})
	if got := get(t, db, tblNum, attr.Item{"id": n("1")}); got == nil {
		t.Fatal("GetItem of N key 1 after putting 1.0: not found")
	}

	// Delete returns the old item; a second delete finds nothing.
	dout, err := db.DeleteItem(ctx, &api.DeleteItemInput{TableName: api.Ptr(tblHash), Key: attr.Item{"id": s("a")}, ReturnValues: api.Ptr("ALL_OLD")})
	checkErr(t, err, "", "")
	if !attr.ItemsEqual(dout.Attributes, item2) {
		t.Fatalf("DeleteItem ALL_OLD: got %v, want %v", dout.Attributes, item2)
	}
	if got := get(t, db, tblHash, attr.Item{"id": s("a")}); got != nil {
		t.Fatalf("GetItem after delete: got %v", got)
	}
	dout, err = db.DeleteItem(ctx, &api.DeleteItemInput{TableName: api.Ptr(tblHash), Key: attr.Item{"id": s("a")}, ReturnValues: api.Ptr("ALL_OLD")})
	checkErr(t, err, "", "")
	if dout.Attributes != nil {
		t.Fatalf("DeleteItem of a missing item returned %v", dout.Attributes)
	}
	_, err = db.DeleteItem(ctx, &api.DeleteItemInput{TableName: api.Ptr(tblHash), Key: attr.Item{"id": s("a")}, ReturnValues: api.Ptr("ALL_NEW")})
	checkErr(t, err, apierr.ValidationException, "ReturnValues can only be ALL_OLD or NONE")
}

func TestUpdateItemWithoutUpdateCreatesKey(t *testing.T) {
	db := newItemsDB(t)
	ctx := context.Background()
	key := attr.Item{"pk": s("p"), "sk": n("7")}
	out, err := db.UpdateItem(ctx, &api.UpdateItemInput{TableName: api.Ptr(tblRange), Key: key, ReturnValues: api.Ptr("ALL_NEW")})
	checkErr(t, err, "", "")
	if !attr.ItemsEqual(out.Attributes, key) {
		t.Fatalf("ALL_NEW: got %v, want %v", out.Attributes, key)
	}
	if got := get(t, db, tblRange, key); !attr.ItemsEqual(got, key) {
		t.Fatalf("GetItem: got %v, want %v", got, key)
	}
	_, err = db.UpdateItem(ctx, &api.UpdateItemInput{TableName: api.Ptr(tblRange), Key: key, ReturnValues: api.Ptr("SOME")})
	checkErr(t, err, apierr.ValidationException, "1 validation error detected: Value 'SOME' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]")
}

func TestConsumedCapacitySingleItem(t *testing.T) {
	db := newItemsDB(t)
	ctx := context.Background()
	// 2 + 1 + 1 + 2000 bytes: two write units, one read unit.
	item := attr.Item{"id": s("a"), "b": s(str(2000, "b"))}
	cases := []struct {
		rcc       string
		wantTable bool
	}{{"TOTAL", false}, {"INDEXES", true}}
	for _, c := range cases {
		out, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr(tblHash), Item: item, ReturnConsumedCapacity: api.Ptr(c.rcc)})
		checkErr(t, err, "", "")
		checkCapacity(t, out.ConsumedCapacity, tblHash, 2, c.wantTable)

		g, err := db.GetItem(ctx, &api.GetItemInput{TableName: api.Ptr(tblHash), Key: attr.Item{"id": s("a")}, ReturnConsumedCapacity: api.Ptr(c.rcc)})
		checkErr(t, err, "", "")
		checkCapacity(t, g.ConsumedCapacity, tblHash, 0.5, c.wantTable)

		g, err = db.GetItem(ctx, &api.GetItemInput{TableName: api.Ptr(tblHash), Key: attr.Item{"id": s("zz")}, ConsistentRead: api.Ptr(true), ReturnConsumedCapacity: api.Ptr(c.rcc)})
		checkErr(t, err, "", "")
		checkCapacity(t, g.ConsumedCapacity, tblHash, 1, c.wantTable)

		// Replacing a 2 KB item by a small one still costs the old size.
		out, err = db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr(tblHash), Item: attr.Item{"id": s("a")}, ReturnConsumedCapacity: api.Ptr(c.rcc)})
		checkErr(t, err, "", "")
		checkCapacity(t, out.ConsumedCapacity, tblHash, 2, c.wantTable)

		d, err := db.DeleteItem(ctx, &api.DeleteItemInput{TableName: api.Ptr(tblHash), Key: attr.Item{"id": s("a")}, ReturnConsumedCapacity: api.Ptr(c.rcc)})
		checkErr(t, err, "", "")
		checkCapacity(t, d.ConsumedCapacity, tblHash, 1, c.wantTable)
	}
	out, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr(tblHash), Item: item, ReturnConsumedCapacity: api.Ptr("NONE")})
	checkErr(t, err, "", "")
	if out.ConsumedCapacity != nil {
		t.Fatalf("NONE: got ConsumedCapacity %+v", out.ConsumedCapacity)
	}
}

func checkCapacity(tb testing.TB, c *api.ConsumedCapacity, table string, units float64, wantTable bool) {
	tb.Helper()
	if c == nil {
		tb.Fatal("no ConsumedCapacity")
	}
	if api.Str(c.TableName) != table || c.CapacityUnits == nil || *c.CapacityUnits != units {
		tb.Fatalf("ConsumedCapacity %s %v, want %s %v", api.Str(c.TableName), c.CapacityUnits, table, units)
	}
	if c.ReadCapacityUnits != nil || c.WriteCapacityUnits != nil {
		tb.Fatal("single-item ConsumedCapacity must not split read and write units")
	}
	if wantTable != (c.Table != nil) || (wantTable && *c.Table.CapacityUnits != units) {
		tb.Fatalf("ConsumedCapacity.Table = %+v, want present=%v units %v", c.Table, wantTable, units)
	}
}

func TestCapacityArithmetic(t *testing.T) {
	cases := []struct {
		size       int
		write      float64
		read, half float64
	}{
		{0, 1, 1, 0.5},
		{1, 1, 1, 0.5},
		{1024, 1, 1, 0.5},
		{1025, 2, 1, 0.5},
		{4096, 4, 1, 0.5},
		{4097, 5, 2, 1},
		{400 * 1024, 400, 100, 50},
	}
	for _, c := range cases {
		if got := writeUnits(c.size); got != c.write {
			t.Errorf("writeUnits(%d) = %v, want %v", c.size, got, c.write)
		}
		if got := readUnits(c.size, true); got != c.read {
			t.Errorf("readUnits(%d, consistent) = %v, want %v", c.size, got, c.read)
		}
		if got := readUnits(c.size, false); got != c.half {
			t.Errorf("readUnits(%d, eventual) = %v, want %v", c.size, got, c.half)
		}
	}
}
