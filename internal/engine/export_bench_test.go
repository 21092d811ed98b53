package engine

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/dataio"
	"github.com/dynago/dynago/internal/kv/pebble"
	"github.com/dynago/dynago/internal/s3store"
)

// benchTransferItems is the size of the table the import and export
// benchmarks move (items of ~250 B, benchItem's shape):
// DYNAGO_BENCH_TRANSFER_ITEMS, or 200 000.
func benchTransferItems(tb testing.TB) int {
	if s := os.Getenv("DYNAGO_BENCH_TRANSFER_ITEMS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			tb.Fatal(err)
		}
		return n
	}
	return 200_000
}

// newTransferDB opens an in-memory engine whose object store is mem.
func newTransferDB(tb testing.TB, mem s3store.Store) *DB {
	tb.Helper()
	st, err := pebble.Open("", pebble.Options{InMemory: true})
	if err != nil {
		tb.Fatal(err)
	}
	db, err := Open(context.Background(), st, Options{Objects: mem, NoThrottle: true, TTLInterval: -1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		db.Close()
		st.Close()
	})
	return db
}

// transferSource writes n items as gzip DynamoDB JSON files of 50 000
// items each under src/items/.
func transferSource(tb testing.TB, mem *s3store.Memory, n int) (bytes int64) {
	tb.Helper()
	for f := 0; f*50_000 < n; f++ {
		var buf bytesBuffer
		w, err := dataio.NewWriter(&buf, dataio.WriterOptions{Format: dataio.FormatDynamoDBJSON, Compression: dataio.CompressionGzip})
		if err != nil {
			tb.Fatal(err)
		}
		for i := f * 50_000; i < min(n, (f+1)*50_000); i++ {
			it := benchItem(i)
			it["pk"] = s(fmt.Sprintf("user#%d", i%1000))
			bytes += int64(len(encodeItem(it)))
			if err := w.Write(it); err != nil {
				tb.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			tb.Fatal(err)
		}
		if _, err := mem.Put(context.Background(), "src", fmt.Sprintf("items/%03d.json.gz", f), buf.Bytes()); err != nil {
			tb.Fatal(err)
		}
	}
	return bytes
}

type bytesBuffer = bytes.Buffer

// importInto imports src/items/ into a new table and waits for it.
func importInto(tb testing.TB, db *DB, table string) *api.ImportTableDescription {
	tb.Helper()
	ctx := context.Background()
	out, err := db.ImportTable(ctx, &api.ImportTableInput{
		S3BucketSource:       &api.S3BucketSource{S3Bucket: api.Ptr("src"), S3KeyPrefix: api.Ptr("items/")},
		InputFormat:          api.Ptr(api.InputFormatDynamodbJson),
		InputCompressionType: api.Ptr(api.InputCompressionTypeGzip),
		TableCreationParameters: &api.TableCreationParameters{
			TableName:   api.Ptr(table),
			BillingMode: api.Ptr(api.BillingModePayPerRequest),
			AttributeDefinitions: []api.AttributeDefinition{
				{AttributeName: api.Ptr("pk"), AttributeType: api.Ptr("S")}, {AttributeName: api.Ptr("sk"), AttributeType: api.Ptr("N")}},
			KeySchema: []api.KeySchemaElement{
				{AttributeName: api.Ptr("pk"), KeyType: api.Ptr("HASH")}, {AttributeName: api.Ptr("sk"), KeyType: api.Ptr("RANGE")}},
		},
	})
	if err != nil {
		tb.Fatal(err)
	}
	for {
		d, err := db.DescribeImport(ctx, &api.DescribeImportInput{ImportArn: out.ImportTableDescription.ImportArn})
		if err != nil {
			tb.Fatal(err)
		}
		if api.Str(d.ImportTableDescription.ImportStatus) != api.ImportStatusInProgress {
			if api.Str(d.ImportTableDescription.ImportStatus) != api.ImportStatusCompleted {
				tb.Fatalf("import %s: %s", api.Str(d.ImportTableDescription.ImportStatus), api.Str(d.ImportTableDescription.FailureMessage))
			}
			return d.ImportTableDescription
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// exportOf exports table and waits for it.
func exportOf(tb testing.TB, db *DB, table string) *api.ExportDescription {
	tb.Helper()
	ctx := context.Background()
	out, err := db.ExportTableToPointInTime(ctx, &api.ExportTableToPointInTimeInput{TableArn: api.Ptr(db.tableArn(table)), S3Bucket: api.Ptr("dst")})
	if err != nil {
		tb.Fatal(err)
	}
	for {
		d, err := db.DescribeExport(ctx, &api.DescribeExportInput{ExportArn: out.ExportDescription.ExportArn})
		if err != nil {
			tb.Fatal(err)
		}
		if api.Str(d.ExportDescription.ExportStatus) != api.ExportStatusInProgress {
			if api.Str(d.ExportDescription.ExportStatus) != api.ExportStatusCompleted {
				tb.Fatalf("export %s: %s", api.Str(d.ExportDescription.ExportStatus), api.Str(d.ExportDescription.FailureMessage))
			}
			return d.ExportDescription
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// BenchmarkImportTable measures ImportTable of benchTransferItems items
// (gzip DynamoDB JSON) into a new table, in items/s and MB/s of item data.
func BenchmarkImportTable(b *testing.B) {
	n := benchTransferItems(b)
	mem := s3store.NewMemory()
	db := newTransferDB(b, mem)
	size := transferSource(b, mem, n)
	i := 0
	start, cpu := time.Now(), cpuTime()
	for b.Loop() {
		d := importInto(b, db, fmt.Sprintf("imp%d", i))
		if *d.ImportedItemCount != int64(n) {
			b.Fatalf("imported %d", *d.ImportedItemCount)
		}
		i++
	}
	secs := time.Since(start).Seconds()
	b.ReportMetric(float64(n*i)/secs, "items/s")
	b.ReportMetric(float64(size*int64(i))/secs/1e6, "MB/s")
	b.ReportMetric(float64(cpuTime()-cpu)/float64(n*i), "cpu-ns/item")
}

// BenchmarkExportTable measures a full export of benchTransferItems items
// to DYNAMODB_JSON gzip files, in items/s and MB/s of item data.
func BenchmarkExportTable(b *testing.B) {
	items := benchTransferItems(b)
	mem := s3store.NewMemory()
	db := newTransferDB(b, mem)
	size := transferSource(b, mem, items)
	importInto(b, db, "src")
	if _, err := db.UpdateContinuousBackups(context.Background(), &api.UpdateContinuousBackupsInput{TableName: api.Ptr("src"),
		PointInTimeRecoverySpecification: &api.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: api.Ptr(true)}}); err != nil {
		b.Fatal(err)
	}
	n := 0
	start, cpu := time.Now(), cpuTime()
	for b.Loop() {
		d := exportOf(b, db, "src")
		if *d.ItemCount != int64(items) {
			b.Fatalf("exported %d", *d.ItemCount)
		}
		n++
	}
	secs := time.Since(start).Seconds()
	b.ReportMetric(float64(items*n)/secs, "items/s")
	b.ReportMetric(float64(size*int64(n))/secs/1e6, "MB/s")
	b.ReportMetric(float64(cpuTime()-cpu)/float64(items*n), "cpu-ns/item")
}
