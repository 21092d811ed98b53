package engine

// Request validation of TransactWriteItems and TransactGetItems: what is
// refused with a ValidationException before any item is locked or read.

import (
	"context"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/expr"
)

// Transaction limits.
const (
	maxTransactItems = 100     // actions per transaction
	maxTransactSize  = 4 << 20 // 4 MB: the aggregate size of a transaction's items
)

// DynamoDB's transaction messages.
const (
	msgTransactOneAction = "TransactItems can only contain one of Check, Put, Update or Delete"
	msgTransactDuplicate = "Transaction request cannot include multiple operations on one item"
	msgTransactCancelled = "Transaction cancelled, please refer cancellation reasons for specific reasons"
	msgTransactTooLarge  = "Transaction size has exceeded the maximum allowed size of 4 MB"
)

// prepareTransactWrite validates every action of a TransactWriteItems
// request, in request order, and returns them prepared. The first invalid
// action's error is the request's error; nothing has been read yet.
func (db *DB) prepareTransactWrite(ctx context.Context, in *api.TransactWriteItemsInput) ([]*itemWrite, error) {
	writes := make([]*itemWrite, 0, len(in.TransactItems))
	for i := range in.TransactItems {
		w, err := db.prepareTransactAction(ctx, &in.TransactItems[i])
		if err != nil {
			return nil, err
		}
		writes = append(writes, w)
	}
	if err := checkDistinctItems(writes); err != nil {
		return nil, err
	}
	return writes, nil
}

// prepareTransactAction validates one TransactWriteItem, which must hold
// exactly one action. A Put names a key attribute that is missing or
// mistyped with BatchWriteItem's short message, as DynamoDB does inside
// transactions.
func (db *DB) prepareTransactAction(ctx context.Context, ti *api.TransactWriteItem) (*itemWrite, error) {
	n := 0
	for _, set := range []bool{ti.ConditionCheck != nil, ti.Put != nil, ti.Update != nil, ti.Delete != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return nil, apierr.Validation(msgTransactOneAction)
	}
	switch {
	case ti.Put != nil:
		p := ti.Put
		return db.preparePutWith(ctx, p.TableName, p.Item, &expr.Request{
			Operation:           "PutItem",
			Trees:               actionTrees(ctx, p),
			ConditionExpression: p.ConditionExpression,
			Names:               p.ExpressionAttributeNames,
			Values:              p.ExpressionAttributeValues,
		}, p.ReturnValuesOnConditionCheckFailure, (*Table).validateBatchPutKey)
	case ti.Update != nil:
		u := ti.Update
		return db.prepareUpdate(ctx, u.TableName, u.Key, &expr.Request{
			Operation:           "UpdateItem",
			Trees:               actionTrees(ctx, u),
			ConditionExpression: u.ConditionExpression,
			UpdateExpression:    u.UpdateExpression,
			Names:               u.ExpressionAttributeNames,
			Values:              u.ExpressionAttributeValues,
		}, u.ReturnValuesOnConditionCheckFailure)
	case ti.Delete != nil:
		d := ti.Delete
		return db.prepareKeyed(ctx, writeDelete, d.TableName, d.Key, &expr.Request{
			Operation:           "DeleteItem",
			Trees:               actionTrees(ctx, d),
			ConditionExpression: d.ConditionExpression,
			Names:               d.ExpressionAttributeNames,
			Values:              d.ExpressionAttributeValues,
		}, d.ReturnValuesOnConditionCheckFailure)
	default:
		c := ti.ConditionCheck
		return db.prepareKeyed(ctx, writeCheck, c.TableName, c.Key, &expr.Request{
			Operation:           "ConditionCheck",
			Trees:               actionTrees(ctx, c),
			ConditionExpression: c.ConditionExpression,
			Names:               c.ExpressionAttributeNames,
			Values:              c.ExpressionAttributeValues,
		}, c.ReturnValuesOnConditionCheckFailure)
	}
}

// checkDistinctItems refuses a transaction that names one item twice:
// DynamoDB cannot order two actions on one item.
func checkDistinctItems(writes []*itemWrite) error {
	seen := make(map[string]bool, len(writes))
	for _, w := range writes {
		if seen[string(w.key)] {
			return apierr.Validation(msgTransactDuplicate)
		}
		seen[string(w.key)] = true
	}
	return nil
}

// transactGet is one validated Get of a TransactGetItems request.
type transactGet struct {
	t          *Table
	key        []byte
	projection *expr.Projection
}

// prepareTransactGet validates every Get of a TransactGetItems request.
func (db *DB) prepareTransactGet(ctx context.Context, in *api.TransactGetItemsInput) ([]transactGet, error) {
	gets := make([]transactGet, 0, len(in.TransactItems))
	seen := make(map[string]bool, len(in.TransactItems))
	for _, ti := range in.TransactItems {
		g := ti.Get // required by the model
		if err := validateKeyValues(g.Key); err != nil {
			return nil, err
		}
		c, err := db.exprs.Compile(&expr.Request{
			Operation:            "GetItem",
			Trees:                actionTrees(ctx, g),
			ProjectionExpression: g.ProjectionExpression,
			Names:                g.ExpressionAttributeNames,
		}, expr.KeySchema{})
		if err != nil {
			return nil, err
		}
		t, err := db.table(ctx, api.Str(g.TableName))
		if err != nil {
			return nil, err
		}
		if err := t.validateKey(g.Key); err != nil {
			return nil, err
		}
		key := itemKey(t, g.Key)
		if seen[string(key)] {
			return nil, apierr.Validation(msgTransactDuplicate)
		}
		seen[string(key)] = true
		gets = append(gets, transactGet{t: t, key: key, projection: c.Projection})
	}
	return gets, nil
}
