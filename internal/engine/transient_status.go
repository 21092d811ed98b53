package engine

// Transient table and index statuses (Options.Transient; `dynago
// -delayTransientStatuses`). By default Dynago makes every table change
// complete when its call returns: a new table is ACTIVE at the next
// DescribeTable, an updated one too, a deleted one is gone. DynamoDB takes
// seconds for each, and code that forgets to wait (for
// wait_until_exists, for an index to become ACTIVE) works against Dynago
// and fails in production. With Options.Transient set, tables and indexes
// pass through DynamoDB's transient statuses for the configured delays:
//
//   - CreateTable: the table is CREATING (its GSIs too) until
//     CreationDateTime + TableCreate. Item operations on it answer
//     ResourceNotFoundException, as DynamoDB does for a table that is not
//     ACTIVE yet; UpdateTable and DeleteTable answer ResourceInUseException.
//   - UpdateTable: the table is UPDATING until the update's time +
//     TableUpdate (tableRecord.UpdatedAt); it stays usable, but a second
//     UpdateTable or a DeleteTable answers ResourceInUseException.
//   - DeleteTable: DescribeTable answers the table DELETING until the
//     deletion's time + TableDelete, then ResourceNotFoundException; a
//     CreateTable of the same name answers ResourceInUseException until
//     then. The table's data is gone at once, as before (item operations
//     answer ResourceNotFoundException).
//   - A GSI added by UpdateTable stays CREATING (not readable) for at least
//     IndexCreate after the update, however fast its backfill was; a
//     deleted GSI stays DELETING for at least IndexDelete.
//
// Every status is derived from times in the store (the table's
// CreationDateTime, the record's UpdatedAt, the deletion marker below, the
// index job's Submitted time), never from one engine's memory, so several
// engines over one store answer alike.
//
// A deleted table's marker is kept at m/deleting/<table name> (JSON: the
// deletion time and the table's last record). It is written in the
// deletion's commit and removed by the next CreateTable of that name; a
// marker whose name is never reused stays (one small record per deleted
// table), which is harmless: only its table's DescribeTable reads it.

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/kv"
)

// TransientDelays are how long tables and indexes stay in each transient
// status when Options.Transient is set.
type TransientDelays struct {
	TableCreate time.Duration // CREATING after CreateTable
	TableUpdate time.Duration // UPDATING after UpdateTable
	TableDelete time.Duration // DELETING after DeleteTable
	IndexCreate time.Duration // a GSI added by UpdateTable stays CREATING at least this long
	IndexDelete time.Duration // a GSI deleted by UpdateTable stays DELETING at least this long
}

// defaultTransientDelay is every delay of DefaultTransientDelays. DynamoDB
// Local does not document the delays its -delayTransientStatuses uses (its
// help says only "CREATING and DELETING online index statuses"); half a
// second is dynalite's default for its CREATING, UPDATING and DELETING
// tables: long enough that a client which does not wait sees the
// transient status, short enough for a test suite whose waiters poll
// quickly.
const defaultTransientDelay = 500 * time.Millisecond

// DefaultTransientDelays are the delays of `dynago -delayTransientStatuses`.
func DefaultTransientDelays() TransientDelays {
	d := defaultTransientDelay
	return TransientDelays{TableCreate: d, TableUpdate: d, TableDelete: d, IndexCreate: d, IndexDelete: d}
}

// deletingPrefix keys the markers of tables deleted with Options.Transient.
const deletingPrefix = "m/deleting/" // m/deleting/<table name> → deletingMarker (JSON)

func deletingKey(name string) []byte { return []byte(deletingPrefix + name) }

// deletingMarker is what m/deleting/<name> holds.
type deletingMarker struct {
	At  int64        `json:"at"` // when the table was deleted, Unix nanoseconds (Options.Now)
	Rec *tableRecord `json:"rec"`
}

// transientStatus returns the status DescribeTable reports for the table
// of e: CREATING or UPDATING within their delays, else ACTIVE.
func (db *DB) transientStatus(e *catalogEntry) string {
	tr := db.opts.Transient
	if tr == nil {
		return api.TableStatusActive
	}
	now := db.opts.Now()
	if c := e.rec.Desc.CreationDateTime; c != nil && now.Before(apiTime(*c).Add(tr.TableCreate)) {
		return api.TableStatusCreating
	}
	if u := e.rec.UpdatedAt; u != 0 && now.Before(time.Unix(0, u).Add(tr.TableUpdate)) {
		return api.TableStatusUpdating
	}
	return api.TableStatusActive
}

// apiTime turns a DynamoDB timestamp back into a time.Time.
func apiTime(t api.Time) time.Time { return time.UnixMilli(int64(float64(t)*1000 + 0.5)) }

// checkUsable is the item operations' check: a table still CREATING is
// not found, as in DynamoDB.
func (db *DB) checkUsable(e *catalogEntry) error {
	if db.opts.Transient != nil && db.transientStatus(e) == api.TableStatusCreating {
		return apierr.New(apierr.ResourceNotFoundException, "Requested resource not found")
	}
	return nil
}

