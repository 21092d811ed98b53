package tikv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	tikverr "github.com/tikv/client-go/v2/error"
	tikvkv "github.com/tikv/client-go/v2/kv"
	"github.com/tikv/client-go/v2/txnkv/txnsnapshot"

	"github.com/dynago/dynago/internal/kv"
)

// counterKeys returns the sorted counter keys of the logs fn appended to.
func (t *txn) counterKeys() [][]byte {
	var counters [][]byte
	for _, a := range t.logs {
		counters = append(counters, counterKey(a.log))
	}
	return sortedUnique(counters)
}

// latchCounters takes the latches of the counters of the logs fn appended
// to. Counters sort after every named key (they are reserved keys), so
// taking them after the named keys keeps the one global order. A re-run
// may hold some already (see attempt); if fn appended to other logs this
// time, those are let go and all are taken again in order.
func (t *txn) latchCounters(ctx context.Context) error {
	if t.store.noLatches {
		return nil
	}
	needed := t.counterKeys()
	if slices.EqualFunc(needed, t.latchedCounters, bytes.Equal) {
		return nil
	}
	t.held.releaseFrom(t.namedLatches)
	t.latchedCounters = needed
	return t.store.latches.acquire(ctx, &t.held, needed)
}

// writeLogs numbers the records fn appended and adds them, and each log's
// new counter, to the transaction. It locks the counters first, in sorted
// order and after every named key, so no two Updates deadlock on them; the
// lock response carries each counter's latest committed value, and holding
// the lock until the commit is done is what makes Seq order commit order.
//
// The cost is that the commits of one log are serialised: from this lock
// request to the end of the primary's commit (a lock, a prewrite, a
// timestamp and a commit on a real cluster) no other transaction appending
// to the log can commit. BenchmarkLogAppend measures it.
func (t *txn) writeLogs(ctx context.Context) error {
	if len(t.logs) == 0 {
		return nil
	}
	counters := t.counterKeys()
	// Lock at a fresh for_update_ts: the counter was most likely committed
	// since start_ts by the log's previous writer. Another node's commit
	// can still land between the timestamp and the lock (a write
	// conflict): then lock again.
	for {
		ts, err := t.store.now(ctx)
		if err != nil {
			return err
		}
		err = t.lock(ctx, counters, ts)
		if err == nil {
			break
		}
		if !tikverr.IsErrWriteConflict(err) {
			return err
		}
	}
	next := make(map[string]kv.Seq, len(counters))
	for _, c := range counters {
		seq, err := counterValue(t.locked[string(c)])
		if err != nil {
			return err
		}
		next[string(c)] = seq
	}
	for _, a := range t.logs {
		c := string(counterKey(a.log))
		next[c]++
		rk := recordKey(recordPrefix(a.log), next[c])
		t.recordKeys = append(t.recordKeys, rk)
		if err := t.kt.Set(rk, encodeValue(a.record)); err != nil {
			return fmt.Errorf("kv/tikv: buffer log record: %w", err)
		}
	}
	for c, seq := range next {
		if err := t.kt.Set([]byte(c), encodeValue(encodeSeq(seq))); err != nil {
			return fmt.Errorf("kv/tikv: buffer log counter: %w", err)
		}
	}
	return nil
}

// counterValue decodes a counter from its lock response.
func counterValue(v tikvkv.ReturnedValue) (kv.Seq, error) {
	if !v.Exists {
		return 0, nil
	}
	d, err := decodeValue(v.Value)
	if err != nil {
		return 0, err
	}
	return decodeSeq(d)
}

// ReadLog implements kv.Store. It reads at a fresh timestamp, so it returns
// only committed records, which on TiKV are durable; a record of a commit
// still in progress is behind a lock the read waits out, or has a larger
// commit timestamp and is returned by a later call.
func (s *Store) ReadLog(ctx context.Context, log []byte, after kv.Seq, limit int) ([]kv.LogRecord, error) {
	if !s.gate.enter() {
		return nil, kv.ErrClosed
	}
	defer s.gate.leave()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(log) == 0 {
		return nil, errEmptyLog
	}
	if limit <= 0 || after == math.MaxUint64 {
		return nil, nil
	}
	snap, err := s.snapshotNow(ctx)
	if err != nil {
		return nil, err
	}
	snap.SetScanBatchSize(min(limit, txnsnapshot.DefaultScanBatchSize) + 1)
	prefix := recordPrefix(log)
	sc, err := snap.Iter(recordKey(prefix, after+1), prefixEnd(prefix))
	if err != nil {
		return nil, fmt.Errorf("kv/tikv: read log: %w", timedOut(ctx, err))
	}
	defer sc.Close()
	var out []kv.LogRecord
	for sc.Valid() && len(out) < limit {
		seq, err := decodeSeq(sc.Key())
		if err != nil {
			return nil, err
		}
		v, err := decodeValue(sc.Value())
		if err != nil {
			return nil, err
		}
		out = append(out, kv.LogRecord{Seq: seq, Value: bytes.Clone(v)})
		if len(out) < limit {
			if err := sc.Next(); err != nil {
				return nil, fmt.Errorf("kv/tikv: read log: %w", timedOut(ctx, err))
			}
		}
	}
	return out, nil
}

