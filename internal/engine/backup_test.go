package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/jobs"
	"github.com/dynago/dynago/internal/kv"
)

// The in-use answers of backups and restores, made deterministic by an
// engine that runs no jobs (so a backup stays CREATING and a restore
// stays in progress).
func TestBackupInUse(t *testing.T) {
	ctx := context.Background()
	st := newTablesStore(t)
	c := &tblClock{t: tblEpoch}
	db, err := Open(ctx, st, Options{Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, db, hashTable("src", 0))
	put(t, db, "src", attr.Item{"id": attr.String("a")})
	out, err := db.CreateBackup(ctx, &api.CreateBackupInput{TableName: api.Ptr("src"), BackupName: api.Ptr("ready")})
	if err != nil {
		t.Fatal(err)
	}
	ready := api.Str(out.BackupDetails.BackupArn)
	db.waitJobs(t)
	db.Close()

	idle, err := Open(ctx, st, Options{Now: c.now, NoIndexJobs: true})
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	out, err = idle.CreateBackup(ctx, &api.CreateBackupInput{TableName: api.Ptr("src"), BackupName: api.Ptr("pending")})
	if err != nil {
		t.Fatal(err)
	}
	pending := api.Str(out.BackupDetails.BackupArn)
	if s := api.Str(out.BackupDetails.BackupStatus); s != api.BackupStatusCreating {
		t.Fatalf("status %s", s)
	}
	_, err = idle.DeleteBackup(ctx, &api.DeleteBackupInput{BackupArn: api.Ptr(pending)})
	wantAPIErr(t, err, apierr.BackupInUseException, "Backup is being created: "+pending)
	_, err = idle.RestoreTableFromBackup(ctx, &api.RestoreTableFromBackupInput{BackupArn: api.Ptr(pending), TargetTableName: api.Ptr("dst")})
	wantAPIErr(t, err, apierr.BackupInUseException, "Backup is being created: "+pending)

	if _, err := idle.RestoreTableFromBackup(ctx, &api.RestoreTableFromBackupInput{BackupArn: api.Ptr(ready), TargetTableName: api.Ptr("dst")}); err != nil {
		t.Fatal(err)
	}
	if s := api.Str(mustDescribe(t, idle, "dst").TableStatus); s != api.TableStatusCreating {
		t.Fatalf("restoring table %s", s)
	}
	_, err = idle.RestoreTableFromBackup(ctx, &api.RestoreTableFromBackupInput{BackupArn: api.Ptr(ready), TargetTableName: api.Ptr("dst")})
	wantAPIErr(t, err, apierr.TableInUseException, "Table: dst is already being restored from backup: "+ready)
	// One restore from a backup at a time (ack-api-quirks DDB-BACKUP-010).
	_, err = idle.RestoreTableFromBackup(ctx, &api.RestoreTableFromBackupInput{BackupArn: api.Ptr(ready), TargetTableName: api.Ptr("dst2")})
	wantAPIErr(t, err, apierr.BackupInUseException, "Backup is being used to restore another table: "+ready)
	if e := idle.cat.get("dst2"); e != nil {
		t.Errorf("the refused restore created dst2")
	}
	_, err = idle.DeleteBackup(ctx, &api.DeleteBackupInput{BackupArn: api.Ptr(ready)})
	wantAPIErr(t, err, apierr.BackupInUseException, "Backup is being used to restore table: "+ready)
	// A restore's target is not found by CreateBackup until it is ACTIVE
	// (ack-api-quirks DDB-TABLE-217).
	_, err = idle.CreateBackup(ctx, &api.CreateBackupInput{TableName: api.Ptr("dst"), BackupName: api.Ptr("nope")})
	wantAPIErr(t, err, apierr.TableNotFoundException, "Table not found: dst")
	_, err = idle.GetItem(ctx, &api.GetItemInput{TableName: api.Ptr("dst"), Key: attr.Item{"id": attr.String("a")}})
	wantAPIErr(t, err, apierr.ResourceNotFoundException, "Requested resource not found")
	_, err = idle.DeleteTable(ctx, &api.DeleteTableInput{TableName: api.Ptr("dst")})
	wantAPIErr(t, err, apierr.ResourceInUseException, "Attempt to change a resource which is still in use: Table is being created: dst")
}

// A backup job that a restart interrupts after its first snapshot copies
// a later state, and rolls it back with the old images logged since: the
// backup holds the table as the first snapshot saw it, not as it is when
// the job resumes. Once AVAILABLE the table logs nothing again.
func TestBackupResumedRollsBack(t *testing.T) {
	ctx := context.Background()
	st := newTablesStore(t)
	c := &tblClock{t: tblEpoch}
	idle, err := Open(ctx, st, Options{Now: c.now, NoIndexJobs: true})
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, idle, hashTable("src", 0))
	for i := range 50 {
		put(t, idle, "src", attr.Item{"id": attr.String(fmt.Sprintf("k%02d", i)), "v": attr.String("a")})
	}
	out, err := idle.CreateBackup(ctx, &api.CreateBackupInput{TableName: api.Ptr("src"), BackupName: api.Ptr("resumed")})
	if err != nil {
		t.Fatal(err)
	}
	arn := api.Str(out.BackupDetails.BackupArn)
	id, _ := taskIDFromArn(arn, "backup")
	e := idle.lookup("src")
	if cl := e.rec.ChangeLog; cl == nil || !cl.Old || len(e.rec.Backups) != 1 {
		t.Fatalf("while the backup copies: change log %+v, backups %v", cl, e.rec.Backups)
	}
	// What a first run records before it copies: its snapshot.
	snap, first, err := idle.takeSnapshot(ctx, e.table, e.rec.ChangeLog)
	if err != nil {
		t.Fatal(err)
	}
	snap.Close()
	want := tableItems(t, idle, e.table)
	prog, _ := json.Marshal(&backupProgress{Shards: 1, Positions: first.Positions, Time: first.Time})
	key := jobs.JobKey(jobBackup, id)
	if err := st.Update(ctx, [][]byte{key}, func(txn kv.Txn) error {
		if err := txn.Delete(key); err != nil {
			return err
		}
		return jobs.SubmitResumed(ctx, txn, jobBackup, id, nil, prog)
	}); err != nil {
		t.Fatal(err)
	}
	// Writes after the first snapshot: modifies (one twice), deletes, an
	// insert, and one insert then delete.
	put(t, idle, "src", attr.Item{"id": attr.String("k00"), "v": attr.String("b")})
	put(t, idle, "src", attr.Item{"id": attr.String("k00"), "v": attr.String("c")})
	put(t, idle, "src", attr.Item{"id": attr.String("k01"), "v": attr.String("b")})
	for _, k := range []string{"k02", "k03"} {
		if _, err := idle.DeleteItem(ctx, &api.DeleteItemInput{TableName: api.Ptr("src"), Key: attr.Item{"id": attr.String(k)}}); err != nil {
			t.Fatal(err)
		}
	}
	put(t, idle, "src", attr.Item{"id": attr.String("new"), "v": attr.String("b")})
	put(t, idle, "src", attr.Item{"id": attr.String("gone"), "v": attr.String("b")})
	if _, err := idle.DeleteItem(ctx, &api.DeleteItemInput{TableName: api.Ptr("src"), Key: attr.Item{"id": attr.String("gone")}}); err != nil {
		t.Fatal(err)
	}
	later := tableItems(t, idle, e.table)
	idle.Close()

	db := openTablesDB(t, st, c)
	db.waitJobs(t)
	d, err := db.DescribeBackup(ctx, &api.DescribeBackupInput{BackupArn: api.Ptr(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if s := api.Str(d.BackupDescription.BackupDetails.BackupStatus); s != api.BackupStatusAvailable {
		t.Fatalf("backup %s", s)
	}
	if n := api.Int(d.BackupDescription.SourceTableDetails.ItemCount, -1); n != int64(len(want)) {
		t.Fatalf("backup ItemCount %d, want %d", n, len(want))
	}
	got := viewItems(t, db, view{Base: backupDataName(id)})
	if !maps.Equal(got, want) || maps.Equal(got, later) {
		t.Fatalf("backup holds %d items, not the first snapshot's %d (the table now holds %d)", len(got), len(want), len(later))
	}
	if e := db.lookup("src"); e.rec.ChangeLog != nil || len(e.rec.Backups) != 0 {
		t.Fatalf("after the backup: change log %+v, backups %v", e.rec.ChangeLog, e.rec.Backups)
	}
	recs, err := st.ReadLog(ctx, changeLogName(e.table.ID, 0), 0, 100)
	if err != nil || len(recs) != 0 {
		t.Fatalf("the backup's log keeps %d records (%v)", len(recs), err)
	}
}

// A restore drops the source's table class, as DynamoDB's does
// (ack-api-quirks DDB-TABLE-215).
func TestRestoreDropsTableClass(t *testing.T) {
	ctx := context.Background()
	st := newTablesStore(t)
	c := &tblClock{t: tblEpoch}
	db, err := Open(ctx, st, Options{Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	in := hashTable("ia1", 0)
	in.TableClass = api.Ptr(api.TableClassStandardInfrequentAccess)
	mustCreate(t, db, in)
	if d := mustDescribe(t, db, "ia1"); d.TableClassSummary == nil {
		t.Fatalf("source has no TableClassSummary")
	}
	out, err := db.CreateBackup(ctx, &api.CreateBackupInput{TableName: api.Ptr("ia1"), BackupName: api.Ptr("bak")})
	if err != nil {
		t.Fatal(err)
	}
	db.waitJobs(t)
	if _, err := db.RestoreTableFromBackup(ctx, &api.RestoreTableFromBackupInput{BackupArn: out.BackupDetails.BackupArn, TargetTableName: api.Ptr("ia2x")}); err != nil {
		t.Fatal(err)
	}
	db.waitJobs(t)
	d := mustDescribe(t, db, "ia2x")
	if api.Str(d.TableStatus) != api.TableStatusActive || d.TableClassSummary != nil || d.RestoreSummary != nil {
		t.Fatalf("restored: %s, TableClassSummary %+v, RestoreSummary %+v", api.Str(d.TableStatus), d.TableClassSummary, d.RestoreSummary)
	}
}
