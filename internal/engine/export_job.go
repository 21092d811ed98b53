package engine

// The export job: it writes an export's files (export_files.go) and marks
// its record COMPLETED, or FAILED with a FailureCode:
//
//	S3NoSuchBucket     the bucket does not exist
//	TableNotFound      the table was deleted before the export ran
//	StateUnavailable   the change log cannot give the table's state at
//	                   ExportTime (export_log.go)
//	S3Error            the object store failed maxExportAttempts runs
//
// The job keeps no progress: a run interrupted by a crash or a lost lease
// starts again, writing new data files (under new random names, so a
// reader of the finished manifests never sees the old ones) of the same
// state, since the export's time is fixed in its record before any file is
// written. manifest-summary.json is written last, so an export whose
// summary exists is complete.

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/dataio"
	"github.com/dynago/dynago/internal/jobs"
	"github.com/dynago/dynago/internal/kv"
	"github.com/dynago/dynago/internal/s3store"
)

// maxExportAttempts is how many runs may fail on the object store before
// the export is FAILED (a run that fails is retried with the runner's
// backoff).
const maxExportAttempts = 5

// taskFailure ends an export or import as FAILED with DynamoDB's
// FailureCode and FailureMessage.
type taskFailure struct {
	Code, Message string
}

func (f *taskFailure) Error() string { return f.Code + ": " + f.Message }

// exportResult is what a finished export reports.
type exportResult struct {
	items, bytes int64
	manifest     string
}

// runExport is the export job's body.
func (db *DB) runExport(ctx context.Context, j *jobs.Job) error {
	var rec exportRecord
	found, err := getJSON(ctx, db.store, exportKey(j.ID), &rec)
	if err != nil {
		return err
	}
	if !found || api.Str(rec.Desc.ExportStatus) != api.ExportStatusInProgress {
		return nil
	}
	// Every change at or before the export's time must be durable (and
	// so readable) before the log is read: wait out logSlack.
	ready := rec.To
	if api.Str(rec.Desc.ExportType) == api.ExportTypeFullExport {
		ready = rec.At
		if rec.AtSnapshot {
			ready = 0
		}
	}
	if wait := time.Duration(ready-db.opts.Now().UnixMicro())*time.Microsecond + logSlack; ready > 0 && wait > 0 {
		return &jobs.Again{At: time.Now().Add(wait)}
	}
	res, err := db.exportData(ctx, j, &rec)
	var fail *taskFailure
	switch {
	case err == nil:
	case errors.As(err, &fail):
	case errors.Is(err, s3store.ErrNoSuchBucket):
		fail = &taskFailure{Code: "S3NoSuchBucket", Message: "The specified bucket does not exist: " + api.Str(rec.Desc.S3Bucket)}
	case errors.Is(err, errStateUnknown):
		fail = &taskFailure{Code: "StateUnavailable", Message: err.Error()}
	case ctx.Err() != nil || errors.Is(err, jobs.ErrLeaseLost):
		return err
	default:
		rec.Attempts++
		if rec.Attempts < maxExportAttempts {
			db.opts.Logger.Warn("export failed; retrying", "export", j.ID, "attempt", rec.Attempts, "err", err)
			if uerr := db.saveExport(ctx, j, &rec); uerr != nil {
				return uerr
			}
			return err
		}
		fail = &taskFailure{Code: "S3Error", Message: err.Error()}
	}
	end := api.NewTime(db.opts.Now())
	rec.Desc.EndTime = &end
	if fail != nil {
		rec.Desc.ExportStatus = api.Ptr(api.ExportStatusFailed)
		rec.Desc.FailureCode, rec.Desc.FailureMessage = api.Ptr(fail.Code), api.Ptr(fail.Message)
		db.opts.Logger.Warn("export failed", "export", j.ID, "table", rec.Table, "code", fail.Code, "message", fail.Message)
	} else {
		rec.Desc.ExportStatus = api.Ptr(api.ExportStatusCompleted)
		rec.Desc.ItemCount, rec.Desc.BilledSizeBytes = api.Ptr(res.items), api.Ptr(res.bytes)
		rec.Desc.ExportManifest = api.Ptr(res.manifest)
		db.opts.Logger.Info("export completed", "export", j.ID, "table", rec.Table, "items", res.items, "bytes", res.bytes)
	}
	return db.saveExport(ctx, j, &rec)
}

// saveExport stores rec as job j (fenced by its lease).
func (db *DB) saveExport(ctx context.Context, j *jobs.Job, rec *exportRecord) error {
	return db.store.Update(ctx, [][]byte{j.Key(), exportKey(j.ID)}, func(txn kv.Txn) error {
		if err := j.Fence(ctx, txn); err != nil {
			return err
		}
		return putJSON(txn, exportKey(j.ID), rec)
	})
}

