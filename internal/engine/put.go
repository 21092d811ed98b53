package engine

import (
	"context"
	"errors"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/expr"
	"github.com/dynago/dynago/internal/kv"
)

// putItem creates an item or replaces an existing one, if its condition
// holds: validate the request → look up the table → check the key → lock
// the item key, read the old item, evaluate the condition, write →
// ReturnValues and consumed capacity.
func (db *DB) putItem(ctx context.Context, in *api.PutItemInput) (*api.PutItemOutput, error) {
	if err := checkReturnValuesOldOnly(in.ReturnValues); err != nil {
		return nil, err
	}
	w, err := db.preparePut(ctx, in.TableName, in.Item, &expr.Request{
		Operation:           "PutItem",
		Trees:               treesFrom(ctx),
		ConditionExpression: in.ConditionExpression,
		Names:               in.ExpressionAttributeNames,
		Values:              in.ExpressionAttributeValues,
		Expected:            in.Expected,
		ConditionalOperator: in.ConditionalOperator,
	}, in.ReturnValuesOnConditionCheckFailure)
	if err != nil {
		return nil, err
	}
	// Index key values are checked before the condition, as DynamoDB does
	// (writeItem checks again under the lock).
	if err := checkIndexKeys(db.liveIndexes(w.t), in.Item); err != nil {
		return nil, err
	}
	if err := db.admitWrite(ctx, w.t); err != nil {
		return nil, err
	}
	var old attr.Item
	var oldSize int
	var icm *api.ItemCollectionMetrics
	err = db.updateItems(ctx, db.itemLocks(w), func(txn kv.Txn) error {
		old, oldSize, icm = nil, 0, nil // fn may run again (kv.Store.Update)
		if err := db.syncWrite(ctx, txn, w.t); err != nil {
			return err
		}
		if w.cond == nil && api.Str(in.ReturnValues) != rvAllOld && len(db.liveIndexes(w.t)) == 0 {
			// Nothing here looks inside the old item: capacity needs only
			// its size, read off the stored bytes, and writeItem gets the
			// bytes as the old image, decoding them only if it must.
			raw, size, err := readItemRaw(ctx, txn, w.key)
			if err != nil {
				return err
			}
			oldSize = size
			_, err = db.writeItemMetrics(ctx, txn, w.t, w.key, in.Item, &oldImage{raw: raw}, in.Item, fromRequest, false)
			return err
		}
		var err error
		if old, err = readItem(ctx, txn, w.key); err != nil {
			return err
		}
		oldSize = itemSize(old)
		if err := w.check(old); err != nil {
			return err
		}
		icm, err = db.writeItemMetrics(ctx, txn, w.t, w.key, in.Item, &oldImage{item: old}, in.Item, fromRequest, wantCollectionMetrics(in.ReturnItemCollectionMetrics))
		return err
	})
	if err != nil {
		if errors.Is(err, apierr.ConditionalCheckFailedException) {
			db.chargeFailedWrite(ctx, w.t, old)
		}
		return nil, err
	}
	return &api.PutItemOutput{
		Attributes: returnedAttributes(in.ReturnValues, old, in.Item, nil),
		ConsumedCapacity: db.settle(ctx, db.consumedWrite(db.capacityAsked(), api.Str(in.TableName), w.t, old, in.Item,
			writeUnits(max(oldSize, itemSize(in.Item)))), true, in.ReturnConsumedCapacity),

		ItemCollectionMetrics: icm,
	}, nil
}
