// Package pebble is Dynago's embedded storage backend: the kv.Store contract
// implemented on CockroachDB's Pebble LSM engine, in one data directory or
// entirely in memory.
package pebble

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	pdb "github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/dynago/dynago/internal/kv"
)

// Memory defaults. The whole server targets an idle RSS of at most 25 MB, so
// the storage engine gets small buffers; a user with a large working set
// raises CacheSize.
const (
	// DefaultCacheSize is the block cache capacity: 8 MB. The cache holds
	// decompressed sstable blocks and fills only as data is read, so an idle
	// or small store uses much less.
	DefaultCacheSize = 8 << 20 // 8 MB

	// DefaultMemTableSize is the largest a memtable grows to: 4 MB. Pebble
	// starts with a 256 KB memtable and doubles it on each rotation up to
	// this size, and at most two memtables exist before writes stall
	// (MemTableStopWritesThreshold), so the write buffer costs at most 8 MB
	// under sustained load and 256 KB when idle. Larger memtables buy little
	// because every commit already waits for a WAL fsync.
	DefaultMemTableSize = 4 << 20 // 4 MB

	// memTableCount is how many memtables may exist at once before writes
	// stall (Pebble's MemTableStopWritesThreshold, set explicitly because
	// the block cache is sized from it).
	memTableCount = 2

	// bloomBitsPerKey sizes the sstable bloom filters: 10 bits per key
	// gives about a 1% false-positive rate, so a GetItem touches the one
	// level holding the item instead of reading a data block in each.
	bloomBitsPerKey = 10

	// flushDelayDeleteRange is how long a memtable holding a range
	// deletion (DropRange, TrimLog, DeleteRange) may wait before Pebble
	// flushes it: the space of a dropped table comes back only once the
	// tombstone reaches the sstables (then whole files it covers are
	// deleted without being rewritten), and an idle store would otherwise
	// never fill its memtable.
	flushDelayDeleteRange = 10 * time.Second
)

// Options configures Open. The zero value is a sensible on-disk store.
type Options struct {
	// InMemory keeps every file in memory (memFS, memfs.go): nothing
	// survives Close. For tests and the in-process mode; dir is ignored.
	InMemory bool

	// Logger receives Pebble's messages: informational ones at debug
	// level, errors at error level. Nil discards them.
	Logger *slog.Logger

	// CacheSize is the block cache capacity in bytes for sstable blocks;
	// 0 means DefaultCacheSize. Pebble's accounting of memtables against
	// the cache is added on top (see pebbleOptions).
	CacheSize int64

	// MemTableSize is the largest memtable in bytes; 0 means
	// DefaultMemTableSize.
	MemTableSize uint64

	// FS replaces the filesystem (nil: the operating system's). Tests use
	// a crashable in-memory one to simulate power loss, and Pebble's errorfs
	// to inject disk faults (server.Config.StoreFS passes one through).
	FS vfs.FS

	// FreeSpaceReserve is the free space below which commits are refused
	// with ErrNoSpace (see spaceGuard): 0 means DefaultFreeSpaceReserve,
	// negative turns the guard off. It is capped at a twentieth of the
	// filesystem. An in-memory store has no guard.
	FreeSpaceReserve int64

	// FreeSpaceInterval is how long a free-space reading is trusted; 0
	// means DefaultFreeSpaceInterval.
	FreeSpaceInterval time.Duration

	// noAutoCompactions turns Pebble's background compactions off, so a
	// test that needs many sstables is not at the mercy of a compaction
	// merging them first (TestDropRangeSpansSSTables was, on a loaded
	// machine). Manual compactions still run.
	noAutoCompactions bool
}

// sharedMemCache is the block cache of every in-memory store of the
// default sizes in the process, of the size each would have had: a test
// binary opens one store per test (dynagotest.New), and Pebble takes a
// stack trace and sets up the shards of each cache it creates, ~90 µs of
// CPU and 15 KB an Open. Pebble keeps each store's blocks apart in a
// shared cache (a handle per DB) and holds a reference while a store is
// open; this one is never released.
var sharedMemCache = sync.OnceValue(func() *pdb.Cache {
	return pdb.NewCache(DefaultCacheSize + int64(memTableCount+1)*DefaultMemTableSize)
})

