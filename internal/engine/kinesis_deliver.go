package engine

// The kinesis job: one leased job that checks the streams of ENABLING
// Kinesis streaming destinations (making them ACTIVE or ENABLE_FAILED) and
// delivers the change-log records of every ACTIVE one to its stream
// through Options.Kinesis, in Kinesis Data Streams for DynamoDB's record
// format:
//
//	{"awsRegion":…,"eventID":…,"eventName":"INSERT|MODIFY|REMOVE","userIdentity":null,
//	 "recordFormat":"application/json","tableName":…,"eventSource":"aws:dynamodb",
//	 "dynamodb":{"ApproximateCreationDateTime":<ms or µs>,"Keys":…,"NewImage":…,"OldImage":…,"SizeBytes":…}}
//
// Delivery starts at the change log's end when the destination turns
// ACTIVE, and is at least once and in order for each item (an item's
// records are in one log; a batch Kinesis refuses part of is resent from
// its first refused record). The job checkpoints what it delivered per
// destination and log. While any destination is ACTIVE the job runs
// continuously; otherwise it sleeps until an Enable wakes it.
//
// The change log is trimmed by its other users (the stream job, PITR);
// for a table whose only user is Kinesis this job trims what it has
// delivered once older than the stream retention. Records trimmed before
// delivery (Kinesis unreachable for longer) are skipped with a warning.

import (
	"cmp"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/jobs"
	"github.com/dynago/dynago/internal/kv"
)

const (
	jobKinesis   = "kinesis"
	kinesisJobID = "all"

	// kinesisBatch is the most change-log records one pass reads of a log.
	kinesisBatch = 500
	// kinesisIdle is how long the job waits when nothing is new.
	kinesisIdle = 20 * time.Millisecond
	// kinesisMaxPause caps the pause after a failed delivery.
	kinesisMaxPause = 5 * time.Second
	// kinesisSleep is how long the job sleeps with no ACTIVE destination
	// (an Enable wakes it sooner).
	kinesisSleep = time.Minute
)

// kinesisNoStream is the DestinationStatusDescription DynamoDB gives an
// entry whose stream it cannot use.
const kinesisNoStream = "User does not have a permission to use kinesis stream"

// wakeKinesis makes the kinesis job run now (an Enable is waiting).
func (db *DB) wakeKinesis() {
	if db.jobs == nil {
		return
	}
	if err := db.jobs.RunSoon(context.Background(), jobKinesis, kinesisJobID); err != nil {
		db.opts.Logger.Warn("scheduling the kinesis job", "err", err)
	}
}

// runKinesis checks and delivers until no destination is ACTIVE.
func (db *DB) runKinesis(ctx context.Context, j *jobs.Job) error {
	done := map[string]kv.Seq{}
	if len(j.Progress) > 0 {
		if err := json.Unmarshal(j.Progress, &done); err != nil {
			return fmt.Errorf("kinesis job: progress: %w", err)
		}
	}
	err := deliveryLoop(ctx, kinesisIdle, kinesisMaxPause, func() (bool, bool, error) {
		active, sent, err := db.kinesisPass(ctx, j, done)
		return !active, sent, err
	}, func(err error, pause time.Duration) {
		db.opts.Logger.Warn("kinesis delivery failed; retrying", "in", pause, "err", err)
	})
	if err != nil {
		return err
	}
	return &jobs.Again{At: time.Now().Add(kinesisSleep)}
}

// kinesisPass checks the ENABLING destinations and delivers one batch of
// each log to each ACTIVE one. active reports whether any is ACTIVE
// afterwards, sent whether anything was delivered.
func (db *DB) kinesisPass(ctx context.Context, j *jobs.Job, done map[string]kv.Seq) (active, sent bool, err error) {
	if _, err := db.syncCatalog(ctx, db.store); err != nil {
		return false, false, err
	}
	var first error           // one failing stream does not hold the others up
	live := map[string]bool{} // the checkpoint prefixes of ACTIVE destinations
	for _, name := range db.cat.names() {
		e := db.cat.get(name)
		if e == nil || len(e.rec.Kinesis) == 0 {
			continue
		}
		for _, d := range e.rec.Kinesis {
			if d.State == kinesisActive {
				live[strconv.FormatUint(e.rec.ID, 16)+"/"+d.StreamArn] = true
			}
			switch d.State {
			case kinesisEnabling:
				if err := db.activateKinesis(ctx, e, d.StreamArn); err != nil {
					first = cmp.Or(first, err)
				}
				active = true // look again at once
			case kinesisActive:
				active = true
				ok, err := db.deliverKinesis(ctx, j, done, e, d)
				if err != nil {
					if ctx.Err() != nil || errors.Is(err, jobs.ErrLeaseLost) {
						return active, sent, err
					}
					first = cmp.Or(first, fmt.Errorf("table %s to %s: %w", name, d.StreamArn, err))
				}
				sent = sent || ok
			}
		}
	}
	// Forget the checkpoints of destinations no longer ACTIVE (disabled,
	// their table deleted); the next checkpoint stores the smaller map.
	for key := range done {
		if !live[kinesisLiveKey(key)] {
			delete(done, key)
		}
	}
	return active, sent, first
}

