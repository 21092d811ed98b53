package tikv

import (
	"sync"
	"sync/atomic"
)

// closedBit marks the gate closed in gate.state; the low bits count calls in
// progress.
const closedBit = 1 << 62

// gate lets Close wait for calls in progress and turns away calls that start
// after it. It is lock-free on the hot path (one atomic add on entry and one
// on exit) and, unlike a sync.RWMutex, re-entrant: an Update's fn may call
// Store.Get while Close waits without deadlocking.
type gate struct {
	state   atomic.Int64
	drained chan struct{} // closed once the gate is closed and empty
	signal  sync.Once     // closes drained
	shut    chan struct{} // closed when close starts
}

func newGate() *gate {
	return &gate{drained: make(chan struct{}), shut: make(chan struct{})}
}

// closing returns a channel closed when close starts, so that a call that
// blocks (WaitLog) can return instead of holding Close up.
func (g *gate) closing() <-chan struct{} { return g.shut }

// enter reports whether the gate is open; if so the caller must call leave.
func (g *gate) enter() bool {
	if g.state.Add(1)&closedBit != 0 {
		g.leave()
		return false
	}
	return true
}

func (g *gate) leave() {
	if g.state.Add(-1) == closedBit {
		g.signal.Do(func() { close(g.drained) })
	}
}

// close shuts the gate and waits for every call in progress to leave. It
// reports false if the gate was already closed.
func (g *gate) close() bool {
	for {
		old := g.state.Load()
		if old&closedBit != 0 {
			return false
		}
		if g.state.CompareAndSwap(old, old|closedBit) {
			close(g.shut)
			if old == 0 {
				g.signal.Do(func() { close(g.drained) })
			}
			<-g.drained
			return true
		}
	}
}

// handle is an open snapshot or iterator that Store.Close may have to close.
type handle interface {
	// forceClose closes the handle if the caller has not; later calls to
	// its Close are no-ops.
	forceClose()

	// readTS is the timestamp whose versions the handle reads until it
	// is closed, or 0 when it relies on another handle for that (an
	// iterator of a snapshot).
	readTS() uint64
}

// handleSet is the set of open handles.
type handleSet struct {
	mu sync.Mutex
	m  map[handle]struct{}
}

func (s *handleSet) add(h handle) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[handle]struct{})
	}
	s.m[h] = struct{}{}
}

// remove deletes h and reports whether it was present, i.e. whether the
// caller is the one who must close it.
func (s *handleSet) remove(h handle) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.m[h]
	delete(s.m, h)
	return ok
}

// oldest returns the smallest readTS of the open handles, or 0 when none
// has one.
func (s *handleSet) oldest() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var min uint64
	for h := range s.m {
		if ts := h.readTS(); ts != 0 && (min == 0 || ts < min) {
			min = ts
		}
	}
	return min
}

// closeAll force-closes every open handle and returns how many there were.
// It empties the set first, so a caller's later Close of one of them is a
// no-op. Iterators close before snapshots.
func (s *handleSet) closeAll() int {
	s.mu.Lock()
	open := s.m
	s.m = nil
	s.mu.Unlock()
	var iters, snaps []handle
	for h := range open {
		if _, ok := h.(*snapshot); ok {
			snaps = append(snaps, h)
		} else {
			iters = append(iters, h)
		}
	}
	for _, h := range append(iters, snaps...) {
		h.forceClose()
	}
	return len(iters) + len(snaps)
}
