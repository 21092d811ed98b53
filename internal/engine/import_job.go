package engine

// The import job: it reads every object under the import's S3KeyPrefix,
// in key order, through dataio's reader of the InputFormat, and writes the
// items into the Loading table in batches. Each batch commits with the
// job's checkpoint (the object and the reader position after the batch)
// and the import record's counts, so a restart resumes after the last
// batch that committed: no item is written twice or lost, and DescribeImport
// shows the progress as it goes.
//
// A bad record (it does not parse, or its item is not one DynamoDB would
// accept for the table: a key missing or of the wrong type, an item over
// 400 KB) is counted in ErrorCount, logged with the object and line (the
// CloudWatch log group of DynamoDB, our log here) and skipped; it is
// never half written. A corrupt compressed stream ends its object with one
// error and the import goes on with the next object. ProcessedItemCount
// counts records read (items and errors), ProcessedSizeBytes their
// decompressed bytes.
//
// The last commit clears the table's Loading state and marks the import
// COMPLETED; an import that fails (no such bucket, no object under the
// prefix, its table deleted) deletes the table it created, as DynamoDB
// does, and is FAILED.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/dataio"
	"github.com/dynago/dynago/internal/jobs"
	"github.com/dynago/dynago/internal/kv"
	"github.com/dynago/dynago/internal/s3store"
)

// Bounds of one import batch.
const (
	importBatchItems = 500
	importBatchBytes = 4 << 20 // 4 MB
)

// importProgress is the import job's checkpoint.
type importProgress struct {
	// Object is the index, in the key-ordered listing, of the object
	// being read; Pos the reader's position in it after the last batch.
	Object int             `json:"object"`
	Pos    dataio.Position `json:"pos"`
	Counts importCounts    `json:"counts"`
}

// importCounts are the counts DescribeImport reports.
type importCounts struct {
	Processed, Imported, Errors, Bytes int64
}

// runImport is the import job's body.
func (db *DB) runImport(ctx context.Context, j *jobs.Job) error {
	var rec importRecord
	found, err := getJSON(ctx, db.store, importKey(j.ID), &rec)
	if err != nil {
		return err
	}
	if !found || api.Str(rec.Desc.ImportStatus) != api.ImportStatusInProgress {
		return nil
	}
	var p importProgress
	if len(j.Progress) > 0 {
		if err := json.Unmarshal(j.Progress, &p); err != nil {
			return fmt.Errorf("import %s: progress: %w", j.ID, err)
		}
	}
	err = db.importObjects(ctx, j, &rec, &p)
	var fail *taskFailure
	switch {
	case err == nil:
		return db.finishImport(ctx, j, &rec, &p, nil)
	case errors.As(err, &fail):
	case errors.Is(err, s3store.ErrNoSuchBucket):
		fail = &taskFailure{Code: "S3NoSuchBucket", Message: "The specified bucket does not exist: " + api.Str(rec.Desc.S3BucketSource.S3Bucket)}
	default:
		return err // retried from the last checkpoint
	}
	return db.finishImport(ctx, j, &rec, &p, fail)
}

// importReaderOptions returns the reader options of an import into t.
func importReaderOptions(rec *importRecord, t *Table) (dataio.ReaderOptions, error) {
	var o dataio.ReaderOptions
	var err error
	if o.Format, err = dataio.ParseFormat(api.Str(rec.Desc.InputFormat)); err != nil {
		return o, err
	}
	if o.Compression, err = dataio.ParseCompression(api.Str(rec.Desc.InputCompressionType)); err != nil {
		return o, err
	}
	seen := map[string]bool{}
	add := func(k KeyAttr, required bool) {
		if k.Name == "" || seen[k.Name] {
			return
		}
		seen[k.Name] = true
		o.Keys = append(o.Keys, dataio.KeyAttribute{Name: k.Name, Type: k.Type, Required: required})
	}
	add(t.Hash, true)
	add(t.Range, true)
	for _, ix := range t.Indexes {
		for _, k := range append(append([]KeyAttr{ix.Hash, ix.Range}, ix.Hashes...), ix.Ranges...) {
			add(k, false)
		}
	}
	if f := rec.Desc.InputFormatOptions; f != nil && f.Csv != nil {
		if d := api.Str(f.Csv.Delimiter); d != "" {
			o.CSV.Delimiter = d[0]
		}
		o.CSV.Header = f.Csv.HeaderList
	}
	return o, nil
}

