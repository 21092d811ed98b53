package tikv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/pingcap/kvproto/pkg/kvrpcpb"
	"github.com/tikv/client-go/v2/config/retry"
	tikverr "github.com/tikv/client-go/v2/error"
	tikvkv "github.com/tikv/client-go/v2/kv"
	"github.com/tikv/client-go/v2/tikv"
	"github.com/tikv/client-go/v2/tikvrpc"
	"github.com/tikv/client-go/v2/txnkv/transaction"

	"github.com/dynago/dynago/internal/kv"
)

// maxAttempts bounds how often Update runs fn again after its commit lost a
// write conflict (see attempt). On TiKV only keys fn did not name can
// conflict, since named keys and log counters are locked; on the mock
// cluster a locked key committed by another transaction since start_ts
// conflicts too (see lockNamed), which happens to log counters when two
// Updates append to one log at once. The bound stops a livelock from
// spinning forever.
const maxAttempts = 32

// Limits of sendByRegion's clean-ups: how long one may back off in all (in
// ms, as client-go counts) and how long one request may take.
const (
	cleanupMaxBackoff = 5000 // 5 s
	cleanupTimeout    = 5 * time.Second
)

// errReserved is returned for a write to a key under kv.ReservedPrefix.
var errReserved = errors.New("kv/tikv: keys starting with kv.ReservedPrefix are the store's own")

// Update implements kv.Store with a pessimistic TiKV transaction:
//
//  1. Begin takes start_ts from PD.
//  2. The named keys are locked, in sorted order, by one pessimistic lock
//     request per region at for_update_ts = start_ts, asking TiKV to return
//     their values. TiKV waits for a lock another transaction holds; if
//     that transaction committed a key after for_update_ts, TiKV answers
//     with a write conflict and the lock is retried at a fresh for_update_ts
//     (without calling fn). A returned value is therefore the latest
//     committed one, and it stays current while the lock is held.
//  3. fn runs. Get of a named key is answered from the lock response (no
//     RPC); any other read, and every iterator, reads at a fresh timestamp,
//     merged with fn's own writes, which are buffered here.
//  4. If fn appended to change logs, their counter keys are locked now (see
//     the package comment), which serialises the commits of one log for as
//     long as step 5 takes and no longer.
//  5. The writes go into client-go's buffer and the transaction commits by
//     two-phase commit: prewrite every key (one RPC per region), commit_ts
//     from PD, commit the primary key. The commit is durable (replicated)
//     once the primary's commit returns; the secondaries are committed in
//     the background, and readers resolve their locks meanwhile.
//
// Round trips, for an Update of one named key without a log: 2 timestamps
// and 3 RPCs (lock, prewrite, commit) plus one asynchronous commit of
// secondaries when the keys span regions; see bench_test.go for measured
// counts.
//
// Optimistic transactions were not chosen: with them fn runs before any
// lock is taken, so a second Update of a held key would not wait for the
// first (the contract and kvtest's LockBlocksSameKey require that it does),
// and a contended key costs a re-run of fn per conflict instead of a wait.
func (s *Store) Update(ctx context.Context, lockKeys [][]byte, fn func(kv.Txn) error) error {
	if !s.gate.enter() {
		return kv.ErrClosed
	}
	defer s.gate.leave()
	if err := ctx.Err(); err != nil {
		return err
	}
	keys := sortedUnique(lockKeys)
	var counters [][]byte // the log counters the last attempt needed
	for n := 1; ; n++ {
		retry, needed, err := s.attempt(ctx, keys, counters, fn)
		if !retry || n == maxAttempts {
			return err
		}
		counters = needed
	}
}

// sortedUnique returns copies of keys, sorted, without duplicates.
func sortedUnique(keys [][]byte) [][]byte {
	out := make([][]byte, 0, len(keys))
	for _, k := range keys {
		out = append(out, bytes.Clone(k))
	}
	slices.SortFunc(out, bytes.Compare)
	return slices.CompactFunc(out, bytes.Equal)
}

