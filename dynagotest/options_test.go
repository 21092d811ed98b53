package dynagotest_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/dynagotest"
)

// noRetry makes a call fail at its first throttle instead of backing off.
func noRetry(o *dynamodb.Options) { o.RetryMaxAttempts = 1 }

// writeBig writes n 100 KB items (100 write units each) to a table
// provisioned with one write unit, whose burst capacity (300 s of unused
// throughput) they exceed after three, and returns the first error.
func writeBig(t *testing.T, c *dynamodb.Client, n int) error {
	t.Helper()
	ctx := context.Background()
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:             aws.String("Tutorial"),
		AttributeDefinitions:  []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:             []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)},
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	blob := strings.Repeat("x", 100<<10)
	for i := range n {
		_, err := c.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String("Tutorial"),
			Item: map[string]types.AttributeValue{
				"id":   &types.AttributeValueMemberS{Value: strconv.Itoa(i)},
				"blob": &types.AttributeValueMemberS{Value: blob},
			},
		}, noRetry)
		if err != nil {
			return err
		}
	}
	return nil
}

// Throughput is not enforced by default, as in DynamoDB Local.
func TestNoThrottlingByDefault(t *testing.T) {
	if err := writeBig(t, dynagotest.New(t).Client(), 8); err != nil {
		t.Fatalf("a write was refused without WithThrottling: %v", err)
	}
}

func TestWithThrottling(t *testing.T) {
	err := writeBig(t, dynagotest.New(t, dynagotest.WithThrottling()).Client(), 8)
	var pte *types.ProvisionedThroughputExceededException
	if !errors.As(err, &pte) {
		t.Fatalf("800 units on a 1-unit table: err %v, want ProvisionedThroughputExceededException", err)
	}
}

// WithClock: an item expires when the test's clock passes its TTL, not
// the wall clock.
func TestWithClockExpiresTTL(t *testing.T) {
	ctx := context.Background()
	clock := dynagotest.NewClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	c := dynagotest.New(t, dynagotest.WithClock(clock.Now), dynagotest.WithTTLInterval(20*time.Millisecond)).Client()
	createTable(t, c, "Sessions")
	if _, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName:               aws.String("Sessions"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("exp"), Enabled: aws.Bool(true)},
	}); err != nil {
		t.Fatalf("UpdateTimeToLive: %v", err)
	}
	// Expiring an hour after the clock's time, which is years ahead of
	// the wall clock: a real clock would delete it never, or at once had
	// the clock been behind.
	exp := clock.Now().Add(time.Hour).Unix()
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String("Sessions"),
		Item: map[string]types.AttributeValue{
			"id":  &types.AttributeValueMemberS{Value: "s1"},
			"exp": &types.AttributeValueMemberN{Value: strconv.FormatInt(exp, 10)},
		},
	}); err != nil {
		t.Fatalf("PutItem: %v", err)
	}
	present := func() bool {
		out, err := c.GetItem(ctx, &dynamodb.GetItemInput{
			TableName: aws.String("Sessions"),
			Key:       map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "s1"}},
		})
		if err != nil {
			t.Fatalf("GetItem: %v", err)
		}
		return out.Item != nil
	}
	time.Sleep(100 * time.Millisecond) // several TTL passes
	if !present() {
		t.Fatal("the item was deleted before the clock reached its TTL")
	}
	clock.Advance(2 * time.Hour)
	deadline := time.Now().Add(10 * time.Second)
	for present() {
		if time.Now().After(deadline) {
			t.Fatal("the item is still there 10 s after the clock passed its TTL")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
