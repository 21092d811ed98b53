package engine

// On-demand backups: CreateBackup, DescribeBackup, ListBackups and
// DeleteBackup (RestoreTableFromBackup is in restore.go).
//
//	bk/<backup id>   backupRecord (JSON): the description and the source table's record
//	b/bk-<id>/i/…    the backup's items (backup_data.go), copied from one snapshot
//
// CreateBackup records the backup CREATING and submits its job in one
// commit; the job copies the table's items from one kv.Snapshot (a
// consistent state, taken without blocking writers) and marks the backup
// AVAILABLE with its size and item count. A backup holds its table's items
// and its indexes' definitions: a restore rebuilds the index entries from
// the items, which is what lets it apply index overrides. A job
// interrupted by a restart drops what it copied, copies again from a new
// snapshot and rolls that back to the first one (backup_resume.go), so a
// backup is always the state of its first snapshot. The record and data
// are the engine's own, not the table's, so a backup outlives DeleteTable
// of its source and restarts. DeleteBackup removes the record at once
// (answering the description DELETED, as DynamoDB does) and drops the data
// in a job.
//
// Ids are "<unix ms, 14 digits>-<8 hex digits>" as DynamoDB's are, so
// ListBackups pages in creation order.

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/jobs"
	"github.com/dynago/dynago/internal/kv"
)

const (
	backupPrefix = "bk/"

	// jobBackup copies a backup's items; jobBackupDrop drops a deleted
	// backup's data. Both have the backup id as id.
	jobBackup     = "backup"
	jobBackupDrop = "backup-drop"
	// jobBackupExpire deletes a system backup at its expiry
	// (backup_system.go); its id is the backup id.
	jobBackupExpire = "backup-expire"

	// defaultListBackups is ListBackups' page size without Limit.
	defaultListBackups = 100
)

// backupRecord is a backup as stored.
type backupRecord struct {
	Details api.BackupDetails `json:"details"`
	// Source is the source table's catalog record when the backup was
	// requested: its schema, indexes, billing and features.
	Source *tableRecord `json:"source"`
	// Items and Bytes are what the copy holds, once AVAILABLE.
	Items int64 `json:"items,omitempty"`
	Bytes int64 `json:"bytes,omitempty"`
}

func backupKey(id string) []byte { return []byte(backupPrefix + id) }

// backupDataName names a backup's data range (backup_data.go).
func backupDataName(id string) string { return "bk-" + id }

func (r *backupRecord) id() string {
	id, _ := taskIDFromArn(api.Str(r.Details.BackupArn), "backup")
	return id
}

// taskObserver is the optional part of an Observer that sees the progress
// of the copying jobs (internal/metrics implements it): kind is backup,
// restore, pitr-base, export or import.
type taskObserver interface {
	TaskProgress(kind, table string, items, bytes int64)
}

// taskProgress returns the function a copying job (a backup, restore,
// PITR base copy, export or import) reports each batch it commits to: the
// observer's counters on /metrics and, every backfillLogEvery, an info
// line with the job's totals in this process, so that whoever watches the
// log of a long job sees it move. It logs "<kind> running" when made.
func (db *DB) taskProgress(kind, table string) func(copyStats) {
	o, _ := db.opts.Observer.(taskObserver)
	log := db.opts.Logger.With("table", table)
	// A PITR base is copied again every base interval, unasked: its start
	// is debug, its end (pitr base copied) info as before.
	if kind == jobPITRBase {
		log.Debug(kind + " running")
	} else {
		log.Info(kind + " running")
	}
	var total copyStats
	last := time.Now()
	return func(st copyStats) {
		if o != nil {
			o.TaskProgress(kind, table, st.Items, st.Bytes)
		}
		total.Items += st.Items
		total.Bytes += st.Bytes
		if time.Since(last) >= backfillLogEvery {
			log.Info(kind+" in progress", "items", total.Items, "bytes", total.Bytes)
			last = time.Now()
		}
	}
}