// attempt runs fn once in a new transaction. retry reports an error that
// running fn again may cure: a write conflict at commit, or a deadlock TiKV
// broke by aborting this transaction; counters then names the log counters
// this attempt needed.
//
// A re-run takes the latches of those counters before start_ts, with the
// named keys' (see latchCounters): a commit conflict on a counter happens
// only on the mock cluster, when another Update of this Store committed to
// the log after our start_ts (see lockNamed), and without this, writers
// appending to one log at once conflicted again on nearly every re-run
// (four writers exhausted 32 attempts).
func (s *Store) attempt(ctx context.Context, keys, counters [][]byte, fn func(kv.Txn) error) (retry bool, needed [][]byte, err error) {
	t := &txn{store: s, ctx: ctx, writes: make(map[string]pendingWrite)}
	defer t.abandon()
	if len(keys) > 0 || len(counters) > 0 {
		if err := t.lockNamed(ctx, keys, counters); err != nil {
			return isDeadlock(err), nil, err
		}
	}
	err = fn(t)
	t.finish()
	if err != nil {
		return false, nil, err
	}
	retry, err = t.commit(ctx)
	return retry, t.counterKeys(), err
}

// txn is a kv.Txn: fn's writes buffered in a map, the values of the named
// keys from their lock response, and the client-go transaction that holds
// the locks and commits. It is used by one goroutine.
type txn struct {
	store *Store
	ctx   context.Context
	kt    *transaction.KVTxn // nil until locks are taken or the commit begins
	// locked holds the stored values of the named keys (and log counters)
	// as the lock responses returned them.
	locked map[string]tikvkv.ReturnedValue
	writes map[string]pendingWrite
	logs   []appended
	iters  handleSet
	done   bool
	// held are the in-process latches of the named keys and log counters
	// (see latches); the first namedLatches are the named keys'.
	held         heldLatches
	namedLatches int
	// latchedCounters are the counters whose latches a re-run took before
	// start_ts.
	latchedCounters [][]byte
	// recordKeys are the keys of the log records writeLogs wrote.
	recordKeys [][]byte
	// primaryNamed is set when a named key is the primary, so the log
	// counters are secondaries, committed in the background (see
	// commitNow).
	primaryNamed bool
}

// appended is one AppendLog call.
type appended struct {
	log    []byte
	record []byte
}

var _ kv.Txn = (*txn)(nil)

// begin starts the client-go transaction, at a start timestamp taken
// under ctx. (client-go's own Begin takes it under a context of its own,
// retrying for up to 15 s of backoff with each attempt waiting up to pd's
// 3 s timeout: over a minute during a PD stall, whatever the caller's
// context says.)
func (t *txn) begin(ctx context.Context) error {
	ts, err := t.store.now(ctx)
	if err != nil {
		return err
	}
	kt, err := t.store.kvs.Begin(tikv.WithStartTS(ts))
	if err != nil {
		return fmt.Errorf("kv/tikv: begin: %w", err)
	}
	kt.SetPessimistic(true)
	t.kt = kt
	t.locked = make(map[string]tikvkv.ReturnedValue)
	return nil
}

// lockNamed takes the named keys' latches, then their TiKV locks, giving
// up when ctx ends. The locks are taken at for_update_ts = start_ts. If a
// lock wait ends in a write conflict (the holder committed one of the keys
// after start_ts), the transaction starts again with a fresh start_ts
// rather than locking at a fresh for_update_ts as TiDB does: it costs the
// same (client-go has already rolled back the keys it did lock, and a
// timestamp is a timestamp), and it keeps every named key's last commit
// below start_ts, which client-go's mock cluster needs (mocktikv checks a
// pessimistic prewrite for conflicts since start_ts, not for_update_ts; real
// TiKV does not).
//
// When ctx ends during a lock wait, client-go rolls back the locks that the
// request did take with that same, ended, ctx, so the rollback never
// reaches TiKV and the locks would block every other writer of the keys
// until their TTL (20 s) ran out. releaseLocks rolls them back itself.
func (t *txn) lockNamed(ctx context.Context, keys, counters [][]byte) error {
	if !t.store.noLatches {
		if err := t.store.latches.acquire(ctx, &t.held, keys); err != nil {
			return err
		}
		t.namedLatches = len(t.held.keys)
		if err := t.store.latches.acquire(ctx, &t.held, counters); err != nil {
			return err
		}
		t.latchedCounters = counters
	}
	for {
		if err := t.begin(ctx); err != nil {
			return err
		}
		if len(keys) == 0 {
			return nil // a re-run that only latched counters
		}
		t.primaryNamed = true // client-go makes the first key locked the primary
		err := t.lock(ctx, keys, t.kt.StartTS())
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			t.store.releaseLocks(keys, t.kt.StartTS())
			return ctx.Err()
		case !tikverr.IsErrWriteConflict(err):
			return err
		}
		_ = t.kt.Rollback()
	}
}

