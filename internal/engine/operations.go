package engine

// The engine's operations, as the registry (package api) names them. Each
// exported method validates its input against the API model (api.Validator,
// the generated constraints) and then runs the operation, so an in-process
// caller gets exactly the checks a network request does and the engine
// keeps no hand-written copy of the model's constraints. Handler hands the
// same methods to the wire layer.

import (
	"context"

	"github.com/dynago/dynago/internal/api"
)

// bindOperations fills db.handlers with every operation the engine serves.
func (db *DB) bindOperations() {
	h := &db.handlers
	h[api.OpCreateTable] = api.Bind(db.CreateTable)
	h[api.OpDescribeTable] = api.Bind(db.DescribeTable)
	h[api.OpListTables] = api.Bind(db.ListTables)
	h[api.OpDeleteTable] = api.Bind(db.DeleteTable)
	h[api.OpUpdateTable] = api.Bind(db.UpdateTable)
	h[api.OpDescribeEndpoints] = api.Bind(db.DescribeEndpoints)
	h[api.OpDescribeLimits] = api.Bind(db.DescribeLimits)

	h[api.OpPutItem] = api.Bind(db.PutItem)
	h[api.OpGetItem] = api.Bind(db.GetItem)
	h[api.OpDeleteItem] = api.Bind(db.DeleteItem)
	h[api.OpUpdateItem] = api.Bind(db.UpdateItem)
	h[api.OpQuery] = api.Bind(db.Query)
	h[api.OpScan] = api.Bind(db.Scan)
	h[api.OpBatchGetItem] = api.Bind(db.BatchGetItem)
	h[api.OpBatchWriteItem] = api.Bind(db.BatchWriteItem)
	h[api.OpTransactWriteItems] = api.Bind(db.TransactWriteItems)
	h[api.OpTransactGetItems] = api.Bind(db.TransactGetItems)
	h[api.OpExecuteStatement] = api.Bind(db.ExecuteStatement)
	h[api.OpBatchExecuteStatement] = api.Bind(db.BatchExecuteStatement)
	h[api.OpExecuteTransaction] = api.Bind(db.ExecuteTransaction)

	h[api.OpTagResource] = api.Bind(db.TagResource)
	h[api.OpUntagResource] = api.Bind(db.UntagResource)
	h[api.OpListTagsOfResource] = api.Bind(db.ListTagsOfResource)
	h[api.OpUpdateTimeToLive] = api.Bind(db.UpdateTimeToLive)
	h[api.OpDescribeTimeToLive] = api.Bind(db.DescribeTimeToLive)
	h[api.OpUpdateContinuousBackups] = api.Bind(db.UpdateContinuousBackups)
	h[api.OpDescribeContinuousBackups] = api.Bind(db.DescribeContinuousBackups)
	h[api.OpPutResourcePolicy] = api.Bind(db.PutResourcePolicy)
	h[api.OpGetResourcePolicy] = api.Bind(db.GetResourcePolicy)
	h[api.OpDeleteResourcePolicy] = api.Bind(db.DeleteResourcePolicy)

	h[api.OpListStreams] = api.Bind(db.ListStreams)
	h[api.OpDescribeStream] = api.Bind(db.DescribeStream)
	h[api.OpGetShardIterator] = api.Bind(db.GetShardIterator)
	h[api.OpGetRecords] = api.Bind(db.GetRecords)

	db.bindTaskOperations()
	db.bindBackupOperations()
	db.bindInsightsOperations()
	db.bindGlobalTableOperations()
}

// Handler returns the engine's handler for op, or nil when the engine does
// not serve it. It implements wire.Engine.
func (db *DB) Handler(op api.OpID) api.Handler {
	if int(op) >= len(db.handlers) {
		return nil
	}
	return db.handlers[op]
}

// run validates in against op's constraints in the API model, authorizes
// it (authorize.go: a no-op without a verified caller), then runs fn.
func run[In, Out any](ctx context.Context, db *DB, op api.OpID, in *In, fn func(context.Context, *In) (*Out, error)) (*Out, error) {
	if err := db.validator.Validate(op.String(), in); err != nil {
		return nil, err
	}
	// The catalog as of now: a table another engine over the store
	// created, changed or deleted is seen by this request. A read may use
	// the catalog as recently checked instead (catalog_staleness.go), and
	// checks it only if what it did not find might be in a newer one.
	stale := db.staleReadAllowed(op)
	if !stale {
		if _, err := db.syncCatalog(ctx, db.store); err != nil {
			return nil, db.storeError(op, writeTransactionSize(in), err)
		}
	}
	authorizeAndRun := func() (*Out, error) {
		if err := db.authorize(ctx, op, in); err != nil {
			return nil, err
		}
		return fn(ctx, in)
	}
	out, err := authorizeAndRun()
	if stale && newerCatalogMayHelp(err) {
		// Authorized again too: the newer catalog may hold the table's
		// resource policy.
		if _, err := db.syncCatalog(ctx, db.store); err != nil {
			return nil, db.storeError(op, writeTransactionSize(in), err)
		}
		out, err = authorizeAndRun()
	}
	return out, db.storeError(op, writeTransactionSize(in), err)
}

