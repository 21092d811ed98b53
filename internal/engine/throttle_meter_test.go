package engine

import (
	"context"
	"fmt"
	"sync"
	"testing"

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
