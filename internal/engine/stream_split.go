package engine

// Stream shard splits. DynamoDB gives a stream one open shard per table
// partition, and when a partition splits (its data grows past 10 GB, or
// UpdateTable raises throughput past 3000 RCU / 1000 WCU a partition) the
// partition's shard closes and two children, each with the parent as
// ParentShardId, continue its hash range halves.
//
// Dynago keeps the physical change logs fixed (changelog.go: PITR, exports
// and backups read them by number, and no backend here needs more logs for
// throughput); a split is a stream-level view. A boundary (stream_catalog.go)
// carries the hash ranges of the shards it opens, as their first partition
// hashes (streamBound.Starts); a shard of a log holds the log's records
// between its boundaries whose item's partition hash is in its range. A
// boundary closes every open shard of its log: a shard whose range is split
// is succeeded by two children, the others by one child with the same range
// (a rollover). An item's partition hash never changes, so its records run
// through one chain of parent, child, grandchild: per-item order holds for
// a consumer that reads a parent before its children.
//
// A reader of a split shard reads the whole log and skips the records of
// other ranges (GetRecords scans at most getRecordsMaxScan records a call),
// so a log is split into at most maxStreamShardsPerLog ranges.
//
// What asks for more shards: a provisioned throughput that needs more
// partitions than the stream has shards (UpdateTable splits one generation
// in its own catalog change, then each further generation in a catalog
// change of its own before it returns), and the table's size past
// Options.StreamPartitionBytes per shard (10 GB; the stream job checks
// every streamSizeCheckEvery and splits a generation a pass,
// streamSplitPace apart). Shards never merge, as partitions never do.

import (
	"context"
	"sync"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/kv"
)

const (
	// Per-partition throughput, as DynamoDB documents it.
	partitionReadUnits  = 3000
	partitionWriteUnits = 1000

	defaultStreamPartitionBytes = 10 << 30 // 10 GB: DynamoDB's partition size

	maxStreamShardsPerLog = 256
	// streamSplitPace separates the stream job's generations of a split
	// that needs more than one (each shard splits into two per generation).
	streamSplitPace = 100 * time.Millisecond
	// streamSizeCheckEvery is how often the stream job measures the size
	// of tables with a stream (a scan), as DynamoDB refreshes table sizes
	// about every six hours; with Options.StreamPartitionBytes set, every
	// pass.
	streamSizeCheckEvery = 6 * time.Hour
	// getRecordsMaxScan bounds the log records one GetRecords call reads
	// for a split shard; past it the call returns what it found (maybe
	// nothing) with a NextShardIterator further on, as DynamoDB may.
	getRecordsMaxScan = 100_000
)

// sizeChecks remembers when each table's size was last measured and the
// partitions it needed then (a sizeCheck), by table id; its zero value is
// ready.
type sizeChecks struct{ m sync.Map }

type sizeCheck struct {
	at   time.Time
	want int
}

// throughputPartitions is how many partitions a table's provisioned
// throughput needs: ⌈RCU/3000 + WCU/1000⌉, at least one.
func throughputPartitions(rec *tableRecord) int {
	pt := rec.Desc.ProvisionedThroughput
	if pt == nil {
		return 1
	}
	r, w := api.Int(pt.ReadCapacityUnits, 0), api.Int(pt.WriteCapacityUnits, 0)
	units := r + w*(partitionReadUnits/partitionWriteUnits) // in read units
	return max(1, int((units+partitionReadUnits-1)/partitionReadUnits))
}

func (db *DB) streamPartitionBytes() int64 {
	if db.opts.StreamPartitionBytes > 0 {
		return db.opts.StreamPartitionBytes
	}
	return defaultStreamPartitionBytes
}

// sizePartitions is how many partitions a table of size bytes needs.
func (db *DB) sizePartitions(size int64) int {
	p := db.streamPartitionBytes()
	return max(1, int((size+p-1)/p))
}

// perLog is how many shards each of logs logs needs for want partitions.
func perLog(want, logs int) int {
	return min(maxStreamShardsPerLog, max(1, (want+logs-1)/max(logs, 1)))
}

// evenStarts cuts the hash space into n equal ranges.
func evenStarts(n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = segmentStart(uint64(i), uint64(n))
	}
	return out
}

// initialStarts returns the ranges of a new stream's first boundaries: as
// many as the table's throughput needs, and no fewer than the table's
// previous stream ended with (partitions do not merge). nil: one shard.
func initialStarts(rec *tableRecord, prev *streamState, logs int) [][]uint64 {
	want := throughputPartitions(rec)
	if prev != nil {
		n := 0
		for i := range prev.Logs {
			n += len(prev.Logs[i].starts(len(prev.Logs[i].Bounds) - 1))
		}
		want = max(want, n)
	}
	n := perLog(want, logs)
	if n <= 1 {
		return nil
	}
	out := make([][]uint64, logs)
	for i := range out {
		out[i] = evenStarts(n)
	}
	return out
}

