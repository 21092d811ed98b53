package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// Names of the servers a comparison runs, as reports show them.
const (
	targetDynalite      = "dynalite"
	targetBaseline      = "baseline"
	targetBaselineFast  = "baseline-fasthttp"
	targetDynagoMem     = "dynago-mem"
	targetDynagoDurable = "dynago-durable"
	targetMoto          = "moto"
)

// The performance targets of issue 7.
const (
	goalGetVsDynalite     = 1.8
	goalGetVsBaseline     = 0.65
	goalWriteVsDynalite   = 2.5
	goalQueryVsDynalite   = 5.0
	goalDurablePutVsMem   = 1.0
	goalP99               = 2 * time.Millisecond
	goalStartup           = 20 * time.Millisecond
	goalIdleRSS           = 25 << 20 // bytes
	goalScaleLatencyRatio = 1.2
)

// baselineTargets are the fixed-body servers, net/http's and fasthttp's.
var baselineTargets = []string{targetBaseline, targetBaselineFast}

// isBaseline reports whether target is one of the fixed-body servers,
// which answer every request alike and so need no table.
func isBaseline(target string) bool {
	return target == targetBaseline || target == targetBaselineFast
}

// p99Workloads are the single-item and single-partition workloads the p99
// target applies to; batch writes and 100-item scan pages carry 25 to 100
// times the work of one request and are reported, not judged.
var p99Workloads = []string{"get", "put", "update", "query"}

// Summary is what a comparison measured, keyed by server and workload.
type Summary struct {
	// Results holds the chosen (median) result per server and workload.
	Results map[string]map[string]*Result
	// Startup and IdleRSS hold each server's median start-up time and idle
	// resident set size; PeakRSS its largest RSS after a round's load.
	Startup map[string]time.Duration
	IdleRSS map[string]int64
	PeakRSS map[string]int64
	// Scale is the 10^4 vs 10^6 item Query comparison, when it ran.
	Scale *ScaleResult
}

// NewSummary returns an empty Summary.
func NewSummary() *Summary {
	return &Summary{
		Results: map[string]map[string]*Result{},
		Startup: map[string]time.Duration{},
		IdleRSS: map[string]int64{},
		PeakRSS: map[string]int64{},
	}
}

// Add records r as the result of its server and workload.
func (s *Summary) Add(r *Result) {
	if s.Results[r.Target] == nil {
		s.Results[r.Target] = map[string]*Result{}
	}
	s.Results[r.Target][r.Workload] = r
}

// result returns the result of target on workload if it ran cleanly: a
// run with errors is not a figure to compare.
func (s *Summary) result(target, workload string) (*Result, bool) {
	r, ok := s.Results[target][workload]
	if !ok || r.Requests == 0 || r.Errors > 0 {
		return nil, false
	}
	return r, true
}

// Goal is one target of issue 7 and whether this run met it.
type Goal struct {
	Name string
	Want string
	Got  string
	// Status is "met", "NOT met" or "not measured".
	Status string
}

// Goal statuses.
const (
	statusMet         = "met"
	statusNotMet      = "NOT met"
	statusNotMeasured = "not measured"
)

func verdict(ok bool) string {
	if ok {
		return statusMet
	}
	return statusNotMet
}

// ratioGoal judges target's throughput on workload against ref's on
// refWorkload.
func (s *Summary) ratioGoal(name, target, workload, ref, refWorkload string, want float64) Goal {
	g := Goal{Name: name, Want: fmt.Sprintf(">= %.2fx", want), Status: statusNotMeasured, Got: "-"}
	a, ok1 := s.result(target, workload)
	b, ok2 := s.result(ref, refWorkload)
	if !ok1 || !ok2 {
		return g
	}
	r := ratio(a.ReqPerSec(), b.ReqPerSec())
	g.Got = fmt.Sprintf("%.2fx (%.0f vs %.0f req/s)", r, a.ReqPerSec(), b.ReqPerSec())
	g.Status = verdict(r >= want)
	return g
}

// fastestBaseline returns the baseline server with the most req/s on
// workload among those that ran it cleanly, or "" when none did.
func (s *Summary) fastestBaseline(workload string) string {
	best, bestRate := "", 0.0
	for _, b := range baselineTargets {
		if r, ok := s.result(b, workload); ok && r.ReqPerSec() > bestRate {
			best, bestRate = b, r.ReqPerSec()
		}
	}
	return best
}

