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

// metered describes one request for Meter: whether it writes, the index it
// reads (Query and Scan), and its ReturnConsumedCapacity member.
// describeRequest returns the tables it touches beside it rather than in
// it, because Go's escape analysis does not tell a struct's fields apart:
// index goes to the heap with a throttling error, and would take Meter's
// stack buffer of table names with it.
type metered struct {
	write bool
	index string
	rcc   **string
}

// describeRequest returns what Meter needs to know about in, or ok false
// for an operation that consumes no capacity (table and control
// operations). It appends the names of the request's tables, in request
// order, to tables (a caller's buffer: a single-table request is then
// described without allocating), and returns the result.
func describeRequest(in any, tables []string) (m metered, names []string, ok bool) {
	switch in := in.(type) {
	case *api.GetItemInput:
		return metered{rcc: &in.ReturnConsumedCapacity}, append(tables, api.Str(in.TableName)), true
	case *api.QueryInput:
		return metered{index: api.Str(in.IndexName), rcc: &in.ReturnConsumedCapacity}, append(tables, api.Str(in.TableName)), true
	case *api.ScanInput:
		return metered{index: api.Str(in.IndexName), rcc: &in.ReturnConsumedCapacity}, append(tables, api.Str(in.TableName)), true
	case *api.PutItemInput:
		return metered{write: true, rcc: &in.ReturnConsumedCapacity}, append(tables, api.Str(in.TableName)), true
	case *api.UpdateItemInput:
		return metered{write: true, rcc: &in.ReturnConsumedCapacity}, append(tables, api.Str(in.TableName)), true
	case *api.DeleteItemInput:
		return metered{write: true, rcc: &in.ReturnConsumedCapacity}, append(tables, api.Str(in.TableName)), true
	case *api.BatchGetItemInput:
		return metered{rcc: &in.ReturnConsumedCapacity}, append(tables, sortedKeys(in.RequestItems)...), true
	case *api.BatchWriteItemInput:
		return metered{write: true, rcc: &in.ReturnConsumedCapacity}, append(tables, sortedKeys(in.RequestItems)...), true
	case *api.TransactGetItemsInput:
		for _, it := range in.TransactItems {
			if it.Get != nil {
				tables = append(tables, api.Str(it.Get.TableName))
			}
		}
		return metered{rcc: &in.ReturnConsumedCapacity}, tables, true
	case *api.TransactWriteItemsInput:
		for _, it := range in.TransactItems {
			switch {
			case it.Put != nil:
				tables = append(tables, api.Str(it.Put.TableName))
			case it.Update != nil:
				tables = append(tables, api.Str(it.Update.TableName))
			case it.Delete != nil:
				tables = append(tables, api.Str(it.Delete.TableName))
			case it.ConditionCheck != nil:
				tables = append(tables, api.Str(it.ConditionCheck.TableName))
			}
		}
		return metered{write: true, rcc: &in.ReturnConsumedCapacity}, tables, true
	}
	return metered{}, tables, false
}

// RequestTables returns the table names a request names (as the client
// wrote them: a name or an ARN), for labelling metrics; nil for an
// operation on no table.
func RequestTables(in any) []string { return AppendRequestTables(nil, in) }

