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
// consumed is charged afterwards. Before the operation runs only an
// estimate of each item's cost is known (the new item's size for a put,
// one unit for a delete or a read), so admitted items may leave a bucket
// in debt, which later refills pay off.

import (
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
)

// tokens returns what e's bucket (index "" for the table) holds now, and
// its limit; ok false when nothing limits it.
func (db *DB) tokens(e *catalogEntry, index string, write bool, now time.Time) (float64, limit, bool) {
	l, ok := limitOf(e, index, write)
	if !ok {
		return 0, limit{}, false
	}
	b := db.buckets.get(bucketKey{table: e.table.ID, index: index, write: write})
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill(now, l.rate, l.size)
	return b.tokens, l, true
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
func (db *DB) budget(e *catalogEntry, indexes []string, write bool, now time.Time) (units float64, by refusal, limited bool) {
	for _, index := range append([]string{""}, indexes...) {
		t, l, ok := db.tokens(e, index, write, now)
		if !ok {
			continue
		}
		if !limited || t < units {
			units, by, limited = t, refusal{e: e, index: index, l: l}, true
		}
	}
	return units, by, limited
}

// batchHold is what admitBatch held back from a batch request, to answer
// as unprocessed, and how to give the request its items back.
type batchHold struct {
	writes  map[string][]api.WriteRequest
	keys    map[string]api.KeysAndAttributes
	restore func()
}

// admitBatch admits the items of a BatchWriteItem or BatchGetItem that
// their tables' capacity allows, in request order per table, and removes
// the others from the request for the operation to run without them. It
// returns the items held back (nil when none), or the throttling error
// when no item at all could be admitted.
func (db *DB) admitBatch(in any, write bool, now time.Time) (*batchHold, error) {
	var refused []refusal
	admitted := 0
	hold := &batchHold{}
	// admit decides, for the items of one table (costs in request order),
	// how many to run; it returns that count.
	admit := func(name string, costs []float64) int {
		e := db.lookup(name)
		if e == nil {
			admitted += len(costs)
			return len(costs) // the operation reports the unknown table
		}
		units, by, limited := db.budget(e, admitIndexes(e, write, ""), write, now)
		if !limited {
			admitted += len(costs)
			return len(costs)
		}
		n := 0
		for n < len(costs) && units > 0 {
			units -= costs[n]
			n++
		}
		if n < len(costs) {
			db.opts.Observer.Throttled(e.table.Name, by.index, write)
			refused = append(refused, by)
		}
		admitted += n
		return n
	}

	switch in := in.(type) {
	case *api.BatchWriteItemInput:
		orig := in.RequestItems
		run := make(map[string][]api.WriteRequest, len(orig))
		for _, name := range sortedKeys(orig) {
			reqs := orig[name]
			costs := make([]float64, len(reqs))
			for i, r := range reqs {
				costs[i] = 1
				if r.PutRequest != nil {
					costs[i] = writeUnits(itemSize(r.PutRequest.Item))
				}
			}
			n := admit(name, costs)
			if n > 0 {
				run[name] = reqs[:n]
			}
			if n < len(reqs) {
				if hold.writes == nil {
					hold.writes = make(map[string][]api.WriteRequest)
				}
				hold.writes[name] = reqs[n:]
			}
		}
		if hold.writes == nil {
			return nil, nil
		}
		in.RequestItems = run
		hold.restore = func() { in.RequestItems = orig }
	case *api.BatchGetItemInput:
		orig := in.RequestItems
		run := make(map[string]api.KeysAndAttributes, len(orig))
		for _, name := range sortedKeys(orig) {
			ka := orig[name]
			costs := make([]float64, len(ka.Keys))
			for i := range costs {
				costs[i] = readUnits(0, api.Bool(ka.ConsistentRead))
			}
			n := admit(name, costs)
			if n > 0 {
				part := ka
				part.Keys = ka.Keys[:n]
				run[name] = part
			}
			if n < len(ka.Keys) {
				if hold.keys == nil {
					hold.keys = make(map[string]api.KeysAndAttributes)
				}
				rest := ka
				rest.Keys = append([]attr.Item(nil), ka.Keys[n:]...)
				hold.keys[name] = rest
			}
		}
		if hold.keys == nil {
			return nil, nil
		}
		in.RequestItems = run
		hold.restore = func() { in.RequestItems = orig }
	default:
		return nil, nil
	}
	if admitted == 0 {
		// Every table refused: the first one's error, with a reason per
		// refusing table.
		hold.restore()
		r := refused[0]
		err := apierr.As(db.throttleError(r.e, r.index, write, r.l))
		reasons := make([]api.ThrottlingReason, len(refused))
		for i, r := range refused {
			reasons[i] = db.throttlingReason(r.e, r.index, write, r.l)
		}
		err.ThrottlingReasons = reasons
		return nil, err
	}
	return hold, nil
}

// undo gives the request back the items admitBatch held; nil-safe.
func (h *batchHold) undo() {
	if h != nil {
		h.restore()
	}
}

// merge adds the held items to a batch output's unprocessed ones; nil-safe.
func (h *batchHold) merge(out any) {
	if h == nil {
		return
	}
	switch o := out.(type) {
	case *api.BatchWriteItemOutput:
		if o.UnprocessedItems == nil {
			o.UnprocessedItems = make(map[string][]api.WriteRequest, len(h.writes))
		}
		for name, reqs := range h.writes {
			o.UnprocessedItems[name] = append(o.UnprocessedItems[name], reqs...)
		}
	case *api.BatchGetItemOutput:
		if o.UnprocessedKeys == nil {
			o.UnprocessedKeys = make(map[string]api.KeysAndAttributes, len(h.keys))
		}
		for name, ka := range h.keys {
			if prev, ok := o.UnprocessedKeys[name]; ok {
				prev.Keys = append(prev.Keys, ka.Keys...)
				ka = prev
			}
			o.UnprocessedKeys[name] = ka
		}
	}
}

// admitTransaction refuses a transaction when any table it touches is out
// of capacity, with a TransactionCanceledException whose reasons name the
// throttled actions; entries are the request's tables, tables its table
// per action in request order.
func (db *DB) admitTransaction(entries []*catalogEntry, tables []string, write bool, now time.Time) error {
	throttled := make(map[string]refusal)
	for _, e := range entries {
		units, by, limited := db.budget(e, admitIndexes(e, write, ""), write, now)
		if limited && units <= 0 {
			db.opts.Observer.Throttled(e.table.Name, by.index, write)
			throttled[e.table.Name] = by
		}
	}
	if len(throttled) == 0 {
		return nil
	}
	reasons := make([]api.CancellationReason, len(tables))
	for i, name := range tables {
		reasons[i] = api.CancellationReason{Code: api.Ptr(reasonNone)}
		if r, ok := throttled[db.TableName(name)]; ok {
			reasons[i] = cancellationThrottled(r.index, r.l)
		}
	}
	return transactionCanceled(reasons)
}
