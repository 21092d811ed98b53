package tikv

import (
	"context"
	"errors"
	"maps"
	"testing"

	"github.com/dynago/dynago/internal/kv"
)

// TestRoundTrips pins the round trips the design promises: a named key's
// value comes back with its lock (no Get RPC inside fn), a first lock is
// taken at start_ts (no extra timestamp), and a point read is one Get.
func TestRoundTrips(t *testing.T) {
	s := openTest(t, Options{CountRPCs: true})
	defer s.Close()
	ctx := context.Background()
	key := []byte("k")
	put := func(tx kv.Txn) error {
		if _, err := tx.Get(ctx, key); err != nil && !errors.Is(err, kv.ErrNotFound) {
			return err
		}
		return tx.Set(key, []byte("v"))
	}
	if err := s.Update(ctx, [][]byte{key}, put); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		op   func() error
		want map[string]int64
	}{
		{"Update of one named key", func() error { return s.Update(ctx, [][]byte{key}, put) },
			map[string]int64{"PessimisticLock": 1, "Prewrite": 1, "Commit": 1, tsoName: 2}},
		{"Get", func() error { _, err := s.Get(ctx, key); return err },
			map[string]int64{"Get": 1, tsoName: 1}},
		{"read-only Update", func() error {
			return s.Update(ctx, [][]byte{key}, func(tx kv.Txn) error { _, err := tx.Get(ctx, key); return err })
		}, map[string]int64{"PessimisticLock": 1, "PessimisticRollback": 1, tsoName: 1}},
	}
	for _, c := range cases {
		s.rpcs.take()
		if err := c.op(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got := s.rpcs.take()
		delete(got, "StoreSafeTS") // client-go's background safe-ts poll
		if !maps.Equal(got, c.want) {
			t.Errorf("%s: sent %v, want %v", c.name, got, c.want)
		}
	}
}
