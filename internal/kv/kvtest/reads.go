package kvtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/dynago/dynago/internal/kv"
)

// testGetReturnsCopy: "The returned slice belongs to the caller."
func testGetReturnsCopy(t *testing.T, s kv.Store) {
	put(t, s, "k", "value")
	v, err := s.Get(context.Background(), []byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	v[0] = 'X'
	if got := mustGet(t, s, "k"); got != "value" {
		t.Fatalf("after scribbling on a returned value, Get = %q, want %q", got, "value")
	}
}

// testSetCopiesArguments: a caller may reuse its buffers after Set.
func testSetCopiesArguments(t *testing.T, s kv.Store) {
	key, val := []byte("k1"), []byte("v1")
	err := s.Update(context.Background(), [][]byte{key}, func(tx kv.Txn) error {
		if err := tx.Set(key, val); err != nil {
			return err
		}
		key[1], val[1] = '2', '2' // now "k2", "v2"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, s, "k1"); got != "v1" {
		t.Errorf("k1 = %q, want v1", got)
	}
	if got := mustGet(t, s, "k2"); got != notFound {
		t.Errorf("k2 = %q, want not found", got)
	}
}

// testLargeValue: a maximal DynamoDB item (400 KB) plus index and stream
// copies fits in one value and one batch.
func testLargeValue(t *testing.T, s kv.Store) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MB
	err := s.Update(context.Background(), [][]byte{[]byte("big")}, func(tx kv.Txn) error {
		for i := range 3 {
			if err := tx.Set(fmt.Appendf(nil, "big%d", i), big); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		v, err := s.Get(context.Background(), fmt.Appendf(nil, "big%d", i))
		if err != nil || !bytes.Equal(v, big) {
			t.Fatalf("big%d: len %d, err %v; want len %d", i, len(v), err, len(big))
		}
	}
}

// testSnapshotIsolation: writes after a snapshot are invisible to it, to
// Get and to iteration both ways, and iterators opened on the store see one
// state too.
func testSnapshotIsolation(t *testing.T, s kv.Store) {
	ctx := context.Background()
	put(t, s, "a", "1")
	put(t, s, "b", "2")
	put(t, s, "c", "3")
	snap, err := s.NewSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	// An iterator opened before the writes, positioned after them.
	it, err := s.Iter(ctx, nil, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()

	err = s.Update(ctx, [][]byte{[]byte("a"), []byte("b"), []byte("d")}, func(tx kv.Txn) error {
		return firstErr(tx.Set([]byte("a"), []byte("10")), tx.Delete([]byte("b")),
			tx.Set([]byte("d"), []byte("4")))
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(ctx, nil, func(tx kv.Txn) error { return tx.DeleteRange([]byte("c"), []byte("c\x00")) })
	if err != nil {
		t.Fatal(err)
	}

	for k, want := range map[string]string{"a": "1", "b": "2", "c": "3", "d": notFound} {
		if got := mustGet(t, snap, k); got != want {
			t.Errorf("snapshot Get(%s) = %q, want %q", k, got, want)
		}
	}
	if got, want := scan(t, snap, nil, nil, false), []string{"a=1", "b=2", "c=3"}; !slices.Equal(got, want) {
		t.Errorf("snapshot scan = %v, want %v", got, want)
	}
	if got, want := scan(t, snap, nil, nil, true), []string{"c=3", "b=2", "a=1"}; !slices.Equal(got, want) {
		t.Errorf("snapshot reverse scan = %v, want %v", got, want)
	}
	var got []string
	for it.Next() {
		got = append(got, string(it.Key())+"="+string(it.Value()))
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	if want := []string{"a=1", "b=2", "c=3"}; !slices.Equal(got, want) {
		t.Errorf("iterator opened before the writes saw %v, want %v", got, want)
	}
	if got, want := scan(t, s, nil, nil, false), []string{"a=10", "d=4"}; !slices.Equal(got, want) {
		t.Errorf("store scan = %v, want %v", got, want)
	}
	if err := snap.Close(); err != nil {
		t.Errorf("snapshot Close: %v", err)
	}
}

// testSnapshotConcurrentReaders: a Snapshot is safe for concurrent use.
func testSnapshotConcurrentReaders(t *testing.T, s kv.Store) {
	ctx := context.Background()
	put(t, s, "a", "1")
	put(t, s, "b", "2")
	snap, err := s.NewSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 4 {
		wg.Go(func() {
			for range 20 {
				v, err := snap.Get(ctx, []byte("a"))
				if err != nil || string(v) != "1" {
					errs <- fmt.Errorf("Get(a) = %q, %v", v, err)
					return
				}
				it, err := snap.Iter(ctx, nil, nil, true)
				if err != nil {
					errs <- err
					return
				}
				n := 0
				for it.Next() {
					n++
				}
				if err := firstErr(it.Err(), it.Close()); err != nil || n != 2 {
					errs <- fmt.Errorf("iter: %d keys, %v", n, err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 20 {
			err := s.Update(ctx, [][]byte{[]byte("a")}, func(tx kv.Txn) error {
				return tx.Set([]byte("a"), fmt.Append(nil, i+100))
			})
			if err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// testIterCancel: an iterator stops with ctx's error when ctx ends.
func testIterCancel(t *testing.T, s kv.Store) {
	const n = 2000
	err := s.Update(context.Background(), nil, func(tx kv.Txn) error {
		for i := range n {
			if err := tx.Set(fmt.Appendf(nil, "k%05d", i), []byte("v")); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	it, err := s.Iter(ctx, nil, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	seen := 0
	for it.Next() {
		if seen++; seen == 1 {
			cancel()
		}
	}
	if seen == n {
		t.Errorf("iterated all %d keys after cancel", n)
	}
	if err := it.Err(); !errors.Is(err, context.Canceled) {
		t.Errorf("Err = %v, want context.Canceled", err)
	}
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
