package engine

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
)

// BenchmarkStreamLatency measures, per write, the time from PutItem's
// acknowledgement to its record being returned by a GetRecords poll
// (polling at once, as a tight consumer loop does), and reports p50/p99.
func BenchmarkStreamLatency(b *testing.B) {
	db := newItemsDB(b)
	in := hashTable("lat", 0)
	in.StreamSpecification = &api.StreamSpecification{StreamEnabled: api.Ptr(true), StreamViewType: api.Ptr(api.StreamViewTypeNewImage)}
	arn := api.Str(mustCreate(b, db, in).LatestStreamArn)
	ctx := context.Background()
	d, err := db.DescribeStream(ctx, &api.DescribeStreamInput{StreamArn: &arn})
	if err != nil {
		b.Fatal(err)
	}
	it, err := db.GetShardIterator(ctx, &api.GetShardIteratorInput{StreamArn: &arn, ShardId: d.StreamDescription.Shards[0].ShardId, ShardIteratorType: api.Ptr(api.ShardIteratorTypeLatest)})
	if err != nil {
		b.Fatal(err)
	}
	iter := it.ShardIterator
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("lat"), Item: attr.Item{"id": attr.String(fmt.Sprint(i))}}); err != nil {
			b.Fatal(err)
		}
		acked := time.Now()
		for {
			r, err := db.GetRecords(ctx, &api.GetRecordsInput{ShardIterator: iter})
			if err != nil {
				b.Fatal(err)
			}
			iter = r.NextShardIterator
			if len(r.Records) > 0 {
				break
			}
		}
		lat = append(lat, time.Since(acked))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkPutItemStream compares PutItem with and without a stream
// (NEW_AND_OLD_IMAGES, the most a stream records).
func BenchmarkPutItemStream(b *testing.B) {
	for _, stream := range []bool{false, true} {
		b.Run(fmt.Sprintf("stream=%v", stream), func(b *testing.B) {
			db := newItemsDB(b)
			in := hashTable("writes", 0)
			if stream {
				in.StreamSpecification = &api.StreamSpecification{StreamEnabled: api.Ptr(true), StreamViewType: api.Ptr(api.StreamViewTypeNewAndOldImages)}
			}
			mustCreate(b, db, in)
			ctx := context.Background()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("writes"), Item: attr.Item{"id": attr.String(fmt.Sprint(i % 1000)), "v": attr.NumberFromInt(int64(i))}}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGetRecords1000 reads 1000 records per GetRecords call; ns/op
// divided by 1000 is the server CPU per record.
func BenchmarkGetRecords1000(b *testing.B) {
	db := newItemsDB(b)
	in := hashTable("reads", 0)
	in.StreamSpecification = &api.StreamSpecification{StreamEnabled: api.Ptr(true), StreamViewType: api.Ptr(api.StreamViewTypeNewAndOldImages)}
	arn := api.Str(mustCreate(b, db, in).LatestStreamArn)
	ctx := context.Background()
	for i := 0; i < 1000; i++ {
		if _, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("reads"), Item: attr.Item{"id": attr.String(fmt.Sprint(i)), "v": attr.String("some value of a record")}}); err != nil {
			b.Fatal(err)
		}
	}
	d, err := db.DescribeStream(ctx, &api.DescribeStreamInput{StreamArn: &arn})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		it, err := db.GetShardIterator(ctx, &api.GetShardIteratorInput{StreamArn: &arn, ShardId: d.StreamDescription.Shards[0].ShardId, ShardIteratorType: api.Ptr(api.ShardIteratorTypeTrimHorizon)})
		if err != nil {
			b.Fatal(err)
		}
		r, err := db.GetRecords(ctx, &api.GetRecordsInput{ShardIterator: it.ShardIterator})
		if err != nil || len(r.Records) != 1000 {
			b.Fatalf("%d records, %v", len(r.Records), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/record")
}
