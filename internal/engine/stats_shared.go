package engine

// Table and index statistics shared by several engines over one store
// (Options.SharedStats). ItemCount and TableSizeBytes (and an index's
// ItemCount and IndexSizeBytes) are counted from a snapshot; a count that
// is slow is reused for statsTTL (table_stats.go). Each engine caching its
// own count would let two nodes describe one table with different figures
// for up to statsTTL, so over a shared store the count is kept at
//
//	t/<table id>/s/            the table's
//	t/<table id>/s/<index id>  an index's (8 big-endian bytes)
//
// (under the table's prefix, so it is dropped with the table), with the
// time it was counted: every node reads it first and counts only when it
// is missing or older than statsTTL, then stores its count for the others.
// Two nodes describing a table at once therefore give the same figures,
// except across the moment a node replaces the record (one may give the
// old figures, the other the new). A quick count is not stored: every node
// counts it live, from the store's latest state.
//
// Writing the record is best effort: a failure is logged and the figures
// are answered anyway (the next DescribeTable counts again). Clocks of the
// nodes are assumed within a fraction of a second (scale-out.md).

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"time"

	"github.com/dynago/dynago/internal/kv"
)

// statsRecordKey returns the key of the stored statistics of t, or of its
// index ix when ix is not nil.
func statsRecordKey(t *Table, ix *Index) []byte {
	b := append(tablePrefix(t.ID), 's', '/')
	if ix != nil {
		b = binary.BigEndian.AppendUint64(b, ix.ID)
	}
	return b
}

// statsRecord is the stored form of a tableStatsEntry.
type statsRecord struct {
	Items int64 `json:"items"`
	Size  int64 `json:"size"`
	At    int64 `json:"at"` // unix nanoseconds of the count, on the counting node's clock
}

// readStatsRecord returns the statistics stored at rec, if any. An error
// reading them counts as none: the caller counts.
func (db *DB) readStatsRecord(ctx context.Context, rec []byte) (tableStatsEntry, bool) {
	b, err := db.store.Get(ctx, rec)
	if err != nil {
		if !errors.Is(err, kv.ErrNotFound) {
			db.opts.Logger.Warn("reading stored table statistics", "err", err)
		}
		return tableStatsEntry{}, false
	}
	var r statsRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return tableStatsEntry{}, false
	}
	return tableStatsEntry{items: r.Items, size: r.Size, at: time.Unix(0, r.At)}, true
}

// writeStatsRecord stores e at rec for the other nodes.
func (db *DB) writeStatsRecord(ctx context.Context, rec []byte, e tableStatsEntry) {
	b, err := json.Marshal(statsRecord{Items: e.items, Size: e.size, At: e.at.UnixNano()})
	if err == nil {
		err = db.store.Update(ctx, [][]byte{rec}, func(txn kv.Txn) error { return txn.Set(rec, b) })
	}
	if err != nil {
		db.opts.Logger.Warn("storing table statistics", "err", err)
	}
}
