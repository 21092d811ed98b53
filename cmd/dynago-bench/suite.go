package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"
)

// The test-suite workload of issue 20: what most users run against a
// local DynamoDB is not a throughput test but hundreds of test cases that
// each create a table, write a few items, read them back and delete it.
const (
	// suitePuts is the number of PutItem calls of one test case.
	suitePuts = 20
	// suiteMaxCases bounds -cases.
	suiteMaxCases = 10_000
	// suiteWaitTimeout bounds waiting for a table to become ACTIVE or to
	// be gone, as the SDKs' waiters do (theirs is minutes; a local server
	// that needs more than this is broken).
	suiteWaitTimeout = 30 * time.Second
	// suiteWaitPoll is the pause between DescribeTable polls while a
	// table is not ACTIVE (or not gone) yet. The SDK waiters wait 20 s
	// (boto3) or 20 s with jitter (Go) between polls; a test suite using
	// them pays that per table, so servers here are asked to make tables
	// ACTIVE at once (dynalite: --createTableMs 0) and the poll is short.
	suiteWaitPoll = time.Millisecond
)

// suiteStats is what a run of test cases measured.
type suiteStats struct {
	cases  atomic.Int64
	mu     sync.Mutex
	whole  *Histogram // one test case, start to end
	create *Histogram // CreateTable sent → DescribeTable says ACTIVE
	drop   *Histogram // DeleteTable sent → DescribeTable says not found
}

func newSuiteStats() *suiteStats {
	return &suiteStats{whole: NewHistogram(), create: NewHistogram(), drop: NewHistogram()}
}

func (s *suiteStats) record(whole, create, drop time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.whole.RecordDuration(whole)
	s.create.RecordDuration(create)
	s.drop.RecordDuration(drop)
}

// suiteCase runs one test case against c on table name: CreateTable (hash
// and range key, one GSI) → wait ACTIVE → 20 PutItem → Query → Scan →
// UpdateItem → DeleteTable → wait until gone. It checks what it reads, so
// a server that answers quickly but wrongly fails the run.
func suiteCase(ctx context.Context, c *LeanClient, name string, st *suiteStats) error {
	t0 := time.Now()
	err := c.Call(ctx, "CreateTable", map[string]any{
		"TableName": name,
		"AttributeDefinitions": []map[string]string{
			{"AttributeName": "pk", "AttributeType": "S"},
			{"AttributeName": "sk", "AttributeType": "N"},
			{"AttributeName": "gpk", "AttributeType": "S"},
		},
		"KeySchema": []map[string]string{
			{"AttributeName": "pk", "KeyType": "HASH"},
			{"AttributeName": "sk", "KeyType": "RANGE"},
		},
		"GlobalSecondaryIndexes": []map[string]any{{
			"IndexName":  "by_gpk",
			"KeySchema":  []map[string]string{{"AttributeName": "gpk", "KeyType": "HASH"}},
			"Projection": map[string]string{"ProjectionType": "ALL"},
		}},
		"BillingMode": "PAY_PER_REQUEST",
	}, nil)
	if err != nil {
		return fmt.Errorf("CreateTable %s: %w", name, err)
	}
	if err := waitSuiteTable(ctx, c, name, true); err != nil {
		return err
	}
	created := time.Since(t0)
	for i := range suitePuts {
		err := c.Call(ctx, "PutItem", map[string]any{"TableName": name, "Item": map[string]any{
			"pk":   map[string]string{"S": "p" + strconv.Itoa(i%4)},
			"sk":   map[string]string{"N": strconv.Itoa(i)},
			"gpk":  map[string]string{"S": "g" + strconv.Itoa(i%2)},
			"body": map[string]string{"S": "the text of a test item"},
		}}, nil)
		if err != nil {
			return fmt.Errorf("PutItem: %w", err)
		}
	}
	var page struct{ Count int }
	err = c.Call(ctx, "Query", map[string]any{
		"TableName":                 name,
		"KeyConditionExpression":    "pk = :p",
		"ExpressionAttributeValues": map[string]any{":p": map[string]string{"S": "p1"}},
	}, &page)
	if err != nil {
		return fmt.Errorf("Query: %w", err)
	}
	if page.Count != suitePuts/4 {
		return fmt.Errorf("Query: %d items, want %d", page.Count, suitePuts/4)
	}
	page.Count = 0
	if err := c.Call(ctx, "Scan", map[string]any{"TableName": name}, &page); err != nil {
		return fmt.Errorf("Scan: %w", err)
	}
	if page.Count != suitePuts {
		return fmt.Errorf("Scan: %d items, want %d", page.Count, suitePuts)
	}
	err = c.Call(ctx, "UpdateItem", map[string]any{
		"TableName":                 name,
		"Key":                       map[string]any{"pk": map[string]string{"S": "p1"}, "sk": map[string]string{"N": "1"}},
		"UpdateExpression":          "SET body = :b",
		"ExpressionAttributeValues": map[string]any{":b": map[string]string{"S": "changed"}},
	}, nil)
	if err != nil {
		return fmt.Errorf("UpdateItem: %w", err)
	}
	t1 := time.Now()
	if err := c.Call(ctx, "DeleteTable", map[string]any{"TableName": name}, nil); err != nil {
		return fmt.Errorf("DeleteTable %s: %w", name, err)
	}
	if err := waitSuiteTable(ctx, c, name, false); err != nil {
		return err
	}
	end := time.Now()
	st.record(end.Sub(t0), created, end.Sub(t1))
	st.cases.Add(1)
	return nil
}

