package kvtest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/kv"
)

// waitTimeout bounds every wait in the log tests: a backend that never
// wakes a waiter fails instead of hanging. Generous, since CI machines are
// shared and slow; no test asserts how fast anything is.
const waitTimeout = 30 * time.Second

// appendLog commits one Update appending records to log.
func appendLog(t *testing.T, s kv.Store, log string, records ...string) {
	t.Helper()
	err := s.Update(context.Background(), nil, func(tx kv.Txn) error {
		for _, r := range records {
			if err := tx.AppendLog([]byte(log), []byte(r)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("append to %q: %v", log, err)
	}
}

// readAll reads every readable record of log, in pages of 100 (so paging
// by Seq is exercised), checking that Seqs increase.
func readAll(t *testing.T, s kv.Store, log string) []kv.LogRecord {
	t.Helper()
	recs, err := readAllErr(context.Background(), s, log)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func readAllErr(ctx context.Context, s kv.Store, log string) ([]kv.LogRecord, error) {
	const page = 100
	var out []kv.LogRecord
	var after kv.Seq
	for {
		recs, err := s.ReadLog(ctx, []byte(log), after, page)
		if err != nil {
			return nil, fmt.Errorf("ReadLog(%q, %d): %w", log, after, err)
		}
		if len(recs) > page {
			return nil, fmt.Errorf("ReadLog(%q) returned %d records, limit %d", log, len(recs), page)
		}
		for _, r := range recs {
			if r.Seq <= after {
				return nil, fmt.Errorf("ReadLog(%q): Seq %d after %d", log, r.Seq, after)
			}
			after = r.Seq
		}
		out = append(out, recs...)
		if len(recs) < page {
			return out, nil
		}
	}
}

func values(recs []kv.LogRecord) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = string(r.Value)
	}
	return out
}

// testLogReadableOnReturn: once Update returns, its records are readable,
// under the watermark, and a snapshot taken then is positioned at or past
// them.
func testLogReadableOnReturn(t *testing.T, s kv.Store) {
	ctx := context.Background()
	before, err := s.LogWatermark(ctx, []byte("L"))
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, s, "L"); len(got) != 0 {
		t.Fatalf("unused log holds %v", values(got))
	}
	appendLog(t, s, "L", "a", "b")
	recs := readAll(t, s, "L")
	if got := values(recs); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("log = %q, want [a b]", got)
	}
	if recs[0].Seq == 0 {
		t.Error("a record has Seq 0, which is before every record")
	}
	wm, err := s.LogWatermark(ctx, []byte("L"))
	if err != nil {
		t.Fatal(err)
	}
	if wm < recs[1].Seq || wm < before {
		t.Errorf("watermark %d after records up to %d (and %d before)", wm, recs[1].Seq, before)
	}
	snap, err := s.NewSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	pos, err := snap.LogPosition(ctx, []byte("L"))
	if err != nil {
		t.Fatal(err)
	}
	if pos < recs[1].Seq {
		t.Errorf("snapshot taken after the commit is at %d, before its record %d", pos, recs[1].Seq)
	}
	rest, err := s.ReadLog(ctx, []byte("L"), pos, 10)
	if err != nil || len(rest) != 0 {
		t.Errorf("ReadLog after the snapshot's position = %v, %v; want nothing", values(rest), err)
	}
	// An unused log: no records, no error.
	if _, err := snap.LogPosition(ctx, []byte("unused")); err != nil {
		t.Errorf("LogPosition of an unused log: %v", err)
	}
	if _, err := s.LogWatermark(ctx, []byte("unused")); err != nil {
		t.Errorf("LogWatermark of an unused log: %v", err)
	}
}

