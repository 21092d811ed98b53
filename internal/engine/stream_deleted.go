package engine

// Streams of deleted tables. When a table is deleted, DynamoDB disables
// its stream and keeps it readable for 24 hours; so does Dynago. The
// deletion's commit closes the enabled stream's open shards (a final
// boundary, as disabling does) and records the table's last catalog record
// under m/stream-deleted/<table id>. The stream operations look there for
// an ARN that no live table has; the stream job (stream_job.go) persists
// the record's resolved boundaries, trims its logs like a live table's,
// and once the retention has passed trims what is left and removes the
// record. A deleted table that had no stream but a change log (PITR) is
// recorded too, so that its log is reclaimed once PITR's retention of it
// (changeLogRetention) has passed too.

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/kv"
)

// deletedStreamsPrefix + a table id (16 hex digits) → a deletedTable.
const deletedStreamsPrefix = "m/stream-deleted/"

// deletedTable is the stored record of a deleted table's streams.
type deletedTable struct {
	Deleted int64           `json:"deleted"` // unix milliseconds
	Rec     json.RawMessage `json:"rec"`     // the table's record, as encodeRecord writes it

	rec *tableRecord // Rec, decoded
}

func deletedStreamsKey(id uint64) []byte {
	return fmt.Appendf(nil, "%s%016x", deletedStreamsPrefix, id)
}

// keepDeletedStreams records, in the txn deleting the table whose record
// is rec, what of its streams and change log must outlive it: it closes an
// enabled stream (rec is changed) and stores the record. A table without
// a change log has nothing to keep.
func (db *DB) keepDeletedStreams(ctx context.Context, txn kv.Txn, rec *tableRecord) error {
	if rec.ChangeLog == nil && len(rec.streams()) == 0 {
		return nil
	}
	now := db.opts.Now()
	if st := rec.Stream; st != nil && st.enabled() {
		if err := db.addBounds(ctx, txn, rec, st, now, nil); err != nil {
			return err
		}
		st.Disabled = now.UnixMilli()
	}
	b, err := encodeRecord(rec)
	if err != nil {
		return err
	}
	v, err := json.Marshal(deletedTable{Deleted: now.UnixMilli(), Rec: b})
	if err != nil {
		return err
	}
	return txn.Set(deletedStreamsKey(rec.ID), v)
}

// deletedTables returns the stored records of deleted tables, oldest table
// first (ids grow).
func (db *DB) deletedTables(ctx context.Context) ([]*deletedTable, error) {
	var out []*deletedTable
	err := scanPrefix(ctx, db.store, deletedStreamsPrefix, func(key, value []byte) error {
		d := new(deletedTable)
		if err := json.Unmarshal(value, d); err != nil {
			return fmt.Errorf("engine: deleted streams %q: %w", key, err)
		}
		rec, err := decodeRecord(d.Rec)
		if err != nil {
			return fmt.Errorf("engine: deleted streams %q: %w", key, err)
		}
		d.rec = rec
		out = append(out, d)
		return nil
	})
	return out, err
}

// readable returns the streams of d that are still readable at now: those
// disabled less than retention ago (deleting disabled them all).
func (d *deletedTable) readable(now time.Time, retention time.Duration) []*streamState {
	var out []*streamState
	for _, st := range d.rec.streams() {
		if now.Sub(time.UnixMilli(st.Disabled)) < retention {
			out = append(out, st)
		}
	}
	return out
}

