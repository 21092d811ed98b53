package engine

// The engine's background jobs, run by package jobs' leased runner: so
// that with several engines over one store (API nodes over TiKV, or two
// engines in one process in the tests) each job runs on exactly one of
// them, survives a crash of its runner, and stops promptly at Close.
//
//	kind            id                        spec                 body
//	table-drop      <table id>                the table's record   drop the deleted table's keys
//	index-backfill  <table id>/<index id>     indexJobSpec         index every existing item, then mark the GSI ACTIVE
//	index-drop      <table id>/<index id>     indexJobSpec         drop a deleted GSI's entries, then remove it
//	ttl             all                       —                    one pass deleting expired items, again every TTLInterval
//	stream          all                       —                    roll stream shards over, trim change logs (stream_job.go)
//	export          <export id>               —                    write an export to S3 (export_job.go)
//	import          <import id>               —                    fill a table from S3 (import_job.go)
//	backup          <backup id>               —                    copy a table into a backup (backup.go)
//	backup-drop     <backup id>               —                    drop a deleted backup's data
//	restore         <target table id>         restoreSpec          fill a restored table (restore.go)
//	pitr-base       all                       —                    make and roll PITR bases, trim their logs (pitr_base.go)
//
// Ids are hex, 16 digits each. A job is submitted in the same commit as the
// catalog change that needs it (DeleteTable, UpdateTable), so it cannot be
// lost between the two.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/jobs"
	"github.com/dynago/dynago/internal/kv"
)

// Job kinds.
const (
	jobTableDrop     = "table-drop"
	jobIndexBackfill = "index-backfill"
	jobIndexDrop     = "index-drop"
	jobTTL           = "ttl"
	ttlJobID         = "all"
)

// indexJobSpec names the index an index job works on. Names locate it in
// the catalog; ids make sure it is the same table and index (ids are never
// reused).
type indexJobSpec struct {
	Table   string `json:"table"`
	TableID uint64 `json:"tableId"`
	Index   string `json:"index"`
	IndexID uint64 `json:"indexId"`
	// Submitted is when the index change was committed (Unix
	// nanoseconds), for minCreating.
	Submitted int64 `json:"submitted,omitempty"`
}

func indexJobID(tableID, indexID uint64) string { return fmt.Sprintf("%016x/%016x", tableID, indexID) }

// startJobs creates the DB's job runner, moves jobs recorded by older
// builds into it, and starts it. With NoIndexJobs (dynago check) nothing
// runs and nothing is changed.
func (db *DB) startJobs(ctx context.Context) error {
	if db.opts.NoIndexJobs {
		return nil
	}
	bodies := map[string]jobs.Body{
		jobTableDrop:     db.runTableDrop,
		jobIndexBackfill: db.runBackfill,
		jobIndexDrop:     db.runIndexDrop,
	}
	if db.ttlInterval() > 0 {
		bodies[jobTTL] = db.runTTL
	}
	bodies[jobStream] = db.runStreamJob
	db.addTaskJobs(bodies)
	db.addBackupJobs(bodies)
	pushKey := db.addStreamPush(bodies)
	bodies[jobKinesis] = db.runKinesis
	if err := db.submitPeriodicJobs(ctx, pushKey, bodies[jobTTL] != nil); err != nil {
		return err
	}
	if err := db.migrateLegacyJobs(ctx); err != nil {
		return err
	}
	db.jobs = jobs.NewRunner(db.store, bodies, jobs.Options{
		Lease:        db.opts.JobLease,
		PollInterval: db.opts.JobPollInterval,
		Logger:       db.opts.Logger.With("component", "jobs"),
	})
	db.jobs.Start()
	return nil
}

// submitPeriodicJobs records, in one commit, the jobs every node runs
// for good: the stream job, the PITR base job, the kinesis job, the
// stream-push job when
// pushKey is set, and the TTL job when ttl is (made due within this
// node's TTL interval). Each is idempotent; a fresh store's start-up
// waited for one WAL sync per job before the first answer when each had
// its own commit.
func (db *DB) submitPeriodicJobs(ctx context.Context, pushKey []byte, ttl bool) error {
	keys := [][]byte{jobs.JobKey(jobStream, streamJobID), jobs.JobKey(jobPITRBase, pitrJobID), jobs.JobKey(jobKinesis, kinesisJobID)}
	if pushKey != nil {
		keys = append(keys, pushKey)
	}
	if ttl {
		keys = append(keys, jobs.JobKey(jobTTL, ttlJobID))
	}
	return db.store.Update(ctx, keys, func(txn kv.Txn) error {
		if err := submitStreamJob(ctx, txn); err != nil {
			return err
		}
		if err := submitPITRJob(ctx, txn); err != nil {
			return err
		}
		if err := jobs.Submit(ctx, txn, jobKinesis, kinesisJobID, nil); err != nil {
			return err
		}
		if pushKey != nil {
			if err := submitStreamPush(ctx, txn); err != nil {
				return err
			}
		}
		if !ttl {
			return nil
		}
		if err := jobs.Submit(ctx, txn, jobTTL, ttlJobID, nil); err != nil {
			return err
		}
		return jobs.DueBy(ctx, txn, jobTTL, ttlJobID, time.Now().Add(db.ttlInterval()))
	})
}

// wakeJobs makes the runner look for new jobs now.
func (db *DB) wakeJobs() {
	if db.jobs != nil {
		db.jobs.Wake()
	}
}

// submitTableDrop records, in txn, the job dropping the data of the table
// whose record rec is being deleted.
func submitTableDrop(ctx context.Context, txn kv.Txn, rec *tableRecord) error {
	spec, err := encodeRecord(rec)
	if err != nil {
		return err
	}
	return jobs.Submit(ctx, txn, jobTableDrop, tableDropID(rec.ID), spec)
}

