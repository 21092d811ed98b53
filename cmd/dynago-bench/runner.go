package main

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// RunOptions shape one load run.
type RunOptions struct {
	Target      string
	Concurrency int
	Warmup      time.Duration
	Duration    time.Duration
	Keyspace    Keyspace
	// ServerPID, when known, lets the run report the server's CPU time.
	ServerPID int
	// Seed makes the key sequence repeatable.
	Seed uint64
}

// Run phases, read by every worker before each request.
const (
	phaseWarmup int32 = iota
	phaseMeasure
	phaseStop
)

// Run drives wl with opts.Concurrency closed-loop workers: each sends a
// request, waits for the answer, and sends the next. Requests in the warm-up
// are not counted; the measured window lasts opts.Duration; then every
// worker stops after its request in flight (each bounded by
// requestTimeout), so a run always ends by itself.
func Run(ctx context.Context, client Client, wl *Workload, opts RunOptions) *Result {
	ctx, cancel := context.WithTimeout(ctx, opts.Warmup+opts.Duration+requestTimeout+time.Second)
	defer cancel()

	var phase atomic.Int32
	stats := make([]*workerStats, opts.Concurrency)
	var wg sync.WaitGroup
	for w := range opts.Concurrency {
		stats[w] = newWorkerStats()
		wg.Add(1)
		go func(s *workerStats, seed uint64) {
			defer wg.Done()
			runWorker(ctx, client.NewWorker(), wl, opts.Keyspace, &phase, s, seed)
		}(stats[w], opts.Seed+uint64(w)*0x9e3779b97f4a7c15)
	}

	sleep(ctx, opts.Warmup)
	cpu0, srv0 := selfCPU(), procCPU(opts.ServerPID)
	start := time.Now()
	phase.Store(phaseMeasure)
	sleep(ctx, opts.Duration)
	phase.Store(phaseStop)
	elapsed := time.Since(start)
	cpu1, srv1 := selfCPU(), procCPU(opts.ServerPID)
	wg.Wait()

	r := &Result{
		Target:    opts.Target,
		Workload:  wl.Name,
		Clients:   opts.Concurrency,
		Elapsed:   elapsed,
		Latency:   NewHistogram(),
		ClientCPU: cpu1 - cpu0,
		ServerCPU: srv1 - srv0,
	}
	for _, s := range stats {
		r.merge(s)
	}
	return r
}

// runWorker is one closed-loop client. A request counts when it started in
// the measured window.
func runWorker(ctx context.Context, w Worker, wl *Workload, ks Keyspace, phase *atomic.Int32, s *workerStats, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, seed^0xda3e39cb94b95bdb))
	for ctx.Err() == nil {
		p := phase.Load()
		if p == phaseStop {
			return
		}
		op := wl.Next(rng, ks)
		t0 := time.Now()
		items, err := w.Do(ctx, op)
		lat := time.Since(t0)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if p == phaseMeasure {
				s.errors++
				if s.firstErr == nil {
					s.firstErr = err
				}
			}
			// A server answering errors at once would spin this loop at
			// full speed; pause briefly so the run stays a measurement.
			time.Sleep(time.Millisecond)
			continue
		}
		if p != phaseMeasure {
			continue
		}
		s.requests++
		s.items += uint64(items)
		s.hist.RecordDuration(lat)
	}
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
