package engine

import (
	"context"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
)

// benchCapacityUnits is the read capacity of the benchmark's table: enough
// burst (300 s of it) that a benchmark run, charging half a unit per
// GetItem, is never throttled.
const benchCapacityUnits = 40000

// BenchmarkGetItemCapacity measures a GetItem of a missing item, whose cost
// is mostly admission, charging and shaping ConsumedCapacity, for each
// ReturnConsumedCapacity.
func BenchmarkGetItemCapacity(b *testing.B) {
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
			mustCreate(b, db, hashTable("music", benchCapacityUnits))
			in := &api.GetItemInput{TableName: api.Ptr("music"), Key: attr.Item{"id": attr.String("x")}}
			if asked != "" {
				in.ReturnConsumedCapacity = api.Ptr(asked)
			}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				out, err := db.GetItem(ctx, in)
				if err != nil {
					b.Fatal(err)
				}
				if cc := out.ConsumedCapacity; (cc != nil) != (asked != "") {
					b.Fatalf("ConsumedCapacity %+v, asked %q", cc, asked)
				}
			}
		})
	}
}
