package engine

import (
	"context"
	"fmt"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
)

// fillRange puts partitions "p" and "q" with sort keys -3..9 and one
// partition "r" with sort key 0.
func fillRange(tb testing.TB, db *DB) {
	for _, pk := range []string{"p", "q"} {
		for i := -3; i < 10; i++ {
			put(tb, db, tblRange, attr.Item{"pk": s(pk), "sk": n(fmt.Sprint(i)), "v": s(fmt.Sprintf("%s%d", pk, i))})
		}
	}
	put(tb, db, tblRange, attr.Item{"pk": s("r"), "sk": n("0")})
}

func sortKeys(items []attr.Item) string {
	var out []string
	for _, it := range items {
		out = append(out, it["sk"].S)
	}
	return fmt.Sprint(out)
}

func TestQueryKeyConditions(t *testing.T) {
	db := newItemsDB(t)
	fillRange(t, db)
	ctx := context.Background()
	cases := []struct {
		name    string
		cond    string
		values  attr.Item
		forward bool
		want    string
	}{
		{"partition", "pk = :p", attr.Item{":p": s("p")}, true, "[-3 -2 -1 0 1 2 3 4 5 6 7 8 9]"},
		{"partition backwards", "pk = :p", attr.Item{":p": s("p")}, false, "[9 8 7 6 5 4 3 2 1 0 -1 -2 -3]"},
		{"eq", "pk = :p AND sk = :a", attr.Item{":p": s("p"), ":a": n("2")}, true, "[2]"},
		{"eq other form", "pk = :p AND sk = :a", attr.Item{":p": s("p"), ":a": n("2.0")}, true, "[2]"},
		{"lt", "pk = :p AND sk < :a", attr.Item{":p": s("p"), ":a": n("0")}, true, "[-3 -2 -1]"},
		{"le", "pk = :p AND sk <= :a", attr.Item{":p": s("p"), ":a": n("0")}, true, "[-3 -2 -1 0]"},
		{"gt", "pk = :p AND sk > :a", attr.Item{":p": s("p"), ":a": n("7")}, true, "[8 9]"},
		{"ge", "pk = :p AND sk >= :a", attr.Item{":p": s("p"), ":a": n("7")}, true, "[7 8 9]"},
		{"ge backwards", "pk = :p AND sk >= :a", attr.Item{":p": s("p"), ":a": n("7")}, false, "[9 8 7]"},
		{"between", "pk = :p AND sk BETWEEN :a AND :b", attr.Item{":p": s("p"), ":a": n("-1"), ":b": n("1.5")}, true, "[-1 0 1]"},
		{"between fractional", "pk = :p AND sk BETWEEN :a AND :b", attr.Item{":p": s("p"), ":a": n("-1.5"), ":b": n("-0.5")}, true, "[-1]"},
		{"missing partition", "pk = :p", attr.Item{":p": s("nope")}, true, "[]"},
		{"single item partition", "pk = :p", attr.Item{":p": s("r")}, true, "[0]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := db.Query(ctx, &api.QueryInput{TableName: api.Ptr(tblRange), KeyConditionExpression: api.Ptr(c.cond),
				ExpressionAttributeValues: c.values, ScanIndexForward: api.Ptr(c.forward)})
			checkErr(t, err, "", "")
			if got := sortKeys(out.Items); got != c.want {
				t.Fatalf("got %s, want %s", got, c.want)
			}
			if *out.Count != int64(len(out.Items)) || *out.ScannedCount != *out.Count || out.LastEvaluatedKey != nil {
				t.Fatalf("Count %d ScannedCount %d LEK %v", *out.Count, *out.ScannedCount, out.LastEvaluatedKey)
			}
		})
	}
}

func TestQueryLegacyKeyConditions(t *testing.T) {
	db := newItemsDB(t)
	fillRange(t, db)
	out, err := db.Query(context.Background(), &api.QueryInput{TableName: api.Ptr(tblRange), KeyConditions: map[string]api.Condition{
		"pk": {ComparisonOperator: api.Ptr("EQ"), AttributeValueList: []attr.Value{s("q")}},
		"sk": {ComparisonOperator: api.Ptr("BETWEEN"), AttributeValueList: []attr.Value{n("3"), n("5")}},
	}})
	checkErr(t, err, "", "")
	if got := sortKeys(out.Items); got != "[3 4 5]" {
		t.Fatalf("got %s", got)
	}
}