// testLogArguments: AppendLog copies its arguments, refuses an empty log
// name and a finished Txn.
func testLogArguments(t *testing.T, s kv.Store) {
	ctx := context.Background()
	log, rec := []byte("L1"), []byte("r1")
	var kept kv.Txn
	err := s.Update(ctx, nil, func(tx kv.Txn) error {
		kept = tx
		if err := tx.AppendLog(log, rec); err != nil {
			return err
		}
		log[1], rec[1] = '2', '2' // now "L2", "r2"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := values(readAll(t, s, "L1")); !slices.Equal(got, []string{"r1"}) {
		t.Errorf("L1 = %q, want [r1]", got)
	}
	if got := readAll(t, s, "L2"); len(got) != 0 {
		t.Errorf("L2 = %q, want nothing", values(got))
	}
	if err := kept.AppendLog([]byte("L1"), []byte("late")); !errors.Is(err, kv.ErrTxnDone) {
		t.Errorf("AppendLog after fn returned = %v, want ErrTxnDone", err)
	}
	err = s.Update(ctx, nil, func(tx kv.Txn) error { return tx.AppendLog(nil, []byte("x")) })
	if err == nil {
		t.Error("AppendLog to an empty log name succeeded")
	}
	if got := values(readAll(t, s, "L1")); !slices.Equal(got, []string{"r1"}) {
		t.Errorf("L1 = %q after refused appends, want [r1]", got)
	}
}

// testLogLimits: ReadLog's limit and after at their edges.
func testLogLimits(t *testing.T, s kv.Store) {
	ctx := context.Background()
	appendLog(t, s, "L", "a", "b", "c")
	all := readAll(t, s, "L")
	if len(all) != 3 {
		t.Fatalf("log = %q", values(all))
	}
	for _, tc := range []struct {
		after kv.Seq
		limit int
		want  []string
	}{
		{0, 1, []string{"a"}},
		{0, 1000, []string{"a", "b", "c"}},
		{all[0].Seq, 1, []string{"b"}},
		{all[2].Seq, 10, nil},
		{math.MaxUint64, 10, nil},
	} {
		got, err := s.ReadLog(ctx, []byte("L"), tc.after, tc.limit)
		if err != nil || !slices.Equal(values(got), tc.want) {
			t.Errorf("ReadLog(after %d, limit %d) = %q, %v; want %q", tc.after, tc.limit, values(got), err, tc.want)
		}
	}
	got, err := s.ReadLog(ctx, []byte("L"), 0, 0)
	if err == nil && len(got) != 0 {
		t.Errorf("ReadLog with limit 0 returned %q", values(got))
	}
	// A returned value belongs to the caller.
	got, err = s.ReadLog(ctx, []byte("L"), 0, 1)
	if err != nil || len(got) != 1 {
		t.Fatalf("ReadLog = %v, %v", got, err)
	}
	got[0].Value[0] = 'X'
	if v := values(readAll(t, s, "L")); v[0] != "a" {
		t.Errorf("after scribbling on a returned record, the log reads %q", v)
	}
}

// testTrimLog: TrimLog removes records up to a Seq, and Seqs, the
// watermark and other logs are unaffected.
func testTrimLog(t *testing.T, s kv.Store) {
	ctx := context.Background()
	for i := range 10 {
		appendLog(t, s, "L", fmt.Sprint(i))
		appendLog(t, s, "M", fmt.Sprint(i))
	}
	all := readAll(t, s, "L")
	wm, err := s.LogWatermark(ctx, []byte("L"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.TrimLog(ctx, []byte("L"), all[4].Seq); err != nil {
		t.Fatal(err)
	}
	if got := values(readAll(t, s, "L")); !slices.Equal(got, values(all[5:])) {
		t.Errorf("after TrimLog up to the 5th record, L = %q", got)
	}
	// Reading from before the trim point starts at the first kept record.
	if got, err := s.ReadLog(ctx, []byte("L"), 0, 1); err != nil || len(got) != 1 || got[0].Seq != all[5].Seq {
		t.Errorf("ReadLog(after 0) after trim = %v, %v; want Seq %d", got, err, all[5].Seq)
	}
	if err := s.TrimLog(ctx, []byte("L"), math.MaxUint64); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, s, "L"); len(got) != 0 {
		t.Errorf("after TrimLog of everything, L = %q", values(got))
	}
	if got := readAll(t, s, "M"); len(got) != 10 {
		t.Errorf("TrimLog of L changed M: %q", values(got))
	}
	if wm2, err := s.LogWatermark(ctx, []byte("L")); err != nil || wm2 < wm {
		t.Errorf("watermark %d after trim, %d before (%v)", wm2, wm, err)
	}
	appendLog(t, s, "L", "after")
	got := readAll(t, s, "L")
	if len(got) != 1 || got[0].Seq <= all[9].Seq {
		t.Errorf("record after a full trim = %v; want one with Seq > %d", got, all[9].Seq)
	}
	if err := s.TrimLog(ctx, []byte("unused"), 5); err != nil {
		t.Errorf("TrimLog of an unused log: %v", err)
	}
}

// testWaitLog: WaitLog wakes a tailing reader when a record is committed,
// ends with ctx's error when ctx ends, and with an error at Close.
func testWaitLog(t *testing.T, s kv.Store) {
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	appendLog(t, s, "L", "first")
	first := readAll(t, s, "L")[0].Seq
	if err := s.WaitLog(ctx, []byte("L"), first-1); err != nil {
		t.Fatalf("WaitLog below a readable record: %v", err)
	}

	// A tailing reader, waiting the way the contract says to.
	got := make(chan kv.LogRecord, 1)
	tailErr := make(chan error, 1)
	go func() {
		rec, err := tailOne(ctx, s, "L", first)
		if err != nil {
			tailErr <- err
			return
		}
		got <- rec
	}()
	time.Sleep(lockWait) // let it wait (if it has not, the test still holds)
	appendLog(t, s, "L", "second")
	select {
	case rec := <-got:
		if string(rec.Value) != "second" || rec.Seq <= first {
			t.Errorf("tail woke with %d %q, want the record after %d", rec.Seq, rec.Value, first)
		}
	case err := <-tailErr:
		t.Fatalf("tail: %v", err)
	}

	// ctx ends a wait with its error.
	short, cancelShort := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancelShort()
	if err := waitUntilError(short, s, "L"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitLog when ctx ended = %v, want DeadlineExceeded", err)
	}

	// Close ends a wait in progress instead of waiting for it.
	done := make(chan error, 1)
	go func() { done <- waitUntilError(ctx, s, "L") }()
	time.Sleep(lockWait)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, kv.ErrClosed) {
			t.Errorf("WaitLog during Close = %v, want ErrClosed", err)
		}
	case <-ctx.Done():
		t.Fatal("WaitLog still waiting after Close returned")
	}
}

