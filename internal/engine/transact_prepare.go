package engine

// Single-item writes split into "prepare" (everything checked before any
// lock: values, expressions, table, key) and "apply" (under the item's
// lock: the condition, then the new item). PutItem, UpdateItem and
// DeleteItem run one prepared write in its own kv.Update; TransactWriteItems
// runs up to 100 of them in one. Sharing the code keeps the two paths'
// messages and semantics identical.

import (
	"context"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/expr"
)

// writeKind is what a prepared write does to its item.
type writeKind uint8

const (
	writePut writeKind = iota
	writeUpdate
	writeDelete
	writeCheck // a transaction's ConditionCheck: evaluate, write nothing
)

// String names the kind as DynamoDB's request members do.
func (k writeKind) String() string {
	switch k {
	case writePut:
		return "Put"
	case writeUpdate:
		return "Update"
	case writeDelete:
		return "Delete"
	}
	return "ConditionCheck"
}

// itemWrite is one validated single-item write, ready to run under its
// item's lock.
type itemWrite struct {
	kind      writeKind
	tableName string // the name (or ARN) as the request gave it
	t         *Table
	key       []byte    // the item's storage key
	keyAttrs  attr.Item // the item's key attributes
	item      attr.Item // writePut: the new item

	cond        *expr.Condition // nil: unconditional
	update      *expr.Update    // writeUpdate: nil creates the key alone
	rvOnFailure *string         // ReturnValuesOnConditionCheckFailure
}

// keyValidator checks an item's key attributes against its table; the
// single-item and the batch/transaction operations word the failure
// differently.
type keyValidator func(*Table, attr.Item) error

// preparePut validates a put of item: the values and the item's size, the
// condition (which never depends on the key schema, so it is checked
// before the table is looked up, as DynamoDB does), the table, the key.
func (db *DB) preparePut(ctx context.Context, tableName *string, item attr.Item, req *expr.Request, rvOnFailure *string) (*itemWrite, error) {
	return db.preparePutWith(ctx, tableName, item, req, rvOnFailure, (*Table).validateItemKey)
}

// preparePutWith is preparePut with the key check (and so its wording)
// chosen by the caller.
func (db *DB) preparePutWith(ctx context.Context, tableName *string, item attr.Item, req *expr.Request, rvOnFailure *string, validateKey keyValidator) (*itemWrite, error) {
	if err := validateItemValues(item); err != nil {
		return nil, err
	}
	c, err := db.exprs.Compile(req, expr.KeySchema{})
	if err != nil {
		return nil, err
	}
	t, err := db.table(ctx, api.Str(tableName))
	if err != nil {
		return nil, err
	}
	if err := validateKey(t, item); err != nil {
		return nil, err
	}
	// DynamoDB refuses a wrong index key type before it evaluates the
	// condition; writeItem checks again under the lock, against the
	// indexes as they are then.
	if err := checkIndexKeys(t.Indexes, item); err != nil {
		return nil, err
	}
	return &itemWrite{
		kind: writePut, tableName: api.Str(tableName), t: t,
		key: itemKey(t, item), keyAttrs: t.keyOf(item), item: item,
		cond: c.Condition, rvOnFailure: rvOnFailure,
	}, nil
}

// prepareUpdate validates an update of the item at key. The table comes
// before the expressions here: an update may not touch the key, so the
// key schema is needed to compile it.
func (db *DB) prepareUpdate(ctx context.Context, tableName *string, key attr.Item, req *expr.Request, rvOnFailure *string) (*itemWrite, error) {
	if err := validateKeyValues(key); err != nil {
		return nil, err
	}
	t, err := db.table(ctx, api.Str(tableName))
	if err != nil {
		return nil, err
	}
	c, err := db.exprs.Compile(req, t.exprKeys())
	if err != nil {
		return nil, err
	}
	if err := t.validateKey(key); err != nil {
		return nil, err
	}
	// An update that plainly gives an index key a wrong type is refused
	// before the item is read, in UpdateItem and in transactions alike.
	if err := checkUpdateIndexKeys(db.liveIndexes(t), c.Update); err != nil {
		return nil, err
	}
	return &itemWrite{
		kind: writeUpdate, tableName: api.Str(tableName), t: t,
		key: itemKey(t, key), keyAttrs: key,
		cond: c.Condition, update: c.Update, rvOnFailure: rvOnFailure,
	}, nil
}

// prepareKeyed validates a delete or a condition check of the item at key:
// values, condition, table, key.
func (db *DB) prepareKeyed(ctx context.Context, kind writeKind, tableName *string, key attr.Item, req *expr.Request, rvOnFailure *string) (*itemWrite, error) {
	if err := validateKeyValues(key); err != nil {
		return nil, err
	}
	c, err := db.exprs.Compile(req, expr.KeySchema{})
	if err != nil {
		return nil, err
	}
	t, err := db.table(ctx, api.Str(tableName))
	if err != nil {
		return nil, err
	}
	if err := t.validateKey(key); err != nil {
		return nil, err
	}
	return &itemWrite{
		kind: kind, tableName: api.Str(tableName), t: t,
		key: itemKey(t, key), keyAttrs: key,
		cond: c.Condition, rvOnFailure: rvOnFailure,
	}, nil
}

// check evaluates the write's condition against the existing item (nil
// when absent): nil, a ConditionalCheckFailedException (carrying old when
// ReturnValuesOnConditionCheckFailure is ALL_OLD), or the evaluator's
// error.
func (w *itemWrite) check(old attr.Item) error {
	return evalCondition(w.cond, w.rvOnFailure, old)
}

// result returns the item the write leaves behind (nil: none) given the
// existing one. Only an update can fail here: its expression may not apply
// to the item, or may make it too large or too deeply nested.
func (w *itemWrite) result(old attr.Item) (attr.Item, error) {
	switch w.kind {
	case writePut:
		return w.item, nil
	case writeDelete:
		return nil, nil
	case writeCheck:
		return old, nil
	}
	new, err := applyUpdate(w.update, old, w.keyAttrs)
	if err != nil {
		return nil, err
	}
	if new != nil && attr.ItemSize(new) > maxItemSize {
		return nil, apierr.Validation(msgUpdateTooBig)
	}
	if err := attr.CheckNesting(new); err != nil {
		return nil, err
	}
	return new, nil
}

// writes reports whether the write changes its item (a ConditionCheck
// does not).
func (w *itemWrite) writes() bool { return w.kind != writeCheck }
