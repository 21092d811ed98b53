//go:build tikv

package integration

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/dynagotest"
)

// Figures of the bench table: partition keys, items under each.
const (
	benchPartitions = 10
	benchPerKey     = 100
)

// BenchmarkTiKVVersusPebble measures GetItem, PutItem, Query (10 items)
// and TransactWriteItems (2 puts) through the SDK, one request at a time,
// against a server on in-memory Pebble and one on the mock TiKV cluster in
// the same run: each sub-benchmark sends b.N requests to each, alternating,
// and reports both mean latencies and their ratio (tikv/pebble). The mock
// keeps its data in an in-memory LevelDB in this process, so the ratio
// shows the cost of client-go's protocol (timestamps, 2PC, one RPC per
// region touched), not of a network or of TiKV's disks: docs/scale-out.md
// adds those. Figures are in docs/scale-out.md.
func BenchmarkTiKVVersusPebble(b *testing.B) {
	backends := []struct {
		name string
		c    *dynamodb.Client
	}{
		{"pebble", dynagotest.New(b).Client()},
		{"tikv", dynagotest.New(b, dynagotest.WithTiKV()).Client()},
	}
	ctx := context.Background()
	for _, be := range backends {
		benchSeed(b, be.c)
	}
	key := func(i int) map[string]types.AttributeValue {
		return item{"pk": S(strconv.Itoa(i % benchPartitions)), "sk": N(strconv.Itoa(i % benchPerKey))}
	}
	ops := []struct {
		name string
		run  func(c *dynamodb.Client, i int) error
	}{
		{"GetItem", func(c *dynamodb.Client, i int) error {
			_, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("bench"), Key: key(i * 7)})
			return err
		}},
		{"PutItem", func(c *dynamodb.Client, i int) error {
			it := key(i * 7)
			it["v"] = S(benchPayload)
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("bench"), Item: it})
			return err
		}},
		{"Query", func(c *dynamodb.Client, i int) error {
			_, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("bench"), Limit: aws.Int32(10),
				KeyConditionExpression:    aws.String("pk = :pk AND sk >= :sk"),
				ExpressionAttributeValues: item{":pk": S(strconv.Itoa(i % benchPartitions)), ":sk": N(strconv.Itoa(i % (benchPerKey - 10)))}})
			return err
		}},
		{"TransactWriteItems", func(c *dynamodb.Client, i int) error {
			a, z := key(i*7), key(i*7+3)
			a["v"], z["v"] = S(benchPayload), S(benchPayload)
			_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Put: &types.Put{TableName: aws.String("bench"), Item: a}},
				{Put: &types.Put{TableName: aws.String("bench"), Item: z}},
			}})
			return err
		}},
	}
	for _, op := range ops {
		b.Run(op.name, func(b *testing.B) {
			// Requests alternate between the backends, so that the load
			// of a shared machine weighs on both alike.
			var took [2]time.Duration
			for n := range b.N {
				for i, be := range backends {
					start := time.Now()
					if err := op.run(be.c, n); err != nil {
						b.Fatalf("%s on %s: %v", op.name, be.name, err)
					}
					took[i] += time.Since(start)
				}
			}
			per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) }
			b.ReportMetric(per(took[0]), "pebble-ns/op")
			b.ReportMetric(per(took[1]), "tikv-ns/op")
			b.ReportMetric(per(took[1])/per(took[0]), "tikv/pebble")
		})
	}
}

// benchPayload makes a bench item about 200 bytes.
var benchPayload = fmt.Sprintf("%0180d", 0)

// benchSeed creates the bench table on c and fills it.
func benchSeed(b *testing.B, c *dynamodb.Client) {
	b.Helper()
	ctx := context.Background()
	if _, err := c.CreateTable(ctx, createTableInput("bench", hashRangeN)); err != nil {
		b.Fatal(err)
	}
	for p := range benchPartitions {
		for s := 0; s < benchPerKey; s += 25 {
			var reqs []types.WriteRequest
			for k := s; k < s+25; k++ {
				reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item{
					"pk": S(strconv.Itoa(p)), "sk": N(strconv.Itoa(k)), "v": S(benchPayload)}}})
			}
			if _, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"bench": reqs}}); err != nil {
				b.Fatal(err)
			}
		}
	}
}
