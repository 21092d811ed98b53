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
// store (API nodes over TiKV) do not see each other's writes in flight;
// docs/backups.md says what is left there.

import (
	"context"
	"sync"

	"github.com/dynago/dynago/internal/kv"
)

// writeBarrier counts item writes in flight by generation. A wait moves to
// a new generation and returns once the writes of every older one are
// done. It costs a write one short critical section at its start and one
// at its end.
type writeBarrier struct {
	mu     sync.Mutex
	gen    uint64         // the generation writes begin in
	active map[uint64]int // writes in flight by generation
	wake   chan struct{}  // closed when a generation empties, if a waiter made it

	// onWait, set by tests, is called when a wait finds writes to wait
	// for.
	onWait func()
}

// begin notes an item write starting; the write calls end with the
// generation it returns when its store Update has returned.
func (b *writeBarrier) begin() uint64 {
	b.mu.Lock()
	g := b.gen
	if b.active == nil {
		b.active = make(map[uint64]int)
	}
	b.active[g]++
	b.mu.Unlock()
	return g
}

// end notes the end of a write begun in generation g.
func (b *writeBarrier) end(g uint64) {
	b.mu.Lock()
	if b.active[g]--; b.active[g] == 0 {
		delete(b.active, g)
		if b.wake != nil {
			close(b.wake)
			b.wake = nil
		}
	}
	b.mu.Unlock()
}

// wait returns once every write begun before it was called has ended, or
// with ctx's error.
func (b *writeBarrier) wait(ctx context.Context) error {
	b.mu.Lock()
	last := b.gen
	b.gen++
	hooked := false
	for {
		pending := false
		for g := range b.active {
			if g <= last {
				pending = true
				break
			}
		}
		if !pending {
			b.mu.Unlock()
			return nil
		}
		if b.wake == nil {
			b.wake = make(chan struct{})
		}
		wake, hook := b.wake, b.onWait
		b.mu.Unlock()
		if hook != nil && !hooked {
			hooked = true
			hook()
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		}
		b.mu.Lock()
	}
}

// updateItems is store.Update for a transaction that writes items (every
// one that calls syncWrite), counted by the write barrier while it runs.
func (db *DB) updateItems(ctx context.Context, lockKeys [][]byte, fn func(kv.Txn) error) error {
	g := db.writes.begin()
	defer db.writes.end(g)
	return db.store.Update(ctx, lockKeys, fn)
}
