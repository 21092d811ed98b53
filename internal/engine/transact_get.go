package engine

import (
	"context"
	"errors"

	"github.com/dynago/dynago/internal/api"
)

// transactGetItems reads up to 100 items, of one or more tables, as of
// one moment: every Get reads the same kv snapshot, so the result never
// shows part of a TransactWriteItems (whose writes commit in one atomic
// batch). Each response is the item, projected, or an empty ItemResponse
// when the item does not exist; responses are in request order.
func (db *DB) transactGetItems(ctx context.Context, in *api.TransactGetItemsInput) (out *api.TransactGetItemsOutput, err error) {
	gets, err := db.prepareTransactGet(ctx, in)
	if err != nil {
		return nil, err
	}
	tables := make([]*Table, len(gets))
	for i, g := range gets {
		tables[i] = g.t
	}
	if err := db.admitTransaction(ctx, tables, false); err != nil {
		return nil, err
	}
	snap, err := db.store.NewSnapshot(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, snap.Close()) }()

	var tally transactTally
	responses := make([]api.ItemResponse, len(gets))
	size := 0
	for i, g := range gets {
		item, err := readItem(ctx, snap, g.key)
		if err != nil {
			return nil, err
		}
		tally.addRead(g.t.Name, item)
		size += itemSize(item)
		if item != nil {
			responses[i].Item = project(g.projection, item)
		}
	}
	if size > maxTransactSize {
		reasons := make([]api.CancellationReason, len(gets))
		for i := range reasons {
			reasons[i] = api.CancellationReason{Code: api.Ptr(reasonValidation), Message: api.Ptr(msgTransactTooLarge)}
		}
		return nil, transactionCanceled(reasons)
	}
	return &api.TransactGetItemsOutput{
		Responses:        responses,
		ConsumedCapacity: db.settleAll(ctx, tally.list(db.capacityAsked()), false, in.ReturnConsumedCapacity),
	}, nil
}
