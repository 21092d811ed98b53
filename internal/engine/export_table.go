package engine

// ExportTableToPointInTime, DescribeExport and ListExports. The request
// records the export IN_PROGRESS and submits its job (export_job.go) in
// one commit; the job writes DynamoDB's layout into the object store
// (Options.Objects) and marks the record COMPLETED or FAILED.
//
// What an export holds is the table as of its ExportTime, exactly: the
// job reads the table from a snapshot and rolls back, from the change log
// (export_log.go), the items changed after that time. This is why an
// export needs point-in-time recovery on, as DynamoDB's does, and why a
// job restarted after a crash exports the same state again.

import (
	"context"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/jobs"
	"github.com/dynago/dynago/internal/kv"
)

const (
	// jobExport is the job kind of an export; its id is the export id.
	jobExport = "export"

	// maxIncrementalWindow is the longest INCREMENTAL_EXPORT window
	// DynamoDB allows. (Its 15-minute minimum is not enforced, so that a
	// local test need not wait a quarter of an hour; see
	// docs/import-export.md.)
	maxIncrementalWindow = 24 * time.Hour
)

// exportRecord is an export as stored.
type exportRecord struct {
	Desc api.ExportDescription `json:"desc"`

	// Table and TableID are the exported table (ids are never reused, so
	// a table deleted and created again is not exported by mistake).
	Table   string `json:"table"`
	TableID uint64 `json:"tableId"`

	// At is a full export's point in time (unix µs); From and To bound
	// an incremental export's window, From inclusive, To exclusive.
	At   int64 `json:"at,omitempty"`
	From int64 `json:"from,omitempty"`
	To   int64 `json:"to,omitempty"`

	// AtSnapshot means the request gave no ExportTime: the job's first
	// run fixes At at the time of its snapshot (and so needs no roll
	// back), and a restart exports that same time.
	AtSnapshot bool `json:"atSnapshot,omitempty"`

	// Request is the request's fingerprint (requestFingerprint).
	Request string `json:"request"`

	// Attempts counts runs that failed on the object store; the export
	// fails after maxExportAttempts.
	Attempts int `json:"attempts,omitempty"`
}

func exportKey(id string) []byte       { return []byte(exportPrefix + id) }
func exportTokenKey(tok string) []byte { return []byte(exportTokenPrefix + tok) }
func (r *exportRecord) id() string {
	id, _ := taskIDFromArn(api.Str(r.Desc.ExportArn), "export")
	return id
}
func errExportNotFound(arn string) error {
	return apierr.Newf(apierr.ExportNotFoundException, "Export not found: %s", arn)
}

