package engine

// The DynamoDB Streams operations: ListStreams, DescribeStream,
// GetShardIterator and GetRecords, served on the same port under the
// DynamoDBStreams_20120810 target prefix. Records are read from the change
// log up to its durable watermark, so a record is returned only once its
// write is durable, within a millisecond of its acknowledgement.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/kv"
)

// iteratorLifetime is how long a shard iterator stays valid, as in
// DynamoDB.
const iteratorLifetime = 15 * time.Minute

// errTrimmed is DynamoDB's answer to reading records that were trimmed.
var errTrimmed = apierr.New(apierr.TrimmedDataAccessException, "The operation attempted to read past the oldest stream record in a shard.")

// javaDate is how DynamoDB's messages write a time (Java's Date.toString:
// the day zero-padded, unlike time.UnixDate).
const javaDate = "Mon Jan 02 15:04:05 MST 2006"

// getRecordsMaxBytes caps the records of one GetRecords response (1 MB),
// and getRecordsMaxLimit their number, as in DynamoDB.
const (
	getRecordsMaxBytes = 1 << 20
	getRecordsMaxLimit = 1000
)

// errLimitAbove is DynamoDB's refusal of a Limit above the operation's
// upper limit (GetRecords 1000, ListStreams and DescribeStream 100).
func errLimitAbove(limit int64, most int) error {
	return apierr.Validationf("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value less than or equal to %d", limit, most)
}

// shardIterator is what a ShardIterator string carries, after the stream
// ARN and "|1|" as DynamoDB's iterators begin.
type shardIterator struct {
	Shard  string `json:"s"`
	After  kv.Seq `json:"a"`           // the iterator reads records after this Seq
	Issued int64  `json:"t"`           // unix milliseconds
	Reader uint64 `json:"r,omitempty"` // the iterator chain, a reader (stream_limits.go)
}

func encodeIterator(arn string, it shardIterator) string {
	b, _ := json.Marshal(it) // plain data: cannot fail
	return arn + "|1|" + base64.RawURLEncoding.EncodeToString(b)
}

func decodeIterator(s string) (arn string, it shardIterator, ok bool) {
	arn, rest, found := strings.Cut(s, "|1|")
	if !found {
		return "", it, false
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || json.Unmarshal(b, &it) != nil || it.Shard == "" {
		return "", it, false
	}
	return arn, it, true
}

// streamOf resolves a stream ARN to its table record and stream.
// A deleted table's stream is found among the deleted tables' records
// (stream_deleted.go) while it is readable.
func (db *DB) streamOf(ctx context.Context, arn string) (*tableRecord, *streamState, error) {
	table, label, ok := db.parseStreamArn(arn)
	if !ok {
		return nil, nil, apierr.Validationf("Invalid StreamArn: %s", arn)
	}
	notFound := apierr.Newf(apierr.ResourceNotFoundException, "Requested resource not found: Stream: %s not found", arn)
	if e := db.cat.get(table); e != nil {
		if st := e.rec.stream(label); st != nil {
			return e.rec, st, nil
		}
	}
	rec, st, err := db.deletedStream(ctx, table, label)
	if err != nil {
		return nil, nil, err
	}
	if st == nil {
		return nil, nil, notFound
	}
	return rec, st, nil
}

func (db *DB) listStreams(ctx context.Context, in *api.ListStreamsInput) (*api.ListStreamsOutput, error) {
	if in.Limit != nil && *in.Limit > 100 {
		return nil, errLimitAbove(*in.Limit, 100)
	}
	limit := int(api.Int(in.Limit, 100))
	start := ""
	if in.ExclusiveStartStreamArn != nil {
		t, l, ok := db.parseStreamArn(*in.ExclusiveStartStreamArn)
		if !ok {
			return nil, apierr.Validationf("Invalid StreamArn: %s", *in.ExclusiveStartStreamArn)
		}
		start = t + "\x00" + l
	}
	only := ""
	if in.TableName != nil {
		name, ok := db.resolveTableName(*in.TableName)
		if !ok {
			return nil, errTableNotFound(*in.TableName)
		}
		only = name
	}
	type listed struct{ table, label string }
	var all []listed
	found := false
	names := db.cat.names()
	if only != "" {
		names = []string{only}
	}
	for _, name := range names {
		if e := db.cat.get(name); e != nil {
			found = true
			for _, st := range e.rec.streams() {
				all = append(all, listed{name, st.Label})
			}
		}
	}
	deleted, err := db.deletedTables(ctx)
	if err != nil {
		return nil, err
	}
	for _, d := range deleted {
		name := api.Str(d.rec.Desc.TableName)
		if only != "" && name != only {
			continue
		}
		for _, st := range d.readable(db.opts.Now(), db.streamRetention()) {
			found = true
			all = append(all, listed{name, st.Label})
		}
	}
	if only != "" && !found {
		return nil, errTableNotFound(*in.TableName)
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].table != all[j].table {
			return all[i].table < all[j].table
		}
		return all[i].label < all[j].label
	})
	out := &api.ListStreamsOutput{Streams: []api.Stream{}}
	for _, l := range all {
		if l.table+"\x00"+l.label <= start {
			continue
		}
		if len(out.Streams) == limit {
			last := out.Streams[limit-1]
			out.LastEvaluatedStreamArn = api.Ptr(db.streamArn(api.Str(last.TableName), api.Str(last.StreamLabel)))
			break
		}
		out.Streams = append(out.Streams, api.Stream{StreamArn: api.Ptr(db.streamArn(l.table, l.label)), StreamLabel: api.Ptr(l.label), TableName: api.Ptr(l.table)})
	}
	return out, nil
}

