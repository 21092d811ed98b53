package engine

// Item collection sizes shared by several engines over one store
// (Options.SharedCollections: API nodes over TiKV, or Config.Nodes in
// tests). An engine's own collectionSizes cannot see what other nodes
// write, so over N nodes a collection could grow past the cap by what the
// others wrote since this node last measured it. Instead each collection
// of a table with LSIs has a size record in the store, at
//
//	t/<table id>/c/<hash(pk)>/<pk>/
//
// (under the table's prefix, so it is dropped with the table): an upper
// bound of the collection's size in bytes, as 8 big-endian bytes. Every
// write to the collection through these engines names the record among its
// lock keys and changes it in its own transaction, so the record moves
// with the writes that commit and with nothing else: a write rolled back
// rolls its change back too, and two writes to one collection through two
// nodes are ordered by the record's lock. A growing write whose bound would
// cross the cap (or that finds no record yet) measures the collection in
// its transaction, where every write to it committed before the lock is
// visible, and stores the exact size. So the nodes together refuse a write
// exactly where one node would: at the same total.
//
// Writes that do not pass through here (TTL deletions) only shrink a
// collection, so the record stays an upper bound; restores and imports
// fill new tables, which have no records yet, so their collections are
// measured at the first write.
//
// The cost: every write to a table with LSIs locks one more key, the
// collection's record, so writes to one collection queue on it (as they
// would on one DynamoDB partition's collection counter), and over TiKV the
// record may sit in another region than the item (one more lock and
// prewrite RPC).

import (
	"context"
	"encoding/binary"
	"errors"

	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/kv"
)

// collectionRecordKey returns the key of the shared size record of the
// item collection of partition key pk in t.
func collectionRecordKey(t *Table, pk attr.Value) []byte {
	p := appendPartitionPrefix(nil, t, pk)
	items := len(itemsPrefix(t.ID))
	b := append(tablePrefix(t.ID), 'c', '/')
	return append(b, p[items:]...)
}

// collectionLock returns the key a write of the item whose key attributes
// are in keyAttrs must lock besides the item's: the shared size record of
// its item collection, or nil when sizes are not shared or t has no LSI.
func (db *DB) collectionLock(t *Table, keyAttrs attr.Item) []byte {
	if !db.opts.SharedCollections || len(localIndexes(db.liveIndexes(t))) == 0 {
		return nil
	}
	pk, ok := keyAttrs[t.Hash.Name]
	if !ok {
		return nil
	}
	return collectionRecordKey(t, pk)
}

// itemLocks returns the keys w locks: its item's and, when sizes are
// shared, its item collection's record.
func (db *DB) itemLocks(w *itemWrite) [][]byte {
	if ck := db.collectionLock(w.t, w.keyAttrs); ck != nil {
		return [][]byte{w.key, ck}
	}
	return [][]byte{w.key}
}

// sharedCollectionSize returns the size of the item collection of pk after
// a write (already made in txn) that changed it by delta bytes, and keeps
// the collection's record in step with it, in txn. The record was locked
// with the write (collectionLock). The size is exact when it was measured;
// otherwise it is the record's upper bound. A growing write over
// the limit changes nothing: its caller refuses it and txn is discarded.
// A write that does not grow a collection with no record yet measures it
// only when want (ReturnItemCollectionMetrics SIZE) asks for its size.
func (db *DB) sharedCollectionSize(ctx context.Context, txn kv.Txn, t *Table, lsis []*Index, pk attr.Value, delta, limit int64, want bool) (size int64, err error) {
	rk := collectionRecordKey(t, pk)
	known := true
	v, err := txn.Get(ctx, rk)
	switch {
	case errors.Is(err, kv.ErrNotFound):
		known = false
	case err != nil:
		return 0, err
	case len(v) != 8:
		known = false // not a record this version wrote: measure again
	default:
		size = int64(binary.BigEndian.Uint64(v)) + delta
	}
	if !known && delta <= 0 && !want {
		return 0, nil // nothing to check, and the next growing write measures
	}
	if !known || (delta > 0 && size > limit) {
		// Measure (the transaction sees its own write): no record yet, or
		// a bound too close to the cap to trust.
		if size, err = itemCollectionSize(ctx, txn, t, lsis, pk); err != nil {
			return 0, err
		}
	}
	if delta > 0 && size > limit {
		return size, nil
	}
	if known && delta == 0 {
		return size, nil // the record holds it already
	}
	return size, txn.Set(rk, binary.BigEndian.AppendUint64(nil, uint64(max(size, 0))))
}
