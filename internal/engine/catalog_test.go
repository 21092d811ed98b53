package engine

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/kv"
)

func TestDescribeTableNotFound(t *testing.T) {
	db, _ := newTablesDB(t)
	mustCreate(t, db, hashTable("here", 0))
	for _, name := range []string{"nope", "arn:aws:dynamodb:us-east-1:123456789012:table/here", "arn:aws:dynamodb:us-east-1:000000000000:table/here/index/x"} {
		_, err := db.DescribeTable(context.Background(), &api.DescribeTableInput{TableName: api.Ptr(name)})
		wantAPIErr(t, err, apierr.ResourceNotFoundException, "Requested resource not found: Table: "+name+" not found")
	}
	// The item operations' lookup words it without the name.
	_, err := db.table(context.Background(), "nope")
	wantAPIErr(t, err, apierr.ResourceNotFoundException, "Requested resource not found")
	// An ARN of this server finds the table.
	tb, err := db.table(context.Background(), "arn:aws:dynamodb:us-east-1:000000000000:table/here")
	if err != nil || tb.Name != "here" || tb.Hash != (KeyAttr{"id", attr.TypeS}) || tb.Range.Name != "" {
		t.Fatalf("table by ARN = %+v, %v", tb, err)
	}
}

func TestDescribeTableStats(t *testing.T) {
	db, clock := newTablesDB(t)
	mustCreate(t, db, hashTable("stats", 0))
	for i := range 3 {
		if _, err := db.PutItem(context.Background(), &api.PutItemInput{TableName: api.Ptr("stats"),
			Item: attr.Item{"id": attr.String(fmt.Sprint("item", i)), "v": attr.String("0123456789")}}); err != nil {
			t.Fatal(err)
		}
	}
	// A small table's figures are live.
	d := mustDescribe(t, db, "stats")
	if api.Int(d.ItemCount, -1) != 3 || api.Int(d.TableSizeBytes, -1) != 3*(2+5+1+10) {
		t.Fatalf("ItemCount, TableSizeBytes = %d, %d; want 3, 54", api.Int(d.ItemCount, -1), api.Int(d.TableSizeBytes, -1))
	}

	// With every scan cached (as a big table's are), the figures are
	// reused for statsTTL.
	db.cat.stats.mu.Lock()
	db.cat.stats.cacheAbove = 0
	db.cat.stats.mu.Unlock()
	mustDescribe(t, db, "stats")
	if _, err := db.PutItem(context.Background(), &api.PutItemInput{TableName: api.Ptr("stats"), Item: attr.Item{"id": attr.String("more")}}); err != nil {
		t.Fatal(err)
	}
	clock.advance(statsTTL - time.Millisecond)
	if n := api.Int(mustDescribe(t, db, "stats").ItemCount, -1); n != 3 {
		t.Fatalf("ItemCount within statsTTL = %d, want the cached 3", n)
	}
	clock.advance(time.Millisecond)
	if n := api.Int(mustDescribe(t, db, "stats").ItemCount, -1); n != 4 {
		t.Fatalf("ItemCount after statsTTL = %d, want 4", n)
	}
}

func TestListTables(t *testing.T) {
	db, _ := newTablesDB(t)
	ctx := context.Background()
	out, err := db.ListTables(ctx, &api.ListTablesInput{})
	if err != nil || out.TableNames == nil || len(out.TableNames) != 0 || out.LastEvaluatedTableName != nil {
		t.Fatalf("ListTables on no tables = %+v, %v; want an empty list", out, err)
	}
	names := []string{"b-table", "a.table", "C_table", "abc", "a-table"}
	for _, n := range names {
		mustCreate(t, db, hashTable(n, 0))
	}
	sorted := []string{"C_table", "a-table", "a.table", "abc", "b-table"} // byte order
	tests := []struct {
		start *string
		limit *int64
		want  []string
		last  string
	}{
		{nil, nil, sorted, ""},
		{nil, api.Ptr[int64](100), sorted, ""},
		{nil, api.Ptr[int64](5), sorted, ""},
		{nil, api.Ptr[int64](2), sorted[:2], "a-table"},
		{api.Ptr("a-table"), api.Ptr[int64](2), sorted[2:4], "abc"},
		{api.Ptr("abc"), api.Ptr[int64](2), sorted[4:], ""},
		{api.Ptr("aaa"), nil, sorted[3:], ""}, // need not exist
		{api.Ptr("zzz"), nil, []string{}, ""}, // after the last
		{api.Ptr("b-table"), api.Ptr[int64](1), []string{}, ""},
	}
	for _, tc := range tests {
		out, err := db.ListTables(ctx, &api.ListTablesInput{ExclusiveStartTableName: tc.start, Limit: tc.limit})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(out.TableNames) != fmt.Sprint(tc.want) || api.Str(out.LastEvaluatedTableName) != tc.last {
			t.Errorf("ListTables(start %v, limit %v) = %v, %q; want %v, %q", api.Str(tc.start), api.Int(tc.limit, 0),
				out.TableNames, api.Str(out.LastEvaluatedTableName), tc.want, tc.last)
		}
	}
	_, err = db.ListTables(ctx, &api.ListTablesInput{Limit: api.Ptr[int64](0)})
	wantAPIErr(t, err, apierr.ValidationException, "1 validation error detected: Value at 'Limit' failed to satisfy constraint: Member must have value greater than or equal to 1")
	_, err = db.ListTables(ctx, &api.ListTablesInput{Limit: api.Ptr[int64](101)})
	wantAPIErr(t, err, apierr.ValidationException, "1 validation error detected: Value at 'Limit' failed to satisfy constraint: Member must have value less than or equal to 100")
}

