package engine

// Online index jobs. A GSI added by UpdateTable is CREATING until its
// backfill has written an entry for every existing item; a GSI deleted by
// UpdateTable is DELETING until its entries are dropped. Both run in the
// background and keep their state in the store — the catalog record says
// which indexes are CREATING or DELETING, j/backfill/<table>/<index> the
// last base item key a backfill finished — so a restart resumes them.
//
// Writes maintain a CREATING index as soon as the catalog holds it (they
// look the indexes up under their item lock, liveIndexes), and the
// backfill writes each item's entry under the same item lock, so the two
// never disagree. The one gap is a write that looked the indexes up just
// before the catalog changed and commits a new item after the backfill
// passed its key; backfillGrace, waited before the first batch, is far
// longer than any write holds its lock.

import (
	"bytes"
	"context"
	"errors"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/kv"
)

const (
	// backfillBatch is how many base items one backfill transaction
	// indexes.
	backfillBatch = 100

	// backfillGrace is how long an index job waits after the catalog
	// change before touching data; see the file comment.
	backfillGrace = 200 * time.Millisecond
)

// startIndexJobs starts the background job of every index of t that is
// being created or deleted and has none running yet.
func (db *DB) startIndexJobs(t *Table) {
	if db.opts.NoIndexJobs {
		return
	}
	for _, ix := range t.Indexes {
		switch ix.Status {
		case api.IndexStatusCreating:
			db.startIndexJob(t, ix, db.backfill)
		case api.IndexStatusDeleting:
			db.startIndexJob(t, ix, db.dropIndex)
		}
	}
}

// startIndexJob runs job once per (table, index) at a time.
func (db *DB) startIndexJob(t *Table, ix *Index, job func(context.Context, *Table, *Index) error) {
	key := string(indexJobKey(t.ID, ix.ID))
	db.cat.mu.Lock()
	if db.cat.indexJobs == nil {
		db.cat.indexJobs = map[string]bool{}
	}
	if db.cat.indexJobs[key] {
		db.cat.mu.Unlock()
		return
	}
	db.cat.indexJobs[key] = true
	db.cat.mu.Unlock()
	db.cat.bg.Add(1)
	go func() {
		defer db.cat.bg.Done()
		defer func() {
			db.cat.mu.Lock()
			delete(db.cat.indexJobs, key)
			db.cat.mu.Unlock()
		}()
		if err := job(context.Background(), t, ix); err != nil && !errors.Is(err, errJobStopped) {
			db.opts.Logger.Error("index job failed; retried at next start", "table", t.Name, "index", ix.Name, "status", ix.Status, "err", err)
		}
	}()
}

// errJobStopped ends a job whose index or table went away meanwhile.
var errJobStopped = errors.New("engine: index job no longer needed")

// currentIndex returns the catalog's index of t with ix's id, or nil.
func (db *DB) currentIndex(t *Table, ix *Index) *Index {
	e := db.cat.get(t.Name)
	if e == nil || e.table.ID != t.ID {
		return nil
	}
	for _, c := range e.table.Indexes {
		if c.ID == ix.ID {
			return c
		}
	}
	return nil
}

