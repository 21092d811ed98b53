package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// logWait bounds how long TestJobLogs waits for a line: the jobs run
// every few milliseconds here, so only a missing line takes this long.
const logWait = 30 * time.Second

// TestJobLogs runs `dynago serve --log-format json` and checks that the
// server's long background work is visible at the default level, in
// DynamoDB's terms: an online GSI build (CreateTable's or UpdateTable's
// backfill) logs its start and end with the index, the table and the item
// count, TTL deletions log the table and how many items expired, and
// backups, restores and exports log their start and end.
func TestJobLogs(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var errOut syncWriter
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--port", "0", "--in-memory", "--log-format", "json", "--ttl-interval", "20ms", "--access-log=false"},
			envFrom(nil), io.Discard, &errOut)
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("exit %d", code)
		}
	}()
	serving := waitLog(t, &errOut, done, func(l logLine) bool { return l["msg"] == "dynago serving the DynamoDB API" })
	ddb := dynamodb.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("k", "s", ""),
		BaseEndpoint: aws.String(fmt.Sprint(serving["url"])),
	})

	_, err := ddb.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("Sessions"),
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatal(err)
	}
	const items = 30
	for i := range items {
		if _, err := ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("Sessions"), Item: map[string]types.AttributeValue{
			"id": &types.AttributeValueMemberS{Value: fmt.Sprint("s", i)}, "user": &types.AttributeValueMemberS{Value: fmt.Sprint("u", i%3)},
			"expiresAt": &types.AttributeValueMemberN{Value: fmt.Sprint(map[bool]int64{true: time.Now().Add(-time.Hour).Unix(), false: time.Now().Add(time.Hour).Unix()}[i < 7])},
		}}); err != nil {
			t.Fatal(err)
		}
	}

	// An index added to a table holding items is backfilled online.
	_, err = ddb.UpdateTable(ctx, &dynamodb.UpdateTableInput{
		TableName:            aws.String("Sessions"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("user"), AttributeType: types.ScalarAttributeTypeS}},
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
			IndexName:  aws.String("ByUser"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("user"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	isBackfill := func(msg string) func(logLine) bool {
		return func(l logLine) bool { return l["msg"] == msg && l["table"] == "Sessions" && l["index"] == "ByUser" }
	}
	waitLog(t, &errOut, done, isBackfill("index backfill started"))
	end := waitLog(t, &errOut, done, isBackfill("index backfill done"))
	if end["level"] != "INFO" || end["items"] != float64(items) {
		t.Errorf("backfill end line %v, want level INFO and items %d", end, items)
	}

	// Seven items expired an hour ago (DynamoDB leaves alone those more
	// than five years past): once TTL is on they go, and the log says how
	// many.
	if _, err := ddb.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String("Sessions"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("expiresAt"), Enabled: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	waitLogs(t, &errOut, done, func(ls []logLine) bool {
		deleted := 0.0
		for _, l := range ls {
			if l["msg"] == "TTL deleted expired items" && l["table"] == "Sessions" {
				n, _ := l["items"].(float64)
				deleted += n
			}
		}
		return deleted >= 7
	})
	var ttlLines []logLine
	deleted := 0.0
	for _, l := range logLines(errOut.String()) {
		if l["msg"] != "TTL deleted expired items" || l["table"] != "Sessions" {
			continue
		}
		ttlLines = append(ttlLines, l)
		if l["level"] != "INFO" {
			t.Errorf("TTL line at %v, want INFO: %v", l["level"], l)
		}
		n, _ := l["items"].(float64)
		deleted += n
	}
	if deleted != 7 {
		t.Errorf("TTL lines %v count %v deletions, want 7", ttlLines, deleted)
	}

	// A backup, a restore from it and an export each log when their copy
	// starts ("running") and when it ends, with the table and the count.
	// (Long ones also log "in progress" lines every few seconds.)
	bk, err := ddb.CreateBackup(ctx, &dynamodb.CreateBackupInput{TableName: aws.String("Sessions"), BackupName: aws.String("nightly")})
	if err != nil {
		t.Fatal(err)
	}
	is := func(msg, table string) func(logLine) bool {
		return func(l logLine) bool { return l["msg"] == msg && l["table"] == table }
	}
	waitLog(t, &errOut, done, is("backup running", "Sessions"))
	waitLog(t, &errOut, done, is("backup available", "Sessions"))
	if _, err := ddb.RestoreTableFromBackup(ctx, &dynamodb.RestoreTableFromBackupInput{
		BackupArn: bk.BackupDetails.BackupArn, TargetTableName: aws.String("Restored")}); err != nil {
		t.Fatal(err)
	}
	waitLog(t, &errOut, done, is("restore running", "Restored"))
	if l := waitLog(t, &errOut, done, is("restore completed", "Restored")); l["level"] != "INFO" || l["items"] != float64(items-7) {
		t.Errorf("restore end line %v, want level INFO and items %d", l, items-7)
	}
	if _, err := ddb.UpdateContinuousBackups(ctx, &dynamodb.UpdateContinuousBackupsInput{TableName: aws.String("Sessions"),
		PointInTimeRecoverySpecification: &types.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ddb.ExportTableToPointInTime(ctx, &dynamodb.ExportTableToPointInTimeInput{
		TableArn: aws.String("arn:aws:dynamodb:us-east-1:000000000000:table/Sessions"), S3Bucket: aws.String("exports")}); err != nil {
		t.Fatal(err)
	}
	waitLog(t, &errOut, done, is("export running", "Sessions"))
	if l := waitLog(t, &errOut, done, is("export completed", "Sessions")); l["items"] != float64(items-7) {
		t.Errorf("export end line %v, want items %d", l, items-7)
	}
}

// logLine is one JSON log line.
type logLine map[string]any

// logLines parses the JSON lines of a log, skipping anything else.
func logLines(log string) []logLine {
	var ls []logLine
	sc := bufio.NewScanner(strings.NewReader(log))
	for sc.Scan() {
		var l logLine
		if json.Unmarshal(sc.Bytes(), &l) == nil {
			ls = append(ls, l)
		}
	}
	return ls
}

// waitLogs waits until cond holds of the server's log lines so far; it
// fails the test if the server exits or logWait passes.
func waitLogs(t *testing.T, w *syncWriter, done <-chan int, cond func([]logLine) bool) {
	t.Helper()
	for deadline := time.Now().Add(logWait); time.Now().Before(deadline); {
		if cond(logLines(w.String())) {
			return
		}
		select {
		case code := <-done:
			t.Fatalf("dynago exited with %d:\n%s", code, w.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	t.Fatalf("the log did not get the line looked for within %s:\n%s", logWait, w.String())
}

// waitLog waits for a log line that match accepts and returns it.
func waitLog(t *testing.T, w *syncWriter, done <-chan int, match func(logLine) bool) logLine {
	t.Helper()
	var found logLine
	waitLogs(t, w, done, func(ls []logLine) bool {
		for _, l := range ls {
			if match(l) {
				found = l
				return true
			}
		}
		return false
	})
	return found
}
