package integration

// DynamoDB Streams through aws-sdk-go-v2's dynamodb and dynamodbstreams
// clients, as applications use them.

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/smithy-go"

	"github.com/dynago/dynago/dynagotest"
)

func streamsClients(t *testing.T) (*dynamodb.Client, *dynamodbstreams.Client) {
	c, sc, _ := streamsServer(t)
	return c, sc
}

func streamsServer(t *testing.T) (*dynamodb.Client, *dynamodbstreams.Client, string) {
	t.Helper()
	s := dynagotest.New(t)
	sc := dynamodbstreams.New(dynamodbstreams.Options{
		BaseEndpoint: aws.String(s.URL()),
		Region:       dynagotest.Region,
		Credentials:  credentials.NewStaticCredentialsProvider("dynago", "dynago", ""),
	})
	return s.Client(), sc, s.URL()
}

func createStreamTable(t *testing.T, c *dynamodb.Client, name string, vt types.StreamViewType) *types.TableDescription {
	t.Helper()
	in := createTableInput(name, hashS)
	in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: vt}
	out, err := c.CreateTable(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return out.TableDescription
}

// readAll reads every record of every shard of the stream from
// TRIM_HORIZON.
func readAll(t *testing.T, sc *dynamodbstreams.Client, arn string) []stypes.Record {
	t.Helper()
	ctx := context.Background()
	d, err := sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	var all []stypes.Record
	for _, sh := range d.StreamDescription.Shards {
		it, err := sc.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(arn), ShardId: sh.ShardId, ShardIteratorType: stypes.ShardIteratorTypeTrimHorizon})
		if err != nil {
			t.Fatal(err)
		}
		iter := it.ShardIterator
		for iter != nil {
			r, err := sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter})
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, r.Records...)
			if len(r.Records) == 0 {
				break
			}
			iter = r.NextShardIterator
		}
	}
	return all
}

func TestStreamRecordsPerViewType(t *testing.T) {
	c, sc := streamsClients(t)
	ctx := context.Background()
	for _, vt := range []types.StreamViewType{types.StreamViewTypeKeysOnly, types.StreamViewTypeNewImage, types.StreamViewTypeOldImage, types.StreamViewTypeNewAndOldImages} {
		name := "s-" + string(vt)
		d := createStreamTable(t, c, name, vt)
		if d.LatestStreamArn == nil || d.LatestStreamLabel == nil || d.StreamSpecification == nil || d.StreamSpecification.StreamViewType != vt {
			t.Fatalf("%s: description %+v", vt, d)
		}
		put := func(v string) {
			if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: item{"pk": S("a"), "v": S(v)}}); err != nil {
				t.Fatal(err)
			}
		}
		put("1")
		put("2")
		put("2") // changes nothing: no record
		if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(name), Key: item{"pk": S("a")}}); err != nil {
			t.Fatal(err)
		}
		recs := readAll(t, sc, *d.LatestStreamArn)
		wantNames := []stypes.OperationType{stypes.OperationTypeInsert, stypes.OperationTypeModify, stypes.OperationTypeRemove}
		if len(recs) != len(wantNames) {
			t.Fatalf("%s: %d records, want %d", vt, len(recs), len(wantNames))
		}
		newImg := vt == types.StreamViewTypeNewImage || vt == types.StreamViewTypeNewAndOldImages
		oldImg := vt == types.StreamViewTypeOldImage || vt == types.StreamViewTypeNewAndOldImages
		prev := ""
		for i, r := range recs {
			if r.EventName != wantNames[i] || aws.ToString(r.EventSource) != "aws:dynamodb" || aws.ToString(r.AwsRegion) != dynagotest.Region || aws.ToString(r.EventVersion) != "1.1" || r.EventID == nil {
				t.Errorf("%s record %d: %+v", vt, i, r)
			}
			db := r.Dynamodb
			if string(db.StreamViewType) != string(vt) || db.ApproximateCreationDateTime == nil || db.SizeBytes == nil || *db.SizeBytes <= 0 {
				t.Errorf("%s record %d: %+v", vt, i, db)
			}
			if k, ok := db.Keys["pk"].(*stypes.AttributeValueMemberS); !ok || k.Value != "a" || len(db.Keys) != 1 {
				t.Errorf("%s record %d keys %v", vt, i, db.Keys)
			}
			seq := aws.ToString(db.SequenceNumber)
			if seq <= prev || len(seq) < 21 {
				t.Errorf("%s record %d: sequence number %s after %s", vt, i, seq, prev)
			}
			prev = seq
			hasNew := wantNames[i] != stypes.OperationTypeRemove && newImg
			hasOld := wantNames[i] != stypes.OperationTypeInsert && oldImg
			if (db.NewImage != nil) != hasNew || (db.OldImage != nil) != hasOld {
				t.Errorf("%s record %d: new %v old %v", vt, i, db.NewImage, db.OldImage)
			}
			if hasNew {
				want := []string{"1", "2"}[i]
				if v, ok := db.NewImage["v"].(*stypes.AttributeValueMemberS); !ok || v.Value != want {
					t.Errorf("%s record %d new image %v", vt, i, db.NewImage)
				}
			}
		}
	}
}

