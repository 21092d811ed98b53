package pebble

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/kv"
)

// BenchmarkMixedDurable measures reads while durable writes run: 8 writer
// goroutines put random keys of the read key space in a loop (each Update
// waits for its WAL fsync), and the benchmark's readers (1 per CPU) do
// GetItem-like point reads (get) or Query-like snapshot range reads of 10
// keys (query). keys=10000 is a uniform load where a read rarely touches a
// key being committed; keys=100 makes that common. It reports the readers'
// throughput (ns/op), their p99, and the writers' throughput: what reads
// that wait for durability (visibility.go) cost.
func BenchmarkMixedDurable(b *testing.B) {
	const writers = 8
	for _, keys := range []int{10_000, 100} {
		for _, kind := range []string{"get", "query"} {
			b.Run(fmt.Sprintf("%s/keys=%d", kind, keys), func(b *testing.B) {
				ctx := context.Background()
				s := mustOpen(b, b.TempDir(), Options{})
				defer s.Close()
				loadBench(b, s)
				key := func(i int) []byte { return fmt.Appendf(nil, "t/1/i/%012d", i) }

				var stop atomic.Bool
				var writes atomic.Int64
				var wg sync.WaitGroup
				for w := range writers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						rng := rand.New(rand.NewPCG(uint64(w), 7))
						for !stop.Load() {
							k := key(rng.IntN(keys))
							err := s.Update(ctx, [][]byte{k}, func(tx kv.Txn) error { return tx.Set(k, benchValue) })
							if err != nil {
								b.Error(err)
								return
							}
							writes.Add(1)
						}
					}()
				}
				read := func(rng *rand.Rand) error {
					i := rng.IntN(keys)
					if kind == "get" {
						_, err := s.Get(ctx, key(i))
						return err
					}
					start := i / 10 * 10
					snap, err := s.NewSnapshot(ctx)
					if err != nil {
						return err
					}
					defer snap.Close()
					it, err := snap.Iter(ctx, key(start), key(start+10), false)
					if err != nil {
						return err
					}
					for it.Next() {
					}
					if err := it.Err(); err != nil {
						return err
					}
					return it.Close()
				}

				var mu sync.Mutex
				var lat []time.Duration
				var seed atomic.Uint64
				w0 := writes.Load()
				began := time.Now()
				b.ResetTimer()
				b.SetParallelism(1)
				b.RunParallel(func(pb *testing.PB) {
					rng := rand.New(rand.NewPCG(seed.Add(1), 11))
					var mine []time.Duration
					for pb.Next() {
						t0 := time.Now()
						if err := read(rng); err != nil && err != kv.ErrNotFound {
							b.Error(err)
							return
						}
						mine = append(mine, time.Since(t0))
					}
					mu.Lock()
					lat = append(lat, mine...)
					mu.Unlock()
				})
				b.StopTimer()
				elapsed := time.Since(began)
				stop.Store(true)
				wg.Wait()
				slices.Sort(lat)
				if len(lat) > 0 {
					b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "read-p99-µs")
					b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "read-p50-µs")
				}
				b.ReportMetric(float64(writes.Load()-w0)/elapsed.Seconds(), "writes/s")
			})
		}
	}
}
