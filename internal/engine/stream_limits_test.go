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

// With StreamShardReaders 2, a third reader of a shard is refused with
// LimitExceededException while two read it; the two go on, and the third
// gets in once one has been quiet for streamReaderWindow. Without the
// option, any number read.
func TestStreamShardReadersLimit(t *testing.T) {
	var now atomic.Int64 // unix ns; the stream job reads the clock too
	now.Store(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	for _, limit := range []int{0, 2} {
		db, _ := openRecorded(t, Options{Now: clock, StreamShardReaders: limit})
		arn := streamTable(t, db, "readers", api.StreamViewTypeKeysOnly)
		putV(t, db, "readers", "a")
		ctx := context.Background()
		shard := describeAll(t, db, arn, nil)[0].ShardId
		iter := func() *string {
			it, err := db.GetShardIterator(ctx, &api.GetShardIteratorInput{StreamArn: &arn, ShardId: shard, ShardIteratorType: api.Ptr(api.ShardIteratorTypeTrimHorizon)})
			if err != nil {
				t.Fatal(err)
			}
			return it.ShardIterator
		}
		read := func(it *string) (*string, error) {
			out, err := db.GetRecords(ctx, &api.GetRecordsInput{ShardIterator: it})
			if err != nil {
				return nil, err
			}
			return out.NextShardIterator, nil
		}
		a, b, c := iter(), iter(), iter()
		var err error
		if a, err = read(a); err != nil {
			t.Fatal(err)
		}
		if b, err = read(b); err != nil {
			t.Fatal(err)
		}
		_, err = read(c)
		if limit == 0 {
			if err != nil {
				t.Fatalf("a third reader without a limit: %v", err)
			}
			continue
		}
		var ae *apierr.Error
		if !errors.Is(err, apierr.LimitExceededException) || !errors.As(err, &ae) || ae.Message != "Too many operations for a given subscriber." {
			t.Fatalf("a third reader: %v, want LimitExceededException", err)
		}
		if _, err = read(a); err != nil { // the current readers go on, with their next iterators
			t.Fatalf("reader a again: %v", err)
		}
		now.Add(int64(streamReaderWindow - time.Millisecond))
		if a, err = read(a); err != nil {
			t.Fatal(err)
		}
		now.Add(int64(2 * time.Millisecond)) // b has been quiet for the window: c takes its place
		if _, err = read(c); err != nil {
			t.Fatalf("a third reader after one went quiet: %v", err)
		}
		if _, err = read(b); !errors.Is(err, apierr.LimitExceededException) {
			t.Fatalf("the quiet reader back while two read: %v, want LimitExceededException", err)
		}
	}
}