// exportTableToPointInTime validates the request and starts the export.
func (db *DB) exportTableToPointInTime(ctx context.Context, in *api.ExportTableToPointInTimeInput) (*api.ExportTableToPointInTimeOutput, error) {
	if db.opts.Objects == nil {
		return nil, apierr.Validation("Export to S3 is not available: this server has no object store (start it with --s3-endpoint, or with a data directory)")
	}
	arn := api.Str(in.TableArn)
	name, ok := db.resolveTableName(arn)
	e := db.cat.get(name)
	if !ok || e == nil {
		return nil, errContinuousTableNotFound(arn)
	}
	if e.rec.Loading != nil {
		return nil, errTableLoading(name)
	}
	if !e.rec.pitrEnabled() {
		return nil, apierr.Newf(apierr.PointInTimeRecoveryUnavailableException, "Point in time recovery is not enabled for table '%s'", name)
	}
	format := api.Str(in.ExportFormat)
	if format == "" {
		format = api.ExportFormatDynamodbJson
	}
	typ := api.Str(in.ExportType)
	if typ == "" {
		typ = api.ExportTypeFullExport
	}
	if sse := api.Str(in.S3SseAlgorithm); sse == "" || sse == api.S3SseAlgorithmAes256 {
		if in.S3SseKmsKeyId != nil {
			return nil, apierr.Validation("S3SseKmsKeyId can only be specified when S3SseAlgorithm is KMS")
		}
	}
	now := db.opts.Now()
	cb := db.continuousBackups(e.rec, now).PointInTimeRecoveryDescription
	earliest := apiTimeMicros(*cb.EarliestRestorableDateTime)
	rec := &exportRecord{Table: name, TableID: e.table.ID}
	switch typ {
	case api.ExportTypeFullExport:
		if in.IncrementalExportSpecification != nil {
			return nil, apierr.Validation("IncrementalExportSpecification can only be specified when ExportType is INCREMENTAL_EXPORT")
		}
		if in.ExportTime == nil {
			rec.At, rec.AtSnapshot = now.UnixMicro(), true
			break
		}
		rec.At = apiTimeMicros(*in.ExportTime)
		if rec.At > now.UnixMicro() || rec.At < earliest {
			return nil, apierr.New(apierr.InvalidExportTimeException, "The specified ExportTime is outside of the point in time recovery window")
		}
	case api.ExportTypeIncrementalExport:
		if in.ExportTime != nil {
			return nil, apierr.Validation("ExportTime cannot be specified when ExportType is INCREMENTAL_EXPORT")
		}
		spec := in.IncrementalExportSpecification
		if spec == nil || spec.ExportFromTime == nil {
			return nil, apierr.Validation("IncrementalExportSpecification.ExportFromTime is required when ExportType is INCREMENTAL_EXPORT")
		}
		if format == api.ExportFormatIon {
			return nil, apierr.Validation("Dynago writes INCREMENTAL_EXPORT in DYNAMODB_JSON only; ION is supported for FULL_EXPORT")
		}
		rec.From = apiTimeMicros(*spec.ExportFromTime)
		rec.To = now.UnixMicro()
		if spec.ExportToTime != nil {
			rec.To = apiTimeMicros(*spec.ExportToTime)
		}
		switch {
		case rec.From >= rec.To:
			return nil, apierr.Validation("ExportFromTime must be earlier than ExportToTime")
		case time.Duration(rec.To-rec.From)*time.Microsecond > maxIncrementalWindow:
			return nil, apierr.Validation("The incremental export period from ExportFromTime to ExportToTime must not exceed 24 hours")
		case rec.From < earliest || rec.To > now.UnixMicro():
			return nil, apierr.New(apierr.InvalidExportTimeException, "The specified export period is outside of the point in time recovery window")
		}
	}

	fp := *in
	fp.ClientToken = nil
	fingerprint, err := requestFingerprint(&fp)
	if err != nil {
		return nil, err
	}
	rec.Request = fingerprint
	id := newTaskID(now)
	exportArn := e.rec.Desc.TableArn
	start := api.NewTime(now)
	rec.Desc = api.ExportDescription{
		ExportArn:      api.Ptr(api.Str(exportArn) + "/export/" + id),
		ExportStatus:   api.Ptr(api.ExportStatusInProgress),
		ExportFormat:   api.Ptr(format),
		ExportType:     api.Ptr(typ),
		StartTime:      &start,
		TableArn:       api.Ptr(api.Str(exportArn)),
		TableId:        api.Ptr(api.Str(e.rec.Desc.TableId)),
		S3Bucket:       api.Ptr(api.Str(in.S3Bucket)),
		S3BucketOwner:  in.S3BucketOwner,
		S3Prefix:       in.S3Prefix,
		S3SseAlgorithm: api.Ptr(api.Str(in.S3SseAlgorithm)),
		S3SseKmsKeyId:  in.S3SseKmsKeyId,
		ClientToken:    in.ClientToken,
	}
	if rec.Desc.S3SseAlgorithm == nil || *rec.Desc.S3SseAlgorithm == "" {
		rec.Desc.S3SseAlgorithm = api.Ptr(api.S3SseAlgorithmAes256)
	}
	if typ == api.ExportTypeFullExport {
		rec.Desc.ExportTime = api.Ptr(api.NewTime(time.UnixMicro(rec.At)))
	} else {
		vt := api.Str(in.IncrementalExportSpecification.ExportViewType)
		if vt == "" {
			vt = api.ExportViewTypeNewAndOldImages
		}
		rec.Desc.IncrementalExportSpecification = &api.IncrementalExportSpecification{
			ExportFromTime: api.Ptr(api.NewTime(time.UnixMicro(rec.From))),
			ExportToTime:   api.Ptr(api.NewTime(time.UnixMicro(rec.To))),
			ExportViewType: api.Ptr(vt),
		}
	}

	locks := [][]byte{exportKey(id), jobs.JobKey(jobExport, id)}
	if in.ClientToken != nil {
		locks = append(locks, exportTokenKey(*in.ClientToken))
	}
	var out *exportRecord
	err = db.store.Update(ctx, locks, func(txn kv.Txn) error {
		out = rec
		if in.ClientToken != nil {
			prev, err := lookupToken(ctx, txn, exportTokenKey(*in.ClientToken), now)
			if err != nil {
				return err
			}
			if prev != "" {
				var old exportRecord
				if _, err := getJSON(ctx, txn, exportKey(prev), &old); err != nil {
					return err
				}
				if old.Request != rec.Request {
					return apierr.New(apierr.ExportConflictException, "There was a conflict when writing to the specified S3 bucket: a request with the same ClientToken but other parameters was made")
				}
				out = &old
				return nil
			}
			if err := putJSON(txn, exportTokenKey(*in.ClientToken), taskToken{ID: id, At: now.UnixMicro()}); err != nil {
				return err
			}
		}
		if err := putJSON(txn, exportKey(id), rec); err != nil {
			return err
		}
		return jobs.Submit(ctx, txn, jobExport, id, nil)
	})
	if err != nil {
		return nil, err
	}
	db.wakeJobs()
	return &api.ExportTableToPointInTimeOutput{ExportDescription: &out.Desc}, nil
}

