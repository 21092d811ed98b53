package engine

import (
	"context"
	"errors"

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
func (db *DB) deleteTable(ctx context.Context, in *api.DeleteTableInput) (*api.DeleteTableOutput, error) {
	name := api.Str(in.TableName)
	db.cat.ddl.Lock()
	defer db.cat.ddl.Unlock()
	e := db.lookup(name)
	if e == nil {
		return nil, errTableNotFound(name)
	}
	if api.Bool(e.rec.Desc.DeletionProtectionEnabled) {
		return nil, errDeletionProtected
	}
	items, size, err := db.cachedTableStats(ctx, e.table)
	if err != nil {
		return nil, err
	}
	job, err := encodeRecord(e.rec)
	if err != nil {
		return nil, err
	}
	key := catalogKey(e.table.Name)
	err = db.store.Update(ctx, [][]byte{key, dropJobKey(e.table.ID)}, func(txn kv.Txn) error {
		if _, err := txn.Get(ctx, key); err != nil {
			if errors.Is(err, kv.ErrNotFound) {
				return errTableNotFound(name)
			}
			return err
		}
		if err := txn.Delete(key); err != nil {
			return err
		}
		return txn.Set(dropJobKey(e.table.ID), job)
	})
	if err != nil {
		return nil, err
	}
	db.cat.remove(e.table.Name)
	db.cat.stats.forget(e.table.ID)
	db.startDrop(db.cat, e.table)
	return &api.DeleteTableOutput{TableDescription: db.describe(e, api.TableStatusDeleting, items, size)}, nil
}
