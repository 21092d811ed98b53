package engine

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
)

func TestTableStatsAndDrop(t *testing.T) {
	db := newItemsDB(t)
	ctx := context.Background()
	want := int64(0)
	for i := range 30 {
		it := attr.Item{"id": s(fmt.Sprint(i)), "v": n(fmt.Sprint(i))}
		want += int64(attr.ItemSize(it))
		put(t, db, tblHash, it)
		put(t, db, tblNum, attr.Item{"id": n(fmt.Sprint(i))})
	}
	th, _ := db.table(ctx, tblHash)
	tn, _ := db.table(ctx, tblNum)
	count, size, err := db.tableStats(ctx, th)
	if err != nil || count != 30 || size != want {
		t.Fatalf("tableStats = %d items, %d bytes, %v; want 30, %d", count, size, err, want)
	}
	if err := db.dropRange(ctx, tablePrefix(th.ID), prefixEnd(tablePrefix(th.ID))); err != nil {
		t.Fatal(err)
	}
	if count, size, err = db.tableStats(ctx, th); err != nil || count != 0 || size != 0 {
		t.Fatalf("after drop: %d items, %d bytes, %v", count, size, err)
	}
	if count, _, err = db.tableStats(ctx, tn); err != nil || count != 30 {
		t.Fatalf("dropping one table touched another: %d items, %v", count, err)
	}
}

// Conditional writes on one key are isolated: of many concurrent
// "create if absent" puts exactly one wins, and concurrent increments
// lose nothing.
func TestConcurrentWritesOneKey(t *testing.T) {
	db := newItemsDB(t)
	ctx := context.Background()
	const workers = 16
	var wg sync.WaitGroup
	wins := make(chan int, workers)
	for w := range workers {
		wg.Go(func() {
			_, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr(tblHash), Item: attr.Item{"id": s("once"), "w": n(fmt.Sprint(w))},
				ConditionExpression: api.Ptr("attribute_not_exists(id)")})
			switch {
			case err == nil:
				wins <- w
			case !isCode(err, apierr.ConditionalCheckFailedException):
				t.Error(err)
			}
		})
	}
	wg.Wait()
	close(wins)
	if len(wins) != 1 {
		t.Fatalf("%d conditional puts succeeded, want 1", len(wins))
	}

	for range workers {
		wg.Go(func() {
			for range 10 {
				_, err := db.UpdateItem(ctx, &api.UpdateItemInput{TableName: api.Ptr(tblHash), Key: attr.Item{"id": s("counter")},
					UpdateExpression: api.Ptr("ADD c :one"), ExpressionAttributeValues: attr.Item{":one": n("1")}})
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if got := get(t, db, tblHash, attr.Item{"id": s("counter")}); got["c"].S != fmt.Sprint(workers*10) {
		t.Fatalf("counter = %v, want %d", got["c"], workers*10)
	}
}
