package pebble

import (
	"context"
	"sync/atomic"

	pdb "github.com/cockroachdb/pebble/v2"

	"github.com/dynago/dynago/internal/kv"
)

// snapshot is a kv.Snapshot on a Pebble snapshot. A Pebble snapshot is a
// sequence number: creating one takes the DB mutex briefly and allocates a
// list node, and reads through it cost the same as reads of the latest state.
// Its price is paid by compactions, which must keep every overwritten or
// deleted version the snapshot can still see until it is closed.
type snapshot struct {
	snap  *pdb.Snapshot
	store *Store
	dead  atomic.Bool // closed, by the caller or by Store.Close
	// gen is the store's unsynced generation when the snapshot was made:
	// its reads wait only for commits registered up to it (visibility.go).
	gen uint64
}

var _ kv.Snapshot = (*snapshot)(nil)

// Get implements kv.Reader.
func (s *snapshot) Get(ctx context.Context, key []byte) ([]byte, error) {
	if err := s.store.enter(); err != nil {
		return nil, err
	}
	defer s.store.gate.leave()
	if s.dead.Load() {
		return nil, kv.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	v, err := get(s.snap, key)
	if werr := s.store.unsynced.settle(ctx, key, nil, false, s.gen); werr != nil {
		return nil, werr
	}
	return v, err
}

// Iter implements kv.Reader.
func (s *snapshot) Iter(ctx context.Context, start, end []byte, reverse bool) (kv.Iterator, error) {
	if err := s.store.enter(); err != nil {
		return nil, err
	}
	defer s.store.gate.leave()
	if s.dead.Load() {
		return nil, kv.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	it, err := newIter(ctx, s.snap, &s.store.handles, start, end, reverse)
	if err != nil {
		return nil, err
	}
	if err := s.store.unsynced.settle(ctx, start, clampEnd(end), true, s.gen); err != nil {
		_ = it.Close()
		return nil, err
	}
	return it, nil
}

// LogPosition implements kv.Snapshot: the log's last Seq as the snapshot
// sees it (logPosition: its last record, or the head a trim left). Batches
// with records become visible in Seq order (see log.go), so the snapshot
// sees exactly the records up to that position. No lock is taken:
// NewSnapshot costs what it did before the change log.
func (s *snapshot) LogPosition(ctx context.Context, log []byte) (kv.Seq, error) {
	if err := s.store.enter(); err != nil {
		return 0, err
	}
	defer s.store.gate.leave()
	if s.dead.Load() {
		return 0, kv.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if len(log) == 0 {
		return 0, errEmptyLog
	}
	prefix, head := recordPrefix(log), headKey(log)
	seq, err := logPosition(s.snap, prefix, head)
	if werr := s.store.unsynced.settle(ctx, prefix, prefixEnd(prefix), true, s.gen); werr != nil {
		return 0, werr
	}
	if werr := s.store.unsynced.settle(ctx, head, nil, false, s.gen); werr != nil {
		return 0, werr
	}
	return seq, err
}

// Close implements kv.Snapshot. Closing twice is a no-op.
func (s *snapshot) Close() error {
	if !s.store.handles.remove(s) {
		return nil
	}
	s.dead.Store(true)
	return s.snap.Close()
}

func (s *snapshot) forceClose() {
	s.dead.Store(true)
	_ = s.snap.Close()
}
