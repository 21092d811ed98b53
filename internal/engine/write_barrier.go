package engine

// Item writes against an older catalog, and the snapshots that must hold
// them.
//
// An item write reads the catalog version under its item locks (syncWrite)
// and logs the way that version says: with old images while a backup of
// the table is being copied, with new images while PITR is on. A catalog
// change that turns logging on (CreateBackup, UpdateContinuousBackups)
// does not take the items' locks, so a write can read the catalog just
// before it and commit just after. If a copy's first snapshot came between
// the two, the write would be neither in the snapshot nor logged as the
// copy needs: a resumed backup could not roll that item back to the first
// snapshot (backup_resume.go), and a PITR base would miss the change.
//
// So a copy waits, before its snapshot, for the item writes in flight when
// it asked (writeBarrier.wait). The copy has already read the catalog
// version that turned logging on; a write that began after the wait
// started reads the catalog after that, so it logs as the copy needs. A
// write that began before is waited for, so its commit is in the snapshot.
// Writes are never blocked: only the copy waits, for writes that hold
// their item locks for one commit.
//
// The barrier covers the writes of this engine. Engines over one shared
// store (API nodes over TiKV) do not see each other's writes in flight:
// they say what they have drained in their node records (node_drain.go),
// which the copy waits for next.

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dynago/dynago/internal/kv"
)

// writeBarrier counts the item writes in flight, in two alternating
// epochs. A wait moves writes to the next epoch and returns once the
// previous one has emptied. A write costs three atomic operations and no
// lock: it is on every PutItem (a mutex and a map here cost the in-memory
// BenchmarkPutItemPITR/off about 4 % of its CPU).
type writeBarrier struct {
	epoch  atomic.Uint64   // the epoch writes begin in
	counts [2]atomic.Int64 // writes in flight, by epoch modulo 2

	mu sync.Mutex // serialises waits

	// onWait, set by tests, is called when a wait finds writes to wait
	// for.
	onWait func()
}

// barrierPoll is how often a wait looks again at writes still in flight:
// waits are rare (one per copy) and writes hold one commit.
const barrierPoll = 100 * time.Microsecond

// begin notes an item write starting; the write calls end with the epoch
// it returns when its store Update has returned. A write that counted
// itself in an epoch a wait has just left counts itself again in the new
// one, so a wait never misses a write that began before it.
func (b *writeBarrier) begin() uint64 {
	for {
		e := b.epoch.Load()
		b.counts[e&1].Add(1)
		if b.epoch.Load() == e {
			return e
		}
		b.counts[e&1].Add(-1)
	}
}

// end notes the end of a write begun in epoch e.
func (b *writeBarrier) end(e uint64) { b.counts[e&1].Add(-1) }

// wait returns once every write begun before it was called has ended, or
// with ctx's error.
func (b *writeBarrier) wait(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.epoch.Load()
	// The other slot holds only writes of older epochs, left by a wait
	// that ended with its ctx: nothing begins there until the move below.
	if err := b.drain(ctx, (e+1)&1); err != nil {
		return err
	}
	b.epoch.Store(e + 1)
	return b.drain(ctx, e&1)
}

// drain waits until no write is counted in slot.
func (b *writeBarrier) drain(ctx context.Context, slot uint64) error {
	if b.counts[slot].Load() == 0 {
		return nil
	}
	if b.onWait != nil {
		b.onWait()
	}
	t := time.NewTimer(barrierPoll)
	defer t.Stop()
	for b.counts[slot].Load() != 0 {
		select {
		case <-t.C:
			t.Reset(barrierPoll)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// updateItems is store.Update for a transaction that writes items (every
// one that calls syncWrite), counted by the write barrier while it runs.
func (db *DB) updateItems(ctx context.Context, lockKeys [][]byte, fn func(kv.Txn) error) error {
	g := db.writes.begin()
	defer db.writes.end(g)
	return db.store.Update(ctx, lockKeys, fn)
}
