package engine

import (
	"context"

	"github.com/dynago/dynago/internal/api"
)

// bindInsightsOperations adds the Contributor Insights operations
// (contributor_insights.go) to db.handlers.
func (db *DB) bindInsightsOperations() {
	h := &db.handlers
	h[api.OpUpdateContributorInsights] = api.Bind(db.UpdateContributorInsights)
	h[api.OpDescribeContributorInsights] = api.Bind(db.DescribeContributorInsights)
	h[api.OpListContributorInsights] = api.Bind(db.ListContributorInsights)
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