// exportData writes the export's files.
func (db *DB) exportData(ctx context.Context, j *jobs.Job, rec *exportRecord) (*exportResult, error) {
	if _, err := db.syncCatalog(ctx, db.store); err != nil {
		return nil, err
	}
	e := db.cat.get(rec.Table)
	if e == nil || e.table.ID != rec.TableID {
		return nil, &taskFailure{Code: "TableNotFound", Message: "The table was deleted before the export ran: " + rec.Table}
	}
	t := e.table
	shards := 0
	if cl := e.rec.ChangeLog; cl != nil {
		shards = max(cl.Shards, 1)
	}
	format := dataio.FormatDynamoDBJSON
	if api.Str(rec.Desc.ExportFormat) == api.ExportFormatIon {
		format = dataio.FormatION
	}
	incremental := api.Str(rec.Desc.ExportType) == api.ExportTypeIncrementalExport
	f := newExportFiles(db.opts.Objects, api.Str(rec.Desc.S3Bucket), exportDir(api.Str(rec.Desc.S3Prefix), j.ID), format, incremental)
	f.progress = db.taskProgress(jobExport, t.Name)
	if err := f.start(ctx); err != nil {
		return nil, err
	}
	summary := map[string]any{
		"exportArn":      api.Str(rec.Desc.ExportArn),
		"startTime":      isoTime(apiTime(*rec.Desc.StartTime)),
		"tableId":        api.Str(rec.Desc.TableId),
		"tableArn":       api.Str(rec.Desc.TableArn),
		"s3Bucket":       api.Str(rec.Desc.S3Bucket),
		"s3Prefix":       rec.Desc.S3Prefix,
		"s3SseAlgorithm": api.Str(rec.Desc.S3SseAlgorithm),
		"s3SseKmsKeyId":  rec.Desc.S3SseKmsKeyId,
		"outputFormat":   api.Str(rec.Desc.ExportFormat),
		"exportType":     api.Str(rec.Desc.ExportType),
	}
	if incremental {
		if shards == 0 {
			return nil, &taskFailure{Code: "StateUnavailable", Message: "Point in time recovery was disabled before the export ran"}
		}
		spec := rec.Desc.IncrementalExportSpecification
		withOld := api.Str(spec.ExportViewType) == api.ExportViewTypeNewAndOldImages
		changes, err := db.windowChanges(ctx, t, shards, rec.From, rec.To, withOld)
		if err != nil {
			return nil, err
		}
		for _, c := range changes {
			if err := f.addChange(ctx, c, withOld); err != nil {
				return nil, err
			}
		}
		summary["exportFromTime"] = isoTime(time.UnixMicro(rec.From))
		summary["exportToTime"] = isoTime(time.UnixMicro(rec.To))
		summary["exportViewType"] = api.Str(spec.ExportViewType)
	} else if err := db.exportFull(ctx, j, rec, t, shards, f); err != nil {
		return nil, err
	}
	if rec.Desc.ExportTime != nil {
		summary["exportTime"] = isoTime(apiTime(*rec.Desc.ExportTime))
	}
	summary["endTime"] = isoTime(db.opts.Now())
	manifest, err := f.finish(ctx, summary)
	if err != nil {
		return nil, err
	}
	return &exportResult{items: f.items, bytes: f.bytes, manifest: manifest}, nil
}

// exportFull writes the items of t as of rec.At: a snapshot's, with the
// items changed since rolled back through the change log.
func (db *DB) exportFull(ctx context.Context, j *jobs.Job, rec *exportRecord, t *Table, shards int, f *exportFiles) error {
	snap, err := db.store.NewSnapshot(ctx)
	if err != nil {
		return err
	}
	defer snap.Close()
	var positions []kv.Seq
	for shard := range shards {
		pos, err := snap.LogPosition(ctx, changeLogName(t.ID, shard))
		if err != nil {
			return err
		}
		positions = append(positions, pos)
	}
	var over map[string][]byte
	if rec.AtSnapshot {
		// The snapshot is the export's state: fix its time before any
		// file is written, so that a restart exports the same state.
		rec.At, rec.AtSnapshot = db.opts.Now().UnixMicro(), false
		rec.Desc.ExportTime = api.Ptr(api.NewTime(time.UnixMicro(rec.At)))
		if err := db.saveExport(ctx, j, rec); err != nil {
			return err
		}
	} else {
		if shards == 0 {
			return &taskFailure{Code: "StateUnavailable", Message: "Point in time recovery was disabled before the export ran"}
		}
		// The table's PITR base, when it is older than the export's time,
		// gives every item's state then (restore_pitr.go).
		if v, err := db.pitrViewAt(ctx, j, t, exportDataName(j.ID), rec.At); err != nil || v != nil {
			if err != nil {
				return err
			}
			defer db.dropData(context.WithoutCancel(ctx), v.Overlay)
			return db.exportView(ctx, f, v)
		}
		if over, err = db.rollbackSet(ctx, t, shards, positions, rec.At); err != nil {
			return err
		}
	}
	p := itemsPrefix(t.ID)
	it, err := snap.Iter(ctx, p, prefixEnd(p), false)
	if err != nil {
		return err
	}
	defer it.Close()
	for it.Next() {
		v := it.Value()
		if over != nil {
			if s, ok := over[string(it.Key())]; ok {
				delete(over, string(it.Key()))
				if v = s; v == nil {
					continue // created after the export's time
				}
			}
		}
		if err := db.exportItem(ctx, f, v); err != nil {
			return err
		}
	}
	if err := it.Err(); err != nil {
		return err
	}
	// Items deleted after the export's time.
	keys := make([]string, 0, len(over))
	for k, v := range over {
		if v != nil {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := db.exportItem(ctx, f, over[k]); err != nil {
			return err
		}
	}
	return nil
}

// exportItem writes one stored item.
func (db *DB) exportItem(ctx context.Context, f *exportFiles, stored []byte) error {
	it, err := decodeItem(stored)
	if err != nil {
		return err
	}
	if err := f.add(ctx, it, len(stored)); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}
