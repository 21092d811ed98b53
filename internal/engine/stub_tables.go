package engine

// Placeholder table catalog and table operations, replaced by the catalog's
// owner; delete this file when it is empty.

import (
	"context"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
)

type catalog struct{}

func loadCatalog(ctx context.Context, db *DB) (*catalog, error) { return &catalog{}, nil }

// table returns the ACTIVE (or UPDATING) table named name, or DynamoDB's
// ResourceNotFoundException ("Requested resource not found").
func (db *DB) table(ctx context.Context, name string) (*Table, error) {
	return nil, apierr.New(apierr.ResourceNotFoundException, "Requested resource not found")
}

var errNotImplemented = apierr.New(apierr.InternalServerError, "not implemented")

func (db *DB) CreateTable(ctx context.Context, in *api.CreateTableInput) (*api.CreateTableOutput, error) {
	return nil, errNotImplemented
}
func (db *DB) DescribeTable(ctx context.Context, in *api.DescribeTableInput) (*api.DescribeTableOutput, error) {
	return nil, errNotImplemented
}
func (db *DB) ListTables(ctx context.Context, in *api.ListTablesInput) (*api.ListTablesOutput, error) {
	return nil, errNotImplemented
}
func (db *DB) DeleteTable(ctx context.Context, in *api.DeleteTableInput) (*api.DeleteTableOutput, error) {
	return nil, errNotImplemented
}
func (db *DB) UpdateTable(ctx context.Context, in *api.UpdateTableInput) (*api.UpdateTableOutput, error) {
	return nil, errNotImplemented
}
func (db *DB) DescribeEndpoints(ctx context.Context, in *api.DescribeEndpointsRequest) (*api.DescribeEndpointsResponse, error) {
	return nil, errNotImplemented
}
