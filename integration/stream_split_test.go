package integration

// Stream shard splits through aws-sdk-go-v2: UpdateTable to a throughput
// that needs more partitions closes the open shard, two children continue
// it, and a consumer that follows the lineage sees every change once, in
// per-item order.

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

func TestStreamSplitOnUpdateTable(t *testing.T) {
	c, sc := streamsClients(t)
	ctx := context.Background()
	arn := aws.ToString(createStreamTable(t, c, "Split", types.StreamViewTypeNewImage).LatestStreamArn)
	const items = 50
	write := func(v string) {
		t.Helper()
		for i := range items {
			if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("Split"), Item: map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: fmt.Sprintf("k%d", i)}, "v": &types.AttributeValueMemberS{Value: v}}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	write("1")
	// PROVISIONED at 1 500 WCU: ⌈5/3000 + 1500/1000⌉ = 2 partitions.
	if _, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("Split"), BillingMode: types.BillingModeProvisioned,
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(1500)}}); err != nil {
		t.Fatal(err)
	}
	write("2")

	d, err := sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	shards := d.StreamDescription.Shards
	if len(shards) != 3 {
		t.Fatalf("%d shards, want a parent and two children", len(shards))
	}
	parent := shards[0]
	if parent.ParentShardId != nil || parent.SequenceNumberRange.EndingSequenceNumber == nil {
		t.Fatalf("parent %s: ParentShardId %v, EndingSequenceNumber %v", aws.ToString(parent.ShardId), parent.ParentShardId, parent.SequenceNumberRange.EndingSequenceNumber)
	}
	for _, k := range shards[1:] {
		if aws.ToString(k.ParentShardId) != aws.ToString(parent.ShardId) || k.SequenceNumberRange.EndingSequenceNumber != nil {
			t.Fatalf("child %s: parent %s, EndingSequenceNumber %v", aws.ToString(k.ShardId), aws.ToString(k.ParentShardId), k.SequenceNumberRange.EndingSequenceNumber)
		}
	}
	kids, err := sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn),
		ShardFilter: &stypes.ShardFilter{Type: stypes.ShardFilterTypeChildShards, ShardId: parent.ShardId}})
	if err != nil {
		t.Fatal(err)
	}
	if got := kids.StreamDescription.Shards; len(got) != 2 || aws.ToString(got[0].ShardId) != aws.ToString(shards[1].ShardId) || aws.ToString(got[1].ShardId) != aws.ToString(shards[2].ShardId) {
		t.Fatalf("CHILD_SHARDS: %d shards", len(got))
	}

	// The consumer: the parent first, then its children (readAll goes in
	// DescribeStream's order, parents first).
	vals := map[string][]string{}
	for _, r := range readAll(t, sc, arn) {
		k := r.Dynamodb.Keys["pk"].(*stypes.AttributeValueMemberS).Value
		vals[k] = append(vals[k], r.Dynamodb.NewImage["v"].(*stypes.AttributeValueMemberS).Value)
	}
	for i := range items {
		if k := fmt.Sprintf("k%d", i); !slices.Equal(vals[k], []string{"1", "2"}) {
			t.Fatalf("%s: %v, want [1 2]", k, vals[k])
		}
	}
	// Each item continues in exactly one child.
	first, second := shardKeys(t, sc, arn, shards[1].ShardId), shardKeys(t, sc, arn, shards[2].ShardId)
	if len(first) == 0 || len(second) == 0 || len(first)+len(second) != items {
		t.Fatalf("children hold %d and %d items, want %d between both, each some", len(first), len(second), items)
	}
	for k := range first {
		if second[k] {
			t.Fatalf("%s is in both children", k)
		}
	}
}

// shardKeys returns the keys of the records of one shard.
func shardKeys(t *testing.T, sc *dynamodbstreams.Client, arn string, shard *string) map[string]bool {
	t.Helper()
	ctx := context.Background()
	it, err := sc.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(arn), ShardId: shard, ShardIteratorType: stypes.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for iter := it.ShardIterator; iter != nil; {
		r, err := sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter})
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range r.Records {
			out[rec.Dynamodb.Keys["pk"].(*stypes.AttributeValueMemberS).Value] = true
		}
		if len(r.Records) == 0 {
			break
		}
		iter = r.NextShardIterator
	}
	return out
}
