package engine

import (
	"context"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/kv"
)

// batchWrite is one validated request of a BatchWriteItem.
type batchWrite struct {
	table    string // the name as the request gave it
	t        *Table
	key      []byte
	item     attr.Item // nil for a delete
	keyAttrs attr.Item // a delete's key
	req      api.WriteRequest
}

// cost is the write units the request is estimated to cost before it
// runs, for admission: the new item's size, or one unit for a delete.
func (w *batchWrite) cost() float64 {
	if w.item != nil {
		return writeUnits(itemSize(w.item))
	}
	return 1
}

// batchWriteItem puts or deletes up to 25 items in one or more tables.
//
// All of a batch's item keys are locked and written in ONE kv.Update, so
// the batch costs one synced commit instead of 25 and is applied
// atomically: stronger than DynamoDB (which only makes each request
// atomic) and never observable as different, since DynamoDB allows a
// batch to be fully applied. Keys are locked in sorted order, so batches
// and single-item writes never deadlock. The whole batch is validated
// before anything is admitted or written; the requests capacity does not
// admit (throttle_batch.go) are returned in UnprocessedItems, which is
// otherwise present and empty.
func (db *DB) batchWriteItem(ctx context.Context, in *api.BatchWriteItemInput) (*api.BatchWriteItemOutput, error) {
	names := sortedKeys(in.RequestItems)
	total := 0
	for _, name := range names {
		for _, r := range in.RequestItems[name] {
			switch {
			case (r.PutRequest == nil) == (r.DeleteRequest == nil):
				return nil, apierr.Validation("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
			case r.PutRequest != nil:
				if err := validateItemValues(r.PutRequest.Item); err != nil {
					return nil, err
				}
			default:
				if err := validateKeyValues(r.DeleteRequest.Key); err != nil {
					return nil, err
				}
			}
			total++
		}
	}
	if total > maxBatchWriteRequest {
		return nil, apierr.Validation("Too many items requested for the BatchWriteItem call")
	}

	writes := make([]batchWrite, 0, total)
	seen := make(map[string]bool, total)
	for _, name := range names {
		t, err := db.table(ctx, name)
		if err != nil {
			return nil, err
		}
		for _, r := range in.RequestItems[name] {
			w := batchWrite{table: name, t: t, req: r}
			if r.PutRequest != nil {
				if err := t.validateBatchPutKey(r.PutRequest.Item); err != nil {
					return nil, err
				}
				if err := checkIndexKeys(db.liveIndexes(t), r.PutRequest.Item); err != nil {
					return nil, err
				}
				w.item = r.PutRequest.Item
				w.key = itemKey(t, w.item)
			} else {
				if err := t.validateKey(r.DeleteRequest.Key); err != nil {
					return nil, err
				}
				w.key = itemKey(t, r.DeleteRequest.Key)
				w.keyAttrs = r.DeleteRequest.Key
			}
			if seen[string(w.key)] {
				return nil, apierr.Validation("Provided list of item keys contains duplicates")
			}
			seen[string(w.key)] = true
			writes = append(writes, w)
		}
	}

	writes, lockKeys, unprocessed, err := db.admitBatchWrites(ctx, writes)
	if err != nil {
		return nil, err
	}

	var tally capacityTally
	var icm map[string][]api.ItemCollectionMetrics
	err = db.updateItems(ctx, lockKeys, func(txn kv.Txn) error {
		tally = capacityTally{} // fn may run again (kv.Store.Update)
		icm = nil
		for i := range writes {
			if err := db.syncWrite(ctx, txn, writes[i].t); err != nil {
				return err
			}
		}
		for _, w := range writes {
			old, err := readItem(ctx, txn, w.key)
			if err != nil {
				return err
			}
			if w.item != nil {
				tally.add(w.table, putUnits(old, w.item))
			} else {
				tally.add(w.table, writeUnits(itemSize(old)))
			}
			gsi, lsi := db.indexWriteUnits(w.t, old, w.item)
			tally.addIndexes(w.table, gsi, lsi)
			m, err := db.writeItemMetrics(ctx, txn, w.t, w.key, w.keyAttrs, &oldImage{item: old}, w.item, fromRequest, wantCollectionMetrics(in.ReturnItemCollectionMetrics))
			if err != nil {
				return err
			}
			icm = addCollectionMetrics(icm, w.table, m)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &api.BatchWriteItemOutput{
		UnprocessedItems: unprocessed,
		ConsumedCapacity: db.settleAll(ctx, tally.list(db.capacityAsked()), true, in.ReturnConsumedCapacity),

		ItemCollectionMetrics: icm,
	}, nil
}

// validateBatchPutKey is validateItemKey with BatchWriteItem's wording: a
// missing or mistyped key attribute in a PutRequest is "The provided key
// element does not match the schema", not PutItem's longer messages.
func (t *Table) validateBatchPutKey(item attr.Item) error {
	for _, k := range t.keyAttrs() {
		if v, ok := item[k.Name]; !ok || v.Type != k.Type {
			return keyMismatch(apierr.Validation(msgKeySchema))
		}
	}
	return t.validateItemKey(item)
}

// admitBatchWrites splits a validated batch (writes, grouped by table in
// request order) into what capacity admits now, with the keys to lock, and
// the requests returned to the client in UnprocessedItems (never nil). It
// fails only when no request at all is admitted.
func (db *DB) admitBatchWrites(ctx context.Context, writes []batchWrite) (run []batchWrite, lockKeys [][]byte, unprocessed map[string][]api.WriteRequest, err error) {
	unprocessed = map[string][]api.WriteRequest{}
	a := db.newBatchAdmission(ctx, true)
	run = writes[:0:0]
	for i := 0; i < len(writes); {
		j := i
		for j < len(writes) && writes[j].table == writes[i].table {
			j++
		}
		group := writes[i:j]
		costs := make([]float64, len(group))
		for k := range group {
			costs[k] = group[k].cost()
		}
		n := a.admit(group[0].t, costs)
		run = append(run, group[:n]...)
		for _, w := range group[n:] {
			unprocessed[w.table] = append(unprocessed[w.table], w.req)
		}
		i = j
	}
	if err := a.err(); err != nil {
		return nil, nil, nil, err
	}
	lockKeys = make([][]byte, len(run), len(run)+1)
	for i := range run {
		lockKeys[i] = run[i].key
		keyAttrs := run[i].keyAttrs
		if keyAttrs == nil {
			keyAttrs = run[i].item
		}
		if ck := db.collectionLock(run[i].t, keyAttrs); ck != nil {
			lockKeys = append(lockKeys, ck)
		}
	}
	return run, lockKeys, unprocessed, nil
}
