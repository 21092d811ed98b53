package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// compareFlags are the flags of the compare mode beyond the load flags.
type compareFlags struct {
	node         string
	dynalite     string
	dynaliteArgs string
	dynago       string
	memArgs      string
	durableArgs  string
	targets      string
	baselineWls  string
	rounds       int
	logDir       string
	profileURL   string
	profileWls   string
	perf         bool
	scale        bool
	scaleItems   int
	scaleSamples int
	serverCPUs   string
	csv          string
}

func (f *compareFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.node, "node", "node", "Node.js binary that runs dynalite")
	fs.StringVar(&f.dynalite, "dynalite", "bench/node_modules/dynalite/cli.js", "dynalite's cli.js (npm ci in bench/)")
	fs.StringVar(&f.dynaliteArgs, "dynalite-args", "--host 127.0.0.1 --port {port} --createTableMs 0 --deleteTableMs 0 --updateTableMs 0", "dynalite's arguments (in memory)")
	fs.StringVar(&f.dynago, "dynago", "", "dynago binary (go build -o bin/dynago ./cmd/dynago); empty skips the dynago targets")
	fs.StringVar(&f.memArgs, "dynago-mem-args", "serve --port {port} --in-memory", "arguments of dynago in memory")
	fs.StringVar(&f.durableArgs, "dynago-durable-args", "serve --port {port} --data-dir {dir}", "arguments of dynago durable (fsync'd); {dir} is a fresh temp dir")
	fs.StringVar(&f.targets, "targets", "dynalite,baseline,baseline-fasthttp,dynago-mem,dynago-durable", "servers to run, in order (baseline: net/http, baseline-fasthttp: fasthttp)")
	fs.StringVar(&f.baselineWls, "baseline-workloads", "get,put", "workloads run against the fixed-body baseline servers")
	fs.IntVar(&f.rounds, "rounds", 1, "run every server this many times, interleaved, and keep each figure's median")
	fs.StringVar(&f.logDir, "log-dir", "", "where servers' logs and profiles go (default: a temp dir)")
	fs.StringVar(&f.profileURL, "profile-url", "", "CPU profile URL of dynago-mem, e.g. http://127.0.0.1:{port}/debug/pprof/profile?seconds={secs}; empty: none")
	fs.StringVar(&f.profileWls, "profile-workloads", "get,put,query", "workloads profiled on the dynago servers when -profile-url or -perf is set")
	fs.BoolVar(&f.perf, "perf", false, "sample the dynago servers with Linux perf during the profiled workloads (report beside the data in -log-dir)")
	fs.BoolVar(&f.scale, "scale", false, "also run the 10^4 vs 10^6 item Query comparison against dynago-mem (slow: loads 10^6 items)")
	fs.IntVar(&f.scaleItems, "scale-items", 1_000_000, "items of the large table in the scale comparison")
	fs.IntVar(&f.scaleSamples, "scale-small", 10_000, "items of the small table in the scale comparison")
	fs.StringVar(&f.csv, "csv", "", "also write every run's figures (median of rounds) to this CSV file, for dynago-bench plot")
	fs.StringVar(&f.serverCPUs, "server-cpus", "", "run every server under `taskset -c CPUS` (e.g. 0), to keep it off the cores this tool runs on (start the tool itself under taskset -c 1); empty: no pinning")
}

