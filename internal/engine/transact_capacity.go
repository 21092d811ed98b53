package engine

// Consumed capacity of transactions. DynamoDB performs two underlying
// reads or writes of every item in a transaction (prepare and commit), so
// a transactional write costs 2 write units per started 1 KB and a
// transactional read (a TransactGetItems Get, a ConditionCheck) 2 read
// units per started 4 KB; the index writes of a transactional write
// (capacity_index.go) cost double too. Unlike the single-item operations,
// transactions report the read/write split per table.

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
	gsi   map[string]map[string]float64 // table → index → write units
	lsi   map[string]map[string]float64
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

// addIndexWrites counts the index writes of one committed action on
// table (indexWriteUnits' maps), doubled like every transactional write.
func (c *transactTally) addIndexWrites(table string, gsi, lsi map[string]float64) {
	c.add(table, 0, 0)
	addTo := func(dst *map[string]map[string]float64, src map[string]float64) {
		if len(src) == 0 {
			return
		}
		if *dst == nil {
			*dst = make(map[string]map[string]float64)
		}
		if (*dst)[table] == nil {
			(*dst)[table] = make(map[string]float64)
		}
		for k, u := range src {
			(*dst)[table][k] += transactCost * u
		}
	}
	addTo(&c.gsi, gsi)
	addTo(&c.lsi, lsi)
}

// indexCapacity returns one table's index writes as ConsumedCapacity's
// per-index map, and their sum.
func indexCapacity(m map[string]float64) (map[string]api.Capacity, float64) {
	if len(m) == 0 {
		return nil, 0
	}
	out := make(map[string]api.Capacity, len(m))
	sum := 0.0
	for k, u := range m {
		out[k] = api.Capacity{CapacityUnits: api.Ptr(u), WriteCapacityUnits: api.Ptr(u)}
		sum += u
	}
	return out, sum
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
		gsi, gw := indexCapacity(c.gsi[n])
		lsi, lw := indexCapacity(c.lsi[n])
		// The totals include the index writes; Table is the table's own.
		cc := api.ConsumedCapacity{TableName: api.Ptr(n), CapacityUnits: api.Ptr(r + w + gw + lw)}
		if r > 0 {
			cc.ReadCapacityUnits = api.Ptr(r)
		}
		if w+gw+lw > 0 {
			cc.WriteCapacityUnits = api.Ptr(w + gw + lw)
		}
		if api.Str(rcc) == capacityIndexes {
			cc.Table = &api.Capacity{CapacityUnits: api.Ptr(r + w)}
			if r > 0 {
				cc.Table.ReadCapacityUnits = api.Ptr(r)
			}
			if w > 0 {
				cc.Table.WriteCapacityUnits = api.Ptr(w)
			}
			cc.GlobalSecondaryIndexes, cc.LocalSecondaryIndexes = gsi, lsi
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
