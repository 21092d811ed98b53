package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// ScaleResult compares Query against a small and a large table: the same
// 10-item partitions, drawn from the first SmallItems items, then from all
// LargeItems once the table holds them.
type ScaleResult struct {
	SmallItems, LargeItems int
	Small, Large           *Result
	// LoadTime is how long loading the large table's extra items took.
	LoadTime time.Duration
	// LargeRSS is the server's resident set size with the large table
	// loaded and compacted (0 when its pid is unknown), and DataBytes the
	// items' size by DynamoDB's rule: issue 20 bounds the one by the other
	// in memory.
	LargeRSS, DataBytes int64
}

// P50Ratio is the large table's median Query latency over the small one's.
func (s *ScaleResult) P50Ratio() float64 {
	return ratio(float64(s.Large.Latency.Percentile(50)), float64(s.Small.Latency.Percentile(50)))
}

// P99Ratio is the large table's p99 Query latency over the small one's.
func (s *ScaleResult) P99Ratio() float64 {
	return ratio(float64(s.Large.Latency.Percentile(99)), float64(s.Small.Latency.Percentile(99)))
}

// PrintScale writes the two Query runs and their ratios.
func PrintScale(w io.Writer, s *ScaleResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "items in table\treq/s\tp50 ms\tp99 ms\tp99.9 ms\terrors\tserver µs/req")
	for _, row := range []struct {
		n int
		r *Result
	}{{s.SmallItems, s.Small}, {s.LargeItems, s.Large}} {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\n", row.n, fmtRate(row.r.ReqPerSec()),
			fmtLatency(row.r.Latency.Percentile(50)), fmtLatency(row.r.Latency.Percentile(99)),
			fmtLatency(row.r.Latency.Percentile(99.9)), row.r.Errors, fmtCPU(row.r.ServerCPUPerReq()))
	}
	tw.Flush()
	fmt.Fprintf(w, "p50 ratio %s, p99 ratio %s, throughput ratio %s; loading %d more items took %s (%.0f items/s)\n",
		fmtRatio(s.P50Ratio()), fmtRatio(s.P99Ratio()), fmtRatio(ratio(s.Large.ReqPerSec(), s.Small.ReqPerSec())),
		s.LargeItems-s.SmallItems, s.LoadTime.Round(time.Millisecond),
		float64(s.LargeItems-s.SmallItems)/s.LoadTime.Seconds())
	if s.LargeRSS > 0 {
		fmt.Fprintf(w, "server RSS with %d items: %s, %s the items' %s (%d x ~%d B)\n", s.LargeItems, fmtMB(s.LargeRSS),
			fmtRatio(ratio(float64(s.LargeRSS), float64(s.DataBytes))), fmtMB(s.DataBytes), s.LargeItems, s.DataBytes/int64(s.LargeItems))
	}
}

// RunScale loads small items, measures Query, loads up to large items with
// batch writes, and measures Query again.
func RunScale(ctx context.Context, endpoint string, cfg LoadConfig, small, large, pid int, log io.Writer) (*ScaleResult, error) {
	if small < batchSize || large <= small || large > maxKeys {
		return nil, fmt.Errorf("scale sizes %d and %d: want %d <= small < large <= %d", small, large, batchSize, maxKeys)
	}
	cfg.Keys = large
	b, err := NewBench(cfg, endpoint, log)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	if err := RecreateTable(ctx, b.setup, cfg.Table, TableMain); err != nil {
		return nil, err
	}
	if err := LoadItems(ctx, b.setup, []TableKind{TableMain}, 0, small, cfg.Concurrency, log); err != nil {
		return nil, err
	}
	query, _ := LookupWorkload("query")
	res := &ScaleResult{SmallItems: small, LargeItems: large, DataBytes: int64(large) * int64(cfg.ItemSize)}
	res.Small = b.RunWorkloadKeys(ctx, fmt.Sprintf("%d items", small), query, pid, small)
	fmt.Fprintf(log, "  query with %d items: p50 %s ms\n", small, fmtLatency(res.Small.Latency.Percentile(50)))
	t0 := time.Now()
	if err := LoadItems(ctx, b.setup, []TableKind{TableMain}, small, large, cfg.Concurrency, log); err != nil {
		return nil, err
	}
	res.LoadTime = time.Since(t0)
	fmt.Fprintf(log, "  loaded %d items in %s\n", large-small, res.LoadTime.Round(time.Millisecond))
	if pid > 0 {
		waited := waitIdle(ctx, pid)
		fmt.Fprintf(log, "  server idle %s after loading (background compactions done)\n", waited.Round(time.Millisecond))
		if rss, err := procRSS(pid); err == nil {
			res.LargeRSS = rss
		}
	}
	res.Large = b.RunWorkloadKeys(ctx, fmt.Sprintf("%d items", large), query, pid, large)
	fmt.Fprintf(log, "  query with %d items: p50 %s ms\n", large, fmtLatency(res.Large.Latency.Percentile(50)))
	return res, nil
}

