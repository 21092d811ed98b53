package engine

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
)

// recordingSink is a KinesisSink over memory that knows one stream and
// can be made to refuse a record once, as Kinesis refuses some records of
// a PutRecords call.
type recordingSink struct {
	mu      sync.Mutex
	stream  string
	got     []kinesisData
	refuse  int // refuse the record at this position of the next call (1-based; 0: none)
	refused bool
}

func (s *recordingSink) CheckStream(_ context.Context, arn string) error {
	if arn != s.stream {
		return errors.New("ResourceNotFoundException")
	}
	return nil
}

func (s *recordingSink) PutRecords(_ context.Context, arn string, recs []KinesisRecord) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, r := range recs {
		if !s.refused && s.refuse == i+1 {
			s.refused = true
			return i, errors.New("ProvisionedThroughputExceededException")
		}
		var d kinesisData
		if err := json.Unmarshal(r.Data, &d); err != nil {
			return i, err
		}
		s.got = append(s.got, d)
	}
	return len(recs), nil
}

func (s *recordingSink) records() []kinesisData {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]kinesisData(nil), s.got...)
}

const testStream = "arn:aws:kinesis:us-east-1:000000000000:stream/changes"

func openKinesisDB(t *testing.T, sink KinesisSink) *DB {
	t.Helper()
	opts := Options{JobPollInterval: 5 * time.Millisecond}
	if sink != nil {
		opts.Kinesis = sink
	}
	db, err := Open(context.Background(), newTablesStore(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func waitDestination(t *testing.T, db *DB, table, arn, want string) api.KinesisDataStreamDestination {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := db.DescribeKinesisStreamingDestination(context.Background(), &api.DescribeKinesisStreamingDestinationInput{TableName: api.Ptr(table)})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range out.KinesisDataStreamDestinations {
			if api.Str(d.StreamArn) == arn && api.Str(d.DestinationStatus) == want {
				return d
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never became %s: %+v", arn, want, out.KinesisDataStreamDestinations)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Every change after the destination is ACTIVE arrives once, in order per
// item, with both images even though the table's own stream is
// KEYS_ONLY; a batch Kinesis refuses part of is resent from the refused
// record, so nothing is lost or reordered.
func TestKinesisDeliversInOrder(t *testing.T) {
	ctx := context.Background()
	sink := &recordingSink{stream: testStream, refuse: 3}
	db := openKinesisDB(t, sink)
	in := hashTable("Tbl", 0)
	in.StreamSpecification = &api.StreamSpecification{StreamEnabled: api.Ptr(true), StreamViewType: api.Ptr(api.StreamViewTypeKeysOnly)}
	mustCreate(t, db, in)
	if _, err := db.EnableKinesisStreamingDestination(ctx, &api.KinesisStreamingDestinationInput{TableName: api.Ptr("Tbl"), StreamArn: api.Ptr(testStream)}); err != nil {
		t.Fatal(err)
	}
	waitDestination(t, db, "Tbl", testStream, api.DestinationStatusActive)
	for i := range 5 {
		for _, v := range []int64{1, 2} {
			if _, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("Tbl"), Item: attr.Item{"id": attr.String(string(rune('a' + i))), "v": attr.NumberFromInt(v)}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(sink.records()) < 10 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	got := sink.records()
	if len(got) != 10 || !sink.refused {
		t.Fatalf("%d records delivered (refused one: %v), want 10", len(got), sink.refused)
	}
	for i, d := range got {
		want := "INSERT"
		if i%2 == 1 {
			want = "MODIFY"
		}
		var keys map[string]map[string]string
		if err := json.Unmarshal(d.Dynamodb.Keys, &keys); err != nil {
			t.Fatal(err)
		}
		if id := keys["id"]["S"]; d.EventName != want || id != string(rune('a'+i/2)) {
			t.Errorf("record %d: %s of %s, want %s of %c", i, d.EventName, id, want, 'a'+i/2)
		}
		if len(d.Dynamodb.NewImage) == 0 || (want == "MODIFY") != (len(d.Dynamodb.OldImage) > 0) {
			t.Errorf("record %d: images new=%s old=%s", i, d.Dynamodb.NewImage, d.Dynamodb.OldImage)
		}
	}
}

// Without a Kinesis endpoint every destination fails, as DynamoDB's does
// for a stream it cannot use, and the table stops logging for it.
func TestKinesisWithoutSinkFails(t *testing.T) {
	ctx := context.Background()
	db := openKinesisDB(t, nil)
	mustCreate(t, db, hashTable("Tbl", 0))
	if _, err := db.EnableKinesisStreamingDestination(ctx, &api.KinesisStreamingDestinationInput{TableName: api.Ptr("Tbl"), StreamArn: api.Ptr(testStream)}); err != nil {
		t.Fatal(err)
	}
	d := waitDestination(t, db, "Tbl", testStream, api.DestinationStatusEnableFailed)
	if api.Str(d.DestinationStatusDescription) != kinesisNoStream {
		t.Errorf("description %q", api.Str(d.DestinationStatusDescription))
	}
	if cl := db.lookup("Tbl").rec.ChangeLog; cl != nil {
		t.Errorf("a failed destination left the change log on: %+v", cl)
	}
	_, err := db.UpdateKinesisStreamingDestination(ctx, &api.UpdateKinesisStreamingDestinationInput{TableName: api.Ptr("Tbl"), StreamArn: api.Ptr(testStream),
		UpdateKinesisStreamingConfiguration: &api.UpdateKinesisStreamingConfiguration{ApproximateCreationDateTimePrecision: api.Ptr(api.ApproximateCreationDateTimePrecisionMicrosecond)}})
	wantAPIErr(t, err, apierr.ValidationException, "Table is not in a valid state to enable Kinesis Streaming Destination: Kinesis streaming is not in ACTIVE state. Updates are only allowed in ACTIVE state. TableName: Tbl")
	// A failed entry may be enabled again: it is reused, not duplicated.
	if _, err := db.EnableKinesisStreamingDestination(ctx, &api.KinesisStreamingDestinationInput{TableName: api.Ptr("Tbl"), StreamArn: api.Ptr(testStream)}); err != nil {
		t.Fatal(err)
	}
	waitDestination(t, db, "Tbl", testStream, api.DestinationStatusEnableFailed)
	out, err := db.DescribeKinesisStreamingDestination(ctx, &api.DescribeKinesisStreamingDestinationInput{TableName: api.Ptr("Tbl")})
	if err != nil || len(out.KinesisDataStreamDestinations) != 1 {
		t.Fatalf("%+v, %v", out, err)
	}
	_, err = db.DescribeKinesisStreamingDestination(ctx, &api.DescribeKinesisStreamingDestinationInput{TableName: api.Ptr("Nope")})
	wantAPIErr(t, err, apierr.ResourceNotFoundException, "Requested resource not found: Table: Nope not found")
}

// A destination disabled and enabled again delivers from its new start:
// what was written while it was off (kept in the log by the table's
// stream) is not replayed from the earlier checkpoint.
func TestKinesisReenableDoesNotReplay(t *testing.T) {
	ctx := context.Background()
	sink := &recordingSink{stream: testStream}
	db := openKinesisDB(t, sink)
	in := hashTable("Tbl", 0)
	in.StreamSpecification = &api.StreamSpecification{StreamEnabled: api.Ptr(true), StreamViewType: api.Ptr(api.StreamViewTypeNewImage)}
	mustCreate(t, db, in)
	dest := &api.KinesisStreamingDestinationInput{TableName: api.Ptr("Tbl"), StreamArn: api.Ptr(testStream)}
	put := func(id string) {
		t.Helper()
		if _, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("Tbl"), Item: attr.Item{"id": attr.String(id)}}); err != nil {
			t.Fatal(err)
		}
	}
	waitRecords := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); len(sink.records()) < n && time.Now().Before(deadline); {
			time.Sleep(5 * time.Millisecond)
		}
	}
	if _, err := db.EnableKinesisStreamingDestination(ctx, dest); err != nil {
		t.Fatal(err)
	}
	waitDestination(t, db, "Tbl", testStream, api.DestinationStatusActive)
	put("a")
	waitRecords(1)
	if _, err := db.DisableKinesisStreamingDestination(ctx, dest); err != nil {
		t.Fatal(err)
	}
	put("while-off")
	if _, err := db.EnableKinesisStreamingDestination(ctx, dest); err != nil {
		t.Fatal(err)
	}
	waitDestination(t, db, "Tbl", testStream, api.DestinationStatusActive)
	put("c")
	waitRecords(2)
	time.Sleep(50 * time.Millisecond) // a replay, if any, would arrive with c
	var ids []string
	for _, d := range sink.records() {
		var keys map[string]map[string]string
		if err := json.Unmarshal(d.Dynamodb.Keys, &keys); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, keys["id"]["S"])
	}
	if len(ids) != 2 || ids[0] != "a" || ids[1] != "c" {
		t.Fatalf("delivered %v, want [a c]", ids)
	}
}
