package engine

// The PITR base: for each table with point-in-time recovery on, a copy of
// its items as of a time at or before the start of its recovery period,
// and the change-log positions replay continues from. A restore to T
// replays the log from the base's positions up to T onto an overlay
// (restore_pitr.go); the log before the positions is no longer needed and
// is trimmed, so a PITR table's log holds about one recovery period (plus
// one base interval) of changes, not every change ever made.
//
//	pb/<table id>    pitrBase (JSON)
//	b/pb-<id>/i/…    its items; b/pb-<id>/o/… the overlay of a roll in progress
//
// One periodic job (pitr-base/all) keeps every table's base:
//
//   - a PITR table without a base for its current enabling gets one,
//     copied from a snapshot (copyFromSnapshot records the snapshot's log
//     positions);
//   - a base older than the recovery period by more than a base interval
//     is rolled forward to the start of the period C: the log from its
//     positions up to C is replayed onto its overlay, the overlay merged
//     into its items, the log trimmed up to the new positions (the last
//     record before the first one later than C), and the base saved with
//     them. A crash at any step redoes the roll from the saved base:
//     replaying a record again leaves an item in the state its last record
//     up to C gives, since one item's records are in one log in commit
//     order, and records trimmed are already merged;
//   - a base whose table is gone or has PITR off is dropped, and so is the
//     log of a table left with PITR off and no stream.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dynago/dynago/internal/jobs"
	"github.com/dynago/dynago/internal/kv"
)

const (
	jobPITRBase = "pitr-base"
	pitrJobID   = "all"
	pitrPrefix  = "pb/"
)

// pitrBase is a table's base as stored.
type pitrBase struct {
	// Data names the base's data range.
	Data string `json:"data"`
	// EnabledAt is the PITR setting's EnabledAt the base was made for: a
	// table that turned PITR off and on again needs a new base, since its
	// log has a gap.
	EnabledAt int64 `json:"enabledAt"`
	// Time is the base's point (unix µs): it holds every change made at
	// or before it, and the log after Positions every change made later.
	Time      int64    `json:"time"`
	Positions []kv.Seq `json:"positions,omitempty"`
	// Items and Bytes are what the base holds when it was copied.
	Items int64 `json:"items"`
	Bytes int64 `json:"bytes"`
}

func pitrBaseKey(tableID uint64) []byte  { return fmt.Appendf(nil, "%s%016x", pitrPrefix, tableID) }
func pitrDataName(tableID uint64) string { return fmt.Sprintf("pb-%016x", tableID) }

// pitrTick is how often the base job looks at the tables.
func (db *DB) pitrTick() time.Duration {
	return max(min(db.pitrBaseInterval()/4, time.Second), 10*time.Millisecond)
}

// submitPITRJob records the base job in txn (idempotent), at start-up
// (startJobs).
func submitPITRJob(ctx context.Context, txn kv.Txn) error {
	return jobs.Submit(ctx, txn, jobPITRBase, pitrJobID, nil)
}

// getPITRBase reads a table's base; nil when it has none.
func (db *DB) getPITRBase(ctx context.Context, r kv.Reader, tableID uint64) (*pitrBase, error) {
	var b pitrBase
	found, err := getJSON(ctx, r, pitrBaseKey(tableID), &b)
	if err != nil || !found {
		return nil, err
	}
	return &b, nil
}

// savePITRBase stores b (nil: deletes it) as job j.
func (db *DB) savePITRBase(ctx context.Context, j *jobs.Job, tableID uint64, b *pitrBase) error {
	key := pitrBaseKey(tableID)
	return db.store.Update(ctx, [][]byte{j.Key(), key}, func(txn kv.Txn) error {
		if err := j.Fence(ctx, txn); err != nil {
			return err
		}
		if b == nil {
			return txn.Delete(key)
		}
		return putJSON(txn, key, b)
	})
}

