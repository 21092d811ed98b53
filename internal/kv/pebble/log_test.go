package pebble

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	pdb "github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/dynago/dynago/internal/kv"
)

// TestLogKeyOrder: a log's record keys sort by Seq, stay inside the log's
// prefix range, and the ranges of two different logs never overlap, even
// when one name is a prefix of the other or holds 0x00 and 0xff bytes.
func TestLogKeyOrder(t *testing.T) {
	names := []string{"a", "ab", "a\x00", "a\xff", "\xff", "\xff\xff", "b", string(bytes.Repeat([]byte("x"), 200))}
	seqs := []kv.Seq{1, 2, 255, 256, 1 << 32, ^kv.Seq(0) - 1, ^kv.Seq(0)}
	for _, a := range names {
		pa := recordPrefix([]byte(a))
		end := prefixEnd(pa)
		for i, s := range seqs {
			k := appendRecordKey(nil, pa, s)
			if !isReserved(k) || !bytes.HasPrefix(k, pa) || bytes.Compare(k, end) >= 0 {
				t.Errorf("record key of %q %d outside its log's range", a, s)
			}
			if got, _ := recordSeq(k); got != s {
				t.Errorf("recordSeq of %q %d = %d", a, s, got)
			}
			if i > 0 && bytes.Compare(appendRecordKey(nil, pa, seqs[i-1]), k) >= 0 {
				t.Errorf("log %q: Seq %d does not sort before %d", a, seqs[i-1], s)
			}
			if bytes.Compare(k, recordRangeEnd(pa, s)) >= 0 || (s < ^kv.Seq(0) && bytes.Compare(appendRecordKey(nil, pa, s+1), recordRangeEnd(pa, s)) != 0) {
				t.Errorf("log %q: recordRangeEnd(%d) is not just after record %d", a, s, s)
			}
		}
		for _, b := range names {
			if a == b {
				continue
			}
			pb := recordPrefix([]byte(b))
			if bytes.HasPrefix(pb, pa) || bytes.HasPrefix(headKey([]byte(b)), headKey([]byte(a))) {
				t.Errorf("log %q's prefix starts with log %q's", b, a)
			}
		}
	}
}

// FuzzLogKeys: for any two logs and Seqs, record keys compare as (log
// prefix, Seq) and decode back to their Seq.
func FuzzLogKeys(f *testing.F) {
	f.Add([]byte("a"), uint64(1), []byte("ab"), uint64(2))
	f.Add([]byte("\xff"), uint64(1<<63), []byte("\xff\x00"), uint64(0))
	f.Fuzz(func(t *testing.T, a []byte, sa uint64, b []byte, sb uint64) {
		if len(a) == 0 || len(b) == 0 {
			return
		}
		ka := appendRecordKey(nil, recordPrefix(a), kv.Seq(sa))
		kb := appendRecordKey(nil, recordPrefix(b), kv.Seq(sb))
		if got, _ := recordSeq(ka); got != kv.Seq(sa) {
			t.Fatalf("recordSeq = %d, want %d", got, sa)
		}
		inB := bytes.HasPrefix(ka, recordPrefix(b)) && bytes.Compare(ka, prefixEnd(recordPrefix(b))) < 0
		if inB != bytes.Equal(a, b) {
			t.Fatalf("record of %q in log %q's range: %v", a, b, inB)
		}
		if bytes.Equal(a, b) {
			c := bytes.Compare(ka, kb)
			want := 0
			if sa < sb {
				want = -1
			} else if sa > sb {
				want = 1
			}
			if c != want {
				t.Fatalf("log %q: keys of %d and %d compare %d", a, sa, sb, c)
			}
		}
	})
}

