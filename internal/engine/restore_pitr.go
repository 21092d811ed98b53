package engine

// RestoreTableToPointInTime: a restore (restore.go) whose items are a
// table's state at RestoreDateTime, to the microsecond: the table's PITR
// base (pitr_base.go) with the change log from the base's positions up to
// that time replayed onto an overlay of the restore's own (b/rs-<target
// id>/o/), read through iterView. The job first waits until every change
// made at or before the time is durable in the log (logSlack).

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/jobs"
	"github.com/dynago/dynago/internal/kv"
)

// restoreDataName names a point-in-time restore's overlay.
func restoreDataName(targetID uint64) string { return fmt.Sprintf("rs-%016x", targetID) }

// restoreTableToPointInTime validates the request, then creates the target
// table and starts the restore.
func (db *DB) restoreTableToPointInTime(ctx context.Context, in *api.RestoreTableToPointInTimeInput) (*api.RestoreTableToPointInTimeOutput, error) {
	// DynamoDB checks the time flags before the source, with one sentence
	// for both and another for neither (ack-api-quirks DDB-TABLE-100,
	// -272, -442; docs/backups.md, "Errors and their messages").
	if api.Bool(in.UseLatestRestorableTime) && in.RestoreDateTime != nil {
		return nil, apierr.Validation("Invalid Request: Both RestoreDateTime and UseLatestRestorableTime cannot be set for point-in-time restore request. Please specify either RestoreDateTime time or UseLatestRestorableTime")
	}
	if !api.Bool(in.UseLatestRestorableTime) && in.RestoreDateTime == nil {
		return nil, apierr.Validation("Invalid Request: Either one of RestoreDateTime or UseLatestRestorableTime must be specified, but not both")
	}
	if (in.SourceTableName != nil) == (in.SourceTableArn != nil) {
		return nil, apierr.Validation("Must provide exactly one of: sourceTableArn, sourceTableName")
	}
	source := api.Str(in.SourceTableName)
	if in.SourceTableArn != nil {
		source = *in.SourceTableArn
	}
	e := db.lookup(source)
	if e == nil {
		return nil, errContinuousTableNotFound(source)
	}
	if e.rec.Loading != nil {
		return nil, apierr.Newf(apierr.TableInUseException, "Table is being created: %s", e.table.Name)
	}
	if !e.rec.pitrEnabled() {
		return nil, apierr.Newf(apierr.PointInTimeRecoveryUnavailableException, "Point in time recovery is not enabled for table '%s'", e.table.Name)
	}
	cb := db.continuousBackups(e.rec, db.opts.Now()).PointInTimeRecoveryDescription
	if err := db.raiseToBase(ctx, e.rec, cb); err != nil {
		return nil, err
	}
	earliest, newest := *cb.EarliestRestorableDateTime, *cb.LatestRestorableDateTime
	at := apiTimeMicros(newest)
	if !api.Bool(in.UseLatestRestorableTime) {
		at = apiTimeMicros(*in.RestoreDateTime)
		// The window's ends are described to the second; a time within
		// their seconds is in it.
		if at < apiTimeMicros(earliest) || at >= apiTimeMicros(newest)+time.Second.Microseconds() {
			return nil, errInvalidRestoreTime(time.UnixMicro(at), apiTime(earliest), apiTime(newest))
		}
	}
	ov := restoreOverrides{
		BillingMode: in.BillingModeOverride, ProvisionedThroughput: in.ProvisionedThroughputOverride,
		OnDemandThroughput: in.OnDemandThroughputOverride, GSIs: in.GlobalSecondaryIndexOverride,
		LSIs: in.LocalSecondaryIndexOverride, SSE: in.SSESpecificationOverride,
	}
	summary := &api.RestoreSummary{SourceTableArn: e.rec.Desc.TableArn, RestoreDateTime: api.Ptr(api.NewTime(time.UnixMicro(at)))}
	src := e.rec
	te, err := db.startRestore(ctx, src, api.Str(in.TargetTableName), ov, summary,
		restoreSpec{SourceID: src.ID, At: at}, [][]byte{catalogKey(e.table.Name)}, func(txn kv.Txn) error {
			// The source is still the table validated, with PITR on.
			b, err := txn.Get(ctx, catalogKey(e.table.Name))
			if err != nil {
				return errContinuousTableNotFound(source)
			}
			cur, err := decodeRecord(b)
			if err != nil {
				return err
			}
			if cur.ID != src.ID || !cur.pitrEnabled() {
				return apierr.Newf(apierr.PointInTimeRecoveryUnavailableException, "Point in time recovery is not enabled for table '%s'", e.table.Name)
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	return &api.RestoreTableToPointInTimeOutput{TableDescription: db.describe(te, api.TableStatusCreating, 0, 0)}, nil
}

// baseWait is how long a point-in-time restore waits for its source's
// first base before looking again.
const baseWait = 100 * time.Millisecond

// pitrView replays the source's log from its base up to spec.At onto the
// restore's overlay and returns the view of the state at spec.At.
func (db *DB) pitrView(ctx context.Context, j *jobs.Job, spec *restoreSpec) (*view, error) {
	if wait := time.Duration(spec.At-db.opts.Now().UnixMicro())*time.Microsecond + logSlack; wait > 0 {
		return nil, &jobs.Again{At: time.Now().Add(wait)}
	}
	var src *catalogEntry
	for _, e := range db.cat.state.Load().tables {
		if e.table.ID == spec.SourceID {
			src = e
		}
	}
	if src == nil || !src.rec.pitrEnabled() {
		return nil, &taskFailure{Code: "TableNotFound", Message: "The source table was deleted, or its point-in-time recovery disabled, before the restore ran"}
	}
	b, err := db.getPITRBase(ctx, db.store, spec.SourceID)
	if err != nil {
		return nil, err
	}
	if b == nil || b.EnabledAt != src.rec.PITR.EnabledAt {
		db.wakeJobs()
		return nil, &jobs.Again{At: time.Now().Add(baseWait)}
	}
	shards := 1
	if cl := src.rec.ChangeLog; cl != nil {
		shards = max(cl.Shards, 1)
	}
	if spec.At < b.Time {
		// The base was copied after the time (PITR was enabled just
		// before it): it is the state at the time if nothing in the log
		// before its positions is later than the time, which only a
		// whole log can tell.
		if floor, err := db.pitrFloor(ctx, src.rec); err != nil {
			return nil, err
		} else if floor > 0 {
			return nil, &taskFailure{Code: "InvalidRestoreTime", Message: "The restore time is earlier than the table's point-in-time base, and the log before it is trimmed"}
		}
		later, err := db.changedAfter(ctx, spec.SourceID, shards, b.Positions, spec.At)
		if err != nil {
			return nil, err
		}
		if later {
			return nil, &taskFailure{Code: "InvalidRestoreTime", Message: "The restore time is earlier than the table's first point-in-time base"}
		}
	}
	return db.replayView(ctx, j, src.table, shards, b, spec.At, restoreDataName(spec.TableID))
}

// replayView replays the log of table t from base b's positions up to at
// onto the overlay of the data named name and returns the view of the
// base through it. A roll of the base that ended meanwhile may have
// trimmed records the replay was still to read: then the overlay is
// dropped and replayed again from the rolled base, which holds them (a
// roll merges before it trims, and trims before it saves the base).
func (db *DB) replayView(ctx context.Context, j *jobs.Job, t *Table, shards int, b *pitrBase, at int64, name string) (*view, error) {
	for {
		if err := db.dropData(ctx, name); err != nil {
			return nil, err
		}
		if _, err := db.replayInto(ctx, j, t, shards, b.Positions, at, name); err != nil {
			return nil, err
		}
		nb, err := db.getPITRBase(ctx, db.store, t.ID)
		if err != nil {
			return nil, err
		}
		if nb == nil || slices.Equal(nb.Positions, b.Positions) {
			return &view{Base: b.Data, Overlay: name}, nil
		}
		if nb.Time > at {
			return nil, &taskFailure{Code: "InvalidRestoreTime", Message: "The point-in-time base rolled past the restore time"}
		}
		b = nb
	}
}

// changedAfter reports whether a record in a log of table id before
// positions is later than at.
func (db *DB) changedAfter(ctx context.Context, id uint64, shards int, positions []kv.Seq, at int64) (bool, error) {
	for shard := range shards {
		if shard >= len(positions) {
			break
		}
		log := changeLogName(id, shard)
		var after kv.Seq
	read:
		for after < positions[shard] {
			recs, err := db.store.ReadLog(ctx, log, after, logReadBatch)
			if err != nil {
				return false, err
			}
			if len(recs) == 0 {
				break
			}
			for _, lr := range recs {
				if lr.Seq > positions[shard] {
					break read
				}
				after = lr.Seq
				r, err := decodeChange(lr.Value)
				if err != nil {
					return false, err
				}
				if r.Marker == "" && r.Time > at {
					return true, nil
				}
			}
		}
	}
	return false, nil
}

// exportDataName names an export's overlay.
func exportDataName(id string) string { return "ex-" + id }

// pitrViewAt returns the view of table t at time at (unix µs) from its
// PITR base, replaying the log onto the overlay of the data named name;
// nil when the table has no base as old as at (the caller then reads the
// log some other way). The time must be logSlack old.
func (db *DB) pitrViewAt(ctx context.Context, j *jobs.Job, t *Table, name string, at int64) (*view, error) {
	e := db.entryOf(t)
	if e == nil || !e.rec.pitrEnabled() {
		return nil, nil
	}
	b, err := db.getPITRBase(ctx, db.store, t.ID)
	if err != nil || b == nil || b.EnabledAt != e.rec.PITR.EnabledAt || b.Time > at {
		return nil, err
	}
	shards := 1
	if cl := e.rec.ChangeLog; cl != nil {
		shards = max(cl.Shards, 1)
	}
	return db.replayView(ctx, j, t, shards, b, at, name)
}

// exportView writes every item of a view to an export.
func (db *DB) exportView(ctx context.Context, f *exportFiles, v *view) error {
	vi, err := db.iterView(ctx, db.store, *v, nil)
	if err != nil {
		return err
	}
	defer vi.Close()
	for vi.Next() {
		if err := db.exportItem(ctx, f, vi.Value()); err != nil {
			return err
		}
	}
	return vi.Err()
}

// errInvalidRestoreTime is DynamoDB's refusal of a RestoreDateTime outside
// the window, each time quoted to the second (ack-api-quirks DDB-TABLE-100,
// -086).
func errInvalidRestoreTime(at, earliest, latest time.Time) error {
	const layout = "2006-01-02T15:04:05Z"
	return apierr.Newf(apierr.InvalidRestoreTimeException,
		"RestoreDateTime '%s' must be within EarliestRestorableDateTime '%s' and LatestRestorableDateTime '%s'",
		at.UTC().Format(layout), earliest.UTC().Format(layout), latest.UTC().Format(layout))
}
