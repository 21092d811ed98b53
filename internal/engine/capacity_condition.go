package engine

// Capacity of a failed conditional write. DynamoDB still consumes write
// capacity when a PutItem, UpdateItem or DeleteItem condition evaluates to
// false, sized by the item as it exists (at least one unit: one when there
// is none), not by the write that was refused (Developer Guide, "Condition
// expressions", the note on capacity consumed by failed writes). The item
// is the one the write read under its lock, so the charge is exactly what
// the refused write saw.

import (
	"context"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
)

// chargeFailedWrite charges a conditional write refused on t, which found
// old (nil: no item) under its lock, to the table's write bucket and
// reports it to the observer.
func (db *DB) chargeFailedWrite(ctx context.Context, t *Table, old attr.Item) {
	e := db.entryOf(t)
	if e == nil {
		return
	}
	units := writeUnits(itemSize(old))
	if !db.opts.NoThrottle {
		db.charge(ctx, e, "", true, units, db.opts.Now())
	}
	db.opts.Observer.ConsumedCapacity(t.Name, "", 0, units)
	api.RequestStatsFrom(ctx).AddCapacity(0, units)
}
