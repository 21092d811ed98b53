package pebble

import (
	"bytes"
	"context"
	"slices"
	"sync"
)

// lockTable isolates Updates that name the same keys.
//
// It is a map from key to a per-key lock, with each entry reference counted
// and removed when no Update holds or waits for it. We chose this over a
// fixed array of striped mutexes because:
//   - waiting must respect context cancellation (a client that hangs up
//     should not keep a goroutine queued behind a hot item), and a
//     sync.Mutex cannot be abandoned; each entry here is a one-slot channel
//     that a waiter can select on together with ctx.Done();
//   - stripes make unrelated keys that hash alike contend, and with up to
//     100 keys per TransactWriteItems a stripe array would need to be large
//     to keep false conflicts rare, costing memory even when idle; the map
//     holds only keys in flight, so an idle server holds nothing;
//   - the cost, one short critical section on the map mutex per key, is
//     tiny next to the WAL fsync every Update pays.
//
// Keys are sorted and deduplicated before locking, so two Updates that share
// keys acquire them in the same order and cannot deadlock.
type lockTable struct {
	mu    sync.Mutex
	locks map[string]*keyLock
}

// keyLock is one key's lock. sem holds a token while the lock is held;
// waiters block sending into it. refs counts holders plus waiters and is
// guarded by lockTable.mu.
type keyLock struct {
	sem  chan struct{}
	refs int
}

func newLockTable() *lockTable {
	return &lockTable{locks: make(map[string]*keyLock)}
}

// heldLocks is the set of locks one Update holds, in acquisition order.
type heldLocks struct {
	t     *lockTable
	keys  []string
	locks []*keyLock
}

// acquire locks every key in keys, in sorted order, ignoring duplicates. It
// returns ctx's error, holding nothing, if ctx ends while waiting.
func (t *lockTable) acquire(ctx context.Context, keys [][]byte) (*heldLocks, error) {
	sorted := sortedUnique(keys)
	h := &heldLocks{t: t, keys: make([]string, 0, len(sorted)), locks: make([]*keyLock, 0, len(sorted))}
	for _, k := range sorted {
		key := string(k)
		l := t.ref(key)
		select {
		case l.sem <- struct{}{}:
			h.keys = append(h.keys, key)
			h.locks = append(h.locks, l)
		case <-ctx.Done():
			t.unref(key, l)
			h.release()
			return nil, ctx.Err()
		}
	}
	return h, nil
}

// release unlocks every held key, in reverse order of acquisition.
func (h *heldLocks) release() {
	for i := len(h.locks) - 1; i >= 0; i-- {
		<-h.locks[i].sem
		h.t.unref(h.keys[i], h.locks[i])
	}
	h.keys, h.locks = nil, nil
}

func (t *lockTable) ref(key string) *keyLock {
	t.mu.Lock()
	defer t.mu.Unlock()
	l, ok := t.locks[key]
	if !ok {
		l = &keyLock{sem: make(chan struct{}, 1)}
		t.locks[key] = l
	}
	l.refs++
	return l
}

func (t *lockTable) unref(key string, l *keyLock) {
	t.mu.Lock()
	defer t.mu.Unlock()
	l.refs--
	if l.refs == 0 {
		delete(t.locks, key)
	}
}

// size reports how many keys are locked or awaited; tests use it to check
// that entries do not leak.
func (t *lockTable) size() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.locks)
}

// sortedUnique returns keys sorted bytewise with duplicates removed. It
// sorts a copy of the slice header list; the keys themselves are not copied.
func sortedUnique(keys [][]byte) [][]byte {
	if len(keys) <= 1 {
		return keys // PutItem, UpdateItem, DeleteItem: nothing to sort
	}
	sorted := slices.Clone(keys)
	slices.SortFunc(sorted, bytes.Compare)
	return slices.CompactFunc(sorted, bytes.Equal)
}
