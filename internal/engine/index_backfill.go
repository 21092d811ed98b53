package engine

// Online index jobs. A GSI added by UpdateTable is CREATING until its
// backfill has written an entry for every existing item; a GSI deleted by
// UpdateTable is DELETING until its entries are dropped. Both are jobs
// (jobs.go), submitted in UpdateTable's own commit, leased, and resumed
// from their last checkpoint after a crash.
//
// Why a write and the backfill never disagree, with no wait: every item
// write reads the catalog version inside its transaction, after taking its
// item's lock (syncWrite), and maintains the indexes of the catalog as of
// that version. The backfill starts only after the UpdateTable commit that
// made the index CREATING returned, and indexes each item under that item's
// lock. Take an item k and a write W of it. If W read the version before
// that commit, W took k's lock before the backfill could start, so the
// backfill's own lock of k waits for W and then indexes W's item. If W read
// it after, W maintains the new index itself. Either way k's entry matches
// k. (The store's rule that reads under a lock see every write committed
// before the lock was taken is what makes "after" mean after; kv.Store.)

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/jobs"
	"github.com/dynago/dynago/internal/kv"
)

const (
	// backfillBatch is how many base items one backfill transaction
	// indexes.
	backfillBatch = 100

	// backfillLogEvery is how often a running backfill logs its progress.
	backfillLogEvery = 5 * time.Second

	// minCreating is the least time a GSI added by UpdateTable is reported
	// CREATING. DynamoDB reports one CREATING for minutes, so clients
	// (and test suites written against DynamoDB) expect to see the state
	// and the "Cannot read from backfilling" refusal after UpdateTable;
	// a small table's backfill here takes well under a millisecond. It is
	// a transient status shown to clients, not part of why the backfill is
	// exact (see the file comment): the backfill runs at once, and only
	// the switch to ACTIVE waits.
	minCreating = 200 * time.Millisecond
)

// errJobStopped ends a job whose index or table went away meanwhile: it
// has nothing left to do.
var errJobStopped = errors.New("engine: index job no longer needed")

// indexOfJob returns the current catalog's table and index an index job
// names, or errJobStopped when either is gone (or was replaced).
func (db *DB) indexOfJob(ctx context.Context, spec *indexJobSpec) (*Table, *Index, error) {
	if _, err := db.syncCatalog(ctx, db.store); err != nil {
		return nil, nil, err
	}
	e := db.cat.get(spec.Table)
	if e == nil || e.table.ID != spec.TableID {
		return nil, nil, errJobStopped
	}
	for _, ix := range e.table.Indexes {
		if ix.ID == spec.IndexID {
			return e.table, ix, nil
		}
	}
	return nil, nil, errJobStopped
}

func decodeIndexJob(j *jobs.Job) (*indexJobSpec, error) {
	spec := new(indexJobSpec)
	if err := json.Unmarshal(j.Spec, spec); err != nil {
		return nil, fmt.Errorf("%s job %s: %w", j.Kind, j.ID, err)
	}
	return spec, nil
}

