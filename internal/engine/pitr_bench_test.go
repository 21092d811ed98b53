package engine

import (
	"context"
	"log/slog"
	"testing"

	"github.com/dynago/dynago/internal/api"
)

// BenchmarkPutItemPITR compares PutItem on a table without and with
// point-in-time recovery (every write then also appends a change-log
// record with its new image). The target: within 15 %.
func BenchmarkPutItemPITR(b *testing.B) {
	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			db := newItemsDBWith(b, Options{NoThrottle: true, Logger: slog.New(slog.DiscardHandler)})
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
