package pebble

import (
	"context"
	"fmt"
	"sync/atomic"

	pdb "github.com/cockroachdb/pebble/v2"

	"github.com/dynago/dynago/internal/kv"
)

// ctxCheckInterval is how many keys an iterator steps over between checks
// of its context: often enough that a cancelled Scan stops within
// microseconds, rarely enough that the check costs nothing measurable.
const ctxCheckInterval = 64

// iter adapts a Pebble iterator to kv.Iterator: Next positions on the first
// key on its first call, and the value is fetched eagerly so that an error
// reading it ends iteration (reported by Err) instead of yielding a nil value.
type iter struct {
	ctx     context.Context
	it      *pdb.Iterator
	owner   *handleSet
	reverse bool
	started bool
	steps   int
	value   []byte
	err     error
	dead    atomic.Bool // set by forceClose when the store or Update closed it

	// opts and bounds live in the iter so that opening one costs one
	// allocation of ours, not four: a Query page opens an iterator to read
	// ten or so keys, so the fixed cost counts. Pebble keeps references to
	// the bounds for the iterator's life, so they are copies: into bounds
	// when both fit, else into one allocation.
	opts   pdb.IterOptions
	bounds [iterBoundsInline]byte
}

// iterBoundsInline is how many bytes of bounds an iter holds without an
// allocation of their own: 128 bytes, two keys of a table with short
// partition and sort keys.
const iterBoundsInline = 128

// newIter opens an iterator over [start, end) of r and registers it in owner.
// A nil end, or one past kv.ReservedPrefix, stops before the reserved keys.
func newIter(ctx context.Context, r pdb.Reader, owner *handleSet, start, end []byte, reverse bool) (*iter, error) {
	i := &iter{ctx: ctx, owner: owner, reverse: reverse}
	end = clampEnd(end) // never into the reserved keys
	// Copies, so the caller may reuse its buffers. A nil start keeps its
	// nil-ness: no lower bound.
	buf := i.bounds[:0]
	if len(start)+len(end) > len(i.bounds) {
		buf = make([]byte, 0, len(start)+len(end))
	}
	if start != nil {
		buf = append(buf, start...)
		i.opts.LowerBound = buf[:len(start):len(start)]
	}
	if end != nil {
		n := len(buf)
		buf = append(buf, end...)
		i.opts.UpperBound = buf[n:len(buf):len(buf)]
	}
	it, err := r.NewIterWithContext(ctx, &i.opts)
	if err != nil {
		return nil, fmt.Errorf("kv/pebble: iter: %w", err)
	}
	i.it = it
	owner.add(i)
	return i, nil
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
	var ok bool
	switch {
	case !i.started && i.reverse:
		ok = i.it.Last()
	case !i.started:
		ok = i.it.First()
	case i.reverse:
		ok = i.it.Prev()
	default:
		ok = i.it.Next()
	}
	i.started = true
	if !ok {
		i.value = nil
		return false
	}
	if i.steps++; i.steps%ctxCheckInterval == 0 {
		if err := i.ctx.Err(); err != nil {
			i.err = err
			return false
		}
	}
	v, err := i.it.ValueAndErr()
	if err != nil {
		i.err = fmt.Errorf("kv/pebble: iter value: %w", err)
		return false
	}
	i.value = v
	return true
}

// Key implements kv.Iterator.
func (i *iter) Key() []byte { return i.it.Key() }

// Value implements kv.Iterator.
func (i *iter) Value() []byte { return i.value }

// Err implements kv.Iterator.
func (i *iter) Err() error {
	if i.err != nil {
		return i.err
	}
	if i.dead.Load() {
		return nil
	}
	if err := i.it.Error(); err != nil {
		return fmt.Errorf("kv/pebble: iter: %w", err)
	}
	return nil
}

// Close implements kv.Iterator. Closing twice, or after the store closed the
// iterator, is a no-op.
func (i *iter) Close() error {
	if !i.owner.remove(i) {
		return nil
	}
	if err := i.it.Close(); err != nil {
		return fmt.Errorf("kv/pebble: iter close: %w", err)
	}
	return nil
}

func (i *iter) forceClose() {
	i.dead.Store(true)
	_ = i.it.Close()
}