func errBackupNotFound(arn string) error {
	return apierr.Newf(apierr.BackupNotFoundException, "Backup not found: %s", arn)
}

// bindBackupOperations adds the backup and restore operations to
// db.handlers.
func (db *DB) bindBackupOperations() {
	h := &db.handlers
	h[api.OpCreateBackup] = api.Bind(db.CreateBackup)
	h[api.OpDescribeBackup] = api.Bind(db.DescribeBackup)
	h[api.OpListBackups] = api.Bind(db.ListBackups)
	h[api.OpDeleteBackup] = api.Bind(db.DeleteBackup)
	h[api.OpRestoreTableFromBackup] = api.Bind(db.RestoreTableFromBackup)
	h[api.OpRestoreTableToPointInTime] = api.Bind(db.RestoreTableToPointInTime)
}

// addBackupJobs registers the backup, restore and PITR job bodies.
func (db *DB) addBackupJobs(bodies map[string]jobs.Body) {
	bodies[jobBackup] = db.runBackup
	bodies[jobBackupDrop] = db.runBackupDrop
	bodies[jobBackupExpire] = db.runBackupExpire
	bodies[jobRestore] = db.runRestore
	bodies[jobPITRBase] = db.runPITRBase
}

// CreateBackup serves DynamoDB's CreateBackup (createBackup).
func (db *DB) CreateBackup(ctx context.Context, in *api.CreateBackupInput) (*api.CreateBackupOutput, error) {
	return run(ctx, db, api.OpCreateBackup, in, db.createBackup)
}

// DescribeBackup serves DynamoDB's DescribeBackup (describeBackup).
func (db *DB) DescribeBackup(ctx context.Context, in *api.DescribeBackupInput) (*api.DescribeBackupOutput, error) {
	return run(ctx, db, api.OpDescribeBackup, in, db.describeBackup)
}

// ListBackups serves DynamoDB's ListBackups (listBackups).
func (db *DB) ListBackups(ctx context.Context, in *api.ListBackupsInput) (*api.ListBackupsOutput, error) {
	return run(ctx, db, api.OpListBackups, in, db.listBackups)
}

// DeleteBackup serves DynamoDB's DeleteBackup (deleteBackup).
func (db *DB) DeleteBackup(ctx context.Context, in *api.DeleteBackupInput) (*api.DeleteBackupOutput, error) {
	return run(ctx, db, api.OpDeleteBackup, in, db.deleteBackup)
}

// RestoreTableFromBackup serves DynamoDB's RestoreTableFromBackup
// (restoreTableFromBackup, restore.go).
func (db *DB) RestoreTableFromBackup(ctx context.Context, in *api.RestoreTableFromBackupInput) (*api.RestoreTableFromBackupOutput, error) {
	return run(ctx, db, api.OpRestoreTableFromBackup, in, db.restoreTableFromBackup)
}

// RestoreTableToPointInTime serves DynamoDB's RestoreTableToPointInTime
// (restoreTableToPointInTime, restore_pitr.go).
func (db *DB) RestoreTableToPointInTime(ctx context.Context, in *api.RestoreTableToPointInTimeInput) (*api.RestoreTableToPointInTimeOutput, error) {
	return run(ctx, db, api.OpRestoreTableToPointInTime, in, db.restoreTableToPointInTime)
}

