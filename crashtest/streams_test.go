package crashtest

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// streamKeys reads every record of the table's stream, all shards from
// TRIM_HORIZON, and counts the records of each key with its last value.
func streamKeys(t *testing.T, url, arn string) (count map[string]int, last map[string]string) {
	t.Helper()
	ctx := context.Background()
	sc := dynamodbstreams.New(dynamodbstreams.Options{
		BaseEndpoint: aws.String(url), Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("crash", "crash", ""),
	})
	count, last = map[string]int{}, map[string]string{}
	d, err := sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: &arn})
	if err != nil {
		t.Fatalf("DescribeStream after restart: %v", err)
	}
	for _, sh := range d.StreamDescription.Shards {
		it, err := sc.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: &arn, ShardId: sh.ShardId, ShardIteratorType: stypes.ShardIteratorTypeTrimHorizon})
		if err != nil {
			t.Fatal(err)
		}
		for iter := it.ShardIterator; iter != nil; {
			r, err := sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter})
			if err != nil {
				t.Fatal(err)
			}
			for _, rec := range r.Records {
				k := rec.Dynamodb.Keys["pk"].(*stypes.AttributeValueMemberS).Value
				count[k]++
				if v, ok := rec.Dynamodb.NewImage["v"].(*stypes.AttributeValueMemberS); ok {
					last[k] = v.Value
				}
			}
			if len(r.Records) == 0 {
				break
			}
			iter = r.NextShardIterator
		}
	}
	return count, last
}

// shardCount returns how many shards the stream has.
func shardCount(t *testing.T, url, arn string) int {
	t.Helper()
	sc := dynamodbstreams.New(dynamodbstreams.Options{
		BaseEndpoint: aws.String(url), Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("crash", "crash", ""),
	})
	d, err := sc.DescribeStream(context.Background(), &dynamodbstreams.DescribeStreamInput{StreamArn: &arn})
	if err != nil {
		t.Fatal(err)
	}
	return len(d.StreamDescription.Shards)
}

// TestCrashStreamRecordsMatchWrites: SIGKILL in the middle of concurrent
// PutItems on a table with a stream, restart, and the stream holds exactly
// one record for every item in the table (every acknowledged write and
// every unacknowledged one that became durable) and none for anything
// else: 0 missing, 0 extra.
func TestCrashStreamRecordsMatchWrites(t *testing.T) { crashStreamRecords(t, false) }

// TestCrashStreamSplitRecordsMatchWrites is TestCrashStreamRecordsMatchWrites
// with the stream's shards split before every round (UpdateTable raises
// the write capacity by 1 000 WCU, one partition more): the records of
// split shards agree with the table one for one too.
func TestCrashStreamSplitRecordsMatchWrites(t *testing.T) { crashStreamRecords(t, true) }

func crashStreamRecords(t *testing.T, split bool) {
	bin, dataDir, logPath := crashDirs(t)
	c := start(t, bin, dataDir, logPath)
	client := newClient(c.url)
	out, err := client.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String(table),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
		StreamSpecification:  &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewImage},
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.TableDescription.LatestStreamArn)
	waitActive(t, client)
	acked := map[string]bool{}
	for round := 1; round <= *rounds; round++ {
		if split {
			// ⌈5/3000 + (1000·round + 500)/1000⌉ = round + 1 partitions.
			if _, err := newClient(c.url).UpdateTable(context.Background(), &dynamodb.UpdateTableInput{
				TableName: aws.String(table), BillingMode: types.BillingModeProvisioned,
				ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(int64(1000*round + 500))},
			}); err != nil {
				t.Fatal(err)
			}
		}
		runFor := *minRun + time.Duration(rand.Int64N(int64(*maxRun-*minRun)+1))
		res := writeUntilKilled(t, c, round, *writers, runFor)
		for k := range res.acked {
			acked[k] = true
		}
		c = start(t, bin, dataDir, logPath)
		items := scanAll(t, newClient(c.url))
		count, last := streamKeys(t, c.url, arn)
		missing, extra, dup := 0, 0, 0
		for k, v := range items {
			switch n := count[k]; {
			case n == 0:
				missing++
			case n > 1:
				dup++
			case last[k] != v:
				t.Errorf("round %d: %s's record has value %q, the item %q", round, k, last[k], v)
			}
		}
		for k := range count {
			if _, ok := items[k]; !ok {
				extra++
			}
		}
		for k := range acked {
			if count[k] != 1 {
				missing++
			}
		}
		t.Logf("stream crash round %d: ran %s, acknowledged %d (total %d), items %d, stream records %d (%d shards), missing %d, extra %d, duplicated %d",
			round, runFor.Round(time.Millisecond), len(res.acked), len(acked), len(items), len(count), shardCount(t, c.url, arn), missing, extra, dup)
		if missing+extra+dup > 0 {
			t.Fatalf("round %d: stream and table disagree: %d missing, %d extra, %d duplicated", round, missing, extra, dup)
		}
	}
}