func (db *DB) describeStream(ctx context.Context, in *api.DescribeStreamInput) (*api.DescribeStreamOutput, error) {
	if in.Limit != nil && *in.Limit > 100 {
		return nil, errLimitAbove(*in.Limit, 100)
	}
	arn := api.Str(in.StreamArn)
	rec, st, err := db.streamOf(ctx, arn)
	if err != nil {
		return nil, err
	}
	all, err := db.shards(ctx, rec, st)
	if err != nil {
		return nil, err
	}
	if f := in.ShardFilter; f != nil && api.Str(f.Type) == api.ShardFilterTypeChildShards {
		parent := api.Str(f.ShardId)
		var kids []streamShard
		for _, sh := range all {
			if sh.parent == parent {
				kids = append(kids, sh)
			}
		}
		all = kids
	}
	status := api.StreamStatusEnabled
	if !st.enabled() {
		status = api.StreamStatusDisabled
	}
	d := &api.StreamDescription{
		CreationRequestDateTime: api.Ptr(api.NewTime(time.UnixMilli(st.Created))),
		KeySchema:               rec.Desc.KeySchema,
		Shards:                  []api.Shard{},
		StreamArn:               api.Ptr(arn),
		StreamLabel:             api.Ptr(st.Label),
		StreamStatus:            api.Ptr(status),
		StreamViewType:          api.Ptr(st.ViewType),
		TableName:               rec.Desc.TableName,
	}
	limit := int(api.Int(in.Limit, 100))
	after := api.Str(in.ExclusiveStartShardId)
	horizons := map[int]kv.Seq{}
	for _, sh := range all {
		if after != "" && sh.id <= after {
			continue
		}
		h, ok := horizons[sh.log]
		if !ok {
			if h, err = db.trimHorizon(ctx, changeLogName(rec.ID, sh.log)); err != nil {
				return nil, err
			}
			horizons[sh.log] = h
		}
		if sh.end != 0 && sh.end <= h {
			continue // trimmed away, as DynamoDB drops expired shards
		}
		if len(d.Shards) == limit {
			d.LastEvaluatedShardId = d.Shards[limit-1].ShardId
			break
		}
		d.Shards = append(d.Shards, describeShard(&sh))
	}
	return &api.DescribeStreamOutput{StreamDescription: d}, nil
}

