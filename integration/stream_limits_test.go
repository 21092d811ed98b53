package integration

// LimitExceededException for a third reader of a shard, with
// `--stream-shard-readers 2` (dynagotest.WithStreamShardReaders), through
// aws-sdk-go-v2's streams client.

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/dynago/dynago/dynagotest"
)

func TestStreamShardReadersLimitExceeded(t *testing.T) {
	s := dynagotest.New(t, dynagotest.WithStreamShardReaders(2))
	c := s.Client()
	// No retries: the SDK retries LimitExceededException as throttling.
	sc := dynamodbstreams.New(dynamodbstreams.Options{
		BaseEndpoint: aws.String(s.URL()),
		Region:       dynagotest.Region,
		Credentials:  credentials.NewStaticCredentialsProvider("dynago", "dynago", ""),
		Retryer:      aws.NopRetryer{},
	})
	ctx := context.Background()
	arn := createStreamTable(t, c, "Readers", types.StreamViewTypeKeysOnly).LatestStreamArn
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("Readers"), Item: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "a"}}}); err != nil {
		t.Fatal(err)
	}
	d, err := sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	shard := d.StreamDescription.Shards[0].ShardId
	read := func() error {
		it, err := sc.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: arn, ShardId: shard, ShardIteratorType: stypes.ShardIteratorTypeTrimHorizon})
		if err != nil {
			t.Fatal(err)
		}
		_, err = sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it.ShardIterator})
		return err
	}
	for i := range 2 {
		if err := read(); err != nil {
			t.Fatalf("reader %d: %v", i+1, err)
		}
	}
	err = read()
	var le *stypes.LimitExceededException
	if !errors.As(err, &le) || aws.ToString(le.Message) != "Too many operations for a given subscriber." {
		t.Fatalf("a third reader: %v, want LimitExceededException", err)
	}
}
