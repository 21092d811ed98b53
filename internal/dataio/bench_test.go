package dataio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/dynago/dynago/internal/attr"
)

// benchItem returns the i-th ~250-byte item of the benchmarks, shaped as
// a user record (the workload of internal/attr's benchmarks).
func benchItem(i int) attr.Item {
	return attr.Item{
		"pk":      attr.String(fmt.Sprintf("user#%010d", i)),
		"sk":      attr.String("profile#2024-06-01T12:00:00Z"),
		"name":    attr.String("Ada Lovelace, Countess of Lovelace"),
		"email":   attr.String(fmt.Sprintf("ada.%d@example.com", i)),
		"age":     attr.NumberFromInt(int64(20 + i%60)),
		"balance": attr.Value{Type: attr.TypeN, S: "-12345.6789"},
		"active":  attr.Bool(i%2 == 0),
		"note":    attr.String("The Analytical Engine weaves algebraic patterns"),
	}
}

// benchItems are the benchmark items as each format writes them.
const benchItems = 10000

func benchData(b *testing.B, f Format, c Compression) []byte {
	items := make([]attr.Item, benchItems)
	for i := range items {
		items[i] = benchItem(i)
	}
	return writeItems(b, items, f, c, 0)
}

var benchFormats = []Format{FormatDynamoDBJSON, FormatION, FormatCSV, FormatJSONL}

// BenchmarkRead reports the readers' throughput in MB/s of decompressed
// input and items/s.
func BenchmarkRead(b *testing.B) {
	for _, f := range benchFormats {
		for _, c := range []Compression{CompressionNone, CompressionGzip, CompressionZstd} {
			b.Run(f.String()+"/"+c.String(), func(b *testing.B) {
				data := benchData(b, f, c)
				raw := benchData(b, f, CompressionNone)
				b.SetBytes(int64(len(raw)))
				opts := readerOpts(f, c)
				b.ReportAllocs()
				for b.Loop() {
					r, err := NewReader(bytes.NewReader(data), opts)
					if err != nil {
						b.Fatal(err)
					}
					n := 0
					for {
						_, err := r.Next()
						if errors.Is(err, io.EOF) {
							break
						}
						if err != nil {
							b.Fatal(err)
						}
						n++
					}
					if n != benchItems {
						b.Fatalf("%d items", n)
					}
				}
				b.ReportMetric(float64(benchItems)*float64(b.N)/b.Elapsed().Seconds(), "items/s")
				b.ReportMetric(float64(len(raw))/benchItems, "B/item")
			})
		}
	}
}

// BenchmarkWrite reports the writers' throughput in MB/s of uncompressed
// output and items/s.
func BenchmarkWrite(b *testing.B) {
	items := make([]attr.Item, benchItems)
	for i := range items {
		items[i] = benchItem(i)
	}
	cols := columnsOf(items)
	for _, f := range benchFormats {
		for _, c := range []Compression{CompressionNone, CompressionGzip, CompressionZstd} {
			b.Run(f.String()+"/"+c.String(), func(b *testing.B) {
				raw := benchData(b, f, CompressionNone)
				b.SetBytes(int64(len(raw)))
				b.ReportAllocs()
				for b.Loop() {
					w, err := NewWriter(io.Discard, WriterOptions{Format: f, Compression: c, CSV: CSVWriterOptions{Columns: cols}})
					if err != nil {
						b.Fatal(err)
					}
					for _, it := range items {
						if err := w.Write(it); err != nil {
							b.Fatal(err)
						}
					}
					if err := w.Close(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(benchItems)*float64(b.N)/b.Elapsed().Seconds(), "items/s")
			})
		}
	}
}
