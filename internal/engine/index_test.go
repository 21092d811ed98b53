package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/kv"
)

func TestIndexCreateErrors(t *testing.T) {
	db, _ := newTablesDB(t)
	for _, tc := range loadErrorCases(t, "index_create_errors.json") {
		t.Run(tc.Name, func(t *testing.T) {
			var in api.CreateTableInput
			if err := json.Unmarshal(tc.In, &in); err != nil {
				t.Fatal(err)
			}
			_, err := db.CreateTable(context.Background(), &in)
			wantAPIErr(t, err, tc.Code, tc.Msg)
		})
	}
	out, err := db.ListTables(context.Background(), &api.ListTablesInput{})
	if err != nil || len(out.TableNames) != 0 {
		t.Fatalf("ListTables after refused creates = %v, %v; want none", out.TableNames, err)
	}
}

// musicTable is seed 002's MusicCollection with its GenreYearIndex GSI,
// an ArtistYearIndex LSI, and a KEYS_ONLY GSI on Album.
const musicTable = `{"TableName": "Music",
 "KeySchema": [{"AttributeName": "Artist", "KeyType": "HASH"}, {"AttributeName": "Song", "KeyType": "RANGE"}],
 "AttributeDefinitions": [{"AttributeName": "Artist", "AttributeType": "S"}, {"AttributeName": "Song", "AttributeType": "S"},
   {"AttributeName": "Genre", "AttributeType": "S"}, {"AttributeName": "Year", "AttributeType": "N"}, {"AttributeName": "Album", "AttributeType": "S"}],
 "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
 "GlobalSecondaryIndexes": [
   {"IndexName": "GenreYearIndex", "KeySchema": [{"AttributeName": "Genre", "KeyType": "HASH"}, {"AttributeName": "Year", "KeyType": "RANGE"}],
    "Projection": {"ProjectionType": "ALL"}, "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 4}},
   {"IndexName": "AlbumIndex", "KeySchema": [{"AttributeName": "Album", "KeyType": "HASH"}],
    "Projection": {"ProjectionType": "KEYS_ONLY"}, "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}],
 "LocalSecondaryIndexes": [
   {"IndexName": "ArtistYearIndex", "KeySchema": [{"AttributeName": "Artist", "KeyType": "HASH"}, {"AttributeName": "Year", "KeyType": "RANGE"}],
    "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["Genre"]}}]}`

func newMusicDB(t *testing.T) *DB {
	t.Helper()
	db, _ := newTablesDB(t)
	var in api.CreateTableInput
	if err := json.Unmarshal([]byte(musicTable), &in); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateTable(context.Background(), &in); err != nil {
		t.Fatal(err)
	}
	return db
}

func song(artist, title, genre string, year int, album string) attr.Item {
	it := attr.Item{"Artist": s(artist), "Song": s(title)}
	if genre != "" {
		it["Genre"] = s(genre)
	}
	if year != 0 {
		it["Year"] = n(fmt.Sprint(year))
	}
	if album != "" {
		it["Album"] = s(album)
	}
	return it
}

// checkClean asserts that every index equals its table's projection.
func checkClean(t *testing.T, db *DB) *IndexCheck {
	t.Helper()
	res, err := db.CheckIndexes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Divergences) > 0 {
		t.Fatalf("index divergences: %v", res.Divergences)
	}
	return res
}

