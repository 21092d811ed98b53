package engine

// A backup copy that a restart interrupts. A kv.Snapshot does not outlive
// its process, so the resumed job copies a new snapshot, later than the
// first by whatever was written in between; it then rolls that copy back
// to the first snapshot with the change log. From CreateBackup's commit
// until the copy ends the table's record lists the backup (Backups), which
// makes every write log the item's old image (refreshChangeLog). The first
// run checkpoints its snapshot's positions in the logs before it copies;
// the resumed run reads each log from those positions up to its own
// snapshot's, and for every item changed in between writes the old image
// of its first change there (or deletes the item, if that change inserted
// it): the item as the first snapshot held it.
//
// A write that read the catalog before CreateBackup's commit logs no old
// image (or nothing, on a table without a log); the first snapshot waits
// for every such write of this engine (write_barrier.go) and of the other
// live engines over the same store (node_drain.go), so it holds them. A
// record without its old image that a resumed run still finds (a node cut
// off from the store for longer than its lease, whose write then
// committed) is reported at WARN and its item kept as the later snapshot
// holds it.

import (
	"context"
	"encoding/json"

	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/jobs"
	"github.com/dynago/dynago/internal/kv"
)

// backupProgress is a backup job's checkpoint: its first snapshot.
type backupProgress struct {
	Shards    int      `json:"shards"`
	Positions []kv.Seq `json:"positions"`
	Time      int64    `json:"time"` // unix µs, for the log
}

// checkpointBackup records the first snapshot of backup job j.
func (db *DB) checkpointBackup(ctx context.Context, j *jobs.Job, p *backupProgress) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return db.store.Update(ctx, [][]byte{j.Key()}, func(txn kv.Txn) error { return j.Checkpoint(ctx, txn, b) })
}

// rollBackCopy returns the copy of table t in the data named name, taken
// at the log positions to, to the state at first's positions, as job j.
func (db *DB) rollBackCopy(ctx context.Context, j *jobs.Job, t *Table, first *backupProgress, to []kv.Seq, name string) error {
	items := append(dataPrefix(name), 'i', '/')
	type write struct{ key, val []byte } // val nil: delete
	var ws []write
	flush := func() error {
		if len(ws) == 0 {
			return nil
		}
		err := db.store.Update(ctx, [][]byte{j.Key()}, func(txn kv.Txn) error {
			if err := j.Fence(ctx, txn); err != nil {
				return err
			}
			for _, w := range ws {
				var err error
				if w.val == nil {
					err = txn.Delete(w.key)
				} else {
					err = txn.Set(w.key, w.val)
				}
				if err != nil {
					return err
				}
			}
			return nil
		})
		ws = ws[:0]
		return err
	}
	var unknown int64
	for shard := range first.Shards {
		if shard >= len(first.Positions) || shard >= len(to) {
			break
		}
		log := changeLogName(t.ID, shard)
		if h, err := db.trimHorizon(ctx, log); err != nil {
			return err
		} else if h > first.Positions[shard] {
			db.opts.Logger.Warn("backup resumed after its table's change log was trimmed past its first snapshot: items changed in between are as the later snapshot holds them",
				"table", t.Name, "backup", j.ID)
		}
		seen := map[string]struct{}{}
		after, end := first.Positions[shard], to[shard]
		for after < end {
			recs, err := db.store.ReadLog(ctx, log, after, logReadBatch)
			if err != nil {
				return err
			}
			if len(recs) == 0 {
				wm, err := db.store.LogWatermark(ctx, log)
				if err != nil {
					return err
				}
				if wm >= end {
					break // Seqs need not be contiguous
				}
				if err := db.store.WaitLog(ctx, log, max(wm, after)); err != nil {
					return err
				}
				continue
			}
			for _, lr := range recs {
				if lr.Seq > end {
					after = end
					break
				}
				after = lr.Seq
				r, err := decodeStreamChange(lr.Value)
				if err != nil {
					return err
				}
				if r.Marker != "" {
					continue
				}
				keys, err := attr.DecodeItemJSON(r.Keys)
				if err != nil {
					return err
				}
				suffix := tableSuffix(t.ID, itemKey(t, keys))[2:] // drop the item key's "i/"
				if _, ok := seen[string(suffix)]; ok {
					continue // an item's first change after the snapshot holds its state then
				}
				seen[string(suffix)] = struct{}{}
				k := append(append([]byte(nil), items...), suffix...)
				switch {
				case r.Event == eventInsert:
					ws = append(ws, write{k, nil})
				case len(r.Old) > 0:
					ws = append(ws, write{k, append([]byte(nil), r.Old...)})
				default:
					unknown++
				}
				if len(ws) >= copyBatchKeys {
					if err := flush(); err != nil {
						return err
					}
				}
			}
		}
	}
	if unknown > 0 {
		db.opts.Logger.Warn("backup resumed: changes logged without their old image are as the later snapshot holds them",
			"table", t.Name, "backup", j.ID, "items", unknown)
	}
	return flush()
}

// countData counts the items of the data named name and their bytes.
func (db *DB) countData(ctx context.Context, name string) (copyStats, error) {
	var st copyStats
	p := append(dataPrefix(name), 'i', '/')
	it, err := db.store.Iter(ctx, p, prefixEnd(p), false)
	if err != nil {
		return st, err
	}
	defer it.Close()
	for it.Next() {
		st.Items++
		st.Bytes += int64(len(it.Value()))
	}
	return st, it.Err()
}

// finishBackup stores rec, the backup of job j AVAILABLE, and takes the
// backup off its table's record (Backups), in one commit. When that was
// all the change log was on for, the log goes too.
func (db *DB) finishBackup(ctx context.Context, j *jobs.Job, t *Table, rec *backupRecord) error {
	save := func(txn kv.Txn) error {
		if err := j.Fence(ctx, txn); err != nil {
			return err
		}
		return putJSON(txn, backupKey(j.ID), rec)
	}
	var cl *changeLogSetting
	e, err := db.changeCatalog(ctx, t.Name, [][]byte{j.Key(), backupKey(j.ID)}, func(txn kv.Txn, cur *tableRecord) (*tableRecord, error) {
		cl = nil
		if err := save(txn); err != nil {
			return nil, err
		}
		if cur == nil || cur.ID != t.ID {
			return nil, errSkip // the table is gone: its record with it
		}
		cl = cur.ChangeLog
		kept := cur.Backups[:0:0]
		for _, id := range cur.Backups {
			if id != j.ID {
				kept = append(kept, id)
			}
		}
		cur.Backups = kept
		refreshChangeLog(cur)
		return cur, nil
	})
	if err == errSkip {
		return db.store.Update(ctx, [][]byte{j.Key(), backupKey(j.ID)}, save)
	}
	if err != nil {
		return err
	}
	if cl != nil && e.rec.ChangeLog == nil && e.rec.Stream == nil && len(e.rec.OldStreams) == 0 {
		// No one else reads the table's log: drop what the backup kept.
		for shard := range max(cl.Shards, 1) {
			if err := db.trimChangeLog(ctx, changeLogName(t.ID, shard), db.opts.Now().UnixMicro()+1); err != nil {
				return err
			}
		}
	}
	return nil
}
