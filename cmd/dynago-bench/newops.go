package main

// The new operations of issue 20 measured against their native or plain
// equivalents in the same run: PartiQL SELECT against GetItem on the same
// keys, PutItem on a table with a stream or PITR against plain PutItem,
// and GetRecords' records per second.

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// The targets of issue 20 for the new operations.
const (
	// goalPartiQLVsGet bounds a PartiQL SELECT's server CPU against the
	// GetItem it stands for.
	goalPartiQLVsGet = 1.2
	// goalDurableFeatureCost bounds what an enabled stream or PITR adds
	// to a durable PutItem's server CPU (a fraction).
	goalDurableFeatureCost = 0.15
)

// costPair is one of the comparisons: workload against ref, on one server.
type costPair struct {
	name, workload, ref string
}

// costPairs are the comparisons the new-operations report shows.
var costPairs = []costPair{
	{"PartiQL SELECT vs GetItem", "partiql", "get"},
	{"PutItem with a stream vs without", "put-stream", "put"},
	{"PutItem with PITR vs without", "put-pitr", "put"},
}

// cpuRatio returns the server CPU per request of workload over ref's on
// target, and both results, when both ran cleanly with the server's CPU
// known.
func (s *Summary) cpuRatio(target, workload, ref string) (float64, *Result, *Result, bool) {
	a, ok1 := s.result(target, workload)
	b, ok2 := s.result(target, ref)
	if !ok1 || !ok2 || a.ServerCPUPerReq() <= 0 || b.ServerCPUPerReq() <= 0 {
		return 0, nil, nil, false
	}
	return float64(a.ServerCPUPerReq()) / float64(b.ServerCPUPerReq()), a, b, true
}

// printNewOps writes, for every dynago server, each comparison's server
// CPU per request and throughput against its reference, and GetRecords'
// figures.
func printNewOps(w io.Writer, s *Summary, specs []ServerSpec) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "server\tcomparison\tserver µs/req\tratio\treq/s\tratio")
	for _, sp := range specs {
		if !isDynago(sp.Name) {
			continue
		}
		for _, p := range costPairs {
			r, a, b, ok := s.cpuRatio(sp.Name, p.workload, p.ref)
			if !ok {
				fmt.Fprintf(tw, "%s\t%s\t-\t-\t-\t-\n", sp.Name, p.name)
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%s vs %s\t%.2fx\t%s vs %s\t%.2fx\n", sp.Name, p.name,
				fmtCPU(a.ServerCPUPerReq()), fmtCPU(b.ServerCPUPerReq()), r,
				fmtRate(a.ReqPerSec()), fmtRate(b.ReqPerSec()), ratio(a.ReqPerSec(), b.ReqPerSec()))
		}
		if g, ok := s.result(sp.Name, "getrecords"); ok {
			perRecord := "-"
			if g.Items > 0 && g.ServerCPU > 0 {
				perRecord = fmt.Sprintf("%.2f", float64(g.ServerCPU)/float64(g.Items)/1e3)
			}
			fmt.Fprintf(tw, "%s\tGetRecords (Limit %d)\t%s per call, %s per record\t\t%s calls/s, %s records/s\t\n", sp.Name, getRecordsLimit,
				fmtCPU(g.ServerCPUPerReq()), perRecord, fmtRate(g.ReqPerSec()), fmtRate(g.ItemsPerSec()))
		}
	}
	tw.Flush()
}

// NewOpGoals evaluates issue 20's targets for the new operations: PartiQL
// SELECT's server CPU within goalPartiQLVsGet of GetItem's (in memory,
// where nothing else weighs on a read), and a durable PutItem's server CPU
// with a stream or PITR within goalDurableFeatureCost of a plain one's.
// Server CPU per request is judged rather than req/s: it is what the
// feature costs, and it moves much less with the machine's other load.
func (s *Summary) NewOpGoals() []Goal {
	partiql := s.cpuGoal("PartiQL SELECT vs GetItem, server CPU per request (dynago-mem)", targetDynagoMem, "partiql", "get", goalPartiQLVsGet)
	stream := s.cpuGoal("durable PutItem with a stream vs without, server CPU per put", targetDynagoDurable, "put-stream", "put", 1+goalDurableFeatureCost)
	pitr := s.cpuGoal("durable PutItem with PITR vs without, server CPU per put", targetDynagoDurable, "put-pitr", "put", 1+goalDurableFeatureCost)
	return []Goal{partiql, stream, pitr}
}

// cpuGoal judges workload's server CPU per request on target against
// ref's: at most want times.
func (s *Summary) cpuGoal(name, target, workload, ref string, want float64) Goal {
	g := Goal{Name: name, Want: fmt.Sprintf("<= %.2fx", want), Got: "-", Status: statusNotMeasured}
	r, a, b, ok := s.cpuRatio(target, workload, ref)
	if !ok {
		return g
	}
	g.Got = fmt.Sprintf("%.2fx (%s vs %s µs; req/s %.2fx)", r, fmtCPU(a.ServerCPUPerReq()), fmtCPU(b.ServerCPUPerReq()),
		ratio(a.ReqPerSec(), b.ReqPerSec()))
	g.Status = verdict(r <= want)
	return g
}
