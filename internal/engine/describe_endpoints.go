package engine

import (
	"context"

	"github.com/dynago/dynago/internal/api"
)

// endpointCacheMinutes is how long clients may cache the answer of
// DescribeEndpoints: DynamoDB says a day.
const endpointCacheMinutes = 1440

// describeEndpoints answers the SDKs' endpoint discovery with this server's
// address (Options.Endpoint) or, when none is configured, DynamoDB's
// regional host, as DynamoDB does.
func (db *DB) describeEndpoints(ctx context.Context, in *api.DescribeEndpointsRequest) (*api.DescribeEndpointsResponse, error) {
	addr := db.opts.Endpoint
	if addr == "" {
		addr = "dynamodb." + db.opts.Region + ".amazonaws.com"
	}
	return &api.DescribeEndpointsResponse{Endpoints: []api.Endpoint{{
		Address:              api.Ptr(addr),
		CachePeriodInMinutes: api.Ptr[int64](endpointCacheMinutes),
	}}}, nil
}
