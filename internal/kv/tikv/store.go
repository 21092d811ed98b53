// Package tikv is Dynago's distributed storage backend: the kv.Store
// contract on a TiKV cluster through TiKV's own Go client
// (github.com/tikv/client-go/v2), or on client-go's in-process mock cluster
// for tests and `--tikv mock`.
//
// # Timestamps
//
// Every read runs at a timestamp from PD's timestamp oracle (TSO). Store.Get
// and Store.Iter take a fresh one, so they see every commit acknowledged
// before they were called; a Snapshot keeps the one it was made at. Reads
// inside Update take a fresh one too (the contract lets keys fn did not name
// change between two reads, and requires that fn see such commits), except
// for the named keys, whose values come back in the pessimistic lock
// response (see Update).
//
// # Change log
//
// Each log has a counter key, and its records live at
// <ReservedPrefix>'r'<log><seq>. A transaction that appends to a log locks
// the counter pessimistically at commit time, reads it, numbers its records
// counter+1, counter+2, … and writes the new counter in the same commit. The
// counter stays locked until the commit is done, so the commits of one log
// are serialised, commit order equals Seq order, and a read at any timestamp
// sees a gap-free prefix of the log: the durable watermark is the counter
// read at a fresh timestamp, and a Snapshot's position in a log is the
// counter at its timestamp. TiKV acknowledges a commit only once the Raft
// group has replicated it, and a reader that meets a lock waits for its
// transaction's outcome, so anything a read returns is already durable: the
// watermark never lags a visible record.
//
// # GC
//
// TiKV keeps old versions until a GC safe point passes them, and it is the
// client's job to advance it: Store.GC does, to min(now − lifetime, the
// oldest read of every node), each Store publishing its oldest open
// Snapshot or iterator as a PD service safe point (gc.go).
package tikv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	tikverr "github.com/tikv/client-go/v2/error"
	"github.com/tikv/client-go/v2/oracle"
	"github.com/tikv/client-go/v2/tikv"
	"github.com/tikv/client-go/v2/txnkv"
	"github.com/tikv/client-go/v2/txnkv/txnsnapshot"

	"github.com/dynago/dynago/internal/kv"
)

// Defaults for Options.
const (
	// DefaultScanBatchSize is how many keys an iterator fetches per scan
	// RPC: 32, against client-go's 256. A Query page reads few keys (a
	// 10-key scan fetched all 256 and took 12 times as long on the mock;
	// see BenchmarkScanBatch), and 256 items of up to 400 KB each
	// would make one response of up to 100 MB. A long scan costs one RPC
	// per 32 keys instead of per 256.
	DefaultScanBatchSize = 32

	// DefaultLogPollMax is the longest WaitLog sleeps between two reads of
	// a log's counter: 20 ms. A commit made through the same Store wakes
	// waiters at once; this bounds how late a waiter learns of a commit
	// made by another node (see WaitLog).
	DefaultLogPollMax = 20 * time.Millisecond

	// logPollMin is WaitLog's first sleep, doubled up to the maximum.
	logPollMin = time.Millisecond

	// dropConcurrency is how many regions DropRange and TrimLog delete in
	// parallel.
	dropConcurrency = 4
)

// Options configures Open and OpenMock. The zero value is usable.
type Options struct {
	// SplitKeys are keys at which regions are split when the store opens
	// (each becomes the first key of a region). The engine splits further
	// at table and index boundaries with Store.SplitRegions. The reserved
	// range (kv.ReservedPrefix and above, where the change log lives) is
	// always split off.
	SplitKeys [][]byte

	// LogPollMax is the longest WaitLog sleeps between reads of a log's
	// counter; 0 means DefaultLogPollMax.
	LogPollMax time.Duration

	// ScanBatchSize is how many keys an iterator fetches per RPC; 0 means
	// DefaultScanBatchSize.
	ScanBatchSize int

	// noLatches leaves every lock wait to TiKV (see latches): tests use it
	// to run the conformance suite against TiKV's own locking.
	noLatches bool

	// CountRPCs makes a mock store count the RPCs it sends to TiKV, by
	// command, and the timestamps it takes from PD (TakeRPCCounts), for
	// tests and benchmarks stating round trips per operation. A store on a
	// real cluster ignores it.
	CountRPCs bool
}

// Store is a kv.Store on TiKV. It is safe for concurrent use.
type Store struct {
	kvs     *tikv.KVStore
	gate    *gate
	handles handleSet
	waiters logWaiters
	latches latches
	pollMax time.Duration
	// scanBatch is Options.ScanBatchSize.
	scanBatch int
	// noLatches is Options.noLatches.
	noLatches bool
	// reruns counts the times Update ran fn again after a write conflict
	// at commit, for tests and benchmarks.
	reruns atomic.Int64
	// rpcs counts the RPCs and timestamps a mock store sends; nil on a
	// real cluster.
	rpcs *rpcCounter
	// onClose runs after the client closes: OpenMock's store stops its
	// cluster.
	onClose func() error
	// nodeID names the Store's PD service safe point (gc.go), and
	// published is closed when publishLoop has removed it.
	nodeID    string
	published chan struct{}
}

var _ kv.Store = (*Store)(nil)

