package wire

import (
	"context"

	"github.com/dynago/dynago/internal/api"
)

// The transaction operations of fakeEngine: like every item operation of
// the fake, they find no table.

func (fakeEngine) TransactWriteItems(context.Context, *api.TransactWriteItemsInput) (*api.TransactWriteItemsOutput, error) {
	return nil, errNotFound
}

func (fakeEngine) TransactGetItems(context.Context, *api.TransactGetItemsInput) (*api.TransactGetItemsOutput, error) {
	return nil, errNotFound
}
