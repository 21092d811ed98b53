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

// updateItem edits an item's attributes, creating the item when it does
// not exist, if its condition holds. The update (UpdateExpression or the
// legacy AttributeUpdates) is applied by package expr, which also refuses
// updates of key attributes; the engine checks the result's size.
func (db *DB) updateItem(ctx context.Context, in *api.UpdateItemInput) (*api.UpdateItemOutput, error) {
	w, err := db.prepareUpdate(ctx, in.TableName, in.Key, &expr.Request{
		Operation:           "UpdateItem",
		Trees:               treesFrom(ctx),
		ConditionExpression: in.ConditionExpression,
		UpdateExpression:    in.UpdateExpression,
		Names:               in.ExpressionAttributeNames,
		Values:              in.ExpressionAttributeValues,
		Expected:            in.Expected,
		ConditionalOperator: in.ConditionalOperator,
		AttributeUpdates:    in.AttributeUpdates,
	}, in.ReturnValuesOnConditionCheckFailure)
	if err != nil {
		return nil, err
	}
	if err := db.admitWrite(ctx, w.t); err != nil {
		return nil, err
	}
	var old, new attr.Item
	var icm *api.ItemCollectionMetrics
	err = db.updateItems(ctx, db.itemLocks(w), func(txn kv.Txn) error {
		old, new, icm = nil, nil, nil // fn may run again (kv.Store.Update)
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
		if new, err = w.result(old); err != nil {
			return err
		}
		// A nil new item means nothing to store (only removals on a
		// missing item).
		if err := checkUpdatedIndexKeys(db.liveIndexes(w.t), new); err != nil {
			return err
		}
		icm, err = db.writeItemMetrics(ctx, txn, w.t, w.key, w.keyAttrs, &oldImage{item: old}, new, fromRequest, wantCollectionMetrics(in.ReturnItemCollectionMetrics))
		return err
	})
	if err != nil {
		if errors.Is(err, apierr.ConditionalCheckFailedException) {
			db.chargeFailedWrite(ctx, w.t, old)
		}
		return nil, err
	}
	var paths *expr.Projection
	if w.update != nil {
		paths = w.update.Paths()
	}
	return &api.UpdateItemOutput{
		Attributes: returnedAttributes(in.ReturnValues, old, new, paths),
		ConsumedCapacity: db.settle(ctx, db.consumedWrite(db.capacityAsked(), api.Str(in.TableName), w.t, old, new, putUnits(old, new)),
			true, in.ReturnConsumedCapacity),

		ItemCollectionMetrics: icm,
	}, nil
}

// applyUpdate returns the item after the update u (nil: the request had
// none, which still creates the item with just its key, as DynamoDB does).
func applyUpdate(u *expr.Update, old, key attr.Item) (attr.Item, error) {
	if u != nil {
		return u.Apply(old, key)
	}
	if old != nil {
		return old, nil
	}
	return key.Clone(), nil
}

// exprKeys returns the key schema in the form package expr takes.
func (t *Table) exprKeys() expr.KeySchema {
	return expr.KeySchema{Hash: t.Hash.Name, Range: t.Range.Name}
}
