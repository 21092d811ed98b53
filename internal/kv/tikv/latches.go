package tikv

import (
	"context"
	"sync"
)

// latches queue the Updates of one Store that name the same keys before
// they ask TiKV for the keys' locks, as client-go's own local latches do for
// optimistic commits. TiKV would make them wait anyway, but a wait there
// costs lock RPCs and lock-resolution checks on every wake-up, and on the
// mock cluster each conflicting lock request stalls the whole mock for 5 ms
// (mocktikv imitates TiKV's server-side wait with a sleep under its one
// mutex): eight goroutines incrementing three counters took 40 s without
// latches. With them, TiKV's lock waits are left to Updates from different
// processes (API nodes), which is what they are for.
//
// A latch is a one-slot channel per key, reference counted and dropped when
// nobody holds or awaits it, so an idle store holds nothing and a waiter can
// give up when its ctx ends.
type latches struct {
	mu sync.Mutex
	m  map[string]*latch
}

type latch struct {
	sem  chan struct{}
	refs int // holders plus waiters, guarded by latches.mu
}

// heldLatches is what one Update holds, in acquisition order.
type heldLatches struct {
	l     *latches
	keys  []string
	slots []*latch
}

// acquire takes the latches of keys, which must be sorted and free of
// duplicates (so two callers take shared keys in the same order and cannot
// deadlock), adding them to h. If ctx ends first it returns ctx's error,
// keeping what h held before.
func (l *latches) acquire(ctx context.Context, h *heldLatches, keys [][]byte) error {
	h.l = l
	for _, k := range keys {
		key := string(k)
		s := l.ref(key)
		select {
		case s.sem <- struct{}{}:
			h.keys = append(h.keys, key)
			h.slots = append(h.slots, s)
		case <-ctx.Done():
			l.unref(key, s)
			return ctx.Err()
		}
	}
	return nil
}

// release frees every latch held, last taken first.
func (h *heldLatches) release() { h.releaseFrom(0) }

// releaseFrom frees the latches taken after the first n, last taken first.
func (h *heldLatches) releaseFrom(n int) {
	for i := len(h.slots) - 1; i >= n; i-- {
		<-h.slots[i].sem
		h.l.unref(h.keys[i], h.slots[i])
	}
	h.keys, h.slots = h.keys[:n], h.slots[:n]
}

func (l *latches) ref(key string) *latch {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = make(map[string]*latch)
	}
	s, ok := l.m[key]
	if !ok {
		s = &latch{sem: make(chan struct{}, 1)}
		l.m[key] = s
	}
	s.refs++
	return s
}

func (l *latches) unref(key string, s *latch) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s.refs--; s.refs == 0 {
		delete(l.m, key)
	}
}

// size reports how many keys are latched or awaited; tests check that
// entries do not leak.
func (l *latches) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.m)
}
