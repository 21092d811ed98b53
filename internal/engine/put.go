package engine

import (
	"context"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/expr"
	"github.com/dynago/dynago/internal/kv"
)

// PutItem creates an item or replaces an existing one, if its condition
// holds: validate the request → look up the table → check the key → lock
// the item key, read the old item, evaluate the condition, write →
// ReturnValues and consumed capacity.
func (db *DB) PutItem(ctx context.Context, in *api.PutItemInput) (*api.PutItemOutput, error) {
	if err := checkReturnValuesOldOnly(in.ReturnValues); err != nil {
		return nil, err
	}
	w, err := db.preparePut(ctx, in.TableName, in.Item, &expr.Request{
		Operation:           "PutItem",
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
	var old attr.Item
	var oldSize int
	var icm *api.ItemCollectionMetrics
	err = db.store.Update(ctx, [][]byte{w.key}, func(txn kv.Txn) error {
		var err error
		if w.cond == nil && api.Str(in.ReturnValues) != rvAllOld && len(db.liveIndexes(w.t)) == 0 {
			// Nothing looks inside the old item: only its size counts, for
			// capacity, and that is read off the stored bytes.
			oldSize, err = readItemSize(ctx, txn, w.key)
			if err != nil {
				return err
			}
			_, err = db.writeItemMetrics(ctx, txn, w.t, w.key, in.Item, nil, in.Item, false)
			return err
		}
		if old, err = readItem(ctx, txn, w.key); err != nil {
			return err
		}
		oldSize = itemSize(old)
		if err := w.check(old); err != nil {
			return err
		}
		icm, err = db.writeItemMetrics(ctx, txn, w.t, w.key, in.Item, old, in.Item, wantCollectionMetrics(in.ReturnItemCollectionMetrics))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &api.PutItemOutput{
		Attributes:       returnedAttributes(in.ReturnValues, old, in.Item, nil),
		ConsumedCapacity: db.consumedWrite(in.ReturnConsumedCapacity, api.Str(in.TableName), w.t, old, in.Item, writeUnits(max(oldSize, itemSize(in.Item)))),

		ItemCollectionMetrics: icm,
	}, nil
}
