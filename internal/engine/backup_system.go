package engine

// System backups. DeleteTable of a table with point-in-time recovery on
// keeps the table as it was just before the deletion, as DynamoDB does: a
// backup of type SYSTEM named "<table>$DeletedTableBackup", kept for
// systemBackupRetention (its BackupExpiryDateTime) and restored with
// RestoreTableFromBackup like any other. ListBackups shows it with
// BackupType SYSTEM or ALL.
//
// The deletion's commit records the backup CREATING and its job instead of
// the drop of the table's data: the job copies the deleted table's items
// (which nothing writes any more, so a copy a restart interrupts is simply
// taken again), and the commit that makes the backup AVAILABLE submits the
// drop and a backup-expire job, which waits until the expiry and deletes
// the backup; a backup past its expiry is not found before that.

import (
	"context"
	"fmt"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/jobs"
	"github.com/dynago/dynago/internal/kv"
)

const (
	// systemBackupRetention is how long a deleted table's system backup
	// is kept: DynamoDB's 35 days.
	systemBackupRetention = 35 * 24 * time.Hour

	// deletedTableBackupSuffix ends a system backup's name.
	deletedTableBackupSuffix = "$DeletedTableBackup"
)

// systemBackupLocks are the keys the deletion of a table locks for the
// system backup with the given id.
func systemBackupLocks(id string) [][]byte {
	return [][]byte{backupKey(id), jobs.JobKey(jobBackup, id)}
}

// submitSystemBackup records, in the transaction deleting the table whose
// record is rec, the table's system backup (id, taken at now) CREATING
// and the job that copies it and then drops the table's data.
func (db *DB) submitSystemBackup(ctx context.Context, txn kv.Txn, rec *tableRecord, id string, now time.Time) error {
	src := rec.clone()
	src.Loading, src.Backups = nil, nil
	created, expires := api.NewTime(now), api.NewTime(now.Add(systemBackupRetention))
	bk := &backupRecord{
		Source: src,
		Details: api.BackupDetails{
			BackupArn:              api.Ptr(api.Str(rec.Desc.TableArn) + "/backup/" + id),
			BackupName:             api.Ptr(api.Str(rec.Desc.TableName) + deletedTableBackupSuffix),
			BackupStatus:           api.Ptr(api.BackupStatusCreating),
			BackupType:             api.Ptr(api.BackupTypeSystem),
			BackupCreationDateTime: &created,
			BackupExpiryDateTime:   &expires,
		},
	}
	if err := putJSON(txn, backupKey(id), bk); err != nil {
		return err
	}
	return jobs.Submit(ctx, txn, jobBackup, id, nil)
}

// tableDropID is the id of the table-drop job of the table with id
// (submitTableDrop).
func tableDropID(id uint64) string { return fmt.Sprintf("%016x", id) }

// expired reports whether rec is a system backup past its expiry at now.
func (r *backupRecord) expired(now time.Time) bool {
	return r.Details.BackupExpiryDateTime != nil && !now.Before(apiTime(*r.Details.BackupExpiryDateTime))
}

// runSystemBackup is the backup job of a system backup rec: it copies the
// deleted table's items, makes the backup AVAILABLE and submits the drop
// of the table's data in one commit, and deletes the backup once expired.
func (db *DB) runSystemBackup(ctx context.Context, j *jobs.Job, rec *backupRecord) error {
	if api.Str(rec.Details.BackupStatus) != api.BackupStatusCreating {
		return nil
	}
	name := backupDataName(j.ID)
	if err := db.dropData(ctx, name); err != nil {
		return err
	}
	e, err := newEntry(rec.Source)
	if err != nil {
		return err
	}
	start := time.Now()
	cp, err := db.copyFromSnapshot(ctx, j, e.table, nil, name, nil, db.taskProgress(jobBackup, e.table.Name))
	if err != nil {
		return err
	}
	rec.Items, rec.Bytes = cp.Items, cp.Bytes
	rec.Details.BackupStatus = api.Ptr(api.BackupStatusAvailable)
	locks := [][]byte{j.Key(), backupKey(j.ID), jobs.JobKey(jobTableDrop, tableDropID(rec.Source.ID)), jobs.JobKey(jobBackupExpire, j.ID)}
	err = db.store.Update(ctx, locks, func(txn kv.Txn) error {
		if err := j.Fence(ctx, txn); err != nil {
			return err
		}
		if err := putJSON(txn, backupKey(j.ID), rec); err != nil {
			return err
		}
		if err := jobs.Submit(ctx, txn, jobBackupExpire, j.ID, nil); err != nil {
			return err
		}
		return submitTableDrop(ctx, txn, rec.Source)
	})
	if err != nil {
		return err
	}
	db.wakeJobs()
	db.opts.Logger.Info("system backup of a deleted table available", "backup", j.ID, "table", e.table.Name, "items", cp.Items,
		"bytes", cp.Bytes, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// runBackupExpire is the backup-expire job of an AVAILABLE system backup:
// it waits until the backup's expiry, then deletes it and drops its data.
func (db *DB) runBackupExpire(ctx context.Context, j *jobs.Job) error {
	var rec backupRecord
	found, err := getJSON(ctx, db.store, backupKey(j.ID), &rec)
	if err != nil || !found || rec.Details.BackupExpiryDateTime == nil {
		return err // deleted (DeleteBackup) before it expired
	}
	if !rec.expired(db.opts.Now()) {
		return &jobs.Again{At: apiTime(*rec.Details.BackupExpiryDateTime)}
	}
	err = db.store.Update(ctx, [][]byte{j.Key(), backupKey(j.ID), jobs.JobKey(jobBackupDrop, j.ID)}, func(txn kv.Txn) error {
		if err := j.Fence(ctx, txn); err != nil {
			return err
		}
		if err := txn.Delete(backupKey(j.ID)); err != nil {
			return err
		}
		return jobs.Submit(ctx, txn, jobBackupDrop, j.ID, nil)
	})
	if err != nil {
		return err
	}
	db.opts.Logger.Info("system backup expired", "backup", j.ID, "table", api.Str(rec.Source.Desc.TableName))
	db.wakeJobs()
	return nil
}
