package engine

// DynamoDB Streams as catalog state. A stream is a view of the table's
// change logs (changelog.go): its label and view type, and for each log a
// list of boundaries. Boundary k of a log opens the stream's shard k of
// that log; shard k holds the log's records after boundary k and before
// boundary k+1 (the last shard of an enabled stream is open). Disabling a
// stream adds a final boundary to every log, closing its last shards; the
// stream stays readable until its records are trimmed (stream_trim.go).
//
// A boundary must fall exactly between two commits, so that every
// acknowledged write is in exactly one shard, also when several engines
// write. It is a marker record appended to the log inside the catalog
// change that creates it: writes that committed before the change precede
// it in the log, writes after it follow. The marker's Seq is known only
// after the commit, so the catalog records the log's watermark read
// before the change (From) and readers find the marker by reading forward
// from there (resolveBound); the resolved Seq is cached, and persisted by
// the stream maintenance job. Readers skip marker records, and so must any
// other reader of the change log (point-in-time recovery): a marker has
// "m" set and no event.

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/kv"
)

// streamLabelLayout is the layout of a stream label, as DynamoDB writes
// it (e.g. 2015-05-20T20:51:10.252), in UTC.
const streamLabelLayout = "2006-01-02T15:04:05.000"

// streamState is one stream of a table.
type streamState struct {
	Label    string      `json:"label"`
	ViewType string      `json:"viewType"`
	Created  int64       `json:"created"`            // unix milliseconds
	Disabled int64       `json:"disabled,omitempty"` // unix milliseconds; 0 while enabled
	Logs     []streamLog `json:"logs"`
}

// streamLog is a stream's view of one change log: its shard boundaries in
// order.
type streamLog struct {
	Bounds []streamBound `json:"bounds"`
}

// streamBound is a shard boundary: the marker record appended to the log
// in the commit that made it. It closes every open shard of the log and
// opens one shard per hash range in Starts (stream_split.go).
type streamBound struct {
	Marker string `json:"m"`             // the marker's "m"
	From   kv.Seq `json:"from"`          // the log's watermark before the marker's commit
	At     int64  `json:"at"`            // unix milliseconds; names the shards it opens
	Seq    kv.Seq `json:"seq,omitempty"` // the marker's Seq, once resolved (0: not yet)

	// Starts, when set, are the first partition hashes of the hash ranges
	// of the shards the boundary opens, ascending from 0; nil keeps the
	// ranges of the boundary before (the first boundary: one range, the
	// whole hash space).
	Starts []uint64 `json:"starts,omitempty"`
}

// enabled reports whether the stream is on.
func (s *streamState) enabled() bool { return s.Disabled == 0 }

func (db *DB) streamRetention() time.Duration {
	if db.opts.StreamRetention > 0 {
		return db.opts.StreamRetention
	}
	return 24 * time.Hour
}

func (db *DB) changeLogShards() int {
	if db.opts.ChangeLogShards > 0 {
		return db.opts.ChangeLogShards
	}
	return defaultChangeLogShards
}

// applyStreamSpec applies a CreateTable or UpdateTable StreamSpecification
// to rec inside the catalog change's txn: enabling creates a new stream
// (a new label) whose first boundary is appended to every log; disabling
// closes the current stream's shards with a final boundary. It checks what
// depends on the table's current stream, with DynamoDB's messages.
func (db *DB) applyStreamSpec(ctx context.Context, txn kv.Txn, rec *tableRecord, spec *api.StreamSpecification, now time.Time) error {
	if spec == nil {
		return nil
	}
	name := api.Str(rec.Desc.TableName)
	cur := rec.Stream
	if !api.Bool(spec.StreamEnabled) {
		if cur == nil || !cur.enabled() {
			return apierr.Validationf("Table has no stream to disable: TableName: %s", name)
		}
		if err := db.addBounds(ctx, txn, rec, cur, now, nil); err != nil {
			return err
		}
		cur.Disabled = now.UnixMilli()
		refreshChangeLog(rec)
		return nil
	}
	if cur != nil && cur.enabled() {
		return apierr.Validationf("Table already has an enabled stream: TableName: %s", name)
	}
	if cur != nil {
		rec.OldStreams = append(rec.OldStreams, *cur)
	}
	created := now.UTC().Truncate(time.Millisecond)
	if cur != nil && created.UnixMilli() <= cur.Created {
		created = time.UnixMilli(cur.Created + 1).UTC() // labels are unique per table
	}
	n := db.changeLogShards()
	if rec.ChangeLog != nil {
		n = rec.ChangeLog.Shards // the log is on (PITR): keep its logs
	}
	st := &streamState{
		Label:    created.Format(streamLabelLayout),
		ViewType: api.Str(spec.StreamViewType),
		Created:  created.UnixMilli(),
		Logs:     make([]streamLog, n),
	}
	// The new stream starts with as many shards as the table has
	// partitions (stream_split.go).
	if err := db.addBounds(ctx, txn, rec, st, now, initialStarts(rec, cur, n)); err != nil {
		return err
	}
	rec.Stream = st
	refreshChangeLog(rec)
	return nil
}

