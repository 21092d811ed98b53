package engine

import (
	"context"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/kv"
)

// enableChangeLog turns a table's change log on, as a stream or PITR
// would.
func enableChangeLog(t *testing.T, db *DB, name string, cl changeLogSetting) {
	t.Helper()
	_, err := db.changeCatalog(context.Background(), name, nil, func(_ kv.Txn, rec *tableRecord) (*tableRecord, error) {
		rec.ChangeLog = &cl
		return rec, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func readChanges(t *testing.T, db *DB, tableID uint64) []*changeRecord {
	t.Helper()
	recs, err := db.store.ReadLog(context.Background(), changeLogName(tableID, 0), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []*changeRecord
	for _, r := range recs {
		c, err := decodeChange(r.Value)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// Every change of an item is logged once, in order, with the images the
// setting asks for; writes that change nothing are not.
func TestChangeLogRecordsEveryChange(t *testing.T) {
	db, _ := openRecorded(t, Options{})
	mustCreate(t, db, hashTable("logged", 0))
	enableChangeLog(t, db, "logged", changeLogSetting{Shards: 1, Old: true, New: true})
	ctx := context.Background()
	k := attr.Item{"id": attr.String("a")}
	put := func(v string) {
		if _, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("logged"), Item: attr.Item{"id": attr.String("a"), "v": attr.String(v)}}); err != nil {
			t.Fatal(err)
		}
	}
	put("1")
	put("2")
	put("2") // no change: no record
	if _, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("logged"), Item: attr.Item{"id": attr.String("a"), "v": attr.String("3")},
		ConditionExpression: api.Ptr("v = :x"), ExpressionAttributeValues: attr.Item{":x": attr.String("nope")}}); err == nil {
		t.Fatal("the condition held")
	}
	if _, err := db.DeleteItem(ctx, &api.DeleteItemInput{TableName: api.Ptr("logged"), Key: k}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DeleteItem(ctx, &api.DeleteItemInput{TableName: api.Ptr("logged"), Key: k}); err != nil { // nothing to delete
		t.Fatal(err)
	}
	if _, err := db.TransactWriteItems(ctx, &api.TransactWriteItemsInput{TransactItems: []api.TransactWriteItem{
		{Put: &api.Put{TableName: api.Ptr("logged"), Item: attr.Item{"id": attr.String("b")}}},
		{Put: &api.Put{TableName: api.Ptr("logged"), Item: attr.Item{"id": attr.String("c")}}},
	}}); err != nil {
		t.Fatal(err)
	}
	got := readChanges(t, db, db.lookup("logged").table.ID)
	want := []struct {
		event    int
		from     origin
		old, new string
	}{
		{eventInsert, fromRequest, "", `{"id":{"S":"a"},"v":{"S":"1"}}`},
		{eventModify, fromRequest, `{"id":{"S":"a"},"v":{"S":"1"}}`, `{"id":{"S":"a"},"v":{"S":"2"}}`},
		{eventRemove, fromRequest, `{"id":{"S":"a"},"v":{"S":"2"}}`, ""},
		{eventInsert, fromTransaction, "", `{"id":{"S":"b"}}`},
		{eventInsert, fromTransaction, "", `{"id":{"S":"c"}}`},
	}
	if len(got) != len(want) {
		t.Fatalf("%d records, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Event != w.event || g.Origin != w.from || string(g.Old) != w.old || string(g.New) != w.new {
			t.Errorf("record %d = e%d o%d old %s new %s, want e%d o%d old %s new %s", i, g.Event, g.Origin, g.Old, g.New, w.event, w.from, w.old, w.new)
		}
	}
	if string(got[0].Keys) != `{"id":{"S":"a"}}` {
		t.Errorf("keys %s", got[0].Keys)
	}
}

// Without the images in the setting, records hold the keys alone.
func TestChangeLogKeysOnly(t *testing.T) {
	db, _ := openRecorded(t, Options{})
	mustCreate(t, db, hashTable("keys", 0))
	enableChangeLog(t, db, "keys", changeLogSetting{Shards: 1})
	if _, err := db.PutItem(context.Background(), &api.PutItemInput{TableName: api.Ptr("keys"), Item: attr.Item{"id": attr.String("a"), "v": attr.String("1")}}); err != nil {
		t.Fatal(err)
	}
	got := readChanges(t, db, db.lookup("keys").table.ID)
	if len(got) != 1 || got[0].Old != nil || got[0].New != nil || got[0].Event != eventInsert {
		t.Fatalf("records %+v", got)
	}
}
