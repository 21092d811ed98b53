package engine

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
)

// newMusicDBLimit is newMusicDB (whose table has the ArtistYearIndex LSI)
// with an item collection cap of limit bytes.
func newMusicDBLimit(t *testing.T, limit int64) *DB {
	t.Helper()
	return newMusicDBOptions(t, Options{ItemCollectionLimit: limit})
}

// newMusicDBOptions is newMusicDB opened with opts.
func newMusicDBOptions(t *testing.T, opts Options) *DB {
	t.Helper()
	db, err := Open(context.Background(), newTablesStore(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.waitJobs(t)
		db.Close()
	})
	var in api.CreateTableInput
	if err := json.Unmarshal([]byte(musicTable), &in); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateTable(context.Background(), &in); err != nil {
		t.Fatal(err)
	}
	return db
}

func wantMetrics(t *testing.T, got *api.ItemCollectionMetrics, artist string) {
	t.Helper()
	if got == nil {
		t.Fatal("no ItemCollectionMetrics")
	}
	if len(got.ItemCollectionKey) != 1 || got.ItemCollectionKey["Artist"].S != artist {
		t.Fatalf("ItemCollectionKey %v, want Artist=%s", got.ItemCollectionKey, artist)
	}
	if len(got.SizeEstimateRangeGB) != 2 || got.SizeEstimateRangeGB[0] != 0 || got.SizeEstimateRangeGB[1] != 1 {
		t.Fatalf("SizeEstimateRangeGB %v, want [0 1]", got.SizeEstimateRangeGB)
	}
}

func TestItemCollectionMetrics(t *testing.T) {
	needExpr(t)
	db := newMusicDB(t)
	ctx := context.Background()
	size := api.Ptr(api.ReturnItemCollectionMetricsSize)
	music := api.Ptr("Music")

	p, err := db.PutItem(ctx, &api.PutItemInput{TableName: music, Item: song("Beatles", "Help", "Rock", 1965, ""), ReturnItemCollectionMetrics: size})
	if err != nil {
		t.Fatal(err)
	}
	wantMetrics(t, p.ItemCollectionMetrics, "Beatles")

	p, err = db.PutItem(ctx, &api.PutItemInput{TableName: music, Item: song("Beatles", "Yesterday", "", 0, ""),
		ReturnItemCollectionMetrics: api.Ptr(api.ReturnItemCollectionMetricsNone)})
	if err != nil || p.ItemCollectionMetrics != nil {
		t.Fatalf("NONE: %v, %v", p.ItemCollectionMetrics, err)
	}

	u, err := db.UpdateItem(ctx, &api.UpdateItemInput{TableName: music, Key: attr.Item{"Artist": s("Beatles"), "Song": s("Help")},
		UpdateExpression: api.Ptr("SET #y = :y"), ExpressionAttributeNames: map[string]string{"#y": "Year"},
		ExpressionAttributeValues: attr.Item{":y": n("1966")}, ReturnItemCollectionMetrics: size})
	if err != nil {
		t.Fatal(err)
	}
	wantMetrics(t, u.ItemCollectionMetrics, "Beatles")

	d, err := db.DeleteItem(ctx, &api.DeleteItemInput{TableName: music, Key: attr.Item{"Artist": s("Stones"), "Song": s("Angie")},
		ReturnItemCollectionMetrics: size})
	if err != nil {
		t.Fatal(err)
	}
	wantMetrics(t, d.ItemCollectionMetrics, "Stones") // a missing item still names its collection

	bw, err := db.BatchWriteItem(ctx, &api.BatchWriteItemInput{ReturnItemCollectionMetrics: size,
		RequestItems: map[string][]api.WriteRequest{"Music": {
			{PutRequest: &api.PutRequest{Item: song("Kinks", "Lola", "Rock", 1970, "")}},
			{DeleteRequest: &api.DeleteRequest{Key: attr.Item{"Artist": s("Beatles"), "Song": s("Yesterday")}}},
		}}})
	if err != nil {
		t.Fatal(err)
	}
	if ms := bw.ItemCollectionMetrics["Music"]; len(ms) != 2 {
		t.Fatalf("BatchWriteItem metrics %v", bw.ItemCollectionMetrics)
	} else {
		wantMetrics(t, &ms[0], "Kinks")
		wantMetrics(t, &ms[1], "Beatles")
	}

	tw, err := db.TransactWriteItems(ctx, &api.TransactWriteItemsInput{ReturnItemCollectionMetrics: size,
		TransactItems: []api.TransactWriteItem{{Put: &api.Put{TableName: music, Item: song("Who", "Tommy", "Rock", 1969, "")}}}})
	if err != nil {
		t.Fatal(err)
	}
	if ms := tw.ItemCollectionMetrics["Music"]; len(ms) != 1 {
		t.Fatalf("TransactWriteItems metrics %v", tw.ItemCollectionMetrics)
	} else {
		wantMetrics(t, &ms[0], "Who")
	}

	// A table without an LSI has no item collection metrics.
	mustCreate(t, db, hashTable("Plain", 0))
	p, err = db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("Plain"), Item: attr.Item{"id": s("1")}, ReturnItemCollectionMetrics: size})
	if err != nil || p.ItemCollectionMetrics != nil {
		t.Fatalf("no LSI: %v, %v", p.ItemCollectionMetrics, err)
	}
	checkClean(t, db)
}

