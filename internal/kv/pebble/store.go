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
	// InMemory keeps every file in memory (Pebble's vfs.NewMem): nothing
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

	// fs replaces the filesystem; tests use a crashable in-memory one to
	// simulate power loss.
	fs vfs.FS
}

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
}

var _ kv.Store = (*Store)(nil)

// Open opens (creating if needed) the store in dir, or an empty in-memory
// store when opts.InMemory is set.
func Open(dir string, opts Options) (*Store, error) {
	po := pebbleOptions(opts)
	if opts.InMemory && opts.fs == nil {
		po.FS = vfs.NewMem()
		dir = ""
	}
	db, err := pdb.Open(dir, po)
	if err != nil {
		return nil, fmt.Errorf("kv/pebble: open %q: %w", dir, err)
	}
	return &Store{
		db:      db,
		locks:   newLockTable(),
		gate:    newGate(),
		noWAL:   po.DisableWAL,
		logs:    newLogTable(),
		closing: make(chan struct{}),
	}, nil
}

func pebbleOptions(opts Options) *pdb.Options {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	po := &pdb.Options{
		MemTableSize:                opts.MemTableSize,
		MemTableStopWritesThreshold: memTableCount,
		Logger:                      slogLogger{l: logger},
		FormatMajorVersion:          pdb.FormatNewest,
		FlushDelayDeleteRange:       flushDelayDeleteRange,
	}
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
	for i := range po.Levels {
		po.Levels[i].FilterPolicy = bloom.FilterPolicy(bloomBitsPerKey)
	}
	if opts.InMemory {
		// In-memory files live in the Go heap already: compressing them
		// only costs CPU on every block read that misses the cache.
		po.ApplyCompressionSettings(func() pdb.DBCompressionSettings { return pdb.DBCompressionNone })
		// Nor does a write-ahead log help a store that ends with the
		// process: writing it and waiting for its (no-op) sync cost ~1.2 µs
		// of each commit (BenchmarkUpdate/memory/serial: 2.5-2.9 µs with
		// the WAL, 1.2-2.2 µs without). Commits then skip the sync too
		// (Store.writeOptions).
		po.DisableWAL = true
	}
	if opts.fs != nil {
		po.FS = opts.fs
	}
	return po
}

// Get returns a copy of the latest committed value of key.
func (s *Store) Get(ctx context.Context, key []byte) ([]byte, error) {
	if !s.gate.enter() {
		return nil, kv.ErrClosed
	}
	defer s.gate.leave()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return get(s.db, key)
}

// Iter iterates the latest committed state. The iterator reads one
// consistent state: writes committed after Iter returns are not seen.
func (s *Store) Iter(ctx context.Context, start, end []byte, reverse bool) (kv.Iterator, error) {
	if !s.gate.enter() {
		return nil, kv.ErrClosed
	}
	defer s.gate.leave()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return newIter(ctx, s.db, &s.handles, start, end, reverse)
}

// NewSnapshot returns a Pebble snapshot. Creating one is cheap (it records
// the current sequence number), but while it is open compactions must keep
// every version it can see, so close it promptly.
func (s *Store) NewSnapshot(ctx context.Context) (kv.Snapshot, error) {
	if !s.gate.enter() {
		return nil, kv.ErrClosed
	}
	defer s.gate.leave()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	snap := &snapshot{snap: s.db.NewSnapshot(), store: s}
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
func (s *Store) DropRange(ctx context.Context, start, end []byte) error {
	if !s.gate.enter() {
		return kv.ErrClosed
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
	if err := s.db.DeleteRange(start, end, s.writeOptions()); err != nil {
		return fmt.Errorf("kv/pebble: drop range: %w", err)
	}
	return nil
}

// Close waits for running calls to finish, closes any snapshot or iterator
// still open (reporting them as an error, since that is a caller's bug), and
// closes Pebble. Every acknowledged write is already in the synced WAL, so
// Close need not flush memtables for durability. Closing twice returns
// kv.ErrClosed.
func (s *Store) Close() error {
	s.closingOnce.Do(func() { close(s.closing) })
	if !s.gate.close() {
		return kv.ErrClosed
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
