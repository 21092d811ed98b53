package engine

import (
	"context"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
)

// openTransientDB opens a DB over st with transient statuses at delays d,
// on clock c.
func openTransientDB(tb testing.TB, c *tblClock, d TransientDelays) *DB {
	tb.Helper()
	st := newTablesStore(tb)
	db, err := Open(context.Background(), st, Options{Now: c.now, Transient: &d})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func putID(ctx context.Context, db *DB, table, id string) error {
	_, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr(table), Item: attr.Item{"id": s(id)}})
	return err
}

func tableStatus(t *testing.T, db *DB, name string) string {
	t.Helper()
	return api.Str(mustDescribe(t, db, name).TableStatus)
}

func TestTransientStatusesOffByDefault(t *testing.T) {
	db, _ := newTablesDB(t)
	mustCreate(t, db, hashTable("Tbl", 5))
	if got := tableStatus(t, db, "Tbl"); got != api.TableStatusActive {
		t.Fatalf("new table without Transient is %s, want ACTIVE at once", got)
	}
	if err := putID(context.Background(), db, "Tbl", "a"); err != nil {
		t.Fatal(err)
	}
}

func TestTransientCreateUpdateDelete(t *testing.T) {
	ctx := context.Background()
	c := &tblClock{t: tblEpoch}
	d := DefaultTransientDelays()
	db := openTransientDB(t, c, d)

	mustCreate(t, db, hashTable("Tbl", 5))
	if got := tableStatus(t, db, "Tbl"); got != api.TableStatusCreating {
		t.Fatalf("new table is %s, want CREATING", got)
	}
	wantAPIErr(t, putID(ctx, db, "Tbl", "a"), apierr.ResourceNotFoundException, "Requested resource not found")
	_, err := db.DeleteTable(ctx, &api.DeleteTableInput{TableName: api.Ptr("Tbl")})
	wantAPIErr(t, err, apierr.ResourceInUseException, "Attempt to change a resource which is still in use: Table is being created: Tbl")

	c.advance(d.TableCreate)
	if got := tableStatus(t, db, "Tbl"); got != api.TableStatusActive {
		t.Fatalf("after %s the table is %s, want ACTIVE", d.TableCreate, got)
	}
	if err := putID(ctx, db, "Tbl", "a"); err != nil {
		t.Fatal(err)
	}

	up := &api.UpdateTableInput{TableName: api.Ptr("Tbl"), ProvisionedThroughput: throughput(6, 6)}
	if _, err := db.UpdateTable(ctx, up); err != nil {
		t.Fatal(err)
	}
	if got := tableStatus(t, db, "Tbl"); got != api.TableStatusUpdating {
		t.Fatalf("updated table is %s, want UPDATING", got)
	}
	if err := putID(ctx, db, "Tbl", "b"); err != nil {
		t.Fatalf("an UPDATING table must stay usable: %v", err)
	}
	_, err = db.UpdateTable(ctx, &api.UpdateTableInput{TableName: api.Ptr("Tbl"), ProvisionedThroughput: throughput(7, 7)})
	wantAPIErr(t, err, apierr.ResourceInUseException, "Attempt to change a resource which is still in use: Table is being updated: Tbl")
	c.advance(d.TableUpdate)
	if got := tableStatus(t, db, "Tbl"); got != api.TableStatusActive {
		t.Fatalf("after %s the table is %s, want ACTIVE", d.TableUpdate, got)
	}

	if _, err := db.DeleteTable(ctx, &api.DeleteTableInput{TableName: api.Ptr("Tbl")}); err != nil {
		t.Fatal(err)
	}
	if got := tableStatus(t, db, "Tbl"); got != api.TableStatusDeleting {
		t.Fatalf("deleted table is %s, want DELETING", got)
	}
	wantAPIErr(t, putID(ctx, db, "Tbl", "c"), apierr.ResourceNotFoundException, "Requested resource not found")
	_, err = db.CreateTable(ctx, hashTable("Tbl", 5))
	wantAPIErr(t, err, apierr.ResourceInUseException, "Attempt to change a resource which is still in use: Table is being deleted: Tbl")
	c.advance(d.TableDelete)
	_, err = db.DescribeTable(ctx, &api.DescribeTableInput{TableName: api.Ptr("Tbl")})
	wantAPIErr(t, err, apierr.ResourceNotFoundException, "Requested resource not found: Table: Tbl not found")
	mustCreate(t, db, hashTable("Tbl", 5))
	if got := tableStatus(t, db, "Tbl"); got != api.TableStatusCreating {
		t.Fatalf("re-created table is %s, want CREATING", got)
	}
}

