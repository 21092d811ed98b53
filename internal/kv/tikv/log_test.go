package tikv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/kv"
)

// appendOne commits key=value and a log record naming the key, locking key.
func appendOne(t testing.TB, s kv.Store, log, key string) {
	t.Helper()
	err := s.Update(context.Background(), [][]byte{[]byte(key)}, func(tx kv.Txn) error {
		if err := tx.Set([]byte(key), []byte("v")); err != nil {
			return err
		}
		return tx.AppendLog([]byte(log), []byte(key))
	})
	if err != nil {
		t.Fatalf("append %s/%s: %v", log, key, err)
	}
}

// readAll returns every readable record of log, paging through ReadLog.
func readAll(t testing.TB, s kv.Store, log string, after kv.Seq) []kv.LogRecord {
	t.Helper()
	var out []kv.LogRecord
	for {
		page, err := s.ReadLog(context.Background(), []byte(log), after, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			return out
		}
		out = append(out, page...)
		after = page[len(page)-1].Seq
	}
}

func values(recs []kv.LogRecord) []string {
	var out []string
	for _, r := range recs {
		out = append(out, string(r.Value))
	}
	return out
}

// TestLogAppendAndRead: records read back in commit order with increasing
// Seqs, in pages; several records and several logs per commit; a rolled
// back Update appends nothing; log keys never show in iteration.
func TestLogAppendAndRead(t *testing.T) {
	s := openTest(t, Options{})
	defer s.Close()
	ctx := context.Background()
	appendOne(t, s, "L", "a")
	// No named keys: the counter alone serialises the log.
	err := s.Update(ctx, nil, func(tx kv.Txn) error {
		return errors.Join(tx.AppendLog([]byte("L"), []byte("b1")), tx.AppendLog([]byte("M"), []byte("m1")),
			tx.AppendLog([]byte("L"), []byte("b2")), tx.Set([]byte("b"), []byte("v")))
	})
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err = s.Update(ctx, [][]byte{[]byte("c")}, func(tx kv.Txn) error {
		if err := tx.AppendLog([]byte("L"), []byte("rolled back")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v, want %v", err, boom)
	}
	appendOne(t, s, "L", "c")

	recs := readAll(t, s, "L", 0)
	if got, want := values(recs), []string{"a", "b1", "b2", "c"}; !slices.Equal(got, want) {
		t.Fatalf("log L = %v, want %v", got, want)
	}
	for i := 1; i < len(recs); i++ {
		if recs[i].Seq <= recs[i-1].Seq {
			t.Errorf("Seq %d after %d", recs[i].Seq, recs[i-1].Seq)
		}
	}
	if got := values(readAll(t, s, "L", recs[1].Seq)); !slices.Equal(got, []string{"b2", "c"}) {
		t.Errorf("after Seq %d: %v", recs[1].Seq, got)
	}
	wm, err := s.LogWatermark(ctx, []byte("L"))
	if err != nil || wm != recs[len(recs)-1].Seq {
		t.Errorf("watermark = %d, %v; want %d", wm, err, recs[len(recs)-1].Seq)
	}
	if got := values(readAll(t, s, "M", 0)); !slices.Equal(got, []string{"m1"}) {
		t.Errorf("log M = %v", got)
	}
	if wm, _ := s.LogWatermark(ctx, []byte("never")); wm != 0 {
		t.Errorf("watermark of an empty log = %d", wm)
	}
	// The log's keys stay out of every Reader, both ways.
	for _, reverse := range []bool{false, true} {
		it, err := s.Iter(ctx, nil, nil, reverse)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for it.Next() {
			keys = append(keys, string(it.Key()))
		}
		if err := errors.Join(it.Err(), it.Close()); err != nil {
			t.Fatal(err)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, []string{"a", "b", "c"}) {
			t.Errorf("reverse=%v: iteration returned %q", reverse, keys)
		}
	}
	if err := s.Update(ctx, nil, func(tx kv.Txn) error { return tx.Set([]byte{kv.ReservedPrefix, 'x'}, nil) }); err == nil {
		t.Error("Set of a reserved key succeeded")
	}
	if err := s.Update(ctx, nil, func(tx kv.Txn) error { return tx.AppendLog(nil, []byte("x")) }); err == nil {
		t.Error("AppendLog to an empty log name succeeded")
	}
}

// TestLogNamesDoNotOverlap: a log whose name is a prefix of another's, or
// holds zero bytes, keeps its own records and counter.
func TestLogNamesDoNotOverlap(t *testing.T) {
	s := openTest(t, Options{})
	defer s.Close()
	names := []string{"a", "ab", "a\x00", "a\x00b", "\x00"}
	for i, n := range names {
		for j := 0; j <= i; j++ {
			appendOne(t, s, n, fmt.Sprintf("%q-%d", n, j))
		}
	}
	for i, n := range names {
		recs := readAll(t, s, n, 0)
		if len(recs) != i+1 {
			t.Errorf("log %q has %d records (%q), want %d", n, len(recs), values(recs), i+1)
		}
		for _, r := range recs {
			if !bytes.HasPrefix(r.Value, []byte(strconv.Quote(n))) {
				t.Errorf("log %q holds %q", n, r.Value)
			}
		}
	}
}

// TestLogOrderUnderConcurrency: writers appending to one log at once get a
// gap-free sequence in which each writer's records keep their order, and
// snapshots taken meanwhile name a position that splits the records
// exactly into those the snapshot sees and those it does not ("export,
// then stream from here").
func TestLogOrderUnderConcurrency(t *testing.T) {
	for _, latched := range []bool{true, false} {
		t.Run(fmt.Sprintf("latches=%v", latched), func(t *testing.T) {
			s := openTest(t, Options{noLatches: !latched})
			defer s.Close()
			testLogOrder(t, s, s)
		})
	}
}

// testLogOrder runs four writers, two on each of a and b (which may be two
// nodes of one cluster), and checks the log and snapshots taken on a.
func testLogOrder(t *testing.T, a, b kv.Store) {
	const writers, perWriter = 4, 15
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, writers+1)
	for w := range writers {
		s := a
		if w%2 == 1 {
			s = b
		}
		wg.Go(func() {
			for i := range perWriter {
				key := fmt.Appendf(nil, "w%d/%03d", w, i)
				err := s.Update(ctx, [][]byte{key}, func(tx kv.Txn) error {
					return errors.Join(tx.Set(key, nil), tx.AppendLog([]byte("L"), key))
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	writersDone := make(chan struct{})
	checked := make(chan int)
	go func() {
		// Snapshots while the writers run, and one after.
		n := 0
		defer func() { checked <- n }()
		for {
			finished := false
			select {
			case <-writersDone:
				finished = true
			case <-time.After(time.Millisecond):
			}
			if err := checkSnapshotPosition(ctx, a); err != nil {
				errs <- err
				return
			}
			n++
			if finished {
				return
			}
		}
	}()
	wg.Wait()
	close(writersDone)
	snaps := <-checked
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	recs := readAll(t, a, "L", 0)
	if len(recs) != writers*perWriter {
		t.Fatalf("%d records, want %d", len(recs), writers*perWriter)
	}
	last := make(map[string]string)
	for i, r := range recs {
		if r.Seq != kv.Seq(i+1) {
			t.Fatalf("record %d has Seq %d: the counter must give 1, 2, 3, ...", i, r.Seq)
		}
		w, n, _ := bytes.Cut(r.Value, []byte("/"))
		if prev, ok := last[string(w)]; ok && string(n) <= prev {
			t.Errorf("writer %s: record %s after %s", w, n, prev)
		}
		last[string(w)] = string(n)
	}
	t.Logf("%d snapshots checked", snaps)
}

// checkSnapshotPosition takes a snapshot and checks that the keys it sees
// are exactly those named by the records up to its log position.
func checkSnapshotPosition(ctx context.Context, s kv.Store) error {
	snap, err := s.NewSnapshot(ctx)
	if err != nil {
		return err
	}
	defer snap.Close()
	pos, err := snap.LogPosition(ctx, []byte("L"))
	if err != nil {
		return err
	}
	it, err := snap.Iter(ctx, []byte("w"), []byte("x"), false)
	if err != nil {
		return err
	}
	var seen []string
	for it.Next() {
		seen = append(seen, string(it.Key()))
	}
	if err := errors.Join(it.Err(), it.Close()); err != nil {
		return err
	}
	var logged []string
	after := kv.Seq(0)
	for after < pos {
		page, err := s.ReadLog(ctx, []byte("L"), after, 100)
		if err != nil {
			return err
		}
		for _, r := range page {
			if r.Seq <= pos {
				logged = append(logged, string(r.Value))
			}
			after = r.Seq
		}
		if len(page) == 0 {
			return fmt.Errorf("log ends before the snapshot's position %d", pos)
		}
	}
	slices.Sort(seen)
	slices.Sort(logged)
	if !slices.Equal(seen, logged) {
		return fmt.Errorf("snapshot at position %d sees %d keys, the log up to it names %d", pos, len(seen), len(logged))
	}
	return nil
}

// TestWaitLog: WaitLog returns once a commit passes after, at once when it
// is already past, and with ctx's error or ErrClosed otherwise.
func TestWaitLog(t *testing.T) {
	s := openTest(t, Options{})
	ctx := context.Background()
	appendOne(t, s, "L", "a")
	if err := s.WaitLog(ctx, []byte("L"), 0); err != nil {
		t.Fatalf("WaitLog past the watermark: %v", err)
	}
	woke := make(chan error, 1)
	go func() { woke <- s.WaitLog(ctx, []byte("L"), 1) }()
	select {
	case err := <-woke:
		t.Fatalf("WaitLog returned before any commit: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	appendOne(t, s, "L", "b")
	if err := <-woke; err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel()
	if err := s.WaitLog(short, []byte("L"), 2); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitLog with nothing to wait for = %v, want DeadlineExceeded", err)
	}
	go func() { woke <- s.WaitLog(ctx, []byte("L"), 2) }()
	time.Sleep(20 * time.Millisecond)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-woke; !errors.Is(err, kv.ErrClosed) {
		t.Errorf("WaitLog across Close = %v, want ErrClosed", err)
	}
}

// TestTrimLog: trimming removes the oldest records only, never passes the
// watermark, keeps the watermark, and can be repeated.
func TestTrimLog(t *testing.T) {
	s := openTest(t, Options{})
	defer s.Close()
	ctx := context.Background()
	for i := range 6 {
		appendOne(t, s, "L", fmt.Sprint("k", i))
	}
	appendOne(t, s, "M", "m")
	recs := readAll(t, s, "L", 0)
	for range 2 {
		if err := s.TrimLog(ctx, []byte("L"), recs[2].Seq); err != nil {
			t.Fatal(err)
		}
	}
	if got := values(readAll(t, s, "L", 0)); !slices.Equal(got, []string{"k3", "k4", "k5"}) {
		t.Errorf("after trim: %v", got)
	}
	if wm, _ := s.LogWatermark(ctx, []byte("L")); wm != recs[5].Seq {
		t.Errorf("watermark after trim = %d, want %d", wm, recs[5].Seq)
	}
	if err := s.TrimLog(ctx, []byte("L"), kv.Seq(1)<<62); err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, s, "L", 0); len(got) != 0 {
		t.Errorf("after trimming everything: %v", values(got))
	}
	appendOne(t, s, "L", "after")
	if got := readAll(t, s, "L", 0); len(got) != 1 || got[0].Seq != recs[5].Seq+1 {
		t.Errorf("append after trim: %v", got)
	}
	if got := values(readAll(t, s, "M", 0)); !slices.Equal(got, []string{"m"}) {
		t.Errorf("trimming L touched M: %v", got)
	}
}

// TestDropRange: exactly [start, end) goes, across regions; the change log
// survives a range that reaches past the user keys.
func TestDropRange(t *testing.T) {
	s := openTest(t, Options{})
	defer s.Close()
	ctx := context.Background()
	keys := []string{"a", "b", "b0", "c", "k00600", "m", "m3", "x", "y", "z"}
	for _, k := range keys {
		appendOne(t, s, "L", k)
	}
	if err := s.DropRange(ctx, []byte("b"), []byte("x")); err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, k := range keys {
		if _, err := s.Get(ctx, []byte(k)); err == nil {
			left = append(left, k)
		}
	}
	if !slices.Equal(left, []string{"a", "x", "y", "z"}) {
		t.Errorf("after DropRange [b, x): %v", left)
	}
	if err := s.DropRange(ctx, []byte("y"), []byte{0xff, 0xff}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, []byte("z")); !errors.Is(err, kv.ErrNotFound) {
		t.Errorf("z after DropRange [y, \\xff\\xff): %v", err)
	}
	if got := readAll(t, s, "L", 0); len(got) != len(keys) {
		t.Errorf("DropRange reached the log: %d records left of %d", len(got), len(keys))
	}
	if err := s.DropRange(ctx, []byte("a"), nil); err == nil {
		t.Error("DropRange with a nil end succeeded")
	}
}
