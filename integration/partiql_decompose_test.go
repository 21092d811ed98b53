package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// pks returns the pk and sk of each item as "pk/sk", for order checks.
func pks(t *testing.T, items []item) string {
	t.Helper()
	var out []string
	for _, it := range items {
		s := sval(t, it["pk"])
		if sk, ok := it["sk"]; ok {
			s += "/" + nval(t, sk)
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

// A WHERE whose every OR branch fixes the partition key runs as one read
// per branch (GetItem or Query), in the order written, and charges what
// those reads charge rather than a Scan of the table.
func TestPartiQLDecomposedReads(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "Dcp", hashRangeN)
	for _, p := range []string{"a", "b", "c", "d"} {
		for i := range 3 {
			put(t, c, "Dcp", item{"pk": S(p), "sk": N(fmt.Sprint(i)), "v": N(fmt.Sprint(i % 2))})
		}
	}

	if got := pks(t, stmt(t, c, `SELECT * FROM Dcp WHERE pk IN ['c', 'a']`)); got != "c/0 c/1 c/2 a/0 a/1 a/2" {
		t.Errorf("IN: %s", got)
	}
	if got := pks(t, stmt(t, c, `SELECT * FROM Dcp WHERE (pk = 'b' AND sk > 1) OR (pk = ? AND v = 1)`, S("d"))); got != "b/2 d/1" {
		t.Errorf("OR: %s", got)
	}
	if got := pks(t, stmt(t, c, `SELECT * FROM Dcp WHERE pk IN ['c', 'a', 'b'] ORDER BY pk DESC, sk DESC`)); got != "c/2 c/1 c/0 b/2 b/1 b/0 a/2 a/1 a/0" {
		t.Errorf("ORDER BY pk DESC: %s", got)
	}
	// Full keys: one GetItem each, 0.5 RCU per small item eventually
	// consistent; a Scan would read all twelve items.
	out, err := c.ExecuteStatement(ctx, &dynamodb.ExecuteStatementInput{
		Statement:              aws.String(`SELECT * FROM Dcp WHERE pk IN ['a', 'b', 'zz'] AND sk = 1`),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
	if err != nil {
		t.Fatal(err)
	}
	if got := pks(t, out.Items); got != "a/1 b/1" {
		t.Errorf("full keys: %s", got)
	}
	if cc := out.ConsumedCapacity; cc == nil || aws.ToFloat64(cc.CapacityUnits) != 1.5 {
		t.Errorf("consumed %+v, want 1.5 (three GetItems)", cc)
	}
	if got := pks(t, stmt(t, c, `SELECT * FROM Dcp WHERE pk = 'a' AND sk IN [2, 0]`)); got != "a/2 a/0" {
		t.Errorf("sort-key IN: %s", got)
	}

	// Limit counts items across the reads; NextToken resumes mid-read and
	// between reads, and the pages add up to the whole answer.
	var all []item
	var tok *string
	for page := 0; ; page++ {
		out, err := c.ExecuteStatement(ctx, &dynamodb.ExecuteStatementInput{
			Statement: aws.String(`SELECT * FROM Dcp WHERE pk = 'a' OR pk = 'd' OR pk = 'b'`), Limit: aws.Int32(2), NextToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Items) > 2 || page > 10 {
			t.Fatalf("page %d: %d items", page, len(out.Items))
		}
		all = append(all, out.Items...)
		if tok = out.NextToken; tok == nil {
			break
		}
	}
	if got := pks(t, all); got != "a/0 a/1 a/2 d/0 d/1 d/2 b/0 b/1 b/2" {
		t.Errorf("paged: %s", got)
	}

	// A branch without the partition key makes the statement a Scan.
	if got := stmt(t, c, `SELECT * FROM Dcp WHERE pk = 'a' OR v = 1`); len(got) != 6 {
		t.Errorf("scan: %d items, want 6", len(got))
	}

	inList := func(n int) string {
		vals := make([]string, n)
		for i := range vals {
			vals[i] = fmt.Sprintf("'v%d'", i)
		}
		return strings.Join(vals, ", ")
	}
	if got := stmt(t, c, `SELECT * FROM Dcp WHERE pk IN [`+inList(50)+`]`); len(got) != 0 {
		t.Errorf("50 partitions: %d items", len(got))
	}
	for _, where := range []string{"pk IN [" + inList(51) + "]", "pk IN [" + inList(26) + "] AND sk IN [1, 2]"} {
		wantAPIError(t, stmtErr(c, `SELECT * FROM Dcp WHERE `+where), "ValidationException",
			"Too many decomposed read operations for a given query.")
	}
	wantAPIError(t, stmtErr(c, `SELECT * FROM Dcp WHERE pk = 'a' AND v IN [`+inList(101)+`]`), "ValidationException",
		"The IN operator is provided with too many operands; number of operands: 101")
	wantAPIError(t, stmtErr(c, `SELECT * FROM Dcp WHERE pk = 'a' OR (pk = 'a' AND sk > 1)`), "ValidationException",
		"Overlapping conditions with range keys are not supported in where clause")
	wantAPIError(t, stmtErr(c, `SELECT * FROM Dcp WHERE pk IN ['a', 'b'] ORDER BY sk`), "ValidationException",
		"Must have hash key in ORDER BY clause when more than one hash key condition specified in WHERE clause.")
}

// Plans are cached by statement text and table version: the same text
// against a table created again with another key schema is planned anew.
func TestPartiQLPlanFollowsTableVersion(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "Ver", hashS)
	put(t, c, "Ver", item{"pk": S("a"), "sk": N("1"), "v": S("old")})
	const q = `SELECT * FROM Ver WHERE pk = 'a' AND sk = 1`
	if got := stmt(t, c, q); len(got) != 1 {
		t.Fatalf("hash-only table: %d items", len(got))
	}
	if _, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("Ver")}); err != nil {
		t.Fatal(err)
	}
	makeTable(t, c, "Ver", hashRangeN)
	put(t, c, "Ver", item{"pk": S("a"), "sk": N("1"), "v": S("new")})
	put(t, c, "Ver", item{"pk": S("a"), "sk": N("2"), "v": S("new")})
	got := stmt(t, c, q)
	if len(got) != 1 {
		t.Fatalf("hash-range table: %d items", len(got))
	}
	wantItem(t, got[0], item{"pk": S("a"), "sk": N("1"), "v": S("new")})
}
