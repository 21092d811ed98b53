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

// deleteItem removes one item by its key, if its condition holds. Deleting
// an item that does not exist succeeds (and still costs one write unit).
func (db *DB) deleteItem(ctx context.Context, in *api.DeleteItemInput) (*api.DeleteItemOutput, error) {
	if err := checkReturnValuesOldOnly(in.ReturnValues); err != nil {
		return nil, err
	}
	w, err := db.prepareKeyed(ctx, writeDelete, in.TableName, in.Key, &expr.Request{
		Operation:           "DeleteItem",
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
	if err := db.admitWrite(ctx, w.t); err != nil {
		return nil, err
	}
	var old attr.Item
	var icm *api.ItemCollectionMetrics
	err = db.updateItems(ctx, db.itemLocks(w), func(txn kv.Txn) error {
		old, icm = nil, nil // fn may run again (kv.Store.Update)
		if err := db.syncWrite(ctx, txn, w.t); err != nil {
			return err
		}
		var err error
		if old, err = readItem(ctx, txn, w.key); err != nil {
			return err
		}
		if err := w.check(old); err != nil {
			return err
		}
		icm, err = db.writeItemMetrics(ctx, txn, w.t, w.key, w.keyAttrs, &oldImage{item: old}, nil, fromRequest, wantCollectionMetrics(in.ReturnItemCollectionMetrics))
		return err
	})
	if err != nil {
		if errors.Is(err, apierr.ConditionalCheckFailedException) {
			db.chargeFailedWrite(ctx, w.t, old)
		}
		return nil, err
	}
	return &api.DeleteItemOutput{
		Attributes: returnedAttributes(in.ReturnValues, old, nil, nil),
		ConsumedCapacity: db.settle(ctx, db.consumedWrite(db.capacityAsked(), api.Str(in.TableName), w.t, old, nil, writeUnits(itemSize(old))),
			true, in.ReturnConsumedCapacity),

		ItemCollectionMetrics: icm,
	}, nil
}
