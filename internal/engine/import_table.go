package engine

// ImportTable, DescribeImport and ListImports. ImportTable creates the
// table of TableCreationParameters in the Loading state (backup_load.go:
// described CREATING, serving no item operation), records the import
// IN_PROGRESS and submits its job (import_job.go), all in one commit, so
// neither a table without its import nor an import without its table can
// be left behind. The job fills the table from every object under the
// S3KeyPrefix and makes it ACTIVE in the commit that marks the import
// COMPLETED; a FAILED import deletes the table.

import (
	"context"
	"encoding/hex"
	"strings"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/jobs"
	"github.com/dynago/dynago/internal/kv"
)

// jobImport is the job kind of an import; its id is the import id.
const jobImport = "import"

// importLogGroup is the log group DynamoDB reports import errors to. Dynago
// writes them to its own log, under this group name (import_job.go).
const importLogGroup = "/aws-dynamodb/imports"

// importRecord is an import as stored.
type importRecord struct {
	Desc api.ImportTableDescription `json:"desc"`

	// Table and TableID are the table being filled.
	Table   string `json:"table"`
	TableID uint64 `json:"tableId"`

	// Request is the request's fingerprint (requestFingerprint).
	Request string `json:"request"`
}

func importKey(id string) []byte       { return []byte(importPrefix + id) }
func importTokenKey(tok string) []byte { return []byte(importTokenPrefix + tok) }
func errImportNotFound(arn string) error {
	return apierr.Newf(apierr.ImportNotFoundException, "Import not found: %s", arn)
}

// csvDelimiters are the delimiters ImportTable accepts.
const csvDelimiters = ",;:|\t "

// importTable validates the request, then creates the table and starts
// the import.
func (db *DB) importTable(ctx context.Context, in *api.ImportTableInput) (*api.ImportTableOutput, error) {
	if db.opts.Objects == nil {
		return nil, apierr.Validation("Import from S3 is not available: this server has no object store (start it with --s3-endpoint, or with a data directory)")
	}
	p := in.TableCreationParameters
	create := &api.CreateTableInput{
		TableName:              p.TableName,
		AttributeDefinitions:   p.AttributeDefinitions,
		KeySchema:              p.KeySchema,
		BillingMode:            p.BillingMode,
		ProvisionedThroughput:  p.ProvisionedThroughput,
		OnDemandThroughput:     p.OnDemandThroughput,
		GlobalSecondaryIndexes: p.GlobalSecondaryIndexes,
		SSESpecification:       p.SSESpecification,
	}
	name := api.Str(p.TableName)
	if strings.HasPrefix(name, "arn:") {
		return nil, apierr.Validation("TableCreationParameters.TableName must be a table name, not an ARN")
	}
	if err := validateCreateTable(create); err != nil {
		return nil, err
	}
	format := api.Str(in.InputFormat)
	if o := in.InputFormatOptions; o != nil && o.Csv != nil {
		if format != api.InputFormatCsv {
			return nil, apierr.Validation("InputFormatOptions.Csv can only be specified when InputFormat is CSV")
		}
		if d := api.Str(o.Csv.Delimiter); d != "" && (len(d) != 1 || !strings.Contains(csvDelimiters, d)) {
			return nil, apierr.Validationf("Invalid CSV delimiter %q: use one of comma, tab, colon, semicolon, pipe or space", d)
		}
	}
	if in.InputCompressionType == nil {
		in.InputCompressionType = api.Ptr(api.InputCompressionTypeNone)
	}

	fp := *in
	fp.ClientToken = nil
	fingerprint, err := requestFingerprint(&fp)
	if err != nil {
		return nil, err
	}
	now := db.opts.Now()
	id := newTaskID(now)
	rec := db.newTableRecord(name, create, now)
	start := api.NewTime(now)
	imp := &importRecord{Table: name, Request: fingerprint, Desc: api.ImportTableDescription{
		ImportArn:               api.Ptr(db.tableArn(name) + "/import/" + id),
		ImportStatus:            api.Ptr(api.ImportStatusInProgress),
		TableArn:                api.Ptr(db.tableArn(name)),
		TableId:                 rec.Desc.TableId,
		ClientToken:             in.ClientToken,
		S3BucketSource:          in.S3BucketSource,
		InputFormat:             in.InputFormat,
		InputFormatOptions:      in.InputFormatOptions,
		InputCompressionType:    in.InputCompressionType,
		TableCreationParameters: in.TableCreationParameters,
		StartTime:               &start,
		CloudWatchLogGroupArn:   api.Ptr("arn:aws:logs:" + db.opts.Region + ":" + db.opts.AccountID + ":log-group:" + importLogGroup + ":*"),
		ProcessedItemCount:      api.Ptr[int64](0),
		ProcessedSizeBytes:      api.Ptr[int64](0),
		ImportedItemCount:       api.Ptr[int64](0),
		ErrorCount:              api.Ptr[int64](0),
	}}
	jobKey := jobs.JobKey(jobImport, id)
	rec.Loading = &loadingState{Kind: "import", Job: string(jobKey)}

	locks := [][]byte{[]byte(tableIDKey), importKey(id), jobKey}
	if in.ClientToken != nil {
		locks = append(locks, importTokenKey(*in.ClientToken))
	}
	var prev *importRecord
	_, err = db.changeCatalog(ctx, name, locks, func(txn kv.Txn, cur *tableRecord) (*tableRecord, error) {
		prev = nil
		if in.ClientToken != nil {
			pid, err := lookupToken(ctx, txn, importTokenKey(*in.ClientToken), now)
			if err != nil {
				return nil, err
			}
			if pid != "" {
				var old importRecord
				if _, err := getJSON(ctx, txn, importKey(pid), &old); err != nil {
					return nil, err
				}
				if old.Request != imp.Request {
					return nil, apierr.New(apierr.ImportConflictException, "There was a conflict when importing from the specified S3 source. This can occur when the current import conflicts with a previous import request that had the same client token.")
				}
				prev = &old
				return cur, nil // unchanged
			}
		}
		if cur != nil {
			return nil, apierr.Newf(apierr.ResourceInUseException, "Table already exists: %s", name)
		}
		if err := db.checkNotDeleting(ctx, txn, name); err != nil {
			return nil, err
		}
		tid, err := nextTableID(ctx, txn)
		if err != nil {
			return nil, err
		}
		rec.ID = tid
		imp.TableID = tid
		if in.ClientToken != nil {
			if err := putJSON(txn, importTokenKey(*in.ClientToken), taskToken{ID: id, At: now.UnixMicro()}); err != nil {
				return nil, err
			}
		}
		if err := putJSON(txn, importKey(id), imp); err != nil {
			return nil, err
		}
		if err := jobs.Submit(ctx, txn, jobImport, id, nil); err != nil {
			return nil, err
		}
		return rec, nil
	})
	if err != nil {
		return nil, err
	}
	if prev != nil {
		return &api.ImportTableOutput{ImportTableDescription: &prev.Desc}, nil
	}
	db.wakeJobs()
	return &api.ImportTableOutput{ImportTableDescription: &imp.Desc}, nil
}

