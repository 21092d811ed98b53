package engine

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
)

// A deleted table's stream is DISABLED and readable for the retention,
// listed beside the streams of a new table of the same name; then it and
// its change log are gone.
func TestStreamOfDeletedTable(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	db, _ := openRecorded(t, Options{Now: now, StreamRetention: time.Hour, StreamRollover: -1})
	ctx := context.Background()
	arn := streamTable(t, db, "gone", api.StreamViewTypeNewImage)
	putV(t, db, "gone", "a")
	putV(t, db, "gone", "b")
	ids := []uint64{db.lookup("gone").table.ID}
	if _, err := db.DeleteTable(ctx, &api.DeleteTableInput{TableName: api.Ptr("gone")}); err != nil {
		t.Fatal(err)
	}
	d, err := db.DescribeStream(ctx, &api.DescribeStreamInput{StreamArn: &arn})
	if err != nil {
		t.Fatal(err)
	}
	sd := d.StreamDescription
	if api.Str(sd.StreamStatus) != api.StreamStatusDisabled || api.Str(sd.TableName) != "gone" || len(sd.Shards) == 0 {
		t.Fatalf("deleted table's stream: %+v", sd)
	}
	var got []string
	for _, sh := range sd.Shards {
		if sh.SequenceNumberRange.EndingSequenceNumber == nil {
			t.Errorf("shard %s of a deleted table is open", api.Str(sh.ShardId))
		}
		got = append(got, shardRecords(t, db, arn, api.Str(sh.ShardId))...)
	}
	if len(got) != 2 {
		t.Errorf("records of the deleted table's stream: %v, want [a b]", got)
	}

	clock.Add(int64(time.Millisecond)) // a new label
	arn2 := streamTable(t, db, "gone", api.StreamViewTypeKeysOnly)
	putV(t, db, "gone", "c")
	ids = append(ids, db.lookup("gone").table.ID)
	ls, err := db.ListStreams(ctx, &api.ListStreamsInput{TableName: api.Ptr("gone")})
	if err != nil || len(ls.Streams) != 2 || api.Str(ls.Streams[0].StreamArn) != arn || api.Str(ls.Streams[1].StreamArn) != arn2 {
		t.Fatalf("ListStreams after re-creating: %+v %v", ls, err)
	}
	if _, err := db.DeleteTable(ctx, &api.DeleteTableInput{TableName: api.Ptr("gone")}); err != nil {
		t.Fatal(err)
	}
	ls, err = db.ListStreams(ctx, &api.ListStreamsInput{})
	if err != nil || len(ls.Streams) != 2 {
		t.Fatalf("ListStreams of deleted tables: %+v %v", ls, err)
	}

	clock.Add(int64(2 * time.Hour))
	if err := db.maintainDeletedStreams(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = db.DescribeStream(ctx, &api.DescribeStreamInput{StreamArn: &arn})
	if !errors.Is(err, apierr.ResourceNotFoundException) {
		t.Errorf("DescribeStream past retention: %v", err)
	}
	if _, err := db.ListStreams(ctx, &api.ListStreamsInput{TableName: api.Ptr("gone")}); !errors.Is(err, apierr.ResourceNotFoundException) {
		t.Errorf("ListStreams of a table gone past retention: %v", err)
	}
	left, err := db.deletedTables(ctx)
	if err != nil || len(left) != 0 {
		t.Errorf("deleted tables kept: %d, %v", len(left), err)
	}
	// The logs are reclaimed.
	for _, id := range ids {
		for n := 0; n < db.changeLogShards(); n++ {
			recs, err := db.store.ReadLog(ctx, changeLogName(id, n), 0, 10)
			if err != nil || len(recs) != 0 {
				t.Errorf("log %s: %d records left, %v", changeLogName(id, n), len(recs), err)
			}
		}
	}
}
