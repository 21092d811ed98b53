package integration

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// nativeQuery runs a Query with key condition kc and values vals, and
// returns its items, every page.
func nativeQuery(t *testing.T, c *dynamodb.Client, table, kc string, forward bool, vals item) []item {
	t.Helper()
	var out []item
	in := &dynamodb.QueryInput{TableName: aws.String(table), KeyConditionExpression: aws.String(kc),
		ExpressionAttributeValues: vals, ScanIndexForward: aws.Bool(forward)}
	for {
		q, err := c.Query(context.Background(), in)
		if err != nil {
			t.Fatalf("Query %s: %v", kc, err)
		}
		out = append(out, q.Items...)
		if in.ExclusiveStartKey = q.LastEvaluatedKey; in.ExclusiveStartKey == nil {
			return out
		}
	}
}

// nativeScan runs a Scan with filter f and returns its items as "pk/sk"
// sorted, for comparing sets.
func nativeScan(t *testing.T, c *dynamodb.Client, table, f string, vals item) string {
	t.Helper()
	s, err := c.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(table), FilterExpression: aws.String(f),
		ExpressionAttributeValues: vals, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatalf("Scan %s: %v", f, err)
	}
	return sortedKeys(t, s.Items)
}

// stmtAll runs a SELECT and returns the items of every page.
func stmtAll(t *testing.T, c *dynamodb.Client, s string, params ...types.AttributeValue) []item {
	t.Helper()
	var all []item
	in := &dynamodb.ExecuteStatementInput{Statement: aws.String(s), Parameters: params}
	for page := 0; page < 100; page++ {
		out, err := c.ExecuteStatement(context.Background(), in)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		all = append(all, out.Items...)
		if in.NextToken = out.NextToken; in.NextToken == nil {
			return all
		}
	}
	t.Fatalf("%s: more than 100 pages", s)
	return nil
}

func sortedKeys(t *testing.T, items []item) string {
	t.Helper()
	keys := strings.Fields(pks(t, items))
	slices.Sort(keys)
	return strings.Join(keys, " ")
}

