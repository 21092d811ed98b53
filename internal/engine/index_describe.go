package engine

import (
	"context"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
)

// describeIndexes completes the index parts of a description: zero
// statistics (DescribeTable fills in live ones), and, in the response to
// CreateTable, every GSI CREATING as DynamoDB answers, although Dynago's
// indexes of a new table are usable at once.
func describeIndexes(d *api.TableDescription, tableStatus string) {
	for i := range d.GlobalSecondaryIndexes {
		g := &d.GlobalSecondaryIndexes[i]
		g.IndexSizeBytes, g.ItemCount = api.Ptr[int64](0), api.Ptr[int64](0)
		if tableStatus == api.TableStatusCreating {
			g.IndexStatus = api.Ptr(api.IndexStatusCreating)
		}
	}
	for i := range d.LocalSecondaryIndexes {
		l := &d.LocalSecondaryIndexes[i]
		l.IndexSizeBytes, l.ItemCount = api.Ptr[int64](0), api.Ptr[int64](0)
	}
}

// fillIndexStats sets each index's ItemCount and IndexSizeBytes in d from
// a scan of its entries. Like the table's figures, DynamoDB refreshes these
// only every few hours; clients must not rely on them being exact.
func (db *DB) fillIndexStats(ctx context.Context, e *catalogEntry, d *api.TableDescription) error {
	if len(e.table.Indexes) == 0 {
		return nil
	}
	set := func(name string, count, size **int64) error {
		ix := e.table.index(name)
		if ix == nil {
			return nil
		}
		n, b, err := db.cachedIndexStats(ctx, e.table, ix)
		if err != nil {
			return err
		}
		*count, *size = api.Ptr(n), api.Ptr(b)
		return nil
	}
	for i := range d.GlobalSecondaryIndexes {
		g := &d.GlobalSecondaryIndexes[i]
		if err := set(api.Str(g.IndexName), &g.ItemCount, &g.IndexSizeBytes); err != nil {
			return err
		}
	}
	for i := range d.LocalSecondaryIndexes {
		l := &d.LocalSecondaryIndexes[i]
		if err := set(api.Str(l.IndexName), &l.ItemCount, &l.IndexSizeBytes); err != nil {
			return err
		}
	}
	return nil
}

// indexStats counts an index's entries and sums their sizes.
func (db *DB) indexStats(ctx context.Context, t *Table, ix *Index) (count, size int64, err error) {
	err = scanPrefix(ctx, db.store, string(indexPrefix(t.ID, ix.ID)), func(_, value []byte) error {
		item, err := decodeItem(value)
		if err != nil {
			return err
		}
		count++
		size += int64(attr.ItemSize(item))
		return nil
	})
	return count, size, err
}

// indexStatsKey names an index in the index statistics cache: table ids
// and index ids are both small counters, so this never collides.
func indexStatsKey(t *Table, ix *Index) uint64 { return t.ID<<24 | ix.ID }

// cachedIndexStats is indexStats, cached like the table's figures
// (cachedTableStats): live while the scan is quick, otherwise at most once
// per statsTTL.
func (db *DB) cachedIndexStats(ctx context.Context, t *Table, ix *Index) (count, size int64, err error) {
	return db.cachedStats(ctx, &db.cat.ixStats, indexStatsKey(t, ix), statsRecordKey(t, ix), func(ctx context.Context) (int64, int64, error) {
		return db.indexStats(ctx, t, ix)
	})
}
