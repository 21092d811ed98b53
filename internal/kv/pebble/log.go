package pebble

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	pdb "github.com/cockroachdb/pebble/v2"

	"github.com/dynago/dynago/internal/kv"
)

// The change log on Pebble.
//
// Every log has its own counter, so its Seqs are 1, 2, 3, … with no gaps
// (except after a commit that failed inside Pebble). Records are keys under
// kv.ReservedPrefix (see logkeys.go), written in the same batch as the
// transaction's other writes, so a record exists if and only if its
// transaction committed.
//
// Commit order. A commit that carries records takes logTable.mu, assigns
// the next Seqs, adds the records and the logs' heads to its batch, and
// hands the batch to Pebble's commit pipeline with DB.ApplyNoSyncWait,
// which returns once the batch is in the WAL and applied to the memtable
// (visible) but before the fsync. Then it releases the mutex and waits for
// the fsync (Batch.SyncWait). So batches with records enter the WAL, and
// become visible, in Seq order, while their fsyncs are still shared with
// every other commit in flight: group commit is kept, and the mutex is held
// for a memtable insert, not for an fsync. Commits without records do not
// touch the mutex at all.
//
// The durable watermark. Pebble's WAL writer syncs a prefix of what was
// written (its flush loop syncs everything written so far and wakes the
// waiters up to that point), and when the WAL rotates to a new file the old
// one is closed and synced first (DB.rotateWAL). So once one batch's
// SyncWait returns, every batch written before it is synced too, and the
// log's watermark can move to max(watermark, the batch's last Seq of that
// log) without waiting for earlier committers to report. ReadLog reads only
// up to the watermark, so a record visible in the memtable but not yet
// synced is never served; a snapshot may see it (Snapshot.LogPosition says
// so in the contract).
//
// In memory there is no WAL: a commit is done once applied, and the
// watermark moves under the mutex.
//
// Restart. Open knows nothing of the logs; the first use of a log after
// Open finds where its counter stands, under the mutex: the Seq of its last
// record, or its head if that is higher (logPosition). Everything Open
// recovered is durable (Pebble flushes the replayed WAL, with fsyncs, before
// Open returns), and no commit to that log has run since, so that position
// is both the next counter's base and the watermark: the watermark never
// decreases across a restart, and Seqs keep increasing.
//
// The head. A commit does not rewrite the log's head: the last record's key
// already says where the counter stands, and a head written by every commit
// cost the in-memory store a tenth more CPU per logged PutItem (one more
// memtable entry per commit, and a key every flush and compaction carried;
// docs/backups.md). Only TrimLog writes the head, in the batch that deletes
// the records, so a log trimmed to nothing still counts on from where it was.
type logTable struct {
	// mu serialises the part of a commit with records from Seq assignment
	// to the batch being applied, and the creation of logStates.
	mu sync.Mutex

	// trimMu serialises TrimLogs, so the heads they write never go back.
	trimMu sync.Mutex

	// states holds every log used since Open. Readers look it up under
	// statesMu; entries are added with both mu and statesMu held, so a
	// commit holding mu reads it without statesMu.
	statesMu sync.RWMutex
	states   map[string]*logState
}

// logState is one log's counter, watermark and waiters.
type logState struct {
	name   []byte // the log's name
	prefix []byte // record key prefix
	head   []byte // head key

	// last is the last Seq assigned; guarded by logTable.mu.
	last kv.Seq

	// durable is the watermark: every record with Seq up to it that will
	// ever be readable is synced.
	durable atomic.Uint64

	// wake is closed when durable advances, if a waiter has installed it
	// (nil otherwise, so an advance with no one waiting costs one load).
	wake atomic.Pointer[chan struct{}]
}

// logAppend is one record a txn appended, waiting for its Seq.
type logAppend struct {
	log, record []byte
}

// touchedLog is a log a commit appended to, and the last Seq it assigned.
type touchedLog struct {
	st   *logState
	last kv.Seq
}

func newLogTable() *logTable {
	return &logTable{states: make(map[string]*logState)}
}

