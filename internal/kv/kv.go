// Package kv is Dynago's storage contract: ordered byte keys and values,
// consistent snapshot reads, bounded forward and reverse iteration, atomic,
// durable write transactions that name up front the keys they isolate, an
// ordered change log written in those transactions' commits, and a
// non-atomic range drop. It knows nothing of DynamoDB; the engine builds its
// key layout on top (see DESIGN.md).
//
// Backends live in sub-packages: kv/pebble (embedded, the default) and
// kv/tikv (a TiKV cluster). Every backend must pass the conformance tests in
// kv/kvtest.
//
// # Version 2
//
// Version 1 was keys, snapshots, iterators and Update. Version 2 adds what
// streams, point-in-time recovery, backups and several API nodes over one
// store need:
//
//   - the change log (Txn.AppendLog, Store.ReadLog and its durable
//     watermark, Store.TrimLog, Store.WaitLog);
//   - snapshots that name their position in each log (Snapshot.LogPosition);
//   - Store.DropRange, a range delete outside any transaction;
//   - two stated rules for Update: fn may be run more than once, and reads
//     inside fn see every write committed before fn's locks were taken.
//
// Leases, which jobs and schema changes use when several nodes share a
// store, are not part of the contract: they are ordinary keys changed in
// Update transactions (package jobs), so every backend has them for free.
package kv

import (
	"context"
	"errors"
)

// ErrNotFound is returned by Get when the key does not exist.
var ErrNotFound = errors.New("kv: key not found")

// ErrClosed is returned by every operation on a closed Store, and on a
// Snapshot or Iterator the Store closed because the caller had not.
var ErrClosed = errors.New("kv: store closed")

// ErrTxnDone is returned by a Txn used after the function it was passed to
// has returned: its writes are committed or discarded by then, so a late
// write would silently be lost.
var ErrTxnDone = errors.New("kv: transaction already finished")

// ReservedPrefix is the first byte of keys a backend keeps for itself (the
// change log, its counters). Callers never write keys starting with it (Set
// and Delete of one fail, and range deletions stop short of them), and
// Reader methods never return such keys: an iterator with a nil end, or an
// end past them, stops before them.
const ReservedPrefix = 0xff

// Reader reads keys. Implementations are a Store (the latest committed
// state), a Snapshot, or a Txn (which also sees its own writes).
//
// Every backend promises: a read (Get, an iterator, a Snapshot's reads and
// LogPosition, a Txn's reads of what others wrote) never returns a write
// whose Update has not become durable, so no crash can erase what a reader
// was shown. A backend may make a reader wait for that (Pebble waits for
// the fsync of a commit the read touched, at most about one fsync); a
// Txn's reads may instead be covered by its own durable commit, as long as
// Update returns nothing that rests on a write a crash could erase.
type Reader interface {
	// Get returns the value stored at key, or ErrNotFound. The returned
	// slice belongs to the caller.
	Get(ctx context.Context, key []byte) ([]byte, error)

	// Iter returns an iterator over keys in [start, end), in ascending
	// order, or descending when reverse is true. A nil start means no lower
	// bound and a nil end no upper bound (short of ReservedPrefix). The
	// iterator reads one consistent state, fixed when Iter is called. It
	// must be closed, and it is not safe for concurrent use.
	Iter(ctx context.Context, start, end []byte, reverse bool) (Iterator, error)
}

// Iterator walks a key range. Key and Value are valid only until the next
// call to Next; callers copy what they keep.
type Iterator interface {
	// Next advances to the next key (the first, on the first call) and
	// reports whether there is one. It returns false at the end of the
	// range or on error; Err tells which.
	Next() bool
	Key() []byte
	Value() []byte
	// Err returns the error that stopped iteration early, if any,
	// including the iterator's context being cancelled.
	Err() error
	// Close releases the iterator. Closing twice is harmless.
	Close() error
}

// Snapshot is a consistent, read-only view of the store at one moment:
// Query, Scan, TransactGetItems, backups and exports read from one so that
// what they return never mixes two states. A Snapshot is safe for
// concurrent use; close it promptly, as an open snapshot keeps old versions
// from being reclaimed.
type Snapshot interface {
	Reader

	// LogPosition returns the position of the snapshot in the change log
	// named log: every record of log with Seq <= the position was committed
	// in a transaction the snapshot sees, and every record with a larger
	// Seq in one it does not. A backup taken from the snapshot and the log
	// read after the position together hold every change exactly once
	// ("export, then stream from here"; point-in-time recovery).
	//
	// The position may be beyond the durable watermark a caller read
	// before it (the watermark of a backend may move after its commits
	// become readable). A caller that needs the log readable up to the
	// position waits with WaitLog until the watermark reaches it.
	LogPosition(ctx context.Context, log []byte) (Seq, error)

	Close() error
}

