// Command dynago-bench drives any DynamoDB endpoint on this machine over
// the real wire protocol (JSON 1.0 over HTTP, SigV4-signed) and reports
// throughput and latency percentiles; it also runs the side-by-side
// comparison of issue 7 (dynalite, bare Go HTTP servers, Dynago in memory
// and durable) and checks the performance targets.
//
// Usage:
//
//	dynago-bench [run] -endpoint http://127.0.0.1:8000 [-workload all] [flags]
//	dynago-bench ab -a http://127.0.0.1:8001 -b http://127.0.0.1:8002 [-workload get] [flags]
//	dynago-bench baseline-server -port 8001 [-http nethttp|fasthttp]
//	dynago-bench compare -dynago ./dynago -dynalite bench/node_modules/dynalite/cli.js
//	dynago-bench startup -dynago ./dynago
//	dynago-bench scale -dynago ./dynago
//	dynago-bench suite -dynago ./dynago -dynalite bench/node_modules/dynalite/cli.js -python python3
//
// Every mode is bounded in time and only ever targets loopback addresses.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "dynago-bench:", err)
		os.Exit(1)
	}
}

// run dispatches to a subcommand; flags alone mean "run".
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := "run"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "run":
		return cmdRun(ctx, args, stdout, stderr)
	case "baseline-server":
		return cmdBaseline(ctx, args, stderr)
	case "compare":
		return cmdCompare(ctx, args, stdout, stderr)
	case "startup":
		return cmdStartup(ctx, args, stdout, stderr)
	case "scale":
		return cmdScale(ctx, args, stdout, stderr)
	case "suite":
		return cmdSuite(ctx, args, stdout, stderr)
	case "plot":
		return cmdPlot(args, stdout, stderr)
	case "ab":
		return cmdAB(ctx, args, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, "usage: dynago-bench [run|ab|baseline-server|compare|startup|scale|suite|plot] [flags]; -h after a subcommand lists its flags")
		return nil
	}
	return fmt.Errorf("unknown subcommand %q (want run, ab, baseline-server, compare, startup, scale, suite or plot)", cmd)
}

// cmdRun loads one endpoint with the chosen workloads and prints a row per
// workload.
func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg LoadConfig
	cfg.register(fs)
	endpoint := fs.String("endpoint", "http://127.0.0.1:8000", "DynamoDB endpoint (loopback only)")
	setup := fs.Bool("setup", true, "create the table and load data first (false for baseline-server, which answers a fixed body)")
	name := fs.String("name", "endpoint", "target name in the report")
	pid := fs.Int("server-pid", 0, "server's pid, to report its CPU per request")
	cpuProfile := fs.String("cpuprofile", "", "write this tool's own CPU profile here (to see what the client costs)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		stopProfile, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stopProfile()
	}
	wls, err := ParseWorkloads(cfg.Workloads)
	if err != nil {
		return err
	}
	b, err := NewBench(cfg, *endpoint, stderr)
	if err != nil {
		return err
	}
	defer b.Close()
	fmt.Fprintf(stdout, "# %s\n# %s, %d clients, %s window after %s warm-up, %d keys, items ~%d B, %s client\n",
		MachineLine(), *endpoint, cfg.Concurrency, cfg.Duration, cfg.Warmup, cfg.Keys, cfg.ItemSize, cfg.Client)
	if *setup {
		if err := b.Prepare(ctx, wls); err != nil {
			return err
		}
	}
	var results []*Result
	for _, wl := range wls {
		if ctx.Err() != nil {
			break
		}
		r := b.RunWorkload(ctx, *name, wl, *pid)
		results = append(results, r)
		fmt.Fprintf(stderr, "  %s %s: %.0f req/s p99 %s ms\n", *name, wl.Name, r.ReqPerSec(), fmtLatency(r.Latency.Percentile(99)))
	}
	PrintResults(stdout, results)
	return ctx.Err()
}

// startCPUProfile profiles this process into path until the returned
// function is called.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// cmdBaseline serves the fixed-body baseline until interrupted or its
// lifetime ends.
func cmdBaseline(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("baseline-server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	port := fs.Int("port", 8001, "port on 127.0.0.1")
	lifetime := fs.Duration("lifetime", time.Hour, "stop by itself after this long")
	kind := fs.String("http", baselineNetHTTP, "HTTP server library: "+baselineNetHTTP+" (net/http) or "+baselineFastHTTP+" (github.com/valyala/fasthttp)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *lifetime)
	defer cancel()
	fmt.Fprintf(stderr, "%s baseline server on 127.0.0.1:%d for at most %s\n", *kind, *port, *lifetime)
	return ServeBaseline(ctx, *port, *kind)
}