// LogWatermark implements kv.Store: the log's counter at a fresh timestamp.
// It never decreases, since a counter only grows and TrimLog leaves it.
func (s *Store) LogWatermark(ctx context.Context, log []byte) (kv.Seq, error) {
	if !s.gate.enter() {
		return 0, kv.ErrClosed
	}
	defer s.gate.leave()
	return s.watermark(ctx, log)
}

func (s *Store) watermark(ctx context.Context, log []byte) (kv.Seq, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	snap, err := s.snapshotNow(ctx)
	if err != nil {
		return 0, err
	}
	return readCounter(ctx, snap, log)
}

// WaitLog implements kv.Store. A commit to log made through this Store
// wakes the waiter as soon as it is acknowledged. TiKV has no way to push a
// commit made elsewhere (another API node) to this client (change data
// capture is a separate service, TiCDC), so WaitLog also reads the counter,
// sleeping 1 ms, 2 ms, 4 ms … up to Options.LogPollMax between reads: a
// commit by another node is seen within about LogPollMax (20 ms by default)
// plus a read, and an idle waiter costs one timestamp and one Get per
// LogPollMax.
func (s *Store) WaitLog(ctx context.Context, log []byte, after kv.Seq) error {
	if !s.gate.enter() {
		return kv.ErrClosed
	}
	defer s.gate.leave()
	if len(log) == 0 {
		return errEmptyLog
	}
	sleep := logPollMin
	for {
		// Register before reading, so a commit between the read and the
		// wait is not missed.
		woken := s.waiters.wait(log)
		wm, err := s.watermark(ctx, log)
		if err != nil {
			return err
		}
		if wm > after {
			return nil
		}
		timer := time.NewTimer(sleep)
		select {
		case <-woken:
			timer.Stop()
			return nil
		case <-timer.C:
			sleep = min(2*sleep, s.pollMax)
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-s.gate.closing():
			// Close waits for calls in progress: a waiter must not
			// keep it waiting.
			timer.Stop()
			return kv.ErrClosed
		}
	}
}

// TrimLog implements kv.Store with TiKV's DeleteRange, which removes every
// version of the records at once, region by region (not atomic, as the
// contract allows). upTo is first lowered to the watermark, so a commit in
// progress never loses a record it is writing. A snapshot older than the
// trim no longer reads the trimmed records.
func (s *Store) TrimLog(ctx context.Context, log []byte, upTo kv.Seq) error {
	if !s.gate.enter() {
		return kv.ErrClosed
	}
	defer s.gate.leave()
	wm, err := s.watermark(ctx, log)
	if err != nil {
		return err
	}
	upTo = min(upTo, wm)
	if upTo == 0 {
		return nil
	}
	prefix := recordPrefix(log)
	return s.deleteRange(ctx, recordKey(prefix, 0), recordKey(prefix, upTo+1))
}

// DropRange implements kv.Store with TiKV's DeleteRange: every version of
// every key in the range is removed at once, region by region, outside any
// transaction. Unlike a transactional delete it leaves no tombstones for GC
// to collect, but neither does it spare snapshots: a snapshot taken before
// the drop reads the range as empty afterwards. The end is clamped below
// the reserved range, so the change log is never dropped.
func (s *Store) DropRange(ctx context.Context, start, end []byte) error {
	if !s.gate.enter() {
		return kv.ErrClosed
	}
	defer s.gate.leave()
	if err := ctx.Err(); err != nil {
		return err
	}
	if end == nil {
		return errors.New("kv/tikv: DropRange needs an end key")
	}
	end = clampEnd(end)
	if bytes.Compare(start, end) >= 0 {
		return nil
	}
	return s.deleteRange(ctx, start, end)
}

func (s *Store) deleteRange(ctx context.Context, start, end []byte) error {
	if _, err := s.kvs.DeleteRange(ctx, start, end, dropConcurrency); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("kv/tikv: delete range: %w", err)
	}
	return nil
}

// logWaiters wakes WaitLog callers when this Store commits to their log.
type logWaiters struct {
	mu sync.Mutex
	m  map[string]chan struct{}
}

// wait returns a channel closed at the next commit to log.
func (w *logWaiters) wait(log []byte) <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.m == nil {
		w.m = make(map[string]chan struct{})
	}
	ch, ok := w.m[string(log)]
	if !ok {
		ch = make(chan struct{})
		w.m[string(log)] = ch
	}
	return ch
}

// notify wakes the waiters of log.
func (w *logWaiters) notify(log []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if ch, ok := w.m[string(log)]; ok {
		close(ch)
		delete(w.m, string(log))
	}
}