// state returns log's state, creating it (under mu) on first use.
func (l *logTable) state(db *pdb.DB, log []byte) (*logState, error) {
	l.statesMu.RLock()
	st := l.states[string(log)]
	l.statesMu.RUnlock()
	if st != nil {
		return st, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stateLocked(db, log)
}

// stateLocked is state with mu held. A new state starts from the log's
// position in the DB, which is durable: no commit has appended to the log
// since Open, or its state would exist.
func (l *logTable) stateLocked(db *pdb.DB, log []byte) (*logState, error) {
	if st := l.states[string(log)]; st != nil {
		return st, nil
	}
	st := &logState{name: bytes.Clone(log), prefix: recordPrefix(log), head: headKey(log)}
	last, err := logPosition(db, st.prefix, st.head)
	if err != nil {
		return nil, err
	}
	st.last = last
	st.durable.Store(uint64(st.last))
	l.statesMu.Lock()
	l.states[string(log)] = st
	l.statesMu.Unlock()
	return st, nil
}

// logPosition returns the last Seq of a log as r sees it: the Seq of its
// last record, or its head (what TrimLog left) if that is higher. Records
// become visible in Seq order (see the top of this file), so r sees every
// record up to that position that was not trimmed.
func logPosition(r pdb.Reader, prefix, head []byte) (kv.Seq, error) {
	var last kv.Seq
	v, err := get(r, head)
	switch {
	case errors.Is(err, kv.ErrNotFound):
	case err != nil:
		return 0, err
	default:
		if last, err = decodeSeq(v); err != nil {
			return 0, err
		}
	}
	it, err := r.NewIter(&pdb.IterOptions{LowerBound: prefix, UpperBound: prefixEnd(prefix)})
	if err != nil {
		return 0, fmt.Errorf("kv/pebble: log position: %w", err)
	}
	if it.Last() {
		seq, err := recordSeq(it.Key())
		if err != nil {
			_ = it.Close()
			return 0, err
		}
		last = max(last, seq)
	}
	if err := errors.Join(it.Error(), it.Close()); err != nil {
		return 0, fmt.Errorf("kv/pebble: log position: %w", err)
	}
	return last, nil
}

// advance raises the watermark to seq (never lowers it) and wakes waiters.
func (st *logState) advance(seq kv.Seq) {
	for {
		cur := st.durable.Load()
		if uint64(seq) <= cur || st.durable.CompareAndSwap(cur, uint64(seq)) {
			break
		}
	}
	// After the store above: a waiter installs its channel, then loads
	// durable, so either it sees the new watermark or we see its channel.
	if st.wake.Load() != nil {
		if ch := st.wake.Swap(nil); ch != nil {
			close(*ch)
		}
	}
}

// waitChan returns a channel closed at the next advance of the watermark.
func (st *logState) waitChan() <-chan struct{} {
	for {
		if ch := st.wake.Load(); ch != nil {
			return *ch
		}
		ch := make(chan struct{})
		if st.wake.CompareAndSwap(nil, &ch) {
			return ch
		}
	}
}

// assign numbers the records, adds them to b, and returns the logs
// touched. It runs with mu held.
func (l *logTable) assign(db *pdb.DB, b *pdb.Batch, records []logAppend, touched []touchedLog) ([]touchedLog, error) {
	// Batch.Set copies key and value, so the key is built on the stack.
	var keyBuf [64]byte
	key := keyBuf[:0]
	for _, r := range records {
		i := slices.IndexFunc(touched, func(t touchedLog) bool { return bytes.Equal(t.st.name, r.log) })
		if i < 0 {
			st, err := l.stateLocked(db, r.log)
			if err != nil {
				return touched, err
			}
			touched = append(touched, touchedLog{st: st})
			i = len(touched) - 1
		}
		st := touched[i].st
		st.last++
		touched[i].last = st.last
		key = appendRecordKey(key[:0], st.prefix, st.last)
		if err := b.Set(key, r.record, nil); err != nil {
			return touched, fmt.Errorf("kv/pebble: log record: %w", err)
		}
	}
	return touched, nil
}

// commitLogged commits a txn that appended records: see the comment at the
// top of this file, and commit.go for the rest of a commit's path.
func (s *Store) commitLogged(t *txn) error {
	if err := s.admit(); err != nil {
		return err
	}
	b := t.writer()
	s.logs.mu.Lock()
	if t.touched == nil {
		t.touched = t.touchedBuf[:0]
	}
	touched, err := s.logs.assign(s.db, b, t.logs, t.touched[:0])
	t.touched = touched
	if err != nil {
		s.logs.mu.Unlock()
		return err
	}
	if s.noWAL {
		err := b.Commit(pdb.NoSync)
		if err == nil {
			for _, tl := range touched {
				tl.st.advance(tl.last)
			}
		}
		s.logs.mu.Unlock()
		if err != nil {
			return fmt.Errorf("kv/pebble: commit: %w", err)
		}
		return nil
	}
	p, err := s.apply(b)
	s.logs.mu.Unlock()
	if err != nil {
		return err
	}
	syncErr := b.SyncWait()
	if syncErr == nil {
		// Before the commit leaves the registry, so a snapshot's
		// LogPosition never passes the watermark.
		for _, tl := range touched {
			tl.st.advance(tl.last)
		}
	}
	return s.synced(p, syncErr)
}

// ReadLog implements kv.Store: an iterator over the records after after and
// at most the watermark. A log nothing appended to since Open reads up to
// its head, which is durable.
func (s *Store) ReadLog(ctx context.Context, log []byte, after kv.Seq, limit int) ([]kv.LogRecord, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.gate.leave()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(log) == 0 {
		return nil, errEmptyLog
	}
	st, err := s.logs.state(s.db, log)
	if err != nil {
		return nil, err
	}
	wm := kv.Seq(st.durable.Load())
	if limit <= 0 || after >= wm {
		return nil, nil // nothing new: no iterator
	}
	opts := pdb.IterOptions{
		LowerBound: appendRecordKey(nil, st.prefix, after+1),
		UpperBound: recordRangeEnd(st.prefix, wm),
	}
	it, err := s.db.NewIterWithContext(ctx, &opts)
	if err != nil {
		return nil, fmt.Errorf("kv/pebble: read log: %w", err)
	}
	// The values are copied into one buffer, sliced at the end (appends
	// may move it meanwhile): a few allocations for a page of records
	// instead of one each. Seqs of a log are contiguous here, so the page
	// holds at most wm-after records; the buffer is sized from the first
	// value, up to arenaGuess, as records of one log are alike in size.
	n := int(min(uint64(limit), uint64(wm-after)))
	var (
		out   = make([]kv.LogRecord, 0, n)
		ends  = make([]int, 0, n)
		arena []byte
	)
	for ok := it.First(); ok && len(out) < limit; ok = it.Next() {
		seq, err := recordSeq(it.Key())
		if err != nil {
			_ = it.Close()
			return nil, err
		}
		v, err := it.ValueAndErr()
		if err != nil {
			_ = it.Close()
			return nil, fmt.Errorf("kv/pebble: read log: %w", err)
		}
		if arena == nil {
			arena = make([]byte, 0, min(len(v)*n, arenaGuess))
		}
		arena = append(arena, v...)
		out = append(out, kv.LogRecord{Seq: seq})
		ends = append(ends, len(arena))
	}
	if err := errors.Join(it.Error(), it.Close()); err != nil {
		return nil, fmt.Errorf("kv/pebble: read log: %w", err)
	}
	start := 0
	for i, end := range ends {
		out[i].Value = arena[start:end:end]
		start = end
	}
	return out, nil
}

// arenaGuess caps the first allocation of ReadLog's value buffer: 1 MB.
const arenaGuess = 1 << 20

// LogWatermark implements kv.Store.
func (s *Store) LogWatermark(ctx context.Context, log []byte) (kv.Seq, error) {
	if err := s.enter(); err != nil {
		return 0, err
	}
	defer s.gate.leave()
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if len(log) == 0 {
		return 0, errEmptyLog
	}
	st, err := s.logs.state(s.db, log)
	if err != nil {
		return 0, err
	}
	return kv.Seq(st.durable.Load()), nil
}

// WaitLog implements kv.Store. A waiter costs a channel and nothing else
// while it waits; the commit that moves the watermark closes the channel
// right after its fsync returns. Only commits to log wake it. Close ends
// the wait with kv.ErrClosed.
func (s *Store) WaitLog(ctx context.Context, log []byte, after kv.Seq) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.gate.leave()
	if len(log) == 0 {
		return errEmptyLog
	}
	st, err := s.logs.state(s.db, log)
	if err != nil {
		return err
	}
	woken := st.waitChan() // before the check, so an advance between is not missed
	if kv.Seq(st.durable.Load()) > after {
		return nil
	}
	select {
	case <-woken:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.closing:
		return kv.ErrClosed
	}
}