func TestStreamTableSettingsErrors(t *testing.T) {
	c, sc := streamsClients(t)
	ctx := context.Background()
	makeTable(t, c, "plain", hashS)
	checkErr := func(err error, code, msg string) {
		t.Helper()
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != code || ae.ErrorMessage() != msg {
			t.Errorf("error %v, want %s: %s", err, code, msg)
		}
	}
	_, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("plain"), StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(false)}})
	checkErr(err, "ValidationException", "Table has no stream to disable: TableName: plain")
	_, err = c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("plain"), StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true)}})
	checkErr(err, "ValidationException", "One or more parameter values were invalid: If stream is being enabled then UpdateViewType is required")
	in := createTableInput("nov", hashS)
	in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true)}
	_, err = c.CreateTable(ctx, in)
	checkErr(err, "ValidationException", "One or more parameter values were invalid: Table is being created with a stream enabled, UpdateViewType is required")

	up, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("plain"), StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeKeysOnly}})
	if err != nil {
		t.Fatal(err)
	}
	first := aws.ToString(up.TableDescription.LatestStreamArn)
	_, err = c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("plain"), StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewImage}})
	checkErr(err, "ValidationException", "Table already has an enabled stream: TableName: plain")
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("plain"), Item: item{"pk": S("x")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("plain"), StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(false)}}); err != nil {
		t.Fatal(err)
	}
	// Written while no stream is enabled: in no stream.
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("plain"), Item: item{"pk": S("y")}}); err != nil {
		t.Fatal(err)
	}
	dt, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("plain")})
	if err != nil {
		t.Fatal(err)
	}
	if dt.Table.StreamSpecification != nil || aws.ToString(dt.Table.LatestStreamArn) != first {
		t.Errorf("after disabling: %+v %v", dt.Table.StreamSpecification, aws.ToString(dt.Table.LatestStreamArn))
	}
	d, err := sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(first)})
	if err != nil {
		t.Fatal(err)
	}
	if d.StreamDescription.StreamStatus != stypes.StreamStatusDisabled || len(d.StreamDescription.Shards) != 1 || d.StreamDescription.Shards[0].SequenceNumberRange.EndingSequenceNumber == nil {
		t.Errorf("disabled stream: %+v", d.StreamDescription)
	}
	if recs := readAll(t, sc, first); len(recs) != 1 {
		t.Errorf("disabled stream has %d records, want 1", len(recs))
	}
	// Re-enabling makes a second stream; ListStreams lists both.
	if _, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("plain"), StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewImage}}); err != nil {
		t.Fatal(err)
	}
	ls, err := sc.ListStreams(ctx, &dynamodbstreams.ListStreamsInput{TableName: aws.String("plain")})
	if err != nil {
		t.Fatal(err)
	}
	if len(ls.Streams) != 2 {
		t.Fatalf("ListStreams: %+v", ls.Streams)
	}
	p1, err := sc.ListStreams(ctx, &dynamodbstreams.ListStreamsInput{Limit: aws.Int32(1)})
	if err != nil || len(p1.Streams) != 1 || p1.LastEvaluatedStreamArn == nil {
		t.Fatalf("ListStreams page 1: %+v %v", p1, err)
	}
	p2, err := sc.ListStreams(ctx, &dynamodbstreams.ListStreamsInput{Limit: aws.Int32(1), ExclusiveStartStreamArn: p1.LastEvaluatedStreamArn})
	if err != nil || len(p2.Streams) != 1 || aws.ToString(p2.Streams[0].StreamArn) == aws.ToString(p1.Streams[0].StreamArn) {
		t.Fatalf("ListStreams page 2: %+v %v", p2, err)
	}
}

