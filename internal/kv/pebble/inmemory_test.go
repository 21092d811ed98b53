package pebble

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	pdb "github.com/cockroachdb/pebble/v2"

	"github.com/dynago/dynago/internal/kv"
)

// TestInMemoryFilesSplitAtLog writes items and change-log records in the
// same commits, as a logged PutItem does, flushes and compacts everything,
// and checks that no sstable holds both (splitAtReserved), that a small
// store compresses nothing, and that once the store is past compressAbove
// the bottom level is compressed while L0 is not (inMemoryCompression).
func TestInMemoryFilesSplitAtLog(t *testing.T) {
	fs := newMemFS()
	s, err := Open("", Options{InMemory: true, MemTableSize: 1 << 20, FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(3, 4))
	val := []byte(strings.Repeat(`{"payload":{"S":"abcdefgh"}}`, 10))
	large := false
	old := map[string]bool{} // tables written while the store was small
	check := func(stage string, wantLevels func(level int) bool) {
		t.Helper()
		levels, err := s.db.SSTables(pdb.WithProperties())
		if err != nil {
			t.Fatal(err)
		}
		n, compressedN := 0, 0
		for level, tables := range levels {
			for _, tb := range tables {
				n++
				lo, hi := tb.Smallest.UserKey, tb.Largest.UserKey
				if bytes.Compare(lo, reservedStart) < 0 && bytes.Compare(hi, reservedStart) >= 0 {
					t.Errorf("%s: L%d table %s holds items and log records: %q .. %q", stage, level, tb.FileNum, lo, hi)
				}
				compressed := tb.Properties.CompressionName != "NoCompression"
				if compressed {
					compressedN++
				}
				if !large {
					old[tb.FileNum.String()] = true
				}
				// A table the small store wrote stays as it was until a
				// compaction rewrites it (the log's, whose new records
				// sort after it, is not).
				if old[tb.FileNum.String()] && large {
					if compressed {
						t.Errorf("%s: L%d table %s, written small, compressed", stage, level, tb.FileNum)
					}
				} else if compressed != (large && level >= compressedFromLevel) {
					t.Errorf("%s: L%d table %s compressed with %q", stage, level, tb.FileNum, tb.Properties.CompressionName)
				}
				if !wantLevels(level) {
					t.Errorf("%s: a table in L%d", stage, level)
				}
			}
		}
		if n < 2 {
			t.Errorf("%s: %d sstables, want items and records in separate ones", stage, n)
		}
		if large && compressedN == 0 {
			t.Errorf("%s: no table compressed", stage)
		}
	}
	fill := func() {
		t.Helper()
		for i := range 3000 {
			key := fmt.Appendf(nil, "t/1/i/%08x", rng.Uint32())
			if err := s.Update(ctx, [][]byte{key}, func(tx kv.Txn) error {
				return errors.Join(tx.Set(key, val), tx.AppendLog([]byte("t/1/s/0"), val))
			}); err != nil {
				t.Fatalf("commit %d: %v", i, err)
			}
		}
		if err := s.db.Flush(); err != nil {
			t.Fatal(err)
		}
		if err := s.db.Compact(ctx, []byte{0}, []byte{0xff, 0xff}, false); err != nil {
			t.Fatal(err)
		}
	}
	fill()
	if used := fs.used.Load(); used <= 0 || used >= compressAbove {
		t.Fatalf("memFS counts %d bytes of files, want some, below %d", used, compressAbove)
	}
	check("compacted, small", func(level int) bool { return level == 6 })
	// Past the threshold (counted as if the store had grown), the next
	// compaction, which rewrites every L6 table (the keys are random),
	// compresses.
	fs.used.Add(compressAbove)
	large = true
	fill()
	check("compacted, large", func(level int) bool { return level == 6 })
	if t.Failed() {
		return
	}
	// A last flush lands in L0, uncompressed, still split.
	key := []byte("t/1/i/last")
	if err := s.Update(ctx, [][]byte{key}, func(tx kv.Txn) error {
		return errors.Join(tx.Set(key, val), tx.AppendLog([]byte("t/1/s/0"), val))
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Flush(); err != nil {
		t.Fatal(err)
	}
	check("flushed", func(level int) bool { return level == 0 || level == 6 })
}