func TestQueryBeginsWith(t *testing.T) {
	db := newItemsDB(t)
	ctx := context.Background()
	for _, sk := range []string{"a", "ab", "ab\x00", "ab\x00c", "abc", "abd", "ac", "b"} {
		put(t, db, tblStr, attr.Item{"pk": s("p"), "sk": s(sk)})
		put(t, db, tblBin, attr.Item{"pk": b("p"), "sk": b(sk)})
	}
	cases := []struct{ prefix, want string }{
		{"ab", `["ab" "ab\x00" "ab\x00c" "abc" "abd"]`},
		{"ab\x00", `["ab\x00" "ab\x00c"]`},
		{"abc", `["abc"]`},
		{"z", `[]`},
	}
	for _, c := range cases {
		for _, tbl := range []string{tblStr, tblBin} {
			vals := attr.Item{":p": s("p"), ":x": s(c.prefix)}
			if tbl == tblBin {
				vals = attr.Item{":p": b("p"), ":x": b(c.prefix)}
			}
			out, err := db.Query(ctx, &api.QueryInput{TableName: api.Ptr(tbl), KeyConditionExpression: api.Ptr("pk = :p AND begins_with(sk, :x)"),
				ExpressionAttributeValues: vals})
			checkErr(t, err, "", "")
			var got []string
			for _, it := range out.Items {
				if tbl == tblBin {
					got = append(got, string(it["sk"].B))
				} else {
					got = append(got, it["sk"].S)
				}
			}
			if g := fmt.Sprintf("%q", got); g != c.want && !(g == "[]" && c.want == "[]") {
				t.Fatalf("%s begins_with %q: got %s, want %s", tbl, c.prefix, g, c.want)
			}
		}
	}
}

func TestQueryPaging(t *testing.T) {
	db := newItemsDB(t)
	fillRange(t, db)
	ctx := context.Background()
	for _, forward := range []bool{true, false} {
		in := &api.QueryInput{TableName: api.Ptr(tblRange), KeyConditionExpression: api.Ptr("pk = :p AND sk > :a"),
			ExpressionAttributeValues: attr.Item{":p": s("p"), ":a": n("-3")}, Limit: api.Ptr[int64](5),
			ScanIndexForward: api.Ptr(forward)}
		var all []attr.Item
		pages := 0
		for {
			out, err := db.Query(ctx, in)
			checkErr(t, err, "", "")
			pages++
			all = append(all, out.Items...)
			if out.LastEvaluatedKey == nil {
				break
			}
			if len(out.LastEvaluatedKey) != 2 {
				t.Fatalf("LastEvaluatedKey %v is not the table key", out.LastEvaluatedKey)
			}
			in.ExclusiveStartKey = out.LastEvaluatedKey
		}
		want := "[-2 -1 0 1 2 3 4 5 6 7 8 9]"
		if !forward {
			want = "[9 8 7 6 5 4 3 2 1 0 -1 -2]"
		}
		if got := sortKeys(all); got != want || pages != 3 {
			t.Fatalf("forward=%v: %d pages, got %s, want 3 pages, %s", forward, pages, got, want)
		}
	}
}

func TestQueryFilterCountProjection(t *testing.T) {
	db := newItemsDB(t)
	fillRange(t, db)
	ctx := context.Background()
	out, err := db.Query(ctx, &api.QueryInput{TableName: api.Ptr(tblRange), KeyConditionExpression: api.Ptr("pk = :p"),
		FilterExpression: api.Ptr("v = :v"), ExpressionAttributeValues: attr.Item{":p": s("p"), ":v": s("p4")},
		ProjectionExpression: api.Ptr("v")})
	checkErr(t, err, "", "")
	if *out.Count != 1 || *out.ScannedCount != 13 || len(out.Items) != 1 || len(out.Items[0]) != 1 || out.Items[0]["v"].S != "p4" {
		t.Fatalf("filter: Count %d ScannedCount %d Items %v", *out.Count, *out.ScannedCount, out.Items)
	}
	out, err = db.Query(ctx, &api.QueryInput{TableName: api.Ptr(tblRange), KeyConditionExpression: api.Ptr("pk = :p"),
		ExpressionAttributeValues: attr.Item{":p": s("q")}, Select: api.Ptr("COUNT"), ReturnConsumedCapacity: api.Ptr("INDEXES"), ConsistentRead: api.Ptr(true)})
	checkErr(t, err, "", "")
	if *out.Count != 13 || out.Items != nil {
		t.Fatalf("COUNT: Count %d Items %v", *out.Count, out.Items)
	}
	checkCapacity(t, out.ConsumedCapacity, tblRange, 1, true)
}

