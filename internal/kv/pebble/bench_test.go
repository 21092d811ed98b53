package pebble

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/dynago/dynago/internal/kv"
)

// benchValue is a typical small DynamoDB item: 200 bytes.
var benchValue = make([]byte, 200)

// benchStores opens one store per backend kind. The disk store counts WAL
// syncs so benchmarks can report fsyncs per commit.
func benchStores(b *testing.B) []struct {
	name  string
	s     *Store
	syncs *atomic.Int64
} {
	counter := &walSyncCounter{FS: vfs.Default}
	mem := mustOpen(b, "", Options{InMemory: true})
	disk := mustOpen(b, b.TempDir(), Options{fs: counter})
	b.Cleanup(func() { mem.Close(); disk.Close() })
	return []struct {
		name  string
		s     *Store
		syncs *atomic.Int64
	}{{"memory", mem, nil}, {"disk", disk, &counter.syncs}}
}

// BenchmarkUpdate measures one synced single-key put through Update. The
// parallel variants run 16 goroutines per CPU: their ns/op against the
// serial one, and syncs/op, show Pebble sharing fsyncs among concurrent
// commits.
func BenchmarkUpdate(b *testing.B) {
	ctx := context.Background()
	for _, st := range benchStores(b) {
		var seq atomic.Int64
		put := func() error {
			key := fmt.Appendf(nil, "t/1/i/%012d", seq.Add(1))
			return st.s.Update(ctx, [][]byte{key}, func(tx kv.Txn) error {
				return tx.Set(key, benchValue)
			})
		}
		report := func(b *testing.B, before int64) {
			if st.syncs != nil {
				b.ReportMetric(float64(st.syncs.Load()-before)/float64(b.N), "syncs/op")
			}
		}
		b.Run(st.name+"/serial", func(b *testing.B) {
			before := loadOr0(st.syncs)
			for b.Loop() {
				if err := put(); err != nil {
					b.Fatal(err)
				}
			}
			report(b, before)
		})
		b.Run(st.name+"/parallel", func(b *testing.B) {
			before := loadOr0(st.syncs)
			b.SetParallelism(16)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := put(); err != nil {
						b.Error(err)
						return
					}
				}
			})
			report(b, before)
		})
	}
}

func loadOr0(n *atomic.Int64) int64 {
	if n == nil {
		return 0
	}
	return n.Load()
}

// benchKeys is how many keys the read benchmarks load: 10,000 items of 200
// bytes, about 2 MB, more than the first memtables hold, so reads touch
// sstables too.
const benchKeys = 10_000

func loadBench(b *testing.B, s *Store) {
	ctx := context.Background()
	for i := 0; i < benchKeys; i += 1000 {
		err := s.Update(ctx, nil, func(tx kv.Txn) error {
			for j := i; j < i+1000; j++ {
				if err := tx.Set(fmt.Appendf(nil, "t/1/i/%012d", j), benchValue); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGet measures a point read of an existing key (GetItem's storage
// cost).
func BenchmarkGet(b *testing.B) {
	ctx := context.Background()
	for _, st := range benchStores(b) {
		loadBench(b, st.s)
		b.Run(st.name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				i = (i + 7919) % benchKeys
				if _, err := st.s.Get(ctx, fmt.Appendf(nil, "t/1/i/%012d", i)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkIter measures reading a 100-key page (a Query or Scan page)
// forward and reverse, including opening and closing the iterator.
func BenchmarkIter(b *testing.B) {
	ctx := context.Background()
	for _, st := range benchStores(b) {
		loadBench(b, st.s)
		for _, reverse := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/reverse=%v", st.name, reverse), func(b *testing.B) {
				i := 0
				for b.Loop() {
					i = (i + 7919) % (benchKeys - 100)
					start, end := fmt.Appendf(nil, "t/1/i/%012d", i), fmt.Appendf(nil, "t/1/i/%012d", i+100)
					it, err := st.s.Iter(ctx, start, end, reverse)
					if err != nil {
						b.Fatal(err)
					}
					n := 0
					for it.Next() {
						n++
					}
					if err := it.Close(); err != nil || n != 100 {
						b.Fatalf("%d keys, %v", n, err)
					}
				}
			})
		}
	}
}

// BenchmarkSnapshot measures opening and closing a snapshot, the fixed cost
// Query and Scan pay for a consistent page.
func BenchmarkSnapshot(b *testing.B) {
	ctx := context.Background()
	s := mustOpen(b, "", Options{InMemory: true})
	defer s.Close()
	for b.Loop() {
		snap, err := s.NewSnapshot(ctx)
		if err != nil {
			b.Fatal(err)
		}
		snap.Close()
	}
}
