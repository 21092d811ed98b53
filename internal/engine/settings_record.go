package engine

import (
	"context"
	"errors"

	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/kv"
)

// updateRecord changes one table's catalog record the way UpdateTable
// does: under the catalog's DDL lock, on a copy (readers of the cached
// entry are never disturbed), committed under the catalog key's lock, then
// published to the cache. fn returns an error to change nothing.
// TagResource, UntagResource and UpdateTimeToLive use it.
func (db *DB) updateRecord(ctx context.Context, e *catalogEntry, notFound error, fn func(rec *tableRecord) error) (*catalogEntry, error) {
	db.cat.ddl.Lock()
	defer db.cat.ddl.Unlock()
	cur := db.cat.get(e.table.Name)
	if cur == nil || cur.table.ID != e.table.ID {
		return nil, notFound // deleted (or recreated) meanwhile
	}
	rec := cur.rec.clone()
	if err := fn(rec); err != nil {
		return nil, err
	}
	b, err := encodeRecord(rec)
	if err != nil {
		return nil, err
	}
	key := catalogKey(cur.table.Name)
	err = db.store.Update(ctx, [][]byte{key}, func(txn kv.Txn) error {
		if _, err := txn.Get(ctx, key); err != nil {
			if errors.Is(err, kv.ErrNotFound) {
				return notFound
			}
			return err
		}
		return txn.Set(key, b)
	})
	if err != nil {
		return nil, err
	}
	ne, err := newEntry(rec)
	if err != nil { // the key schema did not change
		return nil, apierr.Newf(apierr.InternalServerError, "engine: updated table %s: %v", cur.table.Name, err)
	}
	db.cat.put(ne)
	return ne, nil
}