func TestStreamIteratorsAndErrors(t *testing.T) {
	c, sc, url := streamsServer(t)
	ctx := context.Background()
	d := createStreamTable(t, c, "iters", types.StreamViewTypeNewImage)
	arn := d.LatestStreamArn
	for _, v := range []string{"a", "b", "c"} {
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("iters"), Item: item{"pk": S(v)}}); err != nil {
			t.Fatal(err)
		}
	}
	ds, err := sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	shard := ds.StreamDescription.Shards[0].ShardId
	recs := readAll(t, sc, *arn)
	if len(recs) != 3 {
		t.Fatalf("%d records", len(recs))
	}
	get := func(typ stypes.ShardIteratorType, seq *string) []stypes.Record {
		t.Helper()
		it, err := sc.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: arn, ShardId: shard, ShardIteratorType: typ, SequenceNumber: seq})
		if err != nil {
			t.Fatal(err)
		}
		r, err := sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it.ShardIterator, Limit: aws.Int32(2)})
		if err != nil {
			t.Fatal(err)
		}
		if r.NextShardIterator == nil {
			t.Error("an open shard's GetRecords has no NextShardIterator")
		}
		return r.Records
	}
	if r := get(stypes.ShardIteratorTypeTrimHorizon, nil); len(r) != 2 {
		t.Errorf("TRIM_HORIZON Limit 2: %d records", len(r))
	}
	if r := get(stypes.ShardIteratorTypeLatest, nil); len(r) != 0 {
		t.Errorf("LATEST: %d records", len(r))
	}
	second := recs[1].Dynamodb.SequenceNumber
	if r := get(stypes.ShardIteratorTypeAtSequenceNumber, second); len(r) != 2 || *r[0].Dynamodb.SequenceNumber != *second {
		t.Errorf("AT_SEQUENCE_NUMBER: %d records", len(r))
	}
	if r := get(stypes.ShardIteratorTypeAfterSequenceNumber, second); len(r) != 1 || *r[0].Dynamodb.SequenceNumber != *recs[2].Dynamodb.SequenceNumber {
		t.Errorf("AFTER_SEQUENCE_NUMBER: %d records", len(r))
	}
	code := func(err error) string {
		var ae smithy.APIError
		if errors.As(err, &ae) {
			return ae.ErrorCode()
		}
		return ""
	}
	_, err = sc.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String("arn:aws:dynamodb:us-east-1:000000000000:table/it/stream/xx"), ShardId: shard, ShardIteratorType: stypes.ShardIteratorTypeLatest})
	if code(err) != "ValidationException" {
		t.Errorf("malformed ARN: %v", err)
	}
	_, err = sc.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: arn, ShardId: aws.String("shardId-00000000000000000000-deadbeef"), ShardIteratorType: stypes.ShardIteratorTypeLatest})
	if code(err) != "ResourceNotFoundException" {
		t.Errorf("unknown shard: %v", err)
	}
	_, err = sc.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: arn, ShardId: shard, ShardIteratorType: stypes.ShardIteratorTypeAtSequenceNumber})
	if code(err) != "ValidationException" {
		t.Errorf("AT_SEQUENCE_NUMBER without a number: %v", err)
	}
	_, err = sc.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: arn, ShardId: shard, ShardIteratorType: stypes.ShardIteratorTypeLatest, SequenceNumber: second})
	if code(err) != "ValidationException" {
		t.Errorf("LATEST with a number: %v", err)
	}
	_, err = sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: aws.String("garbage-garbage-garbage")})
	if code(err) != "ValidationException" {
		t.Errorf("malformed iterator: %v", err)
	}
	_, err = sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(*arn + "x")})
	if c := code(err); c != "ValidationException" && c != "ResourceNotFoundException" {
		t.Errorf("unknown stream: %v", err)
	}
	// readAll returned 3, the four iterator reads 2+0+2+1.
	if n := sample(scrape(t, url), "dynago_stream_records_returned_total", map[string]string{"table": "iters"}); n != 8 {
		t.Errorf("stream_records_returned_total = %v, want 8", n)
	}
}