// lock locks keys at forUpdateTS and records their values.
func (t *txn) lock(ctx context.Context, keys [][]byte, forUpdateTS uint64) error {
	lc := tikvkv.NewLockCtx(forUpdateTS, tikvkv.LockAlwaysWait, time.Now())
	lc.InitReturnValues(len(keys))
	if err := t.kt.LockKeys(ctx, lc, keys...); err != nil {
		return fmt.Errorf("kv/tikv: lock: %w", timedOut(ctx, err))
	}
	for k, v := range lc.Values {
		if !v.AlreadyLocked {
			t.locked[k] = v
		}
	}
	return nil
}

// isDeadlock reports whether TiKV's deadlock detector aborted the lock
// request. Named keys are locked in sorted order, but one request per
// region runs in parallel, so two Updates spanning the same two regions can
// still deadlock; the loser releases its locks and runs again.
func isDeadlock(err error) bool {
	var dl *tikverr.ErrDeadlock
	return errors.As(err, &dl)
}

// finish closes the iterators fn left open and makes further use of the
// txn an error.
func (t *txn) finish() {
	t.iters.closeAll()
	t.done = true
}

// abandon rolls back a client-go transaction that did not commit, releasing
// its pessimistic locks, and then releases the latches.
func (t *txn) abandon() {
	t.finish()
	if t.kt != nil && t.kt.Valid() {
		_ = t.kt.Rollback()
	}
	t.held.release()
}

// releaseLocks rolls back the pessimistic locks the transaction startTS
// may hold on keys, with a ctx of its own. It is best effort: a lock it
// misses expires with its TTL.
func (s *Store) releaseLocks(keys [][]byte, startTS uint64) {
	s.sendByRegion(keys, func(ks [][]byte) *tikvrpc.Request {
		return tikvrpc.NewRequest(tikvrpc.CmdPessimisticRollback, &kvrpcpb.PessimisticRollbackRequest{
			StartVersion: startTS,
			ForUpdateTs:  math.MaxUint64, // every lock of startTS, whatever its for_update_ts
			Keys:         ks,
		})
	})
}

// rollbackKeys rolls back every lock of the transaction startTS on keys
// (sorted): what client-go's cleanup after a failed prewrite does in the
// background, done at once.
func (s *Store) rollbackKeys(keys [][]byte, startTS uint64) {
	s.sendByRegion(keys, func(ks [][]byte) *tikvrpc.Request {
		return tikvrpc.NewRequest(tikvrpc.CmdBatchRollback, &kvrpcpb.BatchRollbackRequest{
			StartVersion: startTS,
			Keys:         ks,
		})
	})
}

// mutationKeys returns, sorted, every key the transaction locked or wrote:
// the named keys and counters (locked), writes (the sorted keys of
// t.writes) and log records.
func (t *txn) mutationKeys(writes []string) [][]byte {
	out := make([][]byte, 0, len(t.locked)+len(writes)+len(t.recordKeys))
	for k := range t.locked {
		out = append(out, []byte(k))
	}
	for _, k := range writes {
		out = append(out, []byte(k))
	}
	out = append(out, t.recordKeys...)
	return sortedUnique(out)
}

