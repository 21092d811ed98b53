package engine

// Placeholder item operations, replaced by their owner; delete this file
// when it is empty.

import (
	"context"

	"github.com/dynago/dynago/internal/api"
)

func (db *DB) PutItem(ctx context.Context, in *api.PutItemInput) (*api.PutItemOutput, error) {
	return nil, errNotImplemented
}
func (db *DB) GetItem(ctx context.Context, in *api.GetItemInput) (*api.GetItemOutput, error) {
	return nil, errNotImplemented
}
func (db *DB) DeleteItem(ctx context.Context, in *api.DeleteItemInput) (*api.DeleteItemOutput, error) {
	return nil, errNotImplemented
}
func (db *DB) UpdateItem(ctx context.Context, in *api.UpdateItemInput) (*api.UpdateItemOutput, error) {
	return nil, errNotImplemented
}
func (db *DB) Query(ctx context.Context, in *api.QueryInput) (*api.QueryOutput, error) {
	return nil, errNotImplemented
}
func (db *DB) Scan(ctx context.Context, in *api.ScanInput) (*api.ScanOutput, error) {
	return nil, errNotImplemented
}
func (db *DB) BatchGetItem(ctx context.Context, in *api.BatchGetItemInput) (*api.BatchGetItemOutput, error) {
	return nil, errNotImplemented
}
func (db *DB) BatchWriteItem(ctx context.Context, in *api.BatchWriteItemInput) (*api.BatchWriteItemOutput, error) {
	return nil, errNotImplemented
}
