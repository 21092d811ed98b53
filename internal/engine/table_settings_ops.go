package engine

import (
	"context"

	"github.com/dynago/dynago/internal/api"
)

// bindInsightsOperations adds the Contributor Insights operations
// (contributor_insights.go) and the Kinesis streaming destination ones
// (kinesis_destination.go) to db.handlers: the table settings that live
// beside CreateTable and UpdateTable.
func (db *DB) bindInsightsOperations() {
	h := &db.handlers
	h[api.OpUpdateContributorInsights] = api.Bind(db.UpdateContributorInsights)
	h[api.OpDescribeContributorInsights] = api.Bind(db.DescribeContributorInsights)
	h[api.OpListContributorInsights] = api.Bind(db.ListContributorInsights)
	h[api.OpEnableKinesisStreamingDestination] = api.Bind(db.EnableKinesisStreamingDestination)
	h[api.OpDisableKinesisStreamingDestination] = api.Bind(db.DisableKinesisStreamingDestination)
	h[api.OpUpdateKinesisStreamingDestination] = api.Bind(db.UpdateKinesisStreamingDestination)
	h[api.OpDescribeKinesisStreamingDestination] = api.Bind(db.DescribeKinesisStreamingDestination)
}

// UpdateContributorInsights serves DynamoDB's UpdateContributorInsights
// (updateContributorInsights).
func (db *DB) UpdateContributorInsights(ctx context.Context, in *api.UpdateContributorInsightsInput) (*api.UpdateContributorInsightsOutput, error) {
	return run(ctx, db, api.OpUpdateContributorInsights, in, db.updateContributorInsights)
}

// DescribeContributorInsights serves DynamoDB's DescribeContributorInsights
// (describeContributorInsights).
func (db *DB) DescribeContributorInsights(ctx context.Context, in *api.DescribeContributorInsightsInput) (*api.DescribeContributorInsightsOutput, error) {
	return run(ctx, db, api.OpDescribeContributorInsights, in, db.describeContributorInsights)
}

// ListContributorInsights serves DynamoDB's ListContributorInsights
// (listContributorInsights).
func (db *DB) ListContributorInsights(ctx context.Context, in *api.ListContributorInsightsInput) (*api.ListContributorInsightsOutput, error) {
	return run(ctx, db, api.OpListContributorInsights, in, db.listContributorInsights)
}

// EnableKinesisStreamingDestination serves DynamoDB's
// EnableKinesisStreamingDestination (enableKinesisStreamingDestination).
func (db *DB) EnableKinesisStreamingDestination(ctx context.Context, in *api.KinesisStreamingDestinationInput) (*api.KinesisStreamingDestinationOutput, error) {
	return run(ctx, db, api.OpEnableKinesisStreamingDestination, in, db.enableKinesisStreamingDestination)
}

// DisableKinesisStreamingDestination serves DynamoDB's
// DisableKinesisStreamingDestination (disableKinesisStreamingDestination).
func (db *DB) DisableKinesisStreamingDestination(ctx context.Context, in *api.KinesisStreamingDestinationInput) (*api.KinesisStreamingDestinationOutput, error) {
	return run(ctx, db, api.OpDisableKinesisStreamingDestination, in, db.disableKinesisStreamingDestination)
}

// UpdateKinesisStreamingDestination serves DynamoDB's
// UpdateKinesisStreamingDestination (updateKinesisStreamingDestination).
func (db *DB) UpdateKinesisStreamingDestination(ctx context.Context, in *api.UpdateKinesisStreamingDestinationInput) (*api.UpdateKinesisStreamingDestinationOutput, error) {
	return run(ctx, db, api.OpUpdateKinesisStreamingDestination, in, db.updateKinesisStreamingDestination)
}

// DescribeKinesisStreamingDestination serves DynamoDB's
// DescribeKinesisStreamingDestination (describeKinesisStreamingDestination).
func (db *DB) DescribeKinesisStreamingDestination(ctx context.Context, in *api.DescribeKinesisStreamingDestinationInput) (*api.DescribeKinesisStreamingDestinationOutput, error) {
	return run(ctx, db, api.OpDescribeKinesisStreamingDestination, in, db.describeKinesisStreamingDestination)
}