func TestIndexDescription(t *testing.T) {
	db, _ := newTablesDB(t)
	var in api.CreateTableInput
	if err := json.Unmarshal([]byte(musicTable), &in); err != nil {
		t.Fatal(err)
	}
	out, err := db.CreateTable(context.Background(), &in)
	if err != nil {
		t.Fatal(err)
	}
	if st := api.Str(out.TableDescription.GlobalSecondaryIndexes[0].IndexStatus); st != "CREATING" {
		t.Errorf("CreateTable's GSI status = %s, want CREATING", st)
	}
	put(t, db, "Music", song("The Beatles", "Hey Jude", "Rock", 1968, "Hey Jude"))
	put(t, db, "Music", song("The Beatles", "Help", "", 1965, ""))
	d := mustDescribe(t, db, "Music")
	got := jsonOf(t, map[string]any{"G": d.GlobalSecondaryIndexes, "L": d.LocalSecondaryIndexes})
	want := `{
  "G": [
    {
      "IndexArn": "arn:aws:dynamodb:us-east-1:000000000000:table/Music/index/GenreYearIndex",
      "IndexName": "GenreYearIndex",
      "IndexSizeBytes": 58,
      "IndexStatus": "ACTIVE",
      "ItemCount": 1,
      "KeySchema": [
        {
          "AttributeName": "Genre",
          "KeyType": "HASH"
        },
        {
          "AttributeName": "Year",
          "KeyType": "RANGE"
        }
      ],
      "Projection": {
        "ProjectionType": "ALL"
      },
      "ProvisionedThroughput": {
        "NumberOfDecreasesToday": 0,
        "ReadCapacityUnits": 5,
        "WriteCapacityUnits": 4
      },
      "WarmThroughput": {
        "ReadUnitsPerSecond": 12000,
        "Status": "ACTIVE",
        "WriteUnitsPerSecond": 4000
      }
    },
    {
      "IndexArn": "arn:aws:dynamodb:us-east-1:000000000000:table/Music/index/AlbumIndex",
      "IndexName": "AlbumIndex",
      "IndexSizeBytes": 42,
      "IndexStatus": "ACTIVE",
      "ItemCount": 1,
      "KeySchema": [
        {
          "AttributeName": "Album",
          "KeyType": "HASH"
        }
      ],
      "Projection": {
        "ProjectionType": "KEYS_ONLY"
      },
      "ProvisionedThroughput": {
        "NumberOfDecreasesToday": 0,
        "ReadCapacityUnits": 1,
        "WriteCapacityUnits": 1
      },
      "WarmThroughput": {
        "ReadUnitsPerSecond": 12000,
        "Status": "ACTIVE",
        "WriteUnitsPerSecond": 4000
      }
    }
  ],
  "L": [
    {
      "IndexArn": "arn:aws:dynamodb:us-east-1:000000000000:table/Music/index/ArtistYearIndex",
      "IndexName": "ArtistYearIndex",
      "IndexSizeBytes": 77,
      "ItemCount": 2,
      "KeySchema": [
        {
          "AttributeName": "Artist",
          "KeyType": "HASH"
        },
        {
          "AttributeName": "Year",
          "KeyType": "RANGE"
        }
      ],
      "Projection": {
        "NonKeyAttributes": [
          "Genre"
        ],
        "ProjectionType": "INCLUDE"
      }
    }
  ]
}`
	if got != want {
		t.Errorf("index descriptions:\n%s\nwant:\n%s", got, want)
	}
}

func TestIndexKeyTypeChecks(t *testing.T) {
	db := newMusicDB(t)
	ctx := context.Background()
	tests := []struct {
		name string
		item attr.Item
		msg  string
	}{
		{"GSI hash type", attr.Item{"Artist": s("a"), "Song": s("b"), "Genre": n("1")},
			"One or more parameter values were invalid: Type mismatch for Index Key Genre Expected: S Actual: N IndexName: GenreYearIndex"},
		{"shared range type names the first index", attr.Item{"Artist": s("a"), "Song": s("b"), "Year": s("1968")},
			"One or more parameter values were invalid: Type mismatch for Index Key Year Expected: N Actual: S IndexName: GenreYearIndex"},
		{"NULL", attr.Item{"Artist": s("a"), "Song": s("b"), "Album": attr.Null()},
			"One or more parameter values were invalid: Type mismatch for Index Key Album Expected: S Actual: NULL IndexName: AlbumIndex"},
		{"empty string", attr.Item{"Artist": s("a"), "Song": s("b"), "Album": s("")},
			"One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: AlbumIndex, IndexKey: Album"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("Music"), Item: tc.item})
			checkErr(t, err, apierr.ValidationException, tc.msg)
		})
	}
	_, err := db.UpdateItem(ctx, &api.UpdateItemInput{TableName: api.Ptr("Music"),
		Key:                       attr.Item{"Artist": s("a"), "Song": s("b")},
		UpdateExpression:          api.Ptr("SET Genre = :g"),
		ExpressionAttributeValues: attr.Item{":g": n("5")}})
	checkErr(t, err, apierr.ValidationException, tests[0].msg)
	if it := get(t, db, "Music", attr.Item{"Artist": s("a"), "Song": s("b")}); it != nil {
		t.Fatalf("a refused write stored %v", it)
	}
	checkClean(t, db)
}