// runBackfill is the index-backfill job: it writes the entry of every
// existing item into a CREATING index, a batch per transaction (each
// checkpointing the last item key done), then marks the index ACTIVE.
func (db *DB) runBackfill(ctx context.Context, j *jobs.Job) error {
	spec, err := decodeIndexJob(j)
	if err != nil {
		return err
	}
	after := j.Progress
	log := db.opts.Logger.With("table", spec.Table, "index", spec.Index)
	if after != nil {
		log.Info("resuming index backfill")
	} else {
		log.Info("index backfill started")
	}
	t, _, err := db.indexOfJob(ctx, spec)
	if errors.Is(err, errJobStopped) {
		return nil
	}
	if err != nil {
		return err
	}
	p := itemsPrefix(t.ID)
	indexed := 0
	lastLog := time.Now()
	for {
		_, ix, err := db.indexOfJob(ctx, spec)
		if errors.Is(err, errJobStopped) {
			return nil
		}
		if err != nil {
			return err
		}
		if ix.Status != api.IndexStatusCreating {
			return nil // finished by an earlier run
		}
		start := p
		if after != nil {
			start = keySuccessor(after)
		}
		keys, err := db.listKeys(ctx, start, prefixEnd(p), backfillBatch)
		if err != nil {
			return err
		}
		if len(keys) == 0 {
			break
		}
		lock := append(append([][]byte(nil), keys...), j.Key())
		err = db.store.Update(ctx, lock, func(txn kv.Txn) error {
			for _, k := range keys {
				item, err := readItem(ctx, txn, k)
				if err != nil {
					return err
				}
				if ek, ev := ix.entry(t, item); ek != nil {
					if err := txn.Set(ek, ev); err != nil {
						return err
					}
				}
			}
			return j.Checkpoint(ctx, txn, keys[len(keys)-1])
		})
		if err != nil {
			return err
		}
		after = keys[len(keys)-1]
		indexed += len(keys)
		if time.Since(lastLog) >= backfillLogEvery {
			log.Info("index backfill in progress", "items", indexed)
			lastLog = time.Now()
		}
	}
	log.Info("index backfill done", "items", indexed)
	if err := holdIndexJob(ctx, spec, db.indexCreateDelay()); err != nil {
		return err
	}
	return db.finishIndexJob(ctx, spec, func(rec *tableRecord) {
		if i := gsiAt(&rec.Desc, spec.Index); i >= 0 {
			g := &rec.Desc.GlobalSecondaryIndexes[i]
			g.IndexStatus = api.Ptr(api.IndexStatusActive)
			g.Backfilling = nil
		}
	})
}

// runIndexDrop is the index-drop job: it removes a DELETING index's
// entries, then the index itself from the table's record.
func (db *DB) runIndexDrop(ctx context.Context, j *jobs.Job) error {
	spec, err := decodeIndexJob(j)
	if err != nil {
		return err
	}
	p := indexPrefix(spec.TableID, spec.IndexID)
	if err := db.dropRange(ctx, p, prefixEnd(p)); err != nil {
		return err
	}
	if err := holdIndexJob(ctx, spec, db.indexDeleteDelay()); err != nil {
		return err
	}
	return db.finishIndexJob(ctx, spec, func(rec *tableRecord) {
		if i := gsiAt(&rec.Desc, spec.Index); i >= 0 {
			g := rec.Desc.GlobalSecondaryIndexes
			rec.Desc.GlobalSecondaryIndexes = append(g[:i:i], g[i+1:]...)
			if len(rec.Desc.GlobalSecondaryIndexes) == 0 {
				rec.Desc.GlobalSecondaryIndexes = nil
			}
		}
		delete(rec.IndexIDs, spec.Index)
		pruneAttributeDefinitions(&rec.Desc)
	})
}

// finishIndexJob applies change to the table's record if it still has the
// index the job worked on; a table or index gone meanwhile needs nothing.
func (db *DB) finishIndexJob(ctx context.Context, spec *indexJobSpec, change func(*tableRecord)) error {
	_, err := db.changeCatalog(ctx, spec.Table, nil, func(_ kv.Txn, rec *tableRecord) (*tableRecord, error) {
		if rec == nil || rec.ID != spec.TableID || rec.IndexIDs[spec.Index] != spec.IndexID {
			return nil, errJobStopped
		}
		change(rec)
		return rec, nil
	})
	if errors.Is(err, errJobStopped) {
		return nil
	}
	return err
}

// listKeys returns up to n keys in [start, end), in order.
func (db *DB) listKeys(ctx context.Context, start, end []byte, n int) ([][]byte, error) {
	it, err := db.store.Iter(ctx, start, end, false)
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var keys [][]byte
	for len(keys) < n && it.Next() {
		keys = append(keys, bytes.Clone(it.Key()))
	}
	return keys, it.Err()
}

// waitIndexesActive is for tests: it waits until no index of the table is
// being created or deleted.
func (db *DB) waitIndexesActive(ctx context.Context, name string) error {
	for {
		if _, err := db.syncCatalog(ctx, db.store); err != nil {
			return err
		}
		e := db.cat.get(name)
		busy := false
		if e != nil {
			for _, ix := range e.table.Indexes {
				busy = busy || ix.Status == api.IndexStatusCreating || ix.Status == api.IndexStatusDeleting
			}
		}
		if !busy {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}
