package pebble

import (
	"context"
	"fmt"
	"testing"

	"github.com/dynago/dynago/internal/kv"
)

// BenchmarkDropSmallRanges is a test suite's table churn at the storage
// level: 500 times, write a 40-key "table" (20 items and their index
// entries), drop its range, and read a key elsewhere, as the job runner
// does right after every table drop. One op is the 500 drops, on a fresh
// in-memory store.
func BenchmarkDropSmallRanges(b *testing.B) {
	ctx := context.Background()
	const tables, keys = 500, 40
	other := []byte("j/other")
	for b.Loop() {
		b.StopTimer()
		s := mustOpen(b, "", Options{InMemory: true})
		if err := s.Update(ctx, [][]byte{other}, func(txn kv.Txn) error { return txn.Set(other, benchValue) }); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for t := range tables {
			prefix := fmt.Appendf(nil, "t/%016x/", t+1)
			err := s.Update(ctx, nil, func(txn kv.Txn) error {
				for k := range keys {
					if err := txn.Set(fmt.Appendf(prefix[:len(prefix):len(prefix)], "i/%04d", k), benchValue); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			if err := s.DropRange(ctx, prefix, prefixEnd(prefix)); err != nil {
				b.Fatal(err)
			}
			if _, err := s.Get(ctx, other); err != nil {
				b.Fatal(err)
			}
			if _, err := s.Get(ctx, fmt.Appendf(prefix[:len(prefix):len(prefix)], "i/%04d", 0)); err != kv.ErrNotFound {
				b.Fatalf("a dropped key: %v, want kv.ErrNotFound", err)
			}
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
}
