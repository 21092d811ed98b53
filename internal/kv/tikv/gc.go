package tikv

// GC: TiKV keeps every version of a key until the cluster's GC safe point
// passes it, and advancing that safe point is the client's job (TiDB's GC
// worker, elsewhere). Here:
//
//   - every Store publishes, as a PD service safe point of its own, the
//     oldest timestamp it still reads at (its oldest open Snapshot or
//     Store.Iter iterator, else a fresh timestamp), every
//     nodeSafePointInterval, with a TTL, so that a node that dies stops
//     holding GC back once the TTL runs out;
//   - Store.GC, run by one node at a time (the server's leased "tikv-gc"
//     job), advances the GC safe point to min(now − lifetime, every
//     service safe point), after resolving the locks older than it, and
//     saves it where client-go's visibility check reads it.
//
// TiKV (5.0 and later, compaction-filter GC) drops the versions below the
// safe point as it compacts. Nothing else of Dynago needs old versions:
// streams, point-in-time recovery and backups read the change log and
// Snapshots, and a Snapshot held longer than the lifetime (an export of a
// large table) keeps its versions through its node's service safe point.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/tikv/client-go/v2/oracle"
	"github.com/tikv/client-go/v2/tikv"

	"github.com/dynago/dynago/internal/kv"
)

// GC settings.
const (
	// DefaultGCLifetime is how long versions are kept at least: 10 min,
	// TiDB's tidb_gc_life_time default. An Update or a read in progress
	// longer than that may fail; a Snapshot held longer is protected by
	// its node's service safe point.
	DefaultGCLifetime = 10 * time.Minute

	// nodeSafePointInterval is how often a Store publishes its service
	// safe point: 10 s, far below DefaultGCLifetime, so that a Snapshot
	// is published long before GC could reach its timestamp.
	nodeSafePointInterval = 10 * time.Second

	// nodeSafePointTTL is how long PD keeps a Store's service safe point
	// without a renewal: 5 min. A node that dies holds GC back that long.
	nodeSafePointTTL = 5 * time.Minute

	// gcServiceID names the GC job's own service safe point, as TiDB's
	// GC worker has "gc_worker".
	gcServiceID = "dynago-gc"

	// gcConcurrency is how many regions GC resolves locks in at once.
	gcConcurrency = 2
)

// newNodeID returns the name of a Store's service safe point.
func newNodeID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "dynago-node-" + hex.EncodeToString(b)
}

// oldestRead returns the oldest timestamp this Store still reads at: that
// of its oldest open Snapshot or Store.Iter iterator, or now when none is
// open.
func (s *Store) oldestRead(now uint64) uint64 {
	if ts := s.handles.oldest(); ts != 0 && ts < now {
		return ts
	}
	return now
}

// publishSafePoint publishes the Store's service safe point (see the file
// comment). A read begun after it takes a timestamp above it.
func (s *Store) publishSafePoint(ctx context.Context) error {
	now, err := s.now(ctx)
	if err != nil {
		return err
	}
	ttl := int64(nodeSafePointTTL / time.Second)
	if _, err := s.kvs.GetPDClient().UpdateServiceGCSafePoint(ctx, s.nodeID, ttl, s.oldestRead(now)); err != nil {
		return fmt.Errorf("kv/tikv: publish the service safe point: %w", err)
	}
	return nil
}

// publishLoop publishes the service safe point until the Store closes,
// then removes it (a TTL of 0 deletes it).
func (s *Store) publishLoop() {
	defer close(s.published)
	t := time.NewTicker(nodeSafePointInterval)
	defer t.Stop()
	for {
		select {
		case <-s.gate.closing():
			ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
			_, _ = s.kvs.GetPDClient().UpdateServiceGCSafePoint(ctx, s.nodeID, 0, 0)
			cancel()
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
			_ = s.publishSafePoint(ctx) // the next tick tries again; the TTL covers a few misses
			cancel()
		}
	}
}

// GC advances the cluster's GC safe point to min(now − lifetime, every
// node's service safe point), and returns it. It resolves every lock older
// than the new safe point first (client-go's KVStore.GC), so that no
// transaction is left half committed below it, and saves it where
// client-go's KVStore.CheckVisibility reads it. It never moves the safe
// point back: it returns the current one when the candidate is not above
// it. One node should run it at a time (the server runs it as a leased
// job); two at once are safe, only wasteful.
func (s *Store) GC(ctx context.Context, lifetime time.Duration) (uint64, error) {
	if !s.gate.enter() {
		return 0, kv.ErrClosed
	}
	defer s.gate.leave()
	if err := s.publishSafePoint(ctx); err != nil {
		return 0, err
	}
	now, err := s.now(ctx)
	if err != nil {
		return 0, err
	}
	// now − lifetime, keeping now's logical part: with a zero lifetime
	// (tests), every call has a candidate above the last.
	candidate := oracle.ComposeTS(oracle.ExtractPhysical(now)-lifetime.Milliseconds(), oracle.ExtractLogical(now))
	pd := s.kvs.GetPDClient()
	// The job's own service safe point, never expiring, as TiDB's GC
	// worker sets it; PD answers with the minimum of all of them.
	minService, err := pd.UpdateServiceGCSafePoint(ctx, gcServiceID, math.MaxInt64, candidate)
	if err != nil {
		return 0, fmt.Errorf("kv/tikv: gc: service safe points: %w", err)
	}
	safe := min(candidate, minService)
	cur, err := s.gcSafePoint(ctx)
	if err != nil {
		return 0, err
	}
	if safe <= cur {
		return cur, nil
	}
	sp, err := s.kvs.GC(ctx, safe, tikv.WithConcurrency(gcConcurrency))
	if err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		return 0, fmt.Errorf("kv/tikv: gc: %w", err)
	}
	if err := s.kvs.GetSafePointKV().Put(tikv.GcSavedSafePoint, strconv.FormatUint(sp, 10)); err != nil {
		return 0, fmt.Errorf("kv/tikv: gc: save the safe point: %w", err)
	}
	return sp, nil
}

// GCSafePoint returns the cluster's GC safe point: versions older than it
// may be gone. 0 means GC has never run.
func (s *Store) GCSafePoint(ctx context.Context) (uint64, error) {
	if !s.gate.enter() {
		return 0, kv.ErrClosed
	}
	defer s.gate.leave()
	return s.gcSafePoint(ctx)
}

// gcSafePoint returns the cluster's GC safe point (PD answers an update
// to 0 with the current one, which it never moves back).
func (s *Store) gcSafePoint(ctx context.Context) (uint64, error) {
	sp, err := s.kvs.GetPDClient().UpdateGCSafePoint(ctx, 0)
	if err != nil {
		return 0, fmt.Errorf("kv/tikv: gc: read the safe point: %w", err)
	}
	return sp, nil
}
