//go:build tikv

package server

// TiKV's GC job: one node at a time advances the cluster's GC safe point
// (tikv.Store.GC) every TiKVGCConfig.Interval, as a leased job of package
// jobs in the store, so that another node takes it over when that one
// stops or dies. Every node publishes what it still reads (kv/tikv
// gc.go), so the job never passes a Snapshot in use anywhere.

import (
	"context"
	"time"

	"github.com/dynago/dynago/internal/jobs"
	"github.com/dynago/dynago/internal/kv"
	"github.com/dynago/dynago/internal/kv/tikv"
)

// The GC job's kind and its one id.
const (
	jobTiKVGC   = "tikv-gc"
	tikvGCJobID = "cluster"
)

// storeJobs starts the GC job's runner over a TiKV store, and returns what
// stops it; nil for any other store.
func storeJobs(ctx context.Context, store kv.Store, cfg Config) (func(), error) {
	st, ok := store.(*tikv.Store)
	if !ok {
		return nil, nil
	}
	gc := cfg.TiKVGC
	if gc.Interval <= 0 {
		gc.Interval = DefaultTiKVGCInterval
	}
	switch {
	case gc.Lifetime == 0:
		gc.Lifetime = tikv.DefaultGCLifetime
	case gc.Lifetime < 0:
		gc.Lifetime = 0
	}
	log := cfg.Logger.With("component", "tikv-gc")
	body := func(ctx context.Context, _ *jobs.Job) error {
		sp, err := st.GC(ctx, gc.Lifetime)
		if err != nil {
			return err // the runner retries after a backoff
		}
		log.Debug("advanced the GC safe point", "safepoint", sp)
		return &jobs.Again{At: time.Now().Add(gc.Interval)}
	}
	r := jobs.NewRunner(store, map[string]jobs.Body{jobTiKVGC: body},
		jobs.Options{Lease: gc.Lease, PollInterval: gc.Poll, Concurrency: 1, Logger: log})
	key := jobs.JobKey(jobTiKVGC, tikvGCJobID)
	if err := store.Update(ctx, [][]byte{key}, func(txn kv.Txn) error {
		return jobs.Submit(ctx, txn, jobTiKVGC, tikvGCJobID, nil)
	}); err != nil {
		return nil, err
	}
	r.Start()
	return r.Close, nil
}
