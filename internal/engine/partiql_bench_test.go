package engine

import (
	"context"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
)

// reportCPU reports the process CPU time per operation since start as
// cpu-ns/op: on a shared machine wall time per operation mostly measures
// the other tenants, CPU time much less so.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkPartiQLVsNative runs a full-key read and a partition read as
// PartiQL and as the native operation in one run, so their ratio (the
// issue asks for at most 1.2) is measured on the same machine state.
// Compare cpu-ns/op (reportCPU) rather than ns/op on a shared machine.
func BenchmarkPartiQLVsNative(b *testing.B) {
	db := newItemsDB(b)
	ctx := context.Background()
	const items = 200
	for i := range items {
		put(b, db, tblRange, benchItem(i))
	}
	key := func(i int) attr.Item { it := benchItem(i % items); return attr.Item{"pk": it["pk"], "sk": it["sk"]} }
	b.Run("GetItem", func(b *testing.B) {
		in := &api.GetItemInput{TableName: api.Ptr(tblRange)}
		i := 0
		defer reportCPU(b, cpuTime())
		for b.Loop() {
			in.Key = key(i)
			if out, err := db.GetItem(ctx, in); err != nil || out.Item == nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("SelectFullKey", func(b *testing.B) {
		in := &api.ExecuteStatementInput{Statement: api.Ptr(`SELECT * FROM "` + tblRange + `" WHERE pk = ? AND sk = ?`)}
		i := 0
		defer reportCPU(b, cpuTime())
		for b.Loop() {
			k := key(i)
			in.Parameters = []attr.Value{k["pk"], k["sk"]}
			if out, err := db.ExecuteStatement(ctx, in); err != nil || len(out.Items) != 1 {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("Query", func(b *testing.B) {
		in := &api.QueryInput{TableName: api.Ptr(tblRange), KeyConditionExpression: api.Ptr("pk = :p"), Limit: api.Ptr(int64(10))}
		defer reportCPU(b, cpuTime())
		for b.Loop() {
			in.ExpressionAttributeValues = attr.Item{":p": s("user#3")}
			if _, err := db.Query(ctx, in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("SelectPartition", func(b *testing.B) {
		in := &api.ExecuteStatementInput{Statement: api.Ptr(`SELECT * FROM "` + tblRange + `" WHERE pk = ?`), Limit: api.Ptr(int64(10))}
		defer reportCPU(b, cpuTime())
		for b.Loop() {
			in.Parameters = []attr.Value{s("user#3")}
			if _, err := db.ExecuteStatement(ctx, in); err != nil {
				b.Fatal(err)
			}
		}
	})
}
