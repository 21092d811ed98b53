package kvtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dynago/dynago/internal/kv"
)

// logTxn is what one test transaction appended, parsed back from its
// records: "<id> <started> <j> <n>", the j-th of the n records the txn
// appended to that log. started is how many Updates had returned when this
// one was called; the commit-order check needs it.
type logTxn struct {
	id      string
	started int64
	j, n    int
}

func logValue(id string, started int64, j, n int) []byte {
	return fmt.Appendf(nil, "%s %d %d %d", id, started, j, n)
}

func parseLogValue(v []byte) (logTxn, error) {
	var r logTxn
	if _, err := fmt.Sscanf(string(v), "%s %d %d %d", &r.id, &r.started, &r.j, &r.n); err != nil {
		return r, fmt.Errorf("record %q: %w", v, err)
	}
	return r, nil
}

// logWorkload runs writers that each commit txns: one item key per txn
// (item/<id>), 1-3 records to log A and, for every third txn, one to log
// B; one txn in five fails after appending. It returns the done index of
// every committed txn (the value of a counter incremented as each Update
// returns) and the ids that failed.
type logWorkload struct {
	writers, perWriter int
	// afterTxn, if set, runs on the writer's goroutine after each of its
	// Updates returns.
	afterTxn func() error

	completed atomic.Int64
	mu        sync.Mutex
	done      map[string]int64 // committed txn -> its done index
	failed    map[string]bool
}

var errTxnFails = errors.New("kvtest: this txn fails on purpose")

