package engine

import (
	"context"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/kv"
)

// waitBase waits until the table with id has a base other than old
// (nil: any), and returns it.
func waitBase(t testing.TB, db *DB, id uint64, old *pitrBase) *pitrBase {
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

	// A longer period cannot reach behind the trimmed log: the window
	// starts at the base.
	long := int64(35)
	if _, err := updatePITR(t, db, "src", true, &long); err != nil {
		t.Fatal(err)
	}
	p := describePITR(t, db, "src")
	if got := apiTimeMicros(*p.EarliestRestorableDateTime); got < rolled.Time {
		t.Errorf("EarliestRestorableDateTime %v is before the base %v", time.UnixMicro(got), time.UnixMicro(rolled.Time))
	}
	_, err = db.RestoreTableToPointInTime(ctx, &api.RestoreTableToPointInTimeInput{SourceTableName: api.Ptr("src"),
		TargetTableName: api.Ptr("too_early"), RestoreDateTime: api.Ptr(api.NewTime(time.UnixMicro(rolled.Time).Add(-time.Hour)))})
	if !isCode(err, apierr.InvalidRestoreTimeException) {
		t.Errorf("restore before the rolled base: %v, want InvalidRestoreTimeException", err)
	}
}

// Turning PITR off drops the table's base and, with no stream reading
// it, its change log.
func TestPITRBaseDroppedWhenDisabled(t *testing.T) {
	db, _ := newTablesDB(t)
	ctx := context.Background()
	mustCreate(t, db, hashTable("src", 0))
	if _, err := updatePITR(t, db, "src", true, nil); err != nil {
		t.Fatal(err)
	}
	e := db.lookup("src")
	waitBase(t, db, e.table.ID, nil)
	for i := range 10 {
		put(t, db, "src", attr.Item{"id": attr.String(fmt.Sprint(i))})
	}
	if _, err := updatePITR(t, db, "src", false, nil); err != nil {
		t.Fatal(err)
	}
	log := changeLogName(e.table.ID, 0)
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, err := db.getPITRBase(ctx, db.store, e.table.ID)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := db.store.ReadLog(ctx, log, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if b == nil && len(recs) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after PITR off: base %v, %d log records", b != nil, len(recs))
		}
		if err := db.jobs.RunSoon(ctx, jobPITRBase, pitrJobID); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := viewItems(t, db, view{Base: pitrDataName(e.table.ID)}); len(got) != 0 {
		t.Errorf("the dropped base still holds %d items", len(got))
	}
}

// A restore to a time before the table's first base (PITR enabled a
// moment before the base was copied) is the base when the log shows no
// change between the two, and fails (its table deleted) when it does.
func TestRestoreBeforeFirstBase(t *testing.T) {
	db, clock := newTablesDB(t)
	ctx := context.Background()
	mustCreate(t, db, hashTable("src", 0))
	put(t, db, "src", attr.Item{"id": attr.String("a")})
	if _, err := updatePITR(t, db, "src", true, nil); err != nil {
		t.Fatal(err)
	}
	e := db.lookup("src")
	enabled := clock.now()
	b := waitBase(t, db, e.table.ID, nil)
	// The base was copied 5 s after PITR was enabled.
	late := *b
	late.Time = enabled.Add(5 * time.Second).UnixMicro()
	if err := db.store.Update(ctx, [][]byte{pitrBaseKey(e.table.ID)}, func(txn kv.Txn) error {
		return putJSON(txn, pitrBaseKey(e.table.ID), &late)
	}); err != nil {
		t.Fatal(err)
	}
	clock.advance(10 * time.Second)
	restore := func(target string, at time.Time) {
		t.Helper()
		if _, err := db.RestoreTableToPointInTime(ctx, &api.RestoreTableToPointInTimeInput{SourceTableName: api.Ptr("src"),
			TargetTableName: api.Ptr(target), RestoreDateTime: api.Ptr(api.NewTime(at))}); err != nil {
			t.Fatal(err)
		}
		db.waitJobs(t)
	}
	restore("quiet", enabled.Add(2*time.Second))
	if got := db.lookup("quiet"); got == nil || got.rec.Loading != nil || len(tableItems(t, db, got.table)) != 1 {
		t.Fatalf("restore before a base nothing changed since: %+v", got)
	}

	// A change logged before the base's positions, after the time.
	put(t, db, "src", attr.Item{"id": attr.String("b")})
	late.Positions = []kv.Seq{1 << 40}
	if err := db.store.Update(ctx, [][]byte{pitrBaseKey(e.table.ID)}, func(txn kv.Txn) error {
		return putJSON(txn, pitrBaseKey(e.table.ID), &late)
	}); err != nil {
		t.Fatal(err)
	}
	restore("changed", enabled.Add(2*time.Second))
	if got := db.lookup("changed"); got != nil {
		t.Fatalf("a restore the log contradicts left its table: %+v", got.rec.Loading)
	}
}
