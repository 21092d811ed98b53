package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
)

// recorder is an Observer that remembers what it was told.
type recorder struct {
	mu     sync.Mutex
	events []string
}

func (r *recorder) add(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, fmt.Sprintf(format, args...))
}
func (r *recorder) ConsumedCapacity(table, index string, read, write float64) {
	r.add("capacity %s/%s r=%v w=%v", table, index, read, write)
}
func (r *recorder) Throttled(table, index string, write bool) {
	r.add("throttled %s/%s write=%v", table, index, write)
}
func (r *recorder) TTLDeleted(table string, n int)               { r.add("ttl %s %d", table, n) }
func (r *recorder) TransactionConflict(table string)             { r.add("conflict %s", table) }
func (r *recorder) StreamRecordsRead(string, int, time.Duration) {}
func (r *recorder) TableDeleted(table string)                    { r.add("deleted %s", table) }

func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = nil
}

func (r *recorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return fmt.Sprint(r.events)
}

func openRecorded(t *testing.T, opts Options) (*DB, *recorder) {
	t.Helper()
	rec := &recorder{}
	opts.Observer = rec
	opts.TTLInterval = -1
	db, err := Open(context.Background(), newTablesStore(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, rec
}

// gsiTable is hashTable with a GSI "gsi" on attribute "g" projecting all.
func gsiTable(name string, capacity int64) *api.CreateTableInput {
	in := hashTable(name, capacity)
	in.AttributeDefinitions = append(in.AttributeDefinitions, api.AttributeDefinition{AttributeName: api.Ptr("g"), AttributeType: api.Ptr("S")})
	g := api.GlobalSecondaryIndex{
		IndexName:  api.Ptr("gsi"),
		KeySchema:  []api.KeySchemaElement{{AttributeName: api.Ptr("g"), KeyType: api.Ptr("HASH")}},
		Projection: &api.Projection{ProjectionType: api.Ptr("ALL")},
	}
	if capacity > 0 {
		g.ProvisionedThroughput = &api.ProvisionedThroughput{ReadCapacityUnits: api.Ptr(capacity), WriteCapacityUnits: api.Ptr(capacity)}
	}
	in.GlobalSecondaryIndexes = []api.GlobalSecondaryIndex{g}
	return in
}

// A write charges its table and every index it touched, whatever the
// client asked to see, and answers ConsumedCapacity in the asked shape.
func TestCapacityTrimsAndCharges(t *testing.T) {
	db, rec := openRecorded(t, Options{})
	mustCreate(t, db, gsiTable("music", 10))
	tests := []struct {
		asked     *string
		wantNil   bool
		wantTable bool
	}{
		{nil, true, false},
		{api.Ptr("NONE"), true, false},
		{api.Ptr("TOTAL"), false, false},
		{api.Ptr("INDEXES"), false, true},
	}
	for i, tc := range tests {
		t.Run(api.Str(tc.asked), func(t *testing.T) {
			rec.reset()
			out, err := db.PutItem(context.Background(), &api.PutItemInput{
				TableName:              api.Ptr("music"),
				Item:                   attr.Item{"id": attr.String(fmt.Sprint(i)), "g": attr.String("x")},
				ReturnConsumedCapacity: tc.asked,
			})
			if err != nil {
				t.Fatal(err)
			}
			cc := out.ConsumedCapacity
			switch {
			case tc.wantNil && cc != nil:
				t.Errorf("got %+v, want no ConsumedCapacity", cc)
			case !tc.wantNil && (cc == nil || api.Str(cc.TableName) != "music" || *cc.CapacityUnits != 2):
				t.Errorf("got %+v, want 2 units on music", cc)
			case !tc.wantNil && (cc.Table != nil) != tc.wantTable:
				t.Errorf("Table breakdown %+v, want present=%v", cc.Table, tc.wantTable)
			case tc.wantTable && (*cc.Table.CapacityUnits != 1 || *cc.GlobalSecondaryIndexes["gsi"].CapacityUnits != 1):
				t.Errorf("breakdown %+v %+v, want 1 on the table and 1 on gsi", cc.Table, cc.GlobalSecondaryIndexes)
			}
			if want := "[capacity music/ r=0 w=1 capacity music/gsi r=0 w=1]"; rec.String() != want {
				t.Errorf("observer saw %v, want %v", rec, want)
			}
		})
	}
}

// Spending more than a table's whole burst throttles its next write, not
// its reads, which have their own bucket; a refused conditional write is
// charged what the item it found (under the lock) costs.
func TestCapacityThrottlesInsideOperations(t *testing.T) {
	db, rec := openRecorded(t, Options{})
	mustCreate(t, db, hashTable("a-table", 1)) // 300 units of burst
	ctx := context.Background()
	big := attr.Item{"id": attr.String("big"), "blob": attr.String(strings.Repeat("x", 301<<10))}
	if _, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("a-table"), Item: big}); err != nil {
		t.Fatal(err)
	}
	rec.reset()
	_, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("a-table"), Item: attr.Item{"id": attr.String("small")}})
	wantAPIErr(t, err, apierr.ProvisionedThroughputExceededException,
		"The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.")
	if want := "[throttled a-table/ write=true]"; rec.String() != want {
		t.Errorf("observer saw %v, want %s", rec, want)
	}
	rec.reset()
	if _, err := db.GetItem(ctx, &api.GetItemInput{TableName: api.Ptr("a-table"), Key: attr.Item{"id": attr.String("big")}}); err != nil {
		t.Errorf("a read after the writes ran out: %v", err)
	}
	if want := "[capacity a-table/ r=38 w=0]"; rec.String() != want {
		t.Errorf("observer saw %v, want %s", rec, want)
	}

	// A failed condition on the big item costs its 302 units, read under
	// the lock.
	db2, rec2 := openRecorded(t, Options{})
	mustCreate(t, db2, hashTable("b-table", 0))
	if _, err := db2.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("b-table"), Item: big}); err != nil {
		t.Fatal(err)
	}
	rec2.reset()
	_, err = db2.DeleteItem(ctx, &api.DeleteItemInput{TableName: api.Ptr("b-table"), Key: attr.Item{"id": attr.String("big")},
		ConditionExpression: api.Ptr("attribute_not_exists(id)")})
	if !errors.Is(err, apierr.ConditionalCheckFailedException) {
		t.Fatalf("got %v, want ConditionalCheckFailedException", err)
	}
	if want := "[capacity b-table/ r=0 w=302]"; rec2.String() != want {
		t.Errorf("observer saw %v, want %s", rec2, want)
	}
}

