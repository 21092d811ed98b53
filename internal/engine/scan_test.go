package engine

import (
	"context"
	"fmt"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
)

// fillHash puts n items id=i0..i<n-1> with a payload of pad bytes.
func fillHash(tb testing.TB, db *DB, count, pad int) {
	for i := range count {
		put(tb, db, tblHash, attr.Item{"id": s(fmt.Sprintf("i%d", i)), "pad": s(str(pad, "p"))})
	}
}

// scanAll pages through a scan and returns the ids seen, in order.
func scanAll(tb testing.TB, db *DB, in api.ScanInput) (ids []string, pages int) {
	tb.Helper()
	for {
		out, err := db.Scan(context.Background(), &in)
		checkErr(tb, err, "", "")
		pages++
		for _, it := range out.Items {
			ids = append(ids, it["id"].S)
		}
		if int64(len(out.Items)) != *out.Count {
			tb.Fatalf("Count %d but %d items", *out.Count, len(out.Items))
		}
		if out.LastEvaluatedKey == nil {
			return ids, pages
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
		if pages > 1000 {
			tb.Fatal("scan does not end")
		}
	}
}

func TestScanPaging(t *testing.T) {
	db := newItemsDB(t)
	fillHash(t, db, 50, 10)
	all, pages := scanAll(t, db, api.ScanInput{TableName: api.Ptr(tblHash)})
	if len(all) != 50 || pages != 1 {
		t.Fatalf("full scan: %d items in %d pages, want 50 in 1", len(all), pages)
	}
	paged, pages := scanAll(t, db, api.ScanInput{TableName: api.Ptr(tblHash), Limit: api.Ptr[int64](7)})
	// 50 = 7·7 + 1: the 8th page has one item; Limit is reached on 7 pages.
	if fmt.Sprint(paged) != fmt.Sprint(all) || pages != 8 {
		t.Fatalf("paged scan: %d pages, order %v, want 8 pages, order %v", pages, paged, all)
	}
	// Limit equal to what is left still returns a LastEvaluatedKey, as
	// DynamoDB does; the next page is empty.
	_, pages = scanAll(t, db, api.ScanInput{TableName: api.Ptr(tblHash), Limit: api.Ptr[int64](50)})
	if pages != 2 {
		t.Fatalf("Limit 50 over 50 items took %d pages, want 2", pages)
	}
}

func TestScanOneMegabytePage(t *testing.T) {
	db := newItemsDB(t)
	// 30 items of ~100 KB: a page stops once 1 MB has been read.
	fillHash(t, db, 30, 100*1024)
	out, err := db.Scan(context.Background(), &api.ScanInput{TableName: api.Ptr(tblHash), ReturnConsumedCapacity: api.Ptr("TOTAL")})
	checkErr(t, err, "", "")
	if *out.ScannedCount != 11 || out.LastEvaluatedKey == nil {
		t.Fatalf("first page scanned %d items (LEK %v), want 11 and a LastEvaluatedKey", *out.ScannedCount, out.LastEvaluatedKey)
	}
	all, pages := scanAll(t, db, api.ScanInput{TableName: api.Ptr(tblHash), Select: api.Ptr("ALL_ATTRIBUTES")})
	if len(all) != 30 || pages != 3 {
		t.Fatalf("got %d items in %d pages, want 30 in 3", len(all), pages)
	}
	// Capacity: the sum of the sizes read, rounded up once, halved.
	size := 0
	for i := range 11 {
		size += attr.ItemSize(attr.Item{"id": s(fmt.Sprintf("i%d", i)), "pad": s(str(100*1024, "p"))})
	}
	want := float64((size+4095)/4096) / 2
	checkCapacity(t, out.ConsumedCapacity, tblHash, want, false)
}

func TestParallelScan(t *testing.T) {
	db := newItemsDB(t)
	fillHash(t, db, 200, 1)
	for _, total := range []int64{1, 2, 3, 8} {
		seen := map[string]int{}
		nonEmpty := 0
		for seg := range total {
			ids, _ := scanAll(t, db, api.ScanInput{TableName: api.Ptr(tblHash), Segment: api.Ptr(seg), TotalSegments: api.Ptr(total), Limit: api.Ptr[int64](9)})
			for _, id := range ids {
				seen[id]++
			}
			if len(ids) > 0 {
				nonEmpty++
			}
		}
		if len(seen) != 200 {
			t.Fatalf("TotalSegments %d: saw %d distinct items, want 200", total, len(seen))
		}
		for id, c := range seen {
			if c != 1 {
				t.Fatalf("TotalSegments %d: item %s seen %d times", total, id, c)
			}
		}
		if nonEmpty != int(total) {
			t.Fatalf("TotalSegments %d: only %d segments had items", total, nonEmpty)
		}
	}
}

func TestScanValidation(t *testing.T) {
	db := newItemsDB(t)
	fillHash(t, db, 20, 1)
	ctx := context.Background()
	// A key from segment 0 of 2, to use with segment 1.
	first, err := db.Scan(ctx, &api.ScanInput{TableName: api.Ptr(tblHash), Segment: api.Ptr[int64](0), TotalSegments: api.Ptr[int64](2), Limit: api.Ptr[int64](1)})
	checkErr(t, err, "", "")
	seg0Key := first.LastEvaluatedKey
	const v = apierr.ValidationException
	cases := []struct {
		name string
		in   api.ScanInput
		code apierr.Code
		msg  string
	}{
		{"segment without total", api.ScanInput{Segment: api.Ptr[int64](1)}, v, "The TotalSegments parameter is required but was not present in the request when Segment parameter is present"},
		{"total without segment", api.ScanInput{TotalSegments: api.Ptr[int64](2)}, v, "The Segment parameter is required but was not present in the request when parameter TotalSegments is present"},
		{"segment too big", api.ScanInput{Segment: api.Ptr[int64](2), TotalSegments: api.Ptr[int64](2)}, v, "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 2 is not less than TotalSegments: 2"},
		{"wrong segment start key", api.ScanInput{Segment: api.Ptr[int64](1), TotalSegments: api.Ptr[int64](2), ExclusiveStartKey: seg0Key}, v, "The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct Segment. TotalSegments: 2 Segment: 1"},
		{"right segment start key", api.ScanInput{Segment: api.Ptr[int64](0), TotalSegments: api.Ptr[int64](2), ExclusiveStartKey: seg0Key}, "", ""},
		{"start key extra attribute", api.ScanInput{ExclusiveStartKey: attr.Item{"id": s("a"), "x": s("b")}}, v, "The provided starting key is invalid: The provided key element does not match the schema"},
		{"start key wrong type", api.ScanInput{ExclusiveStartKey: attr.Item{"id": n("1")}}, v, "The provided starting key is invalid: The provided key element does not match the schema"},
		{"start key empty string", api.ScanInput{ExclusiveStartKey: attr.Item{"id": s("")}}, v, "The provided starting key is invalid: One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: id"},
		{"count with projection", api.ScanInput{Select: api.Ptr("COUNT"), ProjectionExpression: api.Ptr("id")}, v, "Cannot specify the ProjectionExpression when choosing to get only the Count"},
		{"all with attributes to get", api.ScanInput{Select: api.Ptr("ALL_ATTRIBUTES"), AttributesToGet: []string{"id"}}, v, "Cannot specify the AttributesToGet when choosing to get ALL_ATTRIBUTES"},
		{"specific without projection", api.ScanInput{Select: api.Ptr("SPECIFIC_ATTRIBUTES")}, v, "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES"},
		{"all projected without index", api.ScanInput{Select: api.Ptr("ALL_PROJECTED_ATTRIBUTES")}, v, "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"},
		{"unknown index", api.ScanInput{IndexName: api.Ptr("idx")}, v, "The table does not have the specified index: idx"},
		{"limit zero", api.ScanInput{Limit: api.Ptr[int64](0)}, v, "1 validation error detected: Value at 'Limit' failed to satisfy constraint: Member must have value greater than or equal to 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := c.in
			in.TableName = api.Ptr(tblHash)
			_, err := db.Scan(ctx, &in)
			checkErr(t, err, c.code, c.msg)
		})
	}
}

