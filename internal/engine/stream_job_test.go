package engine

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
)

func streamTable(t *testing.T, db *DB, name, vt string) string {
	t.Helper()
	in := hashTable(name, 0)
	in.StreamSpecification = &api.StreamSpecification{StreamEnabled: api.Ptr(true), StreamViewType: api.Ptr(vt)}
	return api.Str(mustCreate(t, db, in).LatestStreamArn)
}

func putV(t *testing.T, db *DB, table, id string) {
	t.Helper()
	if _, err := db.PutItem(context.Background(), &api.PutItemInput{TableName: api.Ptr(table), Item: attr.Item{"id": attr.String(id)}}); err != nil {
		t.Fatal(err)
	}
}

// shardRecords reads a shard from TRIM_HORIZON to its end or to its last
// record.
func shardRecords(t *testing.T, db *DB, arn, shard string) []string {
	t.Helper()
	ctx := context.Background()
	it, err := db.GetShardIterator(ctx, &api.GetShardIteratorInput{StreamArn: &arn, ShardId: &shard, ShardIteratorType: api.Ptr(api.ShardIteratorTypeTrimHorizon)})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for iter := it.ShardIterator; iter != nil; {
		r, err := db.GetRecords(ctx, &api.GetRecordsInput{ShardIterator: iter})
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range r.Records {
			ids = append(ids, rec.Dynamodb.Keys["id"].S)
		}
		if len(r.Records) == 0 && r.NextShardIterator != nil {
			break
		}
		iter = r.NextShardIterator
	}
	return ids
}

// Shards roll over: the open shard closes, a child continues it, and each
// record is in exactly one of them.
func TestStreamShardsRollOver(t *testing.T) {
	db, _ := openRecorded(t, Options{StreamRollover: 30 * time.Millisecond, JobPollInterval: 5 * time.Millisecond})
	arn := streamTable(t, db, "roll", api.StreamViewTypeKeysOnly)
	putV(t, db, "roll", "a")
	ctx := context.Background()
	var shards []api.Shard
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		d, err := db.DescribeStream(ctx, &api.DescribeStreamInput{StreamArn: &arn})
		if err != nil {
			t.Fatal(err)
		}
		if shards = d.StreamDescription.Shards; len(shards) >= 2 {
			break
		}
	}
	if len(shards) < 2 {
		t.Fatalf("no rollover: %d shards", len(shards))
	}
	if shards[0].SequenceNumberRange.EndingSequenceNumber == nil || api.Str(shards[1].ParentShardId) != api.Str(shards[0].ShardId) {
		t.Fatalf("shards %+v %+v", shards[0], shards[1])
	}
	putV(t, db, "roll", "b")
	first := shardRecords(t, db, arn, api.Str(shards[0].ShardId))
	if len(first) != 1 || first[0] != "a" {
		t.Errorf("parent shard holds %v, want [a]", first)
	}
	var rest []string
	for _, sh := range shards[1:] {
		rest = append(rest, shardRecords(t, db, arn, api.Str(sh.ShardId))...)
	}
	d, err := db.DescribeStream(ctx, &api.DescribeStreamInput{StreamArn: &arn, ShardFilter: &api.ShardFilter{Type: api.Ptr(api.ShardFilterTypeChildShards), ShardId: shards[0].ShardId}})
	if err != nil || len(d.StreamDescription.Shards) != 1 || api.Str(d.StreamDescription.Shards[0].ShardId) != api.Str(shards[1].ShardId) {
		t.Errorf("CHILD_SHARDS: %+v %v", d, err)
	}
	// b was written after the second shard opened; later shards may exist.
	all := append(first, rest...)
	if len(all) != 2 || all[1] != "b" {
		t.Errorf("records across shards %v, want [a b]", all)
	}
}

// Records past retention are trimmed; an iterator behind the trim
// horizon gets TrimmedDataAccessException.
func TestStreamTrim(t *testing.T) {
	now := time.Now()
	var offset atomic.Int64
	// No background jobs: the test trims itself (maintainStreams), and a
	// stream job running between the clock's move and GetShardIterator
	// would trim first, leaving the iterator nothing to be behind (it
	// failed so, 7 times in 300 runs).
	db, _ := openRecorded(t, Options{Now: func() time.Time { return now.Add(time.Duration(offset.Load())) }, StreamRetention: time.Hour, StreamRollover: -1, NoIndexJobs: true})
	arn := streamTable(t, db, "trim", api.StreamViewTypeKeysOnly)
	putV(t, db, "trim", "a")
	ctx := context.Background()
	d, err := db.DescribeStream(ctx, &api.DescribeStreamInput{StreamArn: &arn})
	if err != nil {
		t.Fatal(err)
	}
	shard := d.StreamDescription.Shards[0].ShardId
	offset.Store(int64(2 * time.Hour))
	it, err := db.GetShardIterator(ctx, &api.GetShardIteratorInput{StreamArn: &arn, ShardId: shard, ShardIteratorType: api.Ptr(api.ShardIteratorTypeTrimHorizon)})
	if err != nil {
		t.Fatal(err)
	}
	e := db.lookup("trim")
	if _, err := db.maintainStreams(ctx, e); err != nil {
		t.Fatal(err)
	}
	_, err = db.GetRecords(ctx, &api.GetRecordsInput{ShardIterator: it.ShardIterator})
	if !errors.Is(err, apierr.TrimmedDataAccessException) {
		t.Fatalf("GetRecords behind the horizon: %v", err)
	}
	putV(t, db, "trim", "b")
	if got := shardRecords(t, db, arn, api.Str(shard)); len(got) != 1 || got[0] != "b" {
		t.Errorf("after trimming: %v, want [b]", got)
	}
}

// An iterator expires after 15 minutes.
func TestStreamIteratorExpires(t *testing.T) {
	now := time.Now()
	var offset atomic.Int64 // the clock moves while the stream job reads it
	db, _ := openRecorded(t, Options{Now: func() time.Time { return now.Add(time.Duration(offset.Load())) }})
	arn := streamTable(t, db, "expiry", api.StreamViewTypeKeysOnly)
	ctx := context.Background()
	d, err := db.DescribeStream(ctx, &api.DescribeStreamInput{StreamArn: &arn})
	if err != nil {
		t.Fatal(err)
	}
	it, err := db.GetShardIterator(ctx, &api.GetShardIteratorInput{StreamArn: &arn, ShardId: d.StreamDescription.Shards[0].ShardId, ShardIteratorType: api.Ptr(api.ShardIteratorTypeLatest)})
	if err != nil {
		t.Fatal(err)
	}
	offset.Store(int64(16 * time.Minute))
	if _, err := db.GetRecords(ctx, &api.GetRecordsInput{ShardIterator: it.ShardIterator}); !errors.Is(err, apierr.ExpiredIteratorException) {
		t.Fatalf("GetRecords with a 16-minute-old iterator: %v", err)
	}
}
