package integration

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/dynago/dynago/dynagotest"
	"github.com/dynago/dynago/internal/dataio"
	"github.com/dynago/dynago/internal/s3store"
)

// waitImport polls DescribeImport until the import leaves IN_PROGRESS.
func waitImport(t *testing.T, c *dynamodb.Client, arn string) *types.ImportTableDescription {
	t.Helper()
	deadline := time.Now().Add(taskTimeout)
	for {
		d, err := c.DescribeImport(context.Background(), &dynamodb.DescribeImportInput{ImportArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		if d.ImportTableDescription.ImportStatus != types.ImportStatusInProgress {
			return d.ImportTableDescription
		}
		if time.Now().After(deadline) {
			t.Fatalf("import %s still IN_PROGRESS after %v", arn, taskTimeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// importParams are the TableCreationParameters of a table keyed like
// hashRangeN, with a GSI on "name".
func importParams(table string) *types.TableCreationParameters {
	return &types.TableCreationParameters{
		TableName: aws.String(table),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeN},
			{AttributeName: aws.String("name"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
		BillingMode: types.BillingModePayPerRequest,
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName:  aws.String("by_name"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("name"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
	}
}

// An export read back by ImportTable, in DYNAMODB_JSON and ION: the new
// table holds exactly the source's items, its GSI answers, and the counts
// are DynamoDB's.
func TestImportExportRoundTrip(t *testing.T) {
	c, _ := exportServer(t)
	ctx := context.Background()
	makeTable(t, c, "imp_src", hashRangeN)
	enablePITR(t, c, "imp_src")
	for i := range 120 {
		put(t, c, "imp_src", exportItem(i))
	}
	want := scanPlain(t, c, "imp_src")
	for _, format := range []types.ExportFormat{types.ExportFormatDynamodbJson, types.ExportFormatIon} {
		out, err := c.ExportTableToPointInTime(ctx, &dynamodb.ExportTableToPointInTimeInput{
			TableArn: aws.String("arn:aws:dynamodb:us-east-1:000000000000:table/imp_src"), S3Bucket: aws.String("bkt"), ExportFormat: format,
		})
		if err != nil {
			t.Fatal(err)
		}
		d := waitExport(t, c, aws.ToString(out.ExportDescription.ExportArn))
		if d.ExportStatus != types.ExportStatusCompleted {
			t.Fatalf("export: %s", aws.ToString(d.FailureMessage))
		}
		dataPrefix := strings.TrimSuffix(aws.ToString(d.ExportManifest), "manifest-summary.json") + "data/"
		table := "imp_" + strings.ToLower(string(format))
		in, err := c.ImportTable(ctx, &dynamodb.ImportTableInput{
			S3BucketSource:          &types.S3BucketSource{S3Bucket: aws.String("bkt"), S3KeyPrefix: aws.String(dataPrefix)},
			InputFormat:             types.InputFormat(format),
			InputCompressionType:    types.InputCompressionTypeGzip,
			TableCreationParameters: importParams(table),
		})
		if err != nil {
			t.Fatal(err)
		}
		if in.ImportTableDescription.ImportStatus != types.ImportStatusInProgress {
			t.Errorf("ImportTable status %s", in.ImportTableDescription.ImportStatus)
		}
		id := waitImport(t, c, aws.ToString(in.ImportTableDescription.ImportArn))
		if id.ImportStatus != types.ImportStatusCompleted || id.ImportedItemCount != 120 || id.ErrorCount != 0 ||
			id.ProcessedItemCount != 120 || aws.ToInt64(id.ProcessedSizeBytes) == 0 {
			t.Fatalf("%s import: %s imported %d errors %d processed %d bytes %d (%s)", format, id.ImportStatus, id.ImportedItemCount,
				id.ErrorCount, id.ProcessedItemCount, aws.ToInt64(id.ProcessedSizeBytes), aws.ToString(id.FailureMessage))
		}
		dt, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
		if err != nil {
			t.Fatal(err)
		}
		if dt.Table.TableStatus != types.TableStatusActive {
			t.Errorf("imported table %s", dt.Table.TableStatus)
		}
		wantSame(t, string(format)+" imported items", scanPlain(t, c, table), want)
		q, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(table), IndexName: aws.String("by_name"),
			KeyConditionExpression: aws.String("#n = :n"), ExpressionAttributeNames: map[string]string{"#n": "name"},
			ExpressionAttributeValues: item{":n": S("name 7")}})
		if err != nil {
			t.Fatal(err)
		}
		if len(q.Items) != 1 || sval(t, q.Items[0]["pk"]) != "user#007" {
			t.Errorf("GSI query: %d items", len(q.Items))
		}
	}
}

// putCompressed stores lines as one object, compressed with c.
func putCompressed(t *testing.T, mem *s3store.Memory, bucket, key, text string, c dataio.Compression) {
	t.Helper()
	var buf bytes.Buffer
	w, err := dataio.NewCompressWriter(&buf, c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(text)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := mem.Put(context.Background(), bucket, key, buf.Bytes()); err != nil {
		t.Fatal(err)
	}
}

// CSV with a delimiter and header list, ZSTD DynamoDB JSON, and bad
// records: each bad record is counted and skipped, the rest imported.
func TestImportFormatsAndErrors(t *testing.T) {
	c, mem := exportServer(t)
	ctx := context.Background()
	simple := func(table string) *types.TableCreationParameters {
		return &types.TableCreationParameters{
			TableName:            aws.String(table),
			AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}, {AttributeName: aws.String("n"), AttributeType: types.ScalarAttributeTypeN}},
			KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
			BillingMode:          types.BillingModePayPerRequest,
			GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{IndexName: aws.String("by_n"),
				KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("n"), KeyType: types.KeyTypeHash}},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}},
		}
	}
	// CSV, ';' delimited, no header line: HeaderList names the columns.
	// Line 3 has no pk; line 4's n is not a number.
	putCompressed(t, mem, "src", "csv/part-1.csv", "a;1;x\nb;2;y\n;3;z\nd;notanumber;w\n", dataio.CompressionNone)
	putCompressed(t, mem, "src", "csv/part-2.csv", "e;5;\"quoted;cell\"\n", dataio.CompressionNone)
	out, err := c.ImportTable(ctx, &dynamodb.ImportTableInput{
		S3BucketSource:          &types.S3BucketSource{S3Bucket: aws.String("src"), S3KeyPrefix: aws.String("csv/")},
		InputFormat:             types.InputFormatCsv,
		InputFormatOptions:      &types.InputFormatOptions{Csv: &types.CsvOptions{Delimiter: aws.String(";"), HeaderList: []string{"pk", "n", "note"}}},
		TableCreationParameters: simple("imp_csv"),
	})
	if err != nil {
		t.Fatal(err)
	}
	d := waitImport(t, c, aws.ToString(out.ImportTableDescription.ImportArn))
	if d.ImportStatus != types.ImportStatusCompleted || d.ImportedItemCount != 3 || d.ErrorCount != 2 || d.ProcessedItemCount != 5 {
		t.Errorf("CSV import: %s imported %d errors %d processed %d", d.ImportStatus, d.ImportedItemCount, d.ErrorCount, d.ProcessedItemCount)
	}
	wantSame(t, "CSV items", scanPlain(t, c, "imp_csv"), []string{
		`{"n":{"N":"1"},"note":{"S":"x"},"pk":{"S":"a"}}`,
		`{"n":{"N":"2"},"note":{"S":"y"},"pk":{"S":"b"}}`,
		`{"n":{"N":"5"},"note":{"S":"quoted;cell"},"pk":{"S":"e"}}`,
	})

	// ZSTD DynamoDB JSON; a line that is not JSON, and one whose n has
	// the wrong type for the GSI, are skipped.
	putCompressed(t, mem, "src", "ddb/1.json.zst", `{"Item":{"pk":{"S":"a"},"n":{"N":"1"}}}
not json
{"Item":{"pk":{"S":"b"},"n":{"S":"one"}}}
{"Item":{"pk":{"S":"c"},"n":{"N":"3"},"l":{"L":[{"S":"x"}]}}}
`, dataio.CompressionZstd)
	out, err = c.ImportTable(ctx, &dynamodb.ImportTableInput{
		S3BucketSource:          &types.S3BucketSource{S3Bucket: aws.String("src"), S3KeyPrefix: aws.String("ddb/")},
		InputFormat:             types.InputFormatDynamodbJson,
		InputCompressionType:    types.InputCompressionTypeZstd,
		TableCreationParameters: simple("imp_zstd"),
		ClientToken:             aws.String("imp-token"),
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.ImportTableDescription.ImportArn)
	d = waitImport(t, c, arn)
	if d.ImportStatus != types.ImportStatusCompleted || d.ImportedItemCount != 2 || d.ErrorCount != 2 {
		t.Errorf("ZSTD import: %s imported %d errors %d", d.ImportStatus, d.ImportedItemCount, d.ErrorCount)
	}
	wantSame(t, "ZSTD items", scanPlain(t, c, "imp_zstd"), []string{
		`{"l":{"L":[{"S":"x"}]},"n":{"N":"3"},"pk":{"S":"c"}}`,
		`{"n":{"N":"1"},"pk":{"S":"a"}}`,
	})

	// The same ClientToken and parameters: the same import.
	again, err := c.ImportTable(ctx, &dynamodb.ImportTableInput{
		S3BucketSource:          &types.S3BucketSource{S3Bucket: aws.String("src"), S3KeyPrefix: aws.String("ddb/")},
		InputFormat:             types.InputFormatDynamodbJson,
		InputCompressionType:    types.InputCompressionTypeZstd,
		TableCreationParameters: simple("imp_zstd"),
		ClientToken:             aws.String("imp-token"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(again.ImportTableDescription.ImportArn) != arn {
		t.Errorf("same ClientToken: %s, want %s", aws.ToString(again.ImportTableDescription.ImportArn), arn)
	}
	_, err = c.ImportTable(ctx, &dynamodb.ImportTableInput{
		S3BucketSource:          &types.S3BucketSource{S3Bucket: aws.String("src"), S3KeyPrefix: aws.String("csv/")},
		InputFormat:             types.InputFormatDynamodbJson,
		TableCreationParameters: simple("imp_other"),
		ClientToken:             aws.String("imp-token"),
	})
	wantAPIErrorPrefix(t, err, "ImportConflictException", "There was a conflict when importing from the specified S3 source.")
	_, err = c.ImportTable(ctx, &dynamodb.ImportTableInput{
		S3BucketSource:          &types.S3BucketSource{S3Bucket: aws.String("src"), S3KeyPrefix: aws.String("csv/")},
		InputFormat:             types.InputFormatCsv,
		TableCreationParameters: simple("imp_csv"),
	})
	wantAPIError(t, err, "ResourceInUseException", "Table already exists: imp_csv")
	_, err = c.DescribeImport(ctx, &dynamodb.DescribeImportInput{ImportArn: aws.String(arn + "1")})
	wantAPIError(t, err, "ImportNotFoundException", "Import not found: "+arn+"1")
	_, err = c.ImportTable(ctx, &dynamodb.ImportTableInput{
		S3BucketSource:          &types.S3BucketSource{S3Bucket: aws.String("src"), S3KeyPrefix: aws.String("csv/")},
		InputFormat:             types.InputFormatCsv,
		InputFormatOptions:      &types.InputFormatOptions{Csv: &types.CsvOptions{Delimiter: aws.String("x")}},
		TableCreationParameters: simple("imp_delim"),
	})
	wantAPIErrorPrefix(t, err, "ValidationException", "1 validation error detected: Value 'x' at 'inputFormatOptions.csv.delimiter' failed to satisfy constraint")

	// Nothing under the prefix: FAILED, and the table is gone.
	out, err = c.ImportTable(ctx, &dynamodb.ImportTableInput{
		S3BucketSource:          &types.S3BucketSource{S3Bucket: aws.String("src"), S3KeyPrefix: aws.String("nothing/")},
		InputFormat:             types.InputFormatCsv,
		TableCreationParameters: simple("imp_failed"),
	})
	if err != nil {
		t.Fatal(err)
	}
	d = waitImport(t, c, aws.ToString(out.ImportTableDescription.ImportArn))
	if d.ImportStatus != types.ImportStatusFailed || aws.ToString(d.FailureCode) == "" {
		t.Errorf("empty prefix: %s %s", d.ImportStatus, aws.ToString(d.FailureCode))
	}
	_, err = c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("imp_failed")})
	var rnf *types.ResourceNotFoundException
	if !errors.As(err, &rnf) {
		t.Errorf("table of a failed import: %v", err)
	}

	// ListImports, one per page.
	var listed []string
	in := &dynamodb.ListImportsInput{PageSize: aws.Int32(1)}
	for pages := 0; pages < 10; pages++ {
		o, err := c.ListImports(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range o.ImportSummaryList {
			listed = append(listed, fmt.Sprint(s.ImportStatus))
		}
		if o.NextToken == nil {
			break
		}
		in.NextToken = o.NextToken
	}
	if got := strings.Join(listed, " "); got != "COMPLETED COMPLETED FAILED" {
		t.Errorf("ListImports: %s", got)
	}
	one, err := c.ListImports(ctx, &dynamodb.ListImportsInput{TableArn: aws.String("arn:aws:dynamodb:us-east-1:000000000000:table/imp_zstd")})
	if err != nil {
		t.Fatal(err)
	}
	if len(one.ImportSummaryList) != 1 || aws.ToString(one.ImportSummaryList[0].ImportArn) != arn {
		t.Errorf("ListImports(imp_zstd): %+v", one.ImportSummaryList)
	}
}

// An import and an export running when the server stops finish after it
// restarts on the same data: the import resumes from its last batch (the
// table ends with exactly the source's items, none twice, and the counts
// are exact), the export is redone as of its fixed ExportTime.
func TestImportExportSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	mem := s3store.NewMemory()
	const n = 30000
	var lines strings.Builder
	for i := range n {
		fmt.Fprintf(&lines, `{"Item":{"pk":{"S":"k%06d"},"v":{"N":"%d"}}}`+"\n", i, i)
	}
	putCompressed(t, mem, "src", "big/1.json.gz", lines.String(), dataio.CompressionGzip)
	params := &types.TableCreationParameters{
		TableName:            aws.String("imp_restart"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	}
	var importArn, exportArn string
	var want []string
	ctx := context.Background()
	t.Run("start", func(t *testing.T) {
		c := dynagotest.New(t, dynagotest.WithDataDir(dir), dynagotest.WithObjects(mem)).Client()
		makeTable(t, c, "exp_restart", hashS)
		enablePITR(t, c, "exp_restart")
		for i := range 300 {
			put(t, c, "exp_restart", item{"pk": S(fmt.Sprint("e", i)), "v": N(fmt.Sprint(i))})
		}
		want = scanPlain(t, c, "exp_restart")
		out, err := c.ExportTableToPointInTime(ctx, &dynamodb.ExportTableToPointInTimeInput{
			TableArn: aws.String("arn:aws:dynamodb:us-east-1:000000000000:table/exp_restart"), S3Bucket: aws.String("bkt"),
			ExportTime: aws.Time(time.Now())})
		if err != nil {
			t.Fatal(err)
		}
		exportArn = aws.ToString(out.ExportDescription.ExportArn)
		// Changes after the ExportTime, which the export must not show.
		for i := range 50 {
			put(t, c, "exp_restart", item{"pk": S(fmt.Sprint("e", i)), "v": N("-1")})
		}
		imp, err := c.ImportTable(ctx, &dynamodb.ImportTableInput{
			S3BucketSource:       &types.S3BucketSource{S3Bucket: aws.String("src"), S3KeyPrefix: aws.String("big/")},
			InputFormat:          types.InputFormatDynamodbJson,
			InputCompressionType: types.InputCompressionTypeGzip, TableCreationParameters: params,
		})
		if err != nil {
			t.Fatal(err)
		}
		importArn = aws.ToString(imp.ImportTableDescription.ImportArn)
		// Let the import write a few batches, then stop the server.
		deadline := time.Now().Add(taskTimeout)
		for time.Now().Before(deadline) {
			d, err := c.DescribeImport(ctx, &dynamodb.DescribeImportInput{ImportArn: aws.String(importArn)})
			if err != nil {
				t.Fatal(err)
			}
			if d.ImportTableDescription.ImportedItemCount > 0 || d.ImportTableDescription.ImportStatus != types.ImportStatusInProgress {
				t.Logf("stopping with %d items imported (%s)", d.ImportTableDescription.ImportedItemCount, d.ImportTableDescription.ImportStatus)
				return
			}
			time.Sleep(time.Millisecond)
		}
	})
	t.Run("after restart", func(t *testing.T) {
		c := dynagotest.New(t, dynagotest.WithDataDir(dir), dynagotest.WithObjects(mem)).Client()
		d := waitImport(t, c, importArn)
		if d.ImportStatus != types.ImportStatusCompleted || d.ImportedItemCount != n || d.ProcessedItemCount != n || d.ErrorCount != 0 {
			t.Errorf("import after restart: %s imported %d processed %d errors %d", d.ImportStatus, d.ImportedItemCount, d.ProcessedItemCount, d.ErrorCount)
		}
		cnt, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("imp_restart"), Select: types.SelectCount})
		if err != nil {
			t.Fatal(err)
		}
		if cnt.Count != n {
			t.Errorf("imported table holds %d items, want %d", cnt.Count, n)
		}
		e := waitExport(t, c, exportArn)
		if e.ExportStatus != types.ExportStatusCompleted {
			t.Fatalf("export after restart: %s %s", e.ExportStatus, aws.ToString(e.FailureMessage))
		}
		_, lines := exportLines(t, mem, e)
		wantSame(t, "export across a restart", exportedItems(t, lines), want)
	})
}

// A key repeated across batches: the last record wins, and the GSI holds
// one entry per item (each later write replaced the earlier one's entry).
func TestImportRepeatedKeys(t *testing.T) {
	c, mem := exportServer(t)
	ctx := context.Background()
	var lines strings.Builder
	for i := range 1500 {
		fmt.Fprintf(&lines, `{"Item":{"pk":{"S":"k%02d"},"g":{"S":"g%04d"},"v":{"N":"%d"}}}`+"\n", i%100, i, i)
	}
	putCompressed(t, mem, "src", "rep/1.json", lines.String(), dataio.CompressionNone)
	out, err := c.ImportTable(ctx, &dynamodb.ImportTableInput{
		S3BucketSource: &types.S3BucketSource{S3Bucket: aws.String("src"), S3KeyPrefix: aws.String("rep/")},
		InputFormat:    types.InputFormatDynamodbJson,
		TableCreationParameters: &types.TableCreationParameters{
			TableName: aws.String("imp_rep"),
			AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
				{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS}},
			KeySchema:   []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
			BillingMode: types.BillingModePayPerRequest,
			GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{IndexName: aws.String("by_g"),
				KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := waitImport(t, c, aws.ToString(out.ImportTableDescription.ImportArn)); d.ImportStatus != types.ImportStatusCompleted {
		t.Fatalf("%s %s", d.ImportStatus, aws.ToString(d.FailureMessage))
	}
	for _, index := range []*string{nil, aws.String("by_g")} {
		s, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("imp_rep"), IndexName: index})
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Items) != 100 {
			t.Errorf("index %v: %d items, want 100", aws.ToString(index), len(s.Items))
		}
		for _, it := range s.Items {
			pk := sval(t, it["pk"])
			var k int
			fmt.Sscanf(pk, "k%d", &k)
			if want := fmt.Sprint(1400 + k); nval(t, it["v"]) != want {
				t.Errorf("index %v: %s has v %s, want %s (the last line)", aws.ToString(index), pk, nval(t, it["v"]), want)
			}
		}
	}
}
