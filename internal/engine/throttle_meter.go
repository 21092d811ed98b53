package engine

// Meter is the engine's side of every data-plane request: it admits or
// throttles the request against its tables' buckets, runs it, charges what
// it consumed and reports that to the Observer. The wire layer calls it
// around each operation (wire.Options.Middleware), so the operations
// themselves stay free of throttling code.
//
// To charge a request the engine needs its consumed capacity even when the
// client did not ask for it, so Meter runs the operation with
// ReturnConsumedCapacity INDEXES and then trims the answer back to what the
// client asked for (nothing, TOTAL or INDEXES).

import (
	"context"
	"errors"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
)

// metered describes one request for Meter: the tables it touches, whether
// it writes, the index it reads (Query and Scan), and its
// ReturnConsumedCapacity member.
type metered struct {
	tables []string
	write  bool
	index  string
	rcc    **string
}

// describeRequest returns what Meter needs to know about in, or ok false
// for an operation that consumes no capacity (table and control operations).
func describeRequest(in any) (m metered, ok bool) {
	switch in := in.(type) {
	case *api.GetItemInput:
		return metered{tables: []string{api.Str(in.TableName)}, rcc: &in.ReturnConsumedCapacity}, true
	case *api.QueryInput:
		return metered{tables: []string{api.Str(in.TableName)}, index: api.Str(in.IndexName), rcc: &in.ReturnConsumedCapacity}, true
	case *api.ScanInput:
		return metered{tables: []string{api.Str(in.TableName)}, index: api.Str(in.IndexName), rcc: &in.ReturnConsumedCapacity}, true
	case *api.PutItemInput:
		return metered{tables: []string{api.Str(in.TableName)}, write: true, rcc: &in.ReturnConsumedCapacity}, true
	case *api.UpdateItemInput:
		return metered{tables: []string{api.Str(in.TableName)}, write: true, rcc: &in.ReturnConsumedCapacity}, true
	case *api.DeleteItemInput:
		return metered{tables: []string{api.Str(in.TableName)}, write: true, rcc: &in.ReturnConsumedCapacity}, true
	case *api.BatchGetItemInput:
		return metered{tables: sortedKeys(in.RequestItems), rcc: &in.ReturnConsumedCapacity}, true
	case *api.BatchWriteItemInput:
		return metered{tables: sortedKeys(in.RequestItems), write: true, rcc: &in.ReturnConsumedCapacity}, true
	case *api.TransactGetItemsInput:
		m := metered{rcc: &in.ReturnConsumedCapacity}
		for _, it := range in.TransactItems {
			if it.Get != nil {
				m.tables = append(m.tables, api.Str(it.Get.TableName))
			}
		}
		return m, true
	case *api.TransactWriteItemsInput:
		m := metered{write: true, rcc: &in.ReturnConsumedCapacity}
		for _, it := range in.TransactItems {
			switch {
			case it.Put != nil:
				m.tables = append(m.tables, api.Str(it.Put.TableName))
			case it.Update != nil:
				m.tables = append(m.tables, api.Str(it.Update.TableName))
			case it.Delete != nil:
				m.tables = append(m.tables, api.Str(it.Delete.TableName))
			case it.ConditionCheck != nil:
				m.tables = append(m.tables, api.Str(it.ConditionCheck.TableName))
			}
		}
		return m, true
	}
	return metered{}, false
}

// RequestTables returns the table names a request names (as the client
// wrote them: a name or an ARN), for labelling metrics; nil for an
// operation on no table.
func RequestTables(in any) []string {
	if m, ok := describeRequest(in); ok {
		return m.tables
	}
	switch in := in.(type) {
	case *api.CreateTableInput:
		return []string{api.Str(in.TableName)}
	case *api.DescribeTableInput:
		return []string{api.Str(in.TableName)}
	case *api.UpdateTableInput:
		return []string{api.Str(in.TableName)}
	case *api.DeleteTableInput:
		return []string{api.Str(in.TableName)}
	case *api.UpdateTimeToLiveInput:
		return []string{api.Str(in.TableName)}
	case *api.DescribeTimeToLiveInput:
		return []string{api.Str(in.TableName)}
	case *api.TagResourceInput:
		return []string{api.Str(in.ResourceArn)}
	case *api.UntagResourceInput:
		return []string{api.Str(in.ResourceArn)}
	case *api.ListTagsOfResourceInput:
		return []string{api.Str(in.ResourceArn)}
	}
	return nil
}

