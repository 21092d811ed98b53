package engine

// DynamoDB's consumed-capacity arithmetic. The engine charges it to the
// provisioned-throughput buckets (throttle.go), and SDKs, tools and cost
// estimates read it, so it is computed exactly as DynamoDB documents it:
//
//   - a write costs one unit per started 1 KB of the larger of the old and
//     the new item (a delete: of the old item), at least one;
//   - a read costs one unit per started 4 KB of the item read, at least
//     one, halved when eventually consistent;
//   - Query and Scan sum the sizes of every item they evaluate (before
//     filtering and projection) and round the sum up once;
//   - BatchGetItem and BatchWriteItem round every item on its own;
//   - a write also costs every secondary index it touches
//     (capacity_index.go); transactions cost double (transact_capacity.go).
//
// Real DynamoDB reports, for these operations, only the aggregate
// CapacityUnits (plus the Table and per-index units under INDEXES); the
// read/write split appears only on transactions.

import (
	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
)

const (
	writeUnitSize = 1024     // bytes per write capacity unit
	readUnitSize  = 4 * 1024 // bytes per read capacity unit
)

// ReturnConsumedCapacity values.
const (
	capacityTotal   = "TOTAL"
	capacityIndexes = "INDEXES"
)

// wantCapacity reports whether a request asked for ConsumedCapacity.
func wantCapacity(rcc *string) bool {
	s := api.Str(rcc)
	return s == capacityTotal || s == capacityIndexes
}

// writeUnits returns the write units of writing an item of size bytes.
func writeUnits(size int) float64 {
	u := (size + writeUnitSize - 1) / writeUnitSize
	return float64(max(u, 1))
}

// readUnits returns the read units of reading size bytes (one item, or the
// sum of a Query or Scan page).
func readUnits(size int, consistent bool) float64 {
	u := float64(max((size+readUnitSize-1)/readUnitSize, 1))
	if !consistent {
		u /= 2
	}
	return u
}

// itemSize is attr.ItemSize, zero for a missing item.
func itemSize(it attr.Item) int {
	if it == nil {
		return 0
	}
	return attr.ItemSize(it)
}

// putUnits returns the write units of replacing old (nil: none) by new.
func putUnits(old, new attr.Item) float64 {
	return writeUnits(max(itemSize(old), itemSize(new)))
}

// consumed builds the ConsumedCapacity of one table for a request whose
// ReturnConsumedCapacity is rcc, or nil when it was not asked for.
func consumed(rcc *string, tableName string, units float64) *api.ConsumedCapacity {
	return consumedOf(rcc, tableName, units, units)
}

// consumedOf is consumed for a request whose total includes index units:
// tableUnits are the table's own share, reported under INDEXES.
func consumedOf(rcc *string, tableName string, total, tableUnits float64) *api.ConsumedCapacity {
	if !wantCapacity(rcc) {
		return nil
	}
	b := &consumedBlock{name: tableName, units: total, tableUnits: tableUnits}
	b.c = api.ConsumedCapacity{TableName: &b.name, CapacityUnits: &b.units}
	if api.Str(rcc) == capacityIndexes {
		b.table = api.Capacity{CapacityUnits: &b.tableUnits}
		b.c.Table = &b.table
	}
	return &b.c
}

// consumedBlock is what consumed allocates, in one piece instead of five
// (the ConsumedCapacity, its Table and the values they point to): every
// metered request builds one, since Meter asks every operation for its
// capacity (throttle_meter.go). Each pointer has a value of its own, as
// with api.Ptr, so that writing through one changes no other.
type consumedBlock struct {
	c                 api.ConsumedCapacity
	table             api.Capacity
	name              string
	units, tableUnits float64
}

// capacityTally sums units per table for the batch operations, keeping the
// tables in the order they were first seen, with the index writes of each
// table apart (addIndexes) for INDEXES.
type capacityTally struct {
	names []string
	units map[string]float64
	gsi   map[string]map[string]float64 // table → index → units
	lsi   map[string]map[string]float64
}

func (c *capacityTally) add(table string, units float64) {
	if c.units == nil {
		c.units = make(map[string]float64)
	}
	if _, ok := c.units[table]; !ok {
		c.names = append(c.names, table)
	}
	c.units[table] += units
}

// addIndexes adds the index writes of one item write on table (see
// indexWriteUnits).
func (c *capacityTally) addIndexes(table string, gsi, lsi map[string]float64) {
	c.add(table, 0)
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
			(*dst)[table][k] += u
		}
	}
	addTo(&c.gsi, gsi)
	addTo(&c.lsi, lsi)
}

// list returns the per-table ConsumedCapacity list, or nil when it was not
// asked for.
func (c *capacityTally) list(rcc *string) []api.ConsumedCapacity {
	if !wantCapacity(rcc) {
		return nil
	}
	out := make([]api.ConsumedCapacity, 0, len(c.names))
	for _, n := range c.names {
		base, total := c.units[n], c.units[n]
		for _, u := range c.gsi[n] {
			total += u
		}
		for _, u := range c.lsi[n] {
			total += u
		}
		cc := consumedOf(rcc, n, total, base)
		if api.Str(rcc) == capacityIndexes {
			cc.GlobalSecondaryIndexes = capacityMap(c.gsi[n])
			cc.LocalSecondaryIndexes = capacityMap(c.lsi[n])
		}
		out = append(out, *cc)
	}
	return out
}
