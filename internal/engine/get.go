package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/expr"
	"github.com/dynago/dynago/internal/kv"
)

// getItem returns one item by its key. Every read is strongly consistent;
// ConsistentRead only changes the capacity it reports.
func (db *DB) getItem(ctx context.Context, in *api.GetItemInput) (*api.GetItemOutput, error) {
	if err := validateKeyValues(in.Key); err != nil {
		return nil, err
	}
	c, err := db.exprs.Compile(&expr.Request{
		Operation:            "GetItem",
		Trees:                treesFrom(ctx),
		ProjectionExpression: in.ProjectionExpression,
		Names:                in.ExpressionAttributeNames,
		AttributesToGet:      in.AttributesToGet,
	}, expr.KeySchema{})
	if err != nil {
		return nil, err
	}
	t, err := db.table(ctx, api.Str(in.TableName))
	if err != nil {
		return nil, err
	}
	if err := t.validateKey(in.Key); err != nil {
		return nil, err
	}
	if err := db.admitRead(ctx, t, ""); err != nil {
		return nil, err
	}
	if sink := api.RawItemsFrom(ctx); sink != nil && c.Projection == nil {
		return db.getItemRaw(ctx, in, t, sink)
	}
	item, err := readItem(ctx, db.store, itemKey(t, in.Key))
	if err != nil {
		return nil, err
	}
	out := &api.GetItemOutput{
		ConsumedCapacity: db.settle(ctx, consumed(db.capacityAsked(), api.Str(in.TableName),
			readUnits(itemSize(item), api.Bool(in.ConsistentRead))), false, in.ReturnConsumedCapacity),
	}
	if item != nil {
		out.Item = project(c.Projection, item)
	}
	return out, nil
}

// getItemRaw is GetItem without a projection for a caller that takes raw
// items: the stored bytes go to sink undecoded, and the output's Item is
// an empty placeholder (api.RawItems).
func (db *DB) getItemRaw(ctx context.Context, in *api.GetItemInput, t *Table, sink *api.RawItems) (*api.GetItemOutput, error) {
	b, err := db.store.Get(ctx, itemKey(t, in.Key))
	if errors.Is(err, kv.ErrNotFound) {
		b, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	size := 0
	if b != nil {
		if size, err = attr.ItemSizeJSON(b); err != nil {
			return nil, fmt.Errorf("engine: corrupt stored item: %w", err)
		}
	}
	out := &api.GetItemOutput{
		ConsumedCapacity: db.settle(ctx, consumed(db.capacityAsked(), api.Str(in.TableName),
			readUnits(size, api.Bool(in.ConsistentRead))), false, in.ReturnConsumedCapacity),
	}
	if b != nil {
		sink.Item = b
		out.Item = attr.Item{}
	}
	return out, nil
}

// project applies a projection (nil: none) to an item.
func project(p *expr.Projection, item attr.Item) attr.Item {
	if p == nil {
		return item
	}
	return p.Apply(item)
}

// readItem returns the item stored at key, or nil when there is none.
func readItem(ctx context.Context, r kv.Reader, key []byte) (attr.Item, error) {
	b, err := r.Get(ctx, key)
	if errors.Is(err, kv.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return decodeItem(b)
}

// readItemRaw returns the stored bytes of the item at key and its DynamoDB
// size (nil and 0 when there is none), without decoding it: for writes that
// need only the old item's size (capacity) and keep its bytes as the old
// image (oldImage).
func readItemRaw(ctx context.Context, r kv.Reader, key []byte) (raw []byte, size int, err error) {
	b, err := r.Get(ctx, key)
	if errors.Is(err, kv.ErrNotFound) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	size, err = attr.ItemSizeJSON(b)
	if err != nil {
		return nil, 0, fmt.Errorf("engine: corrupt stored item: %w", err)
	}
	return b, size, nil
}

// encodeItem returns the stored form of an item: its canonical JSON, which
// is also what export, debugging and the stream records read.
func encodeItem(it attr.Item) []byte {
	return attr.AppendItemJSON(nil, it)
}

// decodeItem parses a stored item. A failure means a corrupt store, so it
// is an internal error rather than anything the client did.
func decodeItem(b []byte) (attr.Item, error) {
	it, err := attr.DecodeItemJSON(b)
	if err != nil {
		return nil, fmt.Errorf("engine: corrupt stored item: %w", err)
	}
	return it, nil
}