// TestTransientAcrossEngines: a second engine over the same store sees the
// statuses the first one's changes started, since they come from the store.
func TestTransientAcrossEngines(t *testing.T) {
	ctx := context.Background()
	c := &tblClock{t: tblEpoch}
	d := DefaultTransientDelays()
	st := newTablesStore(t)
	open := func() *DB {
		db, err := Open(ctx, st, Options{Now: c.now, Transient: &d})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	a, b := open(), open()
	mustCreate(t, a, hashTable("Tbl", 0))
	if got := tableStatus(t, b, "Tbl"); got != api.TableStatusCreating {
		t.Fatalf("the other engine sees %s, want CREATING", got)
	}
	c.advance(d.TableCreate)
	if _, err := a.DeleteTable(ctx, &api.DeleteTableInput{TableName: api.Ptr("Tbl")}); err != nil {
		t.Fatal(err)
	}
	if got := tableStatus(t, b, "Tbl"); got != api.TableStatusDeleting {
		t.Fatalf("the other engine sees %s, want DELETING", got)
	}
	_, err := b.CreateTable(ctx, hashTable("Tbl", 0))
	wantAPIErr(t, err, apierr.ResourceInUseException, "Attempt to change a resource which is still in use: Table is being deleted: Tbl")
}

// TestTransientIndexCreate: a GSI added online stays CREATING for the
// index delay even though its backfill of an empty table is instant. Job
// timing is real time, so the delay is short and the test only bounds it
// from below.
func TestTransientIndexCreate(t *testing.T) {
	c := &tblClock{t: tblEpoch}
	d := TransientDelays{IndexCreate: 400 * time.Millisecond, IndexDelete: 400 * time.Millisecond}
	db := openTransientDB(t, c, d)
	mustCreate(t, db, hashTable("Tbl", 0))
	start := time.Now()
	_, err := updateTable(t, db, `{"TableName": "Tbl",
	  "AttributeDefinitions": [{"AttributeName": "g", "AttributeType": "S"}],
	  "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "Gsi",
	    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}}]}`)
	if err != nil {
		t.Fatal(err)
	}
	indexStatus := func() string {
		for _, g := range mustDescribe(t, db, "Tbl").GlobalSecondaryIndexes {
			if api.Str(g.IndexName) == "Gsi" {
				return api.Str(g.IndexStatus)
			}
		}
		return ""
	}
	for {
		st := indexStatus()
		if st == api.IndexStatusActive {
			break
		}
		if st != api.IndexStatusCreating {
			t.Fatalf("index status %q while building", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if el := time.Since(start); el < d.IndexCreate {
		t.Fatalf("index ACTIVE after %s, want at least %s", el, d.IndexCreate)
	}
	start = time.Now()
	if _, err := updateTable(t, db, `{"TableName": "Tbl", "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "Gsi"}}]}`); err != nil {
		t.Fatal(err)
	}
	for indexStatus() == api.IndexStatusDeleting {
		time.Sleep(20 * time.Millisecond)
	}
	if el := time.Since(start); el < d.IndexDelete {
		t.Fatalf("index gone after %s, want at least %s DELETING", el, d.IndexDelete)
	}
	if st := indexStatus(); st != "" {
		t.Fatalf("deleted index is %q", st)
	}
}

// A restore into the name of a DELETING table is refused as one into an
// ACTIVE table's name (ack-api-quirks DDB-TABLE-275, -100).
func TestRestoreIntoDeletingName(t *testing.T) {
	ctx := context.Background()
	c := &tblClock{t: tblEpoch}
	d := DefaultTransientDelays()
	db := openTransientDB(t, c, d)
	mustCreate(t, db, hashTable("Src", 5))
	mustCreate(t, db, hashTable("Old", 5))
	c.advance(d.TableCreate)
	out, err := db.CreateBackup(ctx, &api.CreateBackupInput{TableName: api.Ptr("Src"), BackupName: api.Ptr("bk1")})
	if err != nil {
		t.Fatal(err)
	}
	db.waitJobs(t)
	if _, err := db.DeleteTable(ctx, &api.DeleteTableInput{TableName: api.Ptr("Old")}); err != nil {
		t.Fatal(err)
	}
	if got := tableStatus(t, db, "Old"); got != api.TableStatusDeleting {
		t.Fatalf("deleted table is %s, want DELETING", got)
	}
	_, err = db.RestoreTableFromBackup(ctx, &api.RestoreTableFromBackupInput{BackupArn: out.BackupDetails.BackupArn, TargetTableName: api.Ptr("Old")})
	wantAPIErr(t, err, apierr.TableAlreadyExistsException, "Table already exists: Old")
}