// importObjects reads the objects from the checkpoint on.
func (db *DB) importObjects(ctx context.Context, j *jobs.Job, rec *importRecord, p *importProgress) error {
	if _, err := db.syncCatalog(ctx, db.store); err != nil {
		return err
	}
	e := db.cat.get(rec.Table)
	if e == nil || e.table.ID != rec.TableID {
		return &taskFailure{Code: "TableNotFound", Message: "The table being imported into was deleted: " + rec.Table}
	}
	t := e.table
	opts, err := importReaderOptions(rec, t)
	if err != nil {
		return &taskFailure{Code: "InvalidInput", Message: err.Error()}
	}
	src := rec.Desc.S3BucketSource
	bucket := api.Str(src.S3Bucket)
	objs, err := db.opts.Objects.List(ctx, bucket, api.Str(src.S3KeyPrefix))
	if err != nil {
		return err
	}
	if len(objs) == 0 {
		return &taskFailure{Code: "ItemValidationError", Message: "No S3 objects found under the key prefix: s3://" + bucket + "/" + api.Str(src.S3KeyPrefix)}
	}
	var seen *importSeen // nil: read every key (see import_seen.go)
	if len(j.Progress) == 0 {
		var total int64
		for _, o := range objs {
			total += o.Size
		}
		seen = newImportSeen(total)
	}
	progress := db.taskProgress(jobImport, t.Name)
	for p.Object < len(objs) {
		if err := db.importObject(ctx, j, rec, t, bucket, objs[p.Object].Key, opts, p, seen, progress); err != nil {
			return err
		}
		p.Object, p.Pos = p.Object+1, dataio.Position{}
	}
	return nil
}

// importObject reads one object from p.Pos.
func (db *DB) importObject(ctx context.Context, j *jobs.Job, rec *importRecord, t *Table, bucket, key string, opts dataio.ReaderOptions, p *importProgress, seen *importSeen, progress func(copyStats)) error {
	body, _, err := db.opts.Objects.Get(ctx, bucket, key)
	if err != nil {
		return err
	}
	defer body.Close()
	opts.Start = p.Pos
	rd, err := dataio.NewReader(body, opts)
	if err != nil {
		db.importError(j.ID, key, 0, err)
		p.Counts.Errors++
		return nil
	}
	defer rd.Close()
	b := &importBatch{}
	start := rd.Offset()
	for {
		it, err := rd.Next()
		var le *dataio.LineError
		switch {
		case err == nil:
			b.add(t, it)
			p.Counts.Processed++
		case errors.As(err, &le):
			db.importError(j.ID, key, le.Line, le.Err)
			b.errors++
			p.Counts.Processed++
		case errors.Is(err, io.EOF):
			return db.importCommit(ctx, j, rec, t, b, p, seen, rd.Pos(), rd.Offset()-start, progress)
		default:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			// The rest of the object cannot be read (a corrupt
			// stream): one error, then the next object.
			db.importError(j.ID, key, rd.Line(), err)
			b.errors++
			return db.importCommit(ctx, j, rec, t, b, p, seen, rd.Pos(), rd.Offset()-start, progress)
		}
		if len(b.keys) >= importBatchItems || b.size >= importBatchBytes {
			off := rd.Offset()
			if err := db.importCommit(ctx, j, rec, t, b, p, seen, rd.Pos(), off-start, progress); err != nil {
				return err
			}
			start = off
			b = &importBatch{}
		}
	}
}

// importError logs a bad record as DynamoDB's CloudWatch log of an import
// would.
func (db *DB) importError(id, object string, line int64, err error) {
	db.opts.Logger.Warn("import: record skipped", "logGroup", importLogGroup, "import", id, "object", object, "line", line, "error", err.Error())
}

// importBatch is the items of one commit, the last per key (a later
// record of a key replaces an earlier one, as writing them in order
// would).
type importBatch struct {
	keys   [][]byte
	items  map[string]attr.Item
	size   int
	errors int64
}