// Store is a kv.Store on Pebble. It is safe for concurrent use.
type Store struct {
	db    *pdb.DB
	locks *lockTable
	gate  *gate
	// handles tracks open snapshots and iterators so that Close can
	// release any a caller leaked instead of leaving Pebble half-closed.
	handles handleSet
	// noWAL is set for an in-memory store, which keeps no write-ahead
	// log, so its commits cannot ask for a synced one.
	noWAL bool
	// logs holds the change logs' counters, watermarks and waiters.
	logs *logTable
	// closing is closed when Close starts, to end WaitLog calls that
	// would otherwise keep it waiting.
	closing     chan struct{}
	closingOnce sync.Once

	// unsynced holds the commits readers may see but a crash could still
	// erase; reads wait for those they touch (visibility.go).
	unsynced unsynced
	// failure is set by the first fatal error (failure.go).
	failure *failure
	// space refuses commits while the disk is nearly full (space.go); nil
	// for an in-memory store.
	space *spaceGuard
}

var _ kv.Store = (*Store)(nil)

// Open opens (creating if needed) the store in dir, or an empty in-memory
// store when opts.InMemory is set.
func Open(dir string, opts Options) (*Store, error) {
	f := newFailure()
	po := pebbleOptions(opts, f)
	if opts.InMemory && opts.FS == nil {
		po.FS = newMemFS()
		dir = ""
	}
	if err := startAtNewestFormat(po.FS, dir); err != nil {
		return nil, fmt.Errorf("kv/pebble: open %q: %w", dir, err)
	}
	db, err := openPebble(dir, po, f)
	if err != nil {
		return nil, fmt.Errorf("kv/pebble: open %q: %w", dir, err)
	}
	s := &Store{
		db:      db,
		locks:   newLockTable(),
		gate:    newGate(),
		noWAL:   po.DisableWAL,
		logs:    newLogTable(),
		closing: make(chan struct{}),
		failure: f,
	}
	if !opts.InMemory {
		s.space = newSpaceGuard(po.FS, dir, opts.FreeSpaceReserve, opts.FreeSpaceInterval, orDiscard(opts.Logger))
	}
	return s, nil
}

// openPebble is pdb.Open with Pebble's Fatalf, which panics while the
// store opens (see slogLogger.Fatalf), turned into an error.
func openPebble(dir string, po *pdb.Options, f *failure) (db *pdb.DB, err error) {
	f.opening.Store(true)
	defer f.opening.Store(false)
	defer func() {
		if r := recover(); r != nil {
			msg, ok := r.(fatalPanic)
			if !ok {
				panic(r)
			}
			db, err = nil, errors.New(string(msg))
		}
	}()
	return pdb.Open(dir, po)
}

func pebbleOptions(opts Options, f *failure) *pdb.Options {
	logger := orDiscard(opts.Logger)
	po := &pdb.Options{
		MemTableSize:                opts.MemTableSize,
		MemTableStopWritesThreshold: memTableCount,
		Logger:                      slogLogger{l: logger, failure: f},
		FormatMajorVersion:          pdb.FormatNewest,
		FlushDelayDeleteRange:       flushDelayDeleteRange,
	}
	po.DisableAutomaticCompactions = opts.noAutoCompactions
	if po.MemTableSize == 0 {
		po.MemTableSize = DefaultMemTableSize
	}
	cacheSize := opts.CacheSize
	if cacheSize <= 0 {
		cacheSize = DefaultCacheSize
	}
	// Pebble charges every memtable (and every large batch waiting to be
	// flushed) against the block cache's capacity. With the cache no
	// larger than the memtables, as when both were 8 MB, the reservation
	// took the whole cache and no block was ever cached: every read
	// decompressed its block from the file again (measured: 0 entries,
	// 100% misses). The memtables get their own share on top, so
	// CacheSize is what blocks really get. The cache allocates only as it
	// fills, so idle memory does not grow.
	po.CacheSize = cacheSize + int64(memTableCount+1)*int64(po.MemTableSize)
	if opts.InMemory && opts.CacheSize <= 0 && opts.MemTableSize == 0 {
		po.Cache = sharedMemCache()
	}
	for i := range po.Levels {
		po.Levels[i].FilterPolicy = bloom.FilterPolicy(bloomBitsPerKey)
	}
	if opts.InMemory {
		inMemoryOptions(po)
	}
	if opts.FS != nil {
		po.FS = opts.FS
	} else if !opts.InMemory {
		po.FS = vfs.Default
	}
	return po
}