// addBounds appends a boundary to every log of stream st of rec, inside
// txn: a marker record in each log, and its place in the catalog. starts,
// when set, gives each log's boundary its hash ranges (a nil entry, or nil
// starts: the ranges stay).
func (db *DB) addBounds(ctx context.Context, txn kv.Txn, rec *tableRecord, st *streamState, now time.Time, starts [][]uint64) error {
	for i := range st.Logs {
		l := &st.Logs[i]
		log := changeLogName(rec.ID, i)
		from, err := db.store.LogWatermark(ctx, log)
		if err != nil {
			return err
		}
		at := now.UnixMilli()
		if k := len(l.Bounds); k > 0 && at <= l.Bounds[k-1].At {
			at = l.Bounds[k-1].At + 1 // shard ids are unique and ordered
		}
		b := streamBound{Marker: st.Label + "/" + strconv.Itoa(len(l.Bounds)), From: from, At: at}
		if i < len(starts) {
			b.Starts = starts[i]
		}
		if err := txn.AppendLog(log, markerRecord(now, b.Marker)); err != nil {
			return err
		}
		l.Bounds = append(l.Bounds, b)
	}
	return nil
}

// markerRecord is the change-log record of a shard boundary.
func markerRecord(now time.Time, marker string) []byte {
	return fmt.Appendf(nil, `{"t":%d,"m":%q}`, now.UnixMicro(), marker)
}

// describeStreamSpec fills a table description's stream members, as
// DynamoDB does: StreamSpecification while a stream is enabled, and the
// latest stream's ARN and label as long as the table has had one.
func (db *DB) describeStreamSpec(d *api.TableDescription, rec *tableRecord) {
	st := rec.Stream
	if st == nil {
		return
	}
	d.LatestStreamArn = api.Ptr(db.streamArn(api.Str(rec.Desc.TableName), st.Label))
	d.LatestStreamLabel = api.Ptr(st.Label)
	if st.enabled() {
		d.StreamSpecification = &api.StreamSpecification{StreamEnabled: api.Ptr(true), StreamViewType: api.Ptr(st.ViewType)}
	}
}

// streamArn returns the ARN of the stream labelled label of the table.
func (db *DB) streamArn(table, label string) string {
	return db.tableArn(table) + "/stream/" + label
}

// parseStreamArn splits a stream ARN of this server into its table name
// and label.
func (db *DB) parseStreamArn(arn string) (table, label string, ok bool) {
	prefix := "arn:aws:dynamodb:" + db.opts.Region + ":" + db.opts.AccountID + ":table/"
	rest, found := strings.CutPrefix(arn, prefix)
	if !found {
		return "", "", false
	}
	table, label, found = strings.Cut(rest, "/stream/")
	if !found || table == "" || label == "" {
		return "", "", false
	}
	if _, err := time.Parse(streamLabelLayout, label); err != nil {
		return "", "", false
	}
	return table, label, true
}

// streams returns every stream of rec, oldest first.
func (rec *tableRecord) streams() []*streamState {
	var out []*streamState
	for i := range rec.OldStreams {
		out = append(out, &rec.OldStreams[i])
	}
	if rec.Stream != nil {
		out = append(out, rec.Stream)
	}
	return out
}

// stream returns rec's stream labelled label, or nil.
func (rec *tableRecord) stream(label string) *streamState {
	for _, s := range rec.streams() {
		if s.Label == label {
			return s
		}
	}
	return nil
}
