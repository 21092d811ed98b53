package engine

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
)

// decodeRaw turns a pass-through output's items back into attr.Items.
func decodeRaw(t *testing.T, items []attr.Item, raw *api.RawItems) []attr.Item {
	t.Helper()
	if len(raw.Items) == 0 {
		return items
	}
	if len(raw.Items) != len(items) {
		t.Fatalf("%d raw items for %d placeholders", len(raw.Items), len(items))
	}
	out := make([]attr.Item, len(items))
	for i, b := range raw.Items {
		if items[i] != nil {
			t.Fatalf("item %d: placeholder is %v, want nil", i, items[i])
		}
		it, err := attr.DecodeItemJSON(b)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = it
	}
	return out
}

// TestRawPassThrough checks that a read under api.WithRawItems answers
// exactly what the decoded read answers: items, counts, LastEvaluatedKey
// and consumed capacity; and that only reads needing no decoded item pass
// bytes through.
func TestRawPassThrough(t *testing.T) {
	db := newItemsDB(t)
	for i := range 60 {
		put(t, db, tblRange, benchItem(i))
	}
	total := api.Ptr("TOTAL")
	queries := []struct {
		name    string
		in      api.QueryInput
		rawUsed bool
	}{
		{"page", api.QueryInput{KeyConditionExpression: api.Ptr("pk = :p"), Limit: api.Ptr[int64](3)}, true},
		{"all", api.QueryInput{KeyConditionExpression: api.Ptr("pk = :p")}, true},
		{"reverse", api.QueryInput{KeyConditionExpression: api.Ptr("pk = :p"), ScanIndexForward: api.Ptr(false), Limit: api.Ptr[int64](2)}, true},
		{"count", api.QueryInput{KeyConditionExpression: api.Ptr("pk = :p"), Select: api.Ptr("COUNT"), Limit: api.Ptr[int64](4)}, false},
		{"projection", api.QueryInput{KeyConditionExpression: api.Ptr("pk = :p"), ProjectionExpression: api.Ptr("sk")}, false},
		{"filter", api.QueryInput{KeyConditionExpression: api.Ptr("pk = :p"), FilterExpression: api.Ptr("attribute_exists(tags)"), Limit: api.Ptr[int64](4)}, false},
	}
	for _, tc := range queries {
		t.Run("Query/"+tc.name, func(t *testing.T) {
			in := tc.in
			in.TableName = api.Ptr(tblRange)
			in.ReturnConsumedCapacity = total
			in.ExpressionAttributeValues = attr.Item{":p": s("user#3")}
			want, err := db.Query(context.Background(), &in)
			if err != nil {
				t.Fatal(err)
			}
			raw := &api.RawItems{}
			got, err := db.Query(api.WithRawItems(context.Background(), raw), &in)
			if err != nil {
				t.Fatal(err)
			}
			if used := len(raw.Items) > 0; used != tc.rawUsed {
				t.Fatalf("raw items used = %v, want %v", used, tc.rawUsed)
			}
			got.Items = decodeRaw(t, got.Items, raw)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("pass-through output differs:\n got %+v\nwant %+v", got, want)
			}
		})
	}
	for _, limit := range []int64{7, 100} {
		in := &api.ScanInput{TableName: api.Ptr(tblRange), Limit: api.Ptr(limit), ReturnConsumedCapacity: total}
		want, err := db.Scan(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		raw := &api.RawItems{}
		got, err := db.Scan(api.WithRawItems(context.Background(), raw), in)
		if err != nil {
			t.Fatal(err)
		}
		if len(raw.Items) == 0 {
			t.Fatal("Scan did not pass items through")
		}
		got.Items = decodeRaw(t, got.Items, raw)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Scan Limit %d: pass-through output differs:\n got %+v\nwant %+v", limit, got, want)
		}
	}
	for _, key := range []attr.Item{{"pk": s("user#3"), "sk": n("13")}, {"pk": s("nobody"), "sk": n("1")}} {
		in := &api.GetItemInput{TableName: api.Ptr(tblRange), Key: key, ReturnConsumedCapacity: total}
		want, err := db.GetItem(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		raw := &api.RawItems{}
		got, err := db.GetItem(api.WithRawItems(context.Background(), raw), in)
		if err != nil {
			t.Fatal(err)
		}
		if (raw.Item != nil) != (want.Item != nil) {
			t.Fatalf("GetItem %v: raw item %q for item %v", key, raw.Item, want.Item)
		}
		if raw.Item != nil {
			if len(got.Item) != 0 || got.Item == nil {
				t.Fatalf("GetItem placeholder = %v, want empty non-nil", got.Item)
			}
			if got.Item, err = attr.DecodeItemJSON(raw.Item); err != nil {
				t.Fatal(err)
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("GetItem %v: pass-through output differs:\n got %+v\nwant %+v", key, got, want)
		}
	}
}

// BenchmarkQueryRaw is BenchmarkQuery for a caller taking raw items, as
// the wire layer does.
func BenchmarkQueryRaw(b *testing.B) {
	db := newItemsDB(b)
	for i := range 1000 {
		put(b, db, tblRange, benchItem(i))
	}
	in := &api.QueryInput{TableName: api.Ptr(tblRange), KeyConditionExpression: api.Ptr("pk = :p AND sk > :a"),
		ExpressionAttributeValues: attr.Item{":p": s("user#7"), ":a": n("100")}, Limit: api.Ptr[int64](10)}
	for b.Loop() {
		raw := &api.RawItems{}
		out, err := db.Query(api.WithRawItems(context.Background(), raw), in)
		if err != nil || len(out.Items) != 10 || len(raw.Items) != 10 {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetItemRaw is BenchmarkGetItem for a caller taking raw items.
func BenchmarkGetItemRaw(b *testing.B) {
	db := newItemsDB(b)
	const items = 1000
	for i := range items {
		put(b, db, tblRange, benchItem(i))
	}
	in := &api.GetItemInput{TableName: api.Ptr(tblRange)}
	i := 0
	for b.Loop() {
		it := benchItem(i % items)
		in.Key = attr.Item{"pk": it["pk"], "sk": it["sk"]}
		raw := &api.RawItems{}
		out, err := db.GetItem(api.WithRawItems(context.Background(), raw), in)
		if err != nil || out.Item == nil || raw.Item == nil {
			b.Fatal(err)
		}
		i++
	}
}

// TestCountPassThroughLastKey checks that a Select COUNT page, which
// measures items without decoding them, still answers the
// LastEvaluatedKey a decoded page answers: the index's key shape on a GSI,
// the table's on the base table.
func TestCountPassThroughLastKey(t *testing.T) {
	needExpr(t)
	db := newMusicDB(t)
	for i := 1; i <= 9; i++ {
		put(t, db, "Music", song("The Beatles", fmt.Sprintf("Song %d", i), "Rock", 1960+i, "Album"))
	}
	for _, index := range []*string{api.Ptr("GenreYearIndex"), nil} {
		in := &api.QueryInput{TableName: api.Ptr("Music"), IndexName: index, Limit: api.Ptr[int64](4),
			KeyConditionExpression:    api.Ptr("Genre = :g"),
			ExpressionAttributeValues: attr.Item{":g": s("Rock")}}
		if index == nil {
			in.KeyConditionExpression = api.Ptr("Artist = :g")
			in.ExpressionAttributeValues = attr.Item{":g": s("The Beatles")}
		}
		all, err := db.Query(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		in.Select = api.Ptr("COUNT")
		count, err := db.Query(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		if all.LastEvaluatedKey == nil || !reflect.DeepEqual(count.LastEvaluatedKey, all.LastEvaluatedKey) {
			t.Errorf("index %v: COUNT LastEvaluatedKey = %v, want %v", api.Str(index), count.LastEvaluatedKey, all.LastEvaluatedKey)
		}
		if api.Int(count.Count, -1) != 4 || count.Items != nil {
			t.Errorf("index %v: COUNT page = %+v", api.Str(index), count)
		}
	}
}