// TableName returns the name of the table s designates (a name, or this
// server's ARN of a table), for metric labels; s itself when it designates
// none.
func (db *DB) TableName(s string) string {
	if n, ok := db.resolveTableName(s); ok {
		return n
	}
	return s
}

// Meter admits, runs and charges one request; call runs the operation.
// Operations that consume no capacity run unmetered.
func (db *DB) Meter(ctx context.Context, in any, call func(context.Context) (any, error)) (any, error) {
	m, ok := describeRequest(in)
	if !ok {
		return call(ctx)
	}
	entries := make([]*catalogEntry, 0, len(m.tables))
	seen := make(map[string]bool, len(m.tables))
	for _, name := range m.tables {
		e := db.lookup(name)
		if e == nil || seen[e.table.Name] {
			continue // an unknown table is the operation's error to report
		}
		seen[e.table.Name] = true
		entries = append(entries, e)
	}
	var held *batchHold
	if !db.opts.NoThrottle {
		now := db.opts.Now()
		var err error
		switch in.(type) {
		case *api.BatchWriteItemInput, *api.BatchGetItemInput:
			held, err = db.admitBatch(in, m, now)
		case *api.TransactWriteItemsInput, *api.TransactGetItemsInput:
			err = db.admitTransaction(entries, m, now)
		default:
			for _, e := range entries {
				if err = db.admit(e, admitIndexes(e, m), m.write, now); err != nil {
					break
				}
			}
		}
		if err != nil {
			return nil, err
		}
	}
	asked := api.Str(*m.rcc)
	*m.rcc = api.Ptr(capacityIndexes)
	out, err := call(ctx)
	*m.rcc = nilIfEmpty(asked)
	held.undo()
	if err != nil {
		if errors.Is(err, apierr.ConditionalCheckFailedException) && len(entries) == 1 {
			db.chargeFailedCondition(ctx, entries[0], in)
		}
		db.countConflicts(err, m.tables)
		return out, err
	}
	held.merge(out)
	caps := outputCapacity(out)
	now := db.opts.Now()
	for _, c := range caps {
		db.chargeCapacity(c, m.write, now)
	}
	trimCapacity(out, asked)
	return out, nil
}

func nilIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// admitIndexes lists the global secondary indexes whose buckets a request
// must find non-empty: the index a Query or Scan reads, or every index of
// the table for a write (an index's back-pressure throttles the table's
// writes in DynamoDB too).
func admitIndexes(e *catalogEntry, m metered) []string {
	if !m.write {
		if m.index != "" {
			return []string{m.index}
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
func (db *DB) chargeCapacity(c *api.ConsumedCapacity, write bool, now time.Time) {
	e := db.lookup(api.Str(c.TableName))
	if e == nil {
		return
	}
	r, w := split(c.ReadCapacityUnits, c.WriteCapacityUnits, c.CapacityUnits, write)
	if c.Table != nil {
		r, w = split(c.Table.ReadCapacityUnits, c.Table.WriteCapacityUnits, c.Table.CapacityUnits, write)
	}
	db.charge(e, "", false, r, now)
	db.charge(e, "", true, w, now)
	db.opts.Observer.ConsumedCapacity(e.table.Name, "", r, w)
	for name, ic := range c.GlobalSecondaryIndexes {
		ir, iw := split(ic.ReadCapacityUnits, ic.WriteCapacityUnits, ic.CapacityUnits, write)
		db.charge(e, name, false, ir, now)
		db.charge(e, name, true, iw, now)
		db.opts.Observer.ConsumedCapacity(e.table.Name, name, ir, iw)
	}
	for name, ic := range c.LocalSecondaryIndexes {
		// A local index shares its table's throughput.
		ir, iw := split(ic.ReadCapacityUnits, ic.WriteCapacityUnits, ic.CapacityUnits, write)
		db.charge(e, "", false, ir, now)
		db.charge(e, "", true, iw, now)
		db.opts.Observer.ConsumedCapacity(e.table.Name, name, ir, iw)
	}
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

// outputCapacity returns the ConsumedCapacity entries of an output.
func outputCapacity(out any) []*api.ConsumedCapacity {
	one := func(c *api.ConsumedCapacity) []*api.ConsumedCapacity {
		if c == nil {
			return nil
		}
		return []*api.ConsumedCapacity{c}
	}
	many := func(cs []api.ConsumedCapacity) []*api.ConsumedCapacity {
		out := make([]*api.ConsumedCapacity, len(cs))
		for i := range cs {
			out[i] = &cs[i]
		}
		return out
	}
	switch o := out.(type) {
	case *api.GetItemOutput:
		return one(o.ConsumedCapacity)
	case *api.QueryOutput:
		return one(o.ConsumedCapacity)
	case *api.ScanOutput:
		return one(o.ConsumedCapacity)
	case *api.PutItemOutput:
		return one(o.ConsumedCapacity)
	case *api.UpdateItemOutput:
		return one(o.ConsumedCapacity)
	case *api.DeleteItemOutput:
		return one(o.ConsumedCapacity)
	case *api.BatchGetItemOutput:
		return many(o.ConsumedCapacity)
	case *api.BatchWriteItemOutput:
		return many(o.ConsumedCapacity)
	case *api.TransactGetItemsOutput:
		return many(o.ConsumedCapacity)
	case *api.TransactWriteItemsOutput:
		return many(o.ConsumedCapacity)
	}
	return nil
}

// trimCapacity reduces an output's INDEXES-shaped ConsumedCapacity to what
// the client asked for: none, or TOTAL (no per-table and per-index
// breakdown).
func trimCapacity(out any, asked string) {
	if asked == capacityIndexes {
		return
	}
	if asked != capacityTotal {
		switch o := out.(type) {
		case *api.GetItemOutput:
			o.ConsumedCapacity = nil
		case *api.QueryOutput:
			o.ConsumedCapacity = nil
		case *api.ScanOutput:
			o.ConsumedCapacity = nil
		case *api.PutItemOutput:
			o.ConsumedCapacity = nil
		case *api.UpdateItemOutput:
			o.ConsumedCapacity = nil
		case *api.DeleteItemOutput:
			o.ConsumedCapacity = nil
		case *api.BatchGetItemOutput:
			o.ConsumedCapacity = nil
		case *api.BatchWriteItemOutput:
			o.ConsumedCapacity = nil
		case *api.TransactGetItemsOutput:
			o.ConsumedCapacity = nil
		case *api.TransactWriteItemsOutput:
			o.ConsumedCapacity = nil
		}
		return
	}
	for _, c := range outputCapacity(out) {
		c.Table, c.GlobalSecondaryIndexes, c.LocalSecondaryIndexes = nil, nil, nil
	}
}

// reasonTransactionConflict is the cancellation reason of a transaction
// item another request was changing at the same time.
const reasonTransactionConflict = "TransactionConflict"

// countConflicts reports each TransactionConflict reason of a cancelled
// transaction to the observer, under the table of its item (tables is the
// request's table per item, in request order).
func (db *DB) countConflicts(err error, tables []string) {
	e := apierr.As(err)
	if e == nil || e.Code != apierr.TransactionCanceledException {
		return
	}
	reasons, _ := e.CancellationReasons.([]api.CancellationReason)
	for i, r := range reasons {
		if api.Str(r.Code) != reasonTransactionConflict || i >= len(tables) {
			continue
		}
		db.opts.Observer.TransactionConflict(db.TableName(tables[i]))
	}
}
