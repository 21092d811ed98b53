package pebble

import (
	"bytes"
	"context"
	"sync"
	"sync/atomic"

	pdb "github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/batchrepr"
)

// Reads never return a write that is not durable.
//
// Pebble publishes a committed batch to readers (it is in the memtable and
// the visible sequence number covers it) before its WAL record has even
// been written to the file, let alone synced: the log writer's flush
// goroutine does both later. A read could therefore return a value that a
// kill -9 or a power loss at that moment erases (found by the
// linearizability campaign with -lin.kill9). Update's item locks, held
// until the fsync, protected only Updates that named the key.
//
// The fix is a registry of the commits that readers may see but that are
// not yet synced (unsynced): every synced commit registers its batch before
// handing it to Pebble and leaves the registry once its SyncWait returns.
// A reader reads first and then asks the registry whether a commit still
// in it wrote anything the read covered (the key of a Get, the range of an
// iterator); if so it waits for that commit's fsync before returning. A
// commit the read saw was registered before Pebble published it, so the
// reader finds it in the registry unless it has already synced. Readers
// that touch nothing being committed (nearly all of them under a uniform
// load) never wait, and with no commit in flight the check is one atomic
// load.
//
// Snapshots and iterators fix their view when they are made, so a snapshot
// notes the registry's generation then, and its reads wait only for
// commits registered before it (a later one cannot be in its view).
//
// Reads inside an Update (txn) collect the commits they would wait for
// and wait only if the Update ends without a synced commit of its own (fn
// failed, or wrote nothing): a commit of the Update is written to the WAL
// after everything its reads saw, and WAL syncs cover a prefix, so its own
// SyncWait makes them durable too (see log.go on WAL order).
//
// A commit that fails (its WAL write or fsync did) stays in the registry
// for good, matching every read: a reader that may have seen its write
// gets the failure instead of the value. The store is failed then anyway.
//
// The cheaper alternative the campaign suggested, a global commit counter
// and durable mark with every reader waiting for the mark to pass the
// counter, makes every read wait for an fsync whenever any write is in
// flight, which under a durable write load is always; see
// docs/design-notes.md for the measurements.
//
// An in-memory store has no WAL and registers nothing.
type unsynced struct {
	n   atomic.Int64  // len(set): the readers' lock-free fast path
	gen atomic.Uint64 // the generation of the last commit registered

	mu  sync.Mutex
	set []*pending
}

// pending is one registered commit.
type pending struct {
	gen uint64
	idx int // position in unsynced.set

	// entries are the batch's entries (Pebble's batch representation,
	// read in place: the batch is not closed while it is registered), and
	// lo and hi bound every key it writes (hi inclusive; a range
	// deletion's end counts as written, which only widens the bound).
	entries batchrepr.Reader
	lo, hi  []byte
	all     bool // the entries could not be read: match every read

	// Guarded by unsynced.mu.
	err  error         // the commit failed: it matches every read
	wake chan struct{} // made by the first waiter; closed when the commit leaves
}

// add registers b, which is about to be committed. It must be called
// before b is handed to Pebble.
func (u *unsynced) add(b *pdb.Batch) *pending {
	p := &pending{entries: b.Reader()}
	r := p.entries
	for {
		kind, key, value, ok, err := r.Next()
		if err != nil {
			p.all = true
			break
		}
		if !ok {
			break
		}
		if kind == pdb.InternalKeyKindLogData {
			continue
		}
		if p.lo == nil || bytes.Compare(key, p.lo) < 0 {
			p.lo = key
		}
		end := key
		if kind == pdb.InternalKeyKindRangeDelete {
			end = value
		}
		if p.hi == nil || bytes.Compare(end, p.hi) > 0 {
			p.hi = end
		}
	}
	u.mu.Lock()
	p.gen = u.gen.Add(1)
	p.idx = len(u.set)
	u.set = append(u.set, p)
	u.n.Add(1)
	u.mu.Unlock()
	return p
}

// done ends p's registration: it is durable (err nil) and leaves the
// registry, or it failed and stays, matching every read from now on.
// Waiters are woken either way.
func (u *unsynced) done(p *pending, err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if err != nil {
		p.err = err
		p.entries, p.lo, p.hi = nil, nil, nil
	} else {
		last := u.set[len(u.set)-1]
		u.set[p.idx], last.idx = last, p.idx
		u.set[len(u.set)-1] = nil
		u.set = u.set[:len(u.set)-1]
		u.n.Add(-1)
	}
	if p.wake != nil {
		close(p.wake)
	}
}

// anyGen is the generation bound of a read of the latest state: every
// registered commit may be in its view.
const anyGen = ^uint64(0)

// collect appends to out the commits registered up to maxGen that wrote
// key (end nil) or a key in [key, end) (end non-nil; a nil key is no lower
// bound), or returns the failure of a failed commit among them.
func (u *unsynced) collect(key, end []byte, isRange bool, maxGen uint64, out []*pending) ([]*pending, error) {
	if u.n.Load() == 0 {
		return out, nil
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, p := range u.set {
		if p.gen > maxGen {
			continue
		}
		if p.err != nil {
			return out, p.err
		}
		if !p.touches(key, end, isRange) {
			continue
		}
		if p.wake == nil {
			p.wake = make(chan struct{})
		}
		out = append(out, p)
	}
	return out, nil
}

// wait waits for the commits collect returned to be durable.
func wait(ctx context.Context, ps []*pending) error {
	for _, p := range ps {
		select {
		case <-p.wake:
		case <-ctx.Done():
			return ctx.Err()
		}
		// p.err was set before wake was closed.
		if p.err != nil {
			return p.err
		}
	}
	return nil
}

// settle waits until no commit registered up to maxGen that wrote what a
// read covered (see collect) is still unsynced: the read may be returned.
func (u *unsynced) settle(ctx context.Context, key, end []byte, isRange bool, maxGen uint64) error {
	if u.n.Load() == 0 {
		return nil
	}
	var buf [4]*pending
	ps, err := u.collect(key, end, isRange, maxGen, buf[:0])
	if err != nil {
		return err
	}
	return wait(ctx, ps)
}

// touches reports whether p wrote key (a point read) or a key in
// [start, end) (a range read; nil bounds are open).
func (p *pending) touches(start, end []byte, isRange bool) bool {
	if p.all {
		return true
	}
	if p.lo == nil {
		return false // nothing but log data
	}
	if !isRange {
		if bytes.Compare(start, p.lo) < 0 || bytes.Compare(start, p.hi) > 0 {
			return false
		}
	} else if (end != nil && bytes.Compare(end, p.lo) <= 0) || (start != nil && bytes.Compare(start, p.hi) > 0) {
		return false
	}
	r := p.entries
	for {
		kind, key, value, ok, err := r.Next()
		if err != nil {
			return true
		}
		if !ok {
			return false
		}
		switch kind {
		case pdb.InternalKeyKindLogData:
		case pdb.InternalKeyKindRangeDelete:
			// [key, value) meets the read?
			if !isRange {
				if bytes.Compare(start, key) >= 0 && bytes.Compare(start, value) < 0 {
					return true
				}
			} else if (end == nil || bytes.Compare(key, end) < 0) && (start == nil || bytes.Compare(start, value) < 0) {
				return true
			}
		default:
			if !isRange {
				if bytes.Equal(key, start) {
					return true
				}
			} else if (start == nil || bytes.Compare(key, start) >= 0) && (end == nil || bytes.Compare(key, end) < 0) {
				return true
			}
		}
	}
}