func TestDeleteTable(t *testing.T) {
	db, clock := newTablesDB(t)
	ctx := context.Background()
	created := mustCreate(t, db, hashTable("gone", 2))
	old := db.lookup("gone").table
	for i := range 10 {
		if _, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("gone"), Item: attr.Item{"id": attr.String(fmt.Sprint(i))}}); err != nil {
			t.Fatal(err)
		}
	}
	clock.advance(statsTTL)
	out, err := db.DeleteTable(ctx, &api.DeleteTableInput{TableName: api.Ptr("gone")})
	if err != nil {
		t.Fatal(err)
	}
	d := out.TableDescription
	if api.Str(d.TableStatus) != api.TableStatusDeleting || api.Int(d.ItemCount, -1) != 10 || api.Str(d.TableId) != api.Str(created.TableId) {
		t.Fatalf("DeleteTable description = %s", jsonOf(t, d))
	}
	_, err = db.DescribeTable(ctx, &api.DescribeTableInput{TableName: api.Ptr("gone")})
	wantAPIErr(t, err, apierr.ResourceNotFoundException, "Requested resource not found: Table: gone not found")
	_, err = db.DeleteTable(ctx, &api.DeleteTableInput{TableName: api.Ptr("gone")})
	wantAPIErr(t, err, apierr.ResourceNotFoundException, "Requested resource not found: Table: gone not found")
	_, err = db.GetItem(ctx, &api.GetItemInput{TableName: api.Ptr("gone"), Key: attr.Item{"id": attr.String("1")}})
	wantAPIErr(t, err, apierr.ResourceNotFoundException, "Requested resource not found")

	// The data is dropped in the background, and the drop job with it.
	db.waitJobs(t)
	if n, _, err := db.tableStats(ctx, old); err != nil || n != 0 {
		t.Fatalf("deleted table still holds %d items (%v)", n, err)
	}
	if pending, err := db.pendingJobs(ctx); err != nil || hasJob(pending, jobTableDrop) {
		t.Fatalf("drop job still present: %v %v", pending, err)
	}

	// A new table of the same name gets a new id and starts empty.
	recreated := mustCreate(t, db, hashTable("gone", 0))
	if nt := db.lookup("gone").table; nt.ID == old.ID || api.Str(recreated.TableId) == api.Str(created.TableId) {
		t.Fatalf("recreated table reuses id %d / TableId %s", nt.ID, api.Str(recreated.TableId))
	}
	clock.advance(statsTTL)
	if n := api.Int(mustDescribe(t, db, "gone").ItemCount, -1); n != 0 {
		t.Fatalf("recreated table has %d items", n)
	}
}

func TestDeleteTableProtected(t *testing.T) {
	db, _ := newTablesDB(t)
	ctx := context.Background()
	in := hashTable("keep", 0)
	in.DeletionProtectionEnabled = api.Ptr(true)
	mustCreate(t, db, in)
	_, err := db.DeleteTable(ctx, &api.DeleteTableInput{TableName: api.Ptr("keep")})
	wantAPIErr(t, err, apierr.ValidationException, "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.")
	mustDescribe(t, db, "keep")
	updateInPlace(t, db, &api.UpdateTableInput{TableName: api.Ptr("keep"), DeletionProtectionEnabled: api.Ptr(false)})
	if _, err := db.DeleteTable(ctx, &api.DeleteTableInput{TableName: api.Ptr("keep")}); err != nil {
		t.Fatal(err)
	}
}

