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
)

// DeleteTable of a table with PITR on leaves a SYSTEM backup named
// "<table>$DeletedTableBackup", AVAILABLE with the table's items as they
// were at the deletion, listed under SYSTEM and ALL (not USER), restorable
// with RestoreTableFromBackup, and gone 35 days later; the table's data is
// dropped only once the backup holds it. A table without PITR leaves none.
func TestSystemBackupOfDeletedTable(t *testing.T) {
	ctx := context.Background()
	db, clock := newTablesDB(t)
	mustCreate(t, db, hashTable("src", 0))
	mustCreate(t, db, hashTable("plain", 0))
	for i := range 30 {
		put(t, db, "src", attr.Item{"id": attr.String(fmt.Sprintf("k%02d", i)), "v": attr.String("a")})
		put(t, db, "plain", attr.Item{"id": attr.String(fmt.Sprintf("k%02d", i))})
	}
	if _, err := updatePITR(t, db, "src", true, nil); err != nil {
		t.Fatal(err)
	}
	src := db.lookup("src")
	want := tableItems(t, db, src.table)
	deletedAt := clock.now()
	for _, name := range []string{"src", "plain"} {
		if _, err := db.DeleteTable(ctx, &api.DeleteTableInput{TableName: api.Ptr(name)}); err != nil {
			t.Fatal(err)
		}
	}
	db.waitJobs(t)

	list := func(typ string) []api.BackupSummary {
		t.Helper()
		in := &api.ListBackupsInput{}
		if typ != "" {
			in.BackupType = api.Ptr(typ)
		}
		out, err := db.ListBackups(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return out.BackupSummaries
	}
	if got := list(""); len(got) != 0 {
		t.Fatalf("ListBackups (USER) lists %d backups", len(got))
	}
	sys := list(api.BackupTypeFilterSystem)
	if len(sys) != 1 || len(list(api.BackupTypeFilterAll)) != 1 {
		t.Fatalf("ListBackups SYSTEM lists %d backups, want 1 (the table without PITR leaves none)", len(sys))
	}
	s := sys[0]
	if api.Str(s.BackupName) != "src$DeletedTableBackup" || api.Str(s.BackupType) != api.BackupTypeSystem ||
		api.Str(s.BackupStatus) != api.BackupStatusAvailable || api.Str(s.TableName) != "src" {
		t.Fatalf("system backup %s %s %s of %s", api.Str(s.BackupName), api.Str(s.BackupType), api.Str(s.BackupStatus), api.Str(s.TableName))
	}
	if exp := apiTime(*s.BackupExpiryDateTime); !exp.Equal(deletedAt.Add(35 * 24 * time.Hour).Truncate(time.Millisecond)) {
		t.Fatalf("BackupExpiryDateTime %v, want 35 days after %v", exp, deletedAt)
	}
	d, err := db.DescribeBackup(ctx, &api.DescribeBackupInput{BackupArn: s.BackupArn})
	if err != nil {
		t.Fatal(err)
	}
	if n := api.Int(d.BackupDescription.SourceTableDetails.ItemCount, -1); n != 30 {
		t.Fatalf("system backup ItemCount %d", n)
	}
	// The deleted table's own data is gone once the backup holds it.
	if left := tableItems(t, db, src.table); len(left) != 0 {
		t.Fatalf("the deleted table keeps %d items", len(left))
	}
	id, _ := taskIDFromArn(api.Str(s.BackupArn), "backup")
	if got := viewItems(t, db, view{Base: backupDataName(id)}); !maps.Equal(got, want) {
		t.Fatalf("system backup holds %d items, the table held %d", len(got), len(want))
	}

	// Restored like any backup: the table as it was when deleted.
	if _, err := db.RestoreTableFromBackup(ctx, &api.RestoreTableFromBackupInput{BackupArn: s.BackupArn, TargetTableName: api.Ptr("src")}); err != nil {
		t.Fatal(err)
	}
	db.waitJobs(t)
	if got := tableItems(t, db, db.lookup("src").table); !maps.Equal(got, want) {
		t.Fatalf("restored %d items, want %d", len(got), len(want))
	}
	// The restored table has no PITR, as any restore.
	if c, err := db.DescribeContinuousBackups(ctx, &api.DescribeContinuousBackupsInput{TableName: api.Ptr("src")}); err != nil ||
		api.Str(c.ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus) != api.PointInTimeRecoveryStatusDisabled {
		t.Fatalf("restored table's PITR: %v %v", c, err)
	}

	// After 35 days the backup is not found.
	clock.advance(35*24*time.Hour + time.Second)
	_, err = db.DescribeBackup(ctx, &api.DescribeBackupInput{BackupArn: s.BackupArn})
	wantAPIErr(t, err, apierr.BackupNotFoundException, "Backup not found: "+api.Str(s.BackupArn))
	if got := list(api.BackupTypeFilterAll); len(got) != 0 {
		t.Fatalf("ListBackups ALL lists %d expired backups", len(got))
	}
	_, err = db.RestoreTableFromBackup(ctx, &api.RestoreTableFromBackupInput{BackupArn: s.BackupArn, TargetTableName: api.Ptr("again")})
	wantAPIErr(t, err, apierr.BackupNotFoundException, "Backup not found: "+api.Str(s.BackupArn))
}

// The backup-expire job deletes an expired system backup and its data.
func TestSystemBackupExpires(t *testing.T) {
	ctx := context.Background()
	db, clock := newTablesDB(t)
	mustCreate(t, db, hashTable("src", 0))
	put(t, db, "src", attr.Item{"id": attr.String("a")})
	if _, err := updatePITR(t, db, "src", true, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DeleteTable(ctx, &api.DeleteTableInput{TableName: api.Ptr("src")}); err != nil {
		t.Fatal(err)
	}
	db.waitJobs(t)
	out, err := db.ListBackups(ctx, &api.ListBackupsInput{BackupType: api.Ptr(api.BackupTypeFilterSystem)})
	if err != nil || len(out.BackupSummaries) != 1 {
		t.Fatalf("ListBackups: %v %v", out, err)
	}
	id, _ := taskIDFromArn(api.Str(out.BackupSummaries[0].BackupArn), "backup")
	clock.advance(36 * 24 * time.Hour)
	if err := db.jobs.RunSoon(ctx, jobBackupExpire, id); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var rec backupRecord
		found, err := getJSON(ctx, db.store, backupKey(id), &rec)
		if err != nil {
			t.Fatal(err)
		}
		if !found {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the expired system backup is still recorded")
		}
		time.Sleep(5 * time.Millisecond)
	}
	db.waitJobs(t)
	if got := viewItems(t, db, view{Base: backupDataName(id)}); len(got) != 0 {
		t.Fatalf("the expired backup's data keeps %d items", len(got))
	}
}

// A system backup whose copy has not run (the process stopped right after
// DeleteTable) keeps the deleted table's data: no drop is submitted until
// the backup holds it, and a later process copies it in full.
func TestSystemBackupAfterRestart(t *testing.T) {
	ctx := context.Background()
	st := newTablesStore(t)
	c := &tblClock{t: tblEpoch}
	idle, err := Open(ctx, st, Options{Now: c.now, NoIndexJobs: true})
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, idle, hashTable("src", 0))
	for i := range 40 {
		put(t, idle, "src", attr.Item{"id": attr.String(fmt.Sprintf("k%02d", i))})
	}
	if _, err := updatePITR(t, idle, "src", true, nil); err != nil {
		t.Fatal(err)
	}
	src := idle.lookup("src")
	want := tableItems(t, idle, src.table)
	if _, err := idle.DeleteTable(ctx, &api.DeleteTableInput{TableName: api.Ptr("src")}); err != nil {
		t.Fatal(err)
	}
	pending, err := idle.pendingJobs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if hasJob(pending, jobTableDrop) || !hasJob(pending, jobBackup) {
		t.Fatalf("after DeleteTable: jobs %v, want the system backup's and no drop", pending)
	}
	idle.Close()

	db := openTablesDB(t, st, c)
	db.waitJobs(t)
	out, err := db.ListBackups(ctx, &api.ListBackupsInput{BackupType: api.Ptr(api.BackupTypeFilterSystem)})
	if err != nil || len(out.BackupSummaries) != 1 || api.Str(out.BackupSummaries[0].BackupStatus) != api.BackupStatusAvailable {
		t.Fatalf("ListBackups SYSTEM: %+v %v", out, err)
	}
	id, _ := taskIDFromArn(api.Str(out.BackupSummaries[0].BackupArn), "backup")
	if got := viewItems(t, db, view{Base: backupDataName(id)}); !maps.Equal(got, want) {
		t.Fatalf("system backup holds %d items, the table held %d", len(got), len(want))
	}
	if left := tableItems(t, db, src.table); len(left) != 0 {
		t.Fatalf("the deleted table keeps %d items after its backup", len(left))
	}
}
