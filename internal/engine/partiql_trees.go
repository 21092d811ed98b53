package engine

import (
	"context"

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