// baselineGoal judges GetItem against the faster of the bare Go HTTP
// servers that ran (net/http or fasthttp), so the judgement is the
// stricter one whichever library Dynago's server is built on; the row
// names the one it used.
func (s *Summary) baselineGoal() Goal {
	g := Goal{Name: "GetItem vs bare Go HTTP server (the faster baseline)", Want: fmt.Sprintf(">= %.2fx", goalGetVsBaseline), Got: "-", Status: statusNotMeasured}
	ref := s.fastestBaseline("get")
	a, ok := s.result(targetDynagoMem, "get")
	if ref == "" || !ok {
		return g
	}
	b := s.Results[ref]["get"]
	r := ratio(a.ReqPerSec(), b.ReqPerSec())
	g.Got = fmt.Sprintf("%.2fx of %s (%.0f vs %.0f req/s)", r, ref, a.ReqPerSec(), b.ReqPerSec())
	g.Status = verdict(r >= goalGetVsBaseline)
	return g
}

// Goals evaluates every target of issue 7 against what s measured.
func (s *Summary) Goals() []Goal {
	goals := []Goal{
		s.ratioGoal("GetItem vs dynalite", targetDynagoMem, "get", targetDynalite, "get", goalGetVsDynalite),
		s.baselineGoal(),
		s.ratioGoal("PutItem vs dynalite", targetDynagoMem, "put", targetDynalite, "put", goalWriteVsDynalite),
		s.ratioGoal("UpdateItem vs dynalite", targetDynagoMem, "update", targetDynalite, "update", goalWriteVsDynalite),
		s.ratioGoal("Query vs dynalite", targetDynagoMem, "query", targetDynalite, "query", goalQueryVsDynalite),
		s.ratioGoal("durable PutItem vs dynalite in-memory PutItem", targetDynagoDurable, "put", targetDynalite, "put", goalDurablePutVsMem),
	}

	p99 := Goal{Name: "p99 at 16 clients (dynago-mem get/put/update/query, worst)",
		Want: "<= " + fmtLatency(int64(goalP99)) + " ms", Got: "-", Status: statusNotMeasured}
	var worst *Result
	measured := 0
	for _, wl := range p99Workloads {
		if r, ok := s.result(targetDynagoMem, wl); ok {
			measured++
			if worst == nil || r.Latency.Percentile(99) > worst.Latency.Percentile(99) {
				worst = r
			}
		}
	}
	if worst != nil {
		v := worst.Latency.Percentile(99)
		p99.Got = fmt.Sprintf("%s ms (%s, %d clients)", fmtLatency(v), worst.Workload, worst.Clients)
		p99.Status = verdict(v <= int64(goalP99) && worst.Clients >= defaultConcurrency)
		if measured < len(p99Workloads) && p99.Status == statusMet {
			p99.Status = statusNotMeasured
		}
	}
	goals = append(goals, p99)

	start := Goal{Name: "start-up to first answered request (dynago-mem)", Want: fmt.Sprintf("<= %d ms", goalStartup.Milliseconds()), Got: "-", Status: statusNotMeasured}
	if d, ok := s.Startup[targetDynagoMem]; ok {
		start.Got = fmt.Sprintf("%.1f ms", float64(d)/1e6)
		start.Status = verdict(d <= goalStartup)
	}
	goals = append(goals, start)

	rss := Goal{Name: "idle RSS (dynago-mem)", Want: fmt.Sprintf("<= %d MB", goalIdleRSS>>20), Got: "-", Status: statusNotMeasured}
	if b, ok := s.IdleRSS[targetDynagoMem]; ok {
		rss.Got = fmtMB(b)
		rss.Status = verdict(b <= goalIdleRSS)
	}
	goals = append(goals, rss)

	scale := Goal{Name: "Query p50 with 10^6 items vs 10^4", Want: fmt.Sprintf("<= %.1fx", goalScaleLatencyRatio), Got: "- (run: dynago-bench scale)", Status: statusNotMeasured}
	if s.Scale != nil {
		r := s.Scale.P50Ratio()
		scale.Got = fmt.Sprintf("%.2fx (%s vs %s ms)", r, fmtLatency(s.Scale.Large.Latency.Percentile(50)), fmtLatency(s.Scale.Small.Latency.Percentile(50)))
		scale.Status = verdict(r > 0 && r <= goalScaleLatencyRatio)
	}
	goals = append(goals, scale)
	return goals
}

// fmtMB prints bytes as MB with one decimal.
func fmtMB(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }

// PrintGoals writes the targets table.
func PrintGoals(w io.Writer, goals []Goal) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "target\twant\tgot\tstatus")
	for _, g := range goals {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", g.Name, g.Want, g.Got, g.Status)
	}
	tw.Flush()
}