// Txn is a write transaction in progress. Reads see the latest committed
// state plus the transaction's own writes: Get of a key the Txn has set or
// deleted returns that write. Keys the Update did not name may change
// between two reads, since other Updates can commit them meanwhile; an
// iterator sees the Txn's writes made before it was opened. Writes are
// buffered and applied atomically when the function passed to Store.Update
// returns nil. Set, Delete and AppendLog copy their arguments. A Txn is
// used by one goroutine and only until that function returns (then
// ErrTxnDone); iterators it opened are closed for it.
type Txn interface {
	Reader
	Set(key, value []byte) error
	Delete(key []byte) error

	// DeleteRange removes every key in [start, end) in the transaction.
	//
	// Deprecated: TiKV has no transactional range delete; use
	// Store.DropRange on a range nothing can write any more. Kept until the
	// engine no longer calls it.
	DeleteRange(start, end []byte) error

	// AppendLog appends record to the change log named log, as part of the
	// transaction: the record becomes readable (Store.ReadLog) if and only
	// if the transaction commits, and then only once the commit is durable.
	// The record's Seq is assigned at commit: it is larger than the Seq of
	// every record of log committed before, so a log reads in commit
	// order. Records appended by one transaction get increasing Seqs in the
	// order they were appended. log must not be empty; any other bytes
	// name a log, and logs never mix. When Update returns nil the records
	// are readable: the watermark has reached them.
	AppendLog(log, record []byte) error
}

// Seq is a position in a change log. Seqs of one log increase in commit
// order; they need not be contiguous (a backend may share one counter
// between logs, or skip numbers). Zero is before every record.
type Seq uint64

// LogRecord is one record of a change log.
type LogRecord struct {
	Seq   Seq
	Value []byte
}

// Store is a storage backend. It is safe for concurrent use.
type Store interface {
	Reader

	// NewSnapshot returns a consistent view of the current state.
	NewSnapshot(ctx context.Context) (Snapshot, error)

	// Update runs fn in a write transaction that isolates the given keys:
	// no other Update naming any of them runs concurrently, so fn may read
	// them, decide, and write without lost updates. Keys are locked in
	// sorted order (duplicates ignored), so two Updates never deadlock; a
	// nil or empty lockKeys isolates nothing. fn may write keys it did
	// not name (index entries) as long as those are derived from named
	// keys. When fn returns nil the writes commit atomically and durably
	// (the WAL is synced, or the cluster has replicated the commit, before
	// Update returns); when it returns an error nothing is written and that
	// error is returned.
	//
	// Two rules bind every backend and every caller:
	//
	//   - Reads inside fn see every write committed before fn's locks were
	//     taken (not merely a snapshot from before the wait for them), so
	//     a value fn reads under a lock, such as a catalog version, is
	//     current for as long as fn runs.
	//   - fn may be called more than once (an optimistic backend retries
	//     a transaction that conflicted). Each call starts from a fresh
	//     Txn; fn must have no effect outside it, and must reset anything
	//     it computes for its caller on each call.
	//
	// If ctx ends while Update waits for a lock, Update returns ctx's error
	// without calling fn. Once fn has returned nil the commit is not
	// abandoned for ctx.
	Update(ctx context.Context, lockKeys [][]byte, fn func(Txn) error) error

	// ReadLog returns up to limit records of the change log named log
	// whose Seq is greater than after and at most the durable watermark,
	// in Seq order. A record appended by a transaction whose commit has
	// not yet been made durable is never returned, so a reader never sees
	// a record that a crash could erase; it is returned by a later call.
	// A limit of zero or less returns no records. The values belong to the
	// caller.
	ReadLog(ctx context.Context, log []byte, after Seq, limit int) ([]LogRecord, error)

	// LogWatermark returns the durable watermark of log: every record of
	// log with Seq at most the watermark that will ever be readable is
	// readable now. It does not decrease, also across a restart.
	LogWatermark(ctx context.Context, log []byte) (Seq, error)

	// WaitLog returns once the durable watermark of log may have passed
	// after, or when ctx ends (with ctx's error), or when the Store is
	// closed (with ErrClosed: Close does not wait for it). It may return
	// early; callers read the log again and wait again. Stream readers use
	// it to see a record within a millisecond of its commit without
	// polling. A tailing reader that has read up to after loops:
	//
	//	wm, _ := s.LogWatermark(ctx, log)   // first, so nothing is missed
	//	recs, _ := s.ReadLog(ctx, log, after, limit)
	//	if len(recs) == 0 { s.WaitLog(ctx, log, max(wm, after)) }
	//
	// Waiting past max(wm, after) rather than after matters where Seqs
	// are not contiguous: the watermark may be past the last record.
	WaitLog(ctx context.Context, log []byte, after Seq) error

	// TrimLog removes the records of log with Seq at most upTo, and at
	// most the watermark (a commit still being made durable keeps its
	// records). It is not atomic: a crash part-way leaves the oldest
	// records removed and the rest in place, and calling it again finishes
	// the work. Seqs and the watermark are unaffected: the next record
	// still gets a larger Seq.
	TrimLog(ctx context.Context, log []byte, upTo Seq) error

	// DropRange removes every key in [start, end) outside any transaction.
	// It is not atomic: a crash or an error part-way leaves part of the
	// range removed, and calling it again finishes the work. Callers drop
	// only ranges nothing writes any more (a deleted table's or index's
	// keys, under ids that are never reused). end must not be nil.
	DropRange(ctx context.Context, start, end []byte) error

	// Close waits for calls in progress, releases the store, and makes
	// every later call return ErrClosed. Acknowledged writes are already
	// durable. Snapshots and iterators should be closed first; a backend
	// closes any left open and reports them as an error.
	Close() error
}
