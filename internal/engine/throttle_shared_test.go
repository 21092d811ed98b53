package engine

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/kv"
)

// updateCountingStore counts the store transactions it is asked for.
type updateCountingStore struct {
	kv.Store
	updates atomic.Int64
}

func (s *updateCountingStore) Update(ctx context.Context, keys [][]byte, fn func(kv.Txn) error) error {
	s.updates.Add(1)
	return s.Store.Update(ctx, keys, fn)
}

// An on-demand table's budget holds one second of its rate, less than the
// grantsAbove grants a provisioned table's burst holds: its readers must
// still spend from grants, not commit a store transaction per GetItem
// (seen over TiKV: every read a write to the budget key, GetItem growing
// to 4 ms).
func TestSharedCapacityOnDemandReadsSpendGrants(t *testing.T) {
	st := &updateCountingStore{Store: newTablesStore(t)}
	db, err := Open(context.Background(), st, Options{TTLInterval: -1, SharedCapacity: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	mustCreate(t, db, hashTable("ondemand", 0))
	ctx := context.Background()
	before := st.updates.Load()
	const gets = 500
	for range gets {
		if _, err := db.GetItem(ctx, &api.GetItemInput{TableName: api.Ptr("ondemand"), Key: attr.Item{"id": attr.String("a")}}); err != nil {
			t.Fatal(err)
		}
	}
	// A grant is a tenth of a second of 40 000 RCU; it lasts up to a
	// second. Allow for a slow machine: a few per second of the loop.
	if n := st.updates.Load() - before; n > gets/10 {
		t.Errorf("%d GetItems made %d store transactions, want them to spend from grants", gets, n)
	}
}
