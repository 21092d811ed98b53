package integration

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// RestoreTableToPointInTime gives the table exactly as it was at the time
// asked for: items put, changed and deleted after it are as they were, and
// the latest restorable time gives the table as it is.
func TestRestoreToPointInTime(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	if _, err := c.CreateTable(ctx, backupTableInput("pt_src")); err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		put(t, c, "pt_src", exportItem(i)) // before PITR: in the base
	}
	enablePITR(t, c, "pt_src")
	time.Sleep(time.Second) // the base job copies the first base
	for i := 100; i < 150; i++ {
		put(t, c, "pt_src", exportItem(i))
	}
	changed := exportItem(7)
	changed["name"] = S("renamed")
	put(t, c, "pt_src", changed)
	if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("pt_src"), Key: item{"pk": S("user#008"), "sk": N("1")}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	at := time.Now()
	want := scanPlain(t, c, "pt_src")
	time.Sleep(50 * time.Millisecond)
	// After the point: none of this is restored.
	for i := 150; i < 170; i++ {
		put(t, c, "pt_src", exportItem(i))
	}
	for i := 0; i < 20; i++ {
		if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("pt_src"), Key: item{"pk": S(fmt.Sprintf("user#%03d", i)), "sk": N(fmt.Sprint(i % 7))}}); err != nil {
			t.Fatal(err)
		}
	}
	changed["name"] = S("renamed again")
	put(t, c, "pt_src", changed)
	put(t, c, "pt_src", exportItem(8))

	// LatestRestorableDateTime lags the present by 2 seconds.
	time.Sleep(3 * time.Second)
	out, err := c.RestoreTableToPointInTime(ctx, &dynamodb.RestoreTableToPointInTimeInput{
		SourceTableName: aws.String("pt_src"), TargetTableName: aws.String("pt_at"), RestoreDateTime: aws.Time(at),
	})
	if err != nil {
		t.Fatal(err)
	}
	rs := out.TableDescription.RestoreSummary
	if out.TableDescription.TableStatus != types.TableStatusCreating || rs == nil || rs.SourceBackupArn != nil ||
		aws.ToString(rs.SourceTableArn) != "arn:aws:dynamodb:us-east-1:000000000000:table/pt_src" ||
		aws.ToTime(rs.RestoreDateTime).UnixMilli() != at.UnixMilli() {
		t.Fatalf("RestoreTableToPointInTime: %s %+v", out.TableDescription.TableStatus, rs)
	}
	td := waitRestored(t, c, "pt_at")
	wantSame(t, "restored to the point", scanPlain(t, c, "pt_at"), want)
	if len(td.GlobalSecondaryIndexes) != 1 || len(td.LocalSecondaryIndexes) != 1 {
		t.Fatalf("restored indexes: %+v", td)
	}
	if n := queryCount(t, c, "pt_at", "by_name", "name", S("renamed")); n != 1 {
		t.Errorf("GSI of the restored table: %d items named renamed, want 1", n)
	}

	// The latest restorable time, by ARN, once it has passed every write.
	now := scanPlain(t, c, "pt_src")
	time.Sleep(3 * time.Second)
	if _, err := c.RestoreTableToPointInTime(ctx, &dynamodb.RestoreTableToPointInTimeInput{
		SourceTableArn: aws.String("arn:aws:dynamodb:us-east-1:000000000000:table/pt_src"), TargetTableName: aws.String("pt_latest"),
		UseLatestRestorableTime: aws.Bool(true), BillingModeOverride: types.BillingModeProvisioned,
		ProvisionedThroughputOverride: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(5)},
	}); err != nil {
		t.Fatal(err)
	}
	td = waitRestored(t, c, "pt_latest")
	wantSame(t, "restored to the latest time", scanPlain(t, c, "pt_latest"), now)
	if aws.ToInt64(td.ProvisionedThroughput.ReadCapacityUnits) != 5 {
		t.Errorf("billing override: %+v", td.ProvisionedThroughput)
	}

	_, err = c.RestoreTableToPointInTime(ctx, &dynamodb.RestoreTableToPointInTimeInput{
		SourceTableName: aws.String("pt_src"), TargetTableName: aws.String("pt_at"), UseLatestRestorableTime: aws.Bool(true)})
	wantAPIError(t, err, "TableAlreadyExistsException", "Table already exists: pt_at")
	_, err = c.RestoreTableToPointInTime(ctx, &dynamodb.RestoreTableToPointInTimeInput{
		SourceTableName: aws.String("pt_absent"), TargetTableName: aws.String("pt_x"), UseLatestRestorableTime: aws.Bool(true)})
	wantAPIError(t, err, "TableNotFoundException", "Table not found: pt_absent")
	_, err = c.RestoreTableToPointInTime(ctx, &dynamodb.RestoreTableToPointInTimeInput{
		SourceTableName: aws.String("pt_at"), TargetTableName: aws.String("pt_x"), UseLatestRestorableTime: aws.Bool(true)})
	wantAPIError(t, err, "PointInTimeRecoveryUnavailableException", "Point in time recovery is not enabled for table 'pt_at'")
	_, err = c.RestoreTableToPointInTime(ctx, &dynamodb.RestoreTableToPointInTimeInput{
		SourceTableName: aws.String("pt_src"), TargetTableName: aws.String("pt_x"), RestoreDateTime: aws.Time(time.Now().Add(-time.Hour))})
	wantAPIErrorPrefix(t, err, "InvalidRestoreTimeException", "RestoreDateTime '")
	_, err = c.RestoreTableToPointInTime(ctx, &dynamodb.RestoreTableToPointInTimeInput{
		SourceTableName: aws.String("pt_src"), TargetTableName: aws.String("pt_x"), RestoreDateTime: aws.Time(time.Now().Add(time.Hour))})
	wantAPIErrorPrefix(t, err, "InvalidRestoreTimeException", "RestoreDateTime '")
	_, err = c.RestoreTableToPointInTime(ctx, &dynamodb.RestoreTableToPointInTimeInput{
		SourceTableName: aws.String("pt_src"), TargetTableName: aws.String("pt_x")})
	wantAPIError(t, err, "ValidationException", "Invalid Request: Either one of RestoreDateTime or UseLatestRestorableTime must be specified, but not both")
}

// An export at a past time reads the table's PITR base through the log:
// items last changed before PITR was enabled, and changed again after the
// export's time, are exported as they were (the change log alone does not
// know their state then).
func TestExportFromPITRBase(t *testing.T) {
	c, mem := exportServer(t)
	ctx := context.Background()
	makeTable(t, c, "exp_base", hashS)
	for i := range 30 {
		put(t, c, "exp_base", item{"pk": S(fmt.Sprint("k", i)), "v": N("1")})
	}
	enablePITR(t, c, "exp_base")
	time.Sleep(time.Second) // the first base
	put(t, c, "exp_base", item{"pk": S("k0"), "v": N("2")})
	time.Sleep(10 * time.Millisecond)
	at := time.Now()
	want := scanPlain(t, c, "exp_base")
	time.Sleep(10 * time.Millisecond)
	for i := 1; i < 10; i++ { // changed for the first time since PITR
		put(t, c, "exp_base", item{"pk": S(fmt.Sprint("k", i)), "v": N("3")})
	}
	if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("exp_base"), Key: item{"pk": S("k10")}}); err != nil {
		t.Fatal(err)
	}
	out, err := c.ExportTableToPointInTime(ctx, &dynamodb.ExportTableToPointInTimeInput{
		TableArn: aws.String("exp_base"), S3Bucket: aws.String("bkt"), ExportTime: aws.Time(at),
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
}