// TestLogCommitsShareSyncs: commits with records still share WAL fsyncs
// (the log mutex is not held across the fsync).
func TestLogCommitsShareSyncs(t *testing.T) {
	fs := &walSyncCounter{FS: vfs.Default}
	s := mustOpen(t, t.TempDir(), Options{FS: fs})
	defer s.Close()
	const workers, each = 32, 10
	before := fs.syncs.Load()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				key := fmt.Appendf(nil, "%d/%d", w, i)
				err := s.Update(context.Background(), [][]byte{key}, func(tx kv.Txn) error {
					return tx.AppendLog([]byte("L"), key)
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	syncs := fs.syncs.Load() - before
	t.Logf("%d concurrent commits with a record, %d WAL syncs (%.1f commits per sync)",
		workers*each, syncs, float64(workers*each)/float64(syncs))
	if syncs >= workers*each {
		t.Errorf("%d concurrent commits with records made %d syncs: they were not grouped", workers*each, syncs)
	}
	if recs, err := s.ReadLog(context.Background(), []byte("L"), 0, 1000); err != nil || len(recs) != workers*each {
		t.Errorf("log holds %d records (%v), want %d", len(recs), err, workers*each)
	}
}

// TestLogSurvivesReopen: after a clean Close and Open the records, the
// watermark and the counter are where they were, also for a log trimmed
// to nothing.
func TestLogSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := mustOpen(t, dir, Options{})
	for i := range 5 {
		for _, log := range []string{"L", "T"} {
			if err := s.Update(ctx, nil, func(tx kv.Txn) error {
				return tx.AppendLog([]byte(log), fmt.Append(nil, i))
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.TrimLog(ctx, []byte("T"), ^kv.Seq(0)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, dir, Options{})
	defer s.Close()
	for _, log := range []string{"L", "T"} {
		if wm, err := s.LogWatermark(ctx, []byte(log)); err != nil || wm != 5 {
			t.Errorf("%s: watermark after reopen = %d, %v; want 5", log, wm, err)
		}
	}
	if recs, _ := s.ReadLog(ctx, []byte("L"), 0, 10); len(recs) != 5 {
		t.Errorf("L after reopen holds %d records", len(recs))
	}
	if err := s.Update(ctx, nil, func(tx kv.Txn) error { return tx.AppendLog([]byte("T"), []byte("next")) }); err != nil {
		t.Fatal(err)
	}
	if recs, _ := s.ReadLog(ctx, []byte("T"), 0, 10); len(recs) != 1 || recs[0].Seq != 6 {
		t.Errorf("first record of T after a full trim and a reopen: %v, want Seq 6", recs)
	}
}

// TestDropRangeSpansSSTables: a range written across many flushed
// sstables goes in one DropRange, and after compaction its space is back.
func TestDropRangeSpansSSTables(t *testing.T) {
	ctx := context.Background()
	// No background compactions: they may merge the flushed files
	// into one or two before the count below.
	s := mustOpen(t, t.TempDir(), Options{noAutoCompactions: true})
	defer s.Close()
	// Incompressible values, so each flushed file holds about 1 MB.
	value := make([]byte, 1024)
	rng := rand.New(rand.NewPCG(1, 2))
	// Fewer files than L0StopWritesThreshold (12): with no compactions,
	// more would stall the writes below.
	const files, perFile = 8, 1000 // 8 MB
	for i := range value {
		value[i] = byte(rng.Uint32())
	}
	for f := range files {
		if err := s.Update(ctx, nil, func(tx kv.Txn) error {
			for i := range perFile {
				if err := tx.Set(fmt.Appendf(nil, "t/%02d/%04d", f, i), value); err != nil {
					return err
				}
			}
			return tx.AppendLog([]byte("L"), fmt.Append(nil, f))
		}); err != nil {
			t.Fatal(err)
		}
		if err := s.db.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	put := func(k string) {
		if err := s.Update(ctx, nil, func(tx kv.Txn) error { return tx.Set([]byte(k), []byte("x")) }); err != nil {
			t.Fatal(err)
		}
	}
	put("s")
	put("u")
	tables := s.db.Metrics().Total().TablesCount
	if tables < 4 {
		t.Fatalf("only %d sstables: the range would not span many", tables)
	}
	usage, err := s.db.EstimateDiskUsage([]byte("t/"), []byte("t0"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DropRange(ctx, []byte("t/"), []byte("t0")); err != nil {
		t.Fatal(err)
	}
	if got := scanAll(t, s, nil, nil); len(got) != 2 || got[0] != "s=x" || got[1] != "u=x" {
		t.Fatalf("after DropRange: %d keys (%.40q)", len(got), got)
	}
	if err := s.db.Compact(ctx, []byte("t/"), []byte("t0"), false); err != nil {
		t.Fatal(err)
	}
	after, err := s.db.EstimateDiskUsage([]byte("t/"), []byte("t0"))
	if err != nil {
		t.Fatal(err)
	}
	if after > usage/10 {
		t.Errorf("the dropped range still takes %d bytes on disk after compaction (%d before)", after, usage)
	}
	if recs, _ := s.ReadLog(ctx, []byte("L"), 0, 100); len(recs) != files {
		t.Errorf("DropRange changed the log: %d records", len(recs))
	}
	t.Logf("dropped %d bytes over %d sstables; %d left after compaction", usage, tables, after)
}

// TestLogCounterFromRecords: commits no longer write the log's head, so
// where a log's counter stands after a reopen comes from its last record,
// or from the head a trim left when that is higher; a store written when
// every commit rewrote the head (here: a head written beside the records)
// reads the same. Snapshot.LogPosition follows the same rule.
func TestLogCounterFromRecords(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := mustOpen(t, dir, Options{})
	appendN := func(s *Store, log string, n int) {
		t.Helper()
		for i := range n {
			if err := s.Update(ctx, nil, func(tx kv.Txn) error { return tx.AppendLog([]byte(log), fmt.Append(nil, i)) }); err != nil {
				t.Fatal(err)
			}
		}
	}
	appendN(s, "L", 7)
	appendN(s, "P", 7)
	if _, err := get(s.db, headKey([]byte("L"))); !errors.Is(err, kv.ErrNotFound) {
		t.Errorf("a commit wrote the head of L (%v)", err)
	}
	if err := s.TrimLog(ctx, []byte("P"), 3); err != nil {
		t.Fatal(err)
	}
	// The older layout: a head equal to the last Seq, written in the
	// records' batch.
	b := s.db.NewBatch()
	for seq := kv.Seq(1); seq <= 4; seq++ {
		_ = b.Set(appendRecordKey(nil, recordPrefix([]byte("O")), seq), []byte("old"), nil)
	}
	_ = b.Set(headKey([]byte("O")), encodeSeq(4), nil)
	if err := b.Commit(pdb.Sync); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, dir, Options{})
	defer s.Close()
	snap, err := s.NewSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	for log, want := range map[string]kv.Seq{"L": 7, "P": 7, "O": 4, "none": 0} {
		if wm, err := s.LogWatermark(ctx, []byte(log)); err != nil || wm != want {
			t.Errorf("%s: watermark after reopen = %d, %v; want %d", log, wm, err, want)
		}
		if pos, err := snap.LogPosition(ctx, []byte(log)); err != nil || pos != want {
			t.Errorf("%s: snapshot position after reopen = %d, %v; want %d", log, pos, err, want)
		}
	}
	appendN(s, "O", 1)
	if recs, _ := s.ReadLog(ctx, []byte("O"), 4, 10); len(recs) != 1 || recs[0].Seq != 5 {
		t.Errorf("first record of O in the new layout: %v, want Seq 5", recs)
	}
	if recs, _ := s.ReadLog(ctx, []byte("P"), 0, 10); len(recs) != 4 || recs[0].Seq != 4 {
		t.Errorf("P after a trim to 3 and a reopen: %v, want Seqs 4 to 7", recs)
	}
}
