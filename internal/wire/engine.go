package wire

import (
	"context"

	"github.com/dynago/dynago/internal/api"
)

// Engine is what the wire layer needs from the database: one method per
// DynamoDB operation, taking and returning the API shapes. *engine.DB
// implements it; tests of this package use a fake, so that they exercise
// the protocol without depending on the engine's behaviour.
type Engine interface {
	CreateTable(context.Context, *api.CreateTableInput) (*api.CreateTableOutput, error)
	DescribeTable(context.Context, *api.DescribeTableInput) (*api.DescribeTableOutput, error)
	ListTables(context.Context, *api.ListTablesInput) (*api.ListTablesOutput, error)
	DeleteTable(context.Context, *api.DeleteTableInput) (*api.DeleteTableOutput, error)
	UpdateTable(context.Context, *api.UpdateTableInput) (*api.UpdateTableOutput, error)
	DescribeEndpoints(context.Context, *api.DescribeEndpointsRequest) (*api.DescribeEndpointsResponse, error)

	PutItem(context.Context, *api.PutItemInput) (*api.PutItemOutput, error)
	GetItem(context.Context, *api.GetItemInput) (*api.GetItemOutput, error)
	DeleteItem(context.Context, *api.DeleteItemInput) (*api.DeleteItemOutput, error)
	UpdateItem(context.Context, *api.UpdateItemInput) (*api.UpdateItemOutput, error)

	Query(context.Context, *api.QueryInput) (*api.QueryOutput, error)
	Scan(context.Context, *api.ScanInput) (*api.ScanOutput, error)

	BatchGetItem(context.Context, *api.BatchGetItemInput) (*api.BatchGetItemOutput, error)
	BatchWriteItem(context.Context, *api.BatchWriteItemInput) (*api.BatchWriteItemOutput, error)

	TransactWriteItems(context.Context, *api.TransactWriteItemsInput) (*api.TransactWriteItemsOutput, error)
	TransactGetItems(context.Context, *api.TransactGetItemsInput) (*api.TransactGetItemsOutput, error)

	TagResource(context.Context, *api.TagResourceInput) (*struct{}, error)
	UntagResource(context.Context, *api.UntagResourceInput) (*struct{}, error)
	ListTagsOfResource(context.Context, *api.ListTagsOfResourceInput) (*api.ListTagsOfResourceOutput, error)
	UpdateTimeToLive(context.Context, *api.UpdateTimeToLiveInput) (*api.UpdateTimeToLiveOutput, error)
	DescribeTimeToLive(context.Context, *api.DescribeTimeToLiveInput) (*api.DescribeTimeToLiveOutput, error)
	DescribeLimits(context.Context, *api.DescribeLimitsInput) (*api.DescribeLimitsOutput, error)
}