// enter admits a call: nil, kv.ErrClosed after Close, or the failure of a
// failed store. After nil the caller must call s.gate.leave.
func (s *Store) enter() error {
	if !s.gate.enter() {
		return kv.ErrClosed
	}
	if err := s.failure.get(); err != nil {
		s.gate.leave()
		return err
	}
	return nil
}

// orDiscard is l, or a logger that discards everything when l is nil.
func orDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

// Get returns a copy of the latest committed value of key, once it is
// durable (visibility.go).
func (s *Store) Get(ctx context.Context, key []byte) ([]byte, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.gate.leave()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	v, err := get(s.db, key)
	if werr := s.unsynced.settle(ctx, key, nil, false, anyGen); werr != nil {
		return nil, werr
	}
	return v, err
}

// Iter iterates the latest committed state. The iterator reads one
// consistent state: writes committed after Iter returns are not seen, and
// Iter returns once every write it can see in [start, end) is durable.
func (s *Store) Iter(ctx context.Context, start, end []byte, reverse bool) (kv.Iterator, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.gate.leave()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	it, err := newIter(ctx, s.db, &s.handles, start, end, reverse)
	if err != nil {
		return nil, err
	}
	if err := s.unsynced.settle(ctx, start, clampEnd(end), true, anyGen); err != nil {
		_ = it.Close()
		return nil, err
	}
	return it, nil
}

// NewSnapshot returns a Pebble snapshot. Creating one is cheap (it records
// the current sequence number), but while it is open compactions must keep
// every version it can see, so close it promptly. Its reads wait for the
// commits it can see to be durable (visibility.go).
func (s *Store) NewSnapshot(ctx context.Context) (kv.Snapshot, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.gate.leave()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	snap := &snapshot{snap: s.db.NewSnapshot(), store: s}
	// After the snapshot: every commit in its view registered before it.
	snap.gen = s.unsynced.gen.Load()
	s.handles.add(snap)
	return snap, nil
}

// DropRange implements kv.Store with one Pebble range deletion, synced in a
// batch of its own: atomic here, whatever the range holds. It is a single
// tombstone, however many sstables the range spans; the space comes back
// when the tombstone is flushed (see flushDelayDeleteRange) and compacted,
// whole covered sstables at no cost. The end is cut short of the reserved
// keys, so the change log is never dropped. (Pebble's Excise would remove
// covered data at once, but it is experimental, needs virtual sstables,
// and is not atomic with the WAL; a tombstone is one line.)
//
// A range of at most smallDropKeys keys is deleted key by key instead, in
// the same one batch: every range tombstone in a memtable is fragmented
// again, all of them, by the first read after another one arrives, so a
// test suite dropping a small table per test case made each drop cost in
// proportion to the drops before it until the next flush.
func (s *Store) DropRange(ctx context.Context, start, end []byte) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.gate.leave()
	if err := ctx.Err(); err != nil {
		return err
	}
	if end == nil {
		return errors.New("kv/pebble: DropRange needs an end key")
	}
	end = clampEnd(end)
	if bytes.Compare(start, end) >= 0 {
		return nil
	}
	b := s.db.NewBatch()
	defer b.Close()
	small, err := deleteFewKeys(s.db, b, start, end)
	if err != nil {
		return err
	}
	if !small {
		return s.deleteRange(start, end)
	}
	if b.Empty() {
		// Nothing to delete; refused all the same where a write would be
		// (a failed store, a full disk), as the range deletion was.
		return s.admit()
	}
	return s.commit(b)
}

// smallDropKeys is the most keys DropRange deletes one by one rather
// than with a range tombstone: a test case's table (its items, index
// entries and stream records) fits; a table worth dropping in the
// background does not.
const smallDropKeys = 256