// describeImport answers DescribeImport from the import's record.
func (db *DB) describeImport(ctx context.Context, in *api.DescribeImportInput) (*api.DescribeImportOutput, error) {
	arn := api.Str(in.ImportArn)
	id, ok := taskIDFromArn(arn, "import")
	if !ok {
		return nil, errImportNotFound(arn)
	}
	var rec importRecord
	found, err := getJSON(ctx, db.store, importKey(id), &rec)
	if err != nil {
		return nil, err
	}
	if !found || api.Str(rec.Desc.ImportArn) != arn {
		return nil, errImportNotFound(arn)
	}
	return &api.DescribeImportOutput{ImportTableDescription: &rec.Desc}, nil
}

// importPageToken encodes an import id as a NextToken of the form the
// model requires (hex, at least 112 digits).
func importPageToken(id string) string {
	b := make([]byte, 56)
	for i := range b {
		b[i] = ' '
	}
	copy(b, id)
	return hex.EncodeToString(b)
}

// listImports pages through the imports, oldest first, of one table
// (TableArn) or of all.
func (db *DB) listImports(ctx context.Context, in *api.ListImportsInput) (*api.ListImportsOutput, error) {
	limit := defaultListTasks
	if in.PageSize != nil {
		limit = int(*in.PageSize)
	}
	after := ""
	if in.NextToken != nil {
		b, err := hex.DecodeString(*in.NextToken)
		after = strings.TrimRight(string(b), " ")
		if err != nil || !validTaskID(after) {
			return nil, apierr.Validation("Invalid NextToken")
		}
	}
	table := api.Str(in.TableArn)
	recs, next, err := listTaskIDs(ctx, db.store, importPrefix, after, limit, func(r *importRecord) bool {
		return table == "" || api.Str(r.Desc.TableArn) == table
	})
	if err != nil {
		return nil, err
	}
	out := &api.ListImportsOutput{ImportSummaryList: []api.ImportSummary{}}
	for _, r := range recs {
		d := &r.Desc
		out.ImportSummaryList = append(out.ImportSummaryList, api.ImportSummary{
			ImportArn: d.ImportArn, ImportStatus: d.ImportStatus, TableArn: d.TableArn, InputFormat: d.InputFormat,
			S3BucketSource: d.S3BucketSource, StartTime: d.StartTime, EndTime: d.EndTime, CloudWatchLogGroupArn: d.CloudWatchLogGroupArn,
		})
	}
	if next != "" {
		out.NextToken = api.Ptr(importPageToken(next))
	}
	return out, nil
}