// starts returns the hash ranges of the shards boundary k of l opens.
func (l *streamLog) starts(k int) []uint64 {
	for ; k >= 0; k-- {
		if l.Bounds[k].Starts != nil {
			return l.Bounds[k].Starts
		}
	}
	return []uint64{0}
}

// rangeEnd returns the end of range i of starts (0: the end of the hash
// space).
func rangeEnd(starts []uint64, i int) uint64 {
	if i+1 < len(starts) {
		return starts[i+1]
	}
	return 0
}

// splitStarts returns cur with up to want-len(cur) of its widest ranges
// halved (each at most once: a shard splits into two children), or nil
// when cur has want ranges already or none can be split.
func splitStarts(cur []uint64, want int) []uint64 {
	n := min(want-len(cur), len(cur))
	if n <= 0 {
		return nil
	}
	// half is half a range's width; the end minus the start wraps to the
	// right width for the last range, except the whole space.
	half := func(i int) uint64 {
		if w := rangeEnd(cur, i) - cur[i]; w != 0 {
			return w / 2
		}
		return 1 << 63
	}
	split := make([]bool, len(cur))
	for ; n > 0; n-- {
		best := -1
		for i := range cur {
			if !split[i] && half(i) > 0 && (best < 0 || half(i) > half(best)) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		split[best] = true
	}
	var out []uint64
	for i, s := range cur {
		out = append(out, s)
		if split[i] {
			out = append(out, s+half(i))
		}
	}
	if len(out) == len(cur) {
		return nil
	}
	return out
}

// splitStream makes the enabled stream of rec one split generation closer
// to want partitions, inside the catalog change's txn: a boundary in every
// log whose shards are fewer than its share. It reports whether it split
// and whether more generations are needed.
func (db *DB) splitStream(ctx context.Context, txn kv.Txn, rec *tableRecord, now time.Time, want int) (split, more bool, err error) {
	st := rec.Stream
	if st == nil || !st.enabled() || len(st.Logs) == 0 {
		return false, false, nil
	}
	target := perLog(want, len(st.Logs))
	starts := make([][]uint64, len(st.Logs))
	for i := range st.Logs {
		l := &st.Logs[i]
		if next := splitStarts(l.starts(len(l.Bounds)-1), target); next != nil {
			starts[i] = next
			split = true
			more = more || len(next) < target
		}
	}
	if !split {
		return false, false, nil
	}
	return true, more, db.addBounds(ctx, txn, rec, st, now, starts)
}

// splitStreamGenerations splits the stream of the table of e, a
// generation a catalog change, until its shards are as many as its
// throughput needs (UpdateTable, after its own change split the first).
func (db *DB) splitStreamGenerations(ctx context.Context, e *catalogEntry) error {
	for more := true; more; {
		_, err := db.changeCatalog(ctx, e.table.Name, nil, func(txn kv.Txn, rec *tableRecord) (*tableRecord, error) {
			if rec == nil || rec.ID != e.table.ID {
				return nil, errSkip
			}
			split, further, err := db.splitStream(ctx, txn, rec, db.opts.Now(), throughputPartitions(rec))
			if err != nil {
				return nil, err
			}
			if !split {
				return nil, errSkip
			}
			more = further
			return rec, nil
		})
		if err == errSkip {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// hashKeyName returns the name of rec's partition key attribute.
func hashKeyName(rec *tableRecord) string {
	for _, k := range rec.Desc.KeySchema {
		if api.Str(k.KeyType) == api.KeyTypeHash {
			return api.Str(k.AttributeName)
		}
	}
	return ""
}

// keysHash returns the partition hash of the item whose key attributes are
// keys, as its storage key holds it (keys.go).
func keysHash(hashKey string, keys attr.Item) uint64 {
	return partitionHash(attr.AppendKey(nil, keys[hashKey]))
}

// holds reports whether the shard's hash range holds partition hash h.
func (sh *streamShard) holds(h uint64) bool {
	return h >= sh.lo && (sh.hi == 0 || h < sh.hi)
}

// whole reports whether the shard's range is the whole hash space.
func (sh *streamShard) whole() bool { return sh.lo == 0 && sh.hi == 0 }

// shardHoldsSeq reports whether sequence number s can name a record of the
// split shard sh. The shards of a split are views over one change log, so
// a sibling's sequence number lies inside sh's range too; a record at s
// whose item hashes outside sh's range belongs to the sibling, and
// DynamoDB refuses another shard's sequence number. A number naming no
// record (trimmed, a marker, or between records) is accepted, as on an
// unsplit shard: the iterator starts at the next record of sh's range.
func (db *DB) shardHoldsSeq(ctx context.Context, rec *tableRecord, sh *streamShard, s kv.Seq) (bool, error) {
	recs, err := db.store.ReadLog(ctx, changeLogName(rec.ID, sh.log), s-1, 1)
	if err != nil {
		return false, err
	}
	if len(recs) == 0 || recs[0].Seq != s || isMarker(recs[0].Value) {
		return true, nil
	}
	_, keys, err := decodeStreamKeys(recs[0].Value)
	if err != nil {
		return false, err
	}
	return sh.holds(keysHash(hashKeyName(rec), keys)), nil
}
