package tikv

import (
	"context"
	"testing"

	"github.com/dynago/dynago/internal/kv"
	"github.com/dynago/dynago/internal/kv/kvtest"
)

// testSplits split the mock cluster inside the key space the conformance
// suite uses, so that its scans, multi-key locks and commits cross region
// boundaries, as the engine's do (it splits at every table and index).
var testSplits = [][]byte{
	[]byte("\x00"), []byte("a0"), []byte("b"), []byte("b0"), []byte("c"),
	[]byte("k00500"), []byte("k01500"), []byte("m"), []byte("m2"),
	[]byte("x"), []byte("y"), []byte("z"),
}

// openTest opens a mock store split at testSplits; the store checks at
// Close that no latch leaked.
func openTest(t testing.TB, opts Options) *Store {
	t.Helper()
	opts.SplitKeys = append(opts.SplitKeys, testSplits...)
	s, err := OpenMock(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if n := s.latches.size(); n != 0 {
			t.Errorf("%d latches left after the test", n)
		}
	})
	return s
}

// TestConformance runs the suite on a store whose Updates queue on its
// latches before TiKV's locks, as in production.
func TestConformance(t *testing.T) {
	kvtest.Run(t, func(t *testing.T) kv.Store { return openTest(t, Options{}) })
}

// TestConformanceTiKVLocks runs the suite with every lock wait left to
// TiKV, as between two API nodes: lock waits, their cancellation and the
// release of locks a cancelled waiter took all go through TiKV.
func TestConformanceTiKVLocks(t *testing.T) {
	kvtest.Run(t, func(t *testing.T) kv.Store { return openTest(t, Options{noLatches: true}) })
}
