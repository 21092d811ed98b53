package engine

// The data of backups, point-in-time bases and point-in-time views: copies
// of a table's keys in the engine's own ranges, never a table's.
//
//	b/<name>/i/<hash(pk)>/<pk>/<sk>  an item, its stored bytes as in the table
//	b/<name>/x/<index id>/…          an index entry (on-demand backups)
//	b/<name>/o/<hash(pk)>/<pk>/<sk>  an overlay entry: the item as of a point
//	                                 in time later than the base ("" = deleted)
//
// What follows "b/<name>/" is exactly what follows "t/<table id>/" in the
// table's own keys (the partition hash depends on the key alone), so a
// restore writes a copied key back by changing its prefix, and the index
// entries of a backup copy back under the same index ids.
//
// A copy from a snapshot is consistent (one kv.Snapshot) and takes no lock
// the table's writers wait for: it writes only the b/ range, in batches,
// each fenced by the job's lease. A snapshot does not survive the process,
// so a copy interrupted part-way starts again from nothing with a new
// snapshot (dropCopy), never mixes two.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/jobs"
	"github.com/dynago/dynago/internal/kv"
)

const (
	// copyBatchKeys and copyBatchBytes bound one copy transaction.
	copyBatchKeys  = 1000
	copyBatchBytes = 1 << 20 // 1 MB

	// logReadBatch is how many change-log records one ReadLog returns.
	logReadBatch = 1000

	// logSlack is how long after a record's time its commit may still
	// become durable (the time is taken under the item's lock, before the
	// commit's fsync). A replay up to T reads records until one is later
	// than T+logSlack, and a restore to T waits until T+logSlack has
	// passed before it reads the log.
	logSlack = 2 * time.Second
)

// dataPrefix is the range of the data named name.
func dataPrefix(name string) []byte { return []byte("b/" + name + "/") }

// tableSuffix returns what follows t/<table id>/ in a table key.
func tableSuffix(tableID uint64, key []byte) []byte { return key[len(tablePrefix(tableID)):] }

// copyStats count what a copy or a load moved.
type copyStats struct {
	Items int64 `json:"items"`
	Bytes int64 `json:"bytes"`
}

// snapshotCopy is the outcome of copying a table from a snapshot.
type snapshotCopy struct {
	copyStats
	// Time is when the snapshot was taken (unix µs): every change-log
	// record it holds is at most this old.
	Time int64 `json:"time"`
	// Positions are the snapshot's positions in the table's change logs,
	// by shard (point-in-time replay continues after them).
	Positions []kv.Seq `json:"positions,omitempty"`
}

// copyFromSnapshot copies table t's items, and the entries of the indexes
// whose ids are in indexIDs, from a new snapshot into the data named name,
// as job j (each batch fenced by its lease). progress, when set, sees each
// batch's counts. The data range must be empty (dropData first).
func (db *DB) copyFromSnapshot(ctx context.Context, j *jobs.Job, t *Table, cl *changeLogSetting, name string, indexIDs []uint64, progress func(copyStats)) (*snapshotCopy, error) {
	snap, out, err := db.takeSnapshot(ctx, t, cl)
	if err != nil {
		return nil, err
	}
	defer snap.Close()
	if err := db.copySnapshot(ctx, j, snap, t, name, indexIDs, progress, out); err != nil {
		return nil, err
	}
	return out, nil
}

// takeSnapshot takes a new snapshot of the store and describes it: its
// time and, when table t's change log is on (cl), its positions in the
// table's logs. The caller closes the snapshot.
func (db *DB) takeSnapshot(ctx context.Context, t *Table, cl *changeLogSetting) (kv.Snapshot, *snapshotCopy, error) {
	// The caller read the catalog that has the copy's logging on; writes
	// that read an older one commit before the snapshot (write_barrier.go).
	// Other engines over the store say so in their node records
	// (node_drain.go).
	if err := db.writes.wait(ctx); err != nil {
		return nil, nil, err
	}
	if err := db.waitNodesDrained(ctx); err != nil {
		return nil, nil, err
	}
	snap, err := db.store.NewSnapshot(ctx)
	if err != nil {
		return nil, nil, err
	}
	out := &snapshotCopy{Time: db.opts.Now().UnixMicro()}
	if cl != nil {
		for shard := range max(cl.Shards, 1) {
			pos, err := snap.LogPosition(ctx, changeLogName(t.ID, shard))
			if err != nil {
				snap.Close()
				return nil, nil, err
			}
			out.Positions = append(out.Positions, pos)
		}
	}
	return snap, out, nil
}

