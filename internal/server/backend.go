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
	"time"

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

	// stopJobs stops the store's own background jobs (TiKV's GC job);
	// nil when it has none.
	stopJobs func()
}

// TiKVGCConfig tunes the GC job of a TiKV store.
type TiKVGCConfig struct {
	// Interval is how often the safe point is advanced. Zero means
	// DefaultTiKVGCInterval.
	Interval time.Duration
	// Lifetime is how long old versions are kept at least. Zero means
	// tikv.DefaultGCLifetime; negative keeps none but what open reads
	// need (tests).
	Lifetime time.Duration
	// Lease and Poll tune the job's lease and how often each node looks
	// for it (package jobs; zero means its defaults).
	Lease, Poll time.Duration
}

// DefaultTiKVGCInterval is how often the GC job advances TiKV's GC safe
// point: 10 min, TiDB's tidb_gc_run_interval default.
const DefaultTiKVGCInterval = 10 * time.Minute

// openBackend opens the store cfg selects, and starts its own jobs.
func openBackend(ctx context.Context, cfg Config) (*backend, error) {
	b, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if b.stopJobs, err = storeJobs(ctx, b.store, cfg); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// openStore opens the store cfg selects.
func openStore(ctx context.Context, cfg Config) (*backend, error) {
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

// Close stops the store's jobs, and closes the store if the Server opened
// it.
func (b *backend) Close() error {
	if b.stopJobs != nil {
		b.stopJobs()
	}
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