func TestItemCollectionSizeLimit(t *testing.T) {
	testItemCollectionSizeLimit(t, Options{})
}

// With the sizes kept in the store (several nodes), every write path
// refuses and admits alike.
func TestItemCollectionSizeLimitShared(t *testing.T) {
	testItemCollectionSizeLimit(t, Options{SharedCollections: true})
}

func testItemCollectionSizeLimit(t *testing.T, opts Options) {
	needExpr(t)
	const limit = 2000 // bytes
	opts.ItemCollectionLimit = limit
	db := newMusicDBOptions(t, opts)
	ctx := context.Background()
	music := api.Ptr("Music")
	pad := strings.Repeat("x", 400)
	big := func(title string) attr.Item {
		it := song("Beatles", title, "Rock", 1965, "")
		it["Lyrics"] = s(pad)
		return it
	}
	// Each item counts its size (~440 bytes) plus its LSI entry (Artist,
	// Song, Year, Genre: ~40 bytes + 100 overhead): three fit in 2000.
	for _, title := range []string{"A", "B", "C"} {
		put(t, db, "Music", big(title))
	}
	_, err := db.PutItem(ctx, &api.PutItemInput{TableName: music, Item: big("D")})
	checkErr(t, err, apierr.ItemCollectionSizeLimitExceededException, "Collection size exceeded.")
	if get(t, db, "Music", attr.Item{"Artist": s("Beatles"), "Song": s("D")}) != nil {
		t.Fatal("refused put was stored")
	}

	// Other collections are not affected; writes that do not grow the
	// collection are allowed even at the cap.
	put(t, db, "Music", song("Kinks", "Lola", "Rock", 1970, ""))
	if _, err := db.UpdateItem(ctx, &api.UpdateItemInput{TableName: music, Key: attr.Item{"Artist": s("Beatles"), "Song": s("A")},
		UpdateExpression: api.Ptr("REMOVE Lyrics")}); err != nil {
		t.Fatalf("shrinking update: %v", err)
	}
	// Now there is room for D.
	put(t, db, "Music", big("D"))

	// Growing updates, batch puts and transactions are refused alike.
	_, err = db.UpdateItem(ctx, &api.UpdateItemInput{TableName: music, Key: attr.Item{"Artist": s("Beatles"), "Song": s("A")},
		UpdateExpression: api.Ptr("SET Lyrics = :l"), ExpressionAttributeValues: attr.Item{":l": s(pad)}})
	checkErr(t, err, apierr.ItemCollectionSizeLimitExceededException, "Collection size exceeded.")
	_, err = db.BatchWriteItem(ctx, &api.BatchWriteItemInput{RequestItems: map[string][]api.WriteRequest{"Music": {
		{PutRequest: &api.PutRequest{Item: big("E")}}}}})
	checkErr(t, err, apierr.ItemCollectionSizeLimitExceededException, "Collection size exceeded.")
	_, err = db.TransactWriteItems(ctx, &api.TransactWriteItemsInput{TransactItems: []api.TransactWriteItem{
		{Put: &api.Put{TableName: music, Item: song("Kinks", "Victoria", "Rock", 1969, "")}},
		{Put: &api.Put{TableName: music, Item: big("E")}}}})
	checkErr(t, err, apierr.TransactionCanceledException,
		"Transaction cancelled, please refer cancellation reasons for specific reasons [None, ItemCollectionSizeLimitExceeded]")
	if get(t, db, "Music", attr.Item{"Artist": s("Kinks"), "Song": s("Victoria")}) != nil {
		t.Fatal("cancelled transaction wrote")
	}
	checkClean(t, db)
}
