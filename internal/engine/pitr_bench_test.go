package engine

import (
	"context"
	"log/slog"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/kv/pebble"
)

// BenchmarkPutItemPITR compares PutItem on a table without and with
// point-in-time recovery (every write then also appends a change-log
// record with its new image), on an in-memory store, where no fsync hides
// the log's cost. The target: within 15 %.
func BenchmarkPutItemPITR(b *testing.B) {
	benchPutItemPITR(b, func(b *testing.B) *DB {
		return newItemsDBWith(b, Options{NoThrottle: true, Logger: slog.New(slog.DiscardHandler)})
	})
}

// BenchmarkPutItemPITRDurable is BenchmarkPutItemPITR on a Pebble store
// in a directory, each commit waiting for its WAL fsync, as `dynago serve`
// runs.
func BenchmarkPutItemPITRDurable(b *testing.B) {
	benchPutItemPITR(b, func(b *testing.B) *DB {
		st, err := pebble.Open(b.TempDir(), pebble.Options{FreeSpaceReserve: -1})
		if err != nil {
			b.Fatal(err)
		}
		db, err := Open(context.Background(), st, Options{NoThrottle: true, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() {
			db.Close()
			st.Close()
		})
		mkTable(b, db, tblRange, KeyAttr{"pk", attr.TypeS}, KeyAttr{"sk", attr.TypeN})
		return db
	})
}

func benchPutItemPITR(b *testing.B, open func(*testing.B) *DB) {
	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			db := open(b)
			ctx := context.Background()
			if on {
				if _, err := db.UpdateContinuousBackups(ctx, &api.UpdateContinuousBackupsInput{TableName: api.Ptr(tblRange),
					PointInTimeRecoverySpecification: &api.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: api.Ptr(true)}}); err != nil {
					b.Fatal(err)
				}
			}
			in := &api.PutItemInput{TableName: api.Ptr(tblRange)}
			i := 0
			for b.Loop() {
				in.Item = benchItem(i)
				if _, err := db.PutItem(ctx, in); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