// backfill writes the entry of every existing item into a CREATING index,
// a batch per transaction, then marks the index ACTIVE.
func (db *DB) backfill(ctx context.Context, t *Table, ix *Index) error {
	time.Sleep(backfillGrace)
	jobKey := indexJobKey(t.ID, ix.ID)
	after, err := db.store.Get(ctx, jobKey)
	if errors.Is(err, kv.ErrNotFound) {
		after, err = nil, nil
	}
	if err != nil {
		return err
	}
	if after != nil {
		db.opts.Logger.Info("resuming index backfill", "table", t.Name, "index", ix.Name)
	}
	p := itemsPrefix(t.ID)
	indexed := 0
	for {
		cur := db.currentIndex(t, ix)
		if cur == nil || cur.Status != api.IndexStatusCreating {
			return errJobStopped
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
		lock := append(append([][]byte(nil), keys...), jobKey)
		err = db.store.Update(ctx, lock, func(txn kv.Txn) error {
			for _, k := range keys {
				item, err := readItem(ctx, txn, k)
				if err != nil {
					return err
				}
				if ek, ev := cur.entry(t, item); ek != nil {
					if err := txn.Set(ek, ev); err != nil {
						return err
					}
				}
			}
			return txn.Set(jobKey, keys[len(keys)-1])
		})
		if err != nil {
			return err
		}
		after = keys[len(keys)-1]
		indexed += len(keys)
	}
	db.opts.Logger.Info("index backfill done", "table", t.Name, "index", ix.Name, "items", indexed)
	return db.finishIndexJob(ctx, t, ix, func(rec *tableRecord) {
		if i := gsiAt(&rec.Desc, ix.Name); i >= 0 {
			g := &rec.Desc.GlobalSecondaryIndexes[i]
			g.IndexStatus = api.Ptr(api.IndexStatusActive)
			g.Backfilling = nil
		}
	})
}

// dropIndex removes a DELETING index's entries, then the index.
func (db *DB) dropIndex(ctx context.Context, t *Table, ix *Index) error {
	time.Sleep(backfillGrace)
	p := indexPrefix(t.ID, ix.ID)
	if err := db.store.Update(ctx, nil, func(txn kv.Txn) error {
		return txn.DeleteRange(p, prefixEnd(p))
	}); err != nil {
		return err
	}
	return db.finishIndexJob(ctx, t, ix, func(rec *tableRecord) {
		if i := gsiAt(&rec.Desc, ix.Name); i >= 0 {
			g := rec.Desc.GlobalSecondaryIndexes
			rec.Desc.GlobalSecondaryIndexes = append(g[:i:i], g[i+1:]...)
			if len(rec.Desc.GlobalSecondaryIndexes) == 0 {
				rec.Desc.GlobalSecondaryIndexes = nil
			}
		}
		delete(rec.IndexIDs, ix.Name)
		pruneAttributeDefinitions(&rec.Desc)
	})
}

// finishIndexJob applies change to the table's record, if it still has
// the index the job worked on, and removes the job's progress key in the
// same commit.
func (db *DB) finishIndexJob(ctx context.Context, t *Table, ix *Index, change func(*tableRecord)) error {
	db.cat.ddl.Lock()
	defer db.cat.ddl.Unlock()
	e := db.cat.get(t.Name)
	if e == nil || e.table.ID != t.ID || e.rec.IndexIDs[ix.Name] != ix.ID {
		return errJobStopped
	}
	rec := e.rec.clone()
	change(rec)
	b, err := encodeRecord(rec)
	if err != nil {
		return err
	}
	key, jobKey := catalogKey(t.Name), indexJobKey(t.ID, ix.ID)
	err = db.store.Update(ctx, [][]byte{key, jobKey}, func(txn kv.Txn) error {
		cur, err := txn.Get(ctx, key)
		if err != nil {
			return err
		}
		if old, err := decodeRecord(cur); err != nil || old.ID != t.ID {
			return errJobStopped
		}
		if err := txn.Set(key, b); err != nil {
			return err
		}
		return txn.Delete(jobKey)
	})
	if err != nil {
		return err
	}
	ne, err := newEntry(rec)
	if err != nil {
		return err
	}
	db.cat.put(ne)
	return nil
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

// resumeIndexJobs restarts the index jobs a shutdown interrupted.
func (db *DB) resumeIndexJobs() {
	for _, name := range db.cat.names() {
		if e := db.cat.get(name); e != nil {
			db.startIndexJobs(e.table)
		}
	}
}

// waitIndexesActive is for tests: it waits until no index of the table is
// being created or deleted.
func (db *DB) waitIndexesActive(ctx context.Context, name string) error {
	for {
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