func TestScanCountAndFilter(t *testing.T) {
	db := newItemsDB(t)
	ctx := context.Background()
	for i := range 10 {
		put(t, db, tblHash, attr.Item{"id": s(fmt.Sprintf("i%d", i)), "even": attr.Bool(i%2 == 0)})
	}
	out, err := db.Scan(ctx, &api.ScanInput{TableName: api.Ptr(tblHash), Select: api.Ptr("COUNT")})
	checkErr(t, err, "", "")
	if *out.Count != 10 || *out.ScannedCount != 10 || out.Items != nil {
		t.Fatalf("COUNT: Count %d ScannedCount %d Items %v", *out.Count, *out.ScannedCount, out.Items)
	}
	// The filter applies after Limit: 4 read, about half kept.
	out, err = db.Scan(ctx, &api.ScanInput{TableName: api.Ptr(tblHash), Limit: api.Ptr[int64](4),
		FilterExpression: api.Ptr("even = :t"), ExpressionAttributeValues: attr.Item{":t": attr.Bool(true)}})
	checkErr(t, err, "", "")
	if *out.ScannedCount != 4 || *out.Count != int64(len(out.Items)) || out.LastEvaluatedKey == nil {
		t.Fatalf("filter after limit: ScannedCount %d Count %d LEK %v", *out.ScannedCount, *out.Count, out.LastEvaluatedKey)
	}
	for _, it := range out.Items {
		if !it["even"].Bool {
			t.Fatalf("filtered scan returned %v", it)
		}
	}
	// Projection.
	out, err = db.Scan(ctx, &api.ScanInput{TableName: api.Ptr(tblHash), ProjectionExpression: api.Ptr("even")})
	checkErr(t, err, "", "")
	for _, it := range out.Items {
		if _, ok := it["id"]; ok || len(it) != 1 {
			t.Fatalf("projected scan returned %v", it)
		}
	}
}
