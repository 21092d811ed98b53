package engine

import (
	"context"
	"sort"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/expr"
)

// Batch limits.
const (
	maxBatchGetKeys      = 100
	maxBatchGetResponse  = 16 << 20 // 16 MB of item data per response
	maxBatchWriteRequest = 25
)

// batchGetItem reads up to 100 items from one or more tables. Keys whose
// items would take the response past 16 MB, and keys capacity does not
// admit (throttle_batch.go), come back in UnprocessedKeys, for the client
// to ask again.
func (db *DB) batchGetItem(ctx context.Context, in *api.BatchGetItemInput) (*api.BatchGetItemOutput, error) {
	names := sortedKeys(in.RequestItems)
	projections := make(map[string]*expr.Projection, len(names))
	total := 0
	for _, name := range names {
		ka := in.RequestItems[name]
		c, err := db.exprs.Compile(&expr.Request{
			Operation:            "BatchGetItem",
			ProjectionExpression: ka.ProjectionExpression,
			Names:                ka.ExpressionAttributeNames,
			AttributesToGet:      ka.AttributesToGet,
		}, expr.KeySchema{})
		if err != nil {
			return nil, err
		}
		projections[name] = c.Projection
		seen := make(map[string]bool, len(ka.Keys))
		for _, key := range ka.Keys {
			if err := validateKeyValues(key); err != nil {
				return nil, err
			}
			id := keyIdentity(key)
			if seen[id] {
				return nil, apierr.Validation("Provided list of item keys contains duplicates")
			}
			seen[id] = true
			if total++; total > maxBatchGetKeys {
				return nil, apierr.Validation("Too many items requested for the BatchGetItem call")
			}
		}
	}
	tables := make(map[string]*Table, len(names))
	for _, name := range names {
		t, err := db.table(ctx, name)
		if err != nil {
			return nil, err
		}
		for _, key := range in.RequestItems[name].Keys {
			if err := t.validateKey(key); err != nil {
				return nil, err
			}
		}
		tables[name] = t
	}

	out := &api.BatchGetItemOutput{
		Responses:       make(map[string][]attr.Item, len(names)),
		UnprocessedKeys: map[string]api.KeysAndAttributes{},
	}
	// Admission, table by table, once the whole request is valid.
	admitted := make(map[string]int, len(names))
	a := db.newBatchAdmission(ctx, false)
	for _, name := range names {
		ka := in.RequestItems[name]
		costs := make([]float64, len(ka.Keys))
		for i := range costs {
			costs[i] = readUnits(0, api.Bool(ka.ConsistentRead))
		}
		n := a.admit(tables[name], costs)
		admitted[name] = n
		if n < len(ka.Keys) {
			rest := ka
			rest.Keys = append([]attr.Item(nil), ka.Keys[n:]...)
			out.UnprocessedKeys[name] = rest
		}
	}
	if err := a.err(); err != nil {
		return nil, err
	}
	var tally capacityTally
	size := 0
	for _, name := range names {
		t, ka := tables[name], in.RequestItems[name]
		items := []attr.Item{}
		units := 0.0
		keys := ka.Keys[:admitted[name]]
		if len(keys) == 0 {
			continue
		}
		for i, key := range keys {
			item, err := readItem(ctx, db.store, itemKey(t, key))
			if err != nil {
				return nil, err
			}
			n := itemSize(item)
			if size+n > maxBatchGetResponse {
				// This key and the table's later ones are left for
				// the client to ask again.
				rest := ka
				rest.Keys = append([]attr.Item(nil), ka.Keys[i:]...)
				out.UnprocessedKeys[name] = rest
				break
			}
			size += n
			units += readUnits(n, api.Bool(ka.ConsistentRead))
			if item != nil {
				items = append(items, project(projections[name], item))
			}
		}
		out.Responses[name] = items
		tally.add(name, units)
	}
	out.ConsumedCapacity = db.settleAll(ctx, tally.list(db.capacityAsked()), false, in.ReturnConsumedCapacity)
	return out, nil
}

// keyIdentity returns a string equal for two keys exactly when DynamoDB
// considers them the same key (numbers compare by value), for duplicate
// detection before the table's schema is known.
func keyIdentity(key attr.Item) string {
	names := sortedKeys(key)
	var b []byte
	for _, n := range names {
		v := key[n]
		b = append(b, n...)
		b = append(b, 0, byte(v.Type))
		switch v.Type {
		case attr.TypeS, attr.TypeN, attr.TypeB:
			b = attr.AppendKey(b, v)
		default:
			b = attr.AppendItemJSON(b, attr.Item{"": v})
		}
		b = append(b, 0)
	}
	return string(b)
}

// sortedKeys returns a map's keys in order, so that batch operations
// validate, lock and answer deterministically.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