// A deleted table's stream goes DISABLED and stays readable (DynamoDB
// keeps it 24 hours).
func TestStreamOfDeletedTable(t *testing.T) {
	c, sc := streamsClients(t)
	ctx := context.Background()
	d := createStreamTable(t, c, "deleted", types.StreamViewTypeNewAndOldImages)
	arn := aws.ToString(d.LatestStreamArn)
	for _, v := range []string{"a", "b", "c"} {
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("deleted"), Item: item{"pk": S(v)}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("deleted")}); err != nil {
		t.Fatal(err)
	}
	ds, err := sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	if ds.StreamDescription.StreamStatus != stypes.StreamStatusDisabled {
		t.Errorf("stream of a deleted table is %s, want DISABLED", ds.StreamDescription.StreamStatus)
	}
	for _, sh := range ds.StreamDescription.Shards {
		if sh.SequenceNumberRange.EndingSequenceNumber == nil {
			t.Errorf("shard %s still open", aws.ToString(sh.ShardId))
		}
	}
	recs := readAll(t, sc, arn)
	if len(recs) != 3 {
		t.Fatalf("deleted table's stream: %d records, want 3", len(recs))
	}
	ls, err := sc.ListStreams(ctx, &dynamodbstreams.ListStreamsInput{TableName: aws.String("deleted")})
	if err != nil || len(ls.Streams) != 1 || aws.ToString(ls.Streams[0].StreamArn) != arn {
		t.Errorf("ListStreams of the deleted table: %+v %v", ls, err)
	}
}

// GetRecords returns at most 1 MB of records (at least one), and refuses a
// Limit above 1000; ApproximateCreationDateTime is rounded down to the
// second.
func TestStreamGetRecordsCaps(t *testing.T) {
	c, sc := streamsClients(t)
	ctx := context.Background()
	d := createStreamTable(t, c, "big", types.StreamViewTypeNewImage)
	arn := d.LatestStreamArn
	big := strings.Repeat("x", 300_000)
	before := time.Now().Truncate(time.Second)
	for _, k := range []string{"a", "b", "c", "d"} {
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("big"), Item: item{"pk": S(k), "v": S(big)}}); err != nil {
			t.Fatal(err)
		}
	}
	after := time.Now()
	ds, err := sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	it, err := sc.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: arn, ShardId: ds.StreamDescription.Shards[0].ShardId, ShardIteratorType: stypes.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	_, err = sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it.ShardIterator, Limit: aws.Int32(1001)})
	checkAPIError(t, err, "ValidationException", "1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000")
	var pages []int
	var total int64
	for iter := it.ShardIterator; iter != nil; {
		r, err := sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Records) == 0 {
			break
		}
		pages = append(pages, len(r.Records))
		var size int64
		for _, rec := range r.Records {
			size += aws.ToInt64(rec.Dynamodb.SizeBytes)
			at := aws.ToTime(rec.Dynamodb.ApproximateCreationDateTime)
			if at.Nanosecond() != 0 || at.Before(before) || at.After(after) {
				t.Errorf("ApproximateCreationDateTime %v, want whole seconds in [%v, %v]", at, before, after)
			}
		}
		if size > 1<<20 {
			t.Errorf("a GetRecords page of %d bytes", size)
		}
		total += size
		iter = r.NextShardIterator
	}
	if len(pages) != 2 || pages[0] != 3 || pages[1] != 1 {
		t.Errorf("pages of %v records, want [3 1]", pages)
	}
	if total < 4*300_000 {
		t.Errorf("SizeBytes add up to %d, want at least %d", total, 4*300_000)
	}
	_, err = sc.ListStreams(ctx, &dynamodbstreams.ListStreamsInput{Limit: aws.Int32(101)})
	checkAPIError(t, err, "ValidationException", "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100")
	_, err = sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: arn, Limit: aws.Int32(101)})
	checkAPIError(t, err, "ValidationException", "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100")
}

func checkAPIError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code || ae.ErrorMessage() != msg {
		t.Errorf("error %v, want %s: %s", err, code, msg)
	}
}

