package integration

// The numbers issue 12 asks of streams, measured through the HTTP API as a
// consumer sees them (go test -bench Stream -run ^$ ./integration/):
// latency from PutItem's acknowledgement to GetRecords returning the
// record, PutItem with and without a stream, and the CPU per record of a
// 1000-record GetRecords.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/dynago/dynago/dynagotest"
)

// benchStream starts a server with a table name whose stream has view
// type vt (none when vt is ""), and returns its clients and stream ARN.
func benchStream(b *testing.B, name string, vt types.StreamViewType) (*dynagotest.Server, *dynamodb.Client, *dynamodbstreams.Client, string) {
	b.Helper()
	s := dynagotest.New(b)
	sc := dynamodbstreams.New(dynamodbstreams.Options{BaseEndpoint: aws.String(s.URL()), Region: dynagotest.Region,
		Credentials: credentials.NewStaticCredentialsProvider("dynago", "dynago", "")})
	in := createTableInput(name, hashS)
	if vt != "" {
		in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: vt}
	}
	out, err := s.Client().CreateTable(context.Background(), in)
	if err != nil {
		b.Fatal(err)
	}
	return s, s.Client(), sc, aws.ToString(out.TableDescription.LatestStreamArn)
}

func benchIterator(b *testing.B, sc *dynamodbstreams.Client, arn string, typ stypes.ShardIteratorType) *string {
	b.Helper()
	ctx := context.Background()
	d, err := sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: &arn})
	if err != nil {
		b.Fatal(err)
	}
	it, err := sc.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: &arn, ShardId: d.StreamDescription.Shards[0].ShardId, ShardIteratorType: typ})
	if err != nil {
		b.Fatal(err)
	}
	return it.ShardIterator
}

// BenchmarkStreamVisibilityHTTP: per write, the time from PutItem's
// response to the GetRecords poll (polling at once, as a tight consumer
// does) that returns its record; p50 and p99 over b.N writes.
func BenchmarkStreamVisibilityHTTP(b *testing.B) {
	_, c, sc, arn := benchStream(b, "lat", types.StreamViewTypeNewImage)
	benchVisibility(b, c, sc, "lat", []*string{benchIterator(b, sc, arn, stypes.ShardIteratorTypeLatest)})
}

// BenchmarkStreamVisibilitySplitHTTP is BenchmarkStreamVisibilityHTTP on a
// stream split into two shards (UpdateTable to 1 500 WCU), each a hash
// range of the change log: a poll reads both children.
func BenchmarkStreamVisibilitySplitHTTP(b *testing.B) {
	_, c, sc, arn := benchStream(b, "lat", types.StreamViewTypeNewImage)
	ctx := context.Background()
	if _, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("lat"), BillingMode: types.BillingModeProvisioned,
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(1500)}}); err != nil {
		b.Fatal(err)
	}
	d, err := sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: &arn})
	if err != nil {
		b.Fatal(err)
	}
	var iters []*string
	for _, sh := range d.StreamDescription.Shards {
		if sh.SequenceNumberRange.EndingSequenceNumber != nil {
			continue // the parent
		}
		it, err := sc.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: &arn, ShardId: sh.ShardId, ShardIteratorType: stypes.ShardIteratorTypeLatest})
		if err != nil {
			b.Fatal(err)
		}
		iters = append(iters, it.ShardIterator)
	}
	if len(iters) != 2 {
		b.Fatalf("%d open shards, want 2", len(iters))
	}
	benchVisibility(b, c, sc, "lat", iters)
}

// benchVisibility writes b.N items to table and polls iters in turn after
// each until one returns its record.
func benchVisibility(b *testing.B, c *dynamodb.Client, sc *dynamodbstreams.Client, table string, iters []*string) {
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	polls := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item{"pk": S(fmt.Sprint(i))}}); err != nil {
			b.Fatal(err)
		}
		acked := time.Now()
	poll:
		for {
			for j, iter := range iters {
				r, err := sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter})
				if err != nil {
					b.Fatal(err)
				}
				polls++
				iters[j] = r.NextShardIterator
				if len(r.Records) > 0 {
					break poll
				}
			}
		}
		lat = append(lat, time.Since(acked))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(float64(polls)/float64(b.N), "polls/write")
}

// BenchmarkStreamPutItemHTTP compares PutItem on a table without a stream
// and on one with a NEW_AND_OLD_IMAGES stream (the most a stream
// records), on one server, alternating the two in every iteration so that
// a shared machine's drift falls on both alike: stream-cost-% is how much
// longer the streamed PutItem takes.
func BenchmarkStreamPutItemHTTP(b *testing.B) {
	s, c, _, _ := benchStream(b, "streamed", types.StreamViewTypeNewAndOldImages)
	ctx := context.Background()
	if _, err := s.Client().CreateTable(ctx, createTableInput("plain", hashS)); err != nil {
		b.Fatal(err)
	}
	tables := [2]string{"plain", "streamed"}
	var took [2]time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		order := [2]int{0, 1}
		if i%2 == 1 {
			order = [2]int{1, 0} // alternate which goes first
		}
		for _, j := range order {
			start := time.Now()
			if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tables[j]), Item: item{"pk": S(fmt.Sprint(i % 1000)), "v": N(fmt.Sprint(i))}}); err != nil {
				b.Fatal(err)
			}
			took[j] += time.Since(start)
		}
	}
	b.ReportMetric(float64(took[0].Nanoseconds())/float64(b.N), "plain-ns/put")
	b.ReportMetric(float64(took[1].Nanoseconds())/float64(b.N), "streamed-ns/put")
	b.ReportMetric(100*(float64(took[1])/float64(took[0])-1), "stream-cost-%")
}

// BenchmarkStreamGetRecords1000HTTP reads 1000 NEW_AND_OLD_IMAGES records
// per GetRecords over plain HTTP (the client only reads the body, so the
// process's CPU is the server's) and reports the CPU time per record.
func BenchmarkStreamGetRecords1000HTTP(b *testing.B) {
	s, c, sc, arn := benchStream(b, "reads", types.StreamViewTypeNewAndOldImages)
	ctx := context.Background()
	for i := 0; i < 1000; i++ {
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("reads"), Item: item{"pk": S(fmt.Sprint(i % 500)), "v": S(fmt.Sprintf("value %d of a record", i))}}); err != nil {
			b.Fatal(err)
		}
	}
	iter := aws.ToString(benchIterator(b, sc, arn, stypes.ShardIteratorTypeTrimHorizon))
	body, _ := json.Marshal(map[string]any{"ShardIterator": iter, "Limit": 1000})
	post := func() int {
		req, _ := http.NewRequest("POST", s.URL(), bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		req.Header.Set("X-Amz-Target", "DynamoDBStreams_20120810.GetRecords")
		req.Header.Set("X-Amz-Date", time.Now().UTC().Format("20060102T150405Z"))
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=dynago/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			b.Fatalf("GetRecords: %d %s", resp.StatusCode, out)
		}
		return bytes.Count(out, []byte(`"eventID"`))
	}
	if n := post(); n != 1000 {
		b.Fatalf("GetRecords returned %d records", n)
	}
	cpu := func() time.Duration {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	b.ResetTimer()
	start := cpu()
	for i := 0; i < b.N; i++ {
		post()
	}
	used := cpu() - start
	b.ReportMetric(float64(used.Nanoseconds())/float64(b.N)/1000, "cpu-ns/record")
}
