package engine

import (
	"context"

	"github.com/dynago/dynago/internal/api"
)

// describeLimits answers the account's and a table's maximum provisioned
// throughput: DynamoDB's default quotas, which are also the limits Dynago
// throttles on-demand tables at (throttle.go).
func (db *DB) describeLimits(ctx context.Context, in *api.DescribeLimitsInput) (*api.DescribeLimitsOutput, error) {
	return &api.DescribeLimitsOutput{
		AccountMaxReadCapacityUnits:  api.Ptr[int64](defaultAccountMaxReadUnits),
		AccountMaxWriteCapacityUnits: api.Ptr[int64](defaultAccountMaxWriteUnits),
		TableMaxReadCapacityUnits:    api.Ptr[int64](defaultTableMaxReadUnits),
		TableMaxWriteCapacityUnits:   api.Ptr[int64](defaultTableMaxWriteUnits),
	}, nil
}

// ProvisionedCapacity is one table's (or index's) provisioned throughput,
// for the provisioned-capacity gauges of internal/metrics. On-demand tables
// report their maximums, zero for none.
type ProvisionedCapacity struct {
	Table, Index          string
	OnDemand              bool
	ReadUnits, WriteUnits float64

	// IndexStatus is a global secondary index's IndexStatus (CREATING
	// while it is being backfilled, ACTIVE, DELETING); "" for a table.
	IndexStatus string
}

// Provisioned lists the provisioned throughput of every table and global
// secondary index.
func (db *DB) Provisioned() []ProvisionedCapacity {
	var out []ProvisionedCapacity
	for _, name := range db.cat.names() {
		e := db.cat.get(name)
		if e == nil {
			continue
		}
		d := &e.rec.Desc
		onDemand := isOnDemand(d)
		pc := ProvisionedCapacity{Table: name, OnDemand: onDemand}
		if onDemand {
			if o := d.OnDemandThroughput; o != nil {
				pc.ReadUnits, pc.WriteUnits = float64(max(api.Int(o.MaxReadRequestUnits, 0), 0)), float64(max(api.Int(o.MaxWriteRequestUnits, 0), 0))
			}
		} else if pt := d.ProvisionedThroughput; pt != nil {
			pc.ReadUnits, pc.WriteUnits = float64(api.Int(pt.ReadCapacityUnits, 0)), float64(api.Int(pt.WriteCapacityUnits, 0))
		}
		out = append(out, pc)
		for _, g := range d.GlobalSecondaryIndexes {
			gc := ProvisionedCapacity{Table: name, Index: api.Str(g.IndexName), OnDemand: onDemand, IndexStatus: api.Str(g.IndexStatus)}
			if pt := g.ProvisionedThroughput; pt != nil && !onDemand {
				gc.ReadUnits, gc.WriteUnits = float64(api.Int(pt.ReadCapacityUnits, 0)), float64(api.Int(pt.WriteCapacityUnits, 0))
			}
			out = append(out, gc)
		}
	}
	return out
}