// checkChangeable refuses UpdateTable and DeleteTable on a table still
// CREATING or UPDATING, with DynamoDB's ResourceInUseException.
func (db *DB) checkChangeable(rec *tableRecord) error {
	if db.opts.Transient == nil {
		return nil
	}
	name := api.Str(rec.Desc.TableName)
	switch db.transientStatus(&catalogEntry{rec: rec}) {
	case api.TableStatusCreating:
		return apierr.Newf(apierr.ResourceInUseException, "Attempt to change a resource which is still in use: Table is being created: %s", name)
	case api.TableStatusUpdating:
		return apierr.Newf(apierr.ResourceInUseException, "Attempt to change a resource which is still in use: Table is being updated: %s", name)
	}
	return nil
}

// transientLocks are the extra keys CreateTable and DeleteTable lock for
// the deletion marker of name: none when transient statuses are off.
func (db *DB) transientLocks(name string) [][]byte {
	if db.opts.Transient == nil {
		return nil
	}
	return [][]byte{deletingKey(name)}
}

// markDeleting records, in the deletion's txn, that rec's table is
// DELETING from now on.
func (db *DB) markDeleting(txn kv.Txn, rec *tableRecord) error {
	if db.opts.Transient == nil {
		return nil
	}
	b, err := json.Marshal(deletingMarker{At: db.opts.Now().UnixNano(), Rec: rec})
	if err != nil {
		return err
	}
	return txn.Set(deletingKey(api.Str(rec.Desc.TableName)), b)
}

// readDeleting returns the marker of the table name if it is still
// DELETING, or nil.
func (db *DB) readDeleting(ctx context.Context, r kv.Reader, name string) (*deletingMarker, error) {
	if db.opts.Transient == nil {
		return nil, nil
	}
	b, err := r.Get(ctx, deletingKey(name))
	if errors.Is(err, kv.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var m deletingMarker
	if err := json.Unmarshal(b, &m); err != nil || m.Rec == nil {
		return nil, nil // unreadable: treat the table as gone
	}
	if !db.opts.Now().Before(time.Unix(0, m.At).Add(db.opts.Transient.TableDelete)) {
		return nil, nil
	}
	return &m, nil
}

// checkNotDeleting is CreateTable's check, in its txn: a table of that
// name still DELETING makes the name unavailable; an expired marker is
// removed.
func (db *DB) checkNotDeleting(ctx context.Context, txn kv.Txn, name string) error {
	if db.opts.Transient == nil {
		return nil
	}
	m, err := db.readDeleting(ctx, txn, name)
	if err != nil {
		return err
	}
	if m != nil {
		return apierr.Newf(apierr.ResourceInUseException, "Attempt to change a resource which is still in use: Table is being deleted: %s", name)
	}
	return txn.Delete(deletingKey(name))
}

// stillDeleting reports whether the table name (or ARN), gone from the
// catalog, is still DELETING for DescribeTable.
func (db *DB) stillDeleting(ctx context.Context, name string) (bool, error) {
	n, ok := db.resolveTableName(name)
	if !ok {
		return false, nil
	}
	m, err := db.readDeleting(ctx, db.store, n)
	return m != nil, err
}

// describeDeleting answers DescribeTable for a table that is not in the
// catalog but still DELETING, or returns nil.
func (db *DB) describeDeleting(ctx context.Context, name string) (*api.DescribeTableOutput, error) {
	n, ok := db.resolveTableName(name)
	if !ok {
		return nil, nil
	}
	m, err := db.readDeleting(ctx, db.store, n)
	if err != nil || m == nil {
		return nil, err
	}
	e, err := newEntry(m.Rec)
	if err != nil {
		return nil, nil
	}
	d := db.describe(e, api.TableStatusDeleting, 0, 0)
	for i := range d.GlobalSecondaryIndexes {
		d.GlobalSecondaryIndexes[i].IndexStatus = api.Ptr(api.IndexStatusDeleting)
	}
	return &api.DescribeTableOutput{Table: d}, nil
}

// indexCreateDelay is the least time a GSI added by UpdateTable stays
// CREATING.
func (db *DB) indexCreateDelay() time.Duration {
	if tr := db.opts.Transient; tr != nil {
		return max(minCreating, tr.IndexCreate)
	}
	return minCreating
}

// indexDeleteDelay is the least time a GSI deleted by UpdateTable stays
// DELETING.
func (db *DB) indexDeleteDelay() time.Duration {
	if tr := db.opts.Transient; tr != nil {
		return tr.IndexDelete
	}
	return 0
}

// holdIndexJob waits, in an index job, until at least d has passed since
// the job's index change was committed (spec.Submitted), so that the index
// keeps its transient status that long.
func holdIndexJob(ctx context.Context, spec *indexJobSpec, d time.Duration) error {
	if spec.Submitted == 0 {
		return nil
	}
	wait := d - time.Since(time.Unix(0, spec.Submitted))
	if wait <= 0 {
		return nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
