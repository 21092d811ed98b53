package engine

import (
	"context"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
)

// benchMeterUnits is the read capacity of the benchmark's table: enough
// burst (300 s of it) that a benchmark run, charging half a unit per
// GetItem, is never throttled.
const benchMeterUnits = 40000

// BenchmarkMeter measures what Meter adds to a GetItem: admission,
// charging, trimming and reporting, around an operation that does nothing
// but build its answer (with its ConsumedCapacity, as GetItem does).
func BenchmarkMeter(b *testing.B) {
	for _, asked := range []string{"", capacityTotal, capacityIndexes} {
		name := asked
		if name == "" {
			name = "NONE"
		}
		b.Run(name, func(b *testing.B) {
			db, err := Open(context.Background(), newTablesStore(b), Options{TTLInterval: -1})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Close() })
			mustCreate(b, db, hashTable("music", benchMeterUnits))
			in := &api.GetItemInput{TableName: api.Ptr("music"), Key: attr.Item{"id": attr.String("x")}}
			if asked != "" {
				in.ReturnConsumedCapacity = api.Ptr(asked)
			}
			item := attr.Item{"id": attr.String("x")}
			next := func(context.Context) (any, error) {
				return &api.GetItemOutput{Item: item, ConsumedCapacity: consumed(in.ReturnConsumedCapacity, "music", 0.5)}, nil
			}
			ctx := context.Background()
			for b.Loop() {
				out, err := db.Meter(ctx, in, next)
				if err != nil {
					b.Fatal(err)
				}
				if cc := out.(*api.GetItemOutput).ConsumedCapacity; (cc != nil) != (asked != "") {
					b.Fatalf("ConsumedCapacity %+v, asked %q", cc, asked)
				}
			}
		})
	}
}
