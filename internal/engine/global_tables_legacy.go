package engine

// The global-table operations of version 2017.11.29 (CreateGlobalTable,
// UpdateGlobalTable, DescribeGlobalTable, ListGlobalTables and the
// *GlobalTableSettings pair) and the replica auto scaling pair, as
// DynamoDB answers them in 2026 for tables that are not global tables of
// version 2019.11.21 (the ack-api-quirks lab's probes of real DynamoDB,
// DDB-GLOBALTABLE-002/-004 and DDB-TABLE-231):
//
//   - the legacy version is closed: CreateGlobalTable, and UpdateGlobalTable
//     with a Create, are ValidationException "...version 2017.11.29 is not
//     supported..." from every region, before any table is looked up;
//   - so no legacy global table exists: Describe/UpdateGlobalTable and
//     Describe/UpdateGlobalTableSettings answer GlobalTableNotFoundException
//     for any name, and ListGlobalTables an empty list;
//   - Describe/UpdateTableReplicaAutoScaling exist only for 2019.11.21
//     groups; for a regional table they are ResourceNotFoundException
//     "Global table with name: <name> does not exist.".
//
// Dynago has no 2019.11.21 replicas (UpdateTable's ReplicaUpdates is
// refused), so these are its whole behaviour, not a stub: they are what a
// client of DynamoDB meets for every table it can make here.

import (
	"context"
	"fmt"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
)

// msgLegacyGlobalTables is DynamoDB's answer to creating a global table
// (or a replica of one) of version 2017.11.29.
const msgLegacyGlobalTables = "One or more parameter values were invalid: DynamoDB global tables version 2017.11.29 is not supported. We recommend using DynamoDB global tables version 2019.11.21, instead of version 2017.11.29 (Legacy)."

// errGlobalTableNotFound is DescribeGlobalTable's answer for a name that
// names no legacy global table.
func errGlobalTableNotFound(name string) error {
	return apierr.Newf(apierr.GlobalTableNotFoundException, "Global table not found: Global table with name: '%s' does not exist.", name)
}

// errGlobalTableSettingsNotFound is the *GlobalTableSettings and
// UpdateGlobalTable answer for a name that names no legacy global table.
func errGlobalTableSettingsNotFound(name string) error {
	return apierr.Newf(apierr.GlobalTableNotFoundException, "Global table with name: '%s' does not exist.", name)
}

// errNotGlobalTable is the replica auto scaling operations' answer for a
// table that has no replicas.
func errNotGlobalTable(name string) error {
	return apierr.New(apierr.ResourceNotFoundException, fmt.Sprintf("Global table with name: %s does not exist.", name))
}

func (db *DB) bindGlobalTableOperations() {
	h := &db.handlers
	h[api.OpCreateGlobalTable] = api.Bind(db.CreateGlobalTable)
	h[api.OpUpdateGlobalTable] = api.Bind(db.UpdateGlobalTable)
	h[api.OpDescribeGlobalTable] = api.Bind(db.DescribeGlobalTable)
	h[api.OpListGlobalTables] = api.Bind(db.ListGlobalTables)
	h[api.OpDescribeGlobalTableSettings] = api.Bind(db.DescribeGlobalTableSettings)
	h[api.OpUpdateGlobalTableSettings] = api.Bind(db.UpdateGlobalTableSettings)
	h[api.OpDescribeTableReplicaAutoScaling] = api.Bind(db.DescribeTableReplicaAutoScaling)
	h[api.OpUpdateTableReplicaAutoScaling] = api.Bind(db.UpdateTableReplicaAutoScaling)
}

// CreateGlobalTable serves DynamoDB's CreateGlobalTable: version
// 2017.11.29 is closed.
func (db *DB) CreateGlobalTable(ctx context.Context, in *api.CreateGlobalTableInput) (*api.CreateGlobalTableOutput, error) {
	return run(ctx, db, api.OpCreateGlobalTable, in, func(context.Context, *api.CreateGlobalTableInput) (*api.CreateGlobalTableOutput, error) {
		return nil, apierr.Validation(msgLegacyGlobalTables)
	})
}