// CreateTable serves DynamoDB's CreateTable (createTable).
func (db *DB) CreateTable(ctx context.Context, in *api.CreateTableInput) (*api.CreateTableOutput, error) {
	return run(ctx, db, api.OpCreateTable, in, db.createTable)
}

// DescribeTable serves DynamoDB's DescribeTable (describeTable).
func (db *DB) DescribeTable(ctx context.Context, in *api.DescribeTableInput) (*api.DescribeTableOutput, error) {
	return run(ctx, db, api.OpDescribeTable, in, db.describeTable)
}

// ListTables serves DynamoDB's ListTables (listTables).
func (db *DB) ListTables(ctx context.Context, in *api.ListTablesInput) (*api.ListTablesOutput, error) {
	return run(ctx, db, api.OpListTables, in, db.listTables)
}

// DeleteTable serves DynamoDB's DeleteTable (deleteTable).
func (db *DB) DeleteTable(ctx context.Context, in *api.DeleteTableInput) (*api.DeleteTableOutput, error) {
	return run(ctx, db, api.OpDeleteTable, in, db.deleteTable)
}

// UpdateTable serves DynamoDB's UpdateTable (updateTable).
func (db *DB) UpdateTable(ctx context.Context, in *api.UpdateTableInput) (*api.UpdateTableOutput, error) {
	return run(ctx, db, api.OpUpdateTable, in, db.updateTable)
}

// DescribeEndpoints serves DynamoDB's DescribeEndpoints
// (describeEndpoints).
func (db *DB) DescribeEndpoints(ctx context.Context, in *api.DescribeEndpointsRequest) (*api.DescribeEndpointsResponse, error) {
	return run(ctx, db, api.OpDescribeEndpoints, in, db.describeEndpoints)
}

// DescribeLimits serves DynamoDB's DescribeLimits (describeLimits).
func (db *DB) DescribeLimits(ctx context.Context, in *api.DescribeLimitsInput) (*api.DescribeLimitsOutput, error) {
	return run(ctx, db, api.OpDescribeLimits, in, db.describeLimits)
}

// PutItem serves DynamoDB's PutItem (putItem).
func (db *DB) PutItem(ctx context.Context, in *api.PutItemInput) (*api.PutItemOutput, error) {
	return run(ctx, db, api.OpPutItem, in, db.putItem)
}

// GetItem serves DynamoDB's GetItem (getItem).
func (db *DB) GetItem(ctx context.Context, in *api.GetItemInput) (*api.GetItemOutput, error) {
	return run(ctx, db, api.OpGetItem, in, db.getItem)
}

// DeleteItem serves DynamoDB's DeleteItem (deleteItem).
func (db *DB) DeleteItem(ctx context.Context, in *api.DeleteItemInput) (*api.DeleteItemOutput, error) {
	return run(ctx, db, api.OpDeleteItem, in, db.deleteItem)
}

// UpdateItem serves DynamoDB's UpdateItem (updateItem).
func (db *DB) UpdateItem(ctx context.Context, in *api.UpdateItemInput) (*api.UpdateItemOutput, error) {
	return run(ctx, db, api.OpUpdateItem, in, db.updateItem)
}

// Query serves DynamoDB's Query (query).
func (db *DB) Query(ctx context.Context, in *api.QueryInput) (*api.QueryOutput, error) {
	return run(ctx, db, api.OpQuery, in, db.query)
}

// Scan serves DynamoDB's Scan (scan).
func (db *DB) Scan(ctx context.Context, in *api.ScanInput) (*api.ScanOutput, error) {
	return run(ctx, db, api.OpScan, in, db.scan)
}

// BatchGetItem serves DynamoDB's BatchGetItem (batchGetItem).
func (db *DB) BatchGetItem(ctx context.Context, in *api.BatchGetItemInput) (*api.BatchGetItemOutput, error) {
	return run(ctx, db, api.OpBatchGetItem, in, db.batchGetItem)
}

// BatchWriteItem serves DynamoDB's BatchWriteItem (batchWriteItem).
func (db *DB) BatchWriteItem(ctx context.Context, in *api.BatchWriteItemInput) (*api.BatchWriteItemOutput, error) {
	return run(ctx, db, api.OpBatchWriteItem, in, db.batchWriteItem)
}

// TransactWriteItems serves DynamoDB's TransactWriteItems
// (transactWriteItems).
func (db *DB) TransactWriteItems(ctx context.Context, in *api.TransactWriteItemsInput) (*api.TransactWriteItemsOutput, error) {
	return run(ctx, db, api.OpTransactWriteItems, in, db.transactWriteItems)
}

