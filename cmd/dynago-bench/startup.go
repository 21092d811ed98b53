package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// cmdStartup spawns a server several times and reports the time from
// spawning to its first answered ListTables, and its idle RSS after a few
// requests.
func cmdStartup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("startup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dynago := fs.String("dynago", "", "dynago binary")
	dynagoArgs := fs.String("dynago-args", "serve --port {port} --in-memory", "its arguments; {port}, {dir} are filled in")
	durableArgs := fs.String("dynago-durable-args", "serve --port {port} --data-dir {dir}", "arguments of the durable run; empty skips it")
	node := fs.String("node", "node", "Node.js binary")
	dynalite := fs.String("dynalite", "", "dynalite's cli.js, to measure it too; empty skips it")
	runs := fs.Int("runs", 10, "start-ups per server (1..50)")
	bare := fs.Bool("baseline", true, "also start this tool's bare net/http server (baseline-server), the floor a Go server reaches on this machine")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *runs < 1 || *runs > 50 {
		return fmt.Errorf("-runs %d: want 1..50", *runs)
	}
	var specs []ServerSpec
	if *dynago != "" {
		specs = append(specs, ServerSpec{Name: targetDynagoMem, Path: *dynago, Args: strings.Fields(*dynagoArgs)})
		if *durableArgs != "" {
			specs = append(specs, ServerSpec{Name: targetDynagoDurable, Path: *dynago, Args: strings.Fields(*durableArgs)})
		}
	}
	if *dynalite != "" {
		specs = append(specs, ServerSpec{Name: targetDynalite, Path: *node,
			Args: []string{*dynalite, "--host", "127.0.0.1", "--port", "{port}"}})
	}
	if len(specs) == 0 {
		return fmt.Errorf("give -dynago and/or -dynalite")
	}
	if *bare {
		self, err := os.Executable()
		if err != nil {
			return err
		}
		specs = append([]ServerSpec{{Name: targetBaseline, Path: self,
			Args: []string{"baseline-server", "-http", baselineNetHTTP, "-port", "{port}", "-lifetime", "1m"}}}, specs...)
	}
	logDir, err := os.MkdirTemp("", "dynago-bench-logs-")
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "# %s\n# %d start-ups each, the servers interleaved; time from spawn to first answered ListTables; RSS after %d requests\n", MachineLine(), *runs, idleProbes)
	ds := make([][]time.Duration, len(specs))
	rss := make([][]int64, len(specs))
	for range *runs {
		for i, spec := range specs {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			p, err := StartServer(ctx, spec, logDir)
			if err != nil {
				return err
			}
			r, err := p.IdleRSS(ctx)
			p.Stop()
			if err != nil {
				return err
			}
			ds[i] = append(ds[i], p.Startup)
			rss[i] = append(rss[i], r)
		}
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "server\tmin ms\tmedian ms\tmax ms\tvs bare\tmedian idle RSS\ttarget")
	var bareMed time.Duration
	for i, spec := range specs {
		sort.Slice(ds[i], func(a, b int) bool { return ds[i][a] < ds[i][b] })
		med := ds[i][len(ds[i])/2]
		if spec.Name == targetBaseline {
			bareMed = med
		}
		vs := "-"
		if bareMed > 0 {
			vs = fmt.Sprintf("%.2fx", float64(med)/float64(bareMed))
		}
		medRSS := medianInt64(rss[i])
		target := "-"
		if spec.Name == targetDynagoMem {
			target = fmt.Sprintf("start-up <= %d ms: %s; idle RSS <= %d MB: %s",
				goalStartup.Milliseconds(), verdict(med <= goalStartup), goalIdleRSS>>20, verdict(medRSS <= goalIdleRSS))
		}
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.1f\t%s\t%s\t%s\n", spec.Name,
			float64(ds[i][0])/1e6, float64(med)/1e6, float64(ds[i][len(ds[i])-1])/1e6, vs, fmtMB(medRSS), target)
	}
	return tw.Flush()
}
