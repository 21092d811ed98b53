package crashtest

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

const indexTable = "crashidx"

// indexKeySpace is how many distinct items the index writers touch, small
// enough that most writes replace or delete an item and so move its index
// entries.
const indexKeySpace = 400

// TestCrashKeepsIndexesConsistent SIGKILLs dynago while writers put,
// update and delete items of a table with two GSIs and an LSI, then runs
// `dynago check` on the data directory: every index must equal the
// projection of its table after every crash.
func TestCrashKeepsIndexesConsistent(t *testing.T) {
	bin, dataDir, logPath := crashDirs(t)

	c := start(t, bin, dataDir, logPath)
	client := newClient(c.url)
	s := func(n string) *string { return aws.String(n) }
	_, err := client.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName: s(indexTable),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: s("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: s("sk"), AttributeType: types.ScalarAttributeTypeN},
			{AttributeName: s("gk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: s("gs"), AttributeType: types.ScalarAttributeTypeN},
			{AttributeName: s("hk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: s("ls"), AttributeType: types.ScalarAttributeTypeN},
		},
		KeySchema: []types.KeySchemaElement{{AttributeName: s("pk"), KeyType: types.KeyTypeHash}, {AttributeName: s("sk"), KeyType: types.KeyTypeRange}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
			{IndexName: s("byGroup"), KeySchema: []types.KeySchemaElement{{AttributeName: s("gk"), KeyType: types.KeyTypeHash}, {AttributeName: s("gs"), KeyType: types.KeyTypeRange}},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}},
			{IndexName: s("byTag"), KeySchema: []types.KeySchemaElement{{AttributeName: s("hk"), KeyType: types.KeyTypeHash}},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}},
		},
		LocalSecondaryIndexes: []types.LocalSecondaryIndex{
			{IndexName: s("byLocal"), KeySchema: []types.KeySchemaElement{{AttributeName: s("pk"), KeyType: types.KeyTypeHash}, {AttributeName: s("ls"), KeyType: types.KeyTypeRange}},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeInclude, NonKeyAttributes: []string{"v"}}},
		},
		BillingMode: types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	var totalOK, totalFailed int64
	for round := 1; round <= *rounds; round++ {
		runFor := *minRun + time.Duration(rand.Int64N(int64(*maxRun-*minRun)+1))
		ok, failed := indexWritesUntilKilled(c, *writers, runFor)
		if ok == 0 {
			t.Fatalf("round %d: no write succeeded in %s; log:\n%s", round, ackWait, readLog(logPath))
		}
		totalOK += ok
		totalFailed += failed
		out, code := runCheck(t, bin, dataDir)
		t.Logf("index crash round %d: ran %s, writes acknowledged %d, failed at kill %d; dynago check: %s",
			round, runFor.Round(time.Millisecond), ok, failed, bytes.TrimSpace(out))
		if code != 0 {
			t.Fatalf("round %d: dynago check exited %d:\n%s", round, code, out)
		}
		c = start(t, bin, dataDir, logPath)
	}
	c.kill()
	t.Logf("index crash summary: %d rounds, %d writers, writes acknowledged %d, failed at kills %d, divergences 0",
		*rounds, *writers, totalOK, totalFailed)
}

// indexWritesUntilKilled runs writers that put, update and delete items
// with random index keys (sometimes absent, so the indexes stay sparse)
// and kills the child runFor after the first acknowledgement.
func indexWritesUntilKilled(c *child, nWriters int, runFor time.Duration) (ok, failed int64) {
	client := newClient(c.url)
	var okN, failedN, inFlight atomic.Int64
	first := newFirstAck()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < nWriters; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			for {
				select {
				case <-stop:
					return
				default:
				}
				k := rand.IntN(indexKeySpace)
				key := map[string]types.AttributeValue{
					"pk": &types.AttributeValueMemberS{Value: fmt.Sprintf("p%d", k%40)},
					"sk": &types.AttributeValueMemberN{Value: strconv.Itoa(k)},
				}
				var err error
				inFlight.Add(1)
				switch op := rand.IntN(10); {
				case op < 5:
					item := map[string]types.AttributeValue{"pk": key["pk"], "sk": key["sk"],
						"v": &types.AttributeValueMemberS{Value: strconv.Itoa(rand.IntN(1000))}}
					if rand.IntN(4) > 0 {
						item["gk"] = &types.AttributeValueMemberS{Value: fmt.Sprintf("g%d", rand.IntN(8))}
						item["gs"] = &types.AttributeValueMemberN{Value: strconv.Itoa(rand.IntN(100))}
					}
					if rand.IntN(2) == 0 {
						item["hk"] = &types.AttributeValueMemberS{Value: fmt.Sprintf("h%d", rand.IntN(5))}
					}
					if rand.IntN(3) > 0 {
						item["ls"] = &types.AttributeValueMemberN{Value: strconv.Itoa(rand.IntN(50))}
					}
					_, err = client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(indexTable), Item: item})
				case op < 8:
					_, err = client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(indexTable), Key: key,
						UpdateExpression: aws.String("SET gk = :g, ls = :l, v = :v REMOVE hk"),
						ExpressionAttributeValues: map[string]types.AttributeValue{
							":g": &types.AttributeValueMemberS{Value: fmt.Sprintf("g%d", rand.IntN(8))},
							":l": &types.AttributeValueMemberN{Value: strconv.Itoa(rand.IntN(50))},
							":v": &types.AttributeValueMemberS{Value: "u"},
						}})
				default:
					_, err = client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(indexTable), Key: key})
				}
				inFlight.Add(-1)
				if err != nil {
					failedN.Add(1)
					time.Sleep(5 * time.Millisecond) // the server is gone; do not spin
					continue
				}
				okN.Add(1)
				first.acked()
			}
		}()
	}
	first.runThenKill(c, runFor, &inFlight)
	close(stop)
	wg.Wait()
	return okN.Load(), failedN.Load()
}

