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

// ErrClosed is returned by every operation on a closed Store.
var ErrClosed = errors.New("kv: store closed")

// Reader reads keys. Implementations are a Store (the latest committed
// state), a Snapshot, or a Txn (which also sees its own writes).
type Reader interface {
	// Get returns the value stored at key, or ErrNotFound. The returned
	// slice belongs to the caller.
	Get(ctx context.Context, key []byte) ([]byte, error)

	// Iter returns an iterator over keys in [start, end), in ascending
	// order, or descending when reverse is true. A nil end means no upper
	// bound. The iterator must be closed.
	Iter(ctx context.Context, start, end []byte, reverse bool) (Iterator, error)
}

// Iterator walks a key range. Key and Value are valid only until the next
// call to Next; callers copy what they keep.
type Iterator interface {
	// Next advances to the next key and reports whether there is one.
	Next() bool
	Key() []byte
	Value() []byte
	// Err returns the error that stopped iteration early, if any.
	Err() error
	Close() error
}

// Snapshot is a consistent, read-only view of the store at one moment:
// Query, Scan and TransactGetItems read from one so that a page never mixes
// two states.
type Snapshot interface {
	Reader
	Close() error
}

// Txn is a write transaction in progress. Reads see the latest committed
// state plus the transaction's own writes. Writes are buffered and applied
// atomically when the function passed to Store.Update returns nil.
type Txn interface {
	Reader
	Set(key, value []byte) error
	Delete(key []byte) error
	// DeleteRange removes every key in [start, end).
	DeleteRange(start, end []byte) error
}

// Store is a storage backend.
type Store interface {
	Reader

	// NewSnapshot returns a consistent view of the current state.
	NewSnapshot(ctx context.Context) (Snapshot, error)

	// Update runs fn in a write transaction that isolates the given keys:
	// no other Update naming any of them runs concurrently, so fn may read
	// them, decide, and write without lost updates. Keys are locked in
	// sorted order, so two Updates never deadlock. fn may write keys it did
	// not name (index entries, stream records) as long as those are
	// derived from named keys. When fn returns nil the writes commit
	// atomically and durably (the WAL is synced before Update returns); when
	// it returns an error nothing is written and that error is returned.
	Update(ctx context.Context, lockKeys [][]byte, fn func(Txn) error) error

	// Close flushes and releases the store.
	Close() error
}