func (db *DB) getShardIterator(ctx context.Context, in *api.GetShardIteratorInput) (*api.GetShardIteratorOutput, error) {
	arn := api.Str(in.StreamArn)
	typ := api.Str(in.ShardIteratorType)
	bySeq := typ == api.ShardIteratorTypeAtSequenceNumber || typ == api.ShardIteratorTypeAfterSequenceNumber
	switch {
	case bySeq && in.SequenceNumber == nil:
		return nil, apierr.Validationf("Must specify a sequence number for iterator type %s", typ)
	case !bySeq && in.SequenceNumber != nil:
		return nil, apierr.Validationf("Sequence number must not be specified for iterator type %s", typ)
	}
	rec, st, err := db.streamOf(ctx, arn)
	if err != nil {
		return nil, err
	}
	id := api.Str(in.ShardId)
	sh, err := db.findShard(ctx, rec, st, id)
	if err != nil {
		return nil, err
	}
	if sh == nil {
		return nil, apierr.Newf(apierr.ResourceNotFoundException, "Requested resource not found: Shard does not exist")
	}
	horizon, err := db.trimHorizon(ctx, changeLogName(rec.ID, sh.log))
	if err != nil {
		return nil, err
	}
	after := max(sh.start, horizon)
	switch typ {
	case api.ShardIteratorTypeLatest:
		if sh.end != 0 {
			after = sh.end - 1
			break
		}
		wm, err := db.store.LogWatermark(ctx, changeLogName(rec.ID, sh.log))
		if err != nil {
			return nil, err
		}
		after = max(after, wm)
	case api.ShardIteratorTypeAtSequenceNumber, api.ShardIteratorTypeAfterSequenceNumber:
		s, err := parseSeq(*in.SequenceNumber)
		if err != nil || s <= sh.start || (sh.end != 0 && s >= sh.end) {
			return nil, apierr.Validationf("Invalid SequenceNumber: %s for shard %s", *in.SequenceNumber, id)
		}
		if !sh.whole() {
			ok, err := db.shardHoldsSeq(ctx, rec, sh, s)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, apierr.Validationf("Invalid SequenceNumber: %s for shard %s", *in.SequenceNumber, id)
			}
		}
		after = s - 1
		if typ == api.ShardIteratorTypeAfterSequenceNumber {
			after = s
		}
		if after < horizon {
			return nil, errTrimmed
		}
	}
	it := shardIterator{Shard: id, After: after, Issued: db.opts.Now().UnixMilli(), Reader: newReaderID()}
	return &api.GetShardIteratorOutput{ShardIterator: api.Ptr(encodeIterator(arn, it))}, nil
}

func (db *DB) getRecords(ctx context.Context, in *api.GetRecordsInput) (*api.GetRecordsOutput, error) {
	if in.Limit != nil && *in.Limit > getRecordsMaxLimit {
		return nil, errLimitAbove(*in.Limit, getRecordsMaxLimit)
	}
	arn, it, ok := decodeIterator(api.Str(in.ShardIterator))
	if !ok {
		return nil, apierr.Validation("Invalid ShardIterator")
	}
	now := db.opts.Now()
	if issued := time.UnixMilli(it.Issued); now.Sub(issued) > iteratorLifetime {
		return nil, apierr.Newf(apierr.ExpiredIteratorException,
			"Iterator expired. The iterator was created at time %s while right now it is %s which is further in the future than the tolerated delay of %d milliseconds.",
			issued.UTC().Format(javaDate), now.UTC().Format(javaDate), iteratorLifetime.Milliseconds())
	}
	rec, st, err := db.streamOf(ctx, arn)
	if err != nil {
		return nil, err
	}
	sh, err := db.findShard(ctx, rec, st, it.Shard)
	if err != nil {
		return nil, err
	}
	if sh == nil {
		return nil, apierr.New(apierr.ResourceNotFoundException, "Requested resource not found: Shard does not exist")
	}
	if err := db.streamReaders.admit(arn, it.Shard, it.Reader, now, db.opts.StreamShardReaders); err != nil {
		return nil, err
	}
	log := changeLogName(rec.ID, sh.log)
	trimmed, err := db.trimHorizon(ctx, log)
	if err != nil {
		return nil, err
	}
	if it.After < trimmed {
		return nil, errTrimmed
	}
	limit := int(api.Int(in.Limit, getRecordsMaxLimit))
	out := &api.GetRecordsOutput{Records: []api.Record{}}
	// Records are added while they fit in 1 MB (the first always does);
	// after is the last Seq consumed, where the next iterator resumes.
	// A split shard's records are those of its hash range: the others are
	// skipped, up to getRecordsMaxScan of them (stream_split.go).
	whole, hashKey, scanned := sh.whole(), hashKeyName(rec), 0
	after, size, closed, full := it.After, 0, false, false
	for len(out.Records) < limit && !closed && !full {
		n := limit - len(out.Records) + 1
		if !whole {
			n = min(4*n, getRecordsMaxScan-scanned+1)
		}
		recs, err := db.store.ReadLog(ctx, log, after, n)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			if sh.end != 0 && r.Seq >= sh.end {
				closed = true
				break
			}
			if len(out.Records) == limit || (!whole && scanned == getRecordsMaxScan) {
				full = true
				break
			}
			scanned++
			if isMarker(r.Value) {
				after = r.Seq
				continue
			}
			c, keys, err := decodeStreamKeys(r.Value)
			if err != nil {
				return nil, err
			}
			if !whole && !sh.holds(keysHash(hashKey, keys)) {
				after = r.Seq
				continue
			}
			sr, n, err := db.streamRecord(rec, st, r.Seq, c, keys)
			if err != nil {
				return nil, err
			}
			if len(out.Records) > 0 && size+n > getRecordsMaxBytes {
				full = true
				break
			}
			out.Records = append(out.Records, sr)
			size += n
			after = r.Seq
		}
		if len(recs) == 0 {
			break
		}
	}
	if sh.end != 0 && !closed && after >= sh.end-1 {
		closed = true
	}
	var age time.Duration
	if n := len(out.Records); n > 0 {
		age = now.Sub(time.Unix(int64(*out.Records[n-1].Dynamodb.ApproximateCreationDateTime), 0))
	}
	db.opts.Observer.StreamRecordsRead(api.Str(rec.Desc.TableName), len(out.Records), age)
	if !closed {
		next := shardIterator{Shard: it.Shard, After: after, Issued: now.UnixMilli(), Reader: it.Reader}
		out.NextShardIterator = api.Ptr(encodeIterator(arn, next))
	}
	return out, nil
}

