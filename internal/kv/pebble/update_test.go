package pebble

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/dynago/dynago/internal/kv"
)

// scanAll reads every key=value of r in [start, end).
func scanAll(t *testing.T, r kv.Reader, start, end []byte) []string {
	t.Helper()
	it, err := r.Iter(context.Background(), start, end, false)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	return drain(t, it)
}

func drain(t *testing.T, it kv.Iterator) []string {
	t.Helper()
	var out []string
	for it.Next() {
		out = append(out, string(it.Key())+"="+string(it.Value()))
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestTxnBatchStages walks a txn through its three stages (no batch, a
// plain batch, an indexed batch) and checks at each that reads see
// exactly the committed state plus the writes made so far, and that an
// iterator keeps the view it was opened with across a stage change.
func TestTxnBatchStages(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, "", Options{InMemory: true})
	defer s.Close()
	if err := s.Update(ctx, nil, func(tx kv.Txn) error { return tx.Set([]byte("a"), []byte("1")) }); err != nil {
		t.Fatal(err)
	}
	stage := func(tx kv.Txn) string {
		switch t := tx.(*txn); {
		case t.batch == nil:
			return "none"
		case t.indexed:
			return "indexed"
		default:
			return "plain"
		}
	}
	want := func(got []string, want ...string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	}
	err := s.Update(ctx, [][]byte{[]byte("a"), []byte("b"), []byte("c")}, func(tx kv.Txn) error {
		want(scanAll(t, tx, nil, nil), "a=1")
		before, err := tx.Iter(ctx, nil, nil, false) // reads the DB
		if err != nil {
			return err
		}
		if got := stage(tx); got != "none" {
			t.Errorf("stage after reads = %s, want none", got)
		}

		if err := tx.Set([]byte("b"), []byte("2")); err != nil {
			return err
		}
		if got := stage(tx); got != "plain" {
			t.Errorf("stage after a write = %s, want plain", got)
		}
		if v, err := tx.Get(ctx, []byte("b")); err != nil || string(v) != "2" {
			t.Errorf("Get(b) = %q, %v; want 2", v, err)
		}
		if got := stage(tx); got != "indexed" {
			t.Errorf("stage after a read of a write = %s, want indexed", got)
		}
		middle, err := tx.Iter(ctx, nil, nil, false) // reads the indexed batch
		if err != nil {
			return err
		}

		if err := errors.Join(tx.Set([]byte("c"), []byte("3")), tx.Delete([]byte("a"))); err != nil {
			return err
		}
		if _, err := tx.Get(ctx, []byte("a")); !errors.Is(err, kv.ErrNotFound) {
			t.Errorf("Get(a) after Delete = %v, want ErrNotFound", err)
		}
		want(scanAll(t, tx, nil, nil), "b=2", "c=3")
		if err := tx.DeleteRange([]byte("b"), []byte("c")); err != nil {
			return err
		}
		want(scanAll(t, tx, nil, nil), "c=3")

		want(drain(t, before), "a=1")
		want(drain(t, middle), "a=1", "b=2")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want(scanAll(t, s, nil, nil), "c=3")
}

// TestTxnWriteOnly: a txn that only writes never indexes its batch, and
// commits all of it; one that reads and fails commits nothing.
func TestTxnWriteOnly(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, "", Options{InMemory: true})
	defer s.Close()
	err := s.Update(ctx, nil, func(tx kv.Txn) error {
		if err := errors.Join(tx.Set([]byte("x"), []byte("1")), tx.Set([]byte("y"), []byte("2")), tx.Delete([]byte("x"))); err != nil {
			return err
		}
		if tx.(*txn).indexed {
			t.Error("a write-only txn indexed its batch")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := scanAll(t, s, nil, nil); !slices.Equal(got, []string{"y=2"}) {
		t.Errorf("after commit: %v, want [y=2]", got)
	}
	errFail := errors.New("fn failed")
	err = s.Update(ctx, nil, func(tx kv.Txn) error {
		if err := tx.Set([]byte("z"), []byte("3")); err != nil {
			return err
		}
		if _, err := tx.Get(ctx, []byte("z")); err != nil {
			return err
		}
		return errFail
	})
	if !errors.Is(err, errFail) {
		t.Fatalf("Update = %v, want fn's error", err)
	}
	if got := scanAll(t, s, nil, nil); !slices.Equal(got, []string{"y=2"}) {
		t.Errorf("after a failed txn: %v, want [y=2]", got)
	}
}

// TestIterBoundsCopied: an iterator's bounds are its own, whether they
// fit the iter's inline buffer or not, and nil bounds still mean
// unbounded.
func TestIterBoundsCopied(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, "", Options{InMemory: true})
	defer s.Close()
	long := func(c byte) []byte { return bytes.Repeat([]byte{c}, iterBoundsInline) }
	keys := [][]byte{[]byte("a"), []byte("b"), long('b'), []byte("c"), long('c'), []byte("d")}
	err := s.Update(ctx, nil, func(tx kv.Txn) error {
		for _, k := range keys {
			if err := tx.Set(k, []byte("v")); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		start, end []byte
		want       int // keys in range
	}{
		{[]byte("b"), []byte("c"), 2},
		{long('b'), long('c'), 2},
		{[]byte("b"), long('c'), 3},
		{nil, nil, 6},
		{nil, []byte("b"), 1},
		{[]byte("c"), nil, 3},
	} {
		start, end := slices.Clone(tc.start), slices.Clone(tc.end)
		it, err := s.Iter(ctx, start, end, false)
		if err != nil {
			t.Fatal(err)
		}
		// The caller reuses its buffers: the iterator must not notice.
		for i := range start {
			start[i] = 0
		}
		for i := range end {
			end[i] = 0xFF
		}
		if got := drain(t, it); len(got) != tc.want {
			t.Errorf("Iter(%.8q, %.8q) read %d keys, want %d", tc.start, tc.end, len(got), tc.want)
		}
		it.Close()
	}
}

// TestInMemoryStoreKeepsNoWAL: an in-memory store writes no write-ahead
// log (it would only cost CPU), while a disk store logs every commit.
func TestInMemoryStoreKeepsNoWAL(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		s       *Store
		wantWAL bool
	}{
		{"memory", mustOpen(t, "", Options{InMemory: true}), false},
		{"disk", mustOpen(t, t.TempDir(), Options{}), true},
	} {
		key := []byte("t/1/i/k")
		if err := tc.s.Update(ctx, [][]byte{key}, func(tx kv.Txn) error { return tx.Set(key, []byte("v")) }); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got, err := tc.s.Get(ctx, key); err != nil || string(got) != "v" {
			t.Errorf("%s: Get = %q, %v", tc.name, got, err)
		}
		if logged := tc.s.db.Metrics().WAL.BytesWritten > 0; logged != tc.wantWAL {
			t.Errorf("%s: WAL bytes written %d, want a WAL: %v", tc.name, tc.s.db.Metrics().WAL.BytesWritten, tc.wantWAL)
		}
	}
}
