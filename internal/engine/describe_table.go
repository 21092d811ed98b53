package engine

import (
	"context"
	"time"

	"github.com/dynago/dynago/internal/api"
)

// describeTable describes a table. Every table in the catalog is ACTIVE (see
// CreateTable), unless Options.Transient holds it CREATING or UPDATING a
// while, or answers a deleted one DELETING (transient_status.go). ItemCount and TableSizeBytes come from a scan, cached for
// big tables (see table_stats.go); DynamoDB itself refreshes them only about
// every six hours, so clients must not rely on them being exact.
func (db *DB) describeTable(ctx context.Context, in *api.DescribeTableInput) (*api.DescribeTableOutput, error) {
	name := api.Str(in.TableName)
	e := db.lookup(name)
	if e == nil {
		if out, err := db.describeDeleting(ctx, name); out != nil || err != nil {
			return out, err
		}
		return nil, errTableNotFound(name)
	}
	items, size, err := db.cachedTableStats(ctx, e.table)
	if err != nil {
		return nil, err
	}
	d := db.describe(e, db.transientStatus(e), items, size)
	if err := db.fillIndexStats(ctx, e, d); err != nil {
		return nil, err
	}
	return &api.DescribeTableOutput{Table: d}, nil
}

// describe returns a table's description as DynamoDB shapes it, with the
// given status and statistics. The result is the caller's to keep.
func (db *DB) describe(e *catalogEntry, status string, items, size int64) *api.TableDescription {
	rec := e.rec.clone()
	d := &rec.Desc
	if rec.Loading != nil && status == api.TableStatusActive {
		status = api.TableStatusCreating // a restore or import is filling it
	}
	d.TableStatus = api.Ptr(status)
	d.ItemCount = api.Ptr(items)
	d.TableSizeBytes = api.Ptr(size)
	if pt := d.ProvisionedThroughput; pt != nil && rec.DecreasesDay != utcDay(db.opts.Now()) {
		pt.NumberOfDecreasesToday = api.Ptr[int64](0) // the count is per UTC day
	}
	describeIndexes(d, status)
	describeWarm(d)
	db.describeStreamSpec(d, rec)
	return d
}

// restoring reports whether e's table is the target of a restore still
// CREATING. DynamoDB answers such a table's TTL, tag, policy, UpdateTable
// and continuous-backup operations as if it did not exist yet
// (ack-api-quirks DDB-TABLE-217); DescribeTable shows it CREATING.
func (e *catalogEntry) restoring() bool {
	return e.rec.Loading != nil && e.rec.Loading.Kind == "restore"
}

// utcDay names the UTC calendar day of t, the period DynamoDB counts
// throughput decreases over.
func utcDay(t time.Time) string { return t.UTC().Format(time.DateOnly) }