// A throttled BatchWriteItem whose third request is invalid answers the
// ValidationException an unthrottled run answers, and writes nothing: the
// batch is validated whole before capacity holds any of it back.
func TestThrottledBatchValidatesFirst(t *testing.T) {
	clock := &tblClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	db, _ := openRecorded(t, Options{Now: clock.now})
	mustCreate(t, db, hashTable("music", 1))
	ctx := context.Background()
	// Leave the write bucket with 1 unit: the batch's first request alone
	// would be admitted.
	big := attr.Item{"id": attr.String("big"), "blob": attr.String(strings.Repeat("x", 298<<10))}
	if _, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("music"), Item: big}); err != nil {
		t.Fatal(err)
	}
	put := func(id string) api.WriteRequest {
		return api.WriteRequest{PutRequest: &api.PutRequest{Item: attr.Item{"id": attr.String(id), "blob": attr.String(strings.Repeat("y", 2000))}}}
	}
	bad := api.WriteRequest{PutRequest: &api.PutRequest{Item: attr.Item{"id": attr.NumberFromInt(1)}}} // wrong key type
	_, err := db.BatchWriteItem(ctx, &api.BatchWriteItemInput{RequestItems: map[string][]api.WriteRequest{
		"music": {put("a"), put("b"), bad},
	}})
	wantAPIErr(t, err, apierr.ValidationException, "The provided key element does not match the schema")
	for _, id := range []string{"a", "b"} {
		out, err := db.GetItem(ctx, &api.GetItemInput{TableName: api.Ptr("music"), Key: attr.Item{"id": attr.String(id)}})
		if err != nil {
			t.Fatal(err)
		}
		if out.Item != nil {
			t.Errorf("item %s was written by a batch that failed validation", id)
		}
	}
	// The same batch, valid: the first request is admitted, the rest are
	// returned unprocessed.
	out, err := db.BatchWriteItem(ctx, &api.BatchWriteItemInput{RequestItems: map[string][]api.WriteRequest{
		"music": {put("a"), put("b"), put("c")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(out.UnprocessedItems["music"]); n != 2 {
		t.Errorf("%d unprocessed requests, want 2", n)
	}
}

// Requests at once all charge the same bucket: none of their charges is
// lost to a bucket created twice.
func TestCapacityConcurrentRequestsShareBuckets(t *testing.T) {
	clock := &tblClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	db, _ := openRecorded(t, Options{Now: clock.now})
	mustCreate(t, db, hashTable("music", 10)) // 3000 units of burst
	const workers, each = 8, 50
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				if _, err := db.PutItem(context.Background(), &api.PutItemInput{TableName: api.Ptr("music"),
					Item: attr.Item{"id": attr.String(fmt.Sprint(w, "-", i))}}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	units, _, _, _ := db.tokens(context.Background(), db.lookup("music"), "", true, clock.now())
	if want := 3000.0 - workers*each; units != want {
		t.Errorf("write bucket holds %v units, want %v", units, want)
	}
}

// A transaction naming its tables twice each (by name and by ARN) is
// admitted against each table once: one throttle event per exhausted
// table.
func TestTransactionAdmitsEachTableOnce(t *testing.T) {
	db, rec := openRecorded(t, Options{})
	ctx := context.Background()
	big := strings.Repeat("x", 301<<10)
	var items []api.TransactWriteItem
	const n = 3
	for i := range n {
		name := fmt.Sprintf("table-%d", i)
		mustCreate(t, db, hashTable(name, 1))
		if _, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr(name), Item: attr.Item{"id": attr.String("big"), "b": attr.String(big)}}); err != nil {
			t.Fatal(err)
		}
		items = append(items,
			api.TransactWriteItem{Put: &api.Put{TableName: api.Ptr(name), Item: attr.Item{"id": attr.String("p")}}},
			api.TransactWriteItem{Delete: &api.Delete{TableName: api.Ptr(db.tableArn(name)), Key: attr.Item{"id": attr.String("d")}}})
	}
	rec.reset()
	_, err := db.TransactWriteItems(ctx, &api.TransactWriteItemsInput{TransactItems: items})
	if !errors.Is(err, apierr.TransactionCanceledException) {
		t.Fatalf("got %v, want TransactionCanceledException", err)
	}
	if got := strings.Count(rec.String(), "throttled"); got != n {
		t.Errorf("observer saw %v, want one throttle per table", rec)
	}
}

// countConflicts reports each TransactionConflict reason under its
// action's table.
func TestCountConflicts(t *testing.T) {
	db, rec := openRecorded(t, Options{})
	cancel := apierr.New(apierr.TransactionCanceledException, "Transaction cancelled")
	cancel.CancellationReasons = []api.CancellationReason{{Code: api.Ptr("None")}, {Code: api.Ptr("TransactionConflict")}}
	db.countConflicts(cancel, []*Table{{Name: "a-table"}, {Name: "b-table"}})
	if rec.String() != "[conflict b-table]" {
		t.Errorf("observer saw %v, want [conflict b-table]", rec)
	}
}

// Without throttling, operations still report what they consume, and
// neither refuse requests nor read the clock for buckets nothing checks.
func TestCapacityWithoutThrottling(t *testing.T) {
	// Atomic: background jobs may read the clock too.
	var clockReads atomic.Int64
	now := func() time.Time { clockReads.Add(1); return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	db, rec := openRecorded(t, Options{NoThrottle: true, Now: now})
	mustCreate(t, db, hashTable("music", 1))
	rec.reset()
	clockReads.Store(0)
	big := attr.Item{"id": attr.String("big"), "b": attr.String(strings.Repeat("x", 300<<10))}
	for range 3 { // three times the table's whole burst
		if _, err := db.PutItem(context.Background(), &api.PutItemInput{TableName: api.Ptr("music"), Item: big}); err != nil {
			t.Fatal(err)
		}
	}
	want := "[capacity music/ r=0 w=301 capacity music/ r=0 w=301 capacity music/ r=0 w=301]"
	if rec.String() != want {
		t.Errorf("observer saw %v, want %s", rec, want)
	}
	if n := clockReads.Load(); n != 0 {
		t.Errorf("the writes read the clock %d times", n)
	}
}

// meteredSamples are a minimal valid request of every operation that
// consumes capacity, on table "mtab" (key "id", GSI "gsi"), with the table and
// index whose capacity it must report. TestEveryOperationIsMetered fails
// for an operation of the registry that the engine serves, whose capacity
// kind is read or write, and that has no sample here.
var meteredSamples = map[api.OpID]func() any{
	api.OpGetItem: func() any {
		return &api.GetItemInput{TableName: api.Ptr("mtab"), Key: attr.Item{"id": attr.String("1")}}
	},
	api.OpPutItem: func() any {
		return &api.PutItemInput{TableName: api.Ptr("mtab"), Item: attr.Item{"id": attr.String("1"), "g": attr.String("x")}}
	},
	api.OpUpdateItem: func() any {
		return &api.UpdateItemInput{TableName: api.Ptr("mtab"), Key: attr.Item{"id": attr.String("1")}, UpdateExpression: api.Ptr("SET a = :a"),
			ExpressionAttributeValues: attr.Item{":a": attr.String("v")}}
	},
	api.OpDeleteItem: func() any {
		return &api.DeleteItemInput{TableName: api.Ptr("mtab"), Key: attr.Item{"id": attr.String("1")}}
	},
	api.OpQuery: func() any {
		return &api.QueryInput{TableName: api.Ptr("mtab"), KeyConditionExpression: api.Ptr("id = :id"), ExpressionAttributeValues: attr.Item{":id": attr.String("1")}}
	},
	api.OpScan: func() any { return &api.ScanInput{TableName: api.Ptr("mtab"), IndexName: api.Ptr("gsi")} },
	api.OpBatchGetItem: func() any {
		return &api.BatchGetItemInput{RequestItems: map[string]api.KeysAndAttributes{"mtab": {Keys: []attr.Item{{"id": attr.String("1")}}}}}
	},
	api.OpBatchWriteItem: func() any {
		return &api.BatchWriteItemInput{RequestItems: map[string][]api.WriteRequest{"mtab": {{PutRequest: &api.PutRequest{Item: attr.Item{"id": attr.String("2")}}}}}}
	},
	api.OpTransactGetItems: func() any {
		return &api.TransactGetItemsInput{TransactItems: []api.TransactGetItem{{Get: &api.Get{TableName: api.Ptr("mtab"), Key: attr.Item{"id": attr.String("1")}}}}}
	},
	// Statement operations: a sample of each is a read (SELECT) and its
	// write sibling is in statementWriteSamples.
	api.OpExecuteStatement: func() any {
		return &api.ExecuteStatementInput{Statement: api.Ptr(`SELECT * FROM mtab WHERE id = '1'`)}
	},
	api.OpBatchExecuteStatement: func() any {
		return &api.BatchExecuteStatementInput{Statements: []api.BatchStatementRequest{{Statement: api.Ptr(`SELECT * FROM mtab WHERE id = '1'`)}}}
	},
	api.OpExecuteTransaction: func() any {
		return &api.ExecuteTransactionInput{TransactStatements: []api.ParameterizedStatement{{Statement: api.Ptr(`SELECT * FROM mtab WHERE id = '1'`)}}}
	},
	api.OpTransactWriteItems: func() any {
		return &api.TransactWriteItemsInput{TransactItems: []api.TransactWriteItem{{Put: &api.Put{TableName: api.Ptr("mtab"), Item: attr.Item{"id": attr.String("3")}}}}}
	},
}

// statementWriteSamples are the write forms of the PartiQL operations,
// whose capacity kind (statement) depends on what they run.
var statementWriteSamples = map[api.OpID]func() any{
	api.OpExecuteStatement: func() any {
		return &api.ExecuteStatementInput{Statement: api.Ptr(`INSERT INTO mtab VALUE {'id': '9', 'g': 'x'}`)}
	},
	api.OpBatchExecuteStatement: func() any {
		return &api.BatchExecuteStatementInput{Statements: []api.BatchStatementRequest{{Statement: api.Ptr(`INSERT INTO mtab VALUE {'id': '8'}`)}}}
	},
	api.OpExecuteTransaction: func() any {
		return &api.ExecuteTransactionInput{TransactStatements: []api.ParameterizedStatement{{Statement: api.Ptr(`INSERT INTO mtab VALUE {'id': '7'}`)}}}
	},
}

// Every operation the engine serves that consumes capacity reports it:
// the registry says which do, and an operation without a sample above
// fails here until one is added.
func TestEveryOperationIsMetered(t *testing.T) {
	db, rec := openRecorded(t, Options{})
	mustCreate(t, db, gsiTable("mtab", 0))
	for id := range api.OpID(api.NumOperations) {
		op := id.Operation()
		if db.Handler(id) == nil || op.Capacity == api.CapacityNone {
			continue
		}
		sample, ok := meteredSamples[id]
		if !ok {
			t.Errorf("%s consumes capacity but has no sample request in meteredSamples", op.Name)
			continue
		}
		rec.reset()
		if _, err := db.Handler(id)(context.Background(), sample()); err != nil {
			t.Errorf("%s: %v", op.Name, err)
			continue
		}
		want := "r="
		if op.Capacity == api.CapacityWrite {
			want = "w="
		}
		if ev := rec.String(); !strings.Contains(ev, "capacity mtab/") || !strings.Contains(ev, want) {
			t.Errorf("%s reported %v, want capacity on table mtab", op.Name, ev)
		}
		if op.Capacity != api.CapacityStatement {
			continue
		}
		write, ok := statementWriteSamples[id]
		if !ok {
			t.Errorf("%s runs statements but has no write sample in statementWriteSamples", op.Name)
			continue
		}
		rec.reset()
		if _, err := db.Handler(id)(context.Background(), write()); err != nil {
			t.Errorf("%s (write): %v", op.Name, err)
		} else if ev := rec.String(); !strings.Contains(ev, "capacity mtab/") || !strings.Contains(ev, "w=") {
			t.Errorf("%s (write) reported %v, want write capacity on table mtab", op.Name, ev)
		}
	}
}
