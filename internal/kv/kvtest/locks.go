package kvtest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/kv"
)

// lockWait is how long a test waits to conclude that an Update is blocked,
// or that it is not. Generous, because CI machines are shared and slow.
const lockWait = 100 * time.Millisecond

// holdLock starts an Update that locks keys and blocks until release is
// called. It returns once the lock is held, with release and a channel for
// the Update's result. If the test fails first, cleanup releases the lock so
// that closing the store does not wait forever.
func holdLock(t *testing.T, s kv.Store, keys []string) (release func(), result <-chan error) {
	t.Helper()
	held := make(chan struct{})
	out := make(chan error, 1)
	ch := make(chan struct{})
	release = sync.OnceFunc(func() { close(ch) })
	t.Cleanup(release)
	go func() {
		out <- s.Update(context.Background(), bytesOf(keys), func(tx kv.Txn) error {
			close(held)
			<-ch
			return tx.Set([]byte(keys[0]), []byte("holder"))
		})
	}()
	select {
	case <-held:
	case err := <-out:
		t.Fatalf("holder Update ended early: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("holder never got its lock")
	}
	return release, out
}

func bytesOf(keys []string) [][]byte {
	out := make([][]byte, len(keys))
	for i, k := range keys {
		out[i] = []byte(k)
	}
	return out
}

// testLockBlocksSameKey: a second Update on a held key waits for the first
// to commit, then reads its write.
func testLockBlocksSameKey(t *testing.T, s kv.Store) {
	release, holder := holdLock(t, s, []string{"k"})
	entered := make(chan string, 1)
	second := make(chan error, 1)
	go func() {
		second <- s.Update(context.Background(), [][]byte{[]byte("k")}, func(tx kv.Txn) error {
			v, err := tx.Get(context.Background(), []byte("k"))
			entered <- string(v)
			return err
		})
	}()
	select {
	case <-entered:
		t.Fatal("second Update ran while the key was locked")
	case <-time.After(lockWait):
	}
	release()
	if err := <-holder; err != nil {
		t.Fatal(err)
	}
	if err := <-second; err != nil {
		t.Fatal(err)
	}
	if v := <-entered; v != "holder" {
		t.Errorf("second Update read %q, want the holder's committed write", v)
	}
}

// testLockWaitRespectsContext: an Update waiting for a lock gives up when
// its ctx ends, without calling fn, and releases locks it already took.
func testLockWaitRespectsContext(t *testing.T, s kv.Store) {
	release, holder := holdLock(t, s, []string{"m"})
	defer func() {
		release()
		if err := <-holder; err != nil {
			t.Error(err)
		}
	}()

	// "a" sorts before "m", so this Update takes "a", then waits on "m".
	ctx, cancel := context.WithTimeout(context.Background(), lockWait)
	defer cancel()
	err := s.Update(ctx, bytesOf([]string{"m", "a"}), func(kv.Txn) error {
		t.Error("fn ran without its locks")
		return nil
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Update = %v, want context.DeadlineExceeded", err)
	}
	// "a" must be free again.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel2()
	err = s.Update(ctx2, bytesOf([]string{"a"}), func(tx kv.Txn) error {
		return tx.Set([]byte("a"), []byte("1"))
	})
	if err != nil {
		t.Fatalf("Update on a key taken by a cancelled waiter: %v", err)
	}
}

// testLockIsolatesOnlyNamedKeys: a held key does not block Updates on other
// keys, nor reads of it.
func testLockIsolatesOnlyNamedKeys(t *testing.T, s kv.Store) {
	put(t, s, "k", "before")
	release, holder := holdLock(t, s, []string{"k"})
	defer func() {
		release()
		if err := <-holder; err != nil {
			t.Error(err)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := s.Update(ctx, bytesOf([]string{"j", "l"}), func(tx kv.Txn) error {
		return tx.Set([]byte("j"), []byte("1"))
	})
	if err != nil {
		t.Fatalf("Update on other keys while k is held: %v", err)
	}
	if got := mustGet(t, s, "k"); got != "before" {
		t.Errorf("Get of a locked key = %q, want its committed value", got)
	}
}
