package engine

import (
	"context"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/jobs"
	"github.com/dynago/dynago/internal/kv"
)

// runAsJob runs fn as the body of a leased job on a runner of its own over
// db's store, and returns its error.
func runAsJob(t *testing.T, db *DB, fn func(context.Context, *jobs.Job) error) error {
	t.Helper()
	done := make(chan error, 1)
	r := jobs.NewRunner(db.store, map[string]jobs.Body{"test-copy": func(ctx context.Context, j *jobs.Job) error {
		err := fn(ctx, j)
		done <- err
		return err
	}}, jobs.Options{PollInterval: 10 * time.Millisecond})
	id := fmt.Sprint(time.Now().UnixNano())
	ctx := context.Background()
	if err := db.store.Update(ctx, [][]byte{jobs.JobKey("test-copy", id)}, func(txn kv.Txn) error {
		return jobs.Submit(ctx, txn, "test-copy", id, nil)
	}); err != nil {
		t.Fatal(err)
	}
	r.Start()
	defer r.Close()
	r.Wake()
	select {
	case err := <-done:
		return err
	case <-time.After(time.Minute):
		t.Fatal("the job did not run")
		return nil
	}
}

// tableItems returns a table's items by key suffix, as stored.
func tableItems(t *testing.T, db *DB, tb *Table) map[string]string {
	t.Helper()
	it, err := db.store.Iter(context.Background(), itemsPrefix(tb.ID), prefixEnd(itemsPrefix(tb.ID)), false)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	out := map[string]string{}
	for it.Next() {
		out[string(tableSuffix(tb.ID, it.Key()))] = string(it.Value())
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func viewItems(t *testing.T, db *DB, v view) map[string]string {
	t.Helper()
	vi, err := db.iterView(context.Background(), db.store, v, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer vi.Close()
	out := map[string]string{}
	for vi.Next() {
		out[string(vi.Key())] = string(vi.Value())
	}
	if err := vi.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// A copy from a snapshot holds the table as it was; replaying the change
// log after the snapshot's positions onto an overlay makes the view equal
// the table as it is now (updates, deletes and inserts included), and a
// replay bounded in time stops at that time.
func TestSnapshotCopyAndReplay(t *testing.T) {
	db, clock := newTablesDB(t)
	mustCreate(t, db, hashTable("src", 0))
	if _, err := updatePITR(t, db, "src", true, nil); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	putV := func(id, v string) {
		t.Helper()
		if _, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("src"), Item: attr.Item{"id": attr.String(id), "v": attr.String(v)}}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 2500 { // more than one copy batch
		putV(fmt.Sprintf("k%04d", i), "1")
	}
	e := db.lookup("src")
	var base *snapshotCopy
	if err := runAsJob(t, db, func(ctx context.Context, j *jobs.Job) (err error) {
		base, err = db.copyFromSnapshot(ctx, j, e.table, e.rec.ChangeLog, "base", nil, nil)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	atBase := tableItems(t, db, e.table)
	if base.Items != 2500 || len(base.Positions) != 1 {
		t.Fatalf("copied %d items, positions %v", base.Items, base.Positions)
	}
	if got := viewItems(t, db, view{Base: "base"}); !maps.Equal(got, atBase) {
		t.Fatalf("the base holds %d items, the table %d", len(got), len(atBase))
	}

	clock.advance(time.Minute)
	putV("k0001", "2")
	if _, err := db.DeleteItem(ctx, &api.DeleteItemInput{TableName: api.Ptr("src"), Key: attr.Item{"id": attr.String("k0002")}}); err != nil {
		t.Fatal(err)
	}
	midway := clock.now()
	afterFirst := tableItems(t, db, e.table)
	clock.advance(time.Minute)
	putV("new", "3")
	putV("k0003", "4")
	now := tableItems(t, db, e.table)

	replay := func(name string, upTo time.Time) int64 {
		var n int64
		if err := runAsJob(t, db, func(ctx context.Context, j *jobs.Job) (err error) {
			n, err = db.replayInto(ctx, j, e.table, 1, base.Positions, upTo.UnixMicro(), name)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := replay("now", clock.now()); n != 4 {
		t.Errorf("replayed %d records, want 4", n)
	}
	if got := viewItems(t, db, view{Base: "base", Overlay: "now"}); !maps.Equal(got, now) {
		t.Errorf("view to now: %d items, table %d", len(got), len(now))
	}
	if n := replay("midway", midway); n != 2 {
		t.Errorf("replayed %d records up to midway, want 2", n)
	}
	if got := viewItems(t, db, view{Base: "base", Overlay: "midway"}); !maps.Equal(got, afterFirst) {
		t.Errorf("view to midway differs from the table then: %d items, want %d", len(got), len(afterFirst))
	}

	if err := db.dropData(ctx, "base"); err != nil {
		t.Fatal(err)
	}
	if got := viewItems(t, db, view{Base: "base"}); len(got) != 0 {
		t.Errorf("dropped base still holds %d items", len(got))
	}
}