// describeExport answers DescribeExport from the export's record.
func (db *DB) describeExport(ctx context.Context, in *api.DescribeExportInput) (*api.DescribeExportOutput, error) {
	arn := api.Str(in.ExportArn)
	id, ok := taskIDFromArn(arn, "export")
	if !ok {
		return nil, errExportNotFound(arn)
	}
	var rec exportRecord
	found, err := getJSON(ctx, db.store, exportKey(id), &rec)
	if err != nil {
		return nil, err
	}
	if !found || api.Str(rec.Desc.ExportArn) != arn {
		return nil, errExportNotFound(arn)
	}
	return &api.DescribeExportOutput{ExportDescription: &rec.Desc}, nil
}

// listExports pages through the exports, oldest first, of one table
// (TableArn) or of all.
func (db *DB) listExports(ctx context.Context, in *api.ListExportsInput) (*api.ListExportsOutput, error) {
	limit := defaultListTasks
	if in.MaxResults != nil {
		limit = int(*in.MaxResults)
	}
	after := ""
	if in.NextToken != nil {
		after = *in.NextToken
		if !validTaskID(after) {
			return nil, apierr.Validation("Invalid NextToken")
		}
	}
	table := api.Str(in.TableArn)
	recs, next, err := listTaskIDs(ctx, db.store, exportPrefix, after, limit, func(r *exportRecord) bool {
		return table == "" || api.Str(r.Desc.TableArn) == table
	})
	if err != nil {
		return nil, err
	}
	out := &api.ListExportsOutput{ExportSummaries: []api.ExportSummary{}}
	for _, r := range recs {
		out.ExportSummaries = append(out.ExportSummaries, api.ExportSummary{
			ExportArn: r.Desc.ExportArn, ExportStatus: r.Desc.ExportStatus, ExportType: r.Desc.ExportType,
		})
	}
	if next != "" {
		out.NextToken = api.Ptr(next)
	}
	return out, nil
}
