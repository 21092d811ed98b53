package pebble

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	pdb "github.com/cockroachdb/pebble/v2"

	"github.com/dynago/dynago/internal/kv"
)

// Update implements kv.Store: lock the named keys, run fn against a batch
// (see txn), commit the batch with a synced WAL write (commit.go), unlock. (An
// in-memory store has no WAL; its commits are done once applied.) A commit
// that appended log records takes the change log's path instead (see
// log.go); one that did not is exactly the path below, which the log adds
// nothing to.
//
// Commits use pebble.Sync, and Pebble's commit pipeline shares one WAL fsync
// among every batch queued while the previous fsync ran (LogWriter's flush
// loop syncs everything written so far and wakes all waiters; up to
// record.SyncConcurrency = 4096 batches wait at once). So concurrent Updates
// cost far fewer fsyncs than commits: TestConcurrentCommitsShareSyncs counts
// the fsyncs reaching the filesystem and checks this (32 concurrent
// committers shared each fsync 16 ways when measured), and
// BenchmarkUpdate/disk/parallel shows the throughput.
//
// Locks are held until the fsync completes, so an Update that reads a named
// key never sees a write that is not yet durable. Pebble does publish a
// batch to readers before its fsync finishes (before its WAL record is even
// in the file); every other read (Store.Get, iterators, snapshots, keys an
// Update did not name) waits for the commits it touches to be durable
// instead (visibility.go), and ReadLog serves records only up to a
// watermark that moves after the fsync. Commits are refused while the disk
// is nearly full, and a WAL error fails the store (commit.go).
//
// The contract's two rules for Update hold here as follows:
//
//   - Reads inside fn see every write committed before fn's locks were
//     taken: fn runs after the locks are held, and its reads are not
//     pinned to a snapshot. A Get reads the DB's latest published state
//     at that moment (or an indexed batch over it, which reads through to
//     that state too), and an iterator the latest state when it opens.
//     Pebble publishes a batch before its Commit returns, and the previous
//     holder of a lock released it only after its Commit returned.
//   - fn may be run more than once: this backend never re-runs it (a lock
//     table cannot conflict), but callers must not rely on that.
func (s *Store) Update(ctx context.Context, lockKeys [][]byte, fn func(kv.Txn) error) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.gate.leave()
	if err := ctx.Err(); err != nil {
		return err
	}
	held, err := s.locks.acquire(ctx, lockKeys)
	if err != nil {
		return err
	}
	defer held.release()

	t := &txn{db: s.db, unsynced: &s.unsynced}
	defer func() {
		t.finish() // again, in case fn panicked
		if t.batch != nil {
			_ = t.batch.Close()
		}
	}()
	err = fn(t)
	t.finish()
	if err == nil && len(t.logs) > 0 {
		return s.commitLogged(t)
	}
	if err == nil && t.batch != nil && !t.batch.Empty() {
		// The commit is not abandoned on ctx cancellation: once fn
		// succeeded the caller may already have told its client, and a
		// half-known outcome is worse than a late one. Its fsync also
		// makes durable every write fn's reads saw (visibility.go).
		return s.commit(t.batch)
	}
	// No commit of ours will sync what fn read: wait for it, so that
	// neither fn's error nor what it computed rests on a write a crash
	// could erase.
	if werr := wait(ctx, t.seen); werr != nil {
		return werr
	}
	return err
}

// txn is a kv.Txn over a Pebble batch. Reads see the batch's own writes
// merged over the latest committed state (read at the moment of each Get,
// or when each iterator opens). A txn is not safe for concurrent use, like
// the batch beneath it.
//
// The batch is made only when needed, and indexed only when needed: most
// Updates read a key and then write (PutItem, UpdateItem, DeleteItem), and
// an indexed batch made up front costs its setup on every Update and puts
// its empty skiplist into every read. So:
//
//   - before the first write there is no batch, and reads go to the DB
//     itself: with nothing written, the latest committed state is all an
//     indexed batch would show, and a read through an empty indexed batch
//     cost two more allocations and up to a third more time
//     (BenchmarkTxnParts);
//   - the first write makes a plain batch, which is all a commit needs;
//   - a read after a write turns it into an indexed batch (indexed copies
//     the writes so far), through which later reads and writes go.
//
// Iterators never read a plain batch: one opened before the first write
// reads the DB, one opened after reads the indexed batch, so each sees
// exactly the writes made before it was opened.
type txn struct {
	db      *pdb.DB
	batch   *pdb.Batch // nil until the first write
	indexed bool       // batch is an indexed batch
	iters   handleSet  // iterators fn opened; closed when fn returns
	done    bool

	logs    []logAppend  // records AppendLog collected, in order
	touched []touchedLog // scratch for the commit of logs

	// logsBuf and touchedBuf back logs and touched for the usual logged
	// commit, one record to one log, so it allocates neither slice.
	logsBuf    [1]logAppend
	touchedBuf [1]touchedLog

	// unsynced is the store's registry of commits not yet durable, and
	// seen those of them fn's reads covered (visibility.go).
	unsynced *unsynced
	seen     []*pending
}

