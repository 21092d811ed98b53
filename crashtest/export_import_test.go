package crashtest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

const (
	exportTable = "crashexp"
	importTable = "crashimp"
	crashBucket = "crashbucket"
)

// TestCrashDuringExportAndImport SIGKILLs dynago while
// ExportTableToPointInTime writes a table's files and while ImportTable
// fills a new table from them, with the server's default object store (a
// directory under --data-dir, S3's layout). After each restart:
//   - the export is COMPLETED with exactly the table's items at its
//     ExportTime, although items were changed after that time and before
//     the kill, and its manifests name only the files of the run that
//     finished (a killed run's files are never listed): what a reader of
//     the manifests sees is whole;
//   - the imported table is CREATING (nothing readable) until it is ACTIVE
//     with exactly the exported items, the import COMPLETED with every
//     item counted once, and `dynago check` finds its index consistent.
func TestCrashDuringExportAndImport(t *testing.T) {
	const items = 30000
	bin, dataDir, logPath := crashDirs(t)
	if err := os.MkdirAll(filepath.Join(dataDir, "s3", crashBucket), 0o755); err != nil {
		t.Fatal(err)
	}
	c := start(t, bin, dataDir, logPath)
	client := newClient(c.url)
	ctx := context.Background()
	s := aws.String
	keys := []types.KeySchemaElement{{AttributeName: s("pk"), KeyType: types.KeyTypeHash}, {AttributeName: s("sk"), KeyType: types.KeyTypeRange}}
	defs := []types.AttributeDefinition{{AttributeName: s("pk"), AttributeType: types.ScalarAttributeTypeS},
		{AttributeName: s("sk"), AttributeType: types.ScalarAttributeTypeN}, {AttributeName: s("gk"), AttributeType: types.ScalarAttributeTypeS}}
	gsi := func() []types.GlobalSecondaryIndex {
		return []types.GlobalSecondaryIndex{{IndexName: s("byGroup"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: s("gk"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}}
	}
	if _, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: s(exportTable), AttributeDefinitions: defs,
		KeySchema: keys, BillingMode: types.BillingModePayPerRequest, GlobalSecondaryIndexes: gsi()}); err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	if _, err := client.UpdateContinuousBackups(ctx, &dynamodb.UpdateContinuousBackupsInput{TableName: s(exportTable),
		PointInTimeRecoverySpecification: &types.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	putItems(t, client, exportTable, 0, items, "a")
	want := tableState(t, client, exportTable)
	if len(want) != items {
		t.Fatalf("source holds %d items", len(want))
	}
	// The export's time, then changes after it that the export must not
	// hold: a tenth of the items rewritten, and new ones.
	time.Sleep(1100 * time.Millisecond)
	exportTime := time.Now()
	time.Sleep(1100 * time.Millisecond)
	putItems(t, client, exportTable, 0, items/10, "after-export")
	putItems(t, client, exportTable, items, items+500, "after-export")

	// 1. Kills while the export runs: up to three tries for one that
	// lands before "export completed"; every try's export must end whole.
	var exportArn, exportDir string
	midExport := false
	for try := 0; try < 3 && !midExport; try++ {
		logged := len(readLog(logPath))
		out, err := client.ExportTableToPointInTime(ctx, &dynamodb.ExportTableToPointInTimeInput{
			TableArn: s("arn:aws:dynamodb:us-east-1:000000000000:table/" + exportTable), S3Bucket: s(crashBucket),
			S3Prefix: s(fmt.Sprintf("exp%d", try)), ExportFormat: types.ExportFormatDynamodbJson, ExportTime: aws.Time(exportTime)})
		if err != nil {
			t.Fatalf("ExportTableToPointInTime: %v", err)
		}
		exportArn = aws.ToString(out.ExportDescription.ExportArn)
		time.Sleep(time.Duration(rand.Int64N(int64(250 * time.Millisecond))))
		c.kill()
		midExport = !strings.Contains(readLog(logPath)[logged:], "export completed")
		c = start(t, bin, dataDir, logPath)
		client = newClient(c.url)
		d := waitExport(t, client, exportArn, logPath)
		if n := aws.ToInt64(d.ItemCount); n != items {
			t.Fatalf("export (killed mid-way: %v) reports %d items, want %d", midExport, n, items)
		}
		exportDir = filepath.Join(dataDir, "s3", crashBucket, filepath.FromSlash(strings.TrimSuffix(aws.ToString(d.ExportManifest), "manifest-summary.json")))
		got, listed, all := readExport(t, exportDir)
		if !sameState(got, want) {
			diff := 0
			for k, v := range want {
				if got[k] != v {
					diff++
				}
			}
			t.Fatalf("export (killed mid-way: %v): %d items, %d differ from the table at its ExportTime", midExport, len(got), diff)
		}
		t.Logf("export try %d: killed mid-way %v; %d data files listed, %d in its directory", try, midExport, listed, all)
	}

	// 2. A kill while the import fills its table, from the export's
	// listed files copied under a prefix of their own.
	impPrefix := filepath.Join(dataDir, "s3", crashBucket, "imp")
	if err := os.MkdirAll(impPrefix, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, f := range listedFiles(t, exportDir) {
		b, err := os.ReadFile(filepath.Join(dataDir, "s3", crashBucket, filepath.FromSlash(f)))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(impPrefix, fmt.Sprintf("part-%03d.json.gz", i)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	logged := len(readLog(logPath))
	imp, err := client.ImportTable(ctx, &dynamodb.ImportTableInput{
		S3BucketSource: &types.S3BucketSource{S3Bucket: s(crashBucket), S3KeyPrefix: s("imp/")},
		InputFormat:    types.InputFormatDynamodbJson, InputCompressionType: types.InputCompressionTypeGzip,
		TableCreationParameters: &types.TableCreationParameters{TableName: s(importTable), AttributeDefinitions: defs,
			KeySchema: keys, BillingMode: types.BillingModePayPerRequest, GlobalSecondaryIndexes: gsi()},
	})
	if err != nil {
		t.Fatalf("ImportTable: %v", err)
	}
	for taskItems(t, c.url, "import") == 0 && !strings.Contains(readLog(logPath)[logged:], "import completed") {
		time.Sleep(time.Millisecond)
	}
	c.kill()
	midImport := !strings.Contains(readLog(logPath)[logged:], "import completed")
	if out, code := runCheck(t, bin, dataDir); code != 0 {
		t.Fatalf("dynago check after the import kill exited %d:\n%s", code, out)
	}
	c = start(t, bin, dataDir, logPath)
	client = newClient(c.url)
	waitRestoredTable(t, client, importTable, logPath)
	d, err := client.DescribeImport(ctx, &dynamodb.DescribeImportInput{ImportArn: imp.ImportTableDescription.ImportArn})
	if err != nil {
		t.Fatal(err)
	}
	idesc := d.ImportTableDescription
	if idesc.ImportStatus != types.ImportStatusCompleted || idesc.ImportedItemCount != items || idesc.ErrorCount != 0 {
		t.Fatalf("import (killed mid-way: %v): %s, %d imported, %d errors, want COMPLETED, %d, 0",
			midImport, idesc.ImportStatus, idesc.ImportedItemCount, idesc.ErrorCount, items)
	}
	if got := tableState(t, client, importTable); !sameState(got, want) {
		t.Fatalf("imported table (killed mid-way: %v): %d items, want %d", midImport, len(got), len(want))
	}
	c.kill()
	out, code := runCheck(t, bin, dataDir)
	t.Logf("killed mid-export: %v, mid-import: %v; dynago check: %s", midExport, midImport, bytes.TrimSpace(out))
	if code != 0 {
		t.Fatalf("dynago check exited %d:\n%s", code, out)
	}
}

// waitExport polls an export until it is COMPLETED; FAILED or a minute
// IN_PROGRESS fails the test.
func waitExport(t *testing.T, client *dynamodb.Client, arn, logPath string) *types.ExportDescription {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		d, err := client.DescribeExport(context.Background(), &dynamodb.DescribeExportInput{ExportArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		switch d.ExportDescription.ExportStatus {
		case types.ExportStatusCompleted:
			return d.ExportDescription
		case types.ExportStatusFailed:
			t.Fatalf("export FAILED: %s %s", aws.ToString(d.ExportDescription.FailureCode), aws.ToString(d.ExportDescription.FailureMessage))
		}
		if time.Now().After(deadline) {
			t.Fatalf("export still %s after the restart; log:\n%s", d.ExportDescription.ExportStatus, readLog(logPath))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// listedFiles returns the data files an export's manifest-files.json
// names (bucket keys).
func listedFiles(t *testing.T, dir string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "manifest-files.json"))
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var f struct {
			DataFileS3Key string `json:"dataFileS3Key"`
		}
		if err := json.Unmarshal(line, &f); err != nil {
			t.Fatalf("manifest-files.json line %q: %v", line, err)
		}
		keys = append(keys, f.DataFileS3Key)
	}
	return keys
}

// readExport reads the items of an export's listed data files as
// tableState does ("pk|sk" -> "gk|v"), failing on an item listed twice,
// and returns how many files are listed and how many lie in its data
// directory (more when a killed run left its own).
func readExport(t *testing.T, dir string) (items map[string]string, listed, all int) {
	t.Helper()
	bucketRoot := dir[:strings.Index(dir, string(filepath.Separator)+crashBucket+string(filepath.Separator))+len(crashBucket)+1]
	items = map[string]string{}
	files := listedFiles(t, dir)
	for _, key := range files {
		f, err := os.Open(filepath.Join(bucketRoot, filepath.FromSlash(key)))
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(zr)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var line struct {
				Item map[string]map[string]string
			}
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
				t.Fatalf("%s: %q: %v", key, sc.Text(), err)
			}
			k := line.Item["pk"]["S"] + "|" + line.Item["sk"]["N"]
			if _, dup := items[k]; dup {
				t.Fatalf("%s: item %s exported twice", key, k)
			}
			items[k] = line.Item["gk"]["S"] + "|" + line.Item["v"]["S"]
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	entries, err := os.ReadDir(filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	return items, len(files), len(entries)
}

// taskItems returns how many items the background tasks of a kind
// (backup, restore, export, import) have copied, from /metrics.
func taskItems(t *testing.T, url, kind string) int64 {
	t.Helper()
	var n int64
	for _, line := range strings.Split(metricsText(t, url), "\n") {
		if strings.HasPrefix(line, "dynago_task_items_total{") && strings.Contains(line, `kind="`+kind+`"`) {
			f := strings.Fields(line)
			v, _ := strconv.ParseFloat(f[len(f)-1], 64)
			n += int64(v)
		}
	}
	return n
}