// tailOne returns the first record of log after after, waiting with
// WaitLog: read the watermark, read the log, and if nothing came wait for
// the watermark to pass what was read.
func tailOne(ctx context.Context, s kv.Store, log string, after kv.Seq) (kv.LogRecord, error) {
	for {
		wm, err := s.LogWatermark(ctx, []byte(log))
		if err != nil {
			return kv.LogRecord{}, err
		}
		recs, err := s.ReadLog(ctx, []byte(log), after, 1)
		if err != nil {
			return kv.LogRecord{}, err
		}
		if len(recs) > 0 {
			return recs[0], nil
		}
		if err := s.WaitLog(ctx, []byte(log), max(wm, after)); err != nil {
			return kv.LogRecord{}, err
		}
	}
}

// waitUntilError waits on log past its watermark until WaitLog fails
// (it may return early, so it is called in a loop).
func waitUntilError(ctx context.Context, s kv.Store, log string) error {
	for {
		wm, err := s.LogWatermark(ctx, []byte(log))
		if err != nil {
			return err
		}
		if err := s.WaitLog(ctx, []byte(log), wm); err != nil {
			return err
		}
	}
}

// testReservedInvisible: with log records present, no Reader (store,
// snapshot, txn; either direction; nil or high end) returns a reserved key.
func testReservedInvisible(t *testing.T, s kv.Store) {
	ctx := context.Background()
	put(t, s, "a", "1")
	put(t, s, "\xfe", "2")
	appendLog(t, s, "L", "r")
	appendLog(t, s, "\xff\xff", "r")
	want := []string{"a=1", "\xfe=2"}
	check := func(name string, r kv.Reader) {
		t.Helper()
		for _, end := range [][]byte{nil, []byte("\xff"), []byte("\xff\xff\xff\xff")} {
			if got := scan(t, r, nil, end, false); !slices.Equal(got, want) {
				t.Errorf("%s: scan to %q = %q, want %q", name, end, got, want)
			}
			if got := scan(t, r, nil, end, true); !slices.Equal(got, []string{want[1], want[0]}) {
				t.Errorf("%s: reverse scan to %q = %q", name, end, got)
			}
		}
		if got := scan(t, r, []byte("\xff"), nil, false); len(got) != 0 {
			t.Errorf("%s: scan from 0xff = %q", name, got)
		}
	}
	check("store", s)
	snap, err := s.NewSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	check("snapshot", snap)
	err = s.Update(ctx, [][]byte{[]byte("a")}, func(tx kv.Txn) error {
		check("txn before writing", tx)
		if err := tx.AppendLog([]byte("L"), []byte("in txn")); err != nil {
			return err
		}
		if err := tx.Set([]byte("a"), []byte("1")); err != nil {
			return err
		}
		check("txn after writing", tx)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// testReadAfterLock: the contract's rule that reads inside fn see every
// write committed before fn's locks were taken, named keys and others
// alike, by Get and by a new iterator, even when fn waited for the lock.
func testReadAfterLock(t *testing.T, s kv.Store) {
	ctx := context.Background()
	put(t, s, "k", "0")
	inFirst, releaseFirst := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- s.Update(ctx, [][]byte{[]byte("k")}, func(tx kv.Txn) error {
			close(inFirst)
			<-releaseFirst
			return firstErr(tx.Set([]byte("k"), []byte("1")), tx.Set([]byte("unnamed"), []byte("1")))
		})
	}()
	<-inFirst
	second := make(chan error, 1)
	go func() {
		// Starts (and may take a snapshot) before the first commits, then
		// waits for k.
		second <- s.Update(ctx, [][]byte{[]byte("k")}, func(tx kv.Txn) error {
			if got := mustGet(t, tx, "k"); got != "1" {
				t.Errorf("Get of the named key after waiting for its lock = %q, want 1", got)
			}
			if got := mustGet(t, tx, "unnamed"); got != "1" {
				t.Errorf("Get of a key committed before the lock was taken = %q, want 1", got)
			}
			if got := scan(t, tx, nil, nil, false); !slices.Equal(got, []string{"k=1", "unnamed=1"}) {
				t.Errorf("scan after waiting for the lock = %q", got)
			}
			return tx.Set([]byte("k"), []byte("2"))
		})
	}()
	time.Sleep(lockWait) // the second Update is waiting by now (or will)
	close(releaseFirst)
	if err := firstErr(<-first, <-second); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, s, "k"); got != "2" {
		t.Errorf("k = %q, want 2", got)
	}
}