// specs resolves the chosen targets into ServerSpecs, skipping dynago ones
// when no binary was given.
func (f *compareFlags) specs(stderr io.Writer) ([]ServerSpec, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	var out []ServerSpec
	for _, t := range strings.Split(f.targets, ",") {
		switch strings.TrimSpace(t) {
		case targetDynalite:
			if _, err := os.Stat(f.dynalite); err != nil {
				return nil, fmt.Errorf("dynalite not found at %s: run npm ci in bench/ (%w)", f.dynalite, err)
			}
			out = append(out, ServerSpec{Name: targetDynalite, Path: f.node, Args: append([]string{f.dynalite}, strings.Fields(f.dynaliteArgs)...)})
		case targetBaseline:
			out = append(out, ServerSpec{Name: targetBaseline, Path: self, Args: []string{"baseline-server", "-http", baselineNetHTTP, "-port", "{port}", "-lifetime", "2h"}})
		case targetBaselineFast:
			out = append(out, ServerSpec{Name: targetBaselineFast, Path: self, Args: []string{"baseline-server", "-http", baselineFastHTTP, "-port", "{port}", "-lifetime", "2h"}})
		case targetDynagoMem, targetDynagoDurable:
			if f.dynago == "" {
				fmt.Fprintf(stderr, "skipping %s: no -dynago binary given\n", t)
				continue
			}
			spec := ServerSpec{Name: t, Path: f.dynago, Args: strings.Fields(f.memArgs)}
			if t == targetDynagoDurable {
				spec.Args = strings.Fields(f.durableArgs)
			}
			out = append(out, spec)
		case "":
		default:
			return nil, fmt.Errorf("unknown target %q", t)
		}
	}
	if f.serverCPUs != "" {
		for i, spec := range out {
			out[i].Path = "taskset"
			out[i].Args = append([]string{"-c", f.serverCPUs, spec.Path}, spec.Args...)
		}
	}
	return out, nil
}

// cmdCompare runs every workload against every server in one run and
// prints the figures, the ratios against dynalite, and the targets.
func cmdCompare(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg LoadConfig
	cfg.register(fs)
	var f compareFlags
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.validate(); err != nil {
		return err
	}
	if f.rounds < 1 || f.rounds > 10 {
		return fmt.Errorf("-rounds %d: want 1..10", f.rounds)
	}
	wls, err := ParseWorkloads(cfg.Workloads)
	if err != nil {
		return err
	}
	baseWls, err := ParseWorkloads(f.baselineWls)
	if err != nil {
		return err
	}
	specs, err := f.specs(stderr)
	if err != nil {
		return err
	}
	if f.logDir == "" {
		if f.logDir, err = os.MkdirTemp("", "dynago-bench-logs-"); err != nil {
			return err
		}
	} else if err := os.MkdirAll(f.logDir, 0o755); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "# %s\n# %d clients, %s window after %s warm-up, %d keys, items ~%d B, %s client, %d round(s); logs in %s\n",
		MachineLine(), cfg.Concurrency, cfg.Duration, cfg.Warmup, cfg.Keys, cfg.ItemSize, cfg.Client, f.rounds, f.logDir)
	if f.serverCPUs != "" {
		fmt.Fprintf(stdout, "# servers pinned to CPU(s) %s (taskset)\n", f.serverCPUs)
	}

	sum := NewSummary()
	live := startTargets(ctx, specs, cfg, wls, baseWls, &f, sum, stdout, stderr)
	defer func() {
		for _, t := range live {
			t.b.Close()
			t.p.Stop()
		}
	}()
	profiled := map[string]bool{}
	for _, n := range strings.Split(f.profileWls, ",") {
		profiled[strings.TrimSpace(n)] = true
	}
	// Workload by workload, every server in turn (rotating who goes first
	// each round), so a neighbour's burst of load on this shared machine
	// falls on all servers alike rather than on one. Workloads judged
	// against each other (comparedWorkloads) alternate round by round.
	for _, group := range alternationGroups(wls) {
		rs := map[string]map[string][]*Result{} // workload, server
		for round := range f.rounds {
			for j := range group {
				wl := group[(j+round)%len(group)]
				if rs[wl.Name] == nil {
					rs[wl.Name] = map[string][]*Result{}
				}
				for i := range live {
					t := live[(i+round)%len(live)]
					if ctx.Err() != nil {
						return ctx.Err()
					}
					if !t.runs[wl.Name] {
						continue
					}
					profile := round == 0 && profiled[wl.Name] && isDynago(t.spec.Name) && (f.profileURL != "" || f.perf)
					r := runOne(ctx, t, wl, cfg, &f, profile, stderr)
					rs[wl.Name][t.spec.Name] = append(rs[wl.Name][t.spec.Name], r)
				}
			}
		}
		for _, byServer := range rs {
			for _, list := range byServer {
				sum.Add(medianResult(list))
			}
		}
	}
	for _, t := range live {
		if rss, err := t.p.RSS(); err == nil {
			sum.PeakRSS[t.spec.Name] = rss
		}
	}

	if f.scale && f.dynago != "" {
		sc, err := runScaleSpawned(ctx, ServerSpec{Name: targetDynagoMem, Path: f.dynago, Args: strings.Fields(f.memArgs)}, cfg, f.scaleSamples, f.scaleItems, f.logDir, stderr)
		if err != nil {
			fmt.Fprintf(stdout, "# scale comparison failed: %v\n", err)
		} else {
			sum.Scale = sc
		}
	}

	var ordered []*Result
	for _, spec := range specs {
		for _, wl := range workloadNames {
			if r, ok := sum.Results[spec.Name][wl]; ok {
				ordered = append(ordered, r)
			}
		}
	}
	fmt.Fprintln(stdout, "\n## Every run (median of rounds by req/s)")
	PrintResults(stdout, ordered)
	if f.csv != "" {
		if err := writeResultsFile(f.csv, ordered); err != nil {
			return err
		}
	}
	fmt.Fprintln(stdout, "\n## Side by side: req/s (ratio to dynalite), p99 ms, server CPU per request")
	printSideBySide(stdout, sum, specs)
	fmt.Fprintln(stdout, "\n## Start-up and memory")
	printProcessTable(stdout, sum, specs)
	if sum.Scale != nil {
		fmt.Fprintln(stdout, "\n## Query latency vs table size (dynago-mem)")
		PrintScale(stdout, sum.Scale)
	}
	fmt.Fprintln(stdout, "\n## New operations (issue 20): server CPU per request, ratios of the same run")
	printNewOps(stdout, sum, specs)
	fmt.Fprintln(stdout, "\n## Targets (issue 7)")
	PrintGoals(stdout, sum.Goals())
	fmt.Fprintln(stdout, "\n## Targets (issue 20, new operations)")
	PrintGoals(stdout, sum.NewOpGoals())
	return nil
}

