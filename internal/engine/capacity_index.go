package engine

// Write capacity of secondary indexes (DynamoDB Developer Guide, "Provisioned
// throughput considerations for Global Secondary Indexes" and the LSI
// equivalent): a table write also costs, for each index it touches,
//
//   - one write of the new entry's size when it adds an entry;
//   - one write of the old entry's size when it removes one;
//   - one write of the larger entry when it changes an entry in place
//     (a projected attribute changed);
//   - two writes (delete the old entry, put the new) when it changes the
//     index key;
//   - nothing when no projected attribute changed.
//
// An entry's size is that of the projected item (index and table keys plus
// projected attributes), rounded up to 1 KB like any write.

import (
	"bytes"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
)

// indexWriteUnits returns the write units a write of old → new (either nil)
// on t costs each index it touches, split into global and local indexes;
// nil maps when it touches none.
func (db *DB) indexWriteUnits(t *Table, old, new attr.Item) (gsi, lsi map[string]float64) {
	for _, ix := range db.liveIndexes(t) {
		if !ix.maintained() {
			continue
		}
		u := indexEntryWriteUnits(t, ix, old, new)
		if u == 0 {
			continue
		}
		m := &lsi
		if ix.Global {
			m = &gsi
		}
		if *m == nil {
			*m = make(map[string]float64)
		}
		(*m)[ix.Name] += u
	}
	return gsi, lsi
}

// indexEntryWriteUnits is one index's share of indexWriteUnits.
func indexEntryWriteUnits(t *Table, ix *Index, old, new attr.Item) float64 {
	oin, nin := ix.indexed(old), ix.indexed(new)
	size := func(it attr.Item) int { return attr.ItemSize(ix.projectEntry(t, it)) }
	switch {
	case !oin && !nin:
		return 0
	case !nin:
		return writeUnits(size(old))
	case !oin:
		return writeUnits(size(new))
	}
	ok, ov := ix.entry(t, old)
	nk, nv := ix.entry(t, new)
	switch {
	case sameEntry(ok, ov, nk, nv):
		return 0
	case !bytes.Equal(ok, nk):
		return writeUnits(size(old)) + writeUnits(size(new))
	}
	return writeUnits(max(size(old), size(new)))
}

// consumedWrite is consumed for a single-item write of old → new on t
// (PutItem, UpdateItem, DeleteItem): the table's units plus every touched
// index's, broken down per index under INDEXES.
func (db *DB) consumedWrite(rcc *string, tableName string, t *Table, old, new attr.Item, tableUnits float64) *api.ConsumedCapacity {
	if !wantCapacity(rcc) {
		return nil
	}
	gsi, lsi := db.indexWriteUnits(t, old, new)
	total := tableUnits
	for _, u := range gsi {
		total += u
	}
	for _, u := range lsi {
		total += u
	}
	c := consumedOf(rcc, tableName, total, tableUnits)
	if api.Str(rcc) != capacityIndexes {
		return c
	}
	c.GlobalSecondaryIndexes = capacityMap(gsi)
	c.LocalSecondaryIndexes = capacityMap(lsi)
	return c
}

// capacityMap turns units per index into the Capacity per index of an
// INDEXES answer, nil for none. The values its Capacities point to share
// one allocation.
func capacityMap(m map[string]float64) map[string]api.Capacity {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]api.Capacity, len(m))
	units := make([]float64, 0, len(m))
	for k, u := range m {
		units = append(units, u)
		out[k] = api.Capacity{CapacityUnits: &units[len(units)-1]}
	}
	return out
}