// UpdateGlobalTable serves DynamoDB's UpdateGlobalTable: adding a replica
// is refused as CreateGlobalTable is (before the name is looked up), an
// empty update is invalid, and removing one finds no global table.
func (db *DB) UpdateGlobalTable(ctx context.Context, in *api.UpdateGlobalTableInput) (*api.UpdateGlobalTableOutput, error) {
	return run(ctx, db, api.OpUpdateGlobalTable, in, func(_ context.Context, in *api.UpdateGlobalTableInput) (*api.UpdateGlobalTableOutput, error) {
		if len(in.ReplicaUpdates) == 0 {
			return nil, apierr.Validation("One or more parameter values were invalid")
		}
		for _, u := range in.ReplicaUpdates {
			if u.Create != nil {
				return nil, apierr.Validation(msgLegacyGlobalTables)
			}
		}
		return nil, errGlobalTableSettingsNotFound(api.Str(in.GlobalTableName))
	})
}

// DescribeGlobalTable serves DynamoDB's DescribeGlobalTable.
func (db *DB) DescribeGlobalTable(ctx context.Context, in *api.DescribeGlobalTableInput) (*api.DescribeGlobalTableOutput, error) {
	return run(ctx, db, api.OpDescribeGlobalTable, in, func(_ context.Context, in *api.DescribeGlobalTableInput) (*api.DescribeGlobalTableOutput, error) {
		return nil, errGlobalTableNotFound(api.Str(in.GlobalTableName))
	})
}

// ListGlobalTables serves DynamoDB's ListGlobalTables: no legacy global
// table exists, in any region (DynamoDB answers an unknown RegionName
// with a 500; Dynago answers the empty list).
func (db *DB) ListGlobalTables(ctx context.Context, in *api.ListGlobalTablesInput) (*api.ListGlobalTablesOutput, error) {
	return run(ctx, db, api.OpListGlobalTables, in, func(context.Context, *api.ListGlobalTablesInput) (*api.ListGlobalTablesOutput, error) {
		return &api.ListGlobalTablesOutput{GlobalTables: []api.GlobalTable{}}, nil
	})
}

// DescribeGlobalTableSettings serves DynamoDB's DescribeGlobalTableSettings.
func (db *DB) DescribeGlobalTableSettings(ctx context.Context, in *api.DescribeGlobalTableSettingsInput) (*api.DescribeGlobalTableSettingsOutput, error) {
	return run(ctx, db, api.OpDescribeGlobalTableSettings, in, func(_ context.Context, in *api.DescribeGlobalTableSettingsInput) (*api.DescribeGlobalTableSettingsOutput, error) {
		return nil, errGlobalTableSettingsNotFound(api.Str(in.GlobalTableName))
	})
}

// UpdateGlobalTableSettings serves DynamoDB's UpdateGlobalTableSettings.
func (db *DB) UpdateGlobalTableSettings(ctx context.Context, in *api.UpdateGlobalTableSettingsInput) (*api.UpdateGlobalTableSettingsOutput, error) {
	return run(ctx, db, api.OpUpdateGlobalTableSettings, in, func(_ context.Context, in *api.UpdateGlobalTableSettingsInput) (*api.UpdateGlobalTableSettingsOutput, error) {
		return nil, errGlobalTableSettingsNotFound(api.Str(in.GlobalTableName))
	})
}

// DescribeTableReplicaAutoScaling serves DynamoDB's
// DescribeTableReplicaAutoScaling: no table here has replicas.
func (db *DB) DescribeTableReplicaAutoScaling(ctx context.Context, in *api.DescribeTableReplicaAutoScalingInput) (*api.DescribeTableReplicaAutoScalingOutput, error) {
	return run(ctx, db, api.OpDescribeTableReplicaAutoScaling, in, func(_ context.Context, in *api.DescribeTableReplicaAutoScalingInput) (*api.DescribeTableReplicaAutoScalingOutput, error) {
		return nil, errNotGlobalTable(api.Str(in.TableName))
	})
}

// UpdateTableReplicaAutoScaling serves DynamoDB's
// UpdateTableReplicaAutoScaling: no table here has replicas.
func (db *DB) UpdateTableReplicaAutoScaling(ctx context.Context, in *api.UpdateTableReplicaAutoScalingInput) (*api.UpdateTableReplicaAutoScalingOutput, error) {
	return run(ctx, db, api.OpUpdateTableReplicaAutoScaling, in, func(_ context.Context, in *api.UpdateTableReplicaAutoScalingInput) (*api.UpdateTableReplicaAutoScalingOutput, error) {
		return nil, errNotGlobalTable(api.Str(in.TableName))
	})
}
