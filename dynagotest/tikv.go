//go:build tikv

package dynagotest

// Servers on client-go's in-process mock TiKV cluster; compiled only with
// `-tags tikv`, as the TiKV backend itself is (internal/server/backend.go).

import (
	"context"
	"testing"

	"github.com/dynago/dynago/internal/kv"
	"github.com/dynago/dynago/internal/kv/tikv"
)

// WithTiKV serves from a mock TiKV cluster of the server's own, as
// `dynago serve --tikv mock` does (StoreEnv=tikv does it for every server).
// WithDataDir overrides it.
func WithTiKV() Option {
	return func(o *options) { o.tikv = true }
}

// TiKVCluster is a mock TiKV cluster that several servers share as API
// nodes share a real one (WithTiKVCluster).
type TiKVCluster struct{ c *tikv.MockCluster }

// NewTiKVCluster starts an empty mock TiKV cluster, stopped when the test
// ends (after the servers on it, which were started after it).
func NewTiKVCluster(t testing.TB) *TiKVCluster {
	t.Helper()
	c, err := tikv.NewMockCluster()
	if err != nil {
		t.Fatalf("dynagotest: mock TiKV cluster: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("dynagotest: closing the mock TiKV cluster: %v", err)
		}
	})
	return &TiKVCluster{c: c}
}

// WithTiKVCluster serves from c through a store (a TiKV client) of the
// server's own: two servers started with the same c are two API nodes over
// one cluster, each with its own catalog cache, jobs and latches.
func WithTiKVCluster(c *TiKVCluster) Option {
	return func(o *options) {
		o.store = func(ctx context.Context) (kv.Store, error) { return c.c.Open(ctx, tikv.Options{}) }
	}
}