// An iterator expires after 15 minutes (ExpiredIteratorException); one
// behind the trim horizon gets TrimmedDataAccessException, each with
// DynamoDB's message.
func TestStreamIteratorExpiryAndTrim(t *testing.T) {
	clock := dynagotest.NewClock(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC))
	s := dynagotest.New(t, dynagotest.WithClock(clock.Now), dynagotest.WithStreamRetention(time.Hour), dynagotest.WithStreamRollover(40*time.Millisecond))
	c := s.Client()
	sc := dynamodbstreams.New(dynamodbstreams.Options{BaseEndpoint: aws.String(s.URL()), Region: dynagotest.Region,
		Credentials: credentials.NewStaticCredentialsProvider("dynago", "dynago", "")})
	ctx := context.Background()
	d := createStreamTable(t, c, "aging", types.StreamViewTypeKeysOnly)
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("aging"), Item: item{"pk": S("a")}}); err != nil {
		t.Fatal(err)
	}
	ds, err := sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: d.LatestStreamArn})
	if err != nil {
		t.Fatal(err)
	}
	shard := ds.StreamDescription.Shards[0].ShardId
	iter := func() *string {
		it, err := sc.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: d.LatestStreamArn, ShardId: shard, ShardIteratorType: stypes.ShardIteratorTypeTrimHorizon})
		if err != nil {
			t.Fatal(err)
		}
		return it.ShardIterator
	}
	old := iter()
	clock.Advance(15*time.Minute + time.Second)
	_, err = sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: old})
	checkAPIError(t, err, "ExpiredIteratorException", "Iterator expired. The iterator was created at time Wed Mar 04 05:06:07 UTC 2026 while right now it is Wed Mar 04 05:21:08 UTC 2026 which is further in the future than the tolerated delay of 900000 milliseconds.")

	recs := readAll(t, sc, *d.LatestStreamArn)
	if len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	clock.Advance(35 * time.Minute) // 50 minutes after the write
	fresh := iter()
	clock.Advance(11 * time.Minute) // the record is past the hour's retention; the iterator is 11 minutes old
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		_, err = sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: fresh})
		if err != nil || time.Now().After(deadline) {
			break
		}
	}
	checkAPIError(t, err, "TrimmedDataAccessException", "The operation attempted to read past the oldest stream record in a shard.")
	_, err = sc.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: d.LatestStreamArn, ShardId: shard,
		ShardIteratorType: stypes.ShardIteratorTypeAtSequenceNumber, SequenceNumber: recs[0].Dynamodb.SequenceNumber})
	checkAPIError(t, err, "TrimmedDataAccessException", "The operation attempted to read past the oldest stream record in a shard.")
	if got := readAll(t, sc, *d.LatestStreamArn); len(got) != 0 {
		t.Errorf("after trimming, TRIM_HORIZON reads %d records", len(got))
	}
}

// dynago_stream_records_written_total counts the records of committed
// writes only: not a failed condition, a change of nothing, a cancelled
// transaction, nor the writes of a table without a stream.
func TestStreamRecordsWrittenMetric(t *testing.T) {
	c, sc, url := streamsServer(t)
	ctx := context.Background()
	d := createStreamTable(t, c, "counted", types.StreamViewTypeKeysOnly)
	makeTable(t, c, "uncounted", hashS)
	put := func(table, k string, cond *string) error {
		_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item{"pk": S(k)}, ConditionExpression: cond})
		return err
	}
	for _, k := range []string{"a", "b", "a"} { // the second a changes nothing
		if err := put("counted", k, nil); err != nil {
			t.Fatal(err)
		}
		if err := put("uncounted", k, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := put("counted", "a", aws.String("attribute_not_exists(pk)")); err == nil {
		t.Fatal("the condition passed")
	}
	tx := func(cond string) error {
		_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: aws.String("counted"), Item: item{"pk": S("t1")}}},
			{Put: &types.Put{TableName: aws.String("counted"), Item: item{"pk": S("t2")}, ConditionExpression: aws.String(cond)}},
			{Put: &types.Put{TableName: aws.String("uncounted"), Item: item{"pk": S("t3")}}},
		}})
		return err
	}
	if err := tx("attribute_exists(pk)"); err == nil {
		t.Fatal("the transaction's condition passed")
	}
	if err := tx("attribute_not_exists(pk)"); err != nil {
		t.Fatal(err)
	}
	recs := readAll(t, sc, aws.ToString(d.LatestStreamArn))
	if len(recs) != 4 {
		t.Fatalf("%d records, want 4", len(recs))
	}
	m := scrape(t, url)
	if n := sample(m, "dynago_stream_records_written_total", map[string]string{"table": "counted"}); n != 4 {
		t.Errorf("stream_records_written_total{counted} = %v, want 4", n)
	}
	if n := sample(m, "dynago_stream_records_written_total", map[string]string{"table": "uncounted"}); n > 0 {
		t.Errorf("stream_records_written_total{uncounted} = %v, want none", n)
	}
}
