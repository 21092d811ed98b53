package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/dynago/dynago/dynagotest"
)

// TestNewOpsAgainstDynago prepares the tables of the new operations on an
// in-process Dynago (a stream table, a PITR table, each loaded as -table
// is) and runs each workload for a short window: every request must
// succeed, PartiQL must find the item GetItem finds, and GetRecords must
// read records, more than one page of them, renewing its iterator.
func TestNewOpsAgainstDynago(t *testing.T) {
	db := dynagotest.New(t)
	cfg := LoadConfig{Concurrency: 2, Duration: 300 * time.Millisecond, Warmup: 50 * time.Millisecond,
		ItemSize: defaultItemSize, Keys: 1500, Table: "bench_t", Client: "lean", Seed: 1}
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
	for _, wl := range wls {
		r := b.RunWorkload(ctx, targetDynagoMem, wl, 0)
		if r.Requests == 0 || r.Errors > 0 {
			t.Errorf("%s: %d requests, %d errors (first %v)", wl.Name, r.Requests, r.Errors, r.FirstErr)
			continue
		}
		switch wl.Name {
		case "get", "partiql", "put", "put-stream", "put-pitr":
			if r.Items != r.Requests {
				t.Errorf("%s: %d items in %d requests, want one each", wl.Name, r.Items, r.Requests)
			}
		case "getrecords":
			// 1500 loaded writes: a full page, a partial one, then an
			// empty one that sends the reader back to TRIM_HORIZON.
			if r.Items <= getRecordsLimit || r.Items > r.Requests*getRecordsLimit {
				t.Errorf("getrecords: %d records in %d calls", r.Items, r.Requests)
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
