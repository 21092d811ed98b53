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
	source := api.Str(in.SourceTableName)
	switch {
	case in.SourceTableName != nil && in.SourceTableArn != nil:
		return nil, apierr.Validation("Only one of SourceTableName or SourceTableArn can be specified")
	case in.SourceTableArn != nil:
		source = *in.SourceTableArn
	case in.SourceTableName == nil:
		return nil, apierr.Validation("Either SourceTableName or SourceTableArn must be specified")
	}
	latest := api.Bool(in.UseLatestRestorableTime)
	switch {
	case latest && in.RestoreDateTime != nil:
		return nil, apierr.Validation("Only one of RestoreDateTime or UseLatestRestorableTime can be specified")
	case !latest && in.RestoreDateTime == nil:
		return nil, apierr.Validation("Either RestoreDateTime or UseLatestRestorableTime must be specified")
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
	earliest, newest := *cb.EarliestRestorableDateTime, *cb.LatestRestorableDateTime
	at := apiTimeMicros(newest)
	if !latest {
		at = apiTimeMicros(*in.RestoreDateTime)
		// The window's ends are described to the second; a time within
		// their seconds is in it.
		if at < apiTimeMicros(earliest) || at >= apiTimeMicros(newest)+time.Second.Microseconds() {
			return nil, apierr.Newf(apierr.InvalidRestoreTimeException,
				"RestoreDateTime %s is outside the restorable window of table %s: from EarliestRestorableDateTime %s to LatestRestorableDateTime %s",
				isoTime(time.UnixMicro(at)), e.table.Name, isoTime(apiTime(earliest)), isoTime(apiTime(newest)))
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
		// before its positions is later than the time.
		later, err := db.changedAfter(ctx, spec.SourceID, shards, b.Positions, spec.At)
		if err != nil {
			return nil, err
		}
		if later {
			return nil, &taskFailure{Code: "InvalidRestoreTime", Message: "The restore time is earlier than the table's first point-in-time base"}
		}
	}
	name := restoreDataName(spec.TableID)
	if err := db.dropData(ctx, name); err != nil {
		return nil, err
	}
	for {
		if _, err := db.replayInto(ctx, j, src.table, shards, b.Positions, spec.At, name); err != nil {
			return nil, err
		}
		// A roll of the base that ended meanwhile may have trimmed
		// records the replay read past: the base now holds them, and
		// replaying again from its new positions covers the rest.
		nb, err := db.getPITRBase(ctx, db.store, spec.SourceID)
		if err != nil {
			return nil, err
		}
		if nb == nil || slices.Equal(nb.Positions, b.Positions) {
			break
		}
		b = nb
	}
	return &view{Base: b.Data, Overlay: name}, nil
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
