package integration

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// stmt runs one PartiQL statement and returns its items.
func stmt(t *testing.T, c *dynamodb.Client, s string, params ...types.AttributeValue) []item {
	t.Helper()
	out, err := c.ExecuteStatement(context.Background(), &dynamodb.ExecuteStatementInput{Statement: aws.String(s), Parameters: params})
	if err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return out.Items
}

func stmtErr(c *dynamodb.Client, s string, params ...types.AttributeValue) error {
	_, err := c.ExecuteStatement(context.Background(), &dynamodb.ExecuteStatementInput{Statement: aws.String(s), Parameters: params})
	return err
}

func TestPartiQLInsertSelectMatchesNative(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "PQT", hashRangeN)
	stmt(t, c, `INSERT INTO "PQT" VALUE {'pk': 'a', 'sk': 1, 'v': 'one', 'ss': <<'x','y'>>, 'l': [1, 'two', true, null], 'm': {'k': 2}}`)
	stmt(t, c, `INSERT INTO PQT VALUE {'pk': ?, 'sk': ?, 'b': ?, 'v': ?}`, S("a"), N("2"), B([]byte{1, 2}), S("two"))
	stmt(t, c, `INSERT INTO PQT VALUE ?`, M(item{"pk": S("b"), "sk": N("1"), "v": S("bee")}))

	wantItem(t, get(t, c, "PQT", item{"pk": S("a"), "sk": N("1")}), item{"pk": S("a"), "sk": N("1"), "v": S("one"),
		"ss": SS("x", "y"), "l": L(N("1"), S("two"), BOOL(true), NULL()), "m": M(item{"k": N("2")})})

	err := stmtErr(c, `INSERT INTO PQT VALUE {'pk': 'a', 'sk': 1}`)
	wantAPIError(t, err, "DuplicateItemException", "Duplicate primary key exists in table")

	// A Query by partition key, with a sort-key condition and a filter,
	// gives what the native Query gives.
	got := stmt(t, c, `SELECT * FROM PQT WHERE pk = 'a' AND sk >= 1 AND v <> 'zzz'`)
	q, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("PQT"), KeyConditionExpression: aws.String("pk = :p AND sk >= :s"),
		FilterExpression: aws.String("v <> :z"), ExpressionAttributeValues: item{":p": S("a"), ":s": N("1"), ":z": S("zzz")}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || len(q.Items) != 2 {
		t.Fatalf("PartiQL %d items, Query %d, want 2", len(got), len(q.Items))
	}
	for i := range got {
		wantItem(t, got[i], q.Items[i])
	}

	// ORDER BY the sort key DESC reverses; a projection with a nested path.
	got = stmt(t, c, `SELECT v, m.k FROM PQT WHERE pk = ? ORDER BY sk DESC`, S("a"))
	if len(got) != 2 {
		t.Fatalf("ORDER BY: %d items", len(got))
	}
	wantItem(t, got[0], item{"v": S("two")})
	wantItem(t, got[1], item{"v": S("one"), "m": M(item{"k": N("2")})})

	// A Scan with a filter: every matching item of the table.
	got = stmt(t, c, `SELECT pk FROM PQT WHERE v IN ['one', 'bee'] OR begins_with(v, 'tw')`)
	if len(got) != 3 {
		t.Fatalf("scan: %d items, want 3", len(got))
	}
	got = stmt(t, c, `SELECT * FROM PQT WHERE b IS MISSING AND size(v) BETWEEN 3 AND 3 AND NOT contains(v, 'x')`)
	if len(got) != 2 {
		t.Fatalf("functions: %d items, want 2", len(got))
	}
}