// commitNow commits keys of a transaction whose primary has committed at
// commitTS: what client-go does for every secondary key in the background,
// done here at once for the log counters, so that the next writer of the
// log finds the counter unlocked instead of resolving the lock (on the mock
// each such resolution cost a 5 ms lock wait; see BenchmarkLogAppend).
// Committing a key twice is harmless, and this is best effort: client-go's
// background commit, or a reader's lock resolution, still covers a key it
// misses.
func (s *Store) commitNow(keys [][]byte, startTS, commitTS uint64) {
	s.sendByRegion(keys, func(ks [][]byte) *tikvrpc.Request {
		return tikvrpc.NewRequest(tikvrpc.CmdCommit, &kvrpcpb.CommitRequest{
			StartVersion:  startTS,
			Keys:          ks,
			CommitVersion: commitTS,
		})
	})
}

// sendByRegion sends the request req makes for each region's share of keys
// (sorted), with a ctx of its own, looking regions up again after a split
// or a move. It gives up quietly on any other error: its callers are
// clean-ups that something else finishes if they do not.
func (s *Store) sendByRegion(keys [][]byte, req func(keys [][]byte) *tikvrpc.Request) {
	bo := tikv.NewBackofferWithVars(context.Background(), cleanupMaxBackoff, nil)
	for len(keys) > 0 {
		groups, _, err := s.kvs.GetRegionCache().GroupKeysByRegion(bo, keys, nil)
		if err != nil {
			return
		}
		keys = nil
		for region, ks := range groups {
			resp, err := s.kvs.SendReq(bo, req(ks), region, cleanupTimeout)
			if err != nil {
				return
			}
			if rerr, err := resp.GetRegionError(); err != nil || rerr != nil {
				if bo.Backoff(retry.BoRegionMiss, fmt.Errorf("kv/tikv: region error: %v", rerr)) != nil {
					return
				}
				keys = append(keys, ks...)
			}
		}
		slices.SortFunc(keys, bytes.Compare)
	}
}

// commit writes the buffered writes and log records and commits. Locking
// the log counters and committing use a ctx that does not end with the
// caller's: once fn has returned nil the commit is not abandoned.
func (t *txn) commit(ctx context.Context) (retry bool, err error) {
	if len(t.writes) == 0 && len(t.logs) == 0 {
		return false, nil // abandon releases the locks
	}
	cctx := context.WithoutCancel(ctx)
	if err := t.latchCounters(cctx); err != nil {
		return false, err
	}
	if t.kt == nil {
		// Begun after the counters' latches, start_ts is above the last
		// commit to those logs made through this Store.
		if err := t.begin(cctx); err != nil {
			return false, err
		}
	}
	if err := t.writeLogs(cctx); err != nil {
		return isDeadlock(err) || tikverr.IsErrWriteConflict(err), err
	}
	keys := make([]string, 0, len(t.writes))
	for k := range t.writes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		w := t.writes[k]
		if w.deleted {
			err = t.kt.Delete(w.key)
		} else {
			err = t.kt.Set(w.key, encodeValue(w.value))
		}
		if err != nil {
			return false, fmt.Errorf("kv/tikv: buffer write: %w", err)
		}
	}
	var info transaction.TxnInfo
	t.kt.SetCommitCallback(func(s string, _ error) { _ = json.Unmarshal([]byte(s), &info) })
	if err := t.kt.Commit(cctx); err != nil {
		if tikverr.IsErrWriteConflict(err) || isDeadlock(err) {
			// The prewrite failed, so nothing committed. client-go
			// cleans the prewritten keys up in the background; do it
			// now, before the latches go, so that the re-run and the
			// next writer find them unlocked (on the mock, each lock
			// they met stalled it for 5 ms).
			t.store.rollbackKeys(t.mutationKeys(keys), t.kt.StartTS())
			t.store.reruns.Add(1)
			return true, fmt.Errorf("kv/tikv: commit: %w", timedOut(ctx, err))
		}
		return false, fmt.Errorf("kv/tikv: commit: %w", timedOut(ctx, err))
	}
	if len(t.logs) > 0 && t.primaryNamed && info.CommitTS != 0 {
		t.store.commitNow(t.counterKeys(), info.StartTS, info.CommitTS)
	}
	for _, a := range t.logs {
		t.store.waiters.notify(a.log)
	}
	return false, nil
}

