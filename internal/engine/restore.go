package engine

// RestoreTableFromBackup, and the restore job both kinds of restore run.
//
// A restore creates its target table in the commit that submits its job,
// with tableRecord.Loading set (backup_load.go): the name is taken, the
// table is described CREATING with RestoreSummary.RestoreInProgress, and
// nothing reads or writes it. The job writes the source's items (a
// backup's copy, or a point-in-time view: restore_pitr.go) into the table
// through writeItem with origin fromRestore, so the target's own indexes
// (the source's, or the request's overrides) are built from the items as
// they go in, and no stream record is written (the target has no stream);
// a target without indexes takes the stored bytes as they are.
// Each batch commits with the job's checkpoint (the last key written), so
// a restart resumes after it. The last commit clears Loading: the table is
// ACTIVE only once every item is in.
//
// The restored table has the source's key schema, indexes, billing mode,
// throughput and encryption (each overridable), and none of its stream,
// TTL, tags, point-in-time recovery, deletion protection, resource policy
// or table class, as DynamoDB's (ack-api-quirks DDB-TABLE-215).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/jobs"
	"github.com/dynago/dynago/internal/kv"
)

// jobRestore fills a restored table; its id is the target table's id.
const jobRestore = "restore"

// Bounds of one restore batch.
const (
	restoreBatchItems = 500
	restoreBatchBytes = 4 << 20
)

// restoreSpec is what a restore job fills its table from.
type restoreSpec struct {
	// Table and TableID are the target.
	Table   string `json:"table"`
	TableID uint64 `json:"tableId"`
	// Backup is the id of the backup restored from; or SourceID the id
	// of the table restored to the point At (unix µs).
	Backup   string `json:"backup,omitempty"`
	SourceID uint64 `json:"sourceId,omitempty"`
	At       int64  `json:"at,omitempty"`
}

// restoreProgress is the restore job's checkpoint.
type restoreProgress struct {
	// View is what is being copied; it is fixed by the job's first run
	// (a point-in-time restore replays its log first).
	View *view `json:"view,omitempty"`
	// After is the table-key suffix of the last item written.
	After []byte `json:"after,omitempty"`
	Items int64  `json:"items"`
	Bytes int64  `json:"bytes"`
}

func restoreJobID(tableID uint64) string { return fmt.Sprintf("%016x", tableID) }

// restoreOverrides are the members both restores take to change the
// target's settings.
type restoreOverrides struct {
	BillingMode           *string
	ProvisionedThroughput *api.ProvisionedThroughput
	OnDemandThroughput    *api.OnDemandThroughput
	GSIs                  []api.GlobalSecondaryIndex
	LSIs                  []api.LocalSecondaryIndex
	SSE                   *api.SSESpecification
}

