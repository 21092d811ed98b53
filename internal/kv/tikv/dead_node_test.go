package tikv

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/kv"
)

// A node that dies between a commit's prewrite and its commit leaves its
// locks, primary included, uncommitted. Nothing renews them, so the other
// node's Update of the key waits for their TTL to run out (client-go's
// ManagedLockTTL, 20 s), finds the dead transaction's primary
// uncommitted, rolls it back and goes on: it reads the value from before
// the dead write, and its own write commits. Not parallel: MockFaults
// skips client-go's backoff sleeps process-wide. It takes about 20 s.
func TestNodeDeadMidCommit(t *testing.T) {
	c, err := NewMockCluster()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var f MockFaults
	a, err := c.OpenWithFaults(ctx, Options{}, &f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Open(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := errors.Join(a.Close(), b.Close(), c.Close()); err != nil {
			t.Error(err)
		}
	}()
	key := []byte("k")
	set := func(s *Store, v string) error {
		return s.Update(ctx, [][]byte{key}, func(txn kv.Txn) error { return txn.Set(key, []byte(v)) })
	}
	if err := set(b, "before"); err != nil {
		t.Fatal(err)
	}
	if err := f.Set(FaultDeadAfterPrewrite); err != nil {
		t.Fatal(err)
	}
	err = set(a, "dead")
	t.Logf("node a's write, dying after its prewrite: %v (%v)", err, Classify(err))
	if err == nil {
		t.Fatal("node a's write committed although its commit never reached TiKV")
	}
	if !f.dead.Load() {
		t.Fatal("node a's prewrite never went through")
	}
	// Node b's fresh read at a timestamp after a's prewrite may not see
	// through the lock yet; its Update waits it out.
	begin := time.Now()
	var seen string
	err = b.Update(ctx, [][]byte{key}, func(txn kv.Txn) error {
		v, err := txn.Get(ctx, key)
		if err != nil {
			return err
		}
		seen = string(v)
		return txn.Set(key, []byte("after"))
	})
	took := time.Since(begin)
	t.Logf("node b's Update of the key took %v", took.Round(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if seen != "before" {
		t.Errorf("node b read %q under its lock, want %q: the dead write was not rolled back", seen, "before")
	}
	if err := f.Set(NoFault); err != nil {
		t.Fatal(err)
	}
	if v, err := b.Get(ctx, key); err != nil || string(v) != "after" {
		t.Errorf("after: %q, %v", v, err)
	}
}
