package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/dynagotest"
	"github.com/dynago/dynago/internal/dataio"
)

// BenchmarkTransfer imports a file of ~250-byte items into an in-memory
// Dynago (throttling off, as in DynamoDB Local) and exports the table
// back, reporting each direction's items/s (wall clock and per CPU-second
// of the whole process), beside the raw BatchWriteItem and Scan rates. DYNAGO_BENCH_ITEMS sets the
// item count (default 10^6); run it with -benchtime=1x:
//
//	go test ./cmd/dynago-transfer -run XXX -bench Transfer -benchtime 1x
func BenchmarkTransfer(b *testing.B) {
	n := 1_000_000
	if s := os.Getenv("DYNAGO_BENCH_ITEMS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	isolateAWS(b)
	db := dynagotest.New(b, dynagotest.WithoutThrottling())
	dir := b.TempDir()
	formats := []struct {
		name string
		f    dataio.Format
	}{{"in.csv", dataio.FormatCSV}, {"in.json", dataio.FormatDynamoDBJSON}}
	for _, fm := range formats {
		b.Run(fm.f.String(), func(b *testing.B) {
			in := writeTestFile(b, dir, fm.name, fm.f, dataio.CompressionNone, 0, n)
			st, _ := os.Stat(in)
			round := 0
			var importTime, exportTime, importCPU, exportCPU time.Duration
			for b.Loop() {
				round++
				table := fmt.Sprintf("bench_%s_%d", fm.f, round)
				createTable(b, db.Client(), table)
				start, cpu := time.Now(), cpuTime()
				if code, out := benchCLI(db.URL(), "import", "--table", table, "--progress", "none", in); code != 0 {
					b.Fatalf("import: %d %s", code, out)
				}
				importTime += time.Since(start)
				importCPU += cpuTime() - cpu
				out := filepath.Join(dir, table+".json")
				start, cpu = time.Now(), cpuTime()
				if code, msg := benchCLI(db.URL(), "export", "--table", table, "--progress", "none", out); code != 0 {
					b.Fatalf("export: %d %s", code, msg)
				}
				exportTime += time.Since(start)
				exportCPU += cpuTime() - cpu
				os.Remove(out)
			}
			b.ReportMetric(float64(n*round)/importTime.Seconds(), "import-items/s")
			b.ReportMetric(float64(n*round)/exportTime.Seconds(), "export-items/s")
			b.ReportMetric(float64(st.Size())/float64(n), "file-B/item")
			b.ReportMetric(float64(n*round)/importCPU.Seconds(), "import-items/cpu-s")
			b.ReportMetric(float64(n*round)/exportCPU.Seconds(), "export-items/cpu-s")
		})
	}

	// The ceiling: the same items put by the same number of parallel
	// BatchWriteItem callers and read back by the same parallel Scan,
	// with no file, parsing or checkpoints, to compare the tools with.
	b.Run("raw", func(b *testing.B) {
		round := 0
		var putTime, scanTime, putCPU, scanCPU time.Duration
		for b.Loop() {
			round++
			table := fmt.Sprintf("bench_raw_%d", round)
			createTable(b, db.Client(), table)
			start, cpu := time.Now(), cpuTime()
			var wg sync.WaitGroup
			for w := range defaultImportParallel {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for lo := w * batchSize; lo < n; lo += defaultImportParallel * batchSize {
						var reqs []types.WriteRequest
						for i := lo; i < min(lo+batchSize, n); i++ {
							reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: toSDKItem(testItem(i))}})
						}
						if _, err := db.Client().BatchWriteItem(context.Background(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: reqs}}); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			putTime += time.Since(start)
			putCPU += cpuTime() - cpu
			start, cpu = time.Now(), cpuTime()
			var count atomic.Int64
			for seg := range defaultExportParallel {
				wg.Add(1)
				go func() {
					defer wg.Done()
					p := dynamodb.NewScanPaginator(db.Client(), &dynamodb.ScanInput{TableName: aws.String(table), Segment: aws.Int32(int32(seg)), TotalSegments: aws.Int32(defaultExportParallel)})
					for p.HasMorePages() {
						page, err := p.NextPage(context.Background())
						if err != nil {
							b.Error(err)
							return
						}
						count.Add(int64(len(page.Items)))
					}
				}()
			}
			wg.Wait()
			scanTime += time.Since(start)
			scanCPU += cpuTime() - cpu
			if count.Load() != int64(n) {
				b.Fatalf("scanned %d items", count.Load())
			}
		}
		b.ReportMetric(float64(n*round)/putTime.Seconds(), "batchwrite-items/s")
		b.ReportMetric(float64(n*round)/scanTime.Seconds(), "scan-items/s")
		b.ReportMetric(float64(n*round)/putCPU.Seconds(), "batchwrite-items/cpu-s")
		b.ReportMetric(float64(n*round)/scanCPU.Seconds(), "scan-items/cpu-s")
	})
}

// cpuTime is the CPU time this process (client and in-process server)
// has used: on a shared machine items per CPU-second say more than items
// per wall-clock second.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchCLI(url string, args ...string) (int, string) {
	var out syncWriter
	code := run(context.Background(), args, envFrom(map[string]string{"DYNAGO_ENDPOINT_URL": url}), io.Discard, &out)
	return code, out.String()
}
