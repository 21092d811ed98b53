package tikv

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"

	"github.com/tikv/client-go/v2/txnkv/txnsnapshot"

	"github.com/dynago/dynago/internal/kv"
)

// clampEnd returns the end bound an iterator really uses: nil and anything
// past the reserved range become its first key, so that no Reader ever
// returns a key of the change log.
func clampEnd(end []byte) []byte {
	if end == nil || bytes.Compare(end, reservedStart) > 0 {
		return reservedStart
	}
	return end
}

// scanner is what iter reads: client-go's snapshot scanner, whose Valid,
// Key, Value and Next follow the unionstore.Iterator convention (positioned
// on the first key once made).
type scanner interface {
	Valid() bool
	Key() []byte
	Value() []byte
	Next() error
	Close()
}

// iter adapts a client-go scanner (forward or reverse, over as many regions
// as the range spans; it fetches DefaultScanBatchSize keys per RPC) to
// kv.Iterator, merging a transaction's pending writes over it when it is a
// Txn's iterator. The first batch is read when the iterator is made, so an
// error reaching TiKV surfaces from Iter rather than from the first Next.
type iter struct {
	ctx     context.Context
	sc      scanner // nil when the range is empty
	pending []pendingWrite
	pi      int // next pending write
	reverse bool
	owner   *handleSet
	started bool // the scanner has been consumed past its first key
	key     []byte
	value   []byte
	err     error
	dead    atomic.Bool // set by forceClose when the store or Update closed it
	ts      uint64      // see newIter
}

func (i *iter) readTS() uint64 { return i.ts }

// pendingWrite is a transaction's write to key, as an iterator opened in
// the transaction sees it: a value, or a deletion.
type pendingWrite struct {
	key     []byte
	value   []byte
	deleted bool
}

// newIter opens an iterator over [start, end) of snap, with pending (sorted
// in iteration order, within the range) merged over it, and registers it in
// owner.
// ts is snap's timestamp when the iterator must keep it readable by itself
// (Store.Iter's; see Store.oldestRead), 0 when something else does.
func newIter(ctx context.Context, snap *txnsnapshot.KVSnapshot, ts uint64, owner *handleSet, start, end []byte, reverse bool) (*iter, error) {
	return newMergedIter(ctx, snap, ts, owner, start, end, reverse, nil)
}

func newMergedIter(ctx context.Context, snap *txnsnapshot.KVSnapshot, ts uint64, owner *handleSet, start, end []byte, reverse bool, pending []pendingWrite) (*iter, error) {
	it := &iter{ctx: ctx, reverse: reverse, owner: owner, pending: pending, ts: ts}
	end = clampEnd(end)
	if bytes.Compare(start, end) < 0 {
		// client-go keeps the bounds for the scanner's life: copies, so
		// the caller may reuse its buffers.
		start, end = bytes.Clone(start), bytes.Clone(end)
		var sc scanner
		var err error
		if reverse {
			sc, err = snap.IterReverse(end, start)
		} else {
			sc, err = snap.Iter(start, end)
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("kv/tikv: iter: %w", timedOut(ctx, err))
		}
		it.sc = sc
	}
	owner.add(it)
	return it, nil
}

// Next implements kv.Iterator.
func (i *iter) Next() bool {
	if i.err != nil {
		return false
	}
	if i.dead.Load() {
		i.err = kv.ErrClosed
		return false
	}
	if err := i.ctx.Err(); err != nil {
		i.err = err
		return false
	}
	for {
		ok, err := i.step()
		if err != nil {
			i.err = err
			return false
		}
		if !ok || i.value != nil {
			return ok
		}
		// A pending deletion hid the key: step on.
	}
}

// step moves to the next key of the merged view, setting key and value
// (value nil for a pending deletion).
func (i *iter) step() (bool, error) {
	if i.started && i.sc != nil && i.sc.Valid() && i.key != nil && bytes.Equal(i.sc.Key(), i.key) {
		// The last key came from the scanner (alone or shadowed by a
		// pending write): move past it.
		if err := i.sc.Next(); err != nil {
			return false, fmt.Errorf("kv/tikv: iter: %w", timedOut(i.ctx, err))
		}
	}
	i.started = true
	scOK := i.sc != nil && i.sc.Valid()
	pOK := i.pi < len(i.pending)
	switch {
	case !scOK && !pOK:
		i.key, i.value = nil, nil
		return false, nil
	case pOK && (!scOK || !i.before(i.sc.Key(), i.pending[i.pi].key)):
		// The pending write comes first, or shadows the scanner's key.
		p := i.pending[i.pi]
		i.pi++
		i.key, i.value = p.key, p.value
		if p.deleted {
			i.value = nil
		}
		return true, nil
	}
	v, err := decodeValue(i.sc.Value())
	if err != nil {
		return false, err
	}
	i.key, i.value = i.sc.Key(), v
	return true, nil
}

// before reports whether a comes strictly before b in iteration order.
func (i *iter) before(a, b []byte) bool {
	c := bytes.Compare(a, b)
	if i.reverse {
		return c > 0
	}
	return c < 0
}

// Key implements kv.Iterator.
func (i *iter) Key() []byte { return i.key }

// Value implements kv.Iterator.
func (i *iter) Value() []byte { return i.value }

// Err implements kv.Iterator.
func (i *iter) Err() error { return i.err }

// Close implements kv.Iterator. Closing twice, or after the store closed the
// iterator, is a no-op.
func (i *iter) Close() error {
	if !i.owner.remove(i) {
		return nil
	}
	i.release()
	return nil
}

func (i *iter) forceClose() {
	i.dead.Store(true)
	i.release()
}

func (i *iter) release() {
	if i.sc != nil {
		i.sc.Close()
	}
}
