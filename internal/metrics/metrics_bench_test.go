package metrics

import (
	"context"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/engine"
	"github.com/dynago/dynago/internal/kv/pebble"
)

// BenchmarkObserveEngine measures the per-request overhead of the server's
// middleware (Observe, as internal/server wires it) around the engine's
// GetItem of a missing item, which is mostly admission and charging.
func BenchmarkObserveEngine(b *testing.B) {
	serve := observeEngine(b)
	for b.Loop() {
		if err := serve(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkObserveEngineParallel is BenchmarkObserveEngine with requests on
// every core at once, all on one table, as under a load generator: it adds
// the contention on the shared locks and counters.
func BenchmarkObserveEngineParallel(b *testing.B) {
	serve := observeEngine(b)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := serve(); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// observeEngine returns a function serving one GetItem through Observe and
// the engine, on a fresh server with one table.
func observeEngine(b *testing.B) func() error {
	ctx := context.Background()
	st, err := pebble.Open("", pebble.Options{InMemory: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	m := New()
	db, err := engine.Open(ctx, st, engine.Options{TTLInterval: -1, Observer: m})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	m.SetSource(db)
	// 40,000 RCU hold 12M units of burst: a run is never throttled.
	if _, err := db.CreateTable(ctx, &api.CreateTableInput{
		TableName:             api.Ptr("bench"),
		AttributeDefinitions:  []api.AttributeDefinition{{AttributeName: api.Ptr("id"), AttributeType: api.Ptr("S")}},
		KeySchema:             []api.KeySchemaElement{{AttributeName: api.Ptr("id"), KeyType: api.Ptr("HASH")}},
		ProvisionedThroughput: &api.ProvisionedThroughput{ReadCapacityUnits: api.Ptr[int64](40000), WriteCapacityUnits: api.Ptr[int64](1)},
	}); err != nil {
		b.Fatal(err)
	}
	item := attr.Item{"id": attr.String("x")}
	get := db.Handler(api.OpGetItem)
	return func() error {
		in := &api.GetItemInput{TableName: api.Ptr("bench"), Key: item}
		_, err := m.Observe(ctx, api.OpGetItem, in, func(ctx context.Context) (any, error) {
			return get(ctx, in)
		})
		return err
	}
}
