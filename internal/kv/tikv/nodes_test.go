package tikv

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/kv"
)

// openNodes opens two Stores, two API nodes, on one mock cluster.
func openNodes(t *testing.T) (a, b *Store) {
	t.Helper()
	c, err := NewMockCluster()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if a, err = c.Open(ctx, Options{SplitKeys: testSplits}); err != nil {
		t.Fatal(err)
	}
	if b, err = c.Open(ctx, Options{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := errors.Join(a.Close(), b.Close(), c.Close()); err != nil {
			t.Error(err)
		}
	})
	return a, b
}

// TestNodesLockAcrossNodes: an Update on one node waits for a lock held by
// the other, then reads what the holder committed (the read-after-lock
// rule across processes, which only TiKV's locks can give).
func TestNodesLockAcrossNodes(t *testing.T) {
	a, b := openNodes(t)
	ctx := context.Background()
	held, release := make(chan struct{}), make(chan struct{})
	holder := make(chan error, 1)
	go func() {
		holder <- a.Update(ctx, [][]byte{[]byte("k")}, func(tx kv.Txn) error {
			close(held)
			<-release
			return tx.Set([]byte("k"), []byte("from a"))
		})
	}()
	<-held
	read := make(chan string, 1)
	waiter := make(chan error, 1)
	go func() {
		waiter <- b.Update(ctx, [][]byte{[]byte("k")}, func(tx kv.Txn) error {
			v, err := tx.Get(ctx, []byte("k"))
			read <- string(v)
			return err
		})
	}()
	select {
	case v := <-read:
		t.Fatalf("node b ran while node a held the lock (read %q)", v)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if err := errors.Join(<-holder, <-waiter); err != nil {
		t.Fatal(err)
	}
	if v := <-read; v != "from a" {
		t.Errorf("node b read %q after the lock, want node a's commit", v)
	}
}

// TestNodesConcurrentIncrements: read-modify-write from two nodes at once
// loses no update.
func TestNodesConcurrentIncrements(t *testing.T) {
	a, b := openNodes(t)
	ctx := context.Background()
	const perWorker = 10
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 4 {
		s := a
		if w%2 == 1 {
			s = b
		}
		wg.Go(func() {
			for range perWorker {
				err := s.Update(ctx, [][]byte{[]byte("n")}, func(tx kv.Txn) error {
					v, err := tx.Get(ctx, []byte("n"))
					if err != nil && !errors.Is(err, kv.ErrNotFound) {
						return err
					}
					n, _ := strconv.Atoi(string(v))
					return tx.Set([]byte("n"), strconv.AppendInt(nil, int64(n+1), 10))
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
	v, err := b.Get(ctx, []byte("n"))
	if err != nil || string(v) != strconv.Itoa(4*perWorker) {
		t.Errorf("n = %q, %v; want %d", v, err, 4*perWorker)
	}
}

// TestNodesLogOrder: two nodes appending to one log get one gap-free
// sequence in commit order, and snapshots on either name exact positions.
func TestNodesLogOrder(t *testing.T) {
	a, b := openNodes(t)
	testLogOrder(t, a, b)
}

// TestNodesWaitLog: a waiter on one node learns of a commit on the other,
// by polling, since no commit of its own Store wakes it.
func TestNodesWaitLog(t *testing.T) {
	a, b := openNodes(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	woke := make(chan error, 1)
	go func() { woke <- a.WaitLog(ctx, []byte("L"), 0) }()
	appendOne(t, b, "L", "x")
	if err := <-woke; err != nil {
		t.Fatalf("WaitLog for another node's commit: %v", err)
	}
}