// kinesisLiveKey turns a checkpoint key "<table id>/<log>/<arn>" into its
// destination's "<table id>/<arn>".
func kinesisLiveKey(key string) string {
	id, rest, _ := strings.Cut(key, "/")
	_, arn, _ := strings.Cut(rest, "/")
	return id + "/" + arn
}

// activateKinesis checks the stream of e's ENABLING destination arn and
// makes the entry ACTIVE, starting at each change log's end, or
// ENABLE_FAILED.
func (db *DB) activateKinesis(ctx context.Context, e *catalogEntry, arn string) error {
	why := ""
	switch sink := db.opts.Kinesis; {
	case sink == nil:
		why = kinesisNoStream
		db.opts.Logger.Warn("Kinesis streaming destination failed: no Kinesis endpoint is configured (dynago --kinesis-endpoint)", "table", e.table.Name, "stream", arn)
	default:
		if err := sink.CheckStream(ctx, arn); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			why = kinesisNoStream
			db.opts.Logger.Warn("Kinesis streaming destination failed: the stream cannot be used", "table", e.table.Name, "stream", arn, "err", err)
		}
	}
	var starts []kv.Seq
	if why == "" && e.rec.ChangeLog != nil {
		for n := range e.rec.ChangeLog.Shards {
			wm, err := db.store.LogWatermark(ctx, changeLogName(e.rec.ID, n))
			if err != nil {
				return err
			}
			starts = append(starts, wm)
		}
	}
	_, err := db.updateRecord(ctx, e, errSkip, func(rec *tableRecord) error {
		d := rec.kinesisEntry(arn)
		if d == nil || d.State != kinesisEnabling {
			return errSkip // disabled or replaced meanwhile
		}
		d.ChangedAt = db.opts.Now().UnixNano()
		if why != "" {
			d.State, d.Description = kinesisFailed, why
			refreshChangeLog(rec)
			return nil
		}
		d.State, d.Starts = kinesisActive, starts
		return nil
	})
	if errors.Is(err, errSkip) {
		return nil
	}
	return err
}

