package engine

import (
	"context"
	"fmt"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
)

func benchItem(i int) attr.Item {
	return attr.Item{
		"pk":    s(fmt.Sprintf("user#%d", i%10)),
		"sk":    n(fmt.Sprint(i)),
		"name":  s("some name"),
		"count": n("12345"),
		"tags":  {Type: attr.TypeSS, Set: []string{"a", "b", "c"}},
		"blob":  s(str(200, "x")),
	}
}

func BenchmarkPutItem(b *testing.B) {
	db := newItemsDB(b)
	ctx := context.Background()
	in := &api.PutItemInput{TableName: api.Ptr(tblRange)}
	i := 0
	for b.Loop() {
		in.Item = benchItem(i)
		if _, err := db.PutItem(ctx, in); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkGetItem(b *testing.B) {
	db := newItemsDB(b)
	ctx := context.Background()
	const items = 1000
	for i := range items {
		put(b, db, tblRange, benchItem(i))
	}
	in := &api.GetItemInput{TableName: api.Ptr(tblRange)}
	i := 0
	for b.Loop() {
		it := benchItem(i % items)
		in.Key = attr.Item{"pk": it["pk"], "sk": it["sk"]}
		out, err := db.GetItem(ctx, in)
		if err != nil || out.Item == nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkQuery reads one 10-item page of a 100-item partition.
func BenchmarkQuery(b *testing.B) {
	db := newItemsDB(b)
	ctx := context.Background()
	for i := range 1000 {
		put(b, db, tblRange, benchItem(i))
	}
	in := &api.QueryInput{TableName: api.Ptr(tblRange), KeyConditionExpression: api.Ptr("pk = :p AND sk > :a"),
		ExpressionAttributeValues: attr.Item{":p": s("user#7"), ":a": n("100")}, Limit: api.Ptr[int64](10)}
	for b.Loop() {
		out, err := db.Query(ctx, in)
		if err != nil || len(out.Items) != 10 {
			b.Fatal(err)
		}
	}
}

// BenchmarkTableStats counts and sizes a 1000-item table, as DeleteTable's
// answer and DescribeTable's refresh of ItemCount and TableSizeBytes do.
func BenchmarkTableStats(b *testing.B) {
	db := newItemsDB(b)
	ctx := context.Background()
	const items = 1000
	var want int64
	for i := range items {
		it := benchItem(i)
		put(b, db, tblRange, it)
		want += int64(attr.ItemSize(it))
	}
	t := db.lookup(tblRange).table
	b.ReportAllocs()
	for b.Loop() {
		n, size, err := db.tableStats(ctx, t)
		if err != nil || n != items || size != want {
			b.Fatalf("tableStats = %d items, %d bytes, %v; want %d, %d", n, size, err, items, want)
		}
	}
}