// deletedStream returns the deleted table named table's stream labelled
// label, if it is still readable.
func (db *DB) deletedStream(ctx context.Context, table, label string) (*tableRecord, *streamState, error) {
	all, err := db.deletedTables(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, d := range all {
		if api.Str(d.rec.Desc.TableName) != table {
			continue
		}
		for _, st := range d.readable(db.opts.Now(), db.streamRetention()) {
			if st.Label == label {
				return d.rec, st, nil
			}
		}
	}
	return nil, nil, nil
}

// logCount is how many change logs the table of rec wrote.
func (rec *tableRecord) logCount() int {
	n := 0
	if rec.ChangeLog != nil {
		n = rec.ChangeLog.Shards
	}
	for _, st := range rec.streams() {
		n = max(n, len(st.Logs))
	}
	return n
}

// maintainDeletedStreams is the stream job's pass over deleted tables:
// it persists their resolved boundaries and trims their logs, and removes
// those past retention with the rest of their logs.
func (db *DB) maintainDeletedStreams(ctx context.Context) error {
	all, err := db.deletedTables(ctx)
	if err != nil || len(all) == 0 {
		// Nothing to do is the common case: no clock read either (a
		// test's clock may count its reads).
		return err
	}
	now := db.opts.Now()
	keep := db.streamRetention()
	for _, d := range all {
		rec := d.rec
		keepLog := db.streamLogRetention(rec) // PITR may need the log longer
		if len(d.readable(now, keep)) == 0 && now.Sub(time.UnixMilli(d.Deleted)) >= keepLog {
			if err := db.forgetDeletedTable(ctx, rec); err != nil {
				return err
			}
			continue
		}
		if err := db.persistDeletedBounds(ctx, d); err != nil {
			return err
		}
		cutoff := now.Add(-keepLog).UnixMicro()
		for n := 0; n < rec.logCount(); n++ {
			if err := db.trimChangeLog(ctx, changeLogName(rec.ID, n), cutoff); err != nil {
				return err
			}
		}
	}
	return nil
}

// persistDeletedBounds stores the Seqs of d's boundaries, resolving them
// while their markers are still in the log (trimming removes them).
func (db *DB) persistDeletedBounds(ctx context.Context, d *deletedTable) error {
	rec := d.rec
	changed := false
	for _, st := range rec.streams() {
		for n := range st.Logs {
			for i := range st.Logs[n].Bounds {
				b := &st.Logs[n].Bounds[i]
				if b.Seq != 0 {
					continue
				}
				s, err := db.resolveBound(ctx, changeLogName(rec.ID, n), b)
				if err != nil {
					return err
				}
				b.Seq, changed = s, true
			}
		}
	}
	if !changed {
		return nil
	}
	b, err := encodeRecord(rec)
	if err != nil {
		return err
	}
	v, err := json.Marshal(deletedTable{Deleted: d.Deleted, Rec: b})
	if err != nil {
		return err
	}
	key := deletedStreamsKey(rec.ID)
	return db.store.Update(ctx, [][]byte{key}, func(txn kv.Txn) error {
		switch _, err := txn.Get(ctx, key); {
		case err == kv.ErrNotFound:
			return nil // removed meanwhile
		case err != nil:
			return err
		}
		return txn.Set(key, v)
	})
}

// forgetDeletedTable trims every record of the deleted table's logs, then
// removes its record and trim horizons. A crash part-way leaves the record,
// and the next pass finishes.
func (db *DB) forgetDeletedTable(ctx context.Context, rec *tableRecord) error {
	var keys [][]byte
	for n := 0; n < rec.logCount(); n++ {
		log := changeLogName(rec.ID, n)
		wm, err := db.store.LogWatermark(ctx, log)
		if err != nil {
			return err
		}
		key := append([]byte(trimHorizonPrefix), log...)
		if err := db.store.Update(ctx, [][]byte{key}, func(txn kv.Txn) error {
			return txn.Set(key, binary.BigEndian.AppendUint64(nil, uint64(wm)))
		}); err != nil {
			return err
		}
		if err := db.store.TrimLog(ctx, log, wm); err != nil {
			return err
		}
		keys = append(keys, key)
	}
	keys = append(keys, deletedStreamsKey(rec.ID))
	return db.store.Update(ctx, keys, func(txn kv.Txn) error {
		for _, k := range keys {
			if err := txn.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}