// decodeStreamKeys decodes a change-log record and its keys.
func decodeStreamKeys(v []byte) (*changeRecord, attr.Item, error) {
	c, err := decodeStreamChange(v)
	if err != nil {
		return nil, nil, err
	}
	keys, err := attr.DecodeItemJSON(c.Keys)
	if err != nil {
		return nil, nil, err
	}
	return c, keys, nil
}

// streamRecord shapes change c (with its keys), the log record at seq, as
// a stream record of st, returning it and its size in bytes.
func (db *DB) streamRecord(rec *tableRecord, st *streamState, seq kv.Seq, c *changeRecord, keys attr.Item) (api.Record, int, error) {
	var err error
	sr := &api.StreamRecord{
		ApproximateCreationDateTime: api.Ptr(api.Time(c.changeTime().Unix())),
		Keys:                        keys,
		SequenceNumber:              api.Ptr(seqString(seq)),
		StreamViewType:              api.Ptr(st.ViewType),
	}
	size := attr.ItemSize(keys)
	vt := st.ViewType
	if len(c.New) > 0 && (vt == api.StreamViewTypeNewImage || vt == api.StreamViewTypeNewAndOldImages) {
		if sr.NewImage, err = attr.DecodeItemJSON(c.New); err != nil {
			return api.Record{}, 0, err
		}
		size += attr.ItemSize(sr.NewImage)
	}
	if len(c.Old) > 0 && (vt == api.StreamViewTypeOldImage || vt == api.StreamViewTypeNewAndOldImages) {
		if sr.OldImage, err = attr.DecodeItemJSON(c.Old); err != nil {
			return api.Record{}, 0, err
		}
		size += attr.ItemSize(sr.OldImage)
	}
	sr.SizeBytes = api.Ptr(int64(size))
	name := "MODIFY"
	switch c.Event {
	case eventInsert:
		name = "INSERT"
	case eventRemove:
		name = "REMOVE"
	}
	out := api.Record{
		AwsRegion:    api.Ptr(db.opts.Region),
		Dynamodb:     sr,
		EventID:      api.Ptr(fmt.Sprintf("%016x%016x", uint64(seq), rec.ID)),
		EventName:    api.Ptr(name),
		EventSource:  api.Ptr("aws:dynamodb"),
		EventVersion: api.Ptr("1.1"),
	}
	if c.Origin == fromTTL {
		out.UserIdentity = &api.Identity{Type: api.Ptr("Service"), PrincipalId: api.Ptr("dynamodb.amazonaws.com")}
	}
	return out, size, nil
}

// trimHorizonPrefix + a log's name → the Seq the log has been trimmed up
// to (8 bytes big-endian), written by the trim job before it trims.
const trimHorizonPrefix = "m/stream-trim/"

func (db *DB) trimHorizon(ctx context.Context, log []byte) (kv.Seq, error) {
	b, err := db.store.Get(ctx, append([]byte(trimHorizonPrefix), log...))
	switch {
	case err == kv.ErrNotFound:
		return 0, nil
	case err != nil:
		return 0, err
	case len(b) != 8:
		return 0, fmt.Errorf("engine: corrupt trim horizon of %s", log)
	}
	var s uint64
	for _, c := range b {
		s = s<<8 | uint64(c)
	}
	return kv.Seq(s), nil
}
