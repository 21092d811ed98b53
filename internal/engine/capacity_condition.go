package engine

// Capacity of a failed conditional write. DynamoDB still consumes write
// capacity when a PutItem, UpdateItem or DeleteItem condition evaluates to
// false, sized by the item as it exists (at least one unit: one when there
// is none), not by the write that was refused (Developer Guide, "Condition
// expressions", the note on capacity consumed by failed writes).

import (
	"context"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
)

// failedConditionUnits returns the write units a conditional write in,
// refused on e's table, consumed: the existing item's size in 1 KB units,
// at least one.
func (db *DB) failedConditionUnits(ctx context.Context, e *catalogEntry, in any) float64 {
	var key attr.Item
	switch in := in.(type) {
	case *api.PutItemInput:
		key = in.Item
	case *api.UpdateItemInput:
		key = in.Key
	case *api.DeleteItemInput:
		key = in.Key
	default:
		return 1
	}
	if !e.table.hasKey(key) {
		return 1
	}
	old, err := readItem(ctx, db.store, itemKey(e.table, key))
	if err != nil {
		return 1 // the refusal is answered anyway; charge the minimum
	}
	return writeUnits(itemSize(old))
}

// chargeFailedCondition charges a refused conditional write to its table's
// write bucket and reports it to the observer.
func (db *DB) chargeFailedCondition(ctx context.Context, e *catalogEntry, in any) {
	units := db.failedConditionUnits(ctx, e, in)
	if !db.opts.NoThrottle {
		db.charge(e, "", true, units, db.opts.Now())
	}
	db.opts.Observer.ConsumedCapacity(e.table.Name, "", 0, units)
}

// hasKey reports whether item holds every key attribute of t with its
// type, so that itemKey can encode it.
func (t *Table) hasKey(item attr.Item) bool {
	for _, k := range t.keyAttrs() {
		if v, ok := item[k.Name]; !ok || v.Type != k.Type {
			return false
		}
	}
	return true
}
