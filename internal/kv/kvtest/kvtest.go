// Package kvtest is the conformance suite every kv.Store backend must pass.
// A backend's test calls Run with a function that opens a fresh, empty
// store:
//
//	func TestConformance(t *testing.T) {
//		kvtest.Run(t, func(t *testing.T) kv.Store { return openEmpty(t) })
//	}
//
// The suite checks the contract in package kv: point reads and writes,
// bounded iteration both ways, snapshot isolation, read-your-writes inside
// Update and reads after a lock wait, rollback, lock isolation with context
// cancellation, atomic visibility, exact counts under concurrent
// read-modify-write, the reserved key range, and the change log: commit
// order under concurrent writers, atomicity with the transaction's other
// writes, snapshot positions, trimming, waiting, and DropRange.
//
// RunKill9 is the crash half: it needs a store that survives its process,
// so it takes an open function of a directory instead.
package kvtest

import (
	"context"
	"errors"
	"testing"

	"github.com/dynago/dynago/internal/kv"
)

// Run runs the conformance suite. open must return a new, empty store for
// each call; Run closes it when the subtest ends (a second Close returning
// kv.ErrClosed is fine).
func Run(t *testing.T, open func(t *testing.T) kv.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s kv.Store)
	}{
		{"GetReturnsCopy", testGetReturnsCopy},
		{"SetCopiesArguments", testSetCopiesArguments},
		{"LargeValue", testLargeValue},
		{"SnapshotIsolation", testSnapshotIsolation},
		{"SnapshotConcurrentReaders", testSnapshotConcurrentReaders},
		{"ReadYourWrites", testReadYourWrites},
		{"UncommittedInvisible", testUncommittedInvisible},
		{"Rollback", testRollback},
		{"TxnDone", testTxnDone},
		{"EmptyLockKeys", testEmptyLockKeys},
		{"CancelledContext", testCancelledContext},
		{"IterCancel", testIterCancel},
		{"LockBlocksSameKey", testLockBlocksSameKey},
		{"LockWaitRespectsContext", testLockWaitRespectsContext},
		{"LockIsolatesOnlyNamedKeys", testLockIsolatesOnlyNamedKeys},
		{"AtomicVisibility", testAtomicVisibility},
		{"ConcurrentIncrements", testConcurrentIncrements},
		{"MultiKeyNoDeadlock", testMultiKeyNoDeadlock},
		{"Closed", testClosed},
		{"ReadAfterLock", testReadAfterLock},
		{"ReservedInvisible", testReservedInvisible},
		{"LogReadableOnReturn", testLogReadableOnReturn},
		{"LogArguments", testLogArguments},
		{"LogLimits", testLogLimits},
		{"LogConcurrentWriters", testLogConcurrentWriters},
		{"LogSnapshotPosition", testLogSnapshotPosition},
		{"TrimLog", testTrimLog},
		{"WaitLog", testWaitLog},
		{"DropRangeLarge", testDropRangeLarge},
	}
	t.Run("Script", func(t *testing.T) { runScripts(t, open) })
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, openFresh(t, open))
		})
	}
}

// openFresh opens a store and closes it when t ends.
func openFresh(t *testing.T, open func(t *testing.T) kv.Store) kv.Store {
	t.Helper()
	s := open(t)
	t.Cleanup(func() {
		if err := s.Close(); err != nil && !errors.Is(err, kv.ErrClosed) {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// put commits key=value in its own Update.
func put(t *testing.T, s kv.Store, key, value string) {
	t.Helper()
	err := s.Update(context.Background(), [][]byte{[]byte(key)}, func(tx kv.Txn) error {
		return tx.Set([]byte(key), []byte(value))
	})
	if err != nil {
		t.Fatalf("put %q: %v", key, err)
	}
}

// mustGet returns the value of key, or "<notfound>".
func mustGet(t *testing.T, r kv.Reader, key string) string {
	t.Helper()
	v, err := r.Get(context.Background(), []byte(key))
	if errors.Is(err, kv.ErrNotFound) {
		return notFound
	}
	if err != nil {
		t.Fatalf("Get %q: %v", key, err)
	}
	return string(v)
}

const notFound = "<notfound>"

// scan returns the range as "k=v" strings.
func scan(t *testing.T, r kv.Reader, start, end []byte, reverse bool) []string {
	t.Helper()
	it, err := r.Iter(context.Background(), start, end, reverse)
	if err != nil {
		t.Fatalf("Iter: %v", err)
	}
	var out []string
	for it.Next() {
		out = append(out, string(it.Key())+"="+string(it.Value()))
	}
	if err := it.Err(); err != nil {
		t.Fatalf("Iter.Err: %v", err)
	}
	if err := it.Close(); err != nil {
		t.Fatalf("Iter.Close: %v", err)
	}
	return out
}
