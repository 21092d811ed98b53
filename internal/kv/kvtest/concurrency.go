package kvtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/kv"
)

// increment adds one to the decimal counter at key within tx.
func increment(ctx context.Context, tx kv.Txn, key []byte) error {
	n := 0
	v, err := tx.Get(ctx, key)
	switch {
	case err == nil:
		if n, err = strconv.Atoi(string(v)); err != nil {
			return err
		}
	case !errors.Is(err, kv.ErrNotFound):
		return err
	}
	runtime.Gosched() // widen the window a broken lock would leave
	return tx.Set(key, strconv.AppendInt(nil, int64(n+1), 10))
}

// counters reads the named decimal counters.
func counters(t *testing.T, s kv.Store, keys []string) map[string]int {
	t.Helper()
	out := make(map[string]int)
	for _, k := range keys {
		v := mustGet(t, s, k)
		if v == notFound {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("%s = %q", k, v)
		}
		out[k] = n
	}
	return out
}

// testConcurrentIncrements: read-modify-write under Update loses no update.
// The goroutine yields between read and write to widen the window a broken
// lock would leave.
func testConcurrentIncrements(t *testing.T, s kv.Store) {
	const workers, perWorker = 8, 25
	keys := []string{"c0", "c1", "c2"}
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	want := make([]map[string]int, workers)
	for w := range workers {
		want[w] = make(map[string]int)
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			for range perWorker {
				k := keys[rng.IntN(len(keys))]
				want[w][k]++
				err := s.Update(ctx, [][]byte{[]byte(k)}, func(tx kv.Txn) error {
					v, err := tx.Get(ctx, []byte(k))
					if err != nil && !errors.Is(err, kv.ErrNotFound) {
						return err
					}
					time.Sleep(time.Duration(rng.IntN(50)) * time.Microsecond)
					n, _ := strconv.Atoi(string(v))
					return tx.Set([]byte(k), strconv.AppendInt(nil, int64(n+1), 10))
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	total := make(map[string]int)
	for _, m := range want {
		for k, n := range m {
			total[k] += n
		}
	}
	got := counters(t, s, keys)
	for _, k := range keys {
		if got[k] != total[k] {
			t.Errorf("%s = %d, want %d (lost updates)", k, got[k], total[k])
		}
	}
}

// testMultiKeyNoDeadlock: Updates naming overlapping key sets in random
// order, with duplicates, all finish (a deadlock would hit the timeout)
// and count exactly.
func testMultiKeyNoDeadlock(t *testing.T, s kv.Store) {
	const workers, perWorker = 8, 20
	keys := []string{"m0", "m1", "m2", "m3", "m4"}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	total := make([]map[string]int, workers)
	for w := range workers {
		total[w] = make(map[string]int)
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 2))
			for range perWorker {
				// 2-4 keys, random order, possibly repeated.
				var named [][]byte
				distinct := make(map[string]bool)
				for range 2 + rng.IntN(3) {
					k := keys[rng.IntN(len(keys))]
					named = append(named, []byte(k))
					distinct[k] = true
				}
				err := s.Update(ctx, named, func(tx kv.Txn) error {
					for k := range distinct {
						if err := increment(ctx, tx, []byte(k)); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					errs <- fmt.Errorf("Update %q: %w (deadlock?)", named, err)
					return
				}
				for k := range distinct {
					total[w][k]++
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got := counters(t, s, keys)
	for _, k := range keys {
		want := 0
		for _, m := range total {
			want += m[k]
		}
		if got[k] != want {
			t.Errorf("%s = %d, want %d", k, got[k], want)
		}
	}
}

// testAtomicVisibility: readers never see part of a multi-key commit.
func testAtomicVisibility(t *testing.T, s kv.Store) {
	keys := bytesOf([]string{"x", "y", "z"})
	ctx := context.Background()
	done := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	wg.Go(func() {
		defer close(done)
		for i := range 30 {
			err := s.Update(ctx, keys, func(tx kv.Txn) error {
				for _, k := range keys {
					if err := tx.Set(k, strconv.AppendInt(nil, int64(i), 10)); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				errs <- err
				return
			}
		}
	})
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				if err := checkSameValues(ctx, s); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// checkSameValues reads x, y and z from one snapshot and from one iterator
// and fails if they differ.
func checkSameValues(ctx context.Context, s kv.Store) error {
	snap, err := s.NewSnapshot(ctx)
	if err != nil {
		return err
	}
	defer snap.Close()
	var vals []string
	for _, k := range []string{"x", "y", "z"} {
		v, err := snap.Get(ctx, []byte(k))
		if err != nil && !errors.Is(err, kv.ErrNotFound) {
			return err
		}
		vals = append(vals, string(v))
	}
	if vals[0] != vals[1] || vals[1] != vals[2] {
		return fmt.Errorf("snapshot saw a partial commit: x,y,z = %q", vals)
	}
	it, err := s.Iter(ctx, nil, nil, false)
	if err != nil {
		return err
	}
	defer it.Close()
	vals = vals[:0]
	for it.Next() {
		vals = append(vals, string(it.Value()))
	}
	if err := it.Err(); err != nil {
		return err
	}
	for _, v := range vals {
		if v != vals[0] {
			return fmt.Errorf("iterator saw a partial commit: %q", vals)
		}
	}
	return nil
}
