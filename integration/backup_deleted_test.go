package integration

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// DeleteTable of a table with point-in-time recovery on leaves a system
// backup, as DynamoDB does: ListBackups with BackupType SYSTEM (or ALL,
// not the default USER) lists "<table>$DeletedTableBackup", which expires
// 35 days after the deletion, and RestoreTableFromBackup gives back the
// table as it was deleted, item by item, its indexes rebuilt. A table
// without PITR leaves none, and the deleted table is no point-in-time
// restore's source any more.
func TestRestoreDeletedTable(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	for _, name := range []string{"del_pitr", "del_plain"} {
		if _, err := c.CreateTable(ctx, backupTableInput(name)); err != nil {
			t.Fatal(err)
		}
		for i := range 120 {
			put(t, c, name, exportItem(i))
		}
	}
	enablePITR(t, c, "del_pitr")
	changed := exportItem(3)
	changed["name"] = S("changed before the deletion")
	put(t, c, "del_pitr", changed)
	want := scanPlain(t, c, "del_pitr")
	deleted := time.Now()
	for _, name := range []string{"del_pitr", "del_plain"} {
		if _, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
	}

	var sys types.BackupSummary
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, err := c.ListBackups(ctx, &dynamodb.ListBackupsInput{BackupType: types.BackupTypeFilterSystem})
		if err != nil {
			t.Fatal(err)
		}
		var mine []types.BackupSummary
		for _, b := range out.BackupSummaries {
			if strings.HasPrefix(aws.ToString(b.TableName), "del_") {
				mine = append(mine, b)
			}
		}
		if len(mine) != 1 {
			t.Fatalf("ListBackups SYSTEM: %d backups of the deleted tables, want 1 (of del_pitr)", len(mine))
		}
		sys = mine[0]
		if sys.BackupStatus == types.BackupStatusAvailable {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("system backup still %s", sys.BackupStatus)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if aws.ToString(sys.BackupName) != "del_pitr$DeletedTableBackup" || sys.BackupType != types.BackupTypeSystem ||
		aws.ToString(sys.TableName) != "del_pitr" || !strings.HasPrefix(aws.ToString(sys.BackupArn), "arn:aws:dynamodb:us-east-1:000000000000:table/del_pitr/backup/") {
		t.Fatalf("system backup: %s %s of %s, %s", aws.ToString(sys.BackupName), sys.BackupType, aws.ToString(sys.TableName), aws.ToString(sys.BackupArn))
	}
	if exp := aws.ToTime(sys.BackupExpiryDateTime); exp.Sub(deleted) < 35*24*time.Hour-time.Minute || exp.Sub(deleted) > 35*24*time.Hour+time.Minute {
		t.Fatalf("BackupExpiryDateTime %v, want 35 days after the deletion (%v)", exp, deleted)
	}
	users, err := c.ListBackups(ctx, &dynamodb.ListBackupsInput{TableName: aws.String("del_pitr")})
	if err != nil || len(users.BackupSummaries) != 0 {
		t.Fatalf("ListBackups (USER) of del_pitr: %v %v", users, err)
	}
	all, err := c.ListBackups(ctx, &dynamodb.ListBackupsInput{TableName: aws.String("del_pitr"), BackupType: types.BackupTypeFilterAll})
	if err != nil || len(all.BackupSummaries) != 1 {
		t.Fatalf("ListBackups ALL of del_pitr: %v %v", all, err)
	}
	d := waitBackup(t, c, aws.ToString(sys.BackupArn))
	if d.BackupDetails.BackupType != types.BackupTypeSystem || aws.ToInt64(d.SourceTableDetails.ItemCount) != int64(len(want)) ||
		d.BackupDetails.BackupExpiryDateTime == nil {
		t.Fatalf("DescribeBackup: %+v %+v", d.BackupDetails, d.SourceTableDetails)
	}

	_, err = c.RestoreTableToPointInTime(ctx, &dynamodb.RestoreTableToPointInTimeInput{
		SourceTableArn: aws.String("arn:aws:dynamodb:us-east-1:000000000000:table/del_pitr"), TargetTableName: aws.String("del_pitr_at"),
		UseLatestRestorableTime: aws.Bool(true)})
	wantAPIError(t, err, "TableNotFoundException", "Table not found: arn:aws:dynamodb:us-east-1:000000000000:table/del_pitr")

	// Restored under its own name, as it was deleted.
	r, err := c.RestoreTableFromBackup(ctx, &dynamodb.RestoreTableFromBackupInput{BackupArn: sys.BackupArn,
		TargetTableName: aws.String("del_pitr")})
	if err != nil {
		t.Fatal(err)
	}
	if rs := r.TableDescription.RestoreSummary; rs == nil || aws.ToString(rs.SourceBackupArn) != aws.ToString(sys.BackupArn) {
		t.Errorf("RestoreSummary: %+v", rs)
	}
	td := waitRestored(t, c, "del_pitr")
	wantSame(t, "restored from the system backup", scanPlain(t, c, "del_pitr"), want)
	if len(td.GlobalSecondaryIndexes) != 1 || len(td.LocalSecondaryIndexes) != 1 {
		t.Fatalf("restored indexes: %+v", td)
	}
	if n := queryCount(t, c, "del_pitr", "by_name", "name", S("changed before the deletion")); n != 1 {
		t.Errorf("GSI of the restored table: %d items, want 1", n)
	}

	// A system backup cannot be deleted: it expires (DDB-TABLE-167, -442).
	_, err = c.DeleteBackup(ctx, &dynamodb.DeleteBackupInput{BackupArn: sys.BackupArn})
	wantAPIError(t, err, "ValidationException", "Invalid Request: User is not allowed to delete the system backup with arn "+
		aws.ToString(sys.BackupArn)+". It will automatically expire on "+aws.ToTime(sys.BackupExpiryDateTime).UTC().Format("2006-01-02T15:04:05.000Z"))
	if _, err := c.DescribeBackup(ctx, &dynamodb.DescribeBackupInput{BackupArn: sys.BackupArn}); err != nil {
		t.Fatalf("DescribeBackup after the refused DeleteBackup: %v", err)
	}
}