// TestCatalogReopen reopens the engine over the same store: every table,
// setting and id survives, and new ids continue after the old ones.
func TestCatalogReopen(t *testing.T) {
	ctx := context.Background()
	st := newTablesStore(t)
	clock := &tblClock{t: tblEpoch}
	db := openTablesDB(t, st, clock)
	mustCreate(t, db, hashTable("one", 1))
	two := hashTable("two", 0)
	two.TableClass = api.Ptr(api.TableClassStandard)
	mustCreate(t, db, two)
	mustCreate(t, db, hashTable("three", 0))
	update(t, db, &api.UpdateTableInput{TableName: api.Ptr("one"), ProvisionedThroughput: throughput(1, 2)})
	if _, err := db.DeleteTable(ctx, &api.DeleteTableInput{TableName: api.Ptr("three")}); err != nil {
		t.Fatal(err)
	}
	db.waitJobs(t)
	before := jsonOf(t, []*api.TableDescription{mustDescribe(t, db, "one"), mustDescribe(t, db, "two")})
	maxID := db.lookup("two").table.ID + 1 // "three" had the last id

	db2 := openTablesDB(t, st, clock)
	out, err := db2.ListTables(ctx, &api.ListTablesInput{})
	if err != nil || fmt.Sprint(out.TableNames) != "[one two]" {
		t.Fatalf("tables after reopen = %v, %v", out.TableNames, err)
	}
	if after := jsonOf(t, []*api.TableDescription{mustDescribe(t, db2, "one"), mustDescribe(t, db2, "two")}); after != before {
		t.Fatalf("descriptions after reopen:\n%s\nbefore:\n%s", after, before)
	}
	for _, name := range []string{"one", "two"} {
		if a, b := db.lookup(name).table, db2.lookup(name).table; !reflect.DeepEqual(a, b) {
			t.Fatalf("table %s after reopen = %+v, was %+v", name, b, a)
		}
	}
	mustCreate(t, db2, hashTable("four", 0))
	if id := db2.lookup("four").table.ID; id != maxID+1 {
		t.Fatalf("new table id after reopen = %d, want %d", id, maxID+1)
	}
}

// TestDropResumes simulates a crash between DeleteTable's commit and the
// end of its background drop: the next Open finishes the drop.
func TestDropResumes(t *testing.T) {
	ctx := context.Background()
	st := newTablesStore(t)
	clock := &tblClock{t: tblEpoch}
	db := openTablesDB(t, st, clock)
	mustCreate(t, db, hashTable("crashy", 0))
	e := db.lookup("crashy")
	for i := range 5 {
		if _, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("crashy"), Item: attr.Item{"id": attr.String(fmt.Sprint(i))}}); err != nil {
			t.Fatal(err)
		}
	}
	// What DeleteTable commits, without its background drop.
	job, err := encodeRecord(e.rec)
	if err != nil {
		t.Fatal(err)
	}
	legacy := fmt.Appendf(nil, "%s%016x", legacyDropPrefix, e.table.ID) // as builds before the job runner wrote it
	err = st.Update(ctx, [][]byte{catalogKey("crashy"), legacy}, func(txn kv.Txn) error {
		if err := txn.Delete(catalogKey("crashy")); err != nil {
			return err
		}
		if err := bumpCatalogVersion(ctx, txn, "crashy"); err != nil {
			return err
		}
		return txn.Set(legacy, job)
	})
	if err != nil {
		t.Fatal(err)
	}

	db2 := openTablesDB(t, st, clock)
	db2.waitJobs(t)
	if db2.lookup("crashy") != nil {
		t.Fatal("deleted table back after reopen")
	}
	if n, _, err := db2.tableStats(ctx, e.table); err != nil || n != 0 {
		t.Fatalf("resumed drop left %d items (%v)", n, err)
	}
	if _, err := st.Get(ctx, legacy); err != kv.ErrNotFound {
		t.Fatalf("legacy drop job still present after the resumed drop: %v", err)
	}
	if pending, err := db2.pendingJobs(ctx); err != nil || hasJob(pending, jobTableDrop) {
		t.Fatalf("drop job still present after the resumed drop: %v %v", pending, err)
	}
}

