package engine

// Throttling of the multi-item operations, which DynamoDB does not refuse
// whole the way it refuses a single-item request:
//
//   - BatchWriteItem and BatchGetItem process what capacity allows and
//     return the rest in UnprocessedItems / UnprocessedKeys for the client
//     to send again (boto3's batch_writer and the SDKs' batch helpers do);
//     only when none of the items can be processed, because every table
//     in the request is out of capacity, is the answer
//     ProvisionedThroughputExceededException (API reference,
//     BatchWriteItem and BatchGetItem).
//   - TransactWriteItems and TransactGetItems are cancelled with
//     TransactionCanceledException when a table they touch is out of
//     capacity (throttle_reasons.go has the reasons).
//
// Admission stays the buckets' rule (throttle.go): an item is admitted
// while its table's buckets hold any capacity, and what it actually
// consumed is charged afterwards. Admission runs once the whole request is
// validated (an invalid item fails the request and nothing is written or
// held back) and before anything is read: only an estimate of each item's
// cost is known then (the new item's size for a put, one unit for a delete
// or a read), so admitted items may leave a bucket in debt, which later
// refills pay off.

import (
	"context"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
)

// tokens returns what e's bucket (index "" for the table) holds now, and
// its limit; ok false when nothing limits it.
func (db *DB) tokens(ctx context.Context, e *catalogEntry, index string, write bool, now time.Time) (float64, limit, bool, error) {
	l, ok := limitOf(e, index, write)
	if !ok {
		return 0, limit{}, false, nil
	}
	level, err := db.level(ctx, bucketKey{table: e.table.ID, index: index, write: write}, l, now, true)
	return level, l, err == nil, err
}

// refusal names the bucket that refused a table's items.
type refusal struct {
	e     *catalogEntry
	index string
	l     limit
}

// budget returns how many units the table of e may still start consuming
// in one direction: the least any of its buckets (the table's and, for
// indexes, the named ones) holds, and the bucket holding it. limited is
// false when no bucket limits the table.
func (db *DB) budget(ctx context.Context, e *catalogEntry, indexes []string, write bool, now time.Time) (units float64, by refusal, limited bool, err error) {
	for _, index := range append([]string{""}, indexes...) {
		t, l, ok, err := db.tokens(ctx, e, index, write, now)
		if err != nil {
			return 0, refusal{}, false, err
		}
		if !ok {
			continue
		}
		if !limited || t < units {
			units, by, limited = t, refusal{e: e, index: index, l: l}, true
		}
	}
	return units, by, limited, nil
}

// batchAdmission decides, table by table, how many of a validated batch's
// items capacity admits (in request order per table), and remembers the
// buckets that refused some, for the error when none was admitted.
type batchAdmission struct {
	ctx      context.Context
	db       *DB
	write    bool
	now      time.Time
	refused  []refusal
	admitted int
	failed   error // reading the capacity failed
}

func (db *DB) newBatchAdmission(ctx context.Context, write bool) *batchAdmission {
	return &batchAdmission{ctx: ctx, db: db, write: write, now: db.clock()}
}

// admit returns how many of t's items, costing costs in request order, to
// run now; the rest are returned to the client as unprocessed.
func (a *batchAdmission) admit(t *Table, costs []float64) int {
	var e *catalogEntry
	if !a.db.opts.NoThrottle {
		e = a.db.entryOf(t)
	}
	if e == nil {
		a.admitted += len(costs)
		return len(costs)
	}
	units, by, limited, err := a.db.budget(a.ctx, e, admitIndexes(e, a.write, ""), a.write, a.now)
	if err != nil && a.failed == nil {
		a.failed = err
	}
	if !limited {
		a.admitted += len(costs)
		return len(costs)
	}
	n := 0
	for n < len(costs) && units > 0 {
		units -= costs[n]
		n++
	}
	if n < len(costs) {
		a.db.opts.Observer.Throttled(e.table.Name, by.index, a.write)
		a.refused = append(a.refused, by)
	}
	a.admitted += n
	return n
}

// err returns the throttling error of a batch of which no item was
// admitted: the first refusing table's error, with a reason per refusing
// table; nil when some item was admitted (or none was asked for).
func (a *batchAdmission) err() error {
	if a.failed != nil {
		return a.failed
	}
	if a.admitted > 0 || len(a.refused) == 0 {
		return nil
	}
	r := a.refused[0]
	err := apierr.As(a.db.throttleError(r.e, r.index, a.write, r.l))
	reasons := make([]api.ThrottlingReason, len(a.refused))
	for i, r := range a.refused {
		reasons[i] = a.db.throttlingReason(r.e, r.index, a.write, r.l)
	}
	err.ThrottlingReasons = reasons
	return err
}

// admitTransaction refuses a transaction when any table it touches is out
// of capacity, with a TransactionCanceledException whose reasons name the
// throttled actions; tables are the action's tables in request order.
func (db *DB) admitTransaction(ctx context.Context, tables []*Table, write bool) error {
	if db.opts.NoThrottle {
		return nil
	}
	now := db.opts.Now()
	throttled := make(map[uint64]refusal)
	seen := make(map[uint64]bool, len(tables))
	for _, t := range tables {
		if seen[t.ID] {
			continue
		}
		seen[t.ID] = true
		e := db.entryOf(t)
		if e == nil {
			continue
		}
		units, by, limited, err := db.budget(ctx, e, admitIndexes(e, write, ""), write, now)
		if err != nil {
			return err
		}
		if limited && units <= 0 {
			db.opts.Observer.Throttled(e.table.Name, by.index, write)
			throttled[t.ID] = by
		}
	}
	if len(throttled) == 0 {
		return nil
	}
	reasons := make([]api.CancellationReason, len(tables))
	for i, t := range tables {
		reasons[i] = api.CancellationReason{Code: api.Ptr(reasonNone)}
		if r, ok := throttled[t.ID]; ok {
			reasons[i] = cancellationThrottled(r.index, r.l)
		}
	}
	return transactionCanceled(reasons)
}
