package main

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// The Go collector lets the heap grow to GOGC percent over the live heap
// before collecting: by default twice the live heap. Dynago's large live
// heaps are stored data (in memory, Pebble's files are []byte in the Go
// heap), and the garbage of requests is small by comparison, so doubling
// the data only to postpone a collection is most of the memory of a
// server holding a big table: 830 MB of RSS for 346 MB of files with 10^6
// items (dynago-bench scale), 547 MB with GOGC=25. Marking pointer-free
// file data costs the collector almost nothing, so collecting more often
// over a large heap is cheap; over a small heap (a test suite's server,
// a few MB) the default stays, since there each cycle's fixed cost would
// show in every request.
const (
	// gcTunePeriod is how often the live heap is looked at.
	gcTunePeriod = time.Second
	// gcHeadroom is the growth allowed above the live heap once that is
	// large: GOGC is lowered so that the heap target stays about this
	// much above it (32 MB), down to gcPercentMin.
	gcHeadroom = 32 << 20
	// gcPercentMin bounds how far GOGC is lowered (the target never
	// comes closer than 25% above the live heap).
	gcPercentMin = 25
	// gcPercentDefault is Go's default GOGC, kept for heaps up to
	// gcHeadroom.
	gcPercentDefault = 100
)

// gcPercentFor returns the GOGC for a live heap of live bytes.
func gcPercentFor(live uint64) int {
	if live <= gcHeadroom {
		return gcPercentDefault
	}
	return max(int(uint64(gcHeadroom)*100/live), gcPercentMin)
}

// liveHeapMetric is the heap the last collection found live.
const liveHeapMetric = "/gc/heap/live:bytes"

// tuneGC adjusts GOGC to the live heap (gcPercentFor) every gcTunePeriod
// until ctx is done, unless the user set GOGC: then theirs stays.
func tuneGC(ctx context.Context, getenv func(string) string) {
	if getenv("GOGC") != "" {
		return
	}
	go func() {
		cur := gcPercentDefault
		t := time.NewTicker(gcTunePeriod)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			var ok bool
			if cur, ok = tuneGCOnce(cur); !ok {
				return // a runtime without the metric: leave GOGC alone
			}
		}
	}()
}

// tuneGCOnce sets GOGC for the live heap now, if it is not cur already,
// and returns the GOGC in force; ok is false when the runtime does not
// report its live heap.
func tuneGCOnce(cur int) (gogc int, ok bool) {
	sample := []metrics.Sample{{Name: liveHeapMetric}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return cur, false
	}
	if p := gcPercentFor(sample[0].Value.Uint64()); p != cur {
		debug.SetGCPercent(p)
		cur = p
	}
	return cur, true
}
