package tikv

import (
	"context"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/kv"
)

// TestGC advances the GC safe point from one node while another holds a
// snapshot: the safe point stops at what that node published, reaches the
// snapshot's timestamp once the node publishes it, passes it once the
// snapshot is closed, and never moves back.
func TestGC(t *testing.T) {
	ctx := context.Background()
	c, err := NewMockCluster()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	open := func() *Store {
		s, err := c.Open(ctx, Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b := open(), open()
	defer a.Close()
	// b published a timestamp below this one when it opened.
	bOpened, err := b.now(ctx)
	if err != nil {
		t.Fatal(err)
	}

	key := []byte("k")
	put := func(v string) {
		t.Helper()
		if err := a.Update(ctx, [][]byte{key}, func(txn kv.Txn) error { return txn.Set(key, []byte(v)) }); err != nil {
			t.Fatal(err)
		}
	}
	put("v1")
	snap, err := b.NewSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	snapTS := snap.(*snapshot).ts
	put("v2")
	readsV1 := func(when string) {
		t.Helper()
		v, err := snap.Get(ctx, key)
		if err != nil || string(v) != "v1" {
			t.Fatalf("%s: the snapshot reads %q, %v; want v1", when, v, err)
		}
	}

	// b has published only what it read at when it opened.
	sp, err := a.GC(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if sp == 0 || sp > bOpened {
		t.Fatalf("safe point %d, want 0 < it ≤ %d (node b's service safe point)", sp, bOpened)
	}
	readsV1("after the first GC")

	// b publishes its snapshot: the safe point reaches it, not past it.
	if err := b.publishSafePoint(ctx); err != nil {
		t.Fatal(err)
	}
	if sp, err = a.GC(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if sp != snapTS {
		t.Fatalf("safe point %d, want the snapshot's %d", sp, snapTS)
	}
	readsV1("after the second GC")

	// Closed and published: the safe point passes it.
	if err := snap.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.publishSafePoint(ctx); err != nil {
		t.Fatal(err)
	}
	if sp, err = a.GC(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if sp <= snapTS {
		t.Fatalf("safe point %d, want past the closed snapshot's %d", sp, snapTS)
	}
	if v, err := a.Get(ctx, key); err != nil || string(v) != "v2" {
		t.Fatalf("after GC: %q, %v; want v2", v, err)
	}

	// A longer lifetime never moves it back.
	again, err := a.GC(ctx, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if again != sp {
		t.Fatalf("GC with a longer lifetime: safe point %d, want it kept at %d", again, sp)
	}

	// An open iterator holds it too.
	it, err := b.Iter(ctx, nil, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	itTS := it.(*iter).ts
	if err := b.publishSafePoint(ctx); err != nil {
		t.Fatal(err)
	}
	if sp, err = a.GC(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if sp != itTS {
		t.Fatalf("safe point %d with an iterator open, want its %d", sp, itTS)
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}

	// A closed node no longer holds GC back.
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	before := sp
	if sp, err = a.GC(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if sp <= before {
		t.Fatalf("safe point %d after node b closed, want past %d", sp, before)
	}
}
