package crashloop

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	st "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/dynago/dynago/internal/sdkhttp"
)

// The loop's table has a NEW_AND_OLD_IMAGES stream. Every item write
// writes a value no other write writes, so each stream record of a
// writer's item names the write it came from: "put <v>" for a PutItem or
// UpdateItem (its new image's v), "del <v>" for a DeleteItem of an item
// that existed (its old image's v; deleting a missing item writes no
// record). After each kill the records of every writer item must be
// exactly its acknowledged writes, plus the one in flight if it made it,
// once each and in the order they were made.

// streamEvent is the record a write must leave, or "" for none.
func putEvent(v string) string { return "put " + v }
func delEvent(old itemState) string {
	if !old.exists {
		return ""
	}
	return "del " + old.v
}

// streamClient is a Streams client on the server's own port.
func streamClient(url string) *dynamodbstreams.Client {
	return dynamodbstreams.New(dynamodbstreams.Options{
		BaseEndpoint:     aws.String(url),
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("reliability", "reliability", ""),
		RetryMaxAttempts: 3,
		HTTPClient:       sdkhttp.Client(),
	})
}

// readStream returns the events of the table's stream per writer item
// (pk starting with "w"), in stream order, and the number of records read.
func readStream(t *testing.T, c *dynamodb.Client, sc *dynamodbstreams.Client) (map[string][]string, int) {
	t.Helper()
	ctx := context.Background()
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatalf("DescribeTable: %v", err)
	}
	arn := d.Table.LatestStreamArn
	if arn == nil {
		t.Fatal("the table has no stream")
	}
	var shards []st.Shard
	var start *string
	for {
		out, err := sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: arn, ExclusiveStartShardId: start})
		if err != nil {
			t.Fatalf("DescribeStream: %v", err)
		}
		shards = append(shards, out.StreamDescription.Shards...)
		if start = out.StreamDescription.LastEvaluatedShardId; start == nil {
			break
		}
	}
	events := map[string][]string{}
	n := 0
	for _, sh := range parentsFirst(shards) {
		it, err := sc.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
			StreamArn: arn, ShardId: sh.ShardId, ShardIteratorType: st.ShardIteratorTypeTrimHorizon,
		})
		if err != nil {
			t.Fatalf("GetShardIterator %s: %v", aws.ToString(sh.ShardId), err)
		}
		open := sh.SequenceNumberRange == nil || sh.SequenceNumberRange.EndingSequenceNumber == nil
		for iter := it.ShardIterator; iter != nil; {
			out, err := sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter})
			if err != nil {
				t.Fatalf("GetRecords %s: %v", aws.ToString(sh.ShardId), err)
			}
			for _, r := range out.Records {
				n++
				pk, _ := r.Dynamodb.Keys["pk"].(*st.AttributeValueMemberS)
				if pk == nil || !strings.HasPrefix(pk.Value, "w") {
					continue // accounts and TTL items
				}
				img, kind := r.Dynamodb.NewImage, "put"
				if r.EventName == st.OperationTypeRemove {
					img, kind = r.Dynamodb.OldImage, "del"
				}
				v, _ := img["v"].(*st.AttributeValueMemberS)
				if v == nil {
					t.Errorf("stream record %s of %s has no v: %+v", r.EventName, pk.Value, img)
					continue
				}
				events[pk.Value] = append(events[pk.Value], kind+" "+v.Value)
			}
			if open && len(out.Records) == 0 {
				break // caught up with an open shard
			}
			iter = out.NextShardIterator
		}
	}
	return events, n
}

// parentsFirst orders shards so that each comes after its parent.
func parentsFirst(shards []st.Shard) []st.Shard {
	seen := map[string]bool{}
	known := map[string]bool{}
	for _, s := range shards {
		known[aws.ToString(s.ShardId)] = true
	}
	var out []st.Shard
	for len(out) < len(shards) {
		progress := false
		for _, s := range shards {
			id, parent := aws.ToString(s.ShardId), aws.ToString(s.ParentShardId)
			if seen[id] || (parent != "" && known[parent] && !seen[parent]) {
				continue
			}
			seen[id] = true
			out = append(out, s)
			progress = true
		}
		if !progress {
			return shards // a cycle cannot happen; keep DescribeStream's order
		}
	}
	return out
}

// verifyStream compares the stream with the writers' logs and returns the
// number of writer items whose records differ from their acknowledged
// writes, and the number of records compared.
func verifyStream(t *testing.T, events map[string][]string, writers []*itemWriter) (mismatches, records int) {
	t.Helper()
	for _, w := range writers {
		for i := range *keysPerW {
			k := w.key(i)
			want, got := w.events[k], events[k]
			records += len(got)
			if !equal(want, got) {
				if mismatches < 5 {
					t.Errorf("stream of item %s: %d records, want %d (the acknowledged writes, once each, in order); first difference: %s",
						k, len(got), len(want), firstDiff(want, got))
				}
				mismatches++
			}
		}
	}
	return mismatches, records
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func firstDiff(want, got []string) string {
	for i := 0; i < max(len(want), len(got)); i++ {
		var w, g string
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w != g {
			return fmt.Sprintf("at %d want %.32q, got %.32q", i, w, g)
		}
	}
	return "none"
}
