package engine

import (
	"context"

	"github.com/dynago/dynago/internal/kv"
)

// updateRecord changes one table's catalog record in a catalog
// transaction (changeCatalog): fn changes the stored record, or returns an
// error to change nothing. notFound is the error for a table deleted (or
// recreated) since e was looked up. TagResource, UntagResource and
// UpdateTimeToLive use it.
func (db *DB) updateRecord(ctx context.Context, e *catalogEntry, notFound error, fn func(rec *tableRecord) error) (*catalogEntry, error) {
	return db.changeCatalog(ctx, e.table.Name, nil, func(_ kv.Txn, rec *tableRecord) (*tableRecord, error) {
		if rec == nil || rec.ID != e.table.ID {
			return nil, notFound
		}
		if err := fn(rec); err != nil {
			return nil, err
		}
		return rec, nil
	})
}
