package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/kv"
)

// Two engines over one store stand for two API nodes over one TiKV
// cluster: what one does, the other sees in its next request. Each test
// body takes a nodeStore, so that nodes_tikv_test.go (-tags tikv) runs the
// same bodies with each node on a TiKV client of its own over one mock
// cluster, as separate processes would be.

// A nodeStore returns the store the next node opens its engine over.
type nodeStore func(t *testing.T) kv.Store

// sharedPebble is a nodeStore giving every node one in-memory Pebble store.
func sharedPebble(t *testing.T) nodeStore {
	st := newTablesStore(t)
	return func(*testing.T) kv.Store { return st }
}

// openNode opens another engine over st, with short job leases so that a
// test can show a job taken over.
func openNode(t *testing.T, st kv.Store, opts Options) *DB {
	t.Helper()
	if opts.JobLease == 0 {
		opts.JobLease = 300 * time.Millisecond
	}
	if opts.JobPollInterval == 0 {
		opts.JobPollInterval = 10 * time.Millisecond
	}
	if opts.TTLInterval == 0 {
		opts.TTLInterval = -1
	}
	opts.SharedWrites = true // the nodes here share their store
	db, err := Open(context.Background(), st, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func putN(t *testing.T, db *DB, table string, n int, extra func(i int) attr.Item) {
	t.Helper()
	for i := range n {
		it := attr.Item{"id": attr.String(fmt.Sprint(i))}
		for k, v := range extra(i) {
			it[k] = v
		}
		if _, err := db.PutItem(context.Background(), &api.PutItemInput{TableName: api.Ptr(table), Item: it}); err != nil {
			t.Fatal(err)
		}
	}
}

// A table created, changed or deleted through one node is seen by the
// other's next request.
func TestTwoNodesShareTheCatalog(t *testing.T) { testTwoNodesShareTheCatalog(t, sharedPebble(t)) }

func testTwoNodesShareTheCatalog(t *testing.T, nodes nodeStore) {
	a, b := openNode(t, nodes(t), Options{}), openNode(t, nodes(t), Options{})
	ctx := context.Background()
	mustCreate(t, a, hashTable("shared", 0))
	if _, err := b.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("shared"), Item: attr.Item{"id": attr.String("1")}}); err != nil {
		t.Fatalf("node b writes to a table node a created: %v", err)
	}
	out, err := a.GetItem(ctx, &api.GetItemInput{TableName: api.Ptr("shared"), Key: attr.Item{"id": attr.String("1")}})
	if err != nil || out.Item == nil {
		t.Fatalf("node a reads node b's write: %v %v", out, err)
	}
	// A tag set on b is kept when a changes the throughput: each table
	// change reads the stored record, not a node's cached copy.
	if _, err := b.TagResource(ctx, &api.TagResourceInput{ResourceArn: api.Ptr(b.tableArn("shared")), Tags: []api.Tag{{Key: api.Ptr("k"), Value: api.Ptr("v")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.UpdateTable(ctx, &api.UpdateTableInput{TableName: api.Ptr("shared"), BillingMode: api.Ptr(api.BillingModeProvisioned),
		ProvisionedThroughput: &api.ProvisionedThroughput{ReadCapacityUnits: api.Ptr[int64](5), WriteCapacityUnits: api.Ptr[int64](5)}}); err != nil {
		t.Fatal(err)
	}
	tags, err := b.ListTagsOfResource(ctx, &api.ListTagsOfResourceInput{ResourceArn: api.Ptr(b.tableArn("shared"))})
	if err != nil || len(tags.Tags) != 1 {
		t.Errorf("tags after the other node's UpdateTable: %v %v", tags, err)
	}
	if d := mustDescribe(t, b, "shared"); api.Int(d.ProvisionedThroughput.ReadCapacityUnits, 0) != 5 {
		t.Errorf("node b sees %d RCU, want node a's 5", api.Int(d.ProvisionedThroughput.ReadCapacityUnits, 0))
	}
	if _, err := a.DeleteTable(ctx, &api.DeleteTableInput{TableName: api.Ptr("shared")}); err != nil {
		t.Fatal(err)
	}
	_, err = b.GetItem(ctx, &api.GetItemInput{TableName: api.Ptr("shared"), Key: attr.Item{"id": attr.String("1")}})
	wantAPIErr(t, err, "ResourceNotFoundException", "Requested resource not found")
	_, err = b.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("shared"), Item: attr.Item{"id": attr.String("2")}})
	wantAPIErr(t, err, "ResourceNotFoundException", "Requested resource not found")
}

// A GSI added through one node is maintained by writes through the other,
// including writes racing its backfill, and `check` finds it consistent.
func TestTwoNodesMaintainANewIndex(t *testing.T) { testTwoNodesMaintainANewIndex(t, sharedPebble(t)) }

func testTwoNodesMaintainANewIndex(t *testing.T, nodes nodeStore) {
	a, b := openNode(t, nodes(t), Options{}), openNode(t, nodes(t), Options{})
	ctx := context.Background()
	mustCreate(t, a, hashTable("songs", 0))
	putN(t, a, "songs", 500, func(i int) attr.Item { return attr.Item{"g": attr.String(fmt.Sprint(i % 7))} })
	_, err := a.UpdateTable(ctx, &api.UpdateTableInput{TableName: api.Ptr("songs"),
		AttributeDefinitions: []api.AttributeDefinition{{AttributeName: api.Ptr("g"), AttributeType: api.Ptr("S")}},
		GlobalSecondaryIndexUpdates: []api.GlobalSecondaryIndexUpdate{{Create: &api.CreateGlobalSecondaryIndexAction{
			IndexName: api.Ptr("byG"), KeySchema: []api.KeySchemaElement{{AttributeName: api.Ptr("g"), KeyType: api.Ptr("HASH")}},
			Projection: &api.Projection{ProjectionType: api.Ptr("ALL")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	// Node b writes while the backfill runs: new items, changed index
	// keys, deletions.
	for i := 500; i < 700; i++ {
		if _, err := b.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("songs"), Item: attr.Item{"id": attr.String(fmt.Sprint(i)), "g": attr.String("new")}}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("songs"), Item: attr.Item{"id": attr.String(fmt.Sprint(i - 500)), "g": attr.String("moved")}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, db := range []*DB{a, b} {
		if err := db.waitIndexesActive(ctx, "songs"); err != nil {
			t.Fatal(err)
		}
	}
	count := func(db *DB, g string) int64 {
		out, err := db.Query(ctx, &api.QueryInput{TableName: api.Ptr("songs"), IndexName: api.Ptr("byG"),
			KeyConditionExpression: api.Ptr("g = :g"), ExpressionAttributeValues: attr.Item{":g": attr.String(g)}, Select: api.Ptr("COUNT")})
		if err != nil {
			t.Fatal(err)
		}
		return api.Int(out.Count, -1)
	}
	for _, db := range []*DB{a, b} {
		if n := count(db, "new"); n != 200 {
			t.Errorf("%d items under the new key, want 200", n)
		}
		if n := count(db, "moved"); n != 200 {
			t.Errorf("%d items moved, want 200", n)
		}
	}
	checkClean(t, a)
}

// A background job runs on one node at a time: a backfill killed with its
// node (Abandon) is taken over by the other once the lease expires, and
// finishes from where it was.
func TestJobTakenOverByTheOtherNode(t *testing.T) { testJobTakenOverByTheOtherNode(t, sharedPebble(t)) }

func testJobTakenOverByTheOtherNode(t *testing.T, nodes nodeStore) {
	st := nodes(t)
	a := openNode(t, st, Options{})
	ctx := context.Background()
	mustCreate(t, a, hashTable("big", 0))
	putN(t, a, "big", 3000, func(i int) attr.Item { return attr.Item{"g": attr.String(fmt.Sprint(i % 3))} })

	_, err := a.UpdateTable(ctx, &api.UpdateTableInput{TableName: api.Ptr("big"),
		AttributeDefinitions: []api.AttributeDefinition{{AttributeName: api.Ptr("g"), AttributeType: api.Ptr("S")}},
		GlobalSecondaryIndexUpdates: []api.GlobalSecondaryIndexUpdate{{Create: &api.CreateGlobalSecondaryIndexAction{
			IndexName: api.Ptr("byG"), KeySchema: []api.KeySchemaElement{{AttributeName: api.Ptr("g"), KeyType: api.Ptr("HASH")}},
			Projection: &api.Projection{ProjectionType: api.Ptr("KEYS_ONLY")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	// Let node a start the backfill, then kill its jobs as a crash would.
	deadline := time.Now().Add(10 * time.Second)
	for {
		pending, _ := a.pendingJobs(ctx)
		progressed := false
		for _, j := range pending {
			if strings.HasPrefix(j, jobIndexBackfill) {
				b, _ := st.Get(ctx, []byte("q/"+j))
				progressed = strings.Contains(string(b), `"progress"`)
			}
		}
		if progressed || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	a.jobs.Abandon()

	b := openNode(t, nodes(t), Options{})
	if err := b.waitIndexesActive(ctx, "big"); err != nil {
		t.Fatal(err)
	}
	d := mustDescribe(t, b, "big")
	if g := d.GlobalSecondaryIndexes[0]; api.Str(g.IndexStatus) != api.IndexStatusActive {
		t.Fatalf("index %s after the takeover", api.Str(g.IndexStatus))
	}
	checkClean(t, b)
	if pending, _ := b.pendingJobs(ctx); hasJob(pending, jobIndexBackfill) {
		t.Errorf("backfill job still recorded: %v", pending)
	}
}

// Close cancels a long backfill instead of waiting for it; the backfill
// resumes from its checkpoint at the next Open.
func TestCloseDuringLongBackfill(t *testing.T) {
	st := newTablesStore(t)
	ctx := context.Background()
	a, err := Open(ctx, st, Options{TTLInterval: -1, JobPollInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, a, hashTable("big", 0))
	putN(t, a, "big", 20000, func(i int) attr.Item { return attr.Item{"g": attr.String(fmt.Sprint(i % 3))} })
	_, err = a.UpdateTable(ctx, &api.UpdateTableInput{TableName: api.Ptr("big"),
		AttributeDefinitions: []api.AttributeDefinition{{AttributeName: api.Ptr("g"), AttributeType: api.Ptr("S")}},
		GlobalSecondaryIndexUpdates: []api.GlobalSecondaryIndexUpdate{{Create: &api.CreateGlobalSecondaryIndexAction{
			IndexName: api.Ptr("byG"), KeySchema: []api.KeySchemaElement{{AttributeName: api.Ptr("g"), KeyType: api.Ptr("HASH")}},
			Projection: &api.Projection{ProjectionType: api.Ptr("KEYS_ONLY")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond) // the backfill is under way
	begin := time.Now()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	took := time.Since(begin)
	t.Logf("Close returned %v into a 20000-item backfill", took)
	if g := mustDescribeStore(t, st, "big"); api.Str(g.IndexStatus) != api.IndexStatusCreating {
		t.Fatalf("index %s after Close: the backfill was waited out instead of cancelled", api.Str(g.IndexStatus))
	}
	b := openNode(t, st, Options{})
	if err := b.waitIndexesActive(ctx, "big"); err != nil {
		t.Fatal(err)
	}
	checkClean(t, b)
}

// mustDescribeStore reads a table's first GSI description straight from
// the store, without an engine.
func mustDescribeStore(t *testing.T, st kv.Store, name string) api.GlobalSecondaryIndexDescription {
	t.Helper()
	b, err := st.Get(context.Background(), catalogKey(name))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := decodeRecord(b)
	if err != nil {
		t.Fatal(err)
	}
	return rec.Desc.GlobalSecondaryIndexes[0]
}

// The TTL pass runs on one node at a time: with two nodes both running
// TTL, each expired item is deleted (and counted) once.
func TestTTLRunsOnce(t *testing.T) { testTTLRunsOnce(t, sharedPebble(t)) }

func testTTLRunsOnce(t *testing.T, nodes nodeStore) {
	recA, recB := &recorder{}, &recorder{}
	a := openNode(t, nodes(t), Options{TTLInterval: 20 * time.Millisecond, Observer: recA})
	b := openNode(t, nodes(t), Options{TTLInterval: 20 * time.Millisecond, Observer: recB})
	ctx := context.Background()
	mustCreate(t, a, hashTable("stories", 0))
	if _, err := a.UpdateTimeToLive(ctx, &api.UpdateTimeToLiveInput{TableName: api.Ptr("stories"),
		TimeToLiveSpecification: &api.TimeToLiveSpecification{AttributeName: api.Ptr("exp"), Enabled: api.Ptr(true)}}); err != nil {
		t.Fatal(err)
	}
	past := attr.NumberFromInt(time.Now().Add(-time.Hour).Unix())
	putN(t, b, "stories", 300, func(int) attr.Item { return attr.Item{"exp": past} })
	reported := func() int { return ttlDeleted(recA, "stories") + ttlDeleted(recB, "stories") }
	// A pass reports its deletions to the Observer after its last batch
	// commits, so the table can read empty a moment before the report
	// arrives (under load, long enough to read 0): wait for both.
	deadline := time.Now().Add(20 * time.Second)
	total := 0
	for {
		n, _, err := a.tableStats(ctx, a.lookup("stories").table)
		if err != nil {
			t.Fatal(err)
		}
		if total = reported(); n == 0 && total >= 300 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d expired items left, %d deletions reported", n, total)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if total != 300 {
		t.Errorf("the two nodes reported %d TTL deletions of 300 items", total)
	}
}

// PutItem over an existing item hands writeItem the true old image, on its
// fast path (no condition, no ReturnValues, no index) as on the others;
// every write path says where the write came from.
func TestWriteItemGetsTheOldImage(t *testing.T) {
	db, _ := openRecorded(t, Options{})
	mustCreate(t, db, hashTable("imgs", 0))
	ctx := context.Background()
	type seen struct {
		old, new attr.Item
		from     origin
	}
	var writes []seen
	db.writeHook = func(_ *Table, _ []byte, old, new attr.Item, from origin) {
		writes = append(writes, seen{old.Clone(), new.Clone(), from})
	}
	v1 := attr.Item{"id": attr.String("k"), "v": attr.String("one")}
	v2 := attr.Item{"id": attr.String("k"), "v": attr.String("two")}
	for _, it := range []attr.Item{v1, v2} {
		if _, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("imgs"), Item: it}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.TransactWriteItems(ctx, &api.TransactWriteItemsInput{TransactItems: []api.TransactWriteItem{
		{Delete: &api.Delete{TableName: api.Ptr("imgs"), Key: attr.Item{"id": attr.String("k")}}}}}); err != nil {
		t.Fatal(err)
	}
	if len(writes) != 3 {
		t.Fatalf("%d writes seen, want 3", len(writes))
	}
	if writes[0].old != nil || writes[0].from != fromRequest {
		t.Errorf("first put: old %v from %v, want none from a request", writes[0].old, writes[0].from)
	}
	if got := writes[1].old["v"]; got.S != "one" || writes[1].new["v"].S != "two" {
		t.Errorf("second put (fast path): old %v, want the first item", writes[1].old)
	}
	if writes[2].old["v"].S != "two" || writes[2].new != nil || writes[2].from != fromTransaction {
		t.Errorf("transactional delete: old %v new %v from %v", writes[2].old, writes[2].new, writes[2].from)
	}
}
