package engine

import (
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/kv"
)

// writeItem replaces the item stored at key (old, nil when there was none)
// with new (nil to delete it), inside the caller's transaction. Every item
// write of every operation — PutItem, UpdateItem, DeleteItem, BatchWriteItem,
// transactions, TTL deletes — goes through here, so that what must change
// with an item (index entries, stream records) is written in the same
// commit as the item itself (DESIGN.md, "Write path"). old must be what the
// caller read under the item's lock.
func (db *DB) writeItem(txn kv.Txn, t *Table, key []byte, old, new attr.Item) error {
	if err := db.writeIndexEntries(txn, t, old, new); err != nil {
		return err
	}
	if new == nil {
		if old == nil {
			return nil
		}
		return txn.Delete(key)
	}
	return txn.Set(key, encodeItem(new))
}