// waitSuiteTable polls DescribeTable until the table is ACTIVE (active) or
// answers ResourceNotFoundException (!active), as the SDKs' TableExists
// and TableNotExists waiters do.
func waitSuiteTable(ctx context.Context, c *LeanClient, name string, active bool) error {
	ctx, cancel := context.WithTimeout(ctx, suiteWaitTimeout)
	defer cancel()
	for {
		var d struct{ Table struct{ TableStatus string } }
		err := c.Call(ctx, "DescribeTable", map[string]any{"TableName": name}, &d)
		var ae *APIError
		switch {
		case err == nil && active && d.Table.TableStatus == "ACTIVE":
			return nil
		case !active && errors.As(err, &ae) && ae.Type == "ResourceNotFoundException":
			return nil
		case err != nil && !errors.As(err, &ae):
			return fmt.Errorf("DescribeTable %s: %w", name, err)
		case ae != nil && ae.Type != "ResourceNotFoundException":
			return fmt.Errorf("DescribeTable %s: %w", name, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("table %s: not %s within %s", name, map[bool]string{true: "ACTIVE", false: "gone"}[active], suiteWaitTimeout)
		case <-time.After(suiteWaitPoll):
		}
	}
}

// runSuite runs cases test cases against endpoint, parallel at a time,
// each on a table of its own, and returns the wall time of the whole run.
func runSuite(ctx context.Context, endpoint string, cases, parallel int, prefix string) (time.Duration, *suiteStats, error) {
	enc, err := NewEncoder("suite", defaultItemSize, Keyspace{Items: batchSize})
	if err != nil {
		return 0, nil, err
	}
	c, err := NewLeanClient(endpoint, enc, parallel)
	if err != nil {
		return 0, nil, err
	}
	defer c.Close()
	st := newSuiteStats()
	var next atomic.Int64
	errs := make(chan error, parallel)
	t0 := time.Now()
	var wg sync.WaitGroup
	for range parallel {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(cases) || ctx.Err() != nil {
					return
				}
				if err := suiteCase(ctx, c, prefix+strconv.FormatInt(i, 10), st); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(t0)
	close(errs)
	if err := <-errs; err != nil {
		return elapsed, st, err
	}
	return elapsed, st, ctx.Err()
}

// suiteRow is one server's figures at one parallelism.
type suiteRow struct {
	target   string
	parallel int
	total    time.Duration
	st       *suiteStats
}

// cmdSuite starts each server and runs the test-suite workload against
// it, sequentially and in parallel, then prints totals, per-case and
// table-operation latencies, and each server's ratio to dynago in memory.
func cmdSuite(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("suite", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dynago := fs.String("dynago", "", "dynago binary; empty skips it")
	dynagoArgs := fs.String("dynago-args", "serve --port {port} --in-memory --access-log=false", "its arguments")
	durableArgs := fs.String("dynago-durable-args", "", "arguments of a durable dynago run too (e.g. serve --port {port} --data-dir {dir}); empty skips it")
	node := fs.String("node", "node", "Node.js binary that runs dynalite")
	dynalite := fs.String("dynalite", "", "dynalite's cli.js (npm ci in bench/); empty skips it")
	dynaliteArgs := fs.String("dynalite-args", "--host 127.0.0.1 --port {port} --createTableMs 0 --deleteTableMs 0 --updateTableMs 0", "dynalite's arguments (in memory, tables ACTIVE at once)")
	python := fs.String("python", "", "Python with moto[server] installed, to run moto's server too; empty skips it")
	endpoint := fs.String("endpoint", "", "instead of starting servers, run against this running endpoint")
	cases := fs.Int("cases", 100, "test cases per run")
	parallels := fs.String("parallel", "1,4", "comma-separated parallelisms: test cases in flight at a time")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cases < 1 || *cases > suiteMaxCases {
		return fmt.Errorf("-cases %d: want 1..%d", *cases, suiteMaxCases)
	}
	var pars []int
	for _, p := range strings.Split(*parallels, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 || n > 64 {
			return fmt.Errorf("-parallel %q: want numbers 1..64", *parallels)
		}
		pars = append(pars, n)
	}
	var specs []ServerSpec
	if *endpoint == "" {
		if *dynago != "" {
			specs = append(specs, ServerSpec{Name: targetDynagoMem, Path: *dynago, Args: strings.Fields(*dynagoArgs)})
			if *durableArgs != "" {
				specs = append(specs, ServerSpec{Name: targetDynagoDurable, Path: *dynago, Args: strings.Fields(*durableArgs)})
			}
		}
		if *dynalite != "" {
			specs = append(specs, ServerSpec{Name: targetDynalite, Path: *node, Args: append([]string{*dynalite}, strings.Fields(*dynaliteArgs)...)})
		}
		if *python != "" {
			specs = append(specs, ServerSpec{Name: targetMoto, Path: *python, Args: []string{"-m", "moto.server", "-H", "127.0.0.1", "-p", "{port}"}})
		}
		if len(specs) == 0 {
			return fmt.Errorf("give -endpoint, or servers to start: -dynago, -dynalite, -python (moto)")
		}
	}
	logDir, err := os.MkdirTemp("", "dynago-bench-logs-")
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "# %s\n# test-suite workload: %d cases, each CreateTable (GSI) → ACTIVE → %d PutItem → Query → Scan → UpdateItem → DeleteTable → gone\n",
		MachineLine(), *cases, suitePuts)
	var rows []suiteRow
	run := func(name, ep string) error {
		for _, p := range pars {
			total, st, err := runSuite(ctx, ep, *cases, p, fmt.Sprintf("suite_%d_", p))
			if err != nil {
				return fmt.Errorf("%s, %d parallel: %w", name, p, err)
			}
			fmt.Fprintf(stderr, "  %s x%d: %d cases in %s\n", name, p, st.cases.Load(), total.Round(time.Millisecond))
			rows = append(rows, suiteRow{target: name, parallel: p, total: total, st: st})
		}
		return nil
	}
	if *endpoint != "" {
		if err := run("endpoint", *endpoint); err != nil {
			return err
		}
	}
	for _, spec := range specs {
		p, err := StartServer(ctx, spec, logDir)
		if err != nil {
			return err
		}
		err = run(spec.Name, p.Endpoint)
		p.Stop()
		if err != nil {
			return err
		}
	}
	printSuite(stdout, rows)
	return nil
}

// printSuite prints one row per server and parallelism, with the total
// time's ratio to the same parallelism's dynago in memory run (how many
// times slower the server is).
func printSuite(w io.Writer, rows []suiteRow) {
	base := map[int]time.Duration{}
	for _, r := range rows {
		if r.target == targetDynagoMem || (r.target == "endpoint" && base[r.parallel] == 0) {
			base[r.parallel] = r.total
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "target\tparallel\tcases\ttotal ms\tvs dynago\tcase p50 ms\tcase p99 ms\tcreate→ACTIVE p50 ms\tp99 ms\tdelete→gone p50 ms\tp99 ms\t")
	for _, r := range rows {
		vs := "-"
		if b := base[r.parallel]; b > 0 {
			vs = fmt.Sprintf("%.2fx", float64(r.total)/float64(b))
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.target, r.parallel, r.st.cases.Load(),
			float64(r.total)/1e6, vs,
			fmtLatency(r.st.whole.Percentile(50)), fmtLatency(r.st.whole.Percentile(99)),
			fmtLatency(r.st.create.Percentile(50)), fmtLatency(r.st.create.Percentile(99)),
			fmtLatency(r.st.drop.Percentile(50)), fmtLatency(r.st.drop.Percentile(99)))
	}
	tw.Flush()
}
