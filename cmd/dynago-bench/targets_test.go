package main

import (
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

func goalStatus(goals []Goal, name string) string {
	for _, g := range goals {
		if g.Name == name {
			return g.Status
		}
	}
	return "missing"
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
	}{
		{
			name: "figures as given",
			want: map[string]string{
				"GetItem vs dynalite":                                        statusMet,
				"GetItem vs bare Go HTTP server":                             statusMet,
				"PutItem vs dynalite":                                        statusMet, // exactly at 2.5x counts
				"UpdateItem vs dynalite":                                     statusNotMet,
				"Query vs dynalite":                                          statusMet,
				"durable PutItem vs dynalite in-memory PutItem":              statusNotMet,
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
				"GetItem vs dynalite":            statusNotMeasured,
				"GetItem vs bare Go HTTP server": statusNotMeasured,
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
				"GetItem vs bare Go HTTP server":                statusMet,
			},
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
				if got := goalStatus(goals, name); got != want {
					t.Errorf("%s: %s, want %s", name, got, want)
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
