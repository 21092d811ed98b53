package wire

import (
	"context"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
)

// fakeEngine answers every operation without storage: table operations say
// the table does not exist, item operations succeed with empty outputs, so
// that tests see the protocol and not the engine.
type fakeEngine struct{ v *api.Validator }

func newFakeEngine() fakeEngine { return fakeEngine{v: api.NewValidator()} }

var errNotFound = apierr.New(apierr.ResourceNotFoundException, "Requested resource not found")

func (fakeEngine) CreateTable(context.Context, *api.CreateTableInput) (*api.CreateTableOutput, error) {
	return nil, apierr.New(apierr.ResourceInUseException, "Table already exists: t")
}
func (fakeEngine) DescribeTable(context.Context, *api.DescribeTableInput) (*api.DescribeTableOutput, error) {
	return nil, errNotFound
}
func (fakeEngine) ListTables(context.Context, *api.ListTablesInput) (*api.ListTablesOutput, error) {
	return &api.ListTablesOutput{TableNames: []string{}}, nil
}
func (fakeEngine) DeleteTable(context.Context, *api.DeleteTableInput) (*api.DeleteTableOutput, error) {
	return nil, errNotFound
}
func (fakeEngine) UpdateTable(context.Context, *api.UpdateTableInput) (*api.UpdateTableOutput, error) {
	return nil, errNotFound
}
func (fakeEngine) DescribeEndpoints(context.Context, *api.DescribeEndpointsRequest) (*api.DescribeEndpointsResponse, error) {
	return &api.DescribeEndpointsResponse{Endpoints: []api.Endpoint{{Address: api.Ptr("localhost:8000"), CachePeriodInMinutes: api.Ptr[int64](1440)}}}, nil
}
func (fakeEngine) PutItem(context.Context, *api.PutItemInput) (*api.PutItemOutput, error) {
	return &api.PutItemOutput{}, nil
}
func (fakeEngine) GetItem(_ context.Context, in *api.GetItemInput) (*api.GetItemOutput, error) {
	return &api.GetItemOutput{}, nil
}
func (fakeEngine) DeleteItem(context.Context, *api.DeleteItemInput) (*api.DeleteItemOutput, error) {
	return nil, nil
}
func (fakeEngine) UpdateItem(context.Context, *api.UpdateItemInput) (*api.UpdateItemOutput, error) {
	return nil, apierr.New(apierr.ConditionalCheckFailedException, "The conditional request failed")
}
func (fakeEngine) Query(context.Context, *api.QueryInput) (*api.QueryOutput, error) {
	return nil, errNotFound
}
func (fakeEngine) Scan(context.Context, *api.ScanInput) (*api.ScanOutput, error) {
	return nil, errNotFound
}
func (fakeEngine) BatchGetItem(context.Context, *api.BatchGetItemInput) (*api.BatchGetItemOutput, error) {
	return nil, errNotFound
}
func (fakeEngine) BatchWriteItem(context.Context, *api.BatchWriteItemInput) (*api.BatchWriteItemOutput, error) {
	return nil, errNotFound
}

// Handler implements Engine: the fake's methods, each validating its input
// as the engine does.
func (f fakeEngine) Handler(id api.OpID) api.Handler {
	h, ok := map[api.OpID]api.Handler{
		api.OpCreateTable:        api.Bind(f.CreateTable),
		api.OpDescribeTable:      api.Bind(f.DescribeTable),
		api.OpListTables:         api.Bind(f.ListTables),
		api.OpDeleteTable:        api.Bind(f.DeleteTable),
		api.OpUpdateTable:        api.Bind(f.UpdateTable),
		api.OpDescribeEndpoints:  api.Bind(f.DescribeEndpoints),
		api.OpPutItem:            api.Bind(f.PutItem),
		api.OpGetItem:            api.Bind(f.GetItem),
		api.OpDeleteItem:         api.Bind(f.DeleteItem),
		api.OpUpdateItem:         api.Bind(f.UpdateItem),
		api.OpQuery:              api.Bind(f.Query),
		api.OpScan:               api.Bind(f.Scan),
		api.OpBatchGetItem:       api.Bind(f.BatchGetItem),
		api.OpBatchWriteItem:     api.Bind(f.BatchWriteItem),
		api.OpTransactWriteItems: api.Bind(f.TransactWriteItems),
		api.OpTransactGetItems:   api.Bind(f.TransactGetItems),
		api.OpTagResource:        api.Bind(f.TagResource),
		api.OpUntagResource:      api.Bind(f.UntagResource),
		api.OpListTagsOfResource: api.Bind(f.ListTagsOfResource),
		api.OpUpdateTimeToLive:   api.Bind(f.UpdateTimeToLive),
		api.OpDescribeTimeToLive: api.Bind(f.DescribeTimeToLive),
		api.OpDescribeLimits:     api.Bind(f.DescribeLimits),
	}[id]
	if !ok {
		return nil
	}
	name := id.String()
	return func(ctx context.Context, in any) (any, error) {
		if err := f.v.Validate(name, in); err != nil {
			return nil, err
		}
		return h(ctx, in)
	}
}
