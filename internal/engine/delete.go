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
	if err := validateKeyValues(in.Key); err != nil {
		return nil, err
	}
	c, err := db.exprs.Compile(&expr.Request{
		Operation:           "DeleteItem",
		ConditionExpression: in.ConditionExpression,
		Names:               in.ExpressionAttributeNames,
		Values:              in.ExpressionAttributeValues,
		Expected:            in.Expected,
		ConditionalOperator: in.ConditionalOperator,
	}, expr.KeySchema{})
	if err != nil {
		return nil, err
	}
	t, err := db.table(ctx, api.Str(in.TableName))
	if err != nil {
		return nil, err
	}
	if err := t.validateKey(in.Key); err != nil {
		return nil, err
	}
	key := itemKey(t, in.Key)
	var old attr.Item
	err = db.store.Update(ctx, [][]byte{key}, func(txn kv.Txn) error {
		var err error
		if old, err = readItem(ctx, txn, key); err != nil {
			return err
		}
		if err := evalCondition(c.Condition, in.ReturnValuesOnConditionCheckFailure, old); err != nil {
			return err
		}
		return db.writeItem(txn, t, key, old, nil)
	})
	if err != nil {
		return nil, err
	}
	return &api.DeleteItemOutput{
		Attributes:       returnedAttributes(in.ReturnValues, old, nil, nil),
		ConsumedCapacity: consumed(in.ReturnConsumedCapacity, api.Str(in.TableName), writeUnits(itemSize(old))),
	}, nil
}