// liveTarget is a started, prepared server under test.
type liveTarget struct {
	spec ServerSpec
	p    *Process
	b    *Bench
	// runs names the workloads this server takes part in.
	runs map[string]bool
	// idle is its RSS after start-up and a few requests.
	idle int64
}

// startTargets starts every server one at a time (so start-ups do not
// compete), records its start-up time and idle RSS, and creates and loads
// its table. A server that fails is reported and left out.
func startTargets(ctx context.Context, specs []ServerSpec, cfg LoadConfig, wls, baseWls []*Workload, f *compareFlags, sum *Summary, stdout, stderr io.Writer) []*liveTarget {
	var live []*liveTarget
	for _, spec := range specs {
		if ctx.Err() != nil {
			break
		}
		t, err := startTarget(ctx, spec, cfg, wls, baseWls, f, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", spec.Name, err)
			fmt.Fprintf(stdout, "# %s failed: %v\n", spec.Name, err)
			continue
		}
		sum.Startup[spec.Name] = t.p.Startup
		sum.IdleRSS[spec.Name] = t.idle
		live = append(live, t)
	}
	return live
}

func startTarget(ctx context.Context, spec ServerSpec, cfg LoadConfig, wls, baseWls []*Workload, f *compareFlags, stderr io.Writer) (*liveTarget, error) {
	p, err := StartServer(ctx, spec, f.logDir)
	if err != nil {
		return nil, err
	}
	t := &liveTarget{spec: spec, p: p, runs: map[string]bool{}}
	ok := false
	defer func() {
		if !ok {
			if t.b != nil {
				t.b.Close()
			}
			p.Stop()
		}
	}()
	idle, err := p.IdleRSS(ctx)
	if err != nil {
		return nil, fmt.Errorf("idle RSS: %w", err)
	}
	t.idle = idle
	fmt.Fprintf(stderr, "%s: up in %.1f ms, idle RSS %s\n", spec.Name, float64(p.Startup)/1e6, fmtMB(idle))
	if t.b, err = NewBench(cfg, p.Endpoint, stderr); err != nil {
		return nil, err
	}
	mine := wls
	if isBaseline(spec.Name) {
		mine = baseWls
	} else {
		if !isDynago(spec.Name) {
			mine = withoutDynagoOnly(wls)
		}
		if err := t.b.Prepare(ctx, mine); err != nil {
			return nil, err
		}
		// Loading several tables leaves flushes and compactions behind;
		// the first workloads should not pay for them.
		waited := waitIdle(ctx, p.PID())
		fmt.Fprintf(stderr, "%s: idle %s after loading\n", spec.Name, waited.Round(time.Millisecond))
	}
	for _, wl := range mine {
		t.runs[wl.Name] = true
	}
	ok = true
	return t, nil
}

