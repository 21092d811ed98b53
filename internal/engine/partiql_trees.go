package engine

import (
	"context"
	"encoding/json"

	"github.com/dynago/dynago/internal/expr"
)

// The PartiQL planner runs each statement as the native operation it
// means (putItem, updateItem, deleteItem, query, scan), so limits,
// capacity, throttling, indexes and streams are one code path. Those
// operations take expression text from their api inputs; the planner's
// expressions are syntax trees instead, which ride on the request's
// context to the one expr.Request each native operation compiles. A
// native request never carries any (treesFrom returns nil).

type treesKey struct{}

// withTrees returns ctx carrying the statement's expression trees.
func withTrees(ctx context.Context, t *expr.Trees) context.Context {
	return context.WithValue(ctx, treesKey{}, t)
}

// treesFrom returns the trees withTrees attached, or nil.
func treesFrom(ctx context.Context) *expr.Trees {
	t, _ := ctx.Value(treesKey{}).(*expr.Trees)
	return t
}

// ExecuteTransaction's statements become one TransactWriteItems or
// TransactGetItems request whose actions each carry their own trees: the
// context holds them keyed by the action (*api.Put, *api.Update,
// *api.Delete, *api.ConditionCheck or *api.Get), which the transaction's
// prepare step looks up for each action's expr.Request.

type actionTreesKey struct{}

// withActionTrees returns ctx carrying per-action trees.
func withActionTrees(ctx context.Context, m map[any]*expr.Trees) context.Context {
	return context.WithValue(ctx, actionTreesKey{}, m)
}

// actionTrees returns the trees of one transaction action, or nil.
func actionTrees(ctx context.Context, action any) *expr.Trees {
	m, _ := ctx.Value(actionTreesKey{}).(map[any]*expr.Trees)
	return m[action]
}

// An ExecuteTransaction's ClientRequestToken is checked by the
// TransactWriteItems it becomes (idempotency.go), whose fingerprint of
// the request must tell two statement lists apart: the statements and
// their parameters ride on the context for it.

type tokenPayloadKey struct{}

// withTokenPayload returns ctx carrying the statements a token's
// fingerprint covers.
func withTokenPayload(ctx context.Context, statements any) context.Context {
	return context.WithValue(ctx, tokenPayloadKey{}, statements)
}

// tokenPayloadFrom returns the JSON of the statements withTokenPayload
// attached, or nil when there are none (a native request).
func tokenPayloadFrom(ctx context.Context) ([]byte, error) {
	v := ctx.Value(tokenPayloadKey{})
	if v == nil {
		return nil, nil
	}
	return json.Marshal(v)
}
