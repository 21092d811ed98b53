package engine

// Request validation of TransactWriteItems and TransactGetItems: what is
// refused with a ValidationException before any item is locked or read.

import (
	"context"
	"errors"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/expr"
)

// Transaction limits.
const (
	maxTransactItems = 100     // actions per transaction
	maxTransactSize  = 4 << 20 // 4 MB: the size of a transaction's request (its items, keys and values) or of the items a TransactGetItems returns
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
// action's error is the request's error; nothing has been read yet. A
// request over 4 MB is refused first: the limit is on what the request
// carries (items to put, keys, values), not on the items it deletes or
// checks. A key that does not match the table's schema cancels the
// transaction instead (transactKeyCancel).
func (db *DB) prepareTransactWrite(ctx context.Context, in *api.TransactWriteItemsInput) ([]*itemWrite, error) {
	if transactWriteSize(in) > maxTransactSize {
		return nil, apierr.Validation(msgTransactTooLarge)
	}
	writes := make([]*itemWrite, 0, len(in.TransactItems))
	for i := range in.TransactItems {
		w, err := db.prepareTransactAction(ctx, &in.TransactItems[i])
		if err != nil {
			return nil, transactKeyCancel(err, i, len(in.TransactItems))
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

// transactWriteSize is the size of what a TransactWriteItems request
// carries, in DynamoDB's item-size units: the items it puts, and the keys
// and expression attribute values of every action.
func transactWriteSize(in *api.TransactWriteItemsInput) int {
	n := 0
	values := func(vs map[string]attr.Value) {
		for k, v := range vs {
			n += len(k) + v.Size()
		}
	}
	for _, ti := range in.TransactItems {
		switch {
		case ti.Put != nil:
			n += attr.ItemSize(ti.Put.Item)
			values(ti.Put.ExpressionAttributeValues)
		case ti.Update != nil:
			n += attr.ItemSize(ti.Update.Key)
			values(ti.Update.ExpressionAttributeValues)
		case ti.Delete != nil:
			n += attr.ItemSize(ti.Delete.Key)
			values(ti.Delete.ExpressionAttributeValues)
		case ti.ConditionCheck != nil:
			n += attr.ItemSize(ti.ConditionCheck.Key)
			values(ti.ConditionCheck.ExpressionAttributeValues)
		}
	}
	return n
}

// keyMismatchError marks an action's failure as its key (or its item's
// key attributes) not matching the table's key schema: a wrong type or a
// missing attribute. DynamoDB finds those while it runs the transaction,
// so they cancel it rather than fail the request (an empty key value, by
// contrast, is refused up front).
type keyMismatchError struct{ err error }

func (e *keyMismatchError) Error() string { return e.err.Error() }
func (e *keyMismatchError) Unwrap() error { return e.err }

// keyMismatch marks a key-schema failure (Table.validateKey,
// validateItemKey, validateBatchPutKey) as a keyMismatchError; callers
// outside transactions see the DynamoDB error it wraps.
func keyMismatch(err error) error {
	if err == nil {
		return nil
	}
	return &keyMismatchError{err: err}
}

// transactKeyCancel turns the failure of action i of n into the
// transaction's answer: a key mismatch cancels the transaction, with a
// ValidationError reason for action i and None for the others; any other
// error is returned as it is.
func transactKeyCancel(err error, i, n int) error {
	var km *keyMismatchError
	if !errors.As(err, &km) {
		return err
	}
	reasons := make([]api.CancellationReason, n)
	for j := range reasons {
		reasons[j] = api.CancellationReason{Code: api.Ptr(reasonNone)}
	}
	msg := km.err.Error()
	if e := apierr.As(km.err); e != nil {
		msg = e.Message
	}
	reasons[i] = api.CancellationReason{Code: api.Ptr(reasonValidation), Message: api.Ptr(msg)}
	return transactionCanceled(reasons)
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
	for i, ti := range in.TransactItems {
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
			return nil, transactKeyCancel(err, i, len(in.TransactItems))
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
