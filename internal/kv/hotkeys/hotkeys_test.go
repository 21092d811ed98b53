package hotkeys

import (
	"context"
	"encoding/binary"
	"errors"
	"sync"
	"testing"

	"github.com/dynago/dynago/internal/kv"
	"github.com/dynago/dynago/internal/kv/kvtest"
	"github.com/dynago/dynago/internal/kv/pebble"
)

func open(t *testing.T) (*Store, kv.Store) {
	t.Helper()
	inner, err := pebble.Open("", pebble.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inner.Close() })
	return Wrap(inner, []byte("m/v")), inner
}

// The wrapper is a kv.Store: the whole conformance suite passes through it
// (with a hot key the suite never names).
func TestConformance(t *testing.T) {
	kvtest.Run(t, func(t *testing.T) kv.Store {
		s, _ := open(t)
		return s
	})
}

// Concurrent increments of a hot key under its lock lose nothing, and
// readers outside the lock see the final value once the Updates returned.
func TestHotKeyIncrements(t *testing.T) {
	s, inner := open(t)
	ctx := context.Background()
	key := []byte("m/v")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				err := s.Update(ctx, [][]byte{key}, func(txn kv.Txn) error {
					n := uint64(0)
					b, err := txn.Get(ctx, key)
					switch {
					case err == nil:
						n = binary.BigEndian.Uint64(b)
					case !errors.Is(err, kv.ErrNotFound):
						return err
					}
					return txn.Set(key, binary.BigEndian.AppendUint64(nil, n+1))
				})
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	for _, r := range []kv.Reader{s, inner} {
		b, err := r.Get(ctx, key)
		if err != nil || binary.BigEndian.Uint64(b) != 400 {
			t.Fatalf("%T reads %v %v, want 400", r, b, err)
		}
	}
	// A transaction that did not lock the key reads the cached value.
	err := s.Update(ctx, [][]byte{[]byte("other")}, func(txn kv.Txn) error {
		b, err := txn.Get(ctx, key)
		if err != nil || binary.BigEndian.Uint64(b) != 400 {
			t.Errorf("unlocked txn reads %v %v", b, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func BenchmarkHotGet(b *testing.B) {
	inner, err := pebble.Open("", pebble.Options{InMemory: true})
	if err != nil {
		b.Fatal(err)
	}
	defer inner.Close()
	ctx := context.Background()
	key := []byte("m/v")
	inner.Update(ctx, [][]byte{key}, func(t kv.Txn) error { return t.Set(key, []byte("12345678")) })
	for name, r := range map[string]kv.Reader{"pebble": inner, "hotkeys": Wrap(inner, key)} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.Get(ctx, key); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