// AppendRequestTables is RequestTables appending to dst, for a caller on
// every request's path that keeps a buffer on its stack.
func AppendRequestTables(dst []string, in any) []string {
	if _, names, ok := describeRequest(in, dst); ok {
		return names
	}
	switch in := in.(type) {
	case *api.CreateTableInput:
		return append(dst, api.Str(in.TableName))
	case *api.DescribeTableInput:
		return append(dst, api.Str(in.TableName))
	case *api.UpdateTableInput:
		return append(dst, api.Str(in.TableName))
	case *api.DeleteTableInput:
		return append(dst, api.Str(in.TableName))
	case *api.UpdateTimeToLiveInput:
		return append(dst, api.Str(in.TableName))
	case *api.DescribeTimeToLiveInput:
		return append(dst, api.Str(in.TableName))
	case *api.TagResourceInput:
		return append(dst, api.Str(in.ResourceArn))
	case *api.UntagResourceInput:
		return append(dst, api.Str(in.ResourceArn))
	case *api.ListTagsOfResourceInput:
		return append(dst, api.Str(in.ResourceArn))
	}
	return dst
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
//
// Meter runs on every data-plane request, so its common case, one table,
// keeps its bookkeeping on the stack.
func (db *DB) Meter(ctx context.Context, in any, call func(context.Context) (any, error)) (any, error) {
	var tableBuf [1]string
	m, tables, ok := describeRequest(in, tableBuf[:0])
	if !ok {
		return call(ctx)
	}
	var entryBuf [1]*catalogEntry
	entries := entryBuf[:0]
	var seen map[string]bool // for many tables; a scan of entries for few
	if len(tables) > maxScannedTables {
		seen = make(map[string]bool, len(tables))
	}
	for _, name := range tables {
		e := db.lookup(name)
		if e == nil {
			continue // an unknown table is the operation's error to report
		}
		if seen != nil {
			if seen[e.table.Name] {
				continue
			}
			seen[e.table.Name] = true
		} else if hasEntry(entries, e.table.Name) {
			continue
		}
		entries = append(entries, e)
	}
	var held *batchHold
	if !db.opts.NoThrottle {
		now := db.opts.Now()
		var err error
		switch in.(type) {
		case *api.BatchWriteItemInput, *api.BatchGetItemInput:
			held, err = db.admitBatch(in, m.write, now)
		case *api.TransactWriteItemsInput, *api.TransactGetItemsInput:
			err = db.admitTransaction(entries, tables, m.write, now)
		default:
			for _, e := range entries {
				if err = db.admit(e, m.write, m.index, now); err != nil {
					break
				}
			}
		}
		if err != nil {
			return nil, err
		}
	}
	asked := *m.rcc
	if api.Str(asked) != capacityIndexes {
		*m.rcc = db.buckets.indexes
	}
	out, err := call(ctx)
	*m.rcc = asked
	held.undo()
	if err != nil {
		if errors.Is(err, apierr.ConditionalCheckFailedException) && len(entries) == 1 {
			db.chargeFailedCondition(ctx, entries[0], in)
		}
		db.countConflicts(err, tables)
		return out, err
	}
	held.merge(out)
	one, many := outputCapacity(out)
	if one != nil || len(many) > 0 {
		var now time.Time // unused by charge without throttling: no clock read
		if !db.opts.NoThrottle {
			now = db.opts.Now()
		}
		if one != nil {
			db.chargeCapacity(one, m.write, now)
		}
		for i := range many {
			db.chargeCapacity(&many[i], m.write, now)
		}
	}
	trimCapacity(out, api.Str(asked))
	return out, nil
}

// maxScannedTables is the most table names of a request Meter deduplicates
// by scanning rather than with a map.
const maxScannedTables = 8

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

// outputCapacity returns the ConsumedCapacity of an output: one for the
// single-table operations, many for the batches and transactions (nil and
// empty when it has none).
func outputCapacity(out any) (one *api.ConsumedCapacity, many []api.ConsumedCapacity) {
	switch o := out.(type) {
	case *api.GetItemOutput:
		return o.ConsumedCapacity, nil
	case *api.QueryOutput:
		return o.ConsumedCapacity, nil
	case *api.ScanOutput:
		return o.ConsumedCapacity, nil
	case *api.PutItemOutput:
		return o.ConsumedCapacity, nil
	case *api.UpdateItemOutput:
		return o.ConsumedCapacity, nil
	case *api.DeleteItemOutput:
		return o.ConsumedCapacity, nil
	case *api.BatchGetItemOutput:
		return nil, o.ConsumedCapacity
	case *api.BatchWriteItemOutput:
		return nil, o.ConsumedCapacity
	case *api.TransactGetItemsOutput:
		return nil, o.ConsumedCapacity
	case *api.TransactWriteItemsOutput:
		return nil, o.ConsumedCapacity
	}
	return nil, nil
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
	one, many := outputCapacity(out)
	if one != nil {
		one.Table, one.GlobalSecondaryIndexes, one.LocalSecondaryIndexes = nil, nil, nil
	}
	for i := range many {
		c := &many[i]
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