func queryIndex(t *testing.T, db *DB, in *api.QueryInput) *api.QueryOutput {
	t.Helper()
	in.TableName = api.Ptr("Music")
	out, err := db.Query(context.Background(), in)
	if err != nil {
		t.Fatalf("Query: %v", err)
	}
	return out
}

func titles(items []attr.Item) string {
	var out []string
	for _, it := range items {
		out = append(out, it["Song"].S)
	}
	return strings.Join(out, ",")
}

func TestIndexMaintenanceAndQuery(t *testing.T) {
	needExpr(t)
	db := newMusicDB(t)
	ctx := context.Background()
	for i := 1; i <= 9; i++ {
		put(t, db, "Music", song("The Beatles", fmt.Sprintf("Song %d", i), "Rock", 1960+i, fmt.Sprintf("Album %d", i%3)))
	}
	put(t, db, "Music", song("Miles Davis", "So What", "Jazz", 1959, "Kind of Blue"))
	put(t, db, "Music", song("Nobody", "Untitled", "", 0, "")) // in no index
	checkClean(t, db)

	// GSI: sort-key order, range condition, reverse, pagination.
	rock := func(extra string, vals attr.Item) *api.QueryInput {
		v := attr.Item{":g": s("Rock")}
		for k, x := range vals {
			v[k] = x
		}
		return &api.QueryInput{IndexName: api.Ptr("GenreYearIndex"), KeyConditionExpression: api.Ptr("Genre = :g" + extra), ExpressionAttributeValues: v}
	}
	if got := titles(queryIndex(t, db, rock("", nil)).Items); got != "Song 1,Song 2,Song 3,Song 4,Song 5,Song 6,Song 7,Song 8,Song 9" {
		t.Errorf("GSI query = %s", got)
	}
	q := rock(" AND #y BETWEEN :a AND :b", attr.Item{":a": n("1963"), ":b": n("1965")})
	q.ExpressionAttributeNames = map[string]string{"#y": "Year"}
	q.ScanIndexForward = api.Ptr(false)
	if got := titles(queryIndex(t, db, q).Items); got != "Song 5,Song 4,Song 3" {
		t.Errorf("GSI BETWEEN reversed = %s", got)
	}
	var pages []string
	q = rock("", nil)
	q.Limit = api.Ptr[int64](4)
	for {
		out := queryIndex(t, db, q)
		pages = append(pages, titles(out.Items))
		if out.LastEvaluatedKey == nil {
			break
		}
		if len(out.LastEvaluatedKey) != 4 {
			t.Fatalf("LastEvaluatedKey %v: want base and index keys", out.LastEvaluatedKey)
		}
		q.ExclusiveStartKey = out.LastEvaluatedKey
	}
	if got := strings.Join(pages, "|"); got != "Song 1,Song 2,Song 3,Song 4|Song 5,Song 6,Song 7,Song 8|Song 9" {
		t.Errorf("GSI pages = %s", got)
	}

	// Updates move entries; deletes remove them.
	if _, err := db.UpdateItem(ctx, &api.UpdateItemInput{TableName: api.Ptr("Music"),
		Key:              attr.Item{"Artist": s("The Beatles"), "Song": s("Song 1")},
		UpdateExpression: api.Ptr("SET Genre = :j REMOVE Album"), ExpressionAttributeValues: attr.Item{":j": s("Jazz")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DeleteItem(ctx, &api.DeleteItemInput{TableName: api.Ptr("Music"),
		Key: attr.Item{"Artist": s("The Beatles"), "Song": s("Song 2")}}); err != nil {
		t.Fatal(err)
	}
	checkClean(t, db)
	jazz := queryIndex(t, db, &api.QueryInput{IndexName: api.Ptr("GenreYearIndex"),
		KeyConditionExpression: api.Ptr("Genre = :g"), ExpressionAttributeValues: attr.Item{":g": s("Jazz")}})
	if got := titles(jazz.Items); got != "So What,Song 1" {
		t.Errorf("Jazz after update = %s", got)
	}

	// KEYS_ONLY GSI returns keys only.
	alb := queryIndex(t, db, &api.QueryInput{IndexName: api.Ptr("AlbumIndex"),
		KeyConditionExpression: api.Ptr("Album = :a"), ExpressionAttributeValues: attr.Item{":a": s("Album 0")}})
	if got := jsonOf(t, alb.Items); !strings.Contains(got, `"Album"`) || strings.Contains(got, `"Genre"`) || len(alb.Items) != 3 {
		t.Errorf("KEYS_ONLY items = %s", got)
	}

	// LSI: projected attributes by default, base attributes fetched on
	// request.
	lsi := &api.QueryInput{IndexName: api.Ptr("ArtistYearIndex"),
		KeyConditionExpression: api.Ptr("Artist = :a AND #y >= :y"), ExpressionAttributeNames: map[string]string{"#y": "Year"},
		ExpressionAttributeValues: attr.Item{":a": s("The Beatles"), ":y": n("1968")}}
	out := queryIndex(t, db, lsi)
	if got := titles(out.Items); got != "Song 8,Song 9" || out.Items[0]["Album"].Type != attr.TypeInvalid {
		t.Errorf("LSI query = %s %v", got, out.Items)
	}
	lsi.Select = api.Ptr("ALL_ATTRIBUTES")
	if out := queryIndex(t, db, lsi); out.Items[0]["Album"].S != "Album 2" {
		t.Errorf("LSI ALL_ATTRIBUTES = %v", out.Items)
	}
	lsi.Select = nil
	lsi.ProjectionExpression = api.Ptr("Album")
	if out := queryIndex(t, db, lsi); out.Items[0]["Album"].S != "Album 2" || len(out.Items[0]) != 1 {
		t.Errorf("LSI projection of a base attribute = %v", out.Items)
	}

	// Scan of an index holds only indexed items.
	sc, err := db.Scan(ctx, &api.ScanInput{TableName: api.Ptr("Music"), IndexName: api.Ptr("GenreYearIndex")})
	if err != nil || api.Int(sc.Count, 0) != 9 {
		t.Fatalf("Scan of GSI = %v, %v; want 9 items", sc, err)
	}
}

func TestIndexReadErrors(t *testing.T) {
	needExpr(t)
	db := newMusicDB(t)
	ctx := context.Background()
	key := func(idx string) *api.QueryInput {
		return &api.QueryInput{TableName: api.Ptr("Music"), IndexName: api.Ptr(idx),
			KeyConditionExpression: api.Ptr("Genre = :g"), ExpressionAttributeValues: attr.Item{":g": s("Rock")}}
	}
	tests := []struct {
		name string
		mod  func(*api.QueryInput)
		msg  string
	}{
		{"unknown index", func(q *api.QueryInput) { q.IndexName = api.Ptr("Nope") }, "The table does not have the specified index: Nope"},
		{"consistent read on a GSI", func(q *api.QueryInput) { q.ConsistentRead = api.Ptr(true) }, "Consistent reads are not supported on global secondary indexes"},
		{"ALL_ATTRIBUTES on a KEYS_ONLY GSI", func(q *api.QueryInput) {
			q.IndexName = api.Ptr("AlbumIndex")
			q.Select = api.Ptr("ALL_ATTRIBUTES")
		}, "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index AlbumIndex because its projection type is not ALL"},
		{"condition on the table key", func(q *api.QueryInput) {
			q.KeyConditionExpression = api.Ptr("Artist = :g")
		}, "Query condition missed key schema element: Genre"},
		{"wrong key type", func(q *api.QueryInput) {
			q.ExpressionAttributeValues = attr.Item{":g": n("1")}
		}, "One or more parameter values were invalid: Condition parameter type does not match schema type"},
		{"start key without index keys", func(q *api.QueryInput) {
			q.ExclusiveStartKey = attr.Item{"Artist": s("a"), "Song": s("b")}
		}, "The provided starting key is invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := key("GenreYearIndex")
			tc.mod(q)
			_, err := db.Query(ctx, q)
			checkErr(t, err, apierr.ValidationException, tc.msg)
		})
	}
	_, err := db.Scan(ctx, &api.ScanInput{TableName: api.Ptr("Music"), IndexName: api.Ptr("Nope"), ExclusiveStartKey: attr.Item{"Artist": s("a")}})
	checkErr(t, err, apierr.ValidationException, "The provided starting key is invalid")
	_, err = db.Scan(ctx, &api.ScanInput{TableName: api.Ptr("Music"), IndexName: api.Ptr("GenreYearIndex"), ConsistentRead: api.Ptr(true)})
	checkErr(t, err, apierr.ValidationException, "Consistent reads are not supported on global secondary indexes")
	if _, err := db.Query(ctx, &api.QueryInput{TableName: api.Ptr("Music"), IndexName: api.Ptr("ArtistYearIndex"), ConsistentRead: api.Ptr(true),
		KeyConditionExpression: api.Ptr("Artist = :a"), ExpressionAttributeValues: attr.Item{":a": s("x")}}); err != nil {
		t.Errorf("consistent read of an LSI: %v", err)
	}
}

func TestIndexSurvivesReopen(t *testing.T) {
	st := newTablesStore(t)
	c := &tblClock{t: tblEpoch}
	db := openTablesDB(t, st, c)
	var in api.CreateTableInput
	if err := json.Unmarshal([]byte(musicTable), &in); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateTable(context.Background(), &in); err != nil {
		t.Fatal(err)
	}
	put(t, db, "Music", song("A", "x", "Rock", 2000, "y"))
	db2 := openTablesDB(t, st, c)
	if ix := db2.lookup("Music").table.index("GenreYearIndex"); ix == nil || ix.ID != 1 || !ix.Global {
		t.Fatalf("index after reopen = %+v", ix)
	}
	res := checkClean(t, db2)
	if res.Indexes != 3 || res.Entries != 3 {
		t.Errorf("check after reopen = %+v", res)
	}
}

// TestCheckIndexesFindsDivergences damages an index behind the engine's
// back and expects the checker to report each kind of damage.
func TestCheckIndexesFindsDivergences(t *testing.T) {
	db := newMusicDB(t)
	ctx := context.Background()
	put(t, db, "Music", song("A", "one", "Rock", 2001, "X"))
	put(t, db, "Music", song("A", "two", "Rock", 2002, "X"))
	put(t, db, "Music", song("A", "three", "Pop", 2003, "Y"))
	checkClean(t, db)
	tbl := db.lookup("Music").table
	gsi := tbl.index("GenreYearIndex")
	one, two := song("A", "one", "Rock", 2001, "X"), song("A", "two", "Rock", 2002, "X")
	ghost := song("B", "ghost", "Rock", 1999, "")
	err := db.store.Update(ctx, nil, func(txn kv.Txn) error {
		if err := txn.Delete(indexEntryKey(tbl, gsi, one)); err != nil { // missing
			return err
		}
		k, _ := gsi.entry(tbl, two)
		if err := txn.Set(k, encodeItem(song("A", "two", "Rock", 2002, "changed"))); err != nil { // stale
			return err
		}
		k, v := gsi.entry(tbl, ghost)
		return txn.Set(k, v) // extra
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := db.CheckIndexes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, d := range res.Divergences {
		got[d.Kind] = d.Key["Song"].S
		if d.Index != "GenreYearIndex" || d.Table != "Music" {
			t.Errorf("divergence %v names the wrong index", d)
		}
	}
	want := map[string]string{DivergenceMissing: "one", DivergenceStale: "two", DivergenceExtra: "ghost"}
	if fmt.Sprint(got) != fmt.Sprint(want) || len(res.Divergences) != 3 {
		t.Errorf("divergences = %v, want %v", res.Divergences, want)
	}
}

func BenchmarkPutItemWithIndexes(b *testing.B) {
	db, _ := newTablesDB(b)
	var in api.CreateTableInput
	if err := json.Unmarshal([]byte(musicTable), &in); err != nil {
		b.Fatal(err)
	}
	if _, err := db.CreateTable(context.Background(), &in); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		// Half the writes move the item's GSI and LSI entries.
		it := song("Artist", fmt.Sprintf("Song %d", i%1000), "Rock", 1950+i%70, "Album")
		if _, err := db.PutItem(context.Background(), &api.PutItemInput{TableName: api.Ptr("Music"), Item: it}); err != nil {
			b.Fatal(err)
		}
	}
}
