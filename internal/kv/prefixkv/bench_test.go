package prefixkv

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/kv"
	"github.com/dynago/dynago/internal/kv/pebble"
)

// BenchmarkGet reads items of 250 bytes, keyed as the engine keys
// items, straight from an in-memory Pebble store and through views
// under a namespace's prefix (ns/<account>/<region>/, 26 bytes, what
// --auth puts before every key) and a short one: the cost of the
// namespace to every read (docs/security.md, "Cost"). 10^4 items stay
// in the memtable; 10^5 (25 MB) are mostly in sstables, where every
// step of a block's binary search compares whole keys.
func BenchmarkGet(b *testing.B) {
	for _, items := range []int{10_000, 100_000} {
		for _, bm := range []struct{ name, prefix string }{
			{"bare", ""},
			{"namespace prefix", "ns/111111111111/us-east-1/"},
			{"short prefix", "n/1/"},
		} {
			b.Run(fmt.Sprintf("%d items/%s", items, bm.name), func(b *testing.B) { benchGet(b, items, bm.prefix) })
		}
	}
}

func benchGet(b *testing.B, items int, prefix string) {
	ctx := context.Background()
	s := loadedStore(b, items, prefix)
	keys := benchKeys(items)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := s.Get(ctx, keys[i%len(keys)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// benchKey is the key of item i, as the engine keys an item.
func benchKey(i int) []byte { return fmt.Appendf(nil, "t/0001/i/\x00\x05key-%06d", i) }

// loadedStore returns an in-memory Pebble store, closed when b ends,
// holding items of 250 bytes, seen under prefix ("" for the store
// itself).
func loadedStore(b *testing.B, items int, prefix string) kv.Store {
	ctx := context.Background()
	base, err := pebble.Open("", pebble.Options{InMemory: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { base.Close() })
	var s kv.Store = base
	if prefix != "" {
		s = New(base, []byte(prefix))
	}
	value := make([]byte, 250)
	for lo := 0; lo < items; lo += 1000 {
		if err := s.Update(ctx, nil, func(txn kv.Txn) error {
			for i := lo; i < lo+1000 && i < items; i++ {
				if err := txn.Set(benchKey(i), value); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

// benchKeys are the keys read, spread over the items.
func benchKeys(items int) [][]byte {
	keys := make([][]byte, 4096)
	for i := range keys {
		keys[i] = benchKey(i * 7919 % items)
	}
	return keys
}

// BenchmarkGetInterleaved is BenchmarkGet's three stores in one process,
// read in alternating blocks of getBlock reads, each block timed: on a
// shared machine, where separate runs of BenchmarkGet scatter by ±15 %,
// all three then see the same neighbours. It reports each store's
// ns/read (bare-ns/get, namespace-ns/get, short-ns/get).
func BenchmarkGetInterleaved(b *testing.B) {
	const getBlock = 256
	for _, items := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("%d items", items), func(b *testing.B) {
			ctx := context.Background()
			var stores []kv.Store
			for _, prefix := range []string{"", "ns/111111111111/us-east-1/", "n/1/"} {
				stores = append(stores, loadedStore(b, items, prefix))
			}
			keys := benchKeys(items)
			var spent [3]time.Duration
			i := 0
			b.ResetTimer()
			for done := 0; done < b.N; done += getBlock {
				for j, s := range stores {
					t0 := time.Now()
					for k := range getBlock {
						if _, err := s.Get(ctx, keys[(i+k)%len(keys)]); err != nil {
							b.Fatal(err)
						}
					}
					spent[j] += time.Since(t0)
				}
				i += getBlock
			}
			n := float64((b.N + getBlock - 1) / getBlock * getBlock)
			b.ReportMetric(float64(spent[0])/n, "bare-ns/get")
			b.ReportMetric(float64(spent[1])/n, "namespace-ns/get")
			b.ReportMetric(float64(spent[2])/n, "short-ns/get")
		})
	}
}
