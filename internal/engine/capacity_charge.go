package engine

// Charging capacity, inside each operation. An operation that consumes
// capacity (api.CapacityRead or CapacityWrite in the registry) admits
// itself against its tables' buckets once its request is validated and its
// tables are known (admitRead, admitWrite, admitBatch, admitTransaction),
// computes what it actually read and wrote — under the item's lock for a
// write — in the INDEXES shape of ConsumedCapacity whatever the client
// asked for, and settles it at the end: the units are charged to the
// buckets, reported to the Observer, and trimmed to what the client asked
// for (nothing, TOTAL or INDEXES). A failed conditional write is charged
// from the item it read under the lock (capacity_condition.go).
//
// Doing this inside the operation rather than around it means a batch is
// validated whole before any item is held back, an operation cannot escape
// metering by being left out of a list, and no cost is recomputed by
// reading the item again outside its lock.

import (
	"context"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
)

// capacityAsked returns the ReturnConsumedCapacity an operation computes
// its capacity with: always INDEXES, so that settle can charge every index;
// settle trims the answer to what the client asked for.
func (db *DB) capacityAsked() *string { return db.buckets.indexes }

// clock returns the time throttling decisions use, or the zero time when
// nothing is throttled (so that no clock is read).
func (db *DB) clock() time.Time {
	if db.opts.NoThrottle {
		return time.Time{}
	}
	return db.opts.Now()
}

// admitRead admits a read of t (index names the index a Query or Scan
// reads, "" for the table), or returns the throttling error.
func (db *DB) admitRead(ctx context.Context, t *Table, index string) error {
	if db.opts.NoThrottle {
		return nil
	}
	e := db.entryOf(t)
	if e == nil {
		return nil
	}
	return db.admit(ctx, e, false, index, db.opts.Now())
}

// admitWrite admits a single-item write of t, or returns the throttling
// error.
func (db *DB) admitWrite(ctx context.Context, t *Table) error {
	if db.opts.NoThrottle {
		return nil
	}
	e := db.entryOf(t)
	if e == nil {
		return nil
	}
	return db.admit(ctx, e, true, "", db.opts.Now())
}

// settle charges one table's consumed capacity (INDEXES-shaped, as the
// operation computed it with capacityAsked) and returns it trimmed to what
// asked, the request's ReturnConsumedCapacity, wants: nil, or without the
// per-table and per-index breakdown for TOTAL.
func (db *DB) settle(ctx context.Context, cc *api.ConsumedCapacity, write bool, asked *string) *api.ConsumedCapacity {
	if cc == nil {
		return nil
	}
	db.chargeCapacity(ctx, cc, write, db.clock())
	switch api.Str(asked) {
	case capacityIndexes:
		return cc
	case capacityTotal:
		cc.Table, cc.GlobalSecondaryIndexes, cc.LocalSecondaryIndexes = nil, nil, nil
		return cc
	}
	return nil
}

// settleAll is settle for the per-table list of a batch or transaction.
func (db *DB) settleAll(ctx context.Context, ccs []api.ConsumedCapacity, write bool, asked *string) []api.ConsumedCapacity {
	if len(ccs) == 0 {
		if wantCapacity(asked) {
			return ccs
		}
		return nil
	}
	now := db.clock()
	for i := range ccs {
		db.chargeCapacity(ctx, &ccs[i], write, now)
	}
	switch api.Str(asked) {
	case capacityIndexes:
		return ccs
	case capacityTotal:
		for i := range ccs {
			c := &ccs[i]
			c.Table, c.GlobalSecondaryIndexes, c.LocalSecondaryIndexes = nil, nil, nil
		}
		return ccs
	}
	return nil
}

// TableName returns the name of the existing table s designates (a name,
// or this server's ARN of a table), for metric labels; ok is false when it
// designates none.
func (db *DB) TableName(s string) (name string, ok bool) {
	if e := db.lookup(s); e != nil {
		return e.table.Name, true
	}
	return "", false
}

// TableARN resolves a table name or ARN to the table's ARN, from its
// catalog entry; ok is false when it designates no existing table. A
// server with --auth labels its metrics with it, on every request, so it
// is read, not built.
func (db *DB) TableARN(s string) (arn string, ok bool) {
	e := db.lookup(s)
	if e == nil {
		return "", false
	}
	return db.entryARN(e), true
}

