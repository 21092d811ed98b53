// The race detector makes sync.Pool drop pooled objects at random (to
// expose reuse bugs), so fasthttp's pooled buffers are allocated afresh
// now and then and allocation counts mean nothing under -race.

//go:build !race

package main

import (
	"context"
	"testing"
)

// TestLeanWorkerDoesNotAllocate checks that a load request — encode, sign,
// send, read, count — allocates nothing once the connection is open: the
// client's CPU per request is what the server under test loses. The
// fasthttp baseline serves it in this process and allocates nothing per
// request either, so the count is the client's.
func TestLeanWorkerDoesNotAllocate(t *testing.T) {
	b := newTestBench(t, startBaseline(t, baselineFastHTTP))
	w := b.load.NewWorker()
	ctx := context.Background()
	for _, kind := range []OpKind{OpGet, OpPut, OpQuery} {
		op := Op{Kind: kind, Item: 42}
		if _, err := w.Do(ctx, op); err != nil {
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(200, func() {
			if _, err := w.Do(ctx, op); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %.1f allocations per request, want 0", kind.Target(), allocs)
		}
	}
}
