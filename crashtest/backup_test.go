package crashtest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

const backupTable = "crashbk"

// waitRestoredTable polls a restored table until it is ACTIVE: while it is
// CREATING its items must be unreachable.
func waitRestoredTable(t *testing.T, client *dynamodb.Client, table, logPath string) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(120 * time.Second)
	for {
		d, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
		if err != nil {
			t.Fatalf("DescribeTable %s: %v", table, err)
		}
		if d.Table.TableStatus == types.TableStatusActive {
			return
		}
		if d.Table.TableStatus != types.TableStatusCreating {
			t.Fatalf("restored %s is %s", table, d.Table.TableStatus)
		}
		_, err = client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(table), Limit: aws.Int32(1)})
		if err == nil {
			// The restore may have ended since DescribeTable: then the
			// table is ACTIVE now.
			d, derr := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
			if derr != nil || d.Table.TableStatus != types.TableStatusActive {
				t.Fatalf("Scan of the CREATING table %s succeeded (status now %v, %v)", table, d, derr)
			}
			return
		}
		if !strings.Contains(err.Error(), "ResourceNotFoundException") {
			t.Fatalf("Scan of the CREATING table %s: %v, want ResourceNotFoundException", table, err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still CREATING; log:\n%s", table, readLog(logPath))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCrashDuringBackupAndRestore SIGKILLs dynago while a backup copies a
// table, while RestoreTableFromBackup fills the restored table and while
// RestoreTableToPointInTime does: after each restart the backup is
// AVAILABLE with every item, and each restored table is CREATING (nothing
// readable) until it is ACTIVE with exactly the source's items and a
// consistent index (`dynago check`).
func TestCrashDuringBackupAndRestore(t *testing.T) {
	const items = 30000
	bin, dataDir, logPath := crashDirs(t)
	c := start(t, bin, dataDir, logPath)
	client := newClient(c.url)
	ctx := context.Background()
	s := aws.String
	_, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: s(backupTable),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: s("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: s("sk"), AttributeType: types.ScalarAttributeTypeN}, {AttributeName: s("gk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:   []types.KeySchemaElement{{AttributeName: s("pk"), KeyType: types.KeyTypeHash}, {AttributeName: s("sk"), KeyType: types.KeyTypeRange}},
		BillingMode: types.BillingModePayPerRequest,
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{IndexName: s("byGroup"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: s("gk"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}},
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	putItems(t, client, backupTable, 0, items, "a")
	want := tableState(t, client, backupTable)
	if len(want) != items {
		t.Fatalf("source holds %d items", len(want))
	}

	// 1. A kill while the backup copies, with writes after its snapshot:
	// once the copy has started (the first batch counted on /metrics), a
	// writer updates, deletes and inserts items until the kill. The
	// resumed backup is the table as it was before those writes, not as
	// the restart finds it.
	b, err := client.CreateBackup(ctx, &dynamodb.CreateBackupInput{TableName: s(backupTable), BackupName: s("crash-backup")})
	if err != nil {
		t.Fatal(err)
	}
	for backupCopied(t, c.url) == 0 {
		time.Sleep(2 * time.Millisecond)
	}
	stop, firstAck := make(chan struct{}), make(chan struct{})
	wrote := make(chan int)
	go func() { wrote <- writeDuringBackup(client, items, stop, firstAck) }()
	select {
	case <-firstAck:
	case <-time.After(30 * time.Second):
	}
	time.Sleep(time.Duration(rand.Int64N(int64(50 * time.Millisecond))))
	c.kill()
	close(stop)
	changed := <-wrote
	midBackup := !strings.Contains(readLog(logPath), "backup available")
	if changed == 0 {
		t.Fatal("no write was acknowledged after the backup's copy began")
	}
	if out, code := runCheck(t, bin, dataDir); code != 0 {
		t.Fatalf("dynago check after the backup kill exited %d:\n%s", code, out)
	}
	c = start(t, bin, dataDir, logPath)
	client = newClient(c.url)
	if now := tableState(t, client, backupTable); sameState(now, want) {
		t.Fatal("the writes after the backup's snapshot changed nothing")
	}
	deadline := time.Now().Add(120 * time.Second)
	for {
		d, err := client.DescribeBackup(ctx, &dynamodb.DescribeBackupInput{BackupArn: b.BackupDetails.BackupArn})
		if err != nil {
			t.Fatal(err)
		}
		if d.BackupDescription.BackupDetails.BackupStatus == types.BackupStatusAvailable {
			if n := aws.ToInt64(d.BackupDescription.SourceTableDetails.ItemCount); n != items {
				t.Fatalf("backup holds %d items, want %d", n, items)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("backup not AVAILABLE after the restart; log:\n%s", readLog(logPath))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := client.UpdateContinuousBackups(ctx, &dynamodb.UpdateContinuousBackupsInput{TableName: s(backupTable),
		PointInTimeRecoverySpecification: &types.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}

	// 2. A kill while the restore from the backup fills its table.
	logged := len(readLog(logPath))
	if _, err := client.RestoreTableFromBackup(ctx, &dynamodb.RestoreTableFromBackupInput{BackupArn: b.BackupDetails.BackupArn,
		TargetTableName: s(backupTable + "_restored")}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100*time.Millisecond + time.Duration(rand.Int64N(int64(300*time.Millisecond))))
	c.kill()
	midRestore := !strings.Contains(readLog(logPath)[logged:], "restore completed")
	if out, code := runCheck(t, bin, dataDir); code != 0 {
		t.Fatalf("dynago check after the restore kill exited %d:\n%s", code, out)
	}
	c = start(t, bin, dataDir, logPath)
	client = newClient(c.url)
	waitRestoredTable(t, client, backupTable+"_restored", logPath)
	if got := tableState(t, client, backupTable+"_restored"); !sameState(got, want) {
		diff := 0
		for k, v := range want {
			if got[k] != v {
				diff++
			}
		}
		t.Fatalf("restored from the backup: %d items, want %d; %d differ from the table at the backup's time (%d written after it)",
			len(got), len(want), diff, changed)
	}

	// 3. A kill while a point-in-time restore replays and fills.
	putItems(t, client, backupTable, 0, items, "b") // every item changed since the base
	want = tableState(t, client, backupTable)
	time.Sleep(3 * time.Second) // the latest restorable time passes the writes
	logged = len(readLog(logPath))
	if _, err := client.RestoreTableToPointInTime(ctx, &dynamodb.RestoreTableToPointInTimeInput{SourceTableName: s(backupTable),
		TargetTableName: s(backupTable + "_pitr"), UseLatestRestorableTime: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100*time.Millisecond + time.Duration(rand.Int64N(int64(400*time.Millisecond))))
	c.kill()
	midPITR := !strings.Contains(readLog(logPath)[logged:], "restore completed")
	if out, code := runCheck(t, bin, dataDir); code != 0 {
		t.Fatalf("dynago check after the point-in-time restore kill exited %d:\n%s", code, out)
	}
	c = start(t, bin, dataDir, logPath)
	client = newClient(c.url)
	waitRestoredTable(t, client, backupTable+"_pitr", logPath)
	if got := tableState(t, client, backupTable+"_pitr"); !sameState(got, want) {
		t.Fatalf("restored to the point in time: %d items, want %d", len(got), len(want))
	}
	c.kill()
	out, code := runCheck(t, bin, dataDir)
	t.Logf("killed mid-backup: %v (%d writes after its snapshot), mid-restore: %v, mid-point-in-time-restore: %v; dynago check: %s",
		midBackup, changed, midRestore, midPITR, bytes.TrimSpace(out))
	if code != 0 {
		t.Fatalf("dynago check exited %d:\n%s", code, out)
	}
}

// backupCopied returns how many items backup jobs have copied, from the
// server's /metrics.
func backupCopied(t *testing.T, url string) int64 {
	t.Helper()
	return taskItems(t, url, "backup")
}

// metricsText returns the server's /metrics page.
func metricsText(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

// writeDuringBackup changes the backup table until stop is closed or a
// write fails (the server was killed): each batch updates, deletes and
// inserts items. It closes firstAck after the first batch is acknowledged
// and returns how many were.
func writeDuringBackup(client *dynamodb.Client, items int, stop, firstAck chan struct{}) int {
	ctx := context.Background()
	acked := 0
	for n := 0; ; n++ {
		select {
		case <-stop:
			return acked
		default:
		}
		var reqs []types.WriteRequest
		for j := 0; j < 8; j++ {
			i := (n*8 + j) * 14 % items // even: never one of the deletes
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: fmt.Sprintf("p%d", i%97)},
				"sk": &types.AttributeValueMemberN{Value: strconv.Itoa(i)},
				"gk": &types.AttributeValueMemberS{Value: fmt.Sprintf("g%d", i%13)},
				"v":  &types.AttributeValueMemberS{Value: "after-backup"},
			}}})
		}
		for j := 0; j < 8; j++ {
			i := (n*8+j)*22%items + 1 // odd
			reqs = append(reqs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: fmt.Sprintf("p%d", i%97)},
				"sk": &types.AttributeValueMemberN{Value: strconv.Itoa(i)},
			}}})
		}
		for j := 0; j < 8; j++ {
			i := items + n*8 + j
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: fmt.Sprintf("p%d", i%97)},
				"sk": &types.AttributeValueMemberN{Value: strconv.Itoa(i)},
				"gk": &types.AttributeValueMemberS{Value: "gnew"},
				"v":  &types.AttributeValueMemberS{Value: "inserted"},
			}}})
		}
		out, err := client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{backupTable: reqs}})
		if err != nil || len(out.UnprocessedItems) > 0 {
			return acked
		}
		if acked++; acked == 1 {
			close(firstAck)
		}
	}
}
