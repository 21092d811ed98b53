package pebble

import (
	"bytes"

	pdb "github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/sstable/block"
)

// The settings of an in-memory store (Options.InMemory) that differ from a
// store on disk. Its files live in the Go heap (memFS), so every byte an
// sstable holds is resident memory, and every byte a flush or compaction
// writes is CPU spent copying and garbage to collect; there is no disk to
// wait for, so that CPU is what a write costs.

// compressedFromLevel is the first level whose sstables an in-memory store
// compresses. Most of a large store's data sits in the two bottom levels
// (each level is ten times the one above); compressing it there takes 13 %
// (random payloads) to 59 % (dynago-bench's repeated filler) off a large
// table's sstables (docs/performance.md, "Memory with a large table in
// memory"). L0 and the small levels above L5 hold the recent, often
// rewritten and often read data, which stays uncompressed: a block read
// from them that misses the cache costs a copy, not a decompression. A
// small store compacts L0 straight into L6 (Pebble's dynamic base level),
// so there every compaction compresses; docs/backups.md ("Cost of PITR on
// writes") has what that costs a PutItem.
const compressedFromLevel = 5

// compressAbove is the size of its files past which an in-memory store
// compresses its bottom levels. Below it, where a test suite's tables and
// a benchmark's working set live, compressing costs CPU for memory nobody
// misses: a small store compacts L0 straight into L6, so every compaction
// would compress (+15 % of the CPU of 100 000 in-memory PutItems without
// PITR, docs/backups.md "Cost of PITR on writes"). Above it, memory is
// what a large table in memory runs out of first.
const compressAbove = 64 << 20 // 64 MB

// inMemoryCompression returns the compression of each level of an
// in-memory store: none above compressedFromLevel, Pebble's fastest (MinLZ
// on amd64, Snappy on arm64) from it down; none at all while compress is
// false.
func inMemoryCompression(compress bool) pdb.DBCompressionSettings {
	cs := pdb.DBCompressionSettings{Name: "dynago-in-memory"}
	for i := range cs.Levels {
		cs.Levels[i] = block.NoCompression
		if compress && i >= compressedFromLevel {
			cs.Levels[i] = block.FastestCompression
		}
	}
	return cs
}

// inMemoryOptions changes po, the options of an on-disk store, into those
// of an in-memory one. Pebble asks for a level's compression each time it
// writes an sstable, so the answer follows the store's size (po.FS, a
// memFS, counts it; another filesystem, a test's, always compresses).
func inMemoryOptions(po *pdb.Options) {
	small, large := inMemoryCompression(false), inMemoryCompression(true)
	po.ApplyCompressionSettings(func() pdb.DBCompressionSettings {
		if fs, ok := po.FS.(*memFS); ok && fs.used.Load() < compressAbove {
			return small
		}
		return large
	})
	// A write-ahead log does not help a store that ends with the process:
	// writing it and waiting for its (no-op) sync cost ~1.2 µs of each
	// commit (BenchmarkUpdate/memory/serial: 2.5-2.9 µs with the WAL,
	// 1.2-2.2 µs without). Commits then skip the sync too
	// (Store.writeOptions).
	po.DisableWAL = true
	po.Experimental.SpanPolicyFunc = splitAtReserved
}

// splitAtReserved is the span policy (pdb.SpanPolicyFunc) that ends every
// flush and compaction output file at reservedStart, so no sstable holds
// both items and change-log records.
//
// Without it a flush wrote one file from the first item key to the last
// record, and since a compaction takes every file of the next level that
// overlaps its inputs' key range, each compaction of L0 into the level
// below rewrote all the records stored there, although new records only
// ever sort after them. With the log in files of its own, a compaction of
// item files touches no record, and one of log files overlaps only the
// newest record files below. The change log more than doubles the bytes
// a logged PutItem stores; this keeps them from being compacted again
// with every batch of items (docs/backups.md, "Cost of PITR on writes").
func splitAtReserved(start []byte) (pdb.SpanPolicy, []byte, error) {
	if bytes.Compare(start, reservedStart) < 0 {
		return pdb.SpanPolicy{}, reservedStart, nil
	}
	return pdb.SpanPolicy{}, nil, nil
}