// createBackup records a backup CREATING and submits the job that copies
// the table.
func (db *DB) createBackup(ctx context.Context, in *api.CreateBackupInput) (*api.CreateBackupOutput, error) {
	name := api.Str(in.TableName)
	e := db.lookup(name)
	if e == nil || e.restoring() {
		// A restore's target is not found until it is ACTIVE
		// (ack-api-quirks DDB-TABLE-217).
		return nil, errContinuousTableNotFound(name)
	}
	if e.rec.Loading != nil {
		return nil, apierr.Newf(apierr.TableInUseException, "Table is being created: %s", e.table.Name)
	}
	now := db.opts.Now()
	id := newTaskID(now)
	created := api.NewTime(now)
	var rec *backupRecord
	// The commit that records the backup also lists it in the table's
	// record, which turns on the change log's old images until the copy
	// ends: what a resumed copy rolls back with (backup_resume.go).
	_, err := db.changeCatalog(ctx, e.table.Name, [][]byte{backupKey(id), jobs.JobKey(jobBackup, id)}, func(txn kv.Txn, cur *tableRecord) (*tableRecord, error) {
		if cur == nil || cur.ID != e.table.ID {
			return nil, errContinuousTableNotFound(name)
		}
		if cur.Loading != nil {
			return nil, apierr.Newf(apierr.TableInUseException, "Table is being created: %s", e.table.Name)
		}
		rec = &backupRecord{
			Source: cur.clone(),
			Details: api.BackupDetails{
				BackupArn:              api.Ptr(api.Str(cur.Desc.TableArn) + "/backup/" + id),
				BackupName:             api.Ptr(api.Str(in.BackupName)),
				BackupStatus:           api.Ptr(api.BackupStatusCreating),
				BackupType:             api.Ptr(api.BackupTypeUser),
				BackupCreationDateTime: &created,
			},
		}
		rec.Source.Loading, rec.Source.Backups = nil, nil
		if err := putJSON(txn, backupKey(id), rec); err != nil {
			return nil, err
		}
		if err := jobs.Submit(ctx, txn, jobBackup, id, nil); err != nil {
			return nil, err
		}
		cur.Backups = append(cur.Backups, id)
		refreshChangeLog(cur)
		return cur, nil
	})
	if err != nil {
		return nil, err
	}
	db.wakeJobs()
	return &api.CreateBackupOutput{BackupDetails: &rec.Details}, nil
}

// getBackup reads the backup an ARN names through r; nil when there is
// none.
func (db *DB) getBackup(ctx context.Context, r kv.Reader, arn string) (*backupRecord, error) {
	id, ok := taskIDFromArn(arn, "backup")
	if !ok || !validTaskID(id) {
		return nil, nil
	}
	var rec backupRecord
	found, err := getJSON(ctx, r, backupKey(id), &rec)
	if err != nil || !found || api.Str(rec.Details.BackupArn) != arn || rec.expired(db.opts.Now()) {
		return nil, err
	}
	return &rec, nil
}

// describeBackup answers DescribeBackup.
func (db *DB) describeBackup(ctx context.Context, in *api.DescribeBackupInput) (*api.DescribeBackupOutput, error) {
	arn := api.Str(in.BackupArn)
	rec, err := db.getBackup(ctx, db.store, arn)
	if err != nil {
		return nil, err
	}
	if rec == nil {
		return nil, errBackupNotFound(arn)
	}
	return &api.DescribeBackupOutput{BackupDescription: db.backupDescription(rec)}, nil
}

