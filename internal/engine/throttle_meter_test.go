package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
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
func (r *recorder) TTLDeleted(table string, n int)   { r.add("ttl %s %d", table, n) }
func (r *recorder) TransactionConflict(table string) { r.add("conflict %s", table) }

func TestMeterTrimsAndCharges(t *testing.T) {
	rec := &recorder{}
	db, err := Open(context.Background(), newTablesStore(t), Options{Observer: rec, TTLInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	mustCreate(t, db, hashTable("music", 10))

	indexes := func() *api.ConsumedCapacity {
		return &api.ConsumedCapacity{TableName: api.Ptr("music"), CapacityUnits: api.Ptr(3.0),
			Table: &api.Capacity{CapacityUnits: api.Ptr(1.0)}, GlobalSecondaryIndexes: map[string]api.Capacity{"g": {CapacityUnits: api.Ptr(2.0)}}}
	}
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
	for _, tc := range tests {
		t.Run(api.Str(tc.asked), func(t *testing.T) {
			rec.events = nil
			in := &api.PutItemInput{TableName: api.Ptr("music"), ReturnConsumedCapacity: tc.asked}
			out, err := db.Meter(context.Background(), in, func(context.Context) (any, error) {
				if got := api.Str(in.ReturnConsumedCapacity); got != "INDEXES" {
					t.Errorf("the operation ran with ReturnConsumedCapacity %q, want INDEXES", got)
				}
				return &api.PutItemOutput{ConsumedCapacity: indexes()}, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if in.ReturnConsumedCapacity != tc.asked && api.Str(in.ReturnConsumedCapacity) != api.Str(tc.asked) {
				t.Errorf("input not restored: %v", api.Str(in.ReturnConsumedCapacity))
			}
			cc := out.(*api.PutItemOutput).ConsumedCapacity
			switch {
			case tc.wantNil && cc != nil:
				t.Errorf("got %+v, want no ConsumedCapacity", cc)
			case !tc.wantNil && (cc == nil || api.Str(cc.TableName) != "music" || *cc.CapacityUnits != 3):
				t.Errorf("got %+v, want 3 units on music", cc)
			case !tc.wantNil && (cc.Table != nil) != tc.wantTable:
				t.Errorf("Table breakdown %+v, want present=%v", cc.Table, tc.wantTable)
			}
			want := []string{"capacity music/ r=0 w=1", "capacity music/g r=0 w=2"}
			if fmt.Sprint(rec.events) != fmt.Sprint(want) {
				t.Errorf("observer saw %v, want %v", rec.events, want)
			}
		})
	}
}

func TestMeterCountsConflictsAndThrottles(t *testing.T) {
	rec := &recorder{}
	db, err := Open(context.Background(), newTablesStore(t), Options{Observer: rec, TTLInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	mustCreate(t, db, hashTable("a-table", 1))
	mustCreate(t, db, hashTable("b-table", 1))

	in := &api.TransactWriteItemsInput{TransactItems: []api.TransactWriteItem{
		{Put: &api.Put{TableName: api.Ptr("a-table")}},
		{Delete: &api.Delete{TableName: api.Ptr(db.tableArn("b-table"))}},
	}}
	cancel := apierr.New(apierr.TransactionCanceledException, "Transaction cancelled")
	cancel.CancellationReasons = []api.CancellationReason{{Code: api.Ptr("None")}, {Code: api.Ptr("TransactionConflict")}}
	if _, err := db.Meter(context.Background(), in, func(context.Context) (any, error) { return nil, cancel }); err != cancel {
		t.Fatalf("Meter returned %v, want the operation's error", err)
	}
	if fmt.Sprint(rec.events) != "[conflict b-table]" {
		t.Errorf("observer saw %v, want [conflict b-table]", rec.events)
	}

	// Spend more than a-table's whole burst (300 units): it is throttled.
	rec.events = nil
	spend := func(context.Context) (any, error) {
		return &api.PutItemOutput{ConsumedCapacity: &api.ConsumedCapacity{TableName: api.Ptr("a-table"), CapacityUnits: api.Ptr(301.0)}}, nil
	}
	put := &api.PutItemInput{TableName: api.Ptr("a-table")}
	if _, err := db.Meter(context.Background(), put, spend); err != nil {
		t.Fatal(err)
	}
	_, err = db.Meter(context.Background(), put, spend)
	wantAPIErr(t, err, apierr.ProvisionedThroughputExceededException,
		"The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.")
	if fmt.Sprint(rec.events) != "[capacity a-table/ r=0 w=301 throttled a-table/ write=true]" {
		t.Errorf("observer saw %v", rec.events)
	}
	// Reads have their own bucket.
	if _, err := db.Meter(context.Background(), &api.GetItemInput{TableName: api.Ptr("a-table")}, func(context.Context) (any, error) {
		return &api.GetItemOutput{}, nil
	}); err != nil {
		t.Errorf("a read after the writes ran out: %v", err)
	}
}

// Requests metered at once all charge the same bucket: none of their
// charges is lost to a bucket created twice.
func TestMeterConcurrentRequestsShareBuckets(t *testing.T) {
	clock := &tblClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	db, err := Open(context.Background(), newTablesStore(t), Options{Now: clock.now, TTLInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	mustCreate(t, db, hashTable("music", 10)) // 3000 units of burst
	const workers, each = 8, 50
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				in := &api.PutItemInput{TableName: api.Ptr("music")}
				if _, err := db.Meter(context.Background(), in, func(context.Context) (any, error) {
					return &api.PutItemOutput{ConsumedCapacity: consumed(in.ReturnConsumedCapacity, "music", 1)}, nil
				}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	units, _, _ := db.tokens(db.lookup("music"), "", true, clock.now())
	if want := 3000.0 - workers*each; units != want {
		t.Errorf("write bucket holds %v units, want %v", units, want)
	}
}

func TestAppendRequestTables(t *testing.T) {
	tests := []struct {
		in   any
		want []string
	}{
		{&api.GetItemInput{TableName: api.Ptr("a")}, []string{"a"}},
		{&api.QueryInput{TableName: api.Ptr("arn:aws:dynamodb:us-east-1:000000000000:table/a")}, []string{"arn:aws:dynamodb:us-east-1:000000000000:table/a"}},
		{&api.BatchGetItemInput{RequestItems: map[string]api.KeysAndAttributes{"b": {}, "a": {}}}, []string{"a", "b"}},
		{&api.TransactWriteItemsInput{TransactItems: []api.TransactWriteItem{
			{Put: &api.Put{TableName: api.Ptr("b")}}, {ConditionCheck: &api.ConditionCheck{TableName: api.Ptr("a")}}, {Delete: &api.Delete{TableName: api.Ptr("b")}},
		}}, []string{"b", "a", "b"}},
		{&api.DescribeTableInput{TableName: api.Ptr("c")}, []string{"c"}},
		{&api.ListTablesInput{}, nil},
	}
	for _, tc := range tests {
		var buf [1]string
		got := AppendRequestTables(buf[:0], tc.in)
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%T: got %q, want %q", tc.in, got, tc.want)
		}
		if len(tc.want) == 1 && &got[0] != &buf[0] {
			t.Errorf("%T: one table not appended to the caller's buffer", tc.in)
		}
		if rt := RequestTables(tc.in); fmt.Sprint(rt) != fmt.Sprint(tc.want) || (tc.want == nil) != (rt == nil) {
			t.Errorf("RequestTables(%T) = %q, want %q", tc.in, rt, tc.want)
		}
	}
}

// A transaction naming its tables twice each (by name and by ARN) is
// admitted against each table once: one throttle event per exhausted
// table, with few tables or many.
func TestMeterAdmitsEachTableOnce(t *testing.T) {
	for _, n := range []int{2, maxScannedTables + 2} {
		rec := &recorder{}
		db, err := Open(context.Background(), newTablesStore(t), Options{Observer: rec, TTLInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		var items []api.TransactWriteItem
		for i := range n {
			name := fmt.Sprintf("table-%d", i)
			mustCreate(t, db, hashTable(name, 1))
			// Spend more than the table's whole burst (300 units).
			if _, err := db.Meter(context.Background(), &api.PutItemInput{TableName: api.Ptr(name)}, func(context.Context) (any, error) {
				return &api.PutItemOutput{ConsumedCapacity: &api.ConsumedCapacity{TableName: api.Ptr(name), CapacityUnits: api.Ptr(301.0)}}, nil
			}); err != nil {
				t.Fatal(err)
			}
			items = append(items, api.TransactWriteItem{Put: &api.Put{TableName: api.Ptr(name)}},
				api.TransactWriteItem{Delete: &api.Delete{TableName: api.Ptr(db.tableArn(name))}})
		}
		rec.events = nil
		_, err = db.Meter(context.Background(), &api.TransactWriteItemsInput{TransactItems: items}, func(context.Context) (any, error) {
			t.Fatal("a throttled transaction ran")
			return nil, nil
		})
		if !errors.Is(err, apierr.TransactionCanceledException) {
			t.Fatalf("%d tables: got %v, want TransactionCanceledException", n, err)
		}
		if len(rec.events) != n {
			t.Errorf("%d tables: observer saw %v, want one throttle per table", n, rec.events)
		}
	}
}

// Without throttling, Meter still reports what requests consume, and
// neither refuses them nor reads the clock for buckets nothing checks.
func TestMeterWithoutThrottling(t *testing.T) {
	rec := &recorder{}
	clockReads := 0
	now := func() time.Time { clockReads++; return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	db, err := Open(context.Background(), newTablesStore(t), Options{Observer: rec, TTLInterval: -1, NoThrottle: true, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	mustCreate(t, db, hashTable("music", 1))
	rec.events, clockReads = nil, 0
	spend := func(context.Context) (any, error) {
		return &api.PutItemOutput{ConsumedCapacity: &api.ConsumedCapacity{TableName: api.Ptr("music"), CapacityUnits: api.Ptr(301.0)}}, nil
	}
	for range 3 { // three times the table's whole burst
		if _, err := db.Meter(context.Background(), &api.PutItemInput{TableName: api.Ptr("music")}, spend); err != nil {
			t.Fatal(err)
		}
	}
	want := "[capacity music/ r=0 w=301 capacity music/ r=0 w=301 capacity music/ r=0 w=301]"
	if fmt.Sprint(rec.events) != want {
		t.Errorf("observer saw %v, want %s", rec.events, want)
	}
	if clockReads != 0 {
		t.Errorf("Meter read the clock %d times", clockReads)
	}
}