// Reads of one partition whose sort-key ranges do not overlap run, one
// Query each, and answer what those Queries answer; ranges that share a
// value are refused; a branch whose filter names the sort key is not
// refused and the partition's items come back once.
func TestPartiQLSortKeyRanges(t *testing.T) {
	c := client(t)
	makeTable(t, c, "Rng", hashRangeN)
	for _, p := range []string{"a", "b"} {
		for i := 1; i <= 12; i++ {
			put(t, c, "Rng", item{"pk": S(p), "sk": N(fmt.Sprint(i)), "v": N(fmt.Sprint(i % 3))})
		}
	}
	q := func(kc string, forward bool, vals item) []item { return nativeQuery(t, c, "Rng", kc, forward, vals) }
	a := S("a")

	for _, tc := range []struct {
		where string
		want  []item
	}{
		{`(pk = 'a' AND sk < 3) OR (pk = 'a' AND sk > 10)`,
			append(q("pk = :p AND sk < :x", true, item{":p": a, ":x": N("3")}), q("pk = :p AND sk > :x", true, item{":p": a, ":x": N("10")})...)},
		{`(pk = 'a' AND sk > 10) OR (pk = ? AND sk <= 2) OR (pk = 'a' AND sk BETWEEN 5 AND 6)`,
			slices.Concat(q("pk = :p AND sk > :x", true, item{":p": a, ":x": N("10")}), q("pk = :p AND sk <= :x", true, item{":p": a, ":x": N("2")}),
				q("pk = :p AND sk BETWEEN :x AND :y", true, item{":p": a, ":x": N("5"), ":y": N("6")}))},
		{`(pk = 'a' AND sk < 5) OR (pk = 'a' AND sk >= 5 AND sk < 7) OR (pk = 'b' AND sk < 5)`, nil},
		{`(pk = 'a' AND sk = 4) OR (pk = 'a' AND sk > 4)`,
			append(q("pk = :p AND sk = :x", true, item{":p": a, ":x": N("4")}), q("pk = :p AND sk > :x", true, item{":p": a, ":x": N("4")})...)},
	} {
		var params []types.AttributeValue
		if strings.Contains(tc.where, "?") {
			params = append(params, S("a"))
		}
		got := stmtAll(t, c, `SELECT * FROM Rng WHERE `+tc.where, params...)
		if tc.want == nil {
			// A loose branch (sk >= 5 AND sk < 7 filters on the sort key):
			// the partition is one Query, the same items as a Scan.
			want := nativeScan(t, c, "Rng", "(pk = :a AND sk < :five) OR (pk = :a AND sk >= :five AND sk < :seven) OR (pk = :b AND sk < :five)",
				item{":a": a, ":b": S("b"), ":five": N("5"), ":seven": N("7")})
			if g := sortedKeys(t, got); g != want || len(got) != 10 {
				t.Errorf("%s:\n got %s\nwant %s", tc.where, g, want)
			}
			continue
		}
		if g, w := pks(t, got), pks(t, tc.want); g != w {
			t.Errorf("%s:\n got %s\nwant %s", tc.where, g, w)
		}
	}

	// ORDER BY the partition key then the sort key orders disjoint
	// ranges of one partition by the sort key.
	got := stmt(t, c, `SELECT * FROM Rng WHERE (pk = 'a' AND sk < 3) OR (pk = 'a' AND sk > 10) OR pk = 'b' AND sk = 5 ORDER BY pk DESC, sk DESC`)
	if g := pks(t, got); g != "b/5 a/12 a/11 a/2 a/1" {
		t.Errorf("ORDER BY pk DESC, sk DESC: %s", g)
	}

	// Captured against DynamoDB: a negated sort-key condition beside an
	// equality branch runs and returns each item once.
	for _, tc := range []struct{ where, filter string }{
		{`pk = 'a' AND NOT sk = 1 OR pk = 'a' AND sk = 2`, "pk = :a AND (NOT sk = :one OR sk = :two)"},
		{`pk = 'a' AND sk <> 1 OR pk = 'a' AND sk = 2`, "pk = :a AND (sk <> :one OR sk = :two)"},
		{`pk = 'a' OR pk = 'a' AND NOT sk = 1`, "pk = :a"},
		{`pk = 'a' AND sk <> 1`, "pk = :a AND sk <> :one"},
	} {
		vals := item{":a": a}
		for k, v := range (item{":one": N("1"), ":two": N("2")}) {
			if strings.Contains(tc.filter, k) {
				vals[k] = v
			}
		}
		want := nativeScan(t, c, "Rng", tc.filter, vals)
		if g := sortedKeys(t, stmtAll(t, c, `SELECT * FROM Rng WHERE `+tc.where)); g != want {
			t.Errorf("%s:\n got %s\nwant %s", tc.where, g, want)
		}
	}

	for _, where := range []string{
		`(pk = 'a' AND sk <= 5) OR (pk = 'a' AND sk >= 5)`,
		`(pk = 'a' AND sk > 0) OR (pk = 'a' AND sk < 5)`,
		`pk IN ['a', 'a']`,
		`pk = 'a' AND v = 1 OR pk = 'a' AND sk = 2`,
		`(pk = 'a' AND sk BETWEEN 1 AND 4) OR (pk = 'a' AND sk = 4)`,
	} {
		wantAPIError(t, stmtErr(c, `SELECT * FROM Rng WHERE `+where), "ValidationException",
			"Overlapping conditions with range keys are not supported in where clause")
	}
}

