package pebble

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// ErrFailed is wrapped by every error a Store returns once it has failed:
// a WAL write or fsync failed, or Pebble reported a fatal error (Fatalf).
// Nothing more can be made durable, and a write that failed may already be
// visible in the memtable, so a failed store refuses reads and writes
// alike until it is reopened (the server stops: see Store.Failed). Every
// write acknowledged before the failure is in the synced WAL and comes
// back on reopening.
var ErrFailed = errors.New("kv/pebble: the store failed and must be reopened")

// failure is a store's failed state: set once, by the first fatal error,
// and never cleared. It is made before Pebble is opened, because Pebble's
// logger (slogLogger.Fatalf) reports into it.
type failure struct {
	err  atomic.Pointer[error]
	once sync.Once
	ch   chan struct{} // closed on the failure

	// parked counts goroutines of Pebble's parked forever in Fatalf:
	// while any is, Pebble cannot be closed (it would wait for them).
	parked atomic.Int32

	// opening is set while Open runs (see slogLogger.Fatalf).
	opening atomic.Bool
}

func newFailure() *failure { return &failure{ch: make(chan struct{})} }

// fail records cause as the failure unless one is recorded already, and
// returns the store's failure error.
func (f *failure) fail(cause error) error {
	f.once.Do(func() {
		err := fmt.Errorf("%w: %w", ErrFailed, cause)
		f.err.Store(&err)
		close(f.ch)
	})
	return *f.err.Load()
}

// get returns the failure error, or nil while the store is healthy. It is
// one atomic load, on every call's path.
func (f *failure) get() error {
	if p := f.err.Load(); p != nil {
		return *p
	}
	return nil
}

// Failed returns a channel closed when the store fails (see ErrFailed).
// The server watches it and stops, logging Err, rather than staying up
// with a store that can neither write nor be trusted to read.
func (s *Store) Failed() <-chan struct{} { return s.failure.ch }

// Err returns the failure (wrapping ErrFailed), or nil while the store is
// healthy.
func (s *Store) Err() error { return s.failure.get() }
