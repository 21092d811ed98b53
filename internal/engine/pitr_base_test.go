package engine

import (
	"context"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
)

// waitBase waits until the table with id has a base other than old
// (nil: any), and returns it.
func waitBase(t *testing.T, db *DB, id uint64, old *pitrBase) *pitrBase {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, err := db.getPITRBase(context.Background(), db.store, id)
		if err != nil {
			t.Fatal(err)
		}
		if b != nil && (old == nil || b.Time != old.Time) {
			return b
		}
		if time.Now().After(deadline) {
			t.Fatal("no new PITR base")
		}
		if err := db.jobs.RunSoon(context.Background(), jobPITRBase, pitrJobID); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The base job copies a PITR table's first base, rolls it forward to the
// start of the recovery period once it is a base interval older, and
// trims the change log behind it; a restore to a later time still gives
// the table as it was.
func TestPITRBaseRollAndTrim(t *testing.T) {
	db, clock := newTablesDB(t)
	ctx := context.Background()
	mustCreate(t, db, hashTable("src", 0))
	putV := func(id, v string) {
		t.Helper()
		if _, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("src"), Item: attr.Item{"id": attr.String(id), "v": attr.String(v)}}); err != nil {
			t.Fatal(err)
		}
	}
	del := func(id string) {
		t.Helper()
		if _, err := db.DeleteItem(ctx, &api.DeleteItemInput{TableName: api.Ptr("src"), Key: attr.Item{"id": attr.String(id)}}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 100 {
		putV(fmt.Sprintf("k%03d", i), "1")
	}
	days := int64(1)
	if _, err := updatePITR(t, db, "src", true, &days); err != nil {
		t.Fatal(err)
	}
	e := db.lookup("src")
	first := waitBase(t, db, e.table.ID, nil)
	if first.Items != 100 {
		t.Fatalf("first base holds %d items", first.Items)
	}

	clock.advance(time.Hour)
	putV("k000", "2")
	del("k001")
	putV("new", "1")
	inPeriodStart := tableItems(t, db, e.table)
	clock.advance(48 * time.Hour)
	putV("k002", "3")
	del("k003")
	latest := tableItems(t, db, e.table)
	log := changeLogName(e.table.ID, 0)
	before, err := db.store.ReadLog(ctx, log, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}

	rolled := waitBase(t, db, e.table.ID, first)
	if want := clock.now().Add(-24 * time.Hour).UnixMicro(); rolled.Time != want {
		t.Errorf("rolled base at %v, want the start of the period %v", time.UnixMicro(rolled.Time), time.UnixMicro(want))
	}
	if got := viewItems(t, db, view{Base: rolled.Data}); !maps.Equal(got, inPeriodStart) {
		t.Errorf("rolled base: %d items, the table then %d", len(got), len(inPeriodStart))
	}
	after, err := db.store.ReadLog(ctx, log, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(before) != 5 || len(after) != 2 {
		t.Errorf("change log: %d records before the roll, %d after; want 5 and 2", len(before), len(after))
	}

	clock.advance(10 * time.Second)
	if _, err := db.RestoreTableToPointInTime(ctx, &api.RestoreTableToPointInTimeInput{
		SourceTableName: api.Ptr("src"), TargetTableName: api.Ptr("dst"), UseLatestRestorableTime: api.Ptr(true)}); err != nil {
		t.Fatal(err)
	}
	db.waitJobs(t)
	dst := db.lookup("dst")
	if dst == nil || dst.rec.Loading != nil {
		t.Fatalf("restored table: %+v", dst)
	}
	if got := tableItems(t, db, dst.table); !maps.Equal(got, latest) {
		t.Errorf("restored after the trim: %d items, want %d", len(got), len(latest))
	}
}