func TestPartiQLPaging(t *testing.T) {
	c := client(t)
	makeTable(t, c, "Pgt", hashRangeN)
	for i := range 5 {
		put(t, c, "Pgt", item{"pk": S("p"), "sk": N(string(rune('0' + i)))})
	}
	var token *string
	n, pages := 0, 0
	for {
		out, err := c.ExecuteStatement(context.Background(), &dynamodb.ExecuteStatementInput{
			Statement: aws.String(`SELECT * FROM Pgt WHERE pk = 'p'`), Limit: aws.Int32(2), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		n += len(out.Items)
		pages++
		if token = out.NextToken; token == nil {
			break
		}
	}
	if n != 5 || pages != 3 {
		t.Fatalf("paged %d items in %d pages, want 5 in 3", n, pages)
	}
}

func TestPartiQLUpdateDelete(t *testing.T) {
	c := client(t)
	makeTable(t, c, "UDT", hashS)
	put(t, c, "UDT", item{"pk": S("a"), "n": N("1"), "l": L(N("1")), "ss": SS("x"), "gone": S("g")})

	got := stmt(t, c, `UPDATE UDT SET n = n + 2 SET l = list_append(l, [2]) SET ss = set_add(ss, <<'y'>>) REMOVE gone WHERE pk = 'a' RETURNING ALL NEW *`)
	want := item{"pk": S("a"), "n": N("3"), "l": L(N("1"), N("2")), "ss": SS("x", "y")}
	if len(got) != 1 {
		t.Fatalf("RETURNING ALL NEW: %d items", len(got))
	}
	wantItem(t, got[0], want)
	wantItem(t, get(t, c, "UDT", item{"pk": S("a")}), want)

	got = stmt(t, c, `UPDATE UDT SET n = 10 WHERE pk = 'a' RETURNING MODIFIED OLD *`)
	wantItem(t, got[0], item{"n": N("3")})

	// UPDATE never creates an item; a false condition changes nothing.
	wantAPIError(t, stmtErr(c, `UPDATE UDT SET n = 1 WHERE pk = 'nope'`), "ConditionalCheckFailedException", "The conditional request failed")
	if get(t, c, "UDT", item{"pk": S("nope")}) != nil {
		t.Fatal("UPDATE created an item")
	}
	wantAPIError(t, stmtErr(c, `UPDATE UDT SET n = 1 WHERE pk = 'a' AND n = 99`), "ConditionalCheckFailedException", "The conditional request failed")
	wantAPIError(t, stmtErr(c, `UPDATE UDT SET n = 1 WHERE n = 10`), "ValidationException",
		"Where clause does not contain a mandatory equality on all key attributes")
	wantAPIError(t, stmtErr(c, `UPDATE UDT SET ss = set_add(n, <<'y'>>) WHERE pk = 'a'`), "ValidationException",
		"The first argument to SET_ADD must equal the assignment value")

	// DELETE with a false condition fails; RETURNING ALL OLD * returns the item.
	wantAPIError(t, stmtErr(c, `DELETE FROM UDT WHERE pk = 'a' AND n = 1`), "ConditionalCheckFailedException", "The conditional request failed")
	got = stmt(t, c, `DELETE FROM UDT WHERE pk = ? RETURNING ALL OLD *`, S("a"))
	if len(got) != 1 || sval(t, got[0]["pk"]) != "a" {
		t.Fatalf("RETURNING ALL OLD: %v", got)
	}
	if get(t, c, "UDT", item{"pk": S("a")}) != nil {
		t.Fatal("DELETE left the item")
	}
	// A missing item is deleted successfully, with nothing returned.
	if got := stmt(t, c, `DELETE FROM UDT WHERE pk = 'a'`); len(got) != 0 {
		t.Fatalf("DELETE of a missing item returned %v", got)
	}
}

func TestPartiQLErrors(t *testing.T) {
	c := client(t)
	makeTable(t, c, "Err", hashS)
	wantAPIErrorPrefix(t, stmtErr(c, `SELEC * FROM Err`), "ValidationException", "Statement wasn't well formed, can't be processed:")
	wantAPIError(t, stmtErr(c, `SELECT * FROM Err WHERE pk = ?`), "ValidationException", "Number of parameters in request and statement don't match.")
	wantAPIError(t, stmtErr(c, `SELECT * FROM Err WHERE pk = 'a'`, S("x")), "ValidationException", "Number of parameters in request and statement don't match.")
	wantAPIError(t, stmtErr(c, `SELECT * FROM Nope`), "ResourceNotFoundException", "Requested resource not found")
	wantAPIError(t, stmtErr(c, `SELECT * FROM Err ORDER BY pk`), "ValidationException", "Must have WHERE clause in the statement when using ORDER BY clause.")
}

// A SELECT * by the full key answers the item as GetItem does, every type
// included (the server passes its stored bytes through undecoded), and no
// item for a key that has none; a projection by the key still decodes.
func TestPartiQLSelectByKeyAnswersTheStoredItem(t *testing.T) {
	c := client(t)
	makeTable(t, c, "PqTypes", hashS)
	put(t, c, "PqTypes", allTypes("k1"))
	want := get(t, c, "PqTypes", item{"pk": S("k1")})
	got := stmt(t, c, `SELECT * FROM PqTypes WHERE pk = ?`, S("k1"))
	if len(got) != 1 {
		t.Fatalf("%d items, want 1", len(got))
	}
	wantItem(t, got[0], want)
	if got := stmt(t, c, `SELECT * FROM "PqTypes" WHERE pk = 'none'`); len(got) != 0 {
		t.Fatalf("a missing key answered %d items", len(got))
	}
	got = stmt(t, c, `SELECT s, m.nested FROM PqTypes WHERE pk = 'k1'`)
	if len(got) != 1 {
		t.Fatalf("projection: %d items, want 1", len(got))
	}
	wantItem(t, got[0], item{"s": want["s"], "m": M(item{"nested": want["m"].(*types.AttributeValueMemberM).Value["nested"]})})
}