func (w *logWorkload) run(t *testing.T, s kv.Store) {
	t.Helper()
	w.done, w.failed = make(map[string]int64), make(map[string]bool)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, w.writers)
	for wr := range w.writers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(wr), 7))
			for i := range w.perWriter {
				id := fmt.Sprintf("w%02d-%04d", wr, i)
				fails := rng.IntN(5) == 0
				nA := 1 + rng.IntN(3)
				toB := i%3 == 0
				started := w.completed.Load()
				err := s.Update(ctx, [][]byte{[]byte("item/" + id)}, func(tx kv.Txn) error {
					if err := tx.Set([]byte("item/"+id), []byte(id)); err != nil {
						return err
					}
					for j := range nA {
						if err := tx.AppendLog([]byte("A"), logValue(id, started, j, nA)); err != nil {
							return err
						}
						if toB && j == 0 {
							if err := tx.AppendLog([]byte("B"), logValue(id, started, 0, 1)); err != nil {
								return err
							}
						}
					}
					if fails {
						return errTxnFails
					}
					return nil
				})
				switch {
				case fails && errors.Is(err, errTxnFails):
					w.mu.Lock()
					w.failed[id] = true
					w.mu.Unlock()
				case err != nil:
					errs <- fmt.Errorf("txn %s: %w", id, err)
					return
				default:
					n := w.completed.Add(1)
					w.mu.Lock()
					w.done[id] = n
					w.mu.Unlock()
				}
				if w.afterTxn != nil {
					if err := w.afterTxn(); err != nil {
						errs <- err
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// checkLog checks a whole log against the committed txns: every record
// belongs to a committed txn; a txn's records are contiguous and in
// append order; each committed txn that appended to the log is there in
// full; and a txn that began after another returned has larger Seqs
// (commit order).
func (w *logWorkload) checkLog(t *testing.T, log string, recs []kv.LogRecord, wantTxn func(id string) bool) {
	t.Helper()
	type txnPos struct {
		id      string
		started int64
		done    int64
	}
	var order []txnPos // txns in Seq order of their first record
	seen := make(map[string]bool)
	var cur logTxn
	for i, rec := range recs {
		r, err := parseLogValue(rec.Value)
		if err != nil {
			t.Fatalf("log %s: %v", log, err)
		}
		if w.failed[r.id] {
			t.Fatalf("log %s: record %q of a txn whose fn failed", log, rec.Value)
		}
		done, ok := w.done[r.id]
		if !ok {
			t.Fatalf("log %s: record %q of a txn that never committed", log, rec.Value)
		}
		if i > 0 && r.id == cur.id {
			if r.j != cur.j+1 {
				t.Fatalf("log %s: record %d of %s follows record %d", log, r.j, r.id, cur.j)
			}
		} else {
			if i > 0 && cur.j != cur.n-1 {
				t.Fatalf("log %s: txn %s has %d of its %d records together", log, cur.id, cur.j+1, cur.n)
			}
			if seen[r.id] {
				t.Fatalf("log %s: the records of txn %s are not contiguous", log, r.id)
			}
			if r.j != 0 {
				t.Fatalf("log %s: txn %s starts at its record %d", log, r.id, r.j)
			}
			seen[r.id] = true
			order = append(order, txnPos{r.id, r.started, done})
		}
		cur = r
	}
	if len(recs) > 0 && cur.j != cur.n-1 {
		t.Fatalf("log %s: last txn %s has %d of its %d records", log, cur.id, cur.j+1, cur.n)
	}
	for id := range w.done {
		if wantTxn(id) && !seen[id] {
			t.Errorf("log %s: committed txn %s is missing", log, id)
		}
	}
	// Commit order: walking back from the end, keep the smallest done
	// index seen; a txn that started after that txn returned must not
	// come before it.
	minDone := int64(1 << 62)
	minID := ""
	for i := len(order) - 1; i >= 0; i-- {
		p := order[i]
		if minDone <= p.started {
			t.Errorf("log %s: txn %s was called after txn %s returned, but has the smaller Seq", log, p.id, minID)
			return
		}
		if p.done < minDone {
			minDone, minID = p.done, p.id
		}
	}
}

// tailer reads a log as a stream reader would, until stop is closed and
// it has caught up, checking as it goes that Seqs increase and that the
// watermark never decreases nor lags what was served.
type tailer struct {
	log  string
	seen []kv.LogRecord
}

func (tl *tailer) run(ctx context.Context, s kv.Store, stop <-chan struct{}) error {
	var after, lastWM kv.Seq
	stopping := false
	for {
		wm, err := s.LogWatermark(ctx, []byte(tl.log))
		if err != nil {
			return err
		}
		if wm < lastWM {
			return fmt.Errorf("log %s: watermark went back from %d to %d", tl.log, lastWM, wm)
		}
		lastWM = wm
		recs, err := s.ReadLog(ctx, []byte(tl.log), after, 50)
		if err != nil {
			return err
		}
		for _, r := range recs {
			if r.Seq <= after {
				return fmt.Errorf("log %s: Seq %d served after %d", tl.log, r.Seq, after)
			}
			after = r.Seq
		}
		tl.seen = append(tl.seen, recs...)
		if len(recs) > 0 {
			wm2, err := s.LogWatermark(ctx, []byte(tl.log))
			if err != nil {
				return err
			}
			if wm2 < after {
				return fmt.Errorf("log %s: record %d served above the watermark %d", tl.log, after, wm2)
			}
			continue
		}
		if stopping {
			return nil // caught up after the writers stopped
		}
		select {
		case <-stop:
			stopping = true // one more read: everything is committed now
			continue
		default:
		}
		waitCtx, cancel := context.WithCancel(ctx)
		go func() {
			select {
			case <-stop:
			case <-waitCtx.Done():
			}
			cancel()
		}()
		err = s.WaitLog(waitCtx, []byte(tl.log), max(wm, after))
		cancel()
		if err != nil && ctx.Err() == nil && !errors.Is(err, context.Canceled) {
			return err
		}
	}
}

// testLogConcurrentWriters: many writers commit txns with records (some
// failing) while tailers read each log. Per log, Seqs follow commit order,
// every committed txn's records are there, contiguous and in order, no
// failed txn's record is, and each tailer saw exactly the final log: a
// record that showed up later below a Seq already served (a gap filled
// later) would be missing from what the tailer saw.
//
// The tailers run as long as the writers do: how long that is depends on
// the store (a mock TiKV serialises lock waits; the race detector on two
// cores slows it tenfold), so there is no deadline here but go test's own.
func testLogConcurrentWriters(t *testing.T, s kv.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	w := &logWorkload{writers: 8, perWriter: 25}
	tailers := []*tailer{{log: "A"}, {log: "A"}, {log: "B"}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, len(tailers))
	for _, tl := range tailers {
		wg.Go(func() {
			if err := tl.run(ctx, s, stop); err != nil {
				errs <- err
			}
		})
	}
	w.run(t, s)
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(w.done) == 0 || len(w.failed) == 0 {
		t.Fatalf("%d txns committed and %d failed; want both", len(w.done), len(w.failed))
	}
	full := map[string][]kv.LogRecord{"A": readAll(t, s, "A"), "B": readAll(t, s, "B")}
	w.checkLog(t, "A", full["A"], func(string) bool { return true })
	w.checkLog(t, "B", full["B"], func(id string) bool {
		var wr, i int
		_, _ = fmt.Sscanf(id, "w%d-%d", &wr, &i)
		return i%3 == 0
	})
	for i, tl := range tailers {
		if !slices.EqualFunc(tl.seen, full[tl.log], func(a, b kv.LogRecord) bool {
			return a.Seq == b.Seq && string(a.Value) == string(b.Value)
		}) {
			t.Errorf("tailer %d of log %s saw %d records, the log holds %d: not the same sequence",
				i, tl.log, len(tl.seen), len(full[tl.log]))
		}
	}
	// Atomicity with the item: an item exists iff its txn committed.
	for id := range w.done {
		if mustGet(t, s, "item/"+id) != id {
			t.Errorf("committed txn %s has no item", id)
		}
	}
	for id := range w.failed {
		if mustGet(t, s, "item/"+id) != notFound {
			t.Errorf("failed txn %s left its item", id)
		}
	}
}

// snapshotView is what one snapshot saw: its position in log A and the
// txns whose items it holds.
type snapshotView struct {
	pos   kv.Seq
	items map[string]bool
}

// testLogSnapshotPosition: while writers commit, snapshots are taken; for
// each, the records of A up to its position are exactly those of the txns
// whose items the snapshot holds, and the records after it exactly those
// of the txns it does not ("export, then stream from here").
func testLogSnapshotPosition(t *testing.T, s kv.Store) {
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	// The writers take the snapshots, between their own commits, so that
	// every snapshot is taken while other writers are mid-commit.
	var (
		mu    sync.Mutex
		views []snapshotView
	)
	w := &logWorkload{writers: 6, perWriter: 20, afterTxn: func() error {
		v, err := takeView(ctx, s)
		mu.Lock()
		views = append(views, v)
		mu.Unlock()
		return err
	}}
	w.run(t, s)
	full := readAll(t, s, "A")
	if len(views) < 2 {
		t.Fatalf("only %d snapshots taken", len(views))
	}
	partial := 0
	for _, v := range views {
		before := make(map[string]bool)
		for _, r := range full {
			p, err := parseLogValue(r.Value)
			if err != nil {
				t.Fatal(err)
			}
			if r.Seq <= v.pos {
				before[p.id] = true
			} else if v.items[p.id] {
				t.Fatalf("snapshot at %d holds the item of txn %s, whose record %d is after it", v.pos, p.id, r.Seq)
			}
		}
		for id := range before {
			if !v.items[id] {
				t.Fatalf("snapshot at %d lacks the item of txn %s, whose records are before it", v.pos, id)
			}
		}
		for id := range v.items {
			if !before[id] {
				t.Fatalf("snapshot at %d holds the item of txn %s, which has no record before it", v.pos, id)
			}
		}
		if len(v.items) > 0 && len(v.items) < len(w.done) {
			partial++
		}
	}
	if partial == 0 {
		t.Errorf("none of %d snapshots saw part of the workload", len(views))
	}
	t.Logf("%d snapshots, %d saw part of the workload", len(views), partial)
}

// takeView opens a snapshot and reads its position and its items.
func takeView(ctx context.Context, s kv.Store) (snapshotView, error) {
	snap, err := s.NewSnapshot(ctx)
	if err != nil {
		return snapshotView{}, err
	}
	defer snap.Close()
	pos, err := snap.LogPosition(ctx, []byte("A"))
	if err != nil {
		return snapshotView{}, err
	}
	it, err := snap.Iter(ctx, []byte("item/"), []byte("item0"), false)
	if err != nil {
		return snapshotView{}, err
	}
	defer it.Close()
	v := snapshotView{pos: pos, items: make(map[string]bool)}
	for it.Next() {
		v.items[strings.TrimPrefix(string(it.Key()), "item/")] = true
	}
	return v, it.Err()
}