// TestTableOpsConcurrent runs creates, deletes, updates and lookups of a
// few names at once; run it with -race. Afterwards the cache must equal what
// a fresh Open reads from the store.
func TestTableOpsConcurrent(t *testing.T) {
	ctx := context.Background()
	st := newTablesStore(t)
	clock := &tblClock{t: tblEpoch}
	db := openTablesDB(t, st, clock)
	names := []string{"cc0", "cc1", "cc2"}
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 30 {
				name := names[(w+i)%len(names)]
				var err error
				switch (w + i) % 4 {
				case 0:
					_, err = db.CreateTable(ctx, hashTable(name, 1))
				case 1:
					_, err = db.DeleteTable(ctx, &api.DeleteTableInput{TableName: api.Ptr(name)})
				case 2:
					_, err = db.UpdateTable(ctx, &api.UpdateTableInput{TableName: api.Ptr(name), ProvisionedThroughput: throughput(int64(i+2), 1)})
				case 3:
					_, err = db.DescribeTable(ctx, &api.DescribeTableInput{TableName: api.Ptr(name)})
					db.table(ctx, name)
					db.ListTables(ctx, &api.ListTablesInput{})
				}
				if e := apierr.As(err); err != nil && (e == nil || (e.Code != apierr.ResourceInUseException &&
					e.Code != apierr.ResourceNotFoundException && e.Code != apierr.ValidationException)) {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	db.waitJobs(t)
	db2 := openTablesDB(t, st, clock)
	for _, name := range names {
		a, b := db.lookup(name), db2.lookup(name)
		if (a == nil) != (b == nil) || (a != nil && (!reflect.DeepEqual(a.table, b.table) || jsonOf(t, a.rec) != jsonOf(t, b.rec))) {
			t.Fatalf("cache and store disagree on %s", name)
		}
	}
}

func TestDescribeEndpoints(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		opts Options
		want string
	}{
		{Options{}, "dynamodb.us-east-1.amazonaws.com"},
		{Options{Region: "eu-west-3"}, "dynamodb.eu-west-3.amazonaws.com"},
		{Options{Endpoint: "localhost:8000"}, "localhost:8000"},
	} {
		db, err := Open(ctx, newTablesStore(t), tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() }) // before its store closes
		out, err := db.DescribeEndpoints(ctx, &api.DescribeEndpointsRequest{})
		if err != nil || len(out.Endpoints) != 1 || api.Str(out.Endpoints[0].Address) != tc.want || api.Int(out.Endpoints[0].CachePeriodInMinutes, 0) != 1440 {
			t.Fatalf("DescribeEndpoints(%+v) = %s, %v", tc.opts, jsonOf(t, out), err)
		}
	}
}

func TestResolveTableName(t *testing.T) {
	db := &DB{opts: Options{Region: "us-east-1", AccountID: "000000000000"}}
	for in, want := range map[string]string{
		"plain": "plain",
		"arn:aws:dynamodb:us-east-1:000000000000:table/Music":         "Music",
		"arn:aws:dynamodb:us-west-2:000000000000:table/Music":         "",
		"arn:aws:dynamodb:us-east-1:000000000001:table/Music":         "",
		"arn:aws:s3:us-east-1:000000000000:table/Music":               "",
		"arn:aws:dynamodb:us-east-1:000000000000:table/":              "",
		"arn:aws:dynamodb:us-east-1:000000000000:Music":               "",
		"arn:aws:dynamodb:us-east-1:000000000000:table/M/stream/2026": "",
	} {
		got, ok := db.resolveTableName(in)
		if got != want || ok != (want != "") {
			t.Errorf("resolveTableName(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func BenchmarkTableLookup(b *testing.B) {
	db, _ := newTablesDB(b)
	for i := range 100 {
		mustCreate(b, db, hashTable(fmt.Sprintf("bench%03d", i), 0))
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := db.table(ctx, "bench042"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDescribeTable(b *testing.B) {
	db, _ := newTablesDB(b)
	mustCreate(b, db, hashTable("bench", 5))
	ctx := context.Background()
	in := &api.DescribeTableInput{TableName: api.Ptr("bench")}
	for b.Loop() {
		if _, err := db.DescribeTable(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzCatalogRecord feeds arbitrary bytes to the catalog record decoder: a
// corrupt record must be an error at Open, never a panic.
func FuzzCatalogRecord(f *testing.F) {
	db := &DB{opts: Options{Region: "us-east-1", AccountID: "000000000000", Now: func() time.Time { return tblEpoch }}}
	valid := db.newTableRecord("fuzz", hashTable("fuzz", 3), tblEpoch)
	valid.ID = 7
	b, err := encodeRecord(valid)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"format":1,"id":1,"desc":{"TableName":"x","KeySchema":[{"AttributeName":"k","KeyType":"HASH"}]}}`))
	f.Add([]byte(`{"format":99}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := decodeRecord(b)
		if err != nil {
			return
		}
		if e, err := newEntry(rec); err == nil {
			if e.table.Name == "" || e.table.ID == 0 || e.table.Hash.Name == "" || e.table.Hash.Type == attr.TypeInvalid {
				t.Fatalf("newEntry accepted an unusable table: %+v", e.table)
			}
			db.describe(e, api.TableStatusActive, 0, 0)
		}
	})
}