// TrimLog implements kv.Store with one synced batch (so on Pebble it is
// atomic): the range deletion of the records, and the log's head set to
// the watermark, so that a log trimmed to its last record still knows
// where its counter stands after a restart (logPosition). upTo is first
// lowered to the watermark, so a commit still waiting for its fsync never
// loses a record. The watermark never decreases and trimMu orders the
// trims, so the head never does either.
func (s *Store) TrimLog(ctx context.Context, log []byte, upTo kv.Seq) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.gate.leave()
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(log) == 0 {
		return errEmptyLog
	}
	st, err := s.logs.state(s.db, log)
	if err != nil {
		return err
	}
	s.logs.trimMu.Lock()
	defer s.logs.trimMu.Unlock()
	wm := kv.Seq(st.durable.Load())
	upTo = min(upTo, wm)
	if upTo == 0 {
		return nil
	}
	b := s.db.NewBatch()
	defer b.Close()
	if err := b.DeleteRange(st.prefix, recordRangeEnd(st.prefix, upTo), nil); err != nil {
		return fmt.Errorf("kv/pebble: trim log: %w", err)
	}
	if err := b.Set(st.head, encodeSeq(wm), nil); err != nil {
		return fmt.Errorf("kv/pebble: trim log: %w", err)
	}
	if err := s.commit(b); err != nil {
		return fmt.Errorf("kv/pebble: trim log: %w", err)
	}
	return nil
}