// runPITRBase is one pass of the base job.
func (db *DB) runPITRBase(ctx context.Context, j *jobs.Job) error {
	st, err := db.syncCatalog(ctx, db.store)
	if err != nil {
		return err
	}
	live := map[uint64]bool{}
	for _, name := range st.names {
		e := st.tables[name]
		if !e.rec.pitrEnabled() || e.rec.Loading != nil {
			continue
		}
		live[e.table.ID] = true
		if err := db.maintainBase(ctx, j, st, e); err != nil {
			if ctx.Err() != nil || errors.Is(err, jobs.ErrLeaseLost) {
				return err
			}
			db.opts.Logger.Warn("pitr base", "table", name, "err", err)
		}
	}
	// Bases of tables deleted or with PITR off.
	var gone []uint64
	err = scanPrefix(ctx, db.store, pitrPrefix, func(key, _ []byte) error {
		var id uint64
		if _, err := fmt.Sscanf(string(key[len(pitrPrefix):]), "%016x", &id); err == nil && !live[id] {
			gone = append(gone, id)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range gone {
		if restoring(st, id) {
			continue // a restore still reads it
		}
		if err := db.dropBase(ctx, j, st, id); err != nil {
			return err
		}
	}
	return &jobs.Again{At: time.Now().Add(db.pitrTick())}
}

// dropBase drops the base of the table with id, which is gone or has PITR
// off. A table still there whose log nothing else reads (no stream, old
// or current) has its log trimmed too: PITR was its only reader.
func (db *DB) dropBase(ctx context.Context, j *jobs.Job, st *catalogState, id uint64) error {
	b, err := db.getPITRBase(ctx, db.store, id)
	if err != nil || b == nil {
		return err
	}
	for _, e := range st.tables {
		if e.table.ID != id || e.rec.ChangeLog != nil || e.rec.Stream != nil || len(e.rec.OldStreams) > 0 {
			continue
		}
		for shard := range max(len(b.Positions), 1) {
			if err := db.trimChangeLog(ctx, changeLogName(id, shard), db.opts.Now().UnixMicro()+1); err != nil {
				return err
			}
		}
	}
	if err := db.savePITRBase(ctx, j, id, nil); err != nil {
		return err
	}
	return db.dropData(ctx, pitrDataName(id))
}

// pitrFloor returns the earliest time (unix µs) a point-in-time restore of
// rec's table is exact at when that is later than its recovery window
// says: the base's time once records logged before the base may be gone
// (a roll trimmed them, or the stream job did, under a shorter period).
// It is 0 while the log since PITR was enabled is whole, or no base
// exists yet.
func (db *DB) pitrFloor(ctx context.Context, rec *tableRecord) (int64, error) {
	b, err := db.getPITRBase(ctx, db.store, rec.ID)
	if err != nil || b == nil || b.EnabledAt != rec.PITR.EnabledAt {
		return 0, err
	}
	for shard := range max(len(b.Positions), 1) {
		h, err := db.trimHorizon(ctx, changeLogName(rec.ID, shard))
		if err != nil {
			return 0, err
		}
		if h > 0 {
			return b.Time, nil
		}
	}
	return 0, nil
}

// restoring reports whether a point-in-time restore from the table with
// id is in progress.
func restoring(st *catalogState, id uint64) bool {
	for _, e := range st.tables {
		if l := e.rec.Loading; l != nil && l.Source == id {
			return true
		}
	}
	return false
}

// maintainBase makes or rolls the base of one PITR table.
func (db *DB) maintainBase(ctx context.Context, j *jobs.Job, st *catalogState, e *catalogEntry) error {
	b, err := db.getPITRBase(ctx, db.store, e.table.ID)
	if err != nil {
		return err
	}
	name := pitrDataName(e.table.ID)
	if b == nil || b.EnabledAt != e.rec.PITR.EnabledAt {
		if err := db.dropData(ctx, name); err != nil {
			return err
		}
		cp, err := db.copyFromSnapshot(ctx, j, e.table, e.rec.ChangeLog, name, nil, db.taskProgress(jobPITRBase, e.table.Name))
		if err != nil {
			return err
		}
		nb := &pitrBase{Data: name, EnabledAt: e.rec.PITR.EnabledAt, Time: cp.Time, Positions: cp.Positions, Items: cp.Items, Bytes: cp.Bytes}
		db.opts.Logger.Info("pitr base copied", "table", e.table.Name, "items", cp.Items, "bytes", cp.Bytes)
		return db.savePITRBase(ctx, j, e.table.ID, nb)
	}
	now := db.opts.Now()
	cut := now.Add(-e.rec.PITR.recoveryPeriod()).UnixMicro()
	if time.Duration(cut-b.Time)*time.Microsecond < db.pitrBaseInterval() || restoring(st, e.table.ID) {
		return nil
	}
	return db.rollBase(ctx, j, e, b, cut)
}

// rollBase rolls base b of table e forward to cut (unix µs) and trims the
// log behind it.
func (db *DB) rollBase(ctx context.Context, j *jobs.Job, e *catalogEntry, b *pitrBase, cut int64) error {
	shards := 1
	if cl := e.rec.ChangeLog; cl != nil {
		shards = max(cl.Shards, 1)
	}
	if _, err := db.replayInto(ctx, j, e.table, shards, b.Positions, cut, b.Data); err != nil {
		return err
	}
	next := make([]kv.Seq, shards)
	for shard := range shards {
		var from kv.Seq
		if shard < len(b.Positions) {
			from = b.Positions[shard]
		}
		pos, err := db.positionBefore(ctx, changeLogName(e.table.ID, shard), from, cut)
		if err != nil {
			return err
		}
		next[shard] = pos
	}
	if err := db.mergeOverlay(ctx, j, b.Data); err != nil {
		return err
	}
	// The log is trimmed before the base is saved with its new positions:
	// a crash between the two leaves the old positions, from which a roll
	// or a restore replays what the trim kept onto items that already
	// hold everything it removed (they are merged up to cut). The
	// stream's readers may need records longer than the period (a stream
	// keeps 24 hours, the shortest period is a day): keep what they need.
	trimAt := cut + 1
	if keep := db.opts.Now().Add(-db.streamRetention()).UnixMicro(); keep < trimAt {
		trimAt = keep
	}
	for shard := range shards {
		if err := db.trimChangeLog(ctx, changeLogName(e.table.ID, shard), trimAt); err != nil {
			return err
		}
	}
	nb := *b
	nb.Time, nb.Positions = cut, next
	if err := db.savePITRBase(ctx, j, e.table.ID, &nb); err != nil {
		return err
	}
	db.opts.Logger.Info("pitr base rolled", "table", e.table.Name, "to", time.UnixMicro(cut).UTC())
	return nil
}

// positionBefore returns the position in log, from after on, of the last
// record before the first one made later than cut: every record up to it
// is at most cut old.
func (db *DB) positionBefore(ctx context.Context, log []byte, after kv.Seq, cut int64) (kv.Seq, error) {
	pos := after
	for {
		recs, err := db.store.ReadLog(ctx, log, pos, logReadBatch)
		if err != nil {
			return 0, err
		}
		if len(recs) == 0 {
			return pos, nil
		}
		for _, lr := range recs {
			r, err := decodeChange(lr.Value)
			if err != nil {
				return 0, err
			}
			if r.Time > cut {
				return pos, nil
			}
			pos = lr.Seq
		}
	}
}

// mergeOverlay writes the overlay of the data named name onto its items
// (an empty value deletes the item) and removes it, in fenced batches.
func (db *DB) mergeOverlay(ctx context.Context, j *jobs.Job, name string) error {
	dp := dataPrefix(name)
	op := append(append([]byte(nil), dp...), 'o', '/')
	for {
		it, err := db.store.Iter(ctx, op, prefixEnd(op), false)
		if err != nil {
			return err
		}
		var keys, vals [][]byte
		for it.Next() && len(keys) < copyBatchKeys {
			keys = append(keys, append([]byte(nil), it.Key()...))
			vals = append(vals, append([]byte(nil), it.Value()...))
		}
		err = it.Err()
		it.Close()
		if err != nil {
			return err
		}
		if len(keys) == 0 {
			return nil
		}
		err = db.store.Update(ctx, [][]byte{j.Key()}, func(txn kv.Txn) error {
			if err := j.Fence(ctx, txn); err != nil {
				return err
			}
			for i, k := range keys {
				item := append(append(append([]byte(nil), dp...), 'i', '/'), k[len(op):]...)
				if len(vals[i]) == 0 {
					if err := txn.Delete(item); err != nil {
						return err
					}
				} else if err := txn.Set(item, vals[i]); err != nil {
					return err
				}
				if err := txn.Delete(k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
}
