package pebble

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/kv"
)

// BenchmarkUpdateLog is BenchmarkUpdate with records appended in the same
// commit: what a PutItem on a table with a stream costs in storage. The
// record is an item-sized 200 bytes; records=1 is one stream record per
// write, records=10 a transaction's worth. Comparing with BenchmarkUpdate
// gives the price of the change log (the log mutex, the record and head
// keys); syncs/op shows group commit is kept.
func BenchmarkUpdateLog(b *testing.B) {
	ctx := context.Background()
	for _, st := range benchStores(b) {
		for _, records := range []int{1, 10} {
			var seq atomic.Int64
			put := func() error {
				key := fmt.Appendf(nil, "t/1/i/%012d", seq.Add(1))
				return st.s.Update(ctx, [][]byte{key}, func(tx kv.Txn) error {
					if err := tx.Set(key, benchValue); err != nil {
						return err
					}
					for range records {
						if err := tx.AppendLog([]byte("t/1/s/0"), benchValue); err != nil {
							return err
						}
					}
					return nil
				})
			}
			report := func(b *testing.B, before int64) {
				if st.syncs != nil {
					b.ReportMetric(float64(st.syncs.Load()-before)/float64(b.N), "syncs/op")
				}
			}
			b.Run(fmt.Sprintf("%s/serial/records=%d", st.name, records), func(b *testing.B) {
				before := loadOr0(st.syncs)
				for b.Loop() {
					if err := put(); err != nil {
						b.Fatal(err)
					}
				}
				report(b, before)
			})
			b.Run(fmt.Sprintf("%s/parallel/records=%d", st.name, records), func(b *testing.B) {
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
}

// BenchmarkReadLog measures reading a page of 1000 records of 200 bytes
// (a GetRecords call at its limit), on a log of 10,000.
func BenchmarkReadLog(b *testing.B) {
	ctx := context.Background()
	for _, st := range benchStores(b) {
		log := []byte("t/1/s/0")
		for i := 0; i < 10_000; i += 1000 {
			err := st.s.Update(ctx, nil, func(tx kv.Txn) error {
				for range 1000 {
					if err := tx.AppendLog(log, benchValue); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.Run(st.name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				i = (i + 3779) % 9000
				recs, err := st.s.ReadLog(ctx, log, kv.Seq(i), 1000)
				if err != nil || len(recs) != 1000 {
					b.Fatalf("%d records, %v", len(recs), err)
				}
			}
		})
	}
}

// BenchmarkWaitLog measures how soon a waiting reader sees a commit: a
// reader waits in WaitLog and, woken, reads the new record and answers;
// the writer commits one record and waits for the answer. wake-µs is the
// time from the commit's return to the reader's wake-up (it can be
// negative: the waiter is woken inside Update, right after the fsync);
// ns/op is the whole round trip, commit included. In memory, so no fsync
// hides the figure.
func BenchmarkWaitLog(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := mustOpen(b, "", Options{InMemory: true})
	defer s.Close()
	log := []byte("t/1/s/0")
	woke := make(chan time.Time)
	go func() {
		var after kv.Seq
		for {
			if err := s.WaitLog(ctx, log, after); err != nil {
				return
			}
			at := time.Now()
			recs, err := s.ReadLog(ctx, log, after, 10)
			if err != nil {
				return
			}
			if len(recs) == 0 {
				continue
			}
			after = recs[len(recs)-1].Seq
			woke <- at
		}
	}()
	var wake time.Duration
	for b.Loop() {
		err := s.Update(ctx, nil, func(tx kv.Txn) error { return tx.AppendLog(log, benchValue) })
		if err != nil {
			b.Fatal(err)
		}
		returned := time.Now()
		wake += (<-woke).Sub(returned)
	}
	b.ReportMetric(float64(wake.Microseconds())/float64(b.N), "wake-µs")
}