// runScaleSpawned starts spec, runs RunScale against it, and stops it.
func runScaleSpawned(ctx context.Context, spec ServerSpec, cfg LoadConfig, small, large int, logDir string, log io.Writer) (*ScaleResult, error) {
	p, err := StartServer(ctx, spec, logDir)
	if err != nil {
		return nil, err
	}
	defer p.Stop()
	return RunScale(ctx, p.Endpoint, cfg, small, large, p.PID(), log)
}

// cmdScale measures Query latency with 10^4 and 10^6 items in the table,
// against a running endpoint or a dynago it spawns.
func cmdScale(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("scale", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg LoadConfig
	cfg.register(fs)
	endpoint := fs.String("endpoint", "", "a running DynamoDB endpoint (loopback); empty: spawn -dynago")
	dynago := fs.String("dynago", "", "dynago binary to spawn when -endpoint is empty")
	dynagoArgs := fs.String("dynago-args", "serve --port {port} --in-memory", "arguments of the spawned dynago")
	small := fs.Int("small", 10_000, "items in the small table")
	large := fs.Int("large", 1_000_000, "items in the large table")
	if err := fs.Parse(args); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "# %s\n# Query, %d clients, %s window after %s warm-up, items ~%d B\n",
		MachineLine(), cfg.Concurrency, cfg.Duration, cfg.Warmup, cfg.ItemSize)
	var res *ScaleResult
	var err error
	switch {
	case *endpoint != "":
		res, err = RunScale(ctx, *endpoint, cfg, *small, *large, 0, stderr)
	case *dynago != "":
		logDir, mkErr := os.MkdirTemp("", "dynago-bench-logs-")
		if mkErr != nil {
			return mkErr
		}
		res, err = runScaleSpawned(ctx, ServerSpec{Name: targetDynagoMem, Path: *dynago, Args: strings.Fields(*dynagoArgs)}, cfg, *small, *large, logDir, stderr)
	default:
		return fmt.Errorf("give -endpoint or -dynago")
	}
	if err != nil {
		return err
	}
	PrintScale(stdout, res)
	verdictLine := statusNotMet
	if r := res.P50Ratio(); r > 0 && r <= goalScaleLatencyRatio {
		verdictLine = statusMet
	}
	fmt.Fprintf(stdout, "target: p50 with %d items within %.1fx of %d items: %s\n", *large, goalScaleLatencyRatio, *small, verdictLine)
	return nil
}

// Settling after the bulk load: the question is Query latency in a table of
// 10^6 items, not in one still being compacted, so the large table is
// measured once the server has gone quiet.
const (
	idleWindow   = 500 * time.Millisecond
	idleCPUShare = 0.05 // of one core
	idleMaxWait  = 2 * time.Minute
)

// waitIdle waits until the process pid uses under idleCPUShare of a core
// over an idleWindow, or idleMaxWait passes, and returns how long it waited.
func waitIdle(ctx context.Context, pid int) time.Duration {
	start := time.Now()
	prev := procCPU(pid)
	for time.Since(start) < idleMaxWait {
		select {
		case <-ctx.Done():
			return time.Since(start)
		case <-time.After(idleWindow):
		}
		cur := procCPU(pid)
		if float64(cur-prev) < idleCPUShare*float64(idleWindow) {
			break
		}
		prev = cur
	}
	return time.Since(start)
}
