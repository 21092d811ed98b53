package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/dynagotest"
)

// backupTableInput is an on-demand table keyed like hashRangeN with a GSI
// on "name" and an LSI on "n".
func backupTableInput(name string) *dynamodb.CreateTableInput {
	return &dynamodb.CreateTableInput{
		TableName: aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeN},
			{AttributeName: aws.String("name"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("n"), AttributeType: types.ScalarAttributeTypeN},
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
		LocalSecondaryIndexes: []types.LocalSecondaryIndex{{
			IndexName: aws.String("by_n"),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String("n"), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
		}},
	}
}

// waitBackup polls DescribeBackup until the backup leaves CREATING.
func waitBackup(t *testing.T, c *dynamodb.Client, arn string) *types.BackupDescription {
	t.Helper()
	deadline := time.Now().Add(taskTimeout)
	for {
		d, err := c.DescribeBackup(context.Background(), &dynamodb.DescribeBackupInput{BackupArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		if d.BackupDescription.BackupDetails.BackupStatus != types.BackupStatusCreating {
			return d.BackupDescription
		}
		if time.Now().After(deadline) {
			t.Fatalf("backup %s still CREATING after %v", arn, taskTimeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitRestored polls DescribeTable until a restored table is ACTIVE,
// checking that it is CREATING with its restore in progress until then.
func waitRestored(t *testing.T, c *dynamodb.Client, table string) *types.TableDescription {
	t.Helper()
	deadline := time.Now().Add(taskTimeout)
	for {
		d, err := c.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(table)})
		if err != nil {
			t.Fatal(err)
		}
		td := d.Table
		switch td.TableStatus {
		case types.TableStatusActive:
			// RestoreSummary is described only while CREATING
			// (DDB-TABLE-216).
			if td.RestoreSummary != nil {
				t.Fatalf("restored %s ACTIVE with RestoreSummary %+v", table, td.RestoreSummary)
			}
			return td
		case types.TableStatusCreating:
			if td.RestoreSummary == nil || !aws.ToBool(td.RestoreSummary.RestoreInProgress) {
				t.Fatalf("restoring %s CREATING with RestoreSummary %+v", table, td.RestoreSummary)
			}
		default:
			t.Fatalf("restoring %s: status %s", table, td.TableStatus)
		}
		if time.Now().After(deadline) {
			t.Fatalf("table %s still CREATING after %v", table, taskTimeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// queryPlain returns the items of an index's partition as canonical JSON.
func queryCount(t *testing.T, c *dynamodb.Client, table, index, attr string, v types.AttributeValue) int32 {
	t.Helper()
	out, err := c.Query(context.Background(), &dynamodb.QueryInput{
		TableName: aws.String(table), IndexName: aws.String(index),
		KeyConditionExpression:    aws.String("#a = :v"),
		ExpressionAttributeNames:  map[string]string{"#a": attr},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": v},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Count
}

func createBackup(t *testing.T, c *dynamodb.Client, table, name string) *types.BackupDetails {
	t.Helper()
	out, err := c.CreateBackup(context.Background(), &dynamodb.CreateBackupInput{TableName: aws.String(table), BackupName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return out.BackupDetails
}

// A backup is the table as it was: restored item by item equal to the
// source at the backup, with the source's indexes rebuilt, whatever the
// source does afterwards, its deletion included.
func TestBackupAndRestore(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	if _, err := c.CreateTable(ctx, backupTableInput("bk_src")); err != nil {
		t.Fatal(err)
	}
	for i := range 300 {
		put(t, c, "bk_src", exportItem(i))
	}
	want := scanPlain(t, c, "bk_src")

	before := time.Now().Add(-time.Second)
	bd := createBackup(t, c, "bk_src", "first-backup")
	arn := aws.ToString(bd.BackupArn)
	if bd.BackupStatus != types.BackupStatusCreating && bd.BackupStatus != types.BackupStatusAvailable ||
		bd.BackupType != types.BackupTypeUser || aws.ToString(bd.BackupName) != "first-backup" ||
		!strings.HasPrefix(arn, "arn:aws:dynamodb:us-east-1:000000000000:table/bk_src/backup/") ||
		aws.ToTime(bd.BackupCreationDateTime).Before(before) {
		t.Fatalf("CreateBackup: %+v", bd)
	}
	d := waitBackup(t, c, arn)
	// The source changes after the backup: none of it is in the backup.
	put(t, c, "bk_src", exportItem(1000))
	if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("bk_src"), Key: item{"pk": S("user#003"), "sk": N("3")}}); err != nil {
		t.Fatal(err)
	}
	if d.BackupDetails.BackupStatus != types.BackupStatusAvailable || aws.ToInt64(d.BackupDetails.BackupSizeBytes) <= 0 {
		t.Fatalf("backup details: %+v", d.BackupDetails)
	}
	st := d.SourceTableDetails
	if aws.ToString(st.TableName) != "bk_src" || aws.ToInt64(st.ItemCount) != 300 || st.BillingMode != types.BillingModePayPerRequest ||
		len(st.KeySchema) != 2 || aws.ToString(st.TableArn) != "arn:aws:dynamodb:us-east-1:000000000000:table/bk_src" || st.TableCreationDateTime == nil {
		t.Fatalf("SourceTableDetails: %+v", st)
	}
	f := d.SourceTableFeatureDetails
	if len(f.GlobalSecondaryIndexes) != 1 || aws.ToString(f.GlobalSecondaryIndexes[0].IndexName) != "by_name" ||
		len(f.LocalSecondaryIndexes) != 1 || aws.ToString(f.LocalSecondaryIndexes[0].IndexName) != "by_n" {
		t.Fatalf("SourceTableFeatureDetails: %+v", f)
	}

	r, err := c.RestoreTableFromBackup(ctx, &dynamodb.RestoreTableFromBackupInput{BackupArn: aws.String(arn), TargetTableName: aws.String("bk_dst")})
	if err != nil {
		t.Fatal(err)
	}
	rs := r.TableDescription.RestoreSummary
	if r.TableDescription.TableStatus != types.TableStatusCreating || rs == nil || aws.ToString(rs.SourceBackupArn) != arn ||
		aws.ToString(rs.SourceTableArn) != aws.ToString(st.TableArn) || !aws.ToBool(rs.RestoreInProgress) {
		t.Fatalf("RestoreTableFromBackup: %s %+v", r.TableDescription.TableStatus, rs)
	}
	td := waitRestored(t, c, "bk_dst")
	wantSame(t, "restored items", scanPlain(t, c, "bk_dst"), want)
	if aws.ToInt64(td.ItemCount) != 300 && aws.ToInt64(td.ItemCount) != 0 { // the count may be cached
		t.Errorf("restored ItemCount %d", aws.ToInt64(td.ItemCount))
	}
	if len(td.GlobalSecondaryIndexes) != 1 || len(td.LocalSecondaryIndexes) != 1 || td.BillingModeSummary == nil ||
		td.BillingModeSummary.BillingMode != types.BillingModePayPerRequest {
		t.Fatalf("restored description: %+v", td)
	}
	if n := queryCount(t, c, "bk_dst", "by_name", "name", S("name 3")); n != 1 {
		t.Errorf("GSI by_name of the restored table: %d items for name 3, want 1", n)
	}
	if n := queryCount(t, c, "bk_dst", "by_n", "pk", S("user#005")); n != 1 {
		t.Errorf("LSI by_n of the restored table: %d items, want 1", n)
	}
	// The restored table is a table: writes work.
	put(t, c, "bk_dst", exportItem(2000))

	_, err = c.RestoreTableFromBackup(ctx, &dynamodb.RestoreTableFromBackupInput{BackupArn: aws.String(arn), TargetTableName: aws.String("bk_dst")})
	wantAPIError(t, err, "TableAlreadyExistsException", "Table already exists: bk_dst")
	missing := arn[:len(arn)-8] + "00000000"
	_, err = c.RestoreTableFromBackup(ctx, &dynamodb.RestoreTableFromBackupInput{BackupArn: aws.String(missing), TargetTableName: aws.String("bk_x")})
	wantAPIError(t, err, "BackupNotFoundException", "Backup not found: "+missing)
	_, err = c.DescribeBackup(ctx, &dynamodb.DescribeBackupInput{BackupArn: aws.String(missing)})
	wantAPIError(t, err, "BackupNotFoundException", "Backup not found: "+missing)
	_, err = c.CreateBackup(ctx, &dynamodb.CreateBackupInput{TableName: aws.String("bk_absent"), BackupName: aws.String("bkp")})
	wantAPIError(t, err, "TableNotFoundException", "Table not found: bk_absent")

	// Overrides: provisioned billing, another GSI, encryption.
	_, err = c.RestoreTableFromBackup(ctx, &dynamodb.RestoreTableFromBackupInput{
		BackupArn: aws.String(arn), TargetTableName: aws.String("bk_over"),
		BillingModeOverride:           types.BillingModeProvisioned,
		ProvisionedThroughputOverride: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(7), WriteCapacityUnits: aws.Int64(8)},
		GlobalSecondaryIndexOverride: []types.GlobalSecondaryIndex{{
			IndexName:             aws.String("by_name_keys"),
			KeySchema:             []types.KeySchemaElement{{AttributeName: aws.String("name"), KeyType: types.KeyTypeHash}},
			Projection:            &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
			ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(3), WriteCapacityUnits: aws.Int64(4)},
		}},
		SSESpecificationOverride: &types.SSESpecification{Enabled: aws.Bool(true), SSEType: types.SSETypeKms},
	})
	if err != nil {
		t.Fatal(err)
	}
	td = waitRestored(t, c, "bk_over")
	if td.BillingModeSummary != nil && td.BillingModeSummary.BillingMode == types.BillingModePayPerRequest ||
		aws.ToInt64(td.ProvisionedThroughput.ReadCapacityUnits) != 7 || aws.ToInt64(td.ProvisionedThroughput.WriteCapacityUnits) != 8 ||
		len(td.GlobalSecondaryIndexes) != 1 || aws.ToString(td.GlobalSecondaryIndexes[0].IndexName) != "by_name_keys" ||
		td.SSEDescription == nil || td.SSEDescription.Status != types.SSEStatusEnabled {
		t.Fatalf("restore with overrides: %+v", td)
	}
	wantSame(t, "items restored with overrides", scanPlain(t, c, "bk_over"), want)
	if n := queryCount(t, c, "bk_over", "by_name_keys", "name", S("name 7")); n != 1 {
		t.Errorf("override GSI: %d items for name 7, want 1", n)
	}

	// The backup outlives its table.
	if _, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("bk_src")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RestoreTableFromBackup(ctx, &dynamodb.RestoreTableFromBackupInput{BackupArn: aws.String(arn), TargetTableName: aws.String("bk_src")}); err != nil {
		t.Fatal(err)
	}
	waitRestored(t, c, "bk_src")
	wantSame(t, "restored over the deleted source", scanPlain(t, c, "bk_src"), want)

	del, err := c.DeleteBackup(ctx, &dynamodb.DeleteBackupInput{BackupArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if del.BackupDescription.BackupDetails.BackupStatus != types.BackupStatusDeleted {
		t.Errorf("DeleteBackup: status %s", del.BackupDescription.BackupDetails.BackupStatus)
	}
	_, err = c.DescribeBackup(ctx, &dynamodb.DescribeBackupInput{BackupArn: aws.String(arn)})
	wantAPIError(t, err, "BackupNotFoundException", "Backup not found: "+arn)
	_, err = c.DeleteBackup(ctx, &dynamodb.DeleteBackupInput{BackupArn: aws.String(arn)})
	wantAPIError(t, err, "BackupNotFoundException", "Backup not found: "+arn)
	_, err = c.RestoreTableFromBackup(ctx, &dynamodb.RestoreTableFromBackupInput{BackupArn: aws.String(arn), TargetTableName: aws.String("bk_y")})
	wantAPIError(t, err, "BackupNotFoundException", "Backup not found: "+arn)
}

// ListBackups filters by table, creation time and type, and pages with
// Limit and ExclusiveStartBackupArn.
func TestListBackups(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "lb_a", hashS)
	makeTable(t, c, "lb_b", hashS)
	put(t, c, "lb_a", item{"pk": S("x")})
	var arns []string
	var times []time.Time
	for i, table := range []string{"lb_a", "lb_b", "lb_a", "lb_a"} {
		bd := createBackup(t, c, table, fmt.Sprintf("bkp%d", i))
		arns = append(arns, aws.ToString(bd.BackupArn))
		times = append(times, aws.ToTime(bd.BackupCreationDateTime))
		waitBackup(t, c, arns[i])
		time.Sleep(5 * time.Millisecond) // distinct creation milliseconds
	}
	list := func(in *dynamodb.ListBackupsInput) ([]string, *string) {
		t.Helper()
		out, err := c.ListBackups(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range out.BackupSummaries {
			got = append(got, aws.ToString(s.BackupArn))
			if s.BackupStatus != types.BackupStatusAvailable || s.BackupType != types.BackupTypeUser || s.TableName == nil || s.TableArn == nil || s.TableId == nil {
				t.Errorf("summary %+v", s)
			}
		}
		return got, out.LastEvaluatedBackupArn
	}
	if got, last := list(&dynamodb.ListBackupsInput{}); strings.Join(got, ",") != strings.Join(arns, ",") || last != nil {
		t.Errorf("all: %v (last %v)", got, last)
	}
	if got, _ := list(&dynamodb.ListBackupsInput{TableName: aws.String("lb_a")}); strings.Join(got, ",") != strings.Join([]string{arns[0], arns[2], arns[3]}, ",") {
		t.Errorf("lb_a: %v", got)
	}
	if got, _ := list(&dynamodb.ListBackupsInput{TableName: aws.String("arn:aws:dynamodb:us-east-1:000000000000:table/lb_b")}); strings.Join(got, ",") != arns[1] {
		t.Errorf("lb_b by ARN: %v", got)
	}
	if got, _ := list(&dynamodb.ListBackupsInput{BackupType: types.BackupTypeFilterSystem}); len(got) != 0 {
		t.Errorf("SYSTEM: %v", got)
	}
	if got, _ := list(&dynamodb.ListBackupsInput{BackupType: types.BackupTypeFilterAll}); len(got) != 4 {
		t.Errorf("ALL: %v", got)
	}
	// Lower bound inclusive, upper bound exclusive.
	if got, _ := list(&dynamodb.ListBackupsInput{TimeRangeLowerBound: aws.Time(times[1]), TimeRangeUpperBound: aws.Time(times[3])}); strings.Join(got, ",") != strings.Join(arns[1:3], ",") {
		t.Errorf("time range: %v", got)
	}
	var paged []string
	var start *string
	for range 10 {
		got, last := list(&dynamodb.ListBackupsInput{Limit: aws.Int32(1), ExclusiveStartBackupArn: start})
		paged = append(paged, got...)
		if last == nil {
			break
		}
		if len(got) != 1 || aws.ToString(last) != got[0] {
			t.Fatalf("page %v, LastEvaluatedBackupArn %v", got, aws.ToString(last))
		}
		start = last
	}
	if strings.Join(paged, ",") != strings.Join(arns, ",") {
		t.Errorf("paged: %v", paged)
	}
}

// A backup and a restored table survive a restart of the server.
func TestBackupSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	var arn string
	var want []string
	{
		s := dynagotest.New(t, dynagotest.WithDataDir(dir))
		c := s.Client()
		if _, err := c.CreateTable(ctx, backupTableInput("rs_src")); err != nil {
			t.Fatal(err)
		}
		for i := range 50 {
			put(t, c, "rs_src", exportItem(i))
		}
		want = scanPlain(t, c, "rs_src")
		arn = aws.ToString(createBackup(t, c, "rs_src", "keep").BackupArn)
		waitBackup(t, c, arn)
		if err := s.Stop(); err != nil {
			t.Fatal(err)
		}
	}
	c := dynagotest.New(t, dynagotest.WithDataDir(dir)).Client()
	if d := waitBackup(t, c, arn); d.BackupDetails.BackupStatus != types.BackupStatusAvailable || aws.ToInt64(d.SourceTableDetails.ItemCount) != 50 {
		t.Fatalf("after restart: %+v", d.BackupDetails)
	}
	if _, err := c.RestoreTableFromBackup(ctx, &dynamodb.RestoreTableFromBackupInput{BackupArn: aws.String(arn), TargetTableName: aws.String("rs_dst")}); err != nil {
		t.Fatal(err)
	}
	waitRestored(t, c, "rs_dst")
	wantSame(t, "restored after a restart", scanPlain(t, c, "rs_dst"), want)
}

// The copying jobs report their progress on /metrics: dynago_task_items_total
// and dynago_task_bytes_total by kind and table. (The table has no index:
// its restore copies the stored items as they are.)
func TestBackupMetrics(t *testing.T) {
	s := dynagotest.New(t)
	c := s.Client()
	ctx := context.Background()
	makeTable(t, c, "bm_src", hashS)
	for i := range 40 {
		put(t, c, "bm_src", item{"pk": S(fmt.Sprint("k", i)), "v": S("value")})
	}
	arn := createBackup(t, c, "bm_src", "metered").BackupArn
	waitBackup(t, c, aws.ToString(arn))
	if _, err := c.RestoreTableFromBackup(ctx, &dynamodb.RestoreTableFromBackupInput{BackupArn: arn, TargetTableName: aws.String("bm_dst")}); err != nil {
		t.Fatal(err)
	}
	waitRestored(t, c, "bm_dst")
	wantSame(t, "restored without indexes", scanPlain(t, c, "bm_dst"), scanPlain(t, c, "bm_src"))
	fams := scrape(t, s.URL())
	if n := sample(fams, "dynago_task_items_total", map[string]string{"kind": "backup", "table": "bm_src"}); n != 40 {
		t.Errorf("backup items %v, want 40", n)
	}
	if n := sample(fams, "dynago_task_items_total", map[string]string{"kind": "restore", "table": "bm_dst"}); n != 40 {
		t.Errorf("restore items %v, want 40", n)
	}
	if n := sample(fams, "dynago_task_bytes_total", map[string]string{"kind": "restore", "table": "bm_dst"}); n <= 40 {
		t.Errorf("restore bytes %v", n)
	}
}