func (b *importBatch) add(t *Table, it attr.Item) {
	if b.items == nil {
		b.items = map[string]attr.Item{}
	}
	k := itemKey(t, t.keyOf(it))
	if _, ok := b.items[string(k)]; !ok {
		b.keys = append(b.keys, k)
	}
	b.items[string(k)] = it
	b.size += attr.ItemSize(it)
}

// importCommit writes a batch with the checkpoint pos and the counts.
func (db *DB) importCommit(ctx context.Context, j *jobs.Job, rec *importRecord, t *Table, b *importBatch, p *importProgress, seen *importSeen, pos dataio.Position, read int64, progress func(copyStats)) error {
	next := *p
	next.Pos = pos
	next.Counts.Imported += int64(len(b.keys))
	next.Counts.Errors += b.errors
	next.Counts.Bytes += read
	prog, err := json.Marshal(next)
	if err != nil {
		return err
	}
	r := *rec
	r.Desc = rec.Desc
	setImportCounts(&r.Desc, next.Counts)
	locks := append([][]byte{j.Key(), importKey(j.ID)}, b.keys...)
	err = db.updateItems(ctx, locks, func(txn kv.Txn) error {
		if err := db.syncWrite(ctx, txn, t); err != nil {
			return err
		}
		for _, k := range b.keys {
			var old []byte
			if seen.mayHave(k) {
				switch v, err := txn.Get(ctx, k); {
				case err == nil:
					old = v
				case !errors.Is(err, kv.ErrNotFound):
					return err
				}
			}
			if err := db.writeItem(txn, t, k, &oldImage{raw: old}, b.items[string(k)], fromImport); err != nil {
				return err
			}
		}
		if err := j.Checkpoint(ctx, txn, prog); err != nil {
			return err
		}
		return putJSON(txn, importKey(j.ID), &r)
	})
	if err != nil {
		return err
	}
	for _, k := range b.keys {
		seen.add(k)
	}
	*p = next
	*rec = r
	progress(copyStats{Items: int64(len(b.keys)), Bytes: read})
	return nil
}

// setImportCounts copies counts into a description.
func setImportCounts(d *api.ImportTableDescription, c importCounts) {
	d.ProcessedItemCount = api.Ptr(c.Processed)
	d.ImportedItemCount = api.Ptr(c.Imported)
	d.ErrorCount = api.Ptr(c.Errors)
	d.ProcessedSizeBytes = api.Ptr(c.Bytes)
}

// finishImport ends the import: COMPLETED with the table made ACTIVE, or
// FAILED (fail) with the table deleted, in one commit.
func (db *DB) finishImport(ctx context.Context, j *jobs.Job, rec *importRecord, p *importProgress, fail *taskFailure) error {
	r := *rec
	setImportCounts(&r.Desc, p.Counts)
	end := api.NewTime(db.opts.Now())
	r.Desc.EndTime = &end
	if fail != nil {
		r.Desc.ImportStatus = api.Ptr(api.ImportStatusFailed)
		r.Desc.FailureCode, r.Desc.FailureMessage = api.Ptr(fail.Code), api.Ptr(fail.Message)
	} else {
		r.Desc.ImportStatus = api.Ptr(api.ImportStatusCompleted)
	}
	locks := [][]byte{j.Key(), importKey(j.ID), jobs.JobKey(jobTableDrop, fmt.Sprintf("%016x", rec.TableID))}
	_, err := db.changeCatalog(ctx, rec.Table, locks, func(txn kv.Txn, cur *tableRecord) (*tableRecord, error) {
		if err := j.Fence(ctx, txn); err != nil {
			return nil, err
		}
		if err := putJSON(txn, importKey(j.ID), &r); err != nil {
			return nil, err
		}
		if cur == nil || cur.ID != rec.TableID {
			return cur, nil // the table is gone (or another): leave it
		}
		if fail != nil {
			return nil, submitTableDrop(ctx, txn, cur)
		}
		done := cur.clone()
		done.Loading = nil
		return done, nil
	})
	if err != nil {
		return err
	}
	if fail != nil {
		db.opts.Logger.Warn("import failed", "import", j.ID, "table", rec.Table, "code", fail.Code, "message", fail.Message)
		db.wakeJobs()
	} else {
		db.opts.Logger.Info("import completed", "import", j.ID, "table", rec.Table,
			"imported", p.Counts.Imported, "errors", p.Counts.Errors, "processed", p.Counts.Processed)
	}
	return nil
}
