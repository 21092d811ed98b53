package tikv

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/tikv/client-go/v2/txnkv/txnsnapshot"

	"github.com/dynago/dynago/internal/kv"
)

// snapshot is a kv.Snapshot: a client-go snapshot at one TSO timestamp.
// It holds nothing on the servers; what keeps its versions readable is the
// GC safe point staying below ts (see the package comment).
type snapshot struct {
	snap  *txnsnapshot.KVSnapshot
	ts    uint64
	store *Store
	dead  atomic.Bool // closed, by the caller or by Store.Close
}

var _ kv.Snapshot = (*snapshot)(nil)

// enter admits a call on the snapshot; the caller must call leave after a
// nil error.
func (s *snapshot) enter(ctx context.Context) error {
	if !s.store.gate.enter() {
		return kv.ErrClosed
	}
	if s.dead.Load() {
		s.store.gate.leave()
		return kv.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		s.store.gate.leave()
		return err
	}
	return nil
}

// Get implements kv.Reader.
func (s *snapshot) Get(ctx context.Context, key []byte) ([]byte, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.store.gate.leave()
	return get(ctx, s.snap, key)
}

// Iter implements kv.Reader.
func (s *snapshot) Iter(ctx context.Context, start, end []byte, reverse bool) (kv.Iterator, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.store.gate.leave()
	return newIter(ctx, s.snap, 0, &s.store.handles, start, end, reverse)
}

// LogPosition implements kv.Snapshot: log's counter at the snapshot's
// timestamp. Because commits to one log are serialised on its counter (see
// the package comment), every record with a Seq up to the counter committed
// at or before ts, and every later one after it.
func (s *snapshot) LogPosition(ctx context.Context, log []byte) (kv.Seq, error) {
	if err := s.enter(ctx); err != nil {
		return 0, err
	}
	defer s.store.gate.leave()
	return readCounter(ctx, s.snap, log)
}

// Close implements kv.Snapshot. Closing twice is a no-op.
func (s *snapshot) Close() error {
	if !s.store.handles.remove(s) {
		return nil
	}
	s.dead.Store(true)
	return nil
}

func (s *snapshot) forceClose() { s.dead.Store(true) }

func (s *snapshot) readTS() uint64 { return s.ts }

// readCounter returns log's counter as snap sees it, 0 if the log has no
// record yet.
func readCounter(ctx context.Context, snap *txnsnapshot.KVSnapshot, log []byte) (kv.Seq, error) {
	if len(log) == 0 {
		return 0, errEmptyLog
	}
	v, err := get(ctx, snap, counterKey(log))
	if errors.Is(err, kv.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return decodeSeq(v)
}

// errEmptyLog is returned for a log named by an empty slice.
var errEmptyLog = errors.New("kv/tikv: a log name must not be empty")
