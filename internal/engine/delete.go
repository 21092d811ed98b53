package engine

import (
	"context"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/expr"
	"github.com/dynago/dynago/internal/kv"
)

// DeleteItem removes one item by its key, if its condition holds. Deleting
// an item that does not exist succeeds (and still costs one write unit).
func (db *DB) DeleteItem(ctx context.Context, in *api.DeleteItemInput) (*api.DeleteItemOutput, error) {
	if err := checkReturnValuesOldOnly(in.ReturnValues); err != nil {
		return nil, err
	}
	w, err := db.prepareKeyed(ctx, writeDelete, in.TableName, in.Key, &expr.Request{
		Operation:           "DeleteItem",
		ConditionExpression: in.ConditionExpression,
		Names:               in.ExpressionAttributeNames,
		Values:              in.ExpressionAttributeValues,
		Expected:            in.Expected,
		ConditionalOperator: in.ConditionalOperator,
	}, in.ReturnValuesOnConditionCheckFailure)
	if err != nil {
		return nil, err
	}
	var old attr.Item
	var icm *api.ItemCollectionMetrics
	err = db.store.Update(ctx, [][]byte{w.key}, func(txn kv.Txn) error {
		var err error
		if old, err = readItem(ctx, txn, w.key); err != nil {
			return err
		}
		if err := w.check(old); err != nil {
			return err
		}
		icm, err = db.writeItemMetrics(ctx, txn, w.t, w.key, w.keyAttrs, old, nil, wantCollectionMetrics(in.ReturnItemCollectionMetrics))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &api.DeleteItemOutput{
		Attributes:       returnedAttributes(in.ReturnValues, old, nil, nil),
		ConsumedCapacity: db.consumedWrite(in.ReturnConsumedCapacity, api.Str(in.TableName), w.t, old, nil, writeUnits(itemSize(old))),

		ItemCollectionMetrics: icm,
	}, nil
}
