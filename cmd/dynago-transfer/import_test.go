package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/dataio"
)

// TestImportBadLines checks that bad lines, whether the reader or
// DynamoDB refuses them, are reported with their line numbers and left
// out, and that every good line is imported.
func TestImportBadLines(t *testing.T) {
	db := newTestTable(t, "tbl")
	dir := t.TempDir()
	long := strings.Repeat("k", 2049) // over DynamoDB's 2048-byte partition key
	lines := []string{
		"pk,sk,v",
		"a,1,x",
		"b,notanumber,x", // 3: sk is declared N
		"c,2",            // 4: a cell short
		",3,x",           // 5: no partition key
		"d,4,x",
		long + ",5,x", // 7: DynamoDB refuses the key
		`"e,6,x`,      // 8: a quote left open swallows the rest
		"f,7,x",
	}
	in := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(in, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out := cli(t, db.URL(), "import", "--table", "tbl", "--progress", "none", in)
	if code != exitIncomplete {
		t.Fatalf("exit %d, want %d:\n%s", code, exitIncomplete, out)
	}
	for _, want := range []string{
		`line 3: column "sk"`, "line 4: 2 cells, the header has 3", `line 5: the key attribute "pk" is missing`,
		"line 7: One or more parameter values were invalid", "line 8: a quoted cell is not closed",
		"imported 2 items", "5 bad lines skipped",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	got := scanAll(t, db.Client(), "tbl")
	if len(got) != 2 || got["a"] == nil || got["d"] == nil {
		t.Errorf("table: %v", got)
	}
}

// TestImportResume interrupts an import mid-way (as Ctrl-C does), runs it
// again, and checks that the second run continues where the first
// stopped: every item is written once, none twice, none missing.
func TestImportResume(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    dataio.Format
		c    dataio.Compression
	}{
		{"users.json.gz", dataio.FormatDynamoDBJSON, dataio.CompressionGzip},
		{"users.csv", dataio.FormatCSV, dataio.CompressionNone},
		{"users.ion.zst", dataio.FormatION, dataio.CompressionZstd},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 20_000
			db := newTestTable(t, "users")
			dir := t.TempDir()
			in := writeTestFile(t, dir, tc.name, tc.f, tc.c, 0, n)
			cfg, err := parseImportFlags([]string{"--endpoint-url", db.URL(), "--table", "users", "--progress", "none", in}, envFrom(nil), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			var once sync.Once
			cfg.onBatch = func(items int64) {
				if items >= n/3 {
					once.Do(cancel)
				}
			}
			var out syncWriter
			first, err := runImport(ctx, context.Background(), cfg, nil, &out)
			if err != nil || !first.interrupted {
				t.Fatalf("first run: %+v %v\n%s", first, err, out.String())
			}
			if first.items < n/3 || first.items >= n {
				t.Fatalf("first run wrote %d items", first.items)
			}
			if _, err := os.Stat(in + checkpointSuffix); err != nil {
				t.Fatalf("no checkpoint: %v", err)
			}
			cfg.onBatch = nil
			second, err := runImport(context.Background(), context.Background(), cfg, nil, &out)
			if err != nil || second.interrupted {
				t.Fatalf("second run: %+v %v\n%s", second, err, out.String())
			}
			if first.items+second.items != n {
				t.Errorf("the runs wrote %d + %d items, want %d in all", first.items, second.items, n)
			}
			if !strings.Contains(out.String(), "resuming from") || !strings.Contains(out.String(), fmt.Sprintf("%d in all with the earlier runs", n)) {
				t.Errorf("output:\n%s", out.String())
			}
			table := scanAll(t, db.Client(), "users")
			if len(table) != n {
				t.Fatalf("table holds %d items, want %d", len(table), n)
			}
			for i := range n {
				want := testItem(i)
				if !attr.ItemsEqual(table[want["pk"].S], want) {
					t.Fatalf("item %d: %s", i, attr.AppendItemJSON(nil, table[want["pk"].S]))
				}
			}
			if _, err := os.Stat(in + checkpointSuffix); !os.IsNotExist(err) {
				t.Errorf("checkpoint left: %v", err)
			}
		})
	}
}

// TestImportCheckpointOfAnotherInput refuses to resume with a checkpoint
// whose input has changed since.
func TestImportCheckpointOfAnotherInput(t *testing.T) {
	db := newTestTable(t, "users")
	dir := t.TempDir()
	in := writeTestFile(t, dir, "u.json", dataio.FormatDynamoDBJSON, dataio.CompressionNone, 0, 10)
	cp := importCheckpoint{Version: checkpointVersion, Command: "import", Table: "users", Input: in, InputSize: 1, Format: "DYNAMODB_JSON", Compression: "NONE", Position: dataio.Position{Offset: 5, Line: 1}}
	if err := writeCheckpoint(in+checkpointSuffix, cp); err != nil {
		t.Fatal(err)
	}
	code, out := cli(t, db.URL(), "import", "--table", "users", "--progress", "none", in)
	if code != exitError || !strings.Contains(out, "belongs to another import") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	code, out = cli(t, db.URL(), "import", "--table", "users", "--progress", "none", "--restart", in)
	if code != exitOK || len(scanAll(t, db.Client(), "users")) != 10 {
		t.Fatalf("--restart: exit %d:\n%s", code, out)
	}
}

// TestImportStdin reads standard input, whose format --format names.
func TestImportStdin(t *testing.T) {
	db := newTestTable(t, "users")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		fmt.Fprintln(w, `{"pk":"a","sk":1,"l":[1,"x"]}`)
		fmt.Fprintln(w, `{"pk":"b","sk":2,"m":{"k":null}}`)
		w.Close()
	}()
	cfg, err := parseImportFlags([]string{"--endpoint-url", db.URL(), "--table", "users", "--format", "jsonl", "-"}, envFrom(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var out syncWriter
	res, err := runImport(context.Background(), context.Background(), cfg, r, &out)
	if err != nil || res.items != 2 {
		t.Fatalf("%+v %v\n%s", res, err, out.String())
	}
	got := scanAll(t, db.Client(), "users")
	if s := string(attr.AppendItemJSON(nil, got["a"])); s != `{"l":{"L":[{"N":"1"},{"S":"x"}]},"pk":{"S":"a"},"sk":{"N":"1"}}` {
		t.Errorf("a: %s", s)
	}
}