// restoreTableFromBackup creates the target table and starts the restore.
func (db *DB) restoreTableFromBackup(ctx context.Context, in *api.RestoreTableFromBackupInput) (*api.RestoreTableFromBackupOutput, error) {
	arn := api.Str(in.BackupArn)
	bk, err := db.getBackup(ctx, db.store, arn)
	if err != nil {
		return nil, err
	}
	if bk == nil {
		return nil, errBackupNotFound(arn)
	}
	if api.Str(bk.Details.BackupStatus) != api.BackupStatusAvailable {
		return nil, apierr.Newf(apierr.BackupInUseException, "Backup is being created: %s", arn)
	}
	ov := restoreOverrides{
		BillingMode: in.BillingModeOverride, ProvisionedThroughput: in.ProvisionedThroughputOverride,
		OnDemandThroughput: in.OnDemandThroughputOverride, GSIs: in.GlobalSecondaryIndexOverride,
		LSIs: in.LocalSecondaryIndexOverride, SSE: in.SSESpecificationOverride,
	}
	id := bk.id()
	summary := &api.RestoreSummary{
		SourceBackupArn: api.Ptr(arn), SourceTableArn: bk.Source.Desc.TableArn,
		RestoreDateTime: bk.Details.BackupCreationDateTime,
	}
	e, err := db.startRestore(ctx, bk.Source, api.Str(in.TargetTableName), ov, summary,
		restoreSpec{Backup: id}, [][]byte{backupKey(id)}, func(txn kv.Txn) error {
			// The backup is still there (DeleteBackup locks its record too).
			b, err := db.getBackup(ctx, txn, arn)
			if err != nil {
				return err
			}
			if b == nil {
				return errBackupNotFound(arn)
			}
			// One restore from a backup at a time (ack-api-quirks
			// DDB-BACKUP-010). Every restore from it locks its record in
			// the commit that creates its table, so the catalog read
			// under the lock shows every one begun.
			st, err := db.syncCatalog(ctx, txn)
			if err != nil {
				return err
			}
			for _, e := range st.tables {
				if l := e.rec.Loading; l != nil && l.Backup == id {
					return apierr.Newf(apierr.BackupInUseException, "Backup is being used to restore another table: %s", arn)
				}
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	return &api.RestoreTableFromBackupOutput{TableDescription: db.describe(e, api.TableStatusCreating, 0, 0)}, nil
}

// restoreCreateInput builds the CreateTable request of a restore of a
// table whose record is src, with the overrides applied.
func restoreCreateInput(src *tableRecord, target string, ov restoreOverrides) *api.CreateTableInput {
	d := src.clone().Desc
	in := &api.CreateTableInput{
		TableName: api.Ptr(target), KeySchema: d.KeySchema,
		GlobalSecondaryIndexes: backupGSIs(&d), BillingMode: api.Ptr(api.BillingModeProvisioned),
		OnDemandThroughput: d.OnDemandThroughput,
	}
	if d.BillingModeSummary != nil && api.Str(d.BillingModeSummary.BillingMode) == api.BillingModePayPerRequest {
		in.BillingMode = api.Ptr(api.BillingModePayPerRequest)
	} else if pt := d.ProvisionedThroughput; pt != nil {
		in.ProvisionedThroughput = &api.ProvisionedThroughput{ReadCapacityUnits: copyInt(pt.ReadCapacityUnits), WriteCapacityUnits: copyInt(pt.WriteCapacityUnits)}
	}
	for _, l := range d.LocalSecondaryIndexes {
		in.LocalSecondaryIndexes = append(in.LocalSecondaryIndexes, api.LocalSecondaryIndex{IndexName: l.IndexName, KeySchema: l.KeySchema, Projection: l.Projection})
	}
	if s := d.SSEDescription; s != nil && api.Str(s.Status) == api.SSEStatusEnabled {
		in.SSESpecification = &api.SSESpecification{Enabled: api.Ptr(true), SSEType: s.SSEType, KMSMasterKeyId: s.KMSMasterKeyArn}
	}
	if ov.BillingMode != nil {
		in.BillingMode = ov.BillingMode
		if *ov.BillingMode == api.BillingModePayPerRequest {
			in.ProvisionedThroughput = nil
			for i := range in.GlobalSecondaryIndexes {
				in.GlobalSecondaryIndexes[i].ProvisionedThroughput = nil
			}
		} else {
			in.OnDemandThroughput = nil
		}
	}
	if ov.ProvisionedThroughput != nil {
		in.ProvisionedThroughput = ov.ProvisionedThroughput
	}
	if ov.OnDemandThroughput != nil {
		in.OnDemandThroughput = ov.OnDemandThroughput
	}
	// An override replaces the source's indexes; an empty one drops them.
	if ov.GSIs != nil {
		in.GlobalSecondaryIndexes = nil
		if len(ov.GSIs) > 0 {
			in.GlobalSecondaryIndexes = ov.GSIs
		}
	}
	if ov.LSIs != nil {
		in.LocalSecondaryIndexes = nil
		if len(ov.LSIs) > 0 {
			in.LocalSecondaryIndexes = ov.LSIs
		}
	}
	if api.Str(in.BillingMode) == api.BillingModeProvisioned {
		// An index restored onto a provisioned table needs throughput:
		// the table's, as the source (on demand) had none.
		for i := range in.GlobalSecondaryIndexes {
			if g := &in.GlobalSecondaryIndexes[i]; g.ProvisionedThroughput == nil && in.ProvisionedThroughput != nil {
				g.ProvisionedThroughput = in.ProvisionedThroughput
			}
		}
	}
	if ov.SSE != nil {
		in.SSESpecification = ov.SSE
	}
	// The attribute definitions the key schemas use, from the source's.
	schemas := [][]api.KeySchemaElement{in.KeySchema}
	for _, g := range in.GlobalSecondaryIndexes {
		schemas = append(schemas, g.KeySchema)
	}
	for _, l := range in.LocalSecondaryIndexes {
		schemas = append(schemas, l.KeySchema)
	}
	in.AttributeDefinitions = definitionsUsed(in.AttributeDefinitions, d.AttributeDefinitions, schemas)
	return in
}

// startRestore validates the restore of the table whose record is src into
// target, then creates the target Loading and submits its job in one
// commit that also locks extra and runs check.
func (db *DB) startRestore(ctx context.Context, src *tableRecord, target string, ov restoreOverrides, summary *api.RestoreSummary,
	spec restoreSpec, extra [][]byte, check func(kv.Txn) error) (*catalogEntry, error) {
	if strings.HasPrefix(target, "arn:") {
		return nil, apierr.Validation("TargetTableName must be a table name, not an ARN")
	}
	create := restoreCreateInput(src, target, ov)
	if err := validateCreateTable(create); err != nil {
		return nil, err
	}
	if e := db.cat.get(target); e != nil {
		return nil, errRestoreTargetExists(e.rec, target)
	}
	now := db.opts.Now()
	rec := db.newTableRecord(target, create, now)
	summary.RestoreInProgress = api.Ptr(true)
	rec.Desc.RestoreSummary = summary
	locks := append([][]byte{[]byte(tableIDKey)}, extra...)
	defer db.wakeJobs()
	return db.changeCatalog(ctx, target, locks, func(txn kv.Txn, cur *tableRecord) (*tableRecord, error) {
		if cur != nil {
			return nil, errRestoreTargetExists(cur, target)
		}
		if err := db.checkNotDeleting(ctx, txn, target); err != nil {
			if errors.Is(err, apierr.ResourceInUseException) {
				// A DELETING table's name is taken as an ACTIVE one's
				// is (ack-api-quirks DDB-TABLE-275, -100).
				return nil, apierr.Newf(apierr.TableAlreadyExistsException, "Table already exists: %s", target)
			}
			return nil, err
		}
		if err := check(txn); err != nil {
			return nil, err
		}
		tid, err := nextTableID(ctx, txn)
		if err != nil {
			return nil, err
		}
		rec.ID = tid
		sp := spec
		sp.Table, sp.TableID = target, tid
		b, err := json.Marshal(sp)
		if err != nil {
			return nil, err
		}
		jid := restoreJobID(tid)
		rec.Loading = &loadingState{Kind: "restore", Job: string(jobs.JobKey(jobRestore, jid)), Backup: spec.Backup, Source: spec.SourceID}
		if err := jobs.Submit(ctx, txn, jobRestore, jid, b); err != nil {
			return nil, err
		}
		return rec, nil
	})
}

// errRestoreTargetExists refuses a restore onto a table name in use:
// DynamoDB names the backup a restoring target is filled from
// (ack-api-quirks DDB-TABLE-219, -463); a target filled by a point-in-time
// restore or an import gets Dynago's sentence, as no capture of those is
// on record.
func errRestoreTargetExists(cur *tableRecord, name string) error {
	if cur.Loading != nil {
		if rs := cur.Desc.RestoreSummary; rs != nil && rs.SourceBackupArn != nil {
			return apierr.Newf(apierr.TableInUseException, "Table: %s is already being restored from backup: %s", name, *rs.SourceBackupArn)
		}
		return apierr.Newf(apierr.TableInUseException, "Table is being created: %s", name)
	}
	return apierr.Newf(apierr.TableAlreadyExistsException, "Table already exists: %s", name)
}

// runRestore is the restore job's body.
func (db *DB) runRestore(ctx context.Context, j *jobs.Job) error {
	var spec restoreSpec
	if err := json.Unmarshal(j.Spec, &spec); err != nil {
		return fmt.Errorf("restore %s: spec: %w", j.ID, err)
	}
	var p restoreProgress
	if len(j.Progress) > 0 {
		if err := json.Unmarshal(j.Progress, &p); err != nil {
			return fmt.Errorf("restore %s: progress: %w", j.ID, err)
		}
	}
	if _, err := db.syncCatalog(ctx, db.store); err != nil {
		return err
	}
	e := db.cat.get(spec.Table)
	if e == nil || e.table.ID != spec.TableID || e.rec.Loading == nil {
		return nil // nothing left to fill
	}
	start := time.Now()
	if p.View == nil {
		v, err := db.restoreView(ctx, j, &spec)
		var fail *taskFailure
		if errors.As(err, &fail) {
			return db.failRestore(ctx, j, &spec, fail)
		}
		if err != nil {
			return err
		}
		p.View = v
		if err := db.saveRestoreProgress(ctx, j, &p); err != nil {
			return err
		}
	}
	if err := db.restoreItems(ctx, j, e.table, &p); err != nil {
		return err
	}
	_, err := db.changeCatalog(ctx, spec.Table, [][]byte{j.Key()}, func(txn kv.Txn, cur *tableRecord) (*tableRecord, error) {
		if err := j.Fence(ctx, txn); err != nil {
			return nil, err
		}
		if cur == nil || cur.ID != spec.TableID {
			return cur, nil
		}
		done := cur.clone()
		done.Loading = nil
		// DynamoDB describes RestoreSummary only while the restore runs:
		// the first ACTIVE description has none (ack-api-quirks
		// DDB-TABLE-216).
		done.Desc.RestoreSummary = nil
		return done, nil
	})
	if err != nil {
		return err
	}
	if spec.SourceID != 0 {
		// The point-in-time view's overlay was the restore's own.
		if err := db.dropData(ctx, restoreDataName(spec.TableID)); err != nil {
			return err
		}
	}
	db.opts.Logger.Info("restore completed", "table", spec.Table, "items", p.Items, "bytes", p.Bytes, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// restoreView returns the view a restore copies: a backup's items, or a
// point in time of a table (restore_pitr.go).
func (db *DB) restoreView(ctx context.Context, j *jobs.Job, spec *restoreSpec) (*view, error) {
	if spec.Backup != "" {
		return &view{Base: backupDataName(spec.Backup)}, nil
	}
	return db.pitrView(ctx, j, spec)
}

// saveRestoreProgress checkpoints p alone.
func (db *DB) saveRestoreProgress(ctx context.Context, j *jobs.Job, p *restoreProgress) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return db.store.Update(ctx, [][]byte{j.Key()}, func(txn kv.Txn) error { return j.Checkpoint(ctx, txn, b) })
}

// restoreItems writes the view's items after p.After into t, in batches
// that each commit with the checkpoint after them.
func (db *DB) restoreItems(ctx context.Context, j *jobs.Job, t *Table, p *restoreProgress) error {
	vi, err := db.iterView(ctx, db.store, *p.View, p.After)
	if err != nil {
		return err
	}
	defer vi.Close()
	var keys, vals [][]byte
	size := 0
	progress := db.taskProgress(jobRestore, t.Name)
	flush := func() error {
		if len(keys) == 0 {
			return nil
		}
		next := *p
		next.After = tableSuffix(t.ID, keys[len(keys)-1])
		next.Items += int64(len(keys))
		next.Bytes += int64(size)
		prog, err := json.Marshal(&next)
		if err != nil {
			return err
		}
		err = db.updateItems(ctx, append([][]byte{j.Key()}, keys...), func(txn kv.Txn) error {
			if err := db.syncWrite(ctx, txn, t); err != nil {
				return err
			}
			if db.writeHook == nil && len(db.liveIndexes(t)) == 0 && db.liveChangeLog(t) == nil {
				// Nothing but the item to write: its stored bytes are
				// what writeItem would store.
				for i, k := range keys {
					if err := txn.Set(k, vals[i]); err != nil {
						return err
					}
				}
				return j.Checkpoint(ctx, txn, prog)
			}
			for i, k := range keys {
				it, err := decodeItem(vals[i])
				if err != nil {
					return err
				}
				if err := db.writeItem(txn, t, k, &oldImage{}, it, fromRestore); err != nil {
					return err
				}
			}
			return j.Checkpoint(ctx, txn, prog)
		})
		if err != nil {
			return err
		}
		*p = next
		if progress != nil {
			progress(copyStats{Items: int64(len(keys)), Bytes: int64(size)})
		}
		keys, vals, size = keys[:0], vals[:0], 0
		return nil
	}
	prefix := tablePrefix(t.ID)
	for vi.Next() {
		keys = append(keys, append(append(make([]byte, 0, len(prefix)+len(vi.Key())), prefix...), vi.Key()...))
		vals = append(vals, append([]byte(nil), vi.Value()...))
		size += len(vi.Value())
		if len(keys) >= restoreBatchItems || size >= restoreBatchBytes {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := vi.Err(); err != nil {
		return err
	}
	return flush()
}

// failRestore ends a restore that cannot be done: its table is deleted
// (with what was written), as DynamoDB's failed restore leaves no table.
func (db *DB) failRestore(ctx context.Context, j *jobs.Job, spec *restoreSpec, fail *taskFailure) error {
	locks := [][]byte{j.Key(), jobs.JobKey(jobTableDrop, fmt.Sprintf("%016x", spec.TableID))}
	_, err := db.changeCatalog(ctx, spec.Table, locks, func(txn kv.Txn, cur *tableRecord) (*tableRecord, error) {
		if err := j.Fence(ctx, txn); err != nil {
			return nil, err
		}
		if cur == nil || cur.ID != spec.TableID {
			return cur, nil
		}
		return nil, submitTableDrop(ctx, txn, cur)
	})
	if err != nil {
		return err
	}
	if spec.SourceID != 0 {
		if err := db.dropData(ctx, restoreDataName(spec.TableID)); err != nil {
			return err
		}
	}
	db.opts.Logger.Warn("restore failed; its table is deleted", "table", spec.Table, "code", fail.Code, "message", fail.Message)
	db.wakeJobs()
	return nil
}
