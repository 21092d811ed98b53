package engine

// The stream job: a leased periodic job (jobs.go) that, for every table
// with a stream, rolls open shards over (closes them with a boundary, so a
// child shard continues each) every Options.StreamRollover, persists
// resolved boundary Seqs in the catalog, trims change-log records older
// than changeLogRetention, and forgets disabled streams past retention,
// also those of deleted tables (stream_deleted.go).

import (
	"context"
	"encoding/binary"
	"time"

	"github.com/dynago/dynago/internal/jobs"
	"github.com/dynago/dynago/internal/kv"
)

const (
	jobStream   = "stream"
	streamJobID = "all"

	defaultStreamRollover = 4 * time.Hour
)

// streamRollover is how often open shards roll over (0: never).
func (db *DB) streamRollover() time.Duration {
	switch d := db.opts.StreamRollover; {
	case d < 0:
		return 0
	case d == 0:
		return defaultStreamRollover
	default:
		return d
	}
}

// streamJobInterval is how often the stream job runs.
func (db *DB) streamJobInterval() time.Duration {
	d := db.streamRetention() / 24
	if r := db.streamRollover(); r > 0 {
		d = min(d, r/4)
	}
	if db.opts.StreamPartitionBytes > 0 {
		d = min(d, streamSplitPace) // a test waits for a split by size
	}
	return max(d, 10*time.Millisecond)
}

// submitStreamJob records the stream job in txn (idempotent), at
// start-up (startJobs).
func submitStreamJob(ctx context.Context, txn kv.Txn) error {
	return jobs.Submit(ctx, txn, jobStream, streamJobID, nil)
}

// runStreamJob is one pass of the stream job.
func (db *DB) runStreamJob(ctx context.Context, j *jobs.Job) error {
	if _, err := db.syncCatalog(ctx, db.store); err != nil {
		return err
	}
	next := db.streamJobInterval()
	for _, name := range db.cat.names() {
		e := db.cat.get(name)
		if e == nil || (e.rec.Stream == nil && len(e.rec.OldStreams) == 0) {
			continue
		}
		more, err := db.maintainStreams(ctx, e)
		if err != nil {
			return err
		}
		if more {
			next = min(next, streamSplitPace) // the next split generation
		}
	}
	if err := db.maintainDeletedStreams(ctx); err != nil {
		return err
	}
	return &jobs.Again{At: time.Now().Add(next)}
}

// sizePartitionsWanted is how many partitions, and so open stream
// shards, the table of e needs by its size, measured when due and
// otherwise as last measured (stream_split.go); 0 when its stream is not
// enabled.
func (db *DB) sizePartitionsWanted(ctx context.Context, e *catalogEntry) (int, error) {
	if e.rec.Stream == nil || !e.rec.Stream.enabled() {
		return 0, nil
	}
	every := streamSizeCheckEvery
	if db.opts.StreamPartitionBytes > 0 {
		every = 0
	}
	now := time.Now()
	if v, ok := db.streamSized.m.Load(e.table.ID); ok && now.Sub(v.(sizeCheck).at) < every {
		return v.(sizeCheck).want, nil
	}
	_, size, err := db.cachedTableStats(ctx, e.table)
	if err != nil {
		return 0, err
	}
	want := db.sizePartitions(size)
	db.streamSized.m.Store(e.table.ID, sizeCheck{at: now, want: want})
	return want, nil
}

// maintainStreams splits, rolls over, persists and trims the streams of
// one table. It reports whether a split needs another generation.
func (db *DB) maintainStreams(ctx context.Context, e *catalogEntry) (more bool, err error) {
	now := db.opts.Now()
	keep := db.streamLogRetention(e.rec)
	roll := db.streamRollover()
	bySize, err := db.sizePartitionsWanted(ctx, e)
	if err != nil {
		return false, err
	}
	// Resolve every boundary first: a trimmed marker could not be found.
	for _, st := range e.rec.streams() {
		if _, err := db.shards(ctx, e.rec, st); err != nil {
			return false, err
		}
	}
	name := e.table.Name
	_, err = db.changeCatalog(ctx, name, nil, func(txn kv.Txn, rec *tableRecord) (*tableRecord, error) {
		more = false
		if rec == nil || rec.ID != e.rec.ID {
			return nil, errSkip
		}
		for _, st := range rec.streams() {
			for n := range st.Logs {
				for i := range st.Logs[n].Bounds {
					b := &st.Logs[n].Bounds[i]
					if b.Seq == 0 {
						if v, ok := db.streamBounds.m.Load(string(changeLogName(rec.ID, n)) + "\x00" + b.Marker); ok {
							b.Seq = v.(kv.Seq)
						}
					}
				}
			}
		}
		var old []streamState
		for _, st := range rec.OldStreams {
			if now.Sub(time.UnixMilli(st.Disabled)) < keep {
				old = append(old, st)
			}
		}
		rec.OldStreams = old
		// The throughput is read from the record being changed: an
		// UpdateTable may have committed since e was read.
		split, further, err := db.splitStream(ctx, txn, rec, now, max(throughputPartitions(rec), bySize))
		if err != nil {
			return nil, err
		}
		more = further
		if st := rec.Stream; !split && st != nil && st.enabled() && roll > 0 && len(st.Logs) > 0 {
			bs := st.Logs[0].Bounds
			if now.Sub(time.UnixMilli(bs[len(bs)-1].At)) >= roll {
				if err := db.addBounds(ctx, txn, rec, st, now, nil); err != nil {
					return nil, err
				}
			}
		}
		return rec, nil
	})
	if err != nil && err != errSkip {
		return false, err
	}
	logs := 0
	for _, st := range e.rec.streams() {
		logs = max(logs, len(st.Logs))
	}
	cutoff := now.Add(-keep).UnixMicro()
	for n := 0; n < logs; n++ {
		if err := db.trimChangeLog(ctx, changeLogName(e.rec.ID, n), cutoff); err != nil {
			return false, err
		}
	}
	return more, nil
}

// errSkip abandons a catalog change that has nothing to do.
var errSkip = errorString("engine: nothing to change")

type errorString string

func (e errorString) Error() string { return string(e) }

// trimChangeLog trims the records of log made before cutoff (unix µs):
// it records the new trim horizon first (GetRecords answers
// TrimmedDataAccessException behind it), then trims.
func (db *DB) trimChangeLog(ctx context.Context, log []byte, cutoff int64) error {
	horizon, err := db.trimHorizon(ctx, log)
	if err != nil {
		return err
	}
	upTo := horizon
	for {
		recs, err := db.store.ReadLog(ctx, log, upTo, 512)
		if err != nil {
			return err
		}
		done := len(recs) == 0
		for _, r := range recs {
			c, err := decodeStreamChange(r.Value)
			if err != nil {
				return err
			}
			if c.Time >= cutoff {
				done = true
				break
			}
			upTo = r.Seq
		}
		if done {
			break
		}
	}
	if upTo == horizon {
		return nil
	}
	key := append([]byte(trimHorizonPrefix), log...)
	if err := db.store.Update(ctx, [][]byte{key}, func(txn kv.Txn) error {
		return txn.Set(key, binary.BigEndian.AppendUint64(nil, uint64(upTo)))
	}); err != nil {
		return err
	}
	return db.store.TrimLog(ctx, log, upTo)
}
