package engine

import (
	"context"
	"fmt"

	"github.com/dynago/dynago/internal/attr"
)

// tableStats counts the table's items and sums their sizes (DynamoDB's
// ItemCount and TableSizeBytes) by reading every item in one snapshot.
// It is a full scan: the catalog caches the result and refreshes it
// rarely, as DynamoDB itself updates these figures only every few hours.
func (db *DB) tableStats(ctx context.Context, t *Table) (itemCount, sizeBytes int64, err error) {
	snap, err := db.store.NewSnapshot(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer snap.Close()
	p := itemsPrefix(t.ID)
	it, err := snap.Iter(ctx, p, prefixEnd(p), false)
	if err != nil {
		return 0, 0, err
	}
	defer it.Close()
	for it.Next() {
		// Sized from the stored bytes, not decoded: DeleteTable answers
		// with these figures, and decoding every item of the table only to
		// measure it was most of a test case's DeleteTable.
		size, err := attr.ItemSizeJSON(it.Value())
		if err != nil {
			return 0, 0, fmt.Errorf("engine: corrupt stored item: %w", err)
		}
		itemCount++
		sizeBytes += int64(size)
	}
	return itemCount, sizeBytes, it.Err()
}

// dropRange removes every key in [start, end), a range nothing writes any
// more (a deleted table's or index's keys): kv.Store.DropRange, outside any
// transaction, which TiKV does without one.
func (db *DB) dropRange(ctx context.Context, start, end []byte) error {
	return db.store.DropRange(ctx, start, end)
}
