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
	if err := validateItemValues(in.Item); err != nil {
		return nil, err
	}
	// Conditions never depend on the key schema, so they are checked
	// before the table is looked up, as DynamoDB does.
	c, err := db.exprs.Compile(&expr.Request{
		Operation:           "PutItem",
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
	if err := t.validateItemKey(in.Item); err != nil {
		return nil, err
	}
	key := itemKey(t, in.Item)
	var old attr.Item
	err = db.store.Update(ctx, [][]byte{key}, func(txn kv.Txn) error {
		var err error
		if old, err = readItem(ctx, txn, key); err != nil {
			return err
		}
		if err := evalCondition(c.Condition, in.ReturnValuesOnConditionCheckFailure, old); err != nil {
			return err
		}
		return db.writeItem(txn, t, key, old, in.Item)
	})
	if err != nil {
		return nil, err
	}
	return &api.PutItemOutput{
		Attributes:       returnedAttributes(in.ReturnValues, old, in.Item, nil),
		ConsumedCapacity: consumed(in.ReturnConsumedCapacity, api.Str(in.TableName), putUnits(old, in.Item)),
	}, nil
}
