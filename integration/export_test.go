package integration

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/dynago/dynago/dynagotest"
	"github.com/dynago/dynago/internal/s3store"
)

// taskTimeout bounds the wait for an export or import job: a job on a
// loaded machine may take a while, but one that never ends is a bug.
const taskTimeout = 60 * time.Second

// exportServer starts a server whose S3 is a memory store the test reads.
func exportServer(t *testing.T) (*dynamodb.Client, *s3store.Memory) {
	t.Helper()
	mem := s3store.NewMemory()
	return dynagotest.New(t, dynagotest.WithObjects(mem)).Client(), mem
}

// enablePITR turns point-in-time recovery on for table.
func enablePITR(t *testing.T, c *dynamodb.Client, table string) {
	t.Helper()
	_, err := c.UpdateContinuousBackups(context.Background(), &dynamodb.UpdateContinuousBackupsInput{
		TableName:                        aws.String(table),
		PointInTimeRecoverySpecification: &types.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(true)},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// waitExport polls DescribeExport until the export leaves IN_PROGRESS.
func waitExport(t *testing.T, c *dynamodb.Client, arn string) *types.ExportDescription {
	t.Helper()
	deadline := time.Now().Add(taskTimeout)
	for {
		d, err := c.DescribeExport(context.Background(), &dynamodb.DescribeExportInput{ExportArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		if d.ExportDescription.ExportStatus != types.ExportStatusInProgress {
			return d.ExportDescription
		}
		if time.Now().After(deadline) {
			t.Fatalf("export %s still IN_PROGRESS after %v", arn, taskTimeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// readObject returns an object's bytes.
func readObject(t *testing.T, mem *s3store.Memory, bucket, key string) []byte {
	t.Helper()
	r, _, err := mem.Get(context.Background(), bucket, key)
	if err != nil {
		t.Fatalf("object %s/%s: %v", bucket, key, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// exportLines reads an export's manifests and returns every line of its
// data files, checking each file's item count and MD5 against
// manifest-files.json.
func exportLines(t *testing.T, mem *s3store.Memory, d *types.ExportDescription) (summary map[string]any, lines []string) {
	t.Helper()
	bucket := aws.ToString(d.S3Bucket)
	if err := json.Unmarshal(readObject(t, mem, bucket, aws.ToString(d.ExportManifest)), &summary); err != nil {
		t.Fatalf("manifest-summary.json: %v", err)
	}
	files := readObject(t, mem, bucket, summary["manifestFilesS3Key"].(string))
	sc := bufio.NewScanner(bytes.NewReader(files))
	for sc.Scan() {
		var f struct {
			ItemCount     int64
			MD5Checksum   string
			ETag          string
			DataFileS3Key string
		}
		if err := json.Unmarshal(sc.Bytes(), &f); err != nil {
			t.Fatalf("manifest-files.json line %q: %v", sc.Text(), err)
		}
		body := readObject(t, mem, bucket, f.DataFileS3Key)
		if s3store.ETag(body) != f.ETag {
			t.Errorf("%s: etag %s, manifest says %s", f.DataFileS3Key, s3store.ETag(body), f.ETag)
		}
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("%s: %v", f.DataFileS3Key, err)
		}
		data, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("%s: %v", f.DataFileS3Key, err)
		}
		n := int64(0)
		for _, l := range strings.Split(string(data), "\n") {
			if l != "" {
				lines = append(lines, l)
				n++
			}
		}
		if n != f.ItemCount {
			t.Errorf("%s: %d lines, manifest says %d", f.DataFileS3Key, n, f.ItemCount)
		}
	}
	return summary, lines
}

// plain turns an SDK attribute value into the generic JSON of its
// DynamoDB JSON form (sets sorted), to compare with exported lines.
func plain(v types.AttributeValue) any {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return map[string]any{"S": v.Value}
	case *types.AttributeValueMemberN:
		return map[string]any{"N": v.Value}
	case *types.AttributeValueMemberB:
		return map[string]any{"B": base64.StdEncoding.EncodeToString(v.Value)}
	case *types.AttributeValueMemberBOOL:
		return map[string]any{"BOOL": v.Value}
	case *types.AttributeValueMemberNULL:
		return map[string]any{"NULL": true}
	case *types.AttributeValueMemberSS:
		s := append([]string(nil), v.Value...)
		sort.Strings(s)
		out := []any{}
		for _, x := range s {
			out = append(out, x)
		}
		return map[string]any{"SS": out}
	case *types.AttributeValueMemberL:
		out := []any{}
		for _, x := range v.Value {
			out = append(out, plain(x))
		}
		return map[string]any{"L": out}
	case *types.AttributeValueMemberM:
		return map[string]any{"M": plainItem(v.Value)}
	}
	panic(fmt.Sprintf("plain: %T", v))
}

func plainItem(it map[string]types.AttributeValue) map[string]any {
	out := map[string]any{}
	for k, v := range it {
		out[k] = plain(v)
	}
	return out
}

// canonJSON re-encodes generic JSON with sorted keys and sorted string
// sets.
func canonJSON(t *testing.T, v any) string {
	t.Helper()
	var sortSets func(v any) any
	sortSets = func(v any) any {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if k == "SS" {
					l := x.([]any)
					sort.Slice(l, func(i, j int) bool { return l[i].(string) < l[j].(string) })
				}
				v[k] = sortSets(x)
			}
		case []any:
			for i, x := range v {
				v[i] = sortSets(x)
			}
		}
		return v
	}
	b, err := json.Marshal(sortSets(v))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// scanPlain returns every item of table as canonical JSON, sorted.
func scanPlain(t *testing.T, c *dynamodb.Client, table string) []string {
	t.Helper()
	var out []string
	p := dynamodb.NewScanPaginator(c, &dynamodb.ScanInput{TableName: aws.String(table)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			out = append(out, canonJSON(t, plainItem(it)))
		}
	}
	sort.Strings(out)
	return out
}

// exportedItems returns the Item of every exported DynamoDB JSON line as
// canonical JSON, sorted.
func exportedItems(t *testing.T, lines []string) []string {
	t.Helper()
	var out []string
	for _, l := range lines {
		var top map[string]any
		if err := json.Unmarshal([]byte(l), &top); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		out = append(out, canonJSON(t, top["Item"]))
	}
	sort.Strings(out)
	return out
}

func wantSame(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n got %d: %s\nwant %d: %s", what, len(got), strings.Join(got, "\n     "), len(want), strings.Join(want, "\n     "))
	}
}

func exportItem(i int) item {
	return item{
		"pk": S(fmt.Sprintf("user#%03d", i)), "sk": N(fmt.Sprint(i % 7)),
		"name": S(fmt.Sprintf("name %d", i)), "n": N(fmt.Sprintf("%d.5", i)), "ok": BOOL(i%2 == 0),
		"tags": SS("a", fmt.Sprint("t", i)), "bin": B([]byte{byte(i), 0, 255}),
		"doc": M(map[string]types.AttributeValue{"l": L(N("1"), S("x"), NULL())}),
	}
}

// A full export of a PITR table to the memory S3: DynamoDB's layout,
// manifests that match the data files, and exactly the table's items, in
// DYNAMODB_JSON and ION.
func TestExportFull(t *testing.T) {
	c, mem := exportServer(t)
	ctx := context.Background()
	makeTable(t, c, "exp_full", hashRangeN)
	for i := range 50 {
		put(t, c, "exp_full", exportItem(i))
	}
	arn := "arn:aws:dynamodb:us-east-1:000000000000:table/exp_full"

	_, err := c.ExportTableToPointInTime(ctx, &dynamodb.ExportTableToPointInTimeInput{TableArn: aws.String(arn), S3Bucket: aws.String("bkt")})
	wantAPIError(t, err, "PointInTimeRecoveryUnavailableException", "Point in time recovery is not enabled for table 'exp_full'")
	_, err = c.ExportTableToPointInTime(ctx, &dynamodb.ExportTableToPointInTimeInput{TableArn: aws.String(arn + "x"), S3Bucket: aws.String("bkt")})
	wantAPIError(t, err, "TableNotFoundException", "Table not found: "+arn+"x")

	enablePITR(t, c, "exp_full")
	out, err := c.ExportTableToPointInTime(ctx, &dynamodb.ExportTableToPointInTimeInput{
		TableArn: aws.String(arn), S3Bucket: aws.String("bkt"), S3Prefix: aws.String("exports/2026"),
	})
	if err != nil {
		t.Fatal(err)
	}
	d := out.ExportDescription
	if d.ExportStatus != types.ExportStatusInProgress || d.ExportFormat != types.ExportFormatDynamodbJson || d.ExportType != types.ExportTypeFullExport {
		t.Errorf("started: status %s format %s type %s", d.ExportStatus, d.ExportFormat, d.ExportType)
	}
	if !strings.HasPrefix(aws.ToString(d.ExportArn), arn+"/export/") {
		t.Errorf("ExportArn %s", aws.ToString(d.ExportArn))
	}
	d = waitExport(t, c, aws.ToString(d.ExportArn))
	if d.ExportStatus != types.ExportStatusCompleted || aws.ToInt64(d.ItemCount) != 50 {
		t.Fatalf("finished: %s %v %s", d.ExportStatus, aws.ToInt64(d.ItemCount), aws.ToString(d.FailureMessage))
	}
	id := aws.ToString(d.ExportArn)[strings.LastIndex(aws.ToString(d.ExportArn), "/")+1:]
	dir := "exports/2026/AWSDynamoDB/" + id + "/"
	if aws.ToString(d.ExportManifest) != dir+"manifest-summary.json" {
		t.Errorf("ExportManifest %s", aws.ToString(d.ExportManifest))
	}
	objs, err := mem.List(ctx, "bkt", dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range objs {
		n := strings.TrimPrefix(o.Key, dir)
		if strings.HasPrefix(n, "data/") {
			if !strings.HasSuffix(n, ".json.gz") {
				t.Errorf("data file %s", n)
			}
			continue
		}
		names = append(names, n)
	}
	if got := strings.Join(names, " "); got != "_started manifest-files.checksum manifest-files.json manifest-summary.checksum manifest-summary.json" {
		t.Errorf("objects: %s", got)
	}
	summary, lines := exportLines(t, mem, d)
	for k, want := range map[string]any{"exportArn": aws.ToString(d.ExportArn), "itemCount": 50.0, "outputFormat": "DYNAMODB_JSON",
		"exportType": "FULL_EXPORT", "s3Bucket": "bkt", "s3Prefix": "exports/2026", "tableArn": arn, "version": "2020-06-30"} {
		if summary[k] != want {
			t.Errorf("manifest-summary %s = %v, want %v", k, summary[k], want)
		}
	}
	wantSame(t, "exported items", exportedItems(t, lines), scanPlain(t, c, "exp_full"))

	// ION: the same items, in Ion text (the import test reads them back).
	out, err = c.ExportTableToPointInTime(ctx, &dynamodb.ExportTableToPointInTimeInput{
		TableArn: aws.String(arn), S3Bucket: aws.String("bkt"), ExportFormat: types.ExportFormatIon,
	})
	if err != nil {
		t.Fatal(err)
	}
	d = waitExport(t, c, aws.ToString(out.ExportDescription.ExportArn))
	if d.ExportStatus != types.ExportStatusCompleted || aws.ToInt64(d.ItemCount) != 50 {
		t.Fatalf("ION export: %s %v %s", d.ExportStatus, aws.ToInt64(d.ItemCount), aws.ToString(d.FailureMessage))
	}
	_, lines = exportLines(t, mem, d)
	if len(lines) != 50 || !strings.HasPrefix(lines[0], "$ion_1_0 {Item:{") {
		t.Errorf("ION lines: %d, first %q", len(lines), lines[0])
	}
}

// An export at an ExportTime in the past holds the table as it was then,
// though items were changed, deleted and created since.
func TestExportPointInTime(t *testing.T) {
	c, mem := exportServer(t)
	ctx := context.Background()
	makeTable(t, c, "exp_pit", hashS)
	enablePITR(t, c, "exp_pit")
	for i := range 20 {
		put(t, c, "exp_pit", item{"pk": S(fmt.Sprint("k", i)), "v": N("1")})
	}
	time.Sleep(10 * time.Millisecond)
	at := time.Now()
	want := scanPlain(t, c, "exp_pit")
	time.Sleep(10 * time.Millisecond)
	for i := range 5 {
		put(t, c, "exp_pit", item{"pk": S(fmt.Sprint("k", i)), "v": N("2")})
	}
	for i := 5; i < 8; i++ {
		if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("exp_pit"), Key: item{"pk": S(fmt.Sprint("k", i))}}); err != nil {
			t.Fatal(err)
		}
	}
	put(t, c, "exp_pit", item{"pk": S("new"), "v": N("3")})

	out, err := c.ExportTableToPointInTime(ctx, &dynamodb.ExportTableToPointInTimeInput{
		TableArn: aws.String("exp_pit"), S3Bucket: aws.String("bkt"), ExportTime: aws.Time(at),
	})
	if err != nil {
		t.Fatal(err)
	}
	d := waitExport(t, c, aws.ToString(out.ExportDescription.ExportArn))
	if d.ExportStatus != types.ExportStatusCompleted {
		t.Fatalf("%s: %s", d.ExportStatus, aws.ToString(d.FailureMessage))
	}
	_, lines := exportLines(t, mem, d)
	wantSame(t, "items at ExportTime", exportedItems(t, lines), want)

	_, err = c.ExportTableToPointInTime(ctx, &dynamodb.ExportTableToPointInTimeInput{
		TableArn: aws.String("exp_pit"), S3Bucket: aws.String("bkt"), ExportTime: aws.Time(time.Now().Add(time.Hour)),
	})
	wantAPIError(t, err, "InvalidExportTimeException", "The specified ExportTime is outside of the point in time recovery window")
	_, err = c.ExportTableToPointInTime(ctx, &dynamodb.ExportTableToPointInTimeInput{
		TableArn: aws.String("exp_pit"), S3Bucket: aws.String("bkt"), ExportTime: aws.Time(time.Now().Add(-time.Hour)),
	})
	wantAPIError(t, err, "InvalidExportTimeException", "The specified ExportTime is outside of the point in time recovery window")
}

// An incremental export lists each item changed in the window once, with
// its last new image and its image before the window.
func TestExportIncremental(t *testing.T) {
	c, mem := exportServer(t)
	ctx := context.Background()
	makeTable(t, c, "exp_inc", hashS)
	enablePITR(t, c, "exp_inc")
	put(t, c, "exp_inc", item{"pk": S("a"), "v": N("1")})
	put(t, c, "exp_inc", item{"pk": S("b"), "v": N("1")})
	put(t, c, "exp_inc", item{"pk": S("untouched"), "v": N("1")})
	time.Sleep(10 * time.Millisecond)
	from := time.Now()
	time.Sleep(10 * time.Millisecond)
	put(t, c, "exp_inc", item{"pk": S("a"), "v": N("2")})
	put(t, c, "exp_inc", item{"pk": S("a"), "v": N("3")})
	if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("exp_inc"), Key: item{"pk": S("b")}}); err != nil {
		t.Fatal(err)
	}
	put(t, c, "exp_inc", item{"pk": S("c"), "v": N("1")})
	time.Sleep(10 * time.Millisecond)
	to := time.Now()
	time.Sleep(10 * time.Millisecond)
	put(t, c, "exp_inc", item{"pk": S("a"), "v": N("4")}) // after the window

	out, err := c.ExportTableToPointInTime(ctx, &dynamodb.ExportTableToPointInTimeInput{
		TableArn: aws.String("exp_inc"), S3Bucket: aws.String("bkt"), ExportType: types.ExportTypeIncrementalExport,
		IncrementalExportSpecification: &types.IncrementalExportSpecification{ExportFromTime: aws.Time(from), ExportToTime: aws.Time(to)},
	})
	if err != nil {
		t.Fatal(err)
	}
	d := waitExport(t, c, aws.ToString(out.ExportDescription.ExportArn))
	if d.ExportStatus != types.ExportStatusCompleted || d.IncrementalExportSpecification.ExportViewType != types.ExportViewTypeNewAndOldImages {
		t.Fatalf("%s: %s", d.ExportStatus, aws.ToString(d.FailureMessage))
	}
	summary, lines := exportLines(t, mem, d)
	if summary["exportType"] != "INCREMENTAL_EXPORT" || summary["exportFromTime"] == nil {
		t.Errorf("summary %v", summary)
	}
	var got []string
	for _, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatal(err)
		}
		if rec["Metadata"].(map[string]any)["WriteTimestampMicros"] == nil {
			t.Errorf("line without WriteTimestampMicros: %s", l)
		}
		delete(rec, "Metadata")
		got = append(got, canonJSON(t, rec))
	}
	sort.Strings(got)
	want := []string{
		`{"Keys":{"pk":{"S":"a"}},"NewImage":{"pk":{"S":"a"},"v":{"N":"3"}},"OldImage":{"pk":{"S":"a"},"v":{"N":"1"}}}`,
		`{"Keys":{"pk":{"S":"b"}},"OldImage":{"pk":{"S":"b"},"v":{"N":"1"}}}`,
		`{"Keys":{"pk":{"S":"c"}},"NewImage":{"pk":{"S":"c"},"v":{"N":"1"}}}`,
	}
	wantSame(t, "incremental lines", got, want)

	_, err = c.ExportTableToPointInTime(ctx, &dynamodb.ExportTableToPointInTimeInput{
		TableArn: aws.String("exp_inc"), S3Bucket: aws.String("bkt"), ExportType: types.ExportTypeIncrementalExport,
		IncrementalExportSpecification: &types.IncrementalExportSpecification{ExportFromTime: aws.Time(to), ExportToTime: aws.Time(from)},
	})
	wantAPIError(t, err, "ValidationException", "ExportFromTime must be earlier than ExportToTime")
}

// ClientToken, DescribeExport's and ListExports' errors and paging.
func TestExportTokensAndListing(t *testing.T) {
	c, _ := exportServer(t)
	ctx := context.Background()
	makeTable(t, c, "exp_a", hashS)
	makeTable(t, c, "exp_b", hashS)
	enablePITR(t, c, "exp_a")
	enablePITR(t, c, "exp_b")
	start := func(table, bucket, token string) (*dynamodb.ExportTableToPointInTimeOutput, error) {
		in := &dynamodb.ExportTableToPointInTimeInput{TableArn: aws.String("arn:aws:dynamodb:us-east-1:000000000000:table/" + table), S3Bucket: aws.String(bucket)}
		if token != "" {
			in.ClientToken = aws.String(token)
		}
		return c.ExportTableToPointInTime(ctx, in)
	}
	first, err := start("exp_a", "b1", "tok")
	if err != nil {
		t.Fatal(err)
	}
	again, err := start("exp_a", "b1", "tok")
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(again.ExportDescription.ExportArn) != aws.ToString(first.ExportDescription.ExportArn) {
		t.Errorf("same ClientToken started a second export")
	}
	_, err = start("exp_a", "b2", "tok")
	wantAPIErrorPrefix(t, err, "ExportConflictException", "There was a conflict when writing to the specified S3 bucket")
	var arns []string
	arns = append(arns, aws.ToString(first.ExportDescription.ExportArn))
	for _, tb := range []string{"exp_b", "exp_a"} {
		o, err := start(tb, "b1", "")
		if err != nil {
			t.Fatal(err)
		}
		arns = append(arns, aws.ToString(o.ExportDescription.ExportArn))
	}
	for _, a := range arns {
		waitExport(t, c, a)
	}
	_, err = c.DescribeExport(ctx, &dynamodb.DescribeExportInput{ExportArn: aws.String(arns[0] + "0")})
	wantAPIError(t, err, "ExportNotFoundException", "Export not found: "+arns[0]+"0")

	var listed []string
	in := &dynamodb.ListExportsInput{TableArn: aws.String("arn:aws:dynamodb:us-east-1:000000000000:table/exp_a"), MaxResults: aws.Int32(1)}
	for pages := 0; ; pages++ {
		o, err := c.ListExports(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range o.ExportSummaries {
			if s.ExportStatus != types.ExportStatusCompleted || s.ExportType != types.ExportTypeFullExport {
				t.Errorf("summary %+v", s)
			}
			listed = append(listed, aws.ToString(s.ExportArn))
		}
		if o.NextToken == nil || pages > 5 {
			break
		}
		in.NextToken = o.NextToken
	}
	// Listed in export id order: by creation millisecond, then the id's
	// random part, so two exports of one millisecond come in either order.
	want := []string{arns[0], arns[2]}
	sort.Strings(want)
	if got, want := strings.Join(listed, " "), strings.Join(want, " "); got != want {
		t.Errorf("ListExports(exp_a):\n got %s\nwant %s", got, want)
	}
	all, err := c.ListExports(ctx, &dynamodb.ListExportsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.ExportSummaries) != 3 || all.NextToken != nil {
		t.Errorf("ListExports(): %d, next %v", len(all.ExportSummaries), all.NextToken)
	}
}