// entryARN is the ARN of a table of this namespace: its record's, or
// built from its name for a record that has none.
func (db *DB) entryARN(e *catalogEntry) string {
	if arn := api.Str(e.rec.Desc.TableArn); arn != "" {
		return arn
	}
	return db.tableArn(e.table.Name)
}

// uniqueEntries returns the distinct existing tables among names (names or
// ARNs, in request order), skipping unknown ones: an unknown table is the
// operation's own error to report.
func (db *DB) uniqueEntries(names []string) []*catalogEntry {
	var out []*catalogEntry
	for _, name := range names {
		e := db.lookup(name)
		if e == nil || hasEntry(out, e.table.Name) {
			continue
		}
		out = append(out, e)
	}
	return out
}

// hasEntry reports whether entries holds the table named name.
func hasEntry(entries []*catalogEntry, name string) bool {
	for _, e := range entries {
		if e.table.Name == name {
			return true
		}
	}
	return false
}

// admitIndexes lists the global secondary indexes whose buckets a request
// must find non-empty: the index a Query or Scan reads, or every index of
// the table for a write (an index's back-pressure throttles the table's
// writes in DynamoDB too). admit walks the same buckets without the list.
func admitIndexes(e *catalogEntry, write bool, index string) []string {
	if !write {
		if index != "" {
			return []string{index}
		}
		return nil
	}
	var out []string
	for _, g := range e.rec.Desc.GlobalSecondaryIndexes {
		out = append(out, api.Str(g.IndexName))
	}
	return out
}

// chargeCapacity charges one table's ConsumedCapacity (as INDEXES shapes
// it) to its buckets and reports it to the observer.
func (db *DB) chargeCapacity(ctx context.Context, c *api.ConsumedCapacity, write bool, now time.Time) {
	e := db.lookup(api.Str(c.TableName))
	if e == nil {
		return
	}
	r, w := split(c.ReadCapacityUnits, c.WriteCapacityUnits, c.CapacityUnits, write)
	if c.Table != nil {
		r, w = split(c.Table.ReadCapacityUnits, c.Table.WriteCapacityUnits, c.Table.CapacityUnits, write)
	}
	db.charge(ctx, e, "", false, r, now)
	db.charge(ctx, e, "", true, w, now)
	db.opts.Observer.ConsumedCapacity(e.table.Name, "", r, w)
	tr, tw := r, w // the request's total, for the access log
	for name, ic := range c.GlobalSecondaryIndexes {
		ir, iw := split(ic.ReadCapacityUnits, ic.WriteCapacityUnits, ic.CapacityUnits, write)
		db.charge(ctx, e, name, false, ir, now)
		db.charge(ctx, e, name, true, iw, now)
		db.opts.Observer.ConsumedCapacity(e.table.Name, name, ir, iw)
		tr, tw = tr+ir, tw+iw
	}
	for name, ic := range c.LocalSecondaryIndexes {
		// A local index shares its table's throughput.
		ir, iw := split(ic.ReadCapacityUnits, ic.WriteCapacityUnits, ic.CapacityUnits, write)
		db.charge(ctx, e, "", false, ir, now)
		db.charge(ctx, e, "", true, iw, now)
		db.opts.Observer.ConsumedCapacity(e.table.Name, name, ir, iw)
		tr, tw = tr+ir, tw+iw
	}
	api.RequestStatsFrom(ctx).AddCapacity(tr, tw)
}

// split returns the read and write units of a capacity: its own split when
// it has one (transactions), else all of it in the request's direction.
func split(read, write, total *float64, isWrite bool) (r, w float64) {
	if read != nil || write != nil {
		return deref(read), deref(write)
	}
	if isWrite {
		return 0, deref(total)
	}
	return deref(total), 0
}

func deref(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

// reasonTransactionConflict is the cancellation reason of a transaction
// item another request was changing at the same time.
const reasonTransactionConflict = "TransactionConflict"

// countConflicts reports each TransactionConflict reason of a cancelled
// transaction to the observer, under the table of its item (tables is the
// request's table per item, in request order).
func (db *DB) countConflicts(err error, tables []*Table) {
	e := apierr.As(err)
	if e == nil || e.Code != apierr.TransactionCanceledException {
		return
	}
	reasons, _ := e.CancellationReasons.([]api.CancellationReason)
	for i, r := range reasons {
		if api.Str(r.Code) != reasonTransactionConflict || i >= len(tables) {
			continue
		}
		db.opts.Observer.TransactionConflict(tables[i].Name)
	}
}