// copySnapshot copies table t's items, and the entries of the indexes
// whose ids are in indexIDs, from snap into the data named name, as job j,
// counting the items in out.
func (db *DB) copySnapshot(ctx context.Context, j *jobs.Job, snap kv.Snapshot, t *Table, name string, indexIDs []uint64, progress func(copyStats), out *snapshotCopy) error {
	dst := dataPrefix(name)
	ranges := [][]byte{itemsPrefix(t.ID)}
	for _, id := range indexIDs {
		ranges = append(ranges, indexPrefix(t.ID, id))
	}
	for _, p := range ranges {
		st, err := db.copyRange(ctx, j, snap, p, prefixEnd(p), func(k []byte) []byte {
			return append(append(make([]byte, 0, len(dst)+len(k)), dst...), tableSuffix(t.ID, k)...)
		}, progress)
		if err != nil {
			return err
		}
		if bytes.Equal(p, itemsPrefix(t.ID)) {
			out.copyStats = st
		}
	}
	return nil
}

// copyRange copies every key of [start, end) read through r to rename(key),
// in fenced batches. It counts the keys and value bytes copied.
func (db *DB) copyRange(ctx context.Context, j *jobs.Job, r kv.Reader, start, end []byte, rename func([]byte) []byte, progress func(copyStats)) (copyStats, error) {
	var total copyStats
	it, err := r.Iter(ctx, start, end, false)
	if err != nil {
		return total, err
	}
	defer it.Close()
	var keys, vals [][]byte
	size := 0
	flush := func() error {
		if len(keys) == 0 {
			return nil
		}
		err := db.store.Update(ctx, [][]byte{j.Key()}, func(txn kv.Txn) error {
			if err := j.Fence(ctx, txn); err != nil {
				return err
			}
			for i := range keys {
				if err := txn.Set(keys[i], vals[i]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		st := copyStats{Items: int64(len(keys)), Bytes: int64(size)}
		total.Items += st.Items
		total.Bytes += st.Bytes
		if progress != nil {
			progress(st)
		}
		keys, vals, size = keys[:0], vals[:0], 0
		return nil
	}
	for it.Next() {
		keys = append(keys, rename(it.Key()))
		vals = append(vals, bytes.Clone(it.Value()))
		size += len(it.Value())
		if len(keys) >= copyBatchKeys || size >= copyBatchBytes {
			if err := flush(); err != nil {
				return total, err
			}
		}
	}
	if err := it.Err(); err != nil {
		return total, err
	}
	return total, flush()
}

// dropData removes the data named name (a copy that failed or restarts, a
// deleted backup, a retired base).
func (db *DB) dropData(ctx context.Context, name string) error {
	p := dataPrefix(name)
	return db.dropRange(ctx, p, prefixEnd(p))
}

// replayInto writes onto the overlay of the data named name (its o/
// range) the item state every change-log record of table t after from
// (per shard) and at most at time upTo (unix µs) leaves, as job j. It
// returns the number of records applied. Records of one item are in one
// log in commit order, so the last one written wins.
func (db *DB) replayInto(ctx context.Context, j *jobs.Job, t *Table, shards int, from []kv.Seq, upTo int64, name string) (int64, error) {
	ov := append(dataPrefix(name), 'o', '/')
	var applied int64
	for shard := range max(shards, 1) {
		var after kv.Seq
		if shard < len(from) {
			after = from[shard]
		}
		log := changeLogName(t.ID, shard)
		for {
			recs, err := db.store.ReadLog(ctx, log, after, logReadBatch)
			if err != nil {
				return applied, err
			}
			if len(recs) == 0 {
				break
			}
			type write struct{ key, val []byte }
			var ws []write
			done := false
			for _, lr := range recs {
				after = lr.Seq
				r, err := decodeChange(lr.Value)
				if err != nil {
					return applied, err
				}
				if r.Time > upTo+logSlack.Microseconds() {
					done = true
					break
				}
				if r.Time > upTo || r.Marker != "" {
					continue // later, or a stream shard boundary
				}
				keys, err := attr.DecodeItemJSON(r.Keys)
				if err != nil {
					return applied, fmt.Errorf("engine: change-log record keys: %w", err)
				}
				k := append(bytes.Clone(ov), tableSuffix(t.ID, itemKey(t, keys))[2:]...) // drop the item key's "i/"
				var v []byte
				if r.Event != eventRemove {
					if len(r.New) == 0 {
						return applied, errors.New("engine: change-log record without its new image: the log was written without PITR's setting")
					}
					v = []byte(r.New)
				}
				ws = append(ws, write{k, v})
			}
			if len(ws) > 0 {
				err := db.store.Update(ctx, [][]byte{j.Key()}, func(txn kv.Txn) error {
					if err := j.Fence(ctx, txn); err != nil {
						return err
					}
					for _, w := range ws {
						if err := txn.Set(w.key, w.val); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					return applied, err
				}
				applied += int64(len(ws))
			}
			if done {
				break
			}
		}
	}
	return applied, nil
}

// view is a readable state of a table's items: the items of a base (the
// data named Base), with the overlay of the data named Overlay (if any)
// over them.
type view struct {
	Base    string `json:"base"`
	Overlay string `json:"overlay,omitempty"`
}

// viewIter walks a view's items in key order, as suffixes of their table
// keys ("i/<hash>/<pk>/<sk>") and stored bytes.
type viewIter struct {
	base, over       kv.Iterator
	bp, op           int // prefix lengths to cut
	bOK, oOK         bool
	key, val         []byte
	err              error
	baseKey, overKey []byte
}

// iterView opens a view's items after the suffix after (nil: from the
// start), read through r (the store, or a snapshot).
func (db *DB) iterView(ctx context.Context, r kv.Reader, v view, after []byte) (*viewIter, error) {
	bp := append(dataPrefix(v.Base), 'i', '/')
	start := bp
	if after != nil {
		start = keySuccessor(append(dataPrefix(v.Base), after...))
	}
	vi := &viewIter{bp: len(bp) - 2}
	var err error
	if vi.base, err = r.Iter(ctx, start, prefixEnd(bp), false); err != nil {
		return nil, err
	}
	vi.bOK = vi.base.Next()
	if v.Overlay != "" {
		op := append(dataPrefix(v.Overlay), 'o', '/')
		ostart := op
		if after != nil {
			ostart = keySuccessor(append(bytes.Clone(op), after[2:]...))
		}
		if vi.over, err = r.Iter(ctx, ostart, prefixEnd(op), false); err != nil {
			vi.base.Close()
			return nil, err
		}
		vi.op = len(op)
		vi.oOK = vi.over.Next()
	}
	return vi, nil
}

// Next moves to the next live item.
func (vi *viewIter) Next() bool {
	for {
		var bk, ok []byte
		if vi.bOK {
			bk = vi.base.Key()[vi.bp+2:]
		}
		if vi.oOK {
			ok = vi.over.Key()[vi.op:]
		}
		switch {
		case !vi.bOK && !vi.oOK:
			if vi.err == nil {
				vi.err = vi.base.Err()
			}
			if vi.err == nil && vi.over != nil {
				vi.err = vi.over.Err()
			}
			return false
		case vi.oOK && (!vi.bOK || bytes.Compare(ok, bk) <= 0):
			same := vi.bOK && bytes.Equal(ok, bk)
			vi.key = append(append(vi.key[:0], 'i', '/'), ok...)
			vi.val = append(vi.val[:0], vi.over.Value()...)
			vi.oOK = vi.over.Next()
			if same {
				vi.bOK = vi.base.Next()
			}
			if len(vi.val) == 0 {
				continue // deleted after the base
			}
			return true
		default:
			vi.key = append(append(vi.key[:0], 'i', '/'), bk...)
			vi.val = append(vi.val[:0], vi.base.Value()...)
			vi.bOK = vi.base.Next()
			return true
		}
	}
}

// Key is the item's table-key suffix; Value its stored bytes. Both are
// valid until the next call of Next.
func (vi *viewIter) Key() []byte   { return vi.key }
func (vi *viewIter) Value() []byte { return vi.val }
func (vi *viewIter) Err() error    { return vi.err }

// Close closes the iterators.
func (vi *viewIter) Close() {
	vi.base.Close()
	if vi.over != nil {
		vi.over.Close()
	}
}

// getJSON reads the JSON value at key into v; found is false when the key
// does not exist.
func getJSON(ctx context.Context, r kv.Reader, key []byte, v any) (found bool, err error) {
	b, err := r.Get(ctx, key)
	if errors.Is(err, kv.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("engine: record %q: %w", key, err)
	}
	return true, nil
}

// putJSON stores v as JSON at key in txn.
func putJSON(txn kv.Txn, key []byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return txn.Set(key, b)
}