// Open connects to the TiKV cluster whose PD members are pdAddrs
// ("host:port").
func Open(ctx context.Context, pdAddrs []string, opts Options) (*Store, error) {
	c, err := txnkv.NewClient(pdAddrs)
	if err != nil {
		return nil, fmt.Errorf("kv/tikv: connect to PD %v: %w", pdAddrs, err)
	}
	return newStore(ctx, c.KVStore, opts, nil)
}

func newStore(ctx context.Context, kvs *tikv.KVStore, opts Options, rpcs *rpcCounter) (*Store, error) {
	s := &Store{kvs: kvs, gate: newGate(), pollMax: opts.LogPollMax, noLatches: opts.noLatches, rpcs: rpcs,
		nodeID: newNodeID(), published: make(chan struct{})}
	if s.pollMax <= 0 {
		s.pollMax = DefaultLogPollMax
	}
	if s.scanBatch = opts.ScanBatchSize; s.scanBatch <= 1 {
		s.scanBatch = DefaultScanBatchSize
	}
	splits := append([][]byte{{kv.ReservedPrefix}}, opts.SplitKeys...)
	if _, err := kvs.SplitRegions(ctx, splits, false, nil); err != nil {
		_ = kvs.Close()
		return nil, fmt.Errorf("kv/tikv: split regions: %w", err)
	}
	// Published before the Store is used, so that GC never passes a
	// read of this node's.
	if err := s.publishSafePoint(ctx); err != nil {
		_ = kvs.Close()
		return nil, err
	}
	go s.publishLoop()
	return s, nil
}

// now returns a fresh timestamp from PD's oracle: every commit acknowledged
// before now was called has a smaller commit timestamp.
func (s *Store) now(ctx context.Context) (uint64, error) {
	ts, err := s.kvs.GetOracle().GetTimestamp(ctx, &oracle.Option{TxnScope: oracle.GlobalTxnScope})
	if err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		return 0, fmt.Errorf("kv/tikv: timestamp: %w", err)
	}
	return ts, nil
}

// snapshotNow returns a client-go snapshot at a fresh timestamp.
func (s *Store) snapshotNow(ctx context.Context) (*txnsnapshot.KVSnapshot, error) {
	ts, err := s.now(ctx)
	if err != nil {
		return nil, err
	}
	return s.snapshotAt(ts), nil
}

// snapshotAt returns a client-go snapshot at ts that scans in batches of
// Options.ScanBatchSize.
func (s *Store) snapshotAt(ts uint64) *txnsnapshot.KVSnapshot {
	snap := s.kvs.GetSnapshot(ts)
	snap.SetScanBatchSize(s.scanBatch)
	return snap
}

// Get returns the latest committed value of key.
func (s *Store) Get(ctx context.Context, key []byte) ([]byte, error) {
	if !s.gate.enter() {
		return nil, kv.ErrClosed
	}
	defer s.gate.leave()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	snap, err := s.snapshotNow(ctx)
	if err != nil {
		return nil, err
	}
	return get(ctx, snap, key)
}

// Iter iterates the state at a fresh timestamp.
func (s *Store) Iter(ctx context.Context, start, end []byte, reverse bool) (kv.Iterator, error) {
	if !s.gate.enter() {
		return nil, kv.ErrClosed
	}
	defer s.gate.leave()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ts, err := s.now(ctx)
	if err != nil {
		return nil, err
	}
	return newIter(ctx, s.snapshotAt(ts), ts, &s.handles, start, end, reverse)
}

// NewSnapshot returns a view at a fresh timestamp. Making one costs a
// timestamp and nothing on the servers; reads through it are as fast as
// reads of the latest state until GC passes its timestamp (see the package
// comment).
func (s *Store) NewSnapshot(ctx context.Context) (kv.Snapshot, error) {
	if !s.gate.enter() {
		return nil, kv.ErrClosed
	}
	defer s.gate.leave()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ts, err := s.now(ctx)
	if err != nil {
		return nil, err
	}
	snap := &snapshot{snap: s.snapshotAt(ts), ts: ts, store: s}
	s.handles.add(snap)
	return snap, nil
}

// Close waits for calls in progress, closes snapshots and iterators left
// open (reporting them as an error), and closes the client (and the mock
// cluster, for a mock store). Acknowledged commits are already replicated.
func (s *Store) Close() error {
	if !s.gate.close() {
		return kv.ErrClosed
	}
	<-s.published // the service safe point removed, while the client is open
	var errs []error
	if n := s.handles.closeAll(); n > 0 {
		errs = append(errs, fmt.Errorf("kv/tikv: %d snapshots or iterators were still open at Close", n))
	}
	if err := s.kvs.Close(); err != nil {
		errs = append(errs, fmt.Errorf("kv/tikv: close: %w", err))
	}
	if s.onClose != nil {
		errs = append(errs, s.onClose())
	}
	return errors.Join(errs...)
}

// get reads key from a client-go snapshot and decodes the value into a
// slice of the caller's.
func get(ctx context.Context, snap *txnsnapshot.KVSnapshot, key []byte) ([]byte, error) {
	e, err := snap.Get(ctx, key)
	if err != nil {
		if tikverr.IsErrNotFound(err) {
			return nil, kv.ErrNotFound
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("kv/tikv: get: %w", timedOut(ctx, err))
	}
	v, err := decodeValue(e.Value)
	if err != nil {
		return nil, err
	}
	return bytes.Clone(v), nil
}
