package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/dynagotest"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/dataio"
)

// isolateAWS keeps the machine's AWS configuration out of a test: no
// shared files, no instance metadata. The commands then use dummy
// credentials, as they do for any endpoint on this machine.
func isolateAWS(t testing.TB) {
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, k := range []string{"AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
}

// newTestTable starts an in-memory Dynago with an on-demand table keyed
// pk (S) and sk (N).
func newTestTable(t testing.TB, name string) *dynagotest.Server {
	t.Helper()
	isolateAWS(t)
	db := dynagotest.New(t)
	createTable(t, db.Client(), name)
	return db
}

func createTable(t testing.TB, c *dynamodb.Client, name string) {
	t.Helper()
	_, err := c.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeN},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// testItem is the i-th item of the transfer tests, about 250 bytes, with
// text that needs CSV quoting now and then.
func testItem(i int) attr.Item {
	it := attr.Item{
		"pk":     attr.String(fmt.Sprintf("user#%07d", i)),
		"sk":     attr.NumberFromInt(int64(i % 7)),
		"name":   attr.String(fmt.Sprintf("Ada Lovelace %d, Countess of Lovelace", i)),
		"email":  attr.String(fmt.Sprintf("ada.%d@example.com", i)),
		"age":    attr.NumberFromInt(int64(20 + i%60)),
		"score":  attr.Value{Type: attr.TypeN, S: fmt.Sprintf("%d.25", i)},
		"active": attr.Bool(i%2 == 0),
		"note":   attr.String("The Analytical Engine weaves algebraic patterns"),
	}
	if i%10 == 0 {
		it["tags"] = attr.StringSet("admin", fmt.Sprintf("t%d", i))
		it["quote"] = attr.String("she said \"hi\",\nthen left")
	}
	return it
}

// writeTestFile writes items lo..hi-1 in a format and returns the path.
func writeTestFile(t testing.TB, dir, name string, f dataio.Format, c dataio.Compression, lo, hi int) string {
	t.Helper()
	path := filepath.Join(dir, name)
	file, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	cols := []string{"pk", "sk", "active", "age", "email", "name", "note", "quote", "score", "tags"}
	w, err := dataio.NewWriter(file, dataio.WriterOptions{Format: f, Compression: c, CSV: dataio.CSVWriterOptions{Columns: cols}})
	if err != nil {
		t.Fatal(err)
	}
	for i := lo; i < hi; i++ {
		if err := w.Write(testItem(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// scanAll returns the table's items by pk.
func scanAll(t testing.TB, c *dynamodb.Client, table string) map[string]attr.Item {
	t.Helper()
	out := map[string]attr.Item{}
	p := dynamodb.NewScanPaginator(c, &dynamodb.ScanInput{TableName: aws.String(table)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range page.Items {
			it, err := fromSDKItem(m)
			if err != nil {
				t.Fatal(err)
			}
			out[it["pk"].S] = it
		}
	}
	return out
}

// readFileItems reads a data file with dataio, failing on bad lines.
func readFileItems(t testing.TB, path string, f dataio.Format, c dataio.Compression) []attr.Item {
	t.Helper()
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	r, err := dataio.NewReader(file, dataio.ReaderOptions{Format: f, Compression: c, CSV: dataio.CSVOptions{Infer: true},
		Keys: []dataio.KeyAttribute{{Name: "pk", Type: attr.TypeS, Required: true}, {Name: "sk", Type: attr.TypeN, Required: true}}})
	if err != nil {
		t.Fatal(err)
	}
	var items []attr.Item
	for {
		it, err := r.Next()
		if errors.Is(err, io.EOF) {
			return items
		}
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, it)
	}
}

// cli runs the dynago command line with no environment but the endpoint.
func cli(t testing.TB, url string, args ...string) (code int, stderr string) {
	t.Helper()
	var errOut bytes.Buffer
	code = run(context.Background(), args, envFrom(map[string]string{"DYNAGO_ENDPOINT_URL": url}), io.Discard, &errOut)
	return code, errOut.String()
}

// TestImportExportCSV imports a 10^5-line CSV, exports the table back to
// CSV and to gzipped DynamoDB JSON, and compares every item.
func TestImportExportCSV(t *testing.T) {
	const n = 100_000
	db := newTestTable(t, "users")
	dir := t.TempDir()
	in := writeTestFile(t, dir, "users.csv", dataio.FormatCSV, dataio.CompressionNone, 0, n)

	code, out := cli(t, db.URL(), "import", "--table", "users", "--progress", "none", in)
	if code != 0 {
		t.Fatalf("import exit %d:\n%s", code, out)
	}
	t.Log(out)
	if !strings.Contains(out, fmt.Sprintf("imported %d items", n)) {
		t.Errorf("import summary:\n%s", out)
	}
	table := scanAll(t, db.Client(), "users")
	if len(table) != n {
		t.Fatalf("table holds %d items, want %d", len(table), n)
	}
	for i := range n {
		want := testItem(i)
		if got := table[want["pk"].S]; !attr.ItemsEqual(got, want) {
			t.Fatalf("item %d in the table:\n got %s\nwant %s", i, attr.AppendItemJSON(nil, got), attr.AppendItemJSON(nil, want))
		}
	}
	if _, err := os.Stat(in + checkpointSuffix); !os.IsNotExist(err) {
		t.Errorf("checkpoint left after a complete import: %v", err)
	}

	for _, name := range []string{"back.csv", "back.json.gz"} {
		outPath := filepath.Join(dir, name)
		code, msg := cli(t, db.URL(), "export", "--table", "users", "--progress", "none", outPath)
		if code != 0 {
			t.Fatalf("export %s exit %d:\n%s", name, code, msg)
		}
		t.Log(msg)
		f, c, _ := dataio.FormatFromPath(outPath)
		got := readFileItems(t, outPath, f, c)
		if len(got) != n {
			t.Fatalf("%s holds %d items, want %d", name, len(got), n)
		}
		seen := map[string]bool{}
		for _, it := range got {
			pk := it["pk"].S
			if seen[pk] {
				t.Fatalf("%s: %s twice", name, pk)
			}
			seen[pk] = true
			if !attr.ItemsEqual(it, table[pk]) {
				t.Fatalf("%s: %s:\n got %s\nwant %s", name, pk, attr.AppendItemJSON(nil, it), attr.AppendItemJSON(nil, table[pk]))
			}
		}
	}
}
