package engine

import (
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/kv"
)

// origin is why an item changes. The change log records it: DynamoDB
// Streams show a TTL deletion as the service's own (userIdentity), and
// writes that recreate data rather than change it (a restore, an import)
// are not user changes.
type origin uint8

const (
	// fromRequest: PutItem, UpdateItem, DeleteItem, BatchWriteItem, and
	// their PartiQL forms.
	fromRequest origin = iota + 1
	// fromTransaction: an action of TransactWriteItems or
	// ExecuteTransaction.
	fromTransaction
	// fromTTL: the TTL job deleting an expired item.
	fromTTL
	// fromRestore and fromImport: items written by a restore from a
	// backup or a point in time, and by ImportTable.
	fromRestore
	fromImport
)

// String names the origin, for logs and tests.
func (o origin) String() string {
	switch o {
	case fromRequest:
		return "request"
	case fromTransaction:
		return "transaction"
	case fromTTL:
		return "ttl"
	case fromRestore:
		return "restore"
	case fromImport:
		return "import"
	}
	return "unknown"
}

// oldImage is the item a write replaces, as the write read it under the
// item's lock: decoded, or still in its stored bytes when nothing the
// write needed looked inside it (PutItem's fast path), or absent. Either
// way it is the true old image: writeItem decodes the bytes when something
// it maintains (an index, the change log) needs the item.
type oldImage struct {
	item attr.Item
	raw  []byte // the stored bytes, when item is not decoded yet
}

// exists reports whether there was an old item.
func (o *oldImage) exists() bool { return o.item != nil || o.raw != nil }

// get returns the old item (nil: none), decoding its stored bytes once.
func (o *oldImage) get() (attr.Item, error) {
	if o.item == nil && o.raw != nil {
		it, err := decodeItem(o.raw)
		if err != nil {
			return nil, err
		}
		o.item = it
	}
	return o.item, nil
}

// bytes returns the old item's stored form (nil: none), encoding it if the
// write read it decoded.
func (o *oldImage) bytes() []byte {
	if o.raw == nil && o.item != nil {
		o.raw = encodeItem(o.item)
	}
	return o.raw
}

// writeHook, when set on a DB (tests only), sees every item write as
// writeItem applies it, with the true old image decoded.
type writeHook func(t *Table, key []byte, old, new attr.Item, from origin)

// writeItem replaces the item stored at key (old, as read under the item's
// lock) with new (nil to delete it), inside the caller's transaction.
// Every item write of every operation — PutItem, UpdateItem, DeleteItem,
// BatchWriteItem, transactions, TTL deletes, and restores and imports —
// goes through here with its origin, so that what must change with an item
// (index entries, the change log) is written in the same commit as the item
// itself (DESIGN.md, "Write path").
func (db *DB) writeItem(txn kv.Txn, t *Table, key []byte, old *oldImage, new attr.Item, from origin) error {
	if db.writeHook != nil || len(db.liveIndexes(t)) > 0 {
		if _, err := old.get(); err != nil {
			return err
		}
	}
	if db.writeHook != nil {
		db.writeHook(t, key, old.item, new, from)
	}
	if err := db.writeIndexEntries(txn, t, old.item, new); err != nil {
		return err
	}
	var newBytes []byte
	if new != nil {
		newBytes = encodeItem(new)
	}
	if cl := db.liveChangeLog(t); cl != nil {
		keys := new
		if keys == nil {
			it, err := old.get()
			if err != nil {
				return err
			}
			keys = it
		}
		if keys != nil {
			if err := db.appendChange(txn, t, cl, key, keys, old.bytes(), newBytes, from); err != nil {
				return err
			}
		}
	}
	if new == nil {
		if !old.exists() {
			return nil
		}
		return txn.Delete(key)
	}
	return txn.Set(key, newBytes)
}