func TestQueryValidation(t *testing.T) {
	db := newItemsDB(t)
	fillRange(t, db)
	ctx := context.Background()
	const v = apierr.ValidationException
	p := attr.Item{":p": s("p")}
	pa := attr.Item{":p": s("p"), ":a": n("3")}
	cases := []struct {
		name string
		in   api.QueryInput
		code apierr.Code
		msg  string
	}{
		{"no key condition", api.QueryInput{}, v, "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request."},
		{"hash type mismatch", api.QueryInput{KeyConditionExpression: api.Ptr("pk = :p"), ExpressionAttributeValues: attr.Item{":p": n("1")}}, v, "One or more parameter values were invalid: Condition parameter type does not match schema type"},
		{"range type mismatch", api.QueryInput{KeyConditionExpression: api.Ptr("pk = :p AND sk > :a"), ExpressionAttributeValues: attr.Item{":p": s("p"), ":a": s("x")}}, v, "One or more parameter values were invalid: Condition parameter type does not match schema type"},
		{"empty hash value", api.QueryInput{KeyConditionExpression: api.Ptr("pk = :p"), ExpressionAttributeValues: attr.Item{":p": s("")}}, v, "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk"},
		{"count with projection", api.QueryInput{KeyConditionExpression: api.Ptr("pk = :p"), ExpressionAttributeValues: p, Select: api.Ptr("COUNT"), ProjectionExpression: api.Ptr("v")}, v, "1 validation error detected: Cannot specify the ProjectionExpression when choosing to get only the Count"},
		{"specific without projection", api.QueryInput{KeyConditionExpression: api.Ptr("pk = :p"), ExpressionAttributeValues: p, Select: api.Ptr("SPECIFIC_ATTRIBUTES")}, v, "1 validation error detected: Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES"},
		{"all projected without index", api.QueryInput{KeyConditionExpression: api.Ptr("pk = :p"), ExpressionAttributeValues: p, Select: api.Ptr("ALL_PROJECTED_ATTRIBUTES")}, v, "1 validation error detected: ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"},
		{"unknown index", api.QueryInput{KeyConditionExpression: api.Ptr("pk = :p"), ExpressionAttributeValues: p, IndexName: api.Ptr("idx")}, v, "The table does not have the specified index: idx"},
		{"start key wrong size", api.QueryInput{KeyConditionExpression: api.Ptr("pk = :p"), ExpressionAttributeValues: p, ExclusiveStartKey: attr.Item{"pk": s("p")}}, v, "The provided starting key is invalid"},
		{"start key wrong type", api.QueryInput{KeyConditionExpression: api.Ptr("pk = :p"), ExpressionAttributeValues: p, ExclusiveStartKey: attr.Item{"pk": s("p"), "sk": s("1")}}, v, "The provided key element does not match the schema"},
		{"start key other partition", api.QueryInput{KeyConditionExpression: api.Ptr("pk = :p"), ExpressionAttributeValues: p, ExclusiveStartKey: attr.Item{"pk": s("q"), "sk": n("1")}}, v, "The provided starting key is outside query boundaries based on provided conditions"},
		{"start key outside range", api.QueryInput{KeyConditionExpression: api.Ptr("pk = :p AND sk > :a"), ExpressionAttributeValues: pa, ExclusiveStartKey: attr.Item{"pk": s("p"), "sk": n("1")}}, v, "The provided starting key does not match the range key predicate"},
		{"start key in range", api.QueryInput{KeyConditionExpression: api.Ptr("pk = :p AND sk > :a"), ExpressionAttributeValues: pa, ExclusiveStartKey: attr.Item{"pk": s("p"), "sk": n("4")}}, "", ""},
		{"start key in range other partition", api.QueryInput{KeyConditionExpression: api.Ptr("pk = :p AND sk > :a"), ExpressionAttributeValues: pa, ExclusiveStartKey: attr.Item{"pk": s("q"), "sk": n("4")}}, v, "The query can return at most one row and cannot be restarted"},
		{"no table", api.QueryInput{TableName: api.Ptr("no_such_table"), KeyConditionExpression: api.Ptr("pk = :p"), ExpressionAttributeValues: p}, apierr.ResourceNotFoundException, "Requested resource not found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := c.in
			if in.TableName == nil {
				in.TableName = api.Ptr(tblRange)
			}
			_, err := db.Query(ctx, &in)
			checkErr(t, err, c.code, c.msg)
		})
	}
}
