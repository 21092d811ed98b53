package engine

// Regions: a store whose key space is cut into ranges that are served,
// replicated and moved separately (TiKV's regions) is asked to start every
// table and index on a range of its own, as DynamoDB starts a table on
// partitions of its own, instead of sharing one with its neighbours until
// size-based splitting separates them. Pebble has no such ranges and does
// not implement RegionSplitter.

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"slices"

	"github.com/dynago/dynago/internal/api"
)

// RegionSplitter is implemented by a store whose key space is split into
// separately served ranges (kv/tikv's Store). SplitRegions makes each key
// the first key of a range; a key that already starts one is left alone.
type RegionSplitter interface {
	SplitRegions(ctx context.Context, keys [][]byte) error
}

// DynamoDB's per-partition throughput, which sizes a new table's first
// split (initialPartitions).
const (
	partitionRCU = 3000
	partitionWCU = 1000

	// onDemandPartitions is how many partitions a new on-demand table
	// starts with: DynamoDB serves a new on-demand table up to 4 000 WCU
	// and 12 000 RCU at once, four partitions' worth.
	onDemandPartitions = 4

	// maxInitialPartitions caps the first split of a table with a large
	// provisioned throughput; the store's own load- and size-based
	// splitting takes it from there.
	maxInitialPartitions = 64
)

// initialPartitions is how many ranges of partition hashes a new table's
// items start on: DynamoDB's ⌈RCU/3000 + WCU/1000⌉ for a provisioned
// table, onDemandPartitions for an on-demand one.
func initialPartitions(d *api.TableDescription) int {
	if isOnDemand(d) || d.ProvisionedThroughput == nil {
		return onDemandPartitions
	}
	pt := d.ProvisionedThroughput
	var rcu, wcu int64
	if pt.ReadCapacityUnits != nil {
		rcu = *pt.ReadCapacityUnits
	}
	if pt.WriteCapacityUnits != nil {
		wcu = *pt.WriteCapacityUnits
	}
	n := int(math.Ceil(float64(rcu)/partitionRCU + float64(wcu)/partitionWCU))
	return min(max(n, 1), maxInitialPartitions)
}

// regionBoundaries returns the keys at which a table's regions start: the
// table's prefix and the first key after it, the starts of its first
// partitions' hash ranges (initialPartitions), and each index's prefix and
// the first key after it. Keys already in before (the record as it was)
// are left out, so a table gets its item splits once, when it is created,
// and an index its own when it is added.
func regionBoundaries(before, after *tableRecord) [][]byte {
	if after == nil {
		return nil
	}
	id := after.ID
	var keys [][]byte
	if before == nil || before.ID != id {
		keys = append(keys, tablePrefix(id), prefixEnd(tablePrefix(id)))
		n := initialPartitions(&after.Desc)
		for i := 1; i < n; i++ {
			k := binary.BigEndian.AppendUint64(itemsPrefix(id), segmentStart(uint64(i), uint64(n)))
			keys = append(keys, k)
		}
		before = nil
	}
	for name, ix := range after.IndexIDs {
		if before != nil {
			if old, ok := before.IndexIDs[name]; ok && old == ix {
				continue
			}
		}
		p := indexPrefix(id, ix)
		keys = append(keys, p, prefixEnd(p))
	}
	slices.SortFunc(keys, bytes.Compare)
	return keys
}

// splitRegions asks a RegionSplitter store to start regions at the
// boundaries a catalog change from before to after adds. It runs after the
// change has committed and is best effort: a table works the same on a
// shared region, so a failure is logged, not returned.
func (db *DB) splitRegions(ctx context.Context, before, after *tableRecord) {
	rs, ok := db.store.(RegionSplitter)
	if !ok {
		return
	}
	keys := regionBoundaries(before, after)
	if len(keys) == 0 {
		return
	}
	if err := rs.SplitRegions(ctx, keys); err != nil {
		db.opts.Logger.Warn("could not split the store's regions at a table's boundaries",
			"component", "engine", "table", api.Str(after.Desc.TableName), "error", err)
	}
}
