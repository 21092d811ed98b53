package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
)

// Two nodes writing one item collection at once refuse writes at the same
// total: the collection ends full to within one item and never past the
// cap, and a deletion through one node makes room for a write through the
// other.
func TestTwoNodesShareItemCollectionSizes(t *testing.T) {
	testTwoNodesShareItemCollectionSizes(t, sharedPebble(t))
}

func testTwoNodesShareItemCollectionSizes(t *testing.T, nodes nodeStore) {
	needExpr(t)
	const limit = 20000 // bytes: about 37 of the items below
	opts := Options{ItemCollectionLimit: limit, SharedCollections: true}
	a, b := openNode(t, nodes(t), opts), openNode(t, nodes(t), opts)
	ctx := context.Background()
	var in api.CreateTableInput
	if err := json.Unmarshal([]byte(musicTable), &in); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateTable(ctx, &in); err != nil {
		t.Fatal(err)
	}
	pad := strings.Repeat("x", 400)
	item := func(title string) attr.Item {
		it := song("Beatles", title, "Rock", 1965, "")
		it["Lyrics"] = s(pad)
		return it
	}
	tbl := a.lookup("Music").table
	lsis := localIndexes(a.liveIndexes(tbl))
	one := collectionBytes(tbl, lsis, item("w0-0000"))
	put(t, a, "Music", item("first"))

	// Two writers per node, each putting new items until refused.
	var mu sync.Mutex
	admitted := 1
	var wg sync.WaitGroup
	for w, db := range []*DB{a, a, b, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				_, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("Music"), Item: item(fmt.Sprintf("w%d-%04d", w, i))})
				if e := apierr.As(err); e != nil && e.Code == apierr.ItemCollectionSizeLimitExceededException {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				admitted++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	snap, err := a.store.NewSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	size, err := itemCollectionSize(ctx, snap, tbl, lsis, s("Beatles"))
	snap.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d items of %d bytes admitted through two nodes: %d bytes, cap %d", admitted, one, size, limit)
	if size > limit {
		t.Errorf("the collection grew to %d bytes, past the cap of %d", size, limit)
	}
	if size+one <= limit {
		t.Errorf("the collection stopped at %d bytes: room for another %d-byte item under the cap of %d", size, one, limit)
	}
	if want := int64(admitted-1)*one + collectionBytes(tbl, lsis, item("first")); want != size {
		t.Errorf("%d items admitted, but the collection holds %d bytes (%d items)", admitted, size, size/one)
	}
	for _, db := range []*DB{a, b} {
		_, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("Music"), Item: item("late")})
		checkErr(t, err, apierr.ItemCollectionSizeLimitExceededException, msgCollectionSize)
	}
	// A deletion through b makes room for a put through a, and a full
	// collection again refuses b.
	if _, err := b.DeleteItem(ctx, &api.DeleteItemInput{TableName: api.Ptr("Music"),
		Key: attr.Item{"Artist": s("Beatles"), "Song": s("first")}}); err != nil {
		t.Fatal(err)
	}
	put(t, a, "Music", item("later"))
	_, err = b.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("Music"), Item: item("latest")})
	checkErr(t, err, apierr.ItemCollectionSizeLimitExceededException, msgCollectionSize)
	checkClean(t, a)
}
