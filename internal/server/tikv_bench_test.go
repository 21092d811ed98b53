//go:build tikv

package server

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/internal/sdkhttp"
)

// BenchmarkTiKVCatalogStaleness sends GetItem and Query through the SDK to
// two servers, each on a mock cluster of its own, one checking the
// catalog on every request and one with a catalog staleness of 1 s,
// request by request alternately, each first every other time (so that
// the load of a shared machine weighs on both alike).
//
//	go test -tags tikv -run '^$' -bench TiKVCatalogStaleness -benchtime 3000x ./internal/server/
func BenchmarkTiKVCatalogStaleness(b *testing.B) {
	ctx := context.Background()
	var clients [2]*dynamodb.Client
	for i, stale := range []time.Duration{0, time.Second} {
		s, err := Start(ctx, Config{Port: 0, TiKV: TiKVMock, TTLInterval: -1, NoThrottle: true, CatalogStaleness: stale, Logger: quietLogger()})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close(ctx) })
		c := dynamodb.New(dynamodb.Options{
			Region:       "us-east-1",
			BaseEndpoint: aws.String(s.URL()),
			Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
			// An error would otherwise be retried unseen, and timed.
			RetryMaxAttempts: 1,
			HTTPClient:       sdkhttp.Client(),
		})
		clients[i] = c
		if _, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
			TableName: aws.String("bench"),
			KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange}},
			AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
				{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeN}},
			BillingMode: types.BillingModePayPerRequest,
		}); err != nil {
			b.Fatal(err)
		}
		for n := range 200 {
			if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("bench"), Item: map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: strconv.Itoa(n % 10)}, "sk": &types.AttributeValueMemberN{Value: strconv.Itoa(n)},
				"v": &types.AttributeValueMemberS{Value: "payload"}}}); err != nil {
				b.Fatal(err)
			}
		}
	}
	ops := []struct {
		name string
		run  func(c *dynamodb.Client, i int) error
	}{
		{"GetItem", func(c *dynamodb.Client, i int) error {
			_, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("bench"), Key: map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: strconv.Itoa(i % 10)}, "sk": &types.AttributeValueMemberN{Value: strconv.Itoa(i % 200)}}})
			return err
		}},
		{"Query", func(c *dynamodb.Client, i int) error {
			_, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("bench"), Limit: aws.Int32(10),
				KeyConditionExpression:    aws.String("pk = :pk"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: strconv.Itoa(i % 10)}}})
			return err
		}},
	}
	for _, op := range ops {
		b.Run(op.name, func(b *testing.B) {
			var took [2]time.Duration
			for n := range b.N {
				for j := range clients {
					i := (j + n) % 2 // each goes first every other time
					start := time.Now()
					if err := op.run(clients[i], n); err != nil {
						b.Fatal(err)
					}
					took[i] += time.Since(start)
				}
			}
			per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) }
			b.ReportMetric(per(took[0]), "checked-ns/op")
			b.ReportMetric(per(took[1]), "stale1s-ns/op")
			b.ReportMetric(per(took[1])/per(took[0]), "stale/checked")
		})
	}
}