// isDynago reports whether target is one of the dynago servers, which run
// the DynagoOnly workloads.
func isDynago(target string) bool {
	return target == targetDynagoMem || target == targetDynagoDurable
}

// withoutDynagoOnly returns wls less the DynagoOnly workloads: another
// server would answer them only with errors.
func withoutDynagoOnly(wls []*Workload) []*Workload {
	var out []*Workload
	for _, wl := range wls {
		if !wl.DynagoOnly {
			out = append(out, wl)
		}
	}
	return out
}

// runOne measures one workload against one live server, profiling the
// server meanwhile when asked.
func runOne(ctx context.Context, t *liveTarget, wl *Workload, cfg LoadConfig, f *compareFlags, profile bool, stderr io.Writer) *Result {
	var prof chan error
	if profile {
		prof = make(chan error, 1)
		go func() {
			sleep(ctx, cfg.Warmup)
			base := filepath.Join(f.logDir, fmt.Sprintf("%s-%s", t.spec.Name, wl.Name))
			if f.perf {
				prof <- perfRecord(ctx, t.p.PID(), cfg.Duration, base+".perf.data")
				return
			}
			prof <- fetchProfile(ctx, f.profileURL, t.p.Port, cfg.Duration, base+".pprof")
		}()
	}
	r := t.b.RunWorkload(ctx, t.spec.Name, wl, t.p.PID())
	if prof != nil {
		if err := <-prof; err != nil {
			fmt.Fprintf(stderr, "  profile of %s: %v\n", wl.Name, err)
		}
	}
	fmt.Fprintf(stderr, "%s %s: %.0f req/s, p99 %s ms, %d errors\n", t.spec.Name, wl.Name, r.ReqPerSec(), fmtLatency(r.Latency.Percentile(99)), r.Errors)
	return r
}

// printSideBySide writes one row per workload with each server's req/s,
// its ratio to dynalite, and its p99.
func printSideBySide(w io.Writer, s *Summary, specs []ServerSpec) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "workload")
	for _, sp := range specs {
		fmt.Fprintf(tw, "\t%s", sp.Name)
	}
	fmt.Fprintln(tw)
	for _, wl := range workloadNames {
		row := wl
		shown := false
		for _, sp := range specs {
			r, ok := s.Results[sp.Name][wl]
			if !ok {
				row += "\t-"
				continue
			}
			shown = true
			cell := fmtRate(r.ReqPerSec()) + " req/s"
			if ref, ok := s.Results[targetDynalite][wl]; ok && sp.Name != targetDynalite {
				cell += " (" + fmtRatio(ratio(r.ReqPerSec(), ref.ReqPerSec())) + ")"
			}
			cell += ", p99 " + fmtLatency(r.Latency.Percentile(99))
			if c := r.ServerCPUPerReq(); c > 0 {
				cell += ", " + fmtCPU(c) + " µs"
			}
			if r.Errors > 0 {
				cell += fmt.Sprintf(", %d ERRORS", r.Errors)
			}
			row += "\t" + cell
		}
		if shown {
			fmt.Fprintln(tw, row)
		}
	}
	tw.Flush()
}

// printProcessTable writes each server's start-up time and memory.
func printProcessTable(w io.Writer, s *Summary, specs []ServerSpec) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "server\tstart-up to first answer\tidle RSS\tRSS after load")
	for _, sp := range specs {
		d, ok := s.Startup[sp.Name]
		if !ok {
			continue
		}
		fmt.Fprintf(tw, "%s\t%.1f ms\t%s\t%s\n", sp.Name, float64(d)/1e6, fmtMB(s.IdleRSS[sp.Name]), fmtMB(s.PeakRSS[sp.Name]))
	}
	tw.Flush()
}

// medianResult returns the result with the median throughput, so one
// round disturbed by a neighbour does not set the figure.
func medianResult(rs []*Result) *Result {
	sorted := append([]*Result(nil), rs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ReqPerSec() < sorted[j].ReqPerSec() })
	return sorted[len(sorted)/2]
}

func medianInt64(xs []int64) int64 {
	sorted := append([]int64(nil), xs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	return sorted[len(sorted)/2]
}