// deleteFewKeys adds to b a point deletion of every key in [start, end),
// if there are at most smallDropKeys of them; small is false, and b
// holds an unfinished list, when there are more.
func deleteFewKeys(r pdb.Reader, b *pdb.Batch, start, end []byte) (small bool, err error) {
	// An empty start is the start of the keyspace: no lower bound (Pebble
	// asserts, in its invariants builds, that a seek key is not empty).
	opts := &pdb.IterOptions{UpperBound: end}
	if len(start) > 0 {
		opts.LowerBound = start
	}
	it, err := r.NewIter(opts)
	if err != nil {
		return false, fmt.Errorf("kv/pebble: drop range: %w", err)
	}
	n := 0
	for valid := it.First(); valid; valid = it.Next() {
		if n++; n > smallDropKeys {
			break
		}
		if err := b.Delete(it.Key(), nil); err != nil {
			it.Close()
			return false, fmt.Errorf("kv/pebble: drop range: %w", err)
		}
	}
	if err := errors.Join(it.Error(), it.Close()); err != nil {
		return false, fmt.Errorf("kv/pebble: drop range: %w", err)
	}
	return n <= smallDropKeys, nil
}

// deleteRange commits one range deletion in a batch of its own.
func (s *Store) deleteRange(start, end []byte) error {
	b := s.db.NewBatch()
	defer b.Close()
	if err := b.DeleteRange(start, end, nil); err != nil {
		return fmt.Errorf("kv/pebble: delete range: %w", err)
	}
	return s.commit(b)
}

// Close waits for running calls to finish, closes any snapshot or iterator
// still open (reporting them as an error, since that is a caller's bug), and
// closes Pebble. Every acknowledged write is already in the synced WAL, so
// Close need not flush memtables for durability. Closing twice returns
// kv.ErrClosed. Closing a failed store returns its failure (see
// closeFailed).
func (s *Store) Close() error {
	s.closingOnce.Do(func() { close(s.closing) })
	if !s.gate.shut() {
		return kv.ErrClosed
	}
	select {
	case <-s.gate.drained:
	case <-s.failure.ch:
	}
	if failed := s.failure.get(); failed != nil {
		return s.closeFailed(failed)
	}
	var errs []error
	if n := s.handles.closeAll(); n > 0 {
		errs = append(errs, fmt.Errorf("kv/pebble: %d snapshots or iterators were still open at Close", n))
	}
	if err := s.db.Close(); err != nil {
		errs = append(errs, fmt.Errorf("kv/pebble: close: %w", err))
	}
	return errors.Join(errs...)
}

// failedCloseWait bounds how long Close of a failed store waits for calls
// in progress and for Pebble to close: 10 s.
const failedCloseWait = 10 * time.Second

// closeFailed closes a failed store as far as it can and returns the
// failure. Calls in progress may never return (one that met the broken
// commit pipeline waits on its mutex for good), and Pebble cannot close
// while one of its goroutines is parked in Fatalf, so the wait is bounded
// and Pebble is left open (with its directory lock held) when it cannot
// close: the process is about to exit, and every acknowledged write is in
// the synced WAL, which the next Open replays.
func (s *Store) closeFailed(failed error) error {
	if s.failure.parked.Load() > 0 {
		return fmt.Errorf("%w (Pebble left open: it stopped in a fatal error)", failed)
	}
	closed := make(chan error, 1)
	go func() {
		select {
		case <-s.gate.drained:
		case <-time.After(failedCloseWait):
			closed <- errors.New("calls in progress never returned")
			return
		}
		defer func() {
			if r := recover(); r != nil {
				closed <- fmt.Errorf("%v", r)
			}
		}()
		s.handles.closeAll()
		closed <- s.db.Close()
	}()
	select {
	case err := <-closed:
		if err != nil {
			return fmt.Errorf("%w (closing Pebble: %v)", failed, err)
		}
	case <-time.After(2 * failedCloseWait):
		return fmt.Errorf("%w (Pebble did not close in %s)", failed, 2*failedCloseWait)
	}
	return failed
}

// get reads key from a Pebble reader (DB, snapshot or indexed batch) and
// copies the value out, since Pebble's slice is only valid until the closer
// is closed.
func get(r pdb.Reader, key []byte) ([]byte, error) {
	v, closer, err := r.Get(key)
	if errors.Is(err, pdb.ErrNotFound) {
		return nil, kv.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("kv/pebble: get: %w", err)
	}
	out := make([]byte, len(v))
	copy(out, v)
	if err := closer.Close(); err != nil {
		return nil, fmt.Errorf("kv/pebble: get: %w", err)
	}
	return out, nil
}