// TransactGetItems serves DynamoDB's TransactGetItems (transactGetItems).
func (db *DB) TransactGetItems(ctx context.Context, in *api.TransactGetItemsInput) (*api.TransactGetItemsOutput, error) {
	return run(ctx, db, api.OpTransactGetItems, in, db.transactGetItems)
}

// ExecuteStatement serves DynamoDB's ExecuteStatement (executeStatement,
// partiql_exec.go).
func (db *DB) ExecuteStatement(ctx context.Context, in *api.ExecuteStatementInput) (*api.ExecuteStatementOutput, error) {
	return run(ctx, db, api.OpExecuteStatement, in, db.executeStatement)
}

// BatchExecuteStatement serves DynamoDB's BatchExecuteStatement
// (batchExecuteStatement, partiql_batch.go).
func (db *DB) BatchExecuteStatement(ctx context.Context, in *api.BatchExecuteStatementInput) (*api.BatchExecuteStatementOutput, error) {
	return run(ctx, db, api.OpBatchExecuteStatement, in, db.batchExecuteStatement)
}

// ExecuteTransaction serves DynamoDB's ExecuteTransaction
// (executeTransaction, partiql_transact.go).
func (db *DB) ExecuteTransaction(ctx context.Context, in *api.ExecuteTransactionInput) (*api.ExecuteTransactionOutput, error) {
	return run(ctx, db, api.OpExecuteTransaction, in, db.executeTransaction)
}

// TagResource serves DynamoDB's TagResource (tagResource).
func (db *DB) TagResource(ctx context.Context, in *api.TagResourceInput) (*struct{}, error) {
	return run(ctx, db, api.OpTagResource, in, db.tagResource)
}

// UntagResource serves DynamoDB's UntagResource (untagResource).
func (db *DB) UntagResource(ctx context.Context, in *api.UntagResourceInput) (*struct{}, error) {
	return run(ctx, db, api.OpUntagResource, in, db.untagResource)
}

// ListTagsOfResource serves DynamoDB's ListTagsOfResource
// (listTagsOfResource).
func (db *DB) ListTagsOfResource(ctx context.Context, in *api.ListTagsOfResourceInput) (*api.ListTagsOfResourceOutput, error) {
	return run(ctx, db, api.OpListTagsOfResource, in, db.listTagsOfResource)
}

// UpdateTimeToLive serves DynamoDB's UpdateTimeToLive (updateTimeToLive).
func (db *DB) UpdateTimeToLive(ctx context.Context, in *api.UpdateTimeToLiveInput) (*api.UpdateTimeToLiveOutput, error) {
	return run(ctx, db, api.OpUpdateTimeToLive, in, db.updateTimeToLive)
}

// DescribeTimeToLive serves DynamoDB's DescribeTimeToLive
// (describeTimeToLive).
func (db *DB) DescribeTimeToLive(ctx context.Context, in *api.DescribeTimeToLiveInput) (*api.DescribeTimeToLiveOutput, error) {
	return run(ctx, db, api.OpDescribeTimeToLive, in, db.describeTimeToLive)
}

// UpdateContinuousBackups serves DynamoDB's UpdateContinuousBackups
// (updateContinuousBackups).
func (db *DB) UpdateContinuousBackups(ctx context.Context, in *api.UpdateContinuousBackupsInput) (*api.UpdateContinuousBackupsOutput, error) {
	return run(ctx, db, api.OpUpdateContinuousBackups, in, db.updateContinuousBackups)
}

// DescribeContinuousBackups serves DynamoDB's DescribeContinuousBackups
// (describeContinuousBackups).
func (db *DB) DescribeContinuousBackups(ctx context.Context, in *api.DescribeContinuousBackupsInput) (*api.DescribeContinuousBackupsOutput, error) {
	return run(ctx, db, api.OpDescribeContinuousBackups, in, db.describeContinuousBackups)
}

// ListStreams serves DynamoDB Streams' ListStreams (listStreams).
func (db *DB) ListStreams(ctx context.Context, in *api.ListStreamsInput) (*api.ListStreamsOutput, error) {
	return run(ctx, db, api.OpListStreams, in, db.listStreams)
}

// DescribeStream serves DynamoDB Streams' DescribeStream (describeStream).
func (db *DB) DescribeStream(ctx context.Context, in *api.DescribeStreamInput) (*api.DescribeStreamOutput, error) {
	return run(ctx, db, api.OpDescribeStream, in, db.describeStream)
}

// GetShardIterator serves DynamoDB Streams' GetShardIterator
// (getShardIterator).
func (db *DB) GetShardIterator(ctx context.Context, in *api.GetShardIteratorInput) (*api.GetShardIteratorOutput, error) {
	return run(ctx, db, api.OpGetShardIterator, in, db.getShardIterator)
}

// GetRecords serves DynamoDB Streams' GetRecords (getRecords).
func (db *DB) GetRecords(ctx context.Context, in *api.GetRecordsInput) (*api.GetRecordsOutput, error) {
	return run(ctx, db, api.OpGetRecords, in, db.getRecords)
}
