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
	logDir, err := os.MkdirTemp("", "dynago-bench-logs-")
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "# %s\n# %d start-ups each; time from spawn to first answered ListTables; RSS after %d requests\n", MachineLine(), *runs, idleProbes)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "server\tmin ms\tmedian ms\tmax ms\tmedian idle RSS\ttarget")
	for _, spec := range specs {
		var ds []time.Duration
		var rss []int64
		for range *runs {
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
			ds = append(ds, p.Startup)
			rss = append(rss, r)
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		med := ds[len(ds)/2]
		medRSS := medianInt64(rss)
		target := "-"
		if spec.Name == targetDynagoMem {
			target = fmt.Sprintf("start-up <= %d ms: %s; idle RSS <= %d MB: %s",
				goalStartup.Milliseconds(), verdict(med <= goalStartup), goalIdleRSS>>20, verdict(medRSS <= goalIdleRSS))
		}
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.1f\t%s\t%s\n", spec.Name,
			float64(ds[0])/1e6, float64(med)/1e6, float64(ds[len(ds)-1])/1e6, fmtMB(medRSS), target)
	}
	return tw.Flush()
}