// A SELECT that decomposes into several reads answers in pages of at
// most 10 items (the guide, IN: "Results are returned in pages of up to
// 10 items"), whatever the Limit; the pages together are what the native
// reads return.
func TestPartiQLDecomposedPages(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "Pages", hashRangeN)
	var vals []string
	for p := range 12 {
		vals = append(vals, fmt.Sprintf("'p%02d'", p))
		for i := range 3 {
			put(t, c, "Pages", item{"pk": S(fmt.Sprintf("p%02d", p)), "sk": N(fmt.Sprint(i))})
		}
	}
	in := strings.Join(vals, ", ")
	for _, tc := range []struct {
		where string
		limit *int32
		want  []item
	}{
		{`pk IN [` + in + `] AND sk = 1`, nil, nil},
		{`pk IN [` + in + `]`, nil, nil},
		{`pk IN [` + in + `]`, aws.Int32(25), nil},
		{`pk IN [` + in + `]`, aws.Int32(4), nil},
	} {
		var want []item
		for p := range 12 {
			kc, v := "pk = :p", item{":p": S(fmt.Sprintf("p%02d", p))}
			if strings.HasSuffix(tc.where, "sk = 1") {
				kc, v[":s"] = "pk = :p AND sk = :s", N("1")
			}
			want = append(want, nativeQuery(t, c, "Pages", kc, true, v)...)
		}
		var all []item
		var tok *string
		max := 10
		if tc.limit != nil && *tc.limit < 10 {
			max = int(*tc.limit)
		}
		for page := 0; ; page++ {
			out, err := c.ExecuteStatement(ctx, &dynamodb.ExecuteStatementInput{Statement: aws.String(`SELECT * FROM Pages WHERE ` + tc.where),
				Limit: tc.limit, NextToken: tok})
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Items) > max || page > 40 {
				t.Fatalf("%s (limit %v): page %d has %d items, want at most %d", tc.where, tc.limit, page, len(out.Items), max)
			}
			if out.NextToken != nil && len(out.Items) != max {
				t.Errorf("%s (limit %v): page %d has %d items and a NextToken", tc.where, tc.limit, page, len(out.Items))
			}
			all = append(all, out.Items...)
			if tok = out.NextToken; tok == nil {
				break
			}
		}
		if g, w := pks(t, all), pks(t, want); g != w {
			t.Errorf("%s (limit %v):\n got %s\nwant %s", tc.where, tc.limit, g, w)
		}
	}
}

// begins_with is the range of its prefix: beside ranges that stay clear
// of it the reads run, as one Query each; a range inside it overlaps.
func TestPartiQLBeginsWithRange(t *testing.T) {
	c := client(t)
	makeTable(t, c, "RngS", hashRangeS)
	for _, sk := range []string{"a1", "b", "b1", "b2", "bz", "c", "c1", "d"} {
		put(t, c, "RngS", item{"pk": S("p"), "sk": S(sk)})
	}
	q := func(kc string, vals item) []item {
		vals[":p"] = S("p")
		return nativeQuery(t, c, "RngS", kc, true, vals)
	}
	got := stmtAll(t, c, `SELECT * FROM RngS WHERE (pk = 'p' AND begins_with(sk, 'b')) OR (pk = 'p' AND sk >= 'c') OR (pk = 'p' AND sk < 'b')`)
	want := slices.Concat(q("pk = :p AND begins_with(sk, :b)", item{":b": S("b")}), q("pk = :p AND sk >= :c", item{":c": S("c")}),
		q("pk = :p AND sk < :b", item{":b": S("b")}))
	if g, w := skeys(t, got), skeys(t, want); g != w || len(got) != 8 {
		t.Errorf("begins_with beside ranges:\n got %s\nwant %s", g, w)
	}
	for _, where := range []string{
		`(pk = 'p' AND begins_with(sk, 'b')) OR (pk = 'p' AND sk BETWEEN 'b1' AND 'b3')`,
		`(pk = 'p' AND begins_with(sk, 'b')) OR (pk = 'p' AND sk <= 'b')`,
		`(pk = 'p' AND begins_with(sk, 'b')) OR (pk = 'p' AND begins_with(sk, 'b1'))`,
	} {
		wantAPIError(t, stmtErr(c, `SELECT * FROM RngS WHERE `+where), "ValidationException",
			"Overlapping conditions with range keys are not supported in where clause")
	}
}

// skeys lists items' string sort keys in order.
func skeys(t *testing.T, items []item) string {
	t.Helper()
	var out []string
	for _, it := range items {
		out = append(out, sval(t, it["sk"]))
	}
	return strings.Join(out, " ")
}
