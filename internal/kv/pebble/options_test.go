package pebble

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/dynago/dynago/internal/kv"
)

// TestBlockCacheServesReads checks that repeated reads of flushed data are
// served from the block cache. It guards the sizing in pebbleOptions:
// Pebble charges memtables against the cache, and a cache no larger than
// the memtables cached nothing at all.
func TestBlockCacheServesReads(t *testing.T) {
	for _, tc := range []struct {
		name string
		mem  bool
	}{{"in-memory", true}, {"on-disk", false}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := ""
			if !tc.mem {
				dir = t.TempDir()
			}
			s, err := Open(dir, Options{InMemory: tc.mem})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			const n = 2000
			key := func(i int) []byte { return fmt.Appendf(nil, "k%06d", i) }
			val := make([]byte, 250)
			if err := s.Update(ctx, nil, func(tx kv.Txn) error {
				for i := range n {
					if err := tx.Set(key(i), val); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if err := s.db.Flush(); err != nil {
				t.Fatal(err)
			}
			for range 3 {
				for i := range n {
					if _, err := s.Get(ctx, key(i)); err != nil {
						t.Fatal(err)
					}
				}
			}
			m := s.db.Metrics()
			bc := m.BlockCache
			if bc.Count == 0 || bc.Hits < 2*n {
				t.Errorf("block cache: %d entries, %d hits, %d misses; want the blocks cached and most reads hits", bc.Count, bc.Hits, bc.Misses)
			}
			compressed := m.String()
			if tc.mem && !strings.Contains(compressed, "Compression types: none") {
				t.Errorf("in-memory sstables should be uncompressed:\n%s", compressed)
			}
		})
	}
}
