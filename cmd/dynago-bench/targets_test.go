package main

import (
	"strings"
	"testing"
	"time"
)

// fakeResult is a clean 1 s run of target on workload with reqs requests,
// all of latency lat.
func fakeResult(target, workload string, reqs uint64, lat time.Duration) *Result {
	r := &Result{Target: target, Workload: workload, Clients: defaultConcurrency, Elapsed: time.Second,
		Requests: reqs, Items: reqs, Latency: NewHistogram()}
	for range 100 {
		r.Latency.RecordDuration(lat)
	}
	return r
}

// goalNameBaseline is the name of the GetItem vs bare server target.
const goalNameBaseline = "GetItem vs bare Go HTTP server (the faster baseline)"

func findGoal(goals []Goal, name string) Goal {
	for _, g := range goals {
		if g.Name == name {
			return g
		}
	}
	return Goal{Status: "missing"}
}

func TestGoals(t *testing.T) {
	ms := time.Millisecond
	full := func() *Summary {
		s := NewSummary()
		for _, r := range []*Result{
			fakeResult(targetDynalite, "get", 10000, 3*ms),
			fakeResult(targetDynalite, "put", 8000, 3*ms),
			fakeResult(targetDynalite, "update", 6000, 3*ms),
			fakeResult(targetDynalite, "query", 2000, 8*ms),
			fakeResult(targetBaseline, "get", 30000, ms),
			fakeResult(targetDynagoMem, "get", 20000, ms),    // 2.0x dynalite, 0.667 of baseline
			fakeResult(targetDynagoMem, "put", 20000, ms),    // 2.5x
			fakeResult(targetDynagoMem, "update", 14000, ms), // 2.33x
			fakeResult(targetDynagoMem, "query", 10000, ms),  // 5x
			fakeResult(targetDynagoDurable, "put", 7999, ms), // just under 1x
		} {
			s.Add(r)
		}
		s.Startup[targetDynagoMem] = 12 * ms
		s.IdleRSS[targetDynagoMem] = 30 << 20
		return s
	}
	tests := []struct {
		name   string
		mutate func(*Summary)
		want   map[string]string
		// gotHas holds text a goal's Got must contain.
		gotHas map[string]string
	}{
		{
			name:   "figures as given",
			gotHas: map[string]string{goalNameBaseline: "of baseline ("},
			want: map[string]string{
				"GetItem vs dynalite":                           statusMet,
				goalNameBaseline:                                statusMet,
				"PutItem vs dynalite":                           statusMet, // exactly at 2.5x counts
				"UpdateItem vs dynalite":                        statusNotMet,
				"Query vs dynalite":                             statusMet,
				"durable PutItem vs dynalite in-memory PutItem": statusNotMet,
				"p99 at 16 clients (dynago-mem get/put/update/query, worst)": statusMet,
				"start-up to first answered request (dynago-mem)":            statusMet,
				"idle RSS (dynago-mem)":                                      statusNotMet,
				"Query p50 with 10^6 items vs 10^4":                          statusNotMeasured,
			},
		},
		{
			name: "a slow query p99 fails the latency target",
			mutate: func(s *Summary) {
				s.Add(fakeResult(targetDynagoMem, "query", 10000, 3*ms))
			},
			want: map[string]string{"p99 at 16 clients (dynago-mem get/put/update/query, worst)": statusNotMet},
		},
		{
			name: "a run with errors is not a figure",
			mutate: func(s *Summary) {
				r := fakeResult(targetDynagoMem, "get", 50000, ms)
				r.Errors = 3
				s.Add(r)
			},
			want: map[string]string{
				"GetItem vs dynalite": statusNotMeasured,
				goalNameBaseline:      statusNotMeasured,
			},
		},
		{
			name: "missing dynalite leaves ratios unmeasured",
			mutate: func(s *Summary) {
				delete(s.Results, targetDynalite)
			},
			want: map[string]string{
				"PutItem vs dynalite":                           statusNotMeasured,
				"durable PutItem vs dynalite in-memory PutItem": statusNotMeasured,
				goalNameBaseline:                                statusMet,
			},
		},
		{
			name: "a faster fasthttp baseline is the one judged",
			mutate: func(s *Summary) {
				s.Add(fakeResult(targetBaselineFast, "get", 32000, ms)) // dynago-mem at 0.625
			},
			want:   map[string]string{goalNameBaseline: statusNotMet},
			gotHas: map[string]string{goalNameBaseline: "0.62x of baseline-fasthttp (20000 vs 32000 req/s)"},
		},
		{
			name: "a slower fasthttp baseline leaves net/http's as the judge",
			mutate: func(s *Summary) {
				s.Add(fakeResult(targetBaselineFast, "get", 25000, ms))
			},
			want:   map[string]string{goalNameBaseline: statusMet},
			gotHas: map[string]string{goalNameBaseline: "of baseline (20000 vs 30000"},
		},
		{
			name: "a baseline run with errors does not judge",
			mutate: func(s *Summary) {
				r := fakeResult(targetBaselineFast, "get", 90000, ms)
				r.Errors = 1
				s.Add(r)
			},
			want:   map[string]string{goalNameBaseline: statusMet},
			gotHas: map[string]string{goalNameBaseline: "of baseline ("},
		},
		{
			name: "only the fasthttp baseline ran",
			mutate: func(s *Summary) {
				delete(s.Results, targetBaseline)
				s.Add(fakeResult(targetBaselineFast, "get", 30000, ms))
			},
			want:   map[string]string{goalNameBaseline: statusMet},
			gotHas: map[string]string{goalNameBaseline: "of baseline-fasthttp"},
		},
		{
			name: "no baseline ran",
			mutate: func(s *Summary) {
				delete(s.Results, targetBaseline)
			},
			want: map[string]string{goalNameBaseline: statusNotMeasured},
		},
		{
			name: "scale within and beyond 1.2x",
			mutate: func(s *Summary) {
				s.Scale = &ScaleResult{SmallItems: 1e4, LargeItems: 1e6,
					Small: fakeResult("s", "query", 100, 1000*time.Microsecond),
					Large: fakeResult("l", "query", 100, 1190*time.Microsecond)}
			},
			want: map[string]string{"Query p50 with 10^6 items vs 10^4": statusMet},
		},
		{
			name: "scale beyond 1.2x",
			mutate: func(s *Summary) {
				s.Scale = &ScaleResult{SmallItems: 1e4, LargeItems: 1e6,
					Small: fakeResult("s", "query", 100, 1000*time.Microsecond),
					Large: fakeResult("l", "query", 100, 1300*time.Microsecond)}
			},
			want: map[string]string{"Query p50 with 10^6 items vs 10^4": statusNotMet},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := full()
			if tt.mutate != nil {
				tt.mutate(s)
			}
			goals := s.Goals()
			for name, want := range tt.want {
				if got := findGoal(goals, name).Status; got != want {
					t.Errorf("%s: %s, want %s", name, got, want)
				}
			}
			for name, want := range tt.gotHas {
				if got := findGoal(goals, name).Got; !strings.Contains(got, want) {
					t.Errorf("%s: got %q, want it to contain %q", name, got, want)
				}
			}
		})
	}
}

func TestMedianResult(t *testing.T) {
	rs := []*Result{
		fakeResult("x", "get", 300, time.Millisecond),
		fakeResult("x", "get", 100, time.Millisecond),
		fakeResult("x", "get", 200, time.Millisecond),
	}
	if got := medianResult(rs); got.Requests != 200 {
		t.Errorf("median of 100, 200, 300 req/s = %d", got.Requests)
	}
}