var _ kv.Txn = (*txn)(nil)

// finish closes any iterator fn left open (Pebble must not see open batch
// iterators at commit) and makes further use of the txn an error.
func (t *txn) finish() {
	t.iters.closeAll()
	t.done = true
}

// Get implements kv.Reader.
func (t *txn) Get(ctx context.Context, key []byte) ([]byte, error) {
	if t.done {
		return nil, kv.ErrTxnDone
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r, err := t.reader()
	if err != nil {
		return nil, err
	}
	v, err := get(r, key)
	var cerr error
	if t.seen, cerr = t.unsynced.collect(key, nil, false, anyGen, t.seen); cerr != nil {
		return nil, cerr // a failed commit may be what was read
	}
	return v, err
}

// reader returns what a read must go through to see the txn's writes:
// the DB while there are none, else the batch, indexed first if need be.
func (t *txn) reader() (pdb.Reader, error) {
	switch {
	case t.batch == nil:
		return t.db, nil
	case t.indexed:
		return t.batch, nil
	}
	ib := t.db.NewIndexedBatch()
	if err := ib.Apply(t.batch, nil); err != nil {
		_ = ib.Close()
		return nil, fmt.Errorf("kv/pebble: index batch: %w", err)
	}
	_ = t.batch.Close()
	t.batch, t.indexed = ib, true
	return ib, nil
}

// writer returns the batch writes go to, made on the first write.
func (t *txn) writer() *pdb.Batch {
	if t.batch == nil {
		t.batch = t.db.NewBatch()
	}
	return t.batch
}

// Iter implements kv.Reader. The iterator sees the txn's writes made before
// Iter was called, not later ones.
func (t *txn) Iter(ctx context.Context, start, end []byte, reverse bool) (kv.Iterator, error) {
	if t.done {
		return nil, kv.ErrTxnDone
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r, err := t.reader()
	if err != nil {
		return nil, err
	}
	it, err := newIter(ctx, r, &t.iters, start, end, reverse)
	if err != nil {
		return nil, err
	}
	if t.seen, err = t.unsynced.collect(start, clampEnd(end), true, anyGen, t.seen); err != nil {
		_ = it.Close()
		return nil, err
	}
	return it, nil
}

// Set implements kv.Txn. The batch copies key and value.
func (t *txn) Set(key, value []byte) error {
	if t.done {
		return kv.ErrTxnDone
	}
	if isReserved(key) {
		return errReserved
	}
	return t.writer().Set(key, value, nil)
}

// Delete implements kv.Txn.
func (t *txn) Delete(key []byte) error {
	if t.done {
		return kv.ErrTxnDone
	}
	if isReserved(key) {
		return errReserved
	}
	return t.writer().Delete(key, nil)
}

// DeleteRange implements kv.Txn. An empty or inverted range deletes
// nothing, and the range stops short of the reserved keys.
//
// Deprecated: see kv.Txn.
func (t *txn) DeleteRange(start, end []byte) error {
	if t.done {
		return kv.ErrTxnDone
	}
	if end == nil {
		return errors.New("kv/pebble: DeleteRange needs an end key")
	}
	end = clampEnd(end)
	if bytes.Compare(start, end) >= 0 {
		return nil
	}
	return t.writer().DeleteRange(start, end, nil)
}

// AppendLog implements kv.Txn: the record is kept (copied, with the log's
// name, in one allocation) until the commit numbers it.
func (t *txn) AppendLog(log, record []byte) error {
	if t.done {
		return kv.ErrTxnDone
	}
	if len(log) == 0 {
		return errEmptyLog
	}
	buf := make([]byte, len(log)+len(record))
	n := copy(buf, log)
	copy(buf[n:], record)
	if t.logs == nil {
		t.logs = t.logsBuf[:0]
	}
	t.logs = append(t.logs, logAppend{log: buf[:n:n], record: buf[n:]})
	return nil
}