// runCheck runs `dynago check` on a data directory no server is using.
func runCheck(t *testing.T, bin, dataDir string) ([]byte, int) {
	t.Helper()
	cmd := exec.Command(bin, "check", "--data-dir", dataDir)
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return out, ee.ExitCode()
	}
	if err != nil {
		t.Fatalf("dynago check: %v", err)
	}
	return out, 0
}

// TestCrashResumesIndexBackfill adds a GSI to a loaded table with
// UpdateTable and SIGKILLs dynago while the backfill runs and writers
// change items; after a restart the backfill resumes from its stored
// position, the index becomes ACTIVE, and `dynago check` finds it equal to
// the table.
func TestCrashResumesIndexBackfill(t *testing.T) {
	const items = 6000
	bin, dataDir, logPath := crashDirs(t)
	c := start(t, bin, dataDir, logPath)
	client := newClient(c.url)
	ctx := context.Background()
	s := func(n string) *string { return aws.String(n) }
	_, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            s(indexTable),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: s("pk"), AttributeType: types.ScalarAttributeTypeS}, {AttributeName: s("sk"), AttributeType: types.ScalarAttributeTypeN}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: s("pk"), KeyType: types.KeyTypeHash}, {AttributeName: s("sk"), KeyType: types.KeyTypeRange}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	for i := 0; i < items; i += 25 {
		var reqs []types.WriteRequest
		for j := i; j < i+25; j++ {
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: fmt.Sprintf("p%d", j%40)},
				"sk": &types.AttributeValueMemberN{Value: strconv.Itoa(j)},
				"gk": &types.AttributeValueMemberS{Value: fmt.Sprintf("g%d", j%8)},
				"gs": &types.AttributeValueMemberN{Value: strconv.Itoa(j % 100)},
			}}})
		}
		if _, err := client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{indexTable: reqs}}); err != nil {
			t.Fatalf("BatchWriteItem: %v", err)
		}
	}
	_, err = client.UpdateTable(ctx, &dynamodb.UpdateTableInput{
		TableName: s(indexTable),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: s("gk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: s("gs"), AttributeType: types.ScalarAttributeTypeN}},
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
			IndexName:  s("byGroup"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: s("gk"), KeyType: types.KeyTypeHash}, {AttributeName: s("gs"), KeyType: types.KeyTypeRange}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}}},
	})
	if err != nil {
		t.Fatalf("UpdateTable: %v", err)
	}
	// The backfill waits 200 ms before its first batch; kill within it or
	// shortly after, with writers running.
	runFor := 250*time.Millisecond + time.Duration(rand.Int64N(int64(250*time.Millisecond)))
	ok, failed := indexWritesUntilKilled(c, *writers, runFor)
	out, code := runCheck(t, bin, dataDir)
	t.Logf("backfill crash: killed after %s with writes acknowledged %d, failed %d; dynago check while CREATING: %s",
		runFor.Round(time.Millisecond), ok, failed, bytes.TrimSpace(out))
	if code != 0 {
		t.Fatalf("dynago check exited %d:\n%s", code, out)
	}

	c = start(t, bin, dataDir, logPath)
	client = newClient(c.url)
	began := time.Now()
	for {
		d, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: s(indexTable)})
		if err != nil {
			t.Fatal(err)
		}
		if d.Table.GlobalSecondaryIndexes[0].IndexStatus == types.IndexStatusActive {
			break
		}
		if time.Since(began) > 60*time.Second {
			t.Fatalf("index not ACTIVE after restart; log:\n%s", readLog(logPath))
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.kill()
	out, code = runCheck(t, bin, dataDir)
	resumed := bytes.Contains([]byte(readLog(logPath)), []byte("resuming index backfill"))
	t.Logf("backfill crash: ACTIVE %s after restart (resumed from a stored position: %v); dynago check: %s",
		time.Since(began).Round(time.Millisecond), resumed, bytes.TrimSpace(out))
	if code != 0 || !bytes.Contains(out, []byte("0 skipped")) {
		t.Fatalf("dynago check exited %d:\n%s", code, out)
	}
}