// backupDescription describes a backup as DynamoDB does.
func (db *DB) backupDescription(rec *backupRecord) *api.BackupDescription {
	d := rec.Details
	src := rec.Source.clone().Desc
	std := &api.SourceTableDetails{
		TableName:             src.TableName,
		TableId:               src.TableId,
		TableArn:              src.TableArn,
		KeySchema:             src.KeySchema,
		TableCreationDateTime: src.CreationDateTime,
		BillingMode:           api.Ptr(api.BillingModeProvisioned),
		ProvisionedThroughput: &api.ProvisionedThroughput{ReadCapacityUnits: api.Ptr[int64](0), WriteCapacityUnits: api.Ptr[int64](0)},
		OnDemandThroughput:    src.OnDemandThroughput,
	}
	if src.BillingModeSummary != nil && api.Str(src.BillingModeSummary.BillingMode) == api.BillingModePayPerRequest {
		std.BillingMode = api.Ptr(api.BillingModePayPerRequest)
	}
	if pt := src.ProvisionedThroughput; pt != nil {
		std.ProvisionedThroughput = &api.ProvisionedThroughput{ReadCapacityUnits: copyInt(pt.ReadCapacityUnits), WriteCapacityUnits: copyInt(pt.WriteCapacityUnits)}
	}
	if api.Str(d.BackupStatus) == api.BackupStatusAvailable {
		d.BackupSizeBytes = api.Ptr(rec.Bytes)
		std.ItemCount, std.TableSizeBytes = api.Ptr(rec.Items), api.Ptr(rec.Bytes)
	}
	f := &api.SourceTableFeatureDetails{SSEDescription: src.SSEDescription, StreamDescription: src.StreamSpecification}
	if st := rec.Source.Stream; st != nil && st.enabled() {
		f.StreamDescription = &api.StreamSpecification{StreamEnabled: api.Ptr(true), StreamViewType: api.Ptr(st.ViewType)}
	}
	if ttl := rec.Source.TTL; ttl != nil {
		f.TimeToLiveDescription = &api.TimeToLiveDescription{AttributeName: ttl.AttributeName, TimeToLiveStatus: ttl.TimeToLiveStatus}
	}
	for _, g := range backupGSIs(&src) {
		f.GlobalSecondaryIndexes = append(f.GlobalSecondaryIndexes, api.GlobalSecondaryIndexInfo{
			IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection,
			ProvisionedThroughput: g.ProvisionedThroughput, OnDemandThroughput: g.OnDemandThroughput,
		})
	}
	for _, l := range src.LocalSecondaryIndexes {
		f.LocalSecondaryIndexes = append(f.LocalSecondaryIndexes, api.LocalSecondaryIndexInfo{IndexName: l.IndexName, KeySchema: l.KeySchema, Projection: l.Projection})
	}
	return &api.BackupDescription{BackupDetails: &d, SourceTableDetails: std, SourceTableFeatureDetails: f}
}

// backupGSIs returns the GSIs of a table description a backup keeps (all
// but those being deleted), as CreateTable would ask for them.
func backupGSIs(d *api.TableDescription) []api.GlobalSecondaryIndex {
	var out []api.GlobalSecondaryIndex
	for _, g := range d.GlobalSecondaryIndexes {
		if api.Str(g.IndexStatus) == api.IndexStatusDeleting {
			continue
		}
		gi := api.GlobalSecondaryIndex{IndexName: g.IndexName, KeySchema: copyKeySchema(g.KeySchema), Projection: copyProjection(g.Projection), OnDemandThroughput: g.OnDemandThroughput}
		if pt := g.ProvisionedThroughput; pt != nil && (api.Int(pt.ReadCapacityUnits, 0) > 0 || api.Int(pt.WriteCapacityUnits, 0) > 0) {
			gi.ProvisionedThroughput = &api.ProvisionedThroughput{ReadCapacityUnits: copyInt(pt.ReadCapacityUnits), WriteCapacityUnits: copyInt(pt.WriteCapacityUnits)}
		}
		out = append(out, gi)
	}
	return out
}

