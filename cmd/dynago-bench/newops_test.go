package main

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/dynago/dynago/dynagotest"
)

// TestNewOpsAgainstDynago prepares the tables of the new operations on an
// in-process Dynago (a stream table, a PITR table, each loaded as -table
// is) and sends each workload's requests: every one must succeed, PartiQL
// must find the item GetItem finds, and GetRecords must page through the
// loaded writes, then start again from TRIM_HORIZON once it has caught up.
func TestNewOpsAgainstDynago(t *testing.T) {
	db := dynagotest.New(t)
	const keys = 1500
	cfg := LoadConfig{Concurrency: 2, Duration: time.Second, Warmup: 0,
		ItemSize: defaultItemSize, Keys: keys, Table: "bench_t", Client: "lean", Seed: 1}
	b, err := NewBench(cfg, db.URL(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	wls, err := ParseWorkloads("get,partiql,getrecords,put,put-stream,put-pitr")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := b.Prepare(ctx, wls); err != nil {
		t.Fatal(err)
	}
	if s := b.enc.Stream(); s.ARN == "" || len(s.Shards) == 0 {
		t.Fatalf("stream not read: %+v", s)
	}

	// GetRecords first, while the stream holds the load's writes only.
	w := b.load.NewWorker()
	getRecords := func() int {
		t.Helper()
		n, err := w.Do(ctx, Op{Kind: OpGetRecords, Table: TableStream})
		if err != nil {
			t.Fatal(err)
		}
		if n > getRecordsLimit {
			t.Fatalf("a GetRecords page of %d records, above its Limit", n)
		}
		return n
	}
	read, pages := 0, 0
	for n := getRecords(); n > 0; n = getRecords() {
		read += n
		if pages++; pages > keys {
			t.Fatal("GetRecords never caught up")
		}
	}
	if read != keys || pages < 2 {
		t.Errorf("read %d records in %d pages before an empty one, want the %d loaded writes in 2 or more", read, pages, keys)
	}
	if n := getRecords(); n == 0 {
		t.Error("after an empty page, GetRecords did not start again from TRIM_HORIZON")
	}

	rng := rand.New(rand.NewPCG(3, 4))
	ks := Keyspace{Items: keys}
	for _, wl := range wls {
		if wl.Name == "getrecords" {
			continue
		}
		for range 50 {
			op := wl.Next(rng, ks)
			n, err := w.Do(ctx, op)
			if err != nil {
				t.Fatalf("%s: %v", wl.Name, err)
			}
			if n != 1 {
				t.Fatalf("%s of item %d counted %d items, want 1", wl.Name, op.Item, n)
			}
		}
	}

	// A stream of its own was asked for on the stream table only, and
	// PITR on the PITR table only.
	for k, want := range map[TableKind][2]bool{TableMain: {false, false}, TableStream: {true, false}, TablePITR: {false, true}} {
		var d tableDesc
		name := b.enc.TableName(k)
		if err := b.setup.Call(ctx, "DescribeTable", map[string]any{"TableName": name}, &d); err != nil {
			t.Fatal(err)
		}
		var cb struct {
			ContinuousBackupsDescription struct {
				PointInTimeRecoveryDescription struct{ PointInTimeRecoveryStatus string }
			}
		}
		if err := b.setup.Call(ctx, "DescribeContinuousBackups", map[string]any{"TableName": name}, &cb); err != nil {
			t.Fatal(err)
		}
		pitr := cb.ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus == "ENABLED"
		if got := [2]bool{d.Table.LatestStreamArn != "", pitr}; got != want {
			t.Errorf("%s: stream, PITR = %v, want %v", name, got, want)
		}
	}
}

func TestNewOpGoals(t *testing.T) {
	us := time.Microsecond
	res := func(target, workload string, reqs uint64, cpuPerReq time.Duration) *Result {
		r := fakeResult(target, workload, reqs, time.Millisecond)
		r.ServerCPU = time.Duration(reqs) * cpuPerReq
		return r
	}
	tests := []struct {
		name    string
		results []*Result
		want    [3]string
	}{
		{"none ran", nil, [3]string{statusNotMeasured, statusNotMeasured, statusNotMeasured}},
		{"all within", []*Result{
			res(targetDynagoMem, "get", 1000, 20*us),
			res(targetDynagoMem, "partiql", 900, 24*us), // 1.20x
			res(targetDynagoDurable, "put", 1000, 60*us),
			res(targetDynagoDurable, "put-stream", 1000, 69*us), // 1.15x
			res(targetDynagoDurable, "put-pitr", 1000, 66*us),
		}, [3]string{statusMet, statusMet, statusMet}},
		{"all over", []*Result{
			res(targetDynagoMem, "get", 1000, 20*us),
			res(targetDynagoMem, "partiql", 900, 25*us),
			res(targetDynagoDurable, "put", 1000, 60*us),
			res(targetDynagoDurable, "put-stream", 1000, 70*us),
			res(targetDynagoDurable, "put-pitr", 1000, 90*us),
		}, [3]string{statusNotMet, statusNotMet, statusNotMet}},
		{"judged on the right server", []*Result{
			// In-memory puts and a durable PartiQL do not count.
			res(targetDynagoDurable, "get", 1000, 20*us),
			res(targetDynagoDurable, "partiql", 900, 24*us),
			res(targetDynagoMem, "put", 1000, 60*us),
			res(targetDynagoMem, "put-stream", 1000, 69*us),
		}, [3]string{statusNotMeasured, statusNotMeasured, statusNotMeasured}},
		{"no server CPU known", []*Result{
			fakeResult(targetDynagoMem, "get", 1000, time.Millisecond),
			fakeResult(targetDynagoMem, "partiql", 1000, time.Millisecond),
		}, [3]string{statusNotMeasured, statusNotMeasured, statusNotMeasured}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewSummary()
			for _, r := range tt.results {
				s.Add(r)
			}
			goals := s.NewOpGoals()
			for i, g := range goals {
				if g.Status != tt.want[i] {
					t.Errorf("%s: %s (%s), want %s", g.Name, g.Status, g.Got, tt.want[i])
				}
			}
		})
	}
}

func TestPrintNewOps(t *testing.T) {
	s := NewSummary()
	for _, r := range []*Result{
		fakeResult(targetDynagoMem, "get", 1000, time.Millisecond),
		fakeResult(targetDynagoMem, "partiql", 800, time.Millisecond),
		fakeResult(targetDynagoMem, "getrecords", 100, time.Millisecond),
	} {
		s.Add(r)
	}
	s.Results[targetDynagoMem]["get"].ServerCPU = 20 * time.Millisecond     // 20 µs a request
	s.Results[targetDynagoMem]["partiql"].ServerCPU = 20 * time.Millisecond // 25 µs
	g := s.Results[targetDynagoMem]["getrecords"]
	g.Items, g.ServerCPU = 100_000, 50*time.Millisecond // 500 µs a call, 0.5 a record
	var out bytes.Buffer
	printNewOps(&out, s, []ServerSpec{{Name: targetDynalite}, {Name: targetDynagoMem}})
	for _, want := range []string{"25.0 vs 20.0", "1.25x", "800 vs 1000", "0.80x", "500.0 per call, 0.50 per record", "100000 records/s"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), targetDynalite) {
		t.Errorf("report has a dynalite row:\n%s", out.String())
	}
}
