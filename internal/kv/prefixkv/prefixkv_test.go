package prefixkv

import (
	"context"
	"testing"

	"github.com/dynago/dynago/internal/kv"
	"github.com/dynago/dynago/internal/kv/kvtest"
	"github.com/dynago/dynago/internal/kv/pebble"
)

// owned is a view that closes its backend, as the conformance suite
// expects of a store it opened.
type owned struct {
	*Store
}

func (o owned) Close() error { return o.base.Close() }

func TestConformance(t *testing.T) {
	kvtest.Run(t, func(t *testing.T) kv.Store {
		base, err := pebble.Open("", pebble.Options{InMemory: true})
		if err != nil {
			t.Fatal(err)
		}
		// A neighbour under another prefix, and keys around the prefix,
		// must stay invisible to the view.
		ctx := context.Background()
		if err := base.Update(ctx, nil, func(txn kv.Txn) error {
			for _, k := range []string{"ns/a", "ns/b0", "ns/c/x", "nt/"} {
				if err := txn.Set([]byte(k), []byte("other")); err != nil {
					return err
				}
			}
			return txn.AppendLog([]byte("ns/c/L"), []byte("other"))
		}); err != nil {
			t.Fatal(err)
		}
		return owned{New(base, []byte("ns/b/"))}
	})
}

func TestViewsAreSeparate(t *testing.T) {
	ctx := context.Background()
	base, err := pebble.Open("", pebble.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer base.Close()
	a, b := New(base, []byte("ns/a/")), New(base, []byte("ns/b/"))
	if err := a.Update(ctx, [][]byte{[]byte("k")}, func(txn kv.Txn) error {
		if err := txn.AppendLog([]byte("log"), []byte("r")); err != nil {
			return err
		}
		return txn.Set([]byte("k"), []byte("a"))
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Get(ctx, []byte("k")); err != kv.ErrNotFound {
		t.Fatalf("b sees a's key: %v", err)
	}
	if recs, err := b.ReadLog(ctx, []byte("log"), 0, 10); err != nil || len(recs) != 0 {
		t.Fatalf("b reads a's log: %v %v", recs, err)
	}
	if v, err := base.Get(ctx, []byte("ns/a/k")); err != nil || string(v) != "a" {
		t.Fatalf("the backend holds %q, %v under the prefix", v, err)
	}
	it, err := a.Iter(ctx, nil, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	if !it.Next() || string(it.Key()) != "k" {
		t.Fatalf("a's iterator: %q", it.Key())
	}
}