// jobRef names one job record: its kind and id.
type jobRef struct{ kind, id string }

// submitIndexJobs records, in txn, the backfill of every GSI of rec being
// created and the drop of every one being deleted (Submit keeps a job
// already recorded), and returns them for wakeJob once txn commits.
func submitIndexJobs(ctx context.Context, txn kv.Txn, rec *tableRecord) ([]jobRef, error) {
	var refs []jobRef
	for _, g := range rec.Desc.GlobalSecondaryIndexes {
		kind := ""
		switch api.Str(g.IndexStatus) {
		case api.IndexStatusCreating:
			kind = jobIndexBackfill
		case api.IndexStatusDeleting:
			kind = jobIndexDrop
		default:
			continue
		}
		name := api.Str(g.IndexName)
		spec, err := json.Marshal(indexJobSpec{Table: api.Str(rec.Desc.TableName), TableID: rec.ID, Index: name, IndexID: rec.IndexIDs[name],
			Submitted: time.Now().UnixNano()})
		if err != nil {
			return nil, err
		}
		id := indexJobID(rec.ID, rec.IndexIDs[name])
		if err := jobs.Submit(ctx, txn, kind, id, spec); err != nil {
			return nil, err
		}
		refs = append(refs, jobRef{kind, id})
	}
	return refs, nil
}

// runTableDrop is the table-drop job: it removes every key under the
// deleted table's prefix (items, index entries, change log), which nothing
// can write any more since table ids are never reused.
func (db *DB) runTableDrop(ctx context.Context, j *jobs.Job) error {
	rec, err := decodeRecord(j.Spec)
	if err != nil {
		return fmt.Errorf("table-drop job %s: %w", j.ID, err)
	}
	p := tablePrefix(rec.ID)
	if err := db.dropRange(ctx, p, prefixEnd(p)); err != nil {
		return err
	}
	db.opts.Logger.Info("dropped a deleted table's data", "table", api.Str(rec.Desc.TableName), "id", rec.ID)
	return nil
}

// migrateLegacyJobs moves the background work older builds recorded in
// their own keys into job records: drops of deleted tables (j/drop/<id>),
// and indexes left CREATING or DELETING (whose backfill progress was kept at
// j/backfill/<table>/<index>). Each move commits atomically, so a crash
// part-way leaves every piece of work recorded once.
func (db *DB) migrateLegacyJobs(ctx context.Context) error {
	var drops [][2][]byte
	if err := scanPrefix(ctx, db.store, legacyDropPrefix, func(key, value []byte) error {
		drops = append(drops, [2][]byte{append([]byte(nil), key...), append([]byte(nil), value...)})
		return nil
	}); err != nil {
		return err
	}
	for _, d := range drops {
		rec, err := decodeRecord(d[1])
		if err != nil {
			return fmt.Errorf("engine: legacy drop job %q: %w", d[0], err)
		}
		err = db.store.Update(ctx, [][]byte{d[0]}, func(txn kv.Txn) error {
			if err := submitTableDrop(ctx, txn, rec); err != nil {
				return err
			}
			return txn.Delete(d[0])
		})
		if err != nil {
			return err
		}
	}
	for _, name := range db.cat.names() {
		e := db.cat.get(name)
		if e == nil {
			continue
		}
		for _, ix := range e.table.Indexes {
			if ix.Status != api.IndexStatusCreating && ix.Status != api.IndexStatusDeleting {
				continue
			}
			if err := db.migrateIndexJob(ctx, e, ix); err != nil {
				return err
			}
		}
	}
	return nil
}

// migrateIndexJob records the job of an index that is CREATING or DELETING
// if none is recorded, carrying over an older build's backfill progress.
func (db *DB) migrateIndexJob(ctx context.Context, e *catalogEntry, ix *Index) error {
	kind := jobIndexDrop
	if ix.Status == api.IndexStatusCreating {
		kind = jobIndexBackfill
	}
	id := indexJobID(e.table.ID, ix.ID)
	legacy := legacyBackfillKey(e.table.ID, ix.ID)
	return db.store.Update(ctx, [][]byte{jobs.JobKey(kind, id), legacy}, func(txn kv.Txn) error {
		if ok, err := jobs.Exists(ctx, txn, kind, id); err != nil || ok {
			return err
		}
		spec, err := json.Marshal(indexJobSpec{Table: e.table.Name, TableID: e.table.ID, Index: ix.Name, IndexID: ix.ID})
		if err != nil {
			return err
		}
		var progress []byte
		switch b, err := txn.Get(ctx, legacy); {
		case err == nil:
			progress = b
		case !errors.Is(err, kv.ErrNotFound):
			return err
		}
		if err := jobs.SubmitResumed(ctx, txn, kind, id, spec, progress); err != nil {
			return err
		}
		return txn.Delete(legacy)
	})
}

// legacyBackfillKey is where builds before the job runner kept a
// backfill's progress.
func legacyBackfillKey(tableID, indexID uint64) []byte {
	return fmt.Appendf(nil, "j/backfill/%016x/%016x", tableID, indexID)
}

// pendingJobs lists the jobs recorded in the store, as kind/id: for tests
// and `dynago check`.
func (db *DB) pendingJobs(ctx context.Context) ([]string, error) {
	var out []string
	err := scanPrefix(ctx, db.store, "q/", func(key, _ []byte) error {
		out = append(out, strings.TrimPrefix(string(key), "q/"))
		return nil
	})
	return out, err
}

// wakeJob makes the runner try to claim the job of kind and id now,
// without scanning every job record.
func (db *DB) wakeJob(kind, id string) {
	if db.jobs != nil {
		db.jobs.WakeFor(kind, id)
	}
}
