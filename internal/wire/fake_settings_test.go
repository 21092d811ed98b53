package wire

import (
	"context"

	"github.com/dynago/dynago/internal/api"
)

// The tag, TTL and limits operations of fakeEngine: like the other table
// operations of the fake, they find no table.

func (fakeEngine) TagResource(context.Context, *api.TagResourceInput) (*struct{}, error) {
	return nil, errNotFound
}

func (fakeEngine) UntagResource(context.Context, *api.UntagResourceInput) (*struct{}, error) {
	return nil, errNotFound
}

func (fakeEngine) ListTagsOfResource(context.Context, *api.ListTagsOfResourceInput) (*api.ListTagsOfResourceOutput, error) {
	return nil, errNotFound
}

func (fakeEngine) UpdateTimeToLive(context.Context, *api.UpdateTimeToLiveInput) (*api.UpdateTimeToLiveOutput, error) {
	return nil, errNotFound
}

func (fakeEngine) DescribeTimeToLive(context.Context, *api.DescribeTimeToLiveInput) (*api.DescribeTimeToLiveOutput, error) {
	return nil, errNotFound
}

func (fakeEngine) DescribeLimits(context.Context, *api.DescribeLimitsInput) (*api.DescribeLimitsOutput, error) {
	return &api.DescribeLimitsOutput{}, nil
}
