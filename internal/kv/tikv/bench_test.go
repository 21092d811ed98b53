package tikv

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tikvkv "github.com/tikv/client-go/v2/kv"

	"github.com/dynago/dynago/internal/kv"
)

// benchValue is a typical small DynamoDB item: 200 bytes.
var benchValue = make([]byte, 200)

// benchStore is what the benchmarks use of a store: the version 1 part of
// the contract, so that a Pebble store of either contract version can be
// measured beside this one (bench_pebble_test.go).
type benchStore interface {
	Get(ctx context.Context, key []byte) ([]byte, error)
	Iter(ctx context.Context, start, end []byte, reverse bool) (kv.Iterator, error)
	Update(ctx context.Context, lockKeys [][]byte, fn func(kv.Txn) error) error
	Close() error
}

// benchBackend is one store under measurement.
type benchBackend struct {
	name string
	s    benchStore
	rpcs *rpcCounter // nil for backends that send none
	tikv *Store      // nil for other backends
}

// extraBackends adds backends from build-tagged files.
var extraBackends []func(b *testing.B) benchBackend

// benchBackends opens a mock TiKV store (split as the engine would: at the
// table, at its index, and off the log) and every extra backend, each
// holding 1000 items.
func benchBackends(b *testing.B) []benchBackend {
	ctx := context.Background()
	s, err := OpenMock(ctx, Options{
		SplitKeys: [][]byte{[]byte("t/1/i/"), []byte("t/1/x/")},
		CountRPCs: true,
	})
	if err != nil {
		b.Fatal(err)
	}
	out := []benchBackend{{name: "tikv-mock", s: s, rpcs: s.rpcs, tikv: s}}
	for _, open := range extraBackends {
		out = append(out, open(b))
	}
	for _, be := range out {
		b.Cleanup(func() { be.s.Close() })
		err := be.s.Update(ctx, nil, func(tx kv.Txn) error {
			for i := range 1000 {
				if err := tx.Set(itemKey(i), benchValue); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return out
}

func itemKey(i int) []byte { return fmt.Appendf(nil, "t/1/i/%06d", i) }

// measure runs op b.N times and reports, for a TiKV backend, the RPCs (by
// command) and PD timestamps per operation, and Update's re-runs.
func measure(b *testing.B, be benchBackend, op func(i int) error) {
	if be.rpcs != nil {
		be.rpcs.take()
	}
	var reruns int64
	if be.tikv != nil {
		reruns = be.tikv.reruns.Load()
	}
	i := 0
	for b.Loop() {
		if err := op(i); err != nil {
			b.Fatal(err)
		}
		i++
	}
	reportRPCs(b, be, reruns)
}

func reportRPCs(b *testing.B, be benchBackend, reruns int64) {
	if be.rpcs == nil {
		return
	}
	var total int64
	counts := be.rpcs.take()
	names := make([]string, 0, len(counts))
	for name, n := range counts {
		names = append(names, name)
		if name != tsoName {
			total += n
		}
	}
	sort.Strings(names)
	n := float64(b.N)
	b.ReportMetric(float64(total)/n, "rpcs/op")
	b.ReportMetric(float64(counts[tsoName])/n, "tso/op")
	b.ReportMetric(float64(be.tikv.reruns.Load()-reruns)/n, "reruns/op")
	var parts []string
	for _, name := range names {
		parts = append(parts, fmt.Sprintf("%s=%.2f", name, float64(counts[name])/n))
	}
	b.Logf("per op: %s", strings.Join(parts, " "))
}

// BenchmarkOps measures the operations the engine's hot paths are made of:
// an Update that reads and writes one named key (PutItem, UpdateItem), a
// Get (GetItem), a 10-key scan (a Query page) and an Update of four named
// keys (a small TransactWriteItems).
func BenchmarkOps(b *testing.B) {
	ctx := context.Background()
	for _, be := range benchBackends(b) {
		b.Run(be.name+"/Update1", func(b *testing.B) {
			measure(b, be, func(i int) error {
				key := itemKey(i % 1000)
				return be.s.Update(ctx, [][]byte{key}, func(tx kv.Txn) error {
					if _, err := tx.Get(ctx, key); err != nil {
						return err
					}
					return tx.Set(key, benchValue)
				})
			})
		})
		b.Run(be.name+"/Get", func(b *testing.B) {
			measure(b, be, func(i int) error {
				_, err := be.s.Get(ctx, itemKey(i%1000))
				return err
			})
		})
		b.Run(be.name+"/Scan10", func(b *testing.B) {
			measure(b, be, func(i int) error {
				start := itemKey(i % 990)
				it, err := be.s.Iter(ctx, start, nil, false)
				if err != nil {
					return err
				}
				n := 0
				for n < 10 && it.Next() {
					n++
				}
				if err := errors.Join(it.Err(), it.Close()); err != nil || n != 10 {
					return fmt.Errorf("scan: %d keys, %v", n, err)
				}
				return nil
			})
		})
		b.Run(be.name+"/Txn4", func(b *testing.B) {
			measure(b, be, func(i int) error {
				keys := [][]byte{itemKey(i % 250), itemKey(250 + i%250), itemKey(500 + i%250), itemKey(750 + i%250)}
				return be.s.Update(ctx, keys, func(tx kv.Txn) error {
					for _, k := range keys {
						if _, err := tx.Get(ctx, k); err != nil {
							return err
						}
						if err := tx.Set(k, benchValue); err != nil {
							return err
						}
					}
					return nil
				})
			})
		})
	}
}

// BenchmarkOptimisticUpdate1 is the Update1 of BenchmarkOps as an
// optimistic client-go transaction (begin, get, set, commit), to compare
// round trips with the pessimistic Update that the contract needs.
func BenchmarkOptimisticUpdate1(b *testing.B) {
	ctx := context.Background()
	be := benchBackends(b)[0]
	kvs := be.tikv.kvs
	measure(b, be, func(i int) error {
		key := itemKey(i % 1000)
		txn, err := kvs.Begin()
		if err != nil {
			return err
		}
		if _, err := txn.Get(ctx, key); err != nil {
			return err
		}
		if err := txn.Set(key, encodeValue(benchValue)); err != nil {
			return err
		}
		return txn.Commit(ctx)
	})
	_ = tikvkv.LockAlwaysWait
}

// BenchmarkLogAppend measures an Update of one key that appends a record
// to a change log: serially, then from 8 goroutines per CPU writing
// distinct keys, all to one log (whose commits the counter serialises) or
// each to a log of its own (which shows what the serialisation costs).
func BenchmarkLogAppend(b *testing.B) {
	ctx := context.Background()
	be := benchBackends(b)[0]
	s := be.tikv
	var seq atomic.Int64
	appendTo := func(log []byte) error {
		key := itemKey(int(seq.Add(1)) % 1000)
		return s.Update(ctx, [][]byte{key}, func(tx kv.Txn) error {
			return errors.Join(tx.Set(key, benchValue), tx.AppendLog(log, key))
		})
	}
	b.Run("serial", func(b *testing.B) {
		measure(b, be, func(int) error { return appendTo([]byte("L")) })
	})
	for _, shared := range []bool{true, false} {
		name := "parallel/one-log"
		if !shared {
			name = "parallel/log-per-writer"
		}
		b.Run(name, func(b *testing.B) {
			be.rpcs.take()
			reruns := s.reruns.Load()
			var writer atomic.Int64
			b.SetParallelism(8)
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				log := []byte("L")
				if !shared {
					log = fmt.Appendf(nil, "L%d", writer.Add(1))
				}
				for pb.Next() {
					if err := appendTo(log); err != nil {
						b.Error(err)
						return
					}
				}
			})
			_ = start
			reportRPCs(b, be, reruns)
		})
	}
}

// BenchmarkScanBatch measures a 10-key scan with iterators fetching 32 keys
// per RPC (DefaultScanBatchSize) and 256 (client-go's default).
func BenchmarkScanBatch(b *testing.B) {
	ctx := context.Background()
	for _, batch := range []int{DefaultScanBatchSize, 256} {
		b.Run(fmt.Sprint(batch), func(b *testing.B) {
			be := benchBackends(b)[0]
			be.tikv.scanBatch = batch
			measure(b, be, func(i int) error {
				it, err := be.s.Iter(ctx, itemKey(i%990), nil, false)
				if err != nil {
					return err
				}
				for n := 0; n < 10 && it.Next(); n++ {
				}
				return errors.Join(it.Err(), it.Close())
			})
		})
	}
}