// listBackups pages through the backups, oldest first.
func (db *DB) listBackups(ctx context.Context, in *api.ListBackupsInput) (*api.ListBackupsOutput, error) {
	limit := defaultListBackups
	if in.Limit != nil {
		limit = int(*in.Limit)
	}
	after := ""
	if arn := api.Str(in.ExclusiveStartBackupArn); arn != "" {
		id, ok := taskIDFromArn(arn, "backup")
		if !ok || !validTaskID(id) {
			return nil, apierr.Validationf("Invalid ExclusiveStartBackupArn: %s", arn)
		}
		after = id
	}
	var lower, upper int64 = 0, 1 << 62
	if in.TimeRangeLowerBound != nil {
		lower = apiTimeMicros(*in.TimeRangeLowerBound)
	}
	if in.TimeRangeUpperBound != nil {
		upper = apiTimeMicros(*in.TimeRangeUpperBound)
	}
	if lower > upper {
		return nil, apierr.Validation("One or more parameter values were invalid: Time range lower bound must be less than or equal to upper bound")
	}
	table := api.Str(in.TableName)
	if n, ok := db.resolveTableName(table); ok {
		table = n
	}
	typ := api.Str(in.BackupType)
	if typ == "" {
		typ = api.BackupTypeFilterUser
	}
	now := db.opts.Now()
	recs, next, err := listTaskIDs(ctx, db.store, backupPrefix, after, limit, func(r *backupRecord) bool {
		t := apiTimeMicros(*r.Details.BackupCreationDateTime)
		return !r.expired(now) && (table == "" || api.Str(r.Source.Desc.TableName) == table) &&
			(typ == api.BackupTypeFilterAll || typ == api.Str(r.Details.BackupType)) &&
			t >= lower && t < upper
	})
	if err != nil {
		return nil, err
	}
	out := &api.ListBackupsOutput{BackupSummaries: []api.BackupSummary{}}
	for _, r := range recs {
		d := db.backupDescription(r).BackupDetails
		out.BackupSummaries = append(out.BackupSummaries, api.BackupSummary{
			BackupArn: d.BackupArn, BackupName: d.BackupName, BackupStatus: d.BackupStatus, BackupType: d.BackupType,
			BackupCreationDateTime: d.BackupCreationDateTime, BackupExpiryDateTime: d.BackupExpiryDateTime, BackupSizeBytes: d.BackupSizeBytes,
			TableArn: r.Source.Desc.TableArn, TableId: r.Source.Desc.TableId, TableName: r.Source.Desc.TableName,
		})
	}
	if next != "" {
		out.LastEvaluatedBackupArn = out.BackupSummaries[len(out.BackupSummaries)-1].BackupArn
	}
	return out, nil
}

// deleteBackup removes an AVAILABLE backup no restore is reading and
// submits the drop of its data.
func (db *DB) deleteBackup(ctx context.Context, in *api.DeleteBackupInput) (*api.DeleteBackupOutput, error) {
	arn := api.Str(in.BackupArn)
	var out *api.BackupDescription
	id, _ := taskIDFromArn(arn, "backup")
	err := db.store.Update(ctx, [][]byte{backupKey(id), jobs.JobKey(jobBackupDrop, id)}, func(txn kv.Txn) error {
		rec, err := db.getBackup(ctx, txn, arn)
		if err != nil {
			return err
		}
		if rec == nil {
			return errBackupNotFound(arn)
		}
		if api.Str(rec.Details.BackupType) == api.BackupTypeSystem && rec.Details.BackupExpiryDateTime != nil {
			// DynamoDB keeps a system backup until it expires
			// (ack-api-quirks DDB-TABLE-167, -442).
			return apierr.Validationf("Invalid Request: User is not allowed to delete the system backup with arn %s. It will automatically expire on %s",
				arn, apiTime(*rec.Details.BackupExpiryDateTime).UTC().Format("2006-01-02T15:04:05.000Z"))
		}
		if api.Str(rec.Details.BackupStatus) != api.BackupStatusAvailable {
			return apierr.Newf(apierr.BackupInUseException, "Backup is being created: %s", arn)
		}
		// A restore from the backup locks its record in the commit that
		// creates the restored table, so the catalog this reads under
		// the lock shows every restore begun.
		st, err := db.syncCatalog(ctx, txn)
		if err != nil {
			return err
		}
		for _, e := range st.tables {
			if l := e.rec.Loading; l != nil && l.Backup == id {
				// ack-api-quirks DDB-BACKUP-010's wording.
				return apierr.Newf(apierr.BackupInUseException, "Backup is being used to restore table: %s", arn)
			}
		}
		if err := txn.Delete(backupKey(id)); err != nil {
			return err
		}
		rec.Details.BackupStatus = api.Ptr(api.BackupStatusDeleted)
		out = db.backupDescription(rec)
		return jobs.Submit(ctx, txn, jobBackupDrop, id, nil)
	})
	if err != nil {
		return nil, err
	}
	db.wakeJobs()
	return &api.DeleteBackupOutput{BackupDescription: out}, nil
}

