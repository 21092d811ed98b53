package engine

// Provisioned throughput shared by several engines over one store
// (Options.SharedCapacity: API nodes over TiKV, or Config.Nodes in tests).
// Each bucket's budget lives in the store, at t/<table id>/b/<r|w>/<index>
// (under the table's prefix, so it is dropped with the table),
// as the tokens left at a time; an engine spends from a small grant it
// takes out of that budget in a store transaction (topUp), and exchanges
// the grant for a new one when it is spent or stale, paying back what it
// did not spend, or the debt an expensive request ran up.
//
// The bound, stated: the units admitted across all nodes never exceed what
// one bucket would admit (burst plus refill), because every unit spent was
// granted out of the one budget, debt included. A node may refuse a request
// while another holds unspent grant: at most one grant per node, a tenth of
// a second of the bucket's rate (at least one unit), is held back that way,
// and for at most grantLifetime. A request that needs a new grant pays one
// store transaction; at a table's full rate that is one in every tenth of a
// second per node.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/dynago/dynago/internal/kv"
)

const (
	// grantSeconds sizes a grant: this many seconds of the bucket's rate.
	grantSeconds = 0.1

	// grantLifetime is how long a node keeps spending one grant before
	// it settles it with the store, so that what one node holds unspent
	// comes back to the others soon.
	grantLifetime = time.Second

	// grantsAbove is how many grants' worth the budget must hold for a
	// grant to be handed out; below it every node spends directly.
	grantsAbove = 100
)

// sharedBudget is a bucket's budget as the store keeps it.
type sharedBudget struct {
	Tokens float64 `json:"tokens"`
	Last   int64   `json:"last"` // unix nanoseconds of the last refill
	Rate   float64 `json:"rate"`
}

func capacityKey(k bucketKey) []byte {
	b := append(tablePrefix(k.table), 'b', '/')
	if k.write {
		b = append(b, "w/"...)
	} else {
		b = append(b, "r/"...)
	}
	return append(b, k.index...)
}

// topUp returns what bucket k holds for this engine to start spending
// now: its grant b when that is unspent and fresh, or else what an exchange
// with the store's budget gives. b.mu is held.
//
// Far from empty, the exchange pays back b's remainder (or debt) and takes
// a new grant. A grant spent to zero or into debt is exchanged at once by
// spend, so the budget always holds every engine's debt. Below
// grantFloor (grantsAbove grants' worth, or half a smaller bucket), and for the admission of a batch or a
// transaction (exact, which must see the whole budget to split it), no
// grant is taken: b turns direct, each admission reads the budget itself
// and each spend subtracts from it in the store, so that near the limit
// the nodes together admit what one bucket would. A grant handed out above
// the mark may still be spent after others drained the budget below it:
// that is the bound stated above.
func (db *DB) topUp(ctx context.Context, k bucketKey, b *bucket, l limit, now time.Time, exact bool) (float64, error) {
	if !exact && !b.direct && b.tokens > 0 && now.Sub(b.last) < grantLifetime && b.rate == l.rate {
		return b.tokens, nil
	}
	grant, level, direct := 0.0, 0.0, false
	err := db.updateBudget(ctx, k, l, now, func(bud *sharedBudget) {
		grant, level, direct = 0, 0, false
		if b.rate == l.rate || b.tokens > 0 {
			// Pay back the old grant's remainder, or its debt (forgiven
			// when the rate changed, as a local bucket forgives it).
			bud.Tokens = math.Min(bud.Tokens+b.tokens, l.size)
		}
		g := math.Max(l.rate*grantSeconds, 1)
		if !exact && bud.Tokens >= grantFloor(g, l.size) {
			grant, level = g, g
			bud.Tokens -= g
			return
		}
		direct, level = true, bud.Tokens
	})
	if err != nil {
		return 0, err
	}
	b.tokens, b.rate, b.size, b.last, b.direct = grant, l.rate, l.size, now, direct
	return level, nil
}

// grantFloor is what the budget must hold for a grant of g to be handed
// out: grantsAbove grants' worth, or half the bucket when the bucket is
// smaller than that (an on-demand table's holds one second of its rate, a
// provisioned one's 300 seconds), and at least the grant itself. Without
// the cap an on-demand table's budget could never reach the floor, and
// every request paid two store transactions.
func grantFloor(g, size float64) float64 {
	return math.Max(g, math.Min(grantsAbove*g, size/2))
}

// spendShared charges units to bucket k's budget in the store, for a
// bucket that is direct (see topUp).
func (db *DB) spendShared(ctx context.Context, k bucketKey, l limit, units float64, now time.Time) error {
	return db.updateBudget(ctx, k, l, now, func(bud *sharedBudget) { bud.Tokens -= units })
}

// updateBudget refills bucket k's budget in the store to now under limit l
// and applies change to it, in one store transaction.
func (db *DB) updateBudget(ctx context.Context, k bucketKey, l limit, now time.Time, change func(*sharedBudget)) error {
	key := capacityKey(k)
	return db.store.Update(ctx, [][]byte{key}, func(txn kv.Txn) error {
		var bud sharedBudget
		switch raw, err := txn.Get(ctx, key); {
		case errors.Is(err, kv.ErrNotFound):
			bud = sharedBudget{Tokens: l.size, Last: now.UnixNano(), Rate: l.rate} // a new bucket starts full
		case err != nil:
			return err
		default:
			if err := json.Unmarshal(raw, &bud); err != nil {
				return fmt.Errorf("engine: capacity budget %q: %w", key, err)
			}
		}
		dt := float64(now.UnixNano()-bud.Last) / 1e9
		switch {
		case bud.Rate != l.rate:
			// An UpdateTable takes effect at once, forgiving debt, as
			// with a local bucket (bucket.refill).
			bud.Tokens = math.Max(bud.Tokens, 0) + math.Max(dt, 0)*l.rate
		case dt > 0:
			bud.Tokens += dt * l.rate
		}
		bud.Tokens = math.Min(bud.Tokens, l.size)
		bud.Rate = l.rate
		bud.Last = max(bud.Last, now.UnixNano())
		change(&bud)
		raw, err := json.Marshal(bud)
		if err != nil {
			return err
		}
		return txn.Set(key, raw)
	})
}
