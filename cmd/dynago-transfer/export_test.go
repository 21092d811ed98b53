package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/dataio"
)

// fillTable puts items 0..n-1 into the table.
func fillTable(t testing.TB, c *dynamodb.Client, table string, n int) {
	t.Helper()
	for lo := 0; lo < n; lo += 25 {
		var reqs []types.WriteRequest
		for i := lo; i < min(lo+25, n); i++ {
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: toSDKItem(testItem(i))}})
		}
		in := map[string][]types.WriteRequest{table: reqs}
		for len(in) > 0 {
			out, err := c.BatchWriteItem(context.Background(), &dynamodb.BatchWriteItemInput{RequestItems: in})
			if err != nil {
				t.Fatal(err)
			}
			in = out.UnprocessedItems
		}
	}
}

// checkExport reads an export and checks it holds items 0..n-1 once each.
func checkExport(t *testing.T, path string, n int) {
	t.Helper()
	f, c, _ := dataio.FormatFromPath(path)
	got := readFileItems(t, path, f, c)
	seen := map[string]bool{}
	for _, it := range got {
		pk := it["pk"].S
		if seen[pk] {
			t.Fatalf("%s twice", pk)
		}
		seen[pk] = true
	}
	for i := range n {
		want := testItem(i)
		if !seen[want["pk"].S] {
			t.Fatalf("item %d missing", i)
		}
	}
	if len(got) != n {
		t.Fatalf("%d items, want %d", len(got), n)
	}
}

// TestExportResume interrupts an export mid-way and resumes it: the file
// ends with every item once, whatever the compression.
func TestExportResume(t *testing.T) {
	const n = 20_000
	db := newTestTable(t, "users")
	fillTable(t, db.Client(), "users", n)
	for _, name := range []string{"out.json.gz", "out.ion", "out.csv.zst"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), name)
			cfg, err := parseExportFlags([]string{"--endpoint-url", db.URL(), "--table", "users", "--progress", "none", "--page-size", "100", path}, envFrom(nil), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			var once sync.Once
			cfg.onPage = func(items int64) {
				if items >= n/3 {
					once.Do(cancel)
				}
			}
			var out syncWriter
			first, err := runExport(ctx, cfg, nil, &out)
			if err != nil || !first.interrupted || first.items >= n {
				t.Fatalf("first run: %+v %v\n%s", first, err, out.String())
			}
			// Garbage past the checkpoint, as a crash mid-write leaves, is cut off.
			f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			f.WriteString("half a line")
			f.Close()
			cfg.onPage = nil
			second, err := runExport(context.Background(), cfg, nil, &out)
			if err != nil || second.interrupted {
				t.Fatalf("second run: %+v %v\n%s", second, err, out.String())
			}
			if !strings.Contains(out.String(), "resuming from") {
				t.Errorf("output:\n%s", out.String())
			}
			checkExport(t, path, n)
			if _, err := os.Stat(path + checkpointSuffix); !os.IsNotExist(err) {
				t.Errorf("checkpoint left: %v", err)
			}
		})
	}
}

// TestExportLossy checks the formats that cannot hold every type: JSONL
// converts and says so; CSV without a column for an attribute leaves it
// out, says so and exits 1.
func TestExportLossy(t *testing.T) {
	db := newTestTable(t, "users")
	fillTable(t, db.Client(), "users", 20)
	dir := t.TempDir()
	code, out := cli(t, db.URL(), "export", "--table", "users", "--progress", "none", filepath.Join(dir, "x.jsonl"))
	if code != exitOK || !strings.Contains(out, "2 items had sets or binaries") {
		t.Errorf("jsonl: exit %d:\n%s", code, out)
	}
	code, out = cli(t, db.URL(), "export", "--table", "users", "--progress", "none", "--columns", "pk,sk,name", filepath.Join(dir, "x.csv"))
	if code != exitIncomplete || !strings.Contains(out, "20 items had attributes outside the CSV columns") {
		t.Errorf("csv: exit %d:\n%s", code, out)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "x.csv"))
	if lines := strings.Split(strings.TrimSpace(string(data)), "\n"); len(lines) != 21 || lines[0] != "pk,sk,name" {
		t.Errorf("csv:\n%s", data)
	}
}

// TestExportStdout writes standard output, with no checkpoint.
func TestExportStdout(t *testing.T) {
	db := newTestTable(t, "users")
	fillTable(t, db.Client(), "users", 30)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"export", "--endpoint-url", db.URL(), "--table", "users", "--format", "ddbjson", "--parallel", "1", "-"}, envFrom(nil), &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	r, _ := dataio.NewReader(&stdout, dataio.ReaderOptions{Format: dataio.FormatDynamoDBJSON})
	n := 0
	for {
		it, err := r.Next()
		if err != nil {
			break
		}
		want := testItem(0)
		_ = want
		if it["pk"].S == "" {
			t.Fatal("item without pk")
		}
		n++
	}
	if n != 30 {
		t.Errorf("%d items on stdout", n)
	}
	_ = aws.String
	_ = attr.Null
}
