package crashtest

import (
	"context"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/dynago/dynago/reliability/harness"
)

// txStreamInput is txInput with the transaction id also written to both
// accounts (lastTx), so that every stream record names its transaction.
func txStreamInput(id string, a, b int) *dynamodb.TransactWriteItemsInput {
	in := txInput(id, a, b)
	for _, i := range []int{0, 1} {
		u := in.TransactItems[i].Update
		u.UpdateExpression = aws.String(aws.ToString(u.UpdateExpression) + ", lastTx = :tx")
		vals := map[string]types.AttributeValue{":tx": &types.AttributeValueMemberS{Value: id}}
		for k, v := range u.ExpressionAttributeValues {
			vals[k] = v
		}
		u.ExpressionAttributeValues = vals
	}
	return in
}

// readStream reads every record of the stream, shard by shard (parents
// first, as DescribeStream lists them) from TRIM_HORIZON to the end.
func readStream(t *testing.T, url, arn string) []stypes.Record {
	t.Helper()
	ctx := context.Background()
	sc := dynamodbstreams.New(dynamodbstreams.Options{
		BaseEndpoint: aws.String(url), Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("crash", "crash", ""),
	})
	d, err := sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: &arn})
	if err != nil {
		t.Fatalf("DescribeStream after restart: %v", err)
	}
	var all []stypes.Record
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
			all = append(all, r.Records...)
			if len(r.Records) == 0 {
				break
			}
			iter = r.NextShardIterator
		}
	}
	return all
}

func imageS(img map[string]stypes.AttributeValue, name string) string {
	if v, ok := img[name].(*stypes.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func imageN(t *testing.T, img map[string]stypes.AttributeValue, name string) int {
	t.Helper()
	v, ok := img[name].(*stypes.AttributeValueMemberN)
	if !ok {
		t.Fatalf("image without number %s: %v", name, img)
	}
	n, err := strconv.Atoi(v.Value)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCrashStreamRecordsMatchTransactions SIGKILLs dynago while writers
// run TransactWriteItems (two account updates and three marker puts each)
// on a table with a NEW_AND_OLD_IMAGES stream, restarts it, and checks
// the stream against the table one-for-one: every transaction in the
// table (every acknowledged one, and any unacknowledged one that became
// durable) has exactly its 5 records, no other transaction has any, and
// each account's records chain old image to new image up to its balance
// in the table (so none is missing, repeated or out of order).
func TestCrashStreamRecordsMatchTransactions(t *testing.T) {
	bin, dataDir, logPath := crashDirs(t)
	c := start(t, bin, dataDir, logPath)
	client := newClient(c.url)
	out, err := client.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String(table),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
		StreamSpecification:  &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages},
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.TableDescription.LatestStreamArn)
	waitActive(t, client)
	for i := range txAccounts {
		it := txAccount(i)
		it["balance"] = &types.AttributeValueMemberN{Value: strconv.Itoa(txStart)}
		if _, err := client.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: it}); err != nil {
			t.Fatal(err)
		}
	}
	const perTx = 2 + txMarkers

	acked := map[string]bool{}
	var totalAcked, totalRecords int
	for round := 1; round <= *rounds; round++ {
		runFor := *minRun + time.Duration(rand.Int64N(int64(*maxRun-*minRun)+1))
		res := transactUntilKilled(t, c, round, *txWriters, runFor, txStreamInput)
		if len(res.acked) == 0 {
			t.Fatalf("round %d: no transaction was acknowledged in %s; log:\n%s", round, ackWait, readLog(logPath))
		}
		for _, id := range res.acked {
			acked[id] = true
		}
		c = start(t, bin, dataDir, logPath)
		st := readTxState(t, newClient(c.url))
		balances := map[string]int{}
		harness.ScanEach(t, newClient(c.url), table, func(it map[string]types.AttributeValue) {
			if pk := it["pk"].(*types.AttributeValueMemberS).Value; strings.HasPrefix(pk, "acct-") {
				n, _ := strconv.Atoi(it["balance"].(*types.AttributeValueMemberN).Value)
				balances[pk] = n
			}
		})

		recs := readStream(t, c.url, arn)
		perTxRecords := map[string]int{}
		markerRecords := map[string]int{}
		last := map[string]int{} // account -> balance after its latest record
		broken := 0
		for _, r := range recs {
			pk := imageS(r.Dynamodb.Keys, "pk")
			if !strings.HasPrefix(pk, "acct-") {
				markerRecords[pk]++
				perTxRecords[imageS(r.Dynamodb.NewImage, "tx")]++
				continue
			}
			nb := imageN(t, r.Dynamodb.NewImage, "balance")
			if r.EventName == stypes.OperationTypeInsert {
				last[pk] = nb
				continue
			}
			perTxRecords[imageS(r.Dynamodb.NewImage, "lastTx")]++
			if ob := imageN(t, r.Dynamodb.OldImage, "balance"); ob != last[pk] {
				broken++
				if broken <= 10 {
					t.Errorf("round %d: %s's record (seq %s) has old balance %d after a record with new balance %d", round, pk, aws.ToString(r.Dynamodb.SequenceNumber), ob, last[pk])
				}
			}
			last[pk] = nb
		}
		for pk, b := range balances {
			if last[pk] != b {
				broken++
				t.Errorf("round %d: %s's last record has balance %d, the table %d", round, pk, last[pk], b)
			}
		}
		missing, extra := 0, 0
		for id := range st.markers {
			acked[id] = true // durable now: later rounds must keep it
		}
		for id := range acked {
			if n := perTxRecords[id]; n != perTx {
				missing++
				if missing <= 10 {
					t.Errorf("round %d: transaction %s has %d stream records, want %d", round, id, n, perTx)
				}
			}
		}
		for id := range perTxRecords {
			if !acked[id] {
				extra++
				if extra <= 10 {
					t.Errorf("round %d: stream has records of transaction %s, which is not in the table", round, id)
				}
			}
		}
		for pk, n := range markerRecords {
			if n != 1 {
				extra++
				t.Errorf("round %d: marker %s has %d stream records", round, pk, n)
			}
		}
		t.Logf("stream tx crash round %d: ran %s, transactions acknowledged %d (total %d), in the table %d, stream records %d, missing %d, extra %d, broken chains %d",
			round, runFor.Round(time.Millisecond), len(res.acked), len(acked), len(st.markers), len(recs), missing, extra, broken)
		if missing+extra+broken > 0 {
			t.Fatalf("round %d: stream and transactions disagree: %d missing, %d extra, %d broken", round, missing, extra, broken)
		}
		totalAcked += len(res.acked)
		totalRecords = len(recs)
	}
	t.Logf("stream tx crash summary: %d rounds, %d writers: acknowledged %d transactions, stream records %d, missing 0, extra 0",
		*rounds, *txWriters, totalAcked, totalRecords)
}
