package server

// Backend selection: which kv.Store a Server runs its engines over.
//
// The default is Pebble in DataDir (or in memory). Config.TiKV selects a
// TiKV cluster, or client-go's in-process mock cluster, through openTiKV,
// which tikv.go defines in a build with `-tags tikv` and notikv.go in the
// default build (client-go and its dependencies double the binary and
// triple its start-up time, so the default binary does not link them; see
// docs/tikv.md). Config.Store hands in a store the caller opened, which is
// how tests run several servers over one mock cluster.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/dynago/dynago/internal/engine"
	"github.com/dynago/dynago/internal/kv"
	"github.com/dynago/dynago/internal/kv/hotkeys"
	"github.com/dynago/dynago/internal/kv/pebble"
)

// TiKVMock is the Config.TiKV value (`--tikv mock`) that runs the store on
// client-go's in-process mock cluster: nothing outlives the process.
const TiKVMock = "mock"

// ErrNoTiKV is returned for Config.TiKV by a dynago built without the tikv
// build tag.
var ErrNoTiKV = errors.New("this dynago was built without TiKV support; rebuild with -tags tikv")

// backend is an open store and what the Server needs to know about it.
type backend struct {
	// store is what the engines run over.
	store kv.Store

	// shared means other processes may write to the store (TiKV, or a
	// store the caller handed in): no in-memory hot keys (kv/hotkeys is
	// exact only for a store it alone reaches), and provisioned capacity
	// spent from budgets in the store (engine.Options.SharedCapacity).
	shared bool

	// failed is closed when the store fails for good and err says why
	// (Pebble's WAL or fsync errors); nil for a store that reports
	// failures per call instead.
	failed <-chan struct{}
	err    func() error

	// close closes the store; nil when the caller owns it (Config.Store).
	close func() error
}

// openBackend opens the store cfg selects.
func openBackend(ctx context.Context, cfg Config) (*backend, error) {
	switch {
	case cfg.Store != nil:
		return &backend{store: cfg.Store, shared: true}, nil
	case cfg.TiKV != "":
		return openTiKV(ctx, cfg)
	}
	dir := cfg.DataDir
	if !cfg.InMemory {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("data directory: %w", err)
		}
	}
	store, err := pebble.Open(dir, pebble.Options{InMemory: cfg.InMemory, Logger: cfg.Logger, CacheSize: cfg.CacheBytes, FS: cfg.StoreFS})
	if err != nil {
		// The lock explanation names DataDir, so it applies to Pebble only.
		return nil, ExplainLocked(dir, err)
	}
	return &backend{store: store, failed: store.Failed(), err: store.Err, close: store.Close}, nil
}

// engineStore is the store every engine of the Server is given. One
// process owns a Pebble store, and every engine here reaches it through
// one wrapper, which is what lets it serve the catalog version from memory
// exactly (kv/hotkeys); a shared store is read directly, so each engine
// checks the catalog version in the store.
func (b *backend) engineStore() kv.Store {
	if b.shared {
		return b.store
	}
	return hotkeys.Wrap(b.store, engine.HotKeys()...)
}

// Close closes the store if the Server opened it.
func (b *backend) Close() error {
	if b.close == nil {
		return nil
	}
	return b.close()
}

// ParsePDAddrs splits a comma-separated list of PD endpoints (host:port),
// rejecting an empty list or an empty entry.
func ParsePDAddrs(s string) ([]string, error) {
	var pds []string
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			return nil, fmt.Errorf("--tikv %q: want %q or PD endpoints host:port, comma separated", s, TiKVMock)
		}
		pds = append(pds, p)
	}
	return pds, nil
}
