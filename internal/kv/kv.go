// Package kv is Dynago's storage contract: ordered byte keys and values,
// consistent snapshot reads, bounded forward and reverse iteration, and
// atomic, durable write transactions that name up front the keys they
// isolate. It knows nothing of DynamoDB; the engine builds its key layout on
// top (see DESIGN.md).
//
// Backends live in sub-packages: kv/pebble (embedded, the default) and,
// later, kv/tikv. Every backend must pass the conformance tests in
// kv/kvtest.
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

// Reader reads keys. Implementations are a Store (the latest committed
// state), a Snapshot, or a Txn (which also sees its own writes).
type Reader interface {
	// Get returns the value stored at key, or ErrNotFound. The returned
	// slice belongs to the caller.
	Get(ctx context.Context, key []byte) ([]byte, error)

	// Iter returns an iterator over keys in [start, end), in ascending
	// order, or descending when reverse is true. A nil start means no lower
	// bound and a nil end no upper bound. The iterator reads one consistent
	// state, fixed when Iter is called. It must be closed, and it is not
	// safe for concurrent use.
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
// Query, Scan and TransactGetItems read from one so that a page never mixes
// two states. A Snapshot is safe for concurrent use; close it promptly, as
// an open snapshot keeps old versions from being reclaimed.
type Snapshot interface {
	Reader
	Close() error
}

// Txn is a write transaction in progress. Reads see the latest committed
// state plus the transaction's own writes: Get of a key the Txn has set or
// deleted returns that write. Keys the Update did not name may change
// between two reads, since other Updates can commit them meanwhile; an
// iterator sees the Txn's writes made before it was opened. Writes are
// buffered and applied atomically when the function passed to Store.Update
// returns nil. Set and Delete copy their arguments. A Txn is used by one
// goroutine and only until that function returns (then ErrTxnDone);
// iterators it opened are closed for it.
type Txn interface {
	Reader
	Set(key, value []byte) error
	Delete(key []byte) error
	// DeleteRange removes every key in [start, end). end must not be nil;
	// an empty range (start >= end) removes nothing.
	DeleteRange(start, end []byte) error
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
	// not name (index entries, stream records) as long as those are
	// derived from named keys. When fn returns nil the writes commit
	// atomically and durably (the WAL is synced before Update returns); when
	// it returns an error nothing is written and that error is returned.
	//
	// If ctx ends while Update waits for a lock, Update returns ctx's error
	// without calling fn. Once fn has returned nil the commit is not
	// abandoned for ctx.
	Update(ctx context.Context, lockKeys [][]byte, fn func(Txn) error) error

	// Close waits for calls in progress, releases the store, and makes
	// every later call return ErrClosed. Acknowledged writes are already
	// durable. Snapshots and iterators should be closed first; a backend
	// closes any left open and reports them as an error.
	Close() error
}
