package server

import (
	"context"
	"sync/atomic"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/engine"
)

// roundRobin serves each request through the next of several engines over
// one store, standing for API nodes behind a load balancer (Config.Nodes).
type roundRobin struct {
	nodes []*engine.DB
	next  atomic.Uint64
}

func newRoundRobin(nodes []*engine.DB) *roundRobin { return &roundRobin{nodes: nodes} }

// Handler implements wire.Engine: every node serves the same operations,
// and each call picks the next node.
func (r *roundRobin) Handler(op api.OpID) api.Handler {
	if r.nodes[0].Handler(op) == nil {
		return nil
	}
	return func(ctx context.Context, in any) (any, error) {
		n := r.nodes[r.next.Add(1)%uint64(len(r.nodes))]
		return n.Handler(op)(ctx, in)
	}
}