// Get implements kv.Reader: fn's own write, else a named key's value from
// its lock response, else the latest committed value.
func (t *txn) Get(ctx context.Context, key []byte) ([]byte, error) {
	if t.done {
		return nil, kv.ErrTxnDone
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if w, ok := t.writes[string(key)]; ok {
		if w.deleted {
			return nil, kv.ErrNotFound
		}
		return bytes.Clone(w.value), nil
	}
	if v, ok := t.locked[string(key)]; ok {
		if !v.Exists {
			return nil, kv.ErrNotFound
		}
		d, err := decodeValue(v.Value)
		if err != nil {
			return nil, err
		}
		return bytes.Clone(d), nil
	}
	snap, err := t.store.snapshotNow(ctx)
	if err != nil {
		return nil, err
	}
	return get(ctx, snap, key)
}

// Iter implements kv.Reader: the state at a fresh timestamp with the writes
// fn made before Iter merged over it.
func (t *txn) Iter(ctx context.Context, start, end []byte, reverse bool) (kv.Iterator, error) {
	if t.done {
		return nil, kv.ErrTxnDone
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	snap, err := t.store.snapshotNow(ctx)
	if err != nil {
		return nil, err
	}
	return newMergedIter(ctx, snap, 0, &t.iters, start, end, reverse, t.pending(start, clampEnd(end), reverse))
}

// pending returns fn's writes in [start, end), sorted in iteration order.
// They are copied out of the map, so later writes do not reach an iterator
// already open.
func (t *txn) pending(start, end []byte, reverse bool) []pendingWrite {
	var out []pendingWrite
	for _, w := range t.writes {
		if bytes.Compare(w.key, start) >= 0 && bytes.Compare(w.key, end) < 0 {
			out = append(out, w)
		}
	}
	slices.SortFunc(out, func(a, b pendingWrite) int {
		if reverse {
			return bytes.Compare(b.key, a.key)
		}
		return bytes.Compare(a.key, b.key)
	})
	return out
}

// Set implements kv.Txn.
func (t *txn) Set(key, value []byte) error {
	if t.done {
		return kv.ErrTxnDone
	}
	if len(key) > 0 && key[0] == kv.ReservedPrefix {
		return errReserved
	}
	// A non-nil copy even of an empty value: iter takes a nil value for
	// a deletion.
	v := make([]byte, len(value))
	copy(v, value)
	k := string(key)
	t.writes[k] = pendingWrite{key: []byte(k), value: v}
	return nil
}

// Delete implements kv.Txn.
func (t *txn) Delete(key []byte) error {
	if t.done {
		return kv.ErrTxnDone
	}
	if len(key) > 0 && key[0] == kv.ReservedPrefix {
		return errReserved
	}
	k := string(key)
	t.writes[k] = pendingWrite{key: []byte(k), deleted: true}
	return nil
}

// DeleteRange implements kv.Txn the only way TiKV can inside a transaction:
// it reads the keys in the range now (fn's writes included) and deletes
// each one. A key another Update commits into the range after that read
// survives; the deprecation note in kv says why callers should move to
// Store.DropRange.
func (t *txn) DeleteRange(start, end []byte) error {
	if t.done {
		return kv.ErrTxnDone
	}
	if end == nil {
		return errors.New("kv/tikv: DeleteRange needs an end key")
	}
	it, err := t.Iter(t.ctx, start, end, false)
	if err != nil {
		return err
	}
	var keys [][]byte
	for it.Next() {
		keys = append(keys, bytes.Clone(it.Key()))
	}
	err = errors.Join(it.Err(), it.Close())
	if err != nil {
		return err
	}
	for _, k := range keys {
		t.writes[string(k)] = pendingWrite{key: k, deleted: true}
	}
	return nil
}

// AppendLog implements kv.Txn. Records are numbered at commit (writeLogs).
func (t *txn) AppendLog(log, record []byte) error {
	if t.done {
		return kv.ErrTxnDone
	}
	if len(log) == 0 {
		return errEmptyLog
	}
	t.logs = append(t.logs, appended{log: bytes.Clone(log), record: bytes.Clone(record)})
	return nil
}
