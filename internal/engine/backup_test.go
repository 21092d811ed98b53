package engine

import (
	"context"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
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
	wantAPIErr(t, err, apierr.TableInUseException, "Table is being created: dst")
	_, err = idle.DeleteBackup(ctx, &api.DeleteBackupInput{BackupArn: api.Ptr(ready)})
	wantAPIErr(t, err, apierr.BackupInUseException, "Backup is being restored to table dst: "+ready)
	_, err = idle.CreateBackup(ctx, &api.CreateBackupInput{TableName: api.Ptr("dst"), BackupName: api.Ptr("nope")})
	wantAPIErr(t, err, apierr.TableInUseException, "Table is being created: dst")
	_, err = idle.GetItem(ctx, &api.GetItemInput{TableName: api.Ptr("dst"), Key: attr.Item{"id": attr.String("a")}})
	wantAPIErr(t, err, apierr.ResourceNotFoundException, "Requested resource not found")
	_, err = idle.DeleteTable(ctx, &api.DeleteTableInput{TableName: api.Ptr("dst")})
	wantAPIErr(t, err, apierr.ResourceInUseException, "Attempt to change a resource which is still in use: Table is being created: dst")
}
