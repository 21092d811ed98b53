package engine

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/partiql"
)

// FuzzPlan runs any statement text through the planner and the native
// operations it becomes, against tables with a sort key, without one, and
// with secondary indexes (Music): nothing may panic, and every refusal is
// a DynamoDB error (*apierr.Error) whose message does not repeat its code
// (a "ValidationException: ..." message is an error wrapped as text). Each
// '?' gets a parameter, cycling through a string, a number and a map, so
// parameter binding is exercised too. Found cases go to
// testdata/fuzz/FuzzPlan.
func FuzzPlan(f *testing.F) {
	db := newItemsDB(f)
	var music api.CreateTableInput
	if err := json.Unmarshal([]byte(musicTable), &music); err != nil {
		f.Fatal(err)
	}
	if _, err := db.CreateTable(context.Background(), &music); err != nil {
		f.Fatal(err)
	}
	for _, s := range planSeeds {
		f.Add(s)
	}
	params := []attr.Value{s("a"), n("1"), attr.Map(attr.Item{"pk": s("m"), "sk": n("2")})}
	f.Fuzz(func(t *testing.T, text string) {
		st, err := partiql.Parse(text)
		if err != nil {
			return // the parser's own fuzz targets cover this
		}
		in := &api.ExecuteStatementInput{Statement: &text, Limit: api.Ptr(int64(5))}
		for i := range partiql.NumParams(st) {
			in.Parameters = append(in.Parameters, params[i%len(params)])
		}
		checkPlanErr(t, text, runPlanned(db, in))
		in.NextToken = api.Ptr("eyJyIjoxfQ") // {"r":1}: a decomposed read's token
		checkPlanErr(t, text, runPlanned(db, in))
	})
}

func runPlanned(db *DB, in *api.ExecuteStatementInput) error {
	_, err := db.ExecuteStatement(context.Background(), in)
	return err
}

func checkPlanErr(t *testing.T, text string, err error) {
	if err == nil {
		return
	}
	var ae *apierr.Error
	if !errors.As(err, &ae) {
		t.Fatalf("%q: error %T %v is not a DynamoDB error", text, err, err)
	}
	if ae.Code == "" || ae.Message == "" || strings.HasPrefix(ae.Message, string(ae.Code)) {
		t.Fatalf("%q: error code %q message %q", text, ae.Code, ae.Message)
	}
}

// planSeeds are FuzzPlan's seed statements: every planner path.
var planSeeds = []string{
	`SELECT * FROM items_range WHERE pk = ? AND sk = ?`,
	`SELECT * FROM items_range WHERE pk = 'a' AND sk BETWEEN 1 AND 3 AND v <> 2 ORDER BY sk DESC`,
	`SELECT v, m.k[0] FROM items_range WHERE pk IN ['a', 'b'] AND sk IN [1, 2]`,
	`SELECT * FROM items_range WHERE (pk = 'a' AND sk > 1) OR (pk = ? AND begins_with(v, 'x'))`,
	`SELECT * FROM items_range WHERE pk IN ['b', 'a'] ORDER BY pk DESC, sk`,
	`SELECT * FROM items_range WHERE pk = 'a' OR v IS MISSING`,
	`SELECT * FROM items_range WHERE NOT (pk = 'a') AND size(v) >= 2 AND attribute_type(v, 'S')`,
	`SELECT * FROM items_hash WHERE id = ? AND v IS NOT NULL AND contains(v, 'a')`,
	`SELECT * FROM items_hash WHERE id IN [1, 'x', <<1, 2>>, {'a': [1]}]`,
	`SELECT * FROM "Music"."GenreYearIndex" WHERE Genre = 'Rock' AND "Year" > 1990`,
	`SELECT Artist FROM "Music"."ArtistYearIndex" WHERE Artist = ? ORDER BY "Year" DESC`,
	`SELECT * FROM "Music"."AlbumIndex" WHERE Album IN ['x', 'y']`,
	`SELECT * FROM "Music" WHERE Artist = 'a' AND Song = 'b'`,
	`INSERT INTO items_range VALUE {'pk': 'a', 'sk': 1, 'ss': <<'x', 'y'>>, 'l': [1, true, null], 'm': {'k': 2}}`,
	`INSERT INTO items_range VALUE ?`,
	`INSERT INTO items_hash VALUE {'id': ?, 'v': <<1, 1.0>>}`,
	`UPDATE items_range SET v = v + 1, l = list_append(l, [2]) REMOVE m.k WHERE pk = 'a' AND sk = 1 RETURNING ALL NEW *`,
	`UPDATE items_range SET ss = set_add(ss, <<'z'>>) WHERE pk = ? AND sk = ? AND v > 0`,
	`UPDATE items_hash SET x = if_not_exists(x, 0) WHERE id = 'a' RETURNING MODIFIED OLD *`,
	`DELETE FROM items_range WHERE pk = 'a' AND sk = 1 AND v IN [1, 2] RETURNING ALL OLD *`,
	`DELETE FROM items_hash WHERE id = ?`,
	`EXISTS(SELECT * FROM items_hash WHERE id = 'a' AND v = 1)`,
	`SELECT * FROM items_range WHERE pk = 'a' AND sk = 1 AND pk = 'b'`,
	`SELECT * FROM items_range WHERE pk = 'a' OR pk = 'a'`,
	`SELECT * FROM items_range WHERE (pk = 'a' AND sk < 1) OR (pk = 'a' AND sk > 3) OR (pk = ? AND sk BETWEEN 1 AND 2) ORDER BY pk, sk DESC`,
	`SELECT * FROM items_range WHERE pk = 'a' AND NOT sk = 1 OR pk = ? AND sk = 2 OR pk = 'a' AND sk <> ?`,
	`SELECT * FROM items_range WHERE (pk = 'a' AND begins_with(sk, 'x')) OR (pk = 'a' AND sk = ?) OR (pk = 'a' AND sk BETWEEN 3 AND 1)`,
	`SELECT * FROM "Music" WHERE (Artist = 'a' AND begins_with(Song, 'b')) OR (Artist = 'a' AND Song > 'c') OR Artist = 'b'`,
	`SELECT * FROM items_range WHERE pk IN ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l'] AND v <> 1`,
}
