package engine

// Consumed capacity of transactions. DynamoDB performs two underlying
// reads or writes of every item in a transaction (prepare and commit), so
// a transactional write costs 2 write units per started 1 KB and a
// transactional read (a TransactGetItems Get, a ConditionCheck) 2 read
// units per started 4 KB. Unlike the single-item operations, transactions
// report the read/write split per table.

import (
	"context"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/kv"
)

// transactCost is how many underlying operations a transactional access
// makes of its item.
const transactCost = 2

// transactTally sums read and write units per table, keeping the tables
// in the order the request first named them.
type transactTally struct {
	names []string
	read  map[string]float64
	write map[string]float64
}

func (c *transactTally) add(table string, read, write float64) {
	if c.read == nil {
		c.read = make(map[string]float64)
		c.write = make(map[string]float64)
	}
	if _, ok := c.read[table]; !ok {
		c.names = append(c.names, table)
	}
	c.read[table] += read
	c.write[table] += write
}

// addRead counts a transactional read of item (nil: absent).
func (c *transactTally) addRead(table string, item attr.Item) {
	c.add(table, transactCost*readUnits(itemSize(item), true), 0)
}

// addWrite counts one action of a TransactWriteItems that committed.
func (c *transactTally) addWrite(w *itemWrite, old, new attr.Item) {
	switch w.kind {
	case writeCheck:
		c.addRead(w.t.Name, old)
	case writeDelete:
		c.add(w.t.Name, 0, transactCost*writeUnits(itemSize(old)))
	default:
		c.add(w.t.Name, 0, transactCost*putUnits(old, new))
	}
}

// list returns the per-table ConsumedCapacity list, or nil when rcc did
// not ask for it.
func (c *transactTally) list(rcc *string) []api.ConsumedCapacity {
	if !wantCapacity(rcc) {
		return nil
	}
	out := make([]api.ConsumedCapacity, 0, len(c.names))
	for _, n := range c.names {
		r, w := c.read[n], c.write[n]
		cc := api.ConsumedCapacity{TableName: api.Ptr(n), CapacityUnits: api.Ptr(r + w)}
		if r > 0 {
			cc.ReadCapacityUnits = api.Ptr(r)
		}
		if w > 0 {
			cc.WriteCapacityUnits = api.Ptr(w)
		}
		if api.Str(rcc) == capacityIndexes {
			cc.Table = &api.Capacity{CapacityUnits: api.Ptr(r + w), ReadCapacityUnits: cc.ReadCapacityUnits, WriteCapacityUnits: cc.WriteCapacityUnits}
		}
		out = append(out, cc)
	}
	return out
}

// tallyReplay counts what a replayed (idempotent) TransactWriteItems
// costs: DynamoDB documents that a retry with the same token returns the
// read units of reading the items rather than the original write units.
func (db *DB) tallyReplay(ctx context.Context, r kv.Reader, writes []*itemWrite, tally *transactTally) error {
	for _, w := range writes {
		cur, err := readItem(ctx, r, w.key)
		if err != nil {
			return err
		}
		tally.add(w.t.Name, readUnits(itemSize(cur), true), 0)
	}
	return nil
}
