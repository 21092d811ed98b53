package kvtest

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/dynago/dynago/internal/kv"
)

// testUncommittedInvisible: while fn runs, its writes are invisible to the
// store and to snapshots.
func testUncommittedInvisible(t *testing.T, s kv.Store) {
	ctx := context.Background()
	put(t, s, "a", "1")
	err := s.Update(ctx, [][]byte{[]byte("a")}, func(tx kv.Txn) error {
		if err := firstErr(tx.Set([]byte("a"), []byte("2")), tx.Set([]byte("b"), []byte("2"))); err != nil {
			return err
		}
		if got := mustGet(t, s, "a"); got != "1" {
			t.Errorf("store sees uncommitted a = %q", got)
		}
		if got := mustGet(t, s, "b"); got != notFound {
			t.Errorf("store sees uncommitted b = %q", got)
		}
		snap, err := s.NewSnapshot(ctx)
		if err != nil {
			return err
		}
		defer snap.Close()
		if got := scan(t, snap, nil, nil, false); len(got) != 1 || got[0] != "a=1" {
			t.Errorf("snapshot sees %v during Update, want [a=1]", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, s, "b"); got != "2" {
		t.Errorf("after commit b = %q, want 2", got)
	}
}

// testRollback: when fn fails, Update returns fn's error (unwrapped or
// wrapped) and writes nothing, including range deletions.
func testRollback(t *testing.T, s kv.Store) {
	ctx := context.Background()
	put(t, s, "a", "1")
	put(t, s, "b", "2")
	sentinel := errors.New("condition failed")
	err := s.Update(ctx, [][]byte{[]byte("a"), []byte("c")}, func(tx kv.Txn) error {
		if err := firstErr(tx.Set([]byte("a"), []byte("changed")), tx.Set([]byte("c"), []byte("3")),
			tx.DeleteRange([]byte("b"), []byte("b\x00"))); err != nil {
			return err
		}
		return sentinel
	})
	if !errors.Is(err, sentinel) {
		t.Fatalf("Update = %v, want %v", err, sentinel)
	}
	for k, want := range map[string]string{"a": "1", "b": "2", "c": notFound} {
		if got := mustGet(t, s, k); got != want {
			t.Errorf("after rollback %s = %q, want %q", k, got, want)
		}
	}
	// The keys are unlocked again.
	put(t, s, "a", "after")
}

// testTxnDone: a Txn kept past fn's return refuses use, so a late write
// cannot be silently dropped.
func testTxnDone(t *testing.T, s kv.Store) {
	ctx := context.Background()
	var kept kv.Txn
	var keptIter kv.Iterator
	err := s.Update(ctx, [][]byte{[]byte("a")}, func(tx kv.Txn) error {
		kept = tx
		it, err := tx.Iter(ctx, nil, nil, false) // left open on purpose
		keptIter = it
		return firstErr(err, tx.Set([]byte("a"), []byte("1")))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := kept.Set([]byte("late"), []byte("x")); !errors.Is(err, kv.ErrTxnDone) {
		t.Errorf("Set after fn returned = %v, want ErrTxnDone", err)
	}
	if err := kept.Delete([]byte("a")); !errors.Is(err, kv.ErrTxnDone) {
		t.Errorf("Delete after fn returned = %v, want ErrTxnDone", err)
	}
	if _, err := kept.Get(ctx, []byte("a")); !errors.Is(err, kv.ErrTxnDone) {
		t.Errorf("Get after fn returned = %v, want ErrTxnDone", err)
	}
	if keptIter.Next() {
		t.Errorf("iterator left open by fn still iterates after commit")
	}
	_ = keptIter.Close() // harmless
	if got := mustGet(t, s, "late"); got != notFound {
		t.Errorf("late write visible: %q", got)
	}
}

// testEmptyLockKeys: an Update naming no keys still commits atomically.
func testEmptyLockKeys(t *testing.T, s kv.Store) {
	err := s.Update(context.Background(), nil, func(tx kv.Txn) error {
		return firstErr(tx.Set([]byte("x"), []byte("1")), tx.Set([]byte("y"), []byte("2")))
	})
	if err != nil {
		t.Fatal(err)
	}
	if mustGet(t, s, "x") != "1" || mustGet(t, s, "y") != "2" {
		t.Error("writes of an Update with no lock keys are missing")
	}
}

// testCancelledContext: a cancelled ctx stops reads and keeps fn from
// running.
func testCancelledContext(t *testing.T, s kv.Store) {
	put(t, s, "a", "1")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	err := s.Update(ctx, [][]byte{[]byte("a")}, func(tx kv.Txn) error {
		called = true
		return tx.Set([]byte("a"), []byte("2"))
	})
	if !errors.Is(err, context.Canceled) || called {
		t.Errorf("Update with cancelled ctx = %v (fn called: %v), want context.Canceled", err, called)
	}
	if _, err := s.Get(ctx, []byte("a")); !errors.Is(err, context.Canceled) {
		t.Errorf("Get with cancelled ctx = %v, want context.Canceled", err)
	}
	if got := mustGet(t, s, "a"); got != "1" {
		t.Errorf("a = %q, want 1", got)
	}
}

// testClosed: every call on a closed store returns ErrClosed.
func testClosed(t *testing.T, s kv.Store) {
	ctx := context.Background()
	put(t, s, "a", "1")
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := s.Get(ctx, []byte("a")); !errors.Is(err, kv.ErrClosed) {
		t.Errorf("Get = %v, want ErrClosed", err)
	}
	if _, err := s.Iter(ctx, nil, nil, false); !errors.Is(err, kv.ErrClosed) {
		t.Errorf("Iter = %v, want ErrClosed", err)
	}
	if _, err := s.NewSnapshot(ctx); !errors.Is(err, kv.ErrClosed) {
		t.Errorf("NewSnapshot = %v, want ErrClosed", err)
	}
	err := s.Update(ctx, nil, func(kv.Txn) error { t.Error("fn ran on a closed store"); return nil })
	if !errors.Is(err, kv.ErrClosed) {
		t.Errorf("Update = %v, want ErrClosed", err)
	}
	log := []byte("L")
	if _, err := s.ReadLog(ctx, log, 0, 10); !errors.Is(err, kv.ErrClosed) {
		t.Errorf("ReadLog = %v, want ErrClosed", err)
	}
	if _, err := s.LogWatermark(ctx, log); !errors.Is(err, kv.ErrClosed) {
		t.Errorf("LogWatermark = %v, want ErrClosed", err)
	}
	if err := s.WaitLog(ctx, log, 0); !errors.Is(err, kv.ErrClosed) {
		t.Errorf("WaitLog = %v, want ErrClosed", err)
	}
	if err := s.TrimLog(ctx, log, 10); !errors.Is(err, kv.ErrClosed) {
		t.Errorf("TrimLog = %v, want ErrClosed", err)
	}
	if err := s.DropRange(ctx, []byte("a"), []byte("b")); !errors.Is(err, kv.ErrClosed) {
		t.Errorf("DropRange = %v, want ErrClosed", err)
	}
	if err := s.Close(); !errors.Is(err, kv.ErrClosed) {
		t.Errorf("second Close = %v, want ErrClosed", err)
	}
}

// testReadYourWrites: inside Update, reads of written keys see the writes
// (Get and both iteration directions), and reads of other keys see the
// latest committed state, including commits made while fn runs.
func testReadYourWrites(t *testing.T, s kv.Store) {
	ctx := context.Background()
	put(t, s, "a", "1")
	put(t, s, "c", "3")
	err := s.Update(ctx, [][]byte{[]byte("a"), []byte("b")}, func(tx kv.Txn) error {
		if err := firstErr(tx.Set([]byte("b"), []byte("2")), tx.Delete([]byte("a"))); err != nil {
			return err
		}
		if got := mustGet(t, tx, "b"); got != "2" {
			t.Errorf("Get of own write = %q, want 2", got)
		}
		if got := mustGet(t, tx, "a"); got != notFound {
			t.Errorf("Get of own delete = %q, want not found", got)
		}
		// Another Update commits an unnamed key while fn runs.
		put(t, s, "d", "4")
		if got := mustGet(t, tx, "d"); got != "4" {
			t.Errorf("Get of a key committed meanwhile = %q, want 4", got)
		}
		want := []string{"b=2", "c=3", "d=4"}
		if got := scan(t, tx, nil, nil, false); !slices.Equal(got, want) {
			t.Errorf("txn scan = %v, want %v", got, want)
		}
		if got := scan(t, tx, []byte("b"), []byte("d"), true); !slices.Equal(got, []string{"c=3", "b=2"}) {
			t.Errorf("txn reverse scan [b,d) = %v, want [c=3 b=2]", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
