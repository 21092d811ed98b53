package api

// Raw item pass-through (issue 7). Items are stored as their canonical
// DynamoDB JSON, which is exactly what a GetItem, Query or Scan response
// carries, so decoding them into attr.Items only for the wire layer to
// encode them again was about 23% of a Query's server CPU. A caller that
// writes responses itself (the wire layer) puts a *RawItems in the context;
// a read that needs no decoded item (no projection, no filter, no index
// fetch) then hands the stored bytes over in it instead of decoding.
//
// Why a context value rather than a member of the outputs: the output
// shapes are generated from botocore's model and are the engine's public,
// JSON-encodable API, used in-process too; an unexported side channel that
// only an opted-in caller sees keeps them exactly DynamoDB's shapes, and an
// engine caller that does not opt in always gets decoded items.

import (
	"context"
)

// RawItems receives the stored JSON of the items a read returned. When the
// engine fills it, the output's item members hold placeholders in their
// place, so that counts (len(Items), Item != nil) stay right for the
// metrics and throttling hooks: Item is an empty attr.Item whose bytes are
// in RawItems.Item; Items[i] is nil wherever RawItems.Items[i] holds the
// item's bytes. Only the writer of the response may read the bytes, and
// only until the request ends.
type RawItems struct {
	// Item is GetItem's item as canonical JSON (attr.AppendItemJSON).
	Item []byte
	// Items are a Query or Scan page's items, in order, as canonical JSON.
	Items [][]byte
}

// rawItemsKey is the context key of a request's *RawItems.
type rawItemsKey struct{}

// WithRawItems returns ctx carrying r: reads under it may return raw items.
func WithRawItems(ctx context.Context, r *RawItems) context.Context {
	return context.WithValue(ctx, rawItemsKey{}, r)
}

// RawItemsFrom returns the *RawItems in ctx, or nil when the caller wants
// decoded items.
func RawItemsFrom(ctx context.Context) *RawItems {
	r, _ := ctx.Value(rawItemsKey{}).(*RawItems)
	return r
}
