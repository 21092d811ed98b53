package engine

// Push delivery of stream records, beyond DynamoDB: with
// Options.StreamWebhook set, the leased stream-push job POSTs the records
// of every enabled stream to that URL as Lambda's DynamoDB event
// ({"Records":[…]}, each record as GetRecords returns it plus
// eventSourceARN), in batches of up to 100 records of one change log, so
// that a function can run locally without a poller. A batch is sent again,
// after a growing pause, until the URL answers 2xx; only then does the
// job checkpoint the position it delivered up to. Delivery is therefore
// at least once (a batch is repeated only if the job dies between the
// answer and its checkpoint) and in order for each item, since an item's
// records are all in one log. A stream is delivered from its first record
// still kept; records left undelivered when a stream is disabled are not.

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/jobs"
	"github.com/dynago/dynago/internal/kv"
)

const (
	jobStreamPush   = "stream-push"
	streamPushJobID = "all"

	// streamPushBatch is the most records one POST carries (Lambda's
	// default batch size for DynamoDB streams).
	streamPushBatch = 100
	// streamPushIdle is how long the job waits when nothing is new.
	streamPushIdle = 5 * time.Millisecond
	// streamPushMaxPause caps the pause between attempts at a failing
	// batch.
	streamPushMaxPause = 5 * time.Second
)

// pushEvent is the body of one POST: Lambda's DynamoDB event.
type pushEvent struct {
	Records []pushRecord `json:"Records"`
}

type pushRecord struct {
	api.Record
	EventSourceARN string `json:"eventSourceARN"`
}

// addStreamPush registers the stream-push job when a webhook is
// configured (at start-up), and returns its key; startJobs records it
// (submitStreamPush). Nil without a webhook.
func (db *DB) addStreamPush(bodies map[string]jobs.Body) []byte {
	if db.opts.StreamWebhook == "" {
		return nil
	}
	bodies[jobStreamPush] = db.runStreamPush
	return jobs.JobKey(jobStreamPush, streamPushJobID)
}

// submitStreamPush records the stream-push job in txn (idempotent).
func submitStreamPush(ctx context.Context, txn kv.Txn) error {
	return jobs.Submit(ctx, txn, jobStreamPush, streamPushJobID, nil)
}

// runStreamPush delivers records until its context ends. Its progress is
// the last Seq delivered of each log of each stream, by "<log>/<label>".
func (db *DB) runStreamPush(ctx context.Context, j *jobs.Job) error {
	done := map[string]kv.Seq{}
	if len(j.Progress) > 0 {
		if err := json.Unmarshal(j.Progress, &done); err != nil {
			return fmt.Errorf("stream-push job: progress: %w", err)
		}
	}
	client := &http.Client{Timeout: 30 * time.Second}
	return deliveryLoop(ctx, streamPushIdle, streamPushMaxPause, func() (bool, bool, error) {
		sent, err := db.pushOnce(ctx, j, client, done)
		return false, sent, err // it watches for good
	}, func(err error, pause time.Duration) {
		db.opts.Logger.Warn("stream webhook delivery failed; retrying", "url", db.opts.StreamWebhook, "in", pause, "err", err)
	})
}

// pushOnce delivers at most one batch of each log of each enabled stream,
// reporting whether it delivered anything, and the first failure.
func (db *DB) pushOnce(ctx context.Context, j *jobs.Job, client *http.Client, done map[string]kv.Seq) (bool, error) {
	if _, err := db.syncCatalog(ctx, db.store); err != nil {
		return false, err
	}
	sent := false
	var first error // a failing chain does not hold the others up
	for _, name := range db.cat.names() {
		e := db.cat.get(name)
		if e == nil || e.rec.Stream == nil || !e.rec.Stream.enabled() {
			continue
		}
		rec, st := e.rec, e.rec.Stream
		for n := range st.Logs {
			ok, err := db.pushLog(ctx, j, client, done, rec, st, n)
			if err != nil {
				if ctx.Err() != nil || errors.Is(err, jobs.ErrLeaseLost) {
					return sent, err
				}
				first = cmp.Or(first, err)
				continue
			}
			sent = sent || ok
		}
	}
	return sent, first
}

// pushLog delivers the next batch of log n of stream st, if any.
func (db *DB) pushLog(ctx context.Context, j *jobs.Job, client *http.Client, done map[string]kv.Seq, rec *tableRecord, st *streamState, n int) (bool, error) {
	log := changeLogName(rec.ID, n)
	key := string(log) + "/" + st.Label // labels are unique per table only
	after, ok := done[key]
	if !ok {
		first, err := db.resolveBound(ctx, log, &st.Logs[n].Bounds[0])
		if err != nil {
			return false, err
		}
		after = first
	}
	horizon, err := db.trimHorizon(ctx, log)
	if err != nil {
		return false, err
	}
	after = max(after, horizon)
	recs, err := db.store.ReadLog(ctx, log, after, 2*streamPushBatch)
	if err != nil || len(recs) == 0 {
		return false, err
	}
	arn := db.streamArn(api.Str(rec.Desc.TableName), st.Label)
	var ev pushEvent
	last := after
	for _, r := range recs {
		if len(ev.Records) == streamPushBatch {
			break
		}
		last = r.Seq
		if isMarker(r.Value) {
			continue
		}
		c, keys, err := decodeStreamKeys(r.Value)
		if err != nil {
			return false, err
		}
		sr, _, err := db.streamRecord(rec, st, r.Seq, c, keys)
		if err != nil {
			return false, err
		}
		ev.Records = append(ev.Records, pushRecord{Record: sr, EventSourceARN: arn})
	}
	if len(ev.Records) > 0 {
		if err := db.postEvent(ctx, client, &ev); err != nil {
			return false, err
		}
	}
	done[key] = last
	progress, err := json.Marshal(done)
	if err != nil {
		return false, err
	}
	// Delivered is delivered: a shutdown now must not lose the checkpoint
	// (the fence still refuses it if another runner owns the job).
	cctx := context.WithoutCancel(ctx)
	if err := db.store.Update(cctx, [][]byte{j.Key()}, func(txn kv.Txn) error {
		return j.Checkpoint(cctx, txn, progress)
	}); err != nil {
		return false, err
	}
	return len(ev.Records) > 0, nil
}

// postEvent POSTs one event to the webhook; any answer but 2xx fails it.
func (db *DB) postEvent(ctx context.Context, client *http.Client, ev *pushEvent) error {
	body, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, db.opts.StreamWebhook, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s answered %s: %s", db.opts.StreamWebhook, resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}
