package engine

import (
	"context"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/kv"
)

// errDeletionProtected is DynamoDB's refusal to delete a table whose
// DeletionProtectionEnabled is true.
var errDeletionProtected = apierr.Validation("Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.")

// deleteTable deletes a table. The response describes it DELETING, as
// DynamoDB's does, but the table leaves the catalog at once: the next
// DescribeTable answers ResourceNotFoundException (so boto3's
// wait_until_not_exists passes at its first poll) and a table of the same
// name can be created straight away. The table's items are dropped in the
// background; the drop is recorded in the same commit, so it resumes after a
// crash, and table ids are never reused, so a new table never sees them.
// A table with point-in-time recovery on leaves a system backup
// (backup_system.go), whose job drops the data once it has copied it.
func (db *DB) deleteTable(ctx context.Context, in *api.DeleteTableInput) (*api.DeleteTableOutput, error) {
	name := api.Str(in.TableName)
	e := db.lookup(name)
	if e == nil {
		return nil, errTableNotFound(name)
	}
	if api.Bool(e.rec.Desc.DeletionProtectionEnabled) {
		return nil, errDeletionProtected
	}
	if e.rec.Loading != nil {
		return nil, errTableLoading(e.table.Name)
	}
	items, size, err := db.cachedTableStats(ctx, e.table)
	if err != nil {
		return nil, err
	}
	var deleted *tableRecord
	now := db.opts.Now()
	systemBackup := newTaskID(now) // backup_system.go
	locks := append(db.transientLocks(e.table.Name), systemBackupLocks(systemBackup)...)
	_, err = db.changeCatalog(ctx, e.table.Name, locks, func(txn kv.Txn, cur *tableRecord) (*tableRecord, error) {
		deleted = nil
		if cur == nil {
			return nil, errTableNotFound(name)
		}
		if api.Bool(cur.Desc.DeletionProtectionEnabled) {
			return nil, errDeletionProtected
		}
		if err := db.checkChangeable(cur); err != nil {
			return nil, err
		}
		if err := checkIndexesIdle(cur); err != nil {
			return nil, err
		}
		if err := db.markDeleting(txn, cur); err != nil {
			return nil, err
		}
		if err := db.keepDeletedStreams(ctx, txn, cur); err != nil {
			return nil, err
		}
		deleted = cur
		if cur.pitrEnabled() {
			// The system backup's job drops the data once it has copied it.
			return nil, db.submitSystemBackup(ctx, txn, cur, systemBackup, now)
		}
		return nil, submitTableDrop(ctx, txn, cur)
	})
	if err != nil {
		return nil, err
	}
	db.cat.stats.forget(deleted.ID)
	db.buckets.forget(deleted.ID)
	db.opts.Observer.TableDeleted(e.table.Name)
	if deleted.pitrEnabled() {
		db.wakeJobs() // none with NoIndexJobs
	} else {
		db.wakeJob(jobTableDrop, tableDropID(deleted.ID))
	}
	de, err := newEntry(deleted)
	if err != nil {
		return nil, apierr.Newf(apierr.InternalServerError, "engine: deleted table %s: %v", name, err)
	}
	return &api.DeleteTableOutput{TableDescription: deletingDescription(db.describe(de, api.TableStatusDeleting, items, size))}, nil
}

// deletingDescription is the description DeleteTable answers: DynamoDB's
// names the table, its status, throughput (zeros on demand, with
// BillingModeSummary), size, count, ARN, id and deletion protection, and
// leaves out the key schema, attribute definitions, creation time and
// indexes (the API Reference's example, the CLI's output).
func deletingDescription(d *api.TableDescription) *api.TableDescription {
	return &api.TableDescription{
		TableName:                 d.TableName,
		TableStatus:               d.TableStatus,
		ProvisionedThroughput:     d.ProvisionedThroughput,
		BillingModeSummary:        d.BillingModeSummary,
		TableSizeBytes:            d.TableSizeBytes,
		ItemCount:                 d.ItemCount,
		TableArn:                  d.TableArn,
		TableId:                   d.TableId,
		DeletionProtectionEnabled: d.DeletionProtectionEnabled,
	}
}

// checkIndexesIdle refuses to delete a table while one of its global
// secondary indexes is being created or deleted, as DynamoDB does even
// when the table itself is ACTIVE (ack-api-quirks DDB-TABLE-150).
func checkIndexesIdle(rec *tableRecord) error {
	for _, g := range rec.Desc.GlobalSecondaryIndexes {
		switch api.Str(g.IndexStatus) {
		case api.IndexStatusCreating, api.IndexStatusDeleting, api.IndexStatusUpdating:
			return apierr.New(apierr.ResourceInUseException,
				"Attempt to change a resource which is still in use: Cannot delete table while indexes are being created, updated, or deleted.")
		}
	}
	return nil
}
