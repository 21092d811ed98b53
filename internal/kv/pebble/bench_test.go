package pebble

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	pdb "github.com/cockroachdb/pebble/v2"
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
	disk := mustOpen(b, b.TempDir(), Options{FS: counter})
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

// BenchmarkTxnRead measures what PutItem and UpdateItem pay before they
// write: an Update that locks one existing key and reads it (get), or
// reads it and then writes it back (put, the whole read-before-write,
// committed). The memory store keeps the fsync out of the figure.
func BenchmarkTxnRead(b *testing.B) {
	ctx := context.Background()
	s := mustOpen(b, "", Options{InMemory: true})
	defer s.Close()
	loadBench(b, s)
	run := func(b *testing.B, write bool) {
		i := 0
		for b.Loop() {
			i = (i + 7919) % benchKeys
			key := fmt.Appendf(nil, "t/1/i/%012d", i)
			err := s.Update(ctx, [][]byte{key}, func(tx kv.Txn) error {
				v, err := tx.Get(ctx, key)
				if err != nil || !write {
					return err
				}
				return tx.Set(key, v)
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("get", func(b *testing.B) { run(b, false) })
	b.Run("put", func(b *testing.B) { run(b, true) })
}

// BenchmarkIterPage measures a Query page's storage cost: open an
// iterator, read 10 keys, close it; on the store (store: a base-table
// page, since an iterator reads one consistent state), or on a snapshot
// opened and closed around it (snapshot: an index page that resolves
// base items). The difference is the snapshot's cost: closing the oldest
// Pebble snapshot takes the DB mutex and looks for a compaction it may
// have unblocked.
func BenchmarkIterPage(b *testing.B) {
	ctx := context.Background()
	s := mustOpen(b, "", Options{InMemory: true})
	defer s.Close()
	loadBench(b, s)
	const page = 10
	read := func(b *testing.B, r kv.Reader, i int) {
		start, end := fmt.Appendf(nil, "t/1/i/%012d", i), fmt.Appendf(nil, "t/1/i/%012d", benchKeys)
		it, err := r.Iter(ctx, start, end, false)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for n < page && it.Next() {
			n++
		}
		if err := it.Close(); err != nil || n != page {
			b.Fatalf("%d keys, %v", n, err)
		}
	}
	b.Run("snapshot", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i = (i + 7919) % (benchKeys - page)
			snap, err := s.NewSnapshot(ctx)
			if err != nil {
				b.Fatal(err)
			}
			read(b, snap, i)
			snap.Close()
		}
	})
	b.Run("store", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i = (i + 7919) % (benchKeys - page)
			read(b, s, i)
		}
	})
}

// BenchmarkTxnParts takes BenchmarkTxnRead apart, on Pebble directly:
// a point read from the DB and from an empty indexed batch (what a txn
// Get cost before its first write when every txn had one), and making
// and closing an indexed or a plain batch (once per Update).
func BenchmarkTxnParts(b *testing.B) {
	s := mustOpen(b, "", Options{InMemory: true})
	defer s.Close()
	loadBench(b, s)
	read := func(b *testing.B, r pdb.Reader) {
		i := 0
		key := make([]byte, 0, 32)
		for b.Loop() {
			i = (i + 7919) % benchKeys
			key = fmt.Appendf(key[:0], "t/1/i/%012d", i)
			if _, err := get(r, key); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("get/db", func(b *testing.B) { read(b, s.db) })
	b.Run("get/indexed-batch", func(b *testing.B) {
		batch := s.db.NewIndexedBatch()
		defer batch.Close()
		read(b, batch)
	})
	b.Run("new/indexed-batch", func(b *testing.B) {
		for b.Loop() {
			_ = s.db.NewIndexedBatch().Close()
		}
	})
	b.Run("new/batch", func(b *testing.B) {
		for b.Loop() {
			_ = s.db.NewBatch().Close()
		}
	})
}