// runBackup is the backup job: it copies the source table's items from
// one snapshot and marks the backup AVAILABLE. The first run checkpoints
// its snapshot's positions in the table's change log before it copies; a
// run after a restart copies a new snapshot and rolls it back to those
// positions with the old images logged since (rollBackCopy), so the backup
// is the state of the first snapshot whichever run completes it.
func (db *DB) runBackup(ctx context.Context, j *jobs.Job) error {
	var rec backupRecord
	found, err := getJSON(ctx, db.store, backupKey(j.ID), &rec)
	if err != nil {
		return err
	}
	if found && api.Str(rec.Details.BackupType) == api.BackupTypeSystem {
		return db.runSystemBackup(ctx, j, &rec) // backup_system.go
	}
	if !found || api.Str(rec.Details.BackupStatus) != api.BackupStatusCreating {
		return nil
	}
	name := backupDataName(j.ID)
	// A copy a crash interrupted is dropped and taken again.
	if err := db.dropData(ctx, name); err != nil {
		return err
	}
	if _, err := db.syncCatalog(ctx, db.store); err != nil {
		return err
	}
	e := db.cat.get(api.Str(rec.Source.Desc.TableName))
	if e == nil || e.table.ID != rec.Source.ID {
		// The table was deleted before its backup ran: there is nothing
		// to back up, and the backup goes, as one whose creation failed.
		db.opts.Logger.Warn("backup failed: its table was deleted before the copy", "backup", j.ID)
		return db.store.Update(ctx, [][]byte{j.Key(), backupKey(j.ID)}, func(txn kv.Txn) error {
			if err := j.Fence(ctx, txn); err != nil {
				return err
			}
			return txn.Delete(backupKey(j.ID))
		})
	}
	var first *backupProgress
	if j.Progress != nil {
		first = new(backupProgress)
		if err := json.Unmarshal(j.Progress, first); err != nil {
			return fmt.Errorf("engine: backup %s progress: %w", j.ID, err)
		}
	}
	start := time.Now()
	cl := e.rec.ChangeLog
	snap, cp, err := db.takeSnapshot(ctx, e.table, cl)
	if err != nil {
		return err
	}
	if first == nil && cl != nil {
		err = db.checkpointBackup(ctx, j, &backupProgress{Shards: max(cl.Shards, 1), Positions: cp.Positions, Time: cp.Time})
	}
	if err == nil {
		err = db.copySnapshot(ctx, j, snap, e.table, name, nil, db.taskProgress(jobBackup, e.table.Name), cp)
	}
	snap.Close()
	if err != nil {
		return err
	}
	if first != nil {
		if err := db.rollBackCopy(ctx, j, e.table, first, cp.Positions, name); err != nil {
			return err
		}
		if cp.copyStats, err = db.countData(ctx, name); err != nil {
			return err
		}
		db.opts.Logger.Info("backup resumed and rolled back to its first snapshot", "backup", j.ID, "table", e.table.Name,
			"snapshot", time.UnixMicro(first.Time).UTC().Format(time.RFC3339Nano))
	}
	rec.Items, rec.Bytes = cp.Items, cp.Bytes
	rec.Details.BackupStatus = api.Ptr(api.BackupStatusAvailable)
	if err := db.finishBackup(ctx, j, e.table, &rec); err != nil {
		return err
	}
	db.opts.Logger.Info("backup available", "backup", j.ID, "table", e.table.Name, "items", cp.Items, "bytes", cp.Bytes,
		"took", time.Since(start).Round(time.Millisecond))
	return nil
}

// runBackupDrop drops a deleted backup's data.
func (db *DB) runBackupDrop(ctx context.Context, j *jobs.Job) error {
	return db.dropData(ctx, backupDataName(j.ID))
}