// deliverKinesis delivers the next batch of each change log of e to the
// ACTIVE destination d.
func (db *DB) deliverKinesis(ctx context.Context, j *jobs.Job, done map[string]kv.Seq, e *catalogEntry, d kinesisDestination) (bool, error) {
	rec := e.rec
	if rec.ChangeLog == nil || db.opts.Kinesis == nil {
		return false, nil
	}
	sent := false
	for n := range rec.ChangeLog.Shards {
		log := changeLogName(rec.ID, n)
		key := strconv.FormatUint(rec.ID, 16) + "/" + strconv.Itoa(n) + "/" + d.StreamArn
		// Never before the destination's start: a checkpoint left by an
		// earlier enabling of the same stream (disabled since, and the log
		// kept by a stream meanwhile) must not replay what was written while
		// it was off.
		after := done[key]
		if n < len(d.Starts) {
			after = max(after, d.Starts[n])
		}
		horizon, err := db.trimHorizon(ctx, log)
		if err != nil {
			return sent, err
		}
		if after < horizon {
			db.opts.Logger.Warn("Kinesis streaming destination fell behind the change log's trimming; records were skipped", "table", e.table.Name, "stream", d.StreamArn)
			after = horizon
		}
		recs, err := db.store.ReadLog(ctx, log, after, kinesisBatch)
		if err != nil {
			return sent, err
		}
		if len(recs) == 0 {
			continue
		}
		out := make([]KinesisRecord, 0, len(recs))
		seqs := make([]kv.Seq, 0, len(recs))
		last := after
		for _, r := range recs {
			last = r.Seq
			if isMarker(r.Value) {
				continue
			}
			kr, err := db.kinesisRecord(rec, d.Precision, r)
			if err != nil {
				return sent, err
			}
			out = append(out, kr)
			seqs = append(seqs, r.Seq)
		}
		put, err := 0, error(nil)
		if len(out) > 0 {
			put, err = db.opts.Kinesis.PutRecords(ctx, d.StreamArn, out)
			if put < len(out) {
				last = after // resend from the first record not written
				if put > 0 {
					last = seqs[put-1]
				}
			}
		}
		if last != after {
			done[key] = last
			if cerr := db.checkpointKinesis(ctx, j, done); cerr != nil {
				return sent, cerr
			}
			sent = true
			if trimErr := db.trimKinesisOnly(ctx, rec, log); trimErr != nil {
				return sent, trimErr
			}
		}
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}

// checkpointKinesis records what has been delivered. Delivered is
// delivered: a shutdown now must not lose the checkpoint (the fence still
// refuses it if another runner owns the job).
func (db *DB) checkpointKinesis(ctx context.Context, j *jobs.Job, done map[string]kv.Seq) error {
	progress, err := json.Marshal(done)
	if err != nil {
		return err
	}
	cctx := context.WithoutCancel(ctx)
	return db.store.Update(cctx, [][]byte{j.Key()}, func(txn kv.Txn) error {
		return j.Checkpoint(cctx, txn, progress)
	})
}

// trimKinesisOnly trims log, of a table whose change log only Kinesis
// reads, up to the stream retention: other users (streams, PITR, a backup
// being copied) trim their own.
func (db *DB) trimKinesisOnly(ctx context.Context, rec *tableRecord, log []byte) error {
	if rec.pitrEnabled() || rec.Stream != nil || len(rec.OldStreams) > 0 || len(rec.Backups) > 0 {
		return nil
	}
	return db.trimChangeLog(ctx, log, db.opts.Now().Add(-db.streamRetention()).UnixMicro())
}

// kinesisData is one record as Kinesis Data Streams for DynamoDB writes it.
type kinesisData struct {
	AwsRegion    string           `json:"awsRegion"`
	EventID      string           `json:"eventID"`
	EventName    string           `json:"eventName"`
	UserIdentity *kinesisIdentity `json:"userIdentity"`
	RecordFormat string           `json:"recordFormat"`
	TableName    string           `json:"tableName"`
	Dynamodb     kinesisChange    `json:"dynamodb"`
	EventSource  string           `json:"eventSource"`
}

// kinesisIdentity is a record's userIdentity: TTL deletions only (in
// lower camel case here, unlike a DynamoDB stream record's).
type kinesisIdentity struct {
	PrincipalID string `json:"principalId"`
	Type        string `json:"type"`
}

type kinesisChange struct {
	ApproximateCreationDateTime          int64           `json:"ApproximateCreationDateTime"`
	ApproximateCreationDateTimePrecision string          `json:"ApproximateCreationDateTimePrecision,omitempty"`
	Keys                                 json.RawMessage `json:"Keys"`
	NewImage                             json.RawMessage `json:"NewImage,omitempty"`
	OldImage                             json.RawMessage `json:"OldImage,omitempty"`
	SizeBytes                            int64           `json:"SizeBytes"`
}

// kinesisRecord turns change-log record r of rec into a Kinesis record:
// its images as stored (DynamoDB JSON already), partitioned by the MD5 of
// the item's key, as DynamoDB partitions them.
func (db *DB) kinesisRecord(rec *tableRecord, precision string, r kv.LogRecord) (KinesisRecord, error) {
	c, err := decodeStreamChange(r.Value)
	if err != nil {
		return KinesisRecord{}, err
	}
	size := 0
	for _, img := range []json.RawMessage{c.Keys, c.New, c.Old} {
		if len(img) == 0 {
			continue
		}
		it, err := attr.DecodeItemJSON(img)
		if err != nil {
			return KinesisRecord{}, err
		}
		size += attr.ItemSize(it)
	}
	at := c.Time / 1000 // ms
	if precision == api.ApproximateCreationDateTimePrecisionMicrosecond {
		at = c.Time
	}
	name := "MODIFY"
	switch c.Event {
	case eventInsert:
		name = "INSERT"
	case eventRemove:
		name = "REMOVE"
	}
	d := kinesisData{
		AwsRegion:    db.opts.Region,
		EventID:      fmt.Sprintf("%016x%016x", uint64(r.Seq), rec.ID),
		EventName:    name,
		RecordFormat: "application/json",
		TableName:    api.Str(rec.Desc.TableName),
		EventSource:  "aws:dynamodb",
		Dynamodb: kinesisChange{
			ApproximateCreationDateTime:          at,
			ApproximateCreationDateTimePrecision: precision,
			Keys:                                 c.Keys, NewImage: c.New, OldImage: c.Old,
			SizeBytes: int64(size),
		},
	}
	if c.Origin == fromTTL {
		d.UserIdentity = &kinesisIdentity{PrincipalID: "dynamodb.amazonaws.com", Type: "Service"}
	}
	b, err := json.Marshal(&d)
	if err != nil {
		return KinesisRecord{}, err
	}
	sum := md5.Sum(c.Keys)
	return KinesisRecord{PartitionKey: hex.EncodeToString(sum[:]), Data: b}, nil
}
