package main

// The ab mode compares two endpoints under the same load in alternating
// short slices (a quarter of a second by default): A, B, B, A, A, B, ...
// On a shared machine a neighbour's burst, or a change in where the
// threads land, lasts seconds and moves a server's throughput by a third;
// bench/auth.sh's rounds of seconds per server then scatter by ±15 points
// and a median of tens of rounds is needed to tell a few points apart.
// Slices this short put both servers in the same weather, and the ratio
// of their totals (and the median of adjacent slices' ratios) settles in
// a minute. It is the method the handler benchmarks use
// (BenchmarkGetItemAuthFastInterleaved), over the wire.
//
//	dynago-bench ab -a http://127.0.0.1:8001 -a-pid 123 \
//	    -b http://127.0.0.1:8002 -b-pid 456 -b-access-key K -b-secret-key S \
//	    -workload get -duration 60s

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"
)

// abSide is one endpoint of an A/B run and what its slices measured.
type abSide struct {
	name    string
	bench   *Bench
	workers []Worker
	pid     int

	requests uint64
	errors   uint64
	firstErr error
	elapsed  time.Duration
	cpu      time.Duration
	// rates are each measured slice's requests per second, in order.
	rates []float64
}

// abFlags are the ab mode's flags beyond the shared load flags, which
// both sides use (their credentials default to -access-key and
// -secret-key).
type abFlags struct {
	a, b          string
	aPID, bPID    int
	aKey, aSecret string
	bKey, bSecret string
	slice         time.Duration
	setup         bool
	aName, bName  string
}

func (f *abFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.a, "a", "", "endpoint A (loopback only)")
	fs.StringVar(&f.b, "b", "", "endpoint B (loopback only)")
	fs.IntVar(&f.aPID, "a-pid", 0, "A's server pid, to report its CPU per request")
	fs.IntVar(&f.bPID, "b-pid", 0, "B's server pid")
	fs.StringVar(&f.aKey, "a-access-key", "", "access key A's requests are signed with (default -access-key)")
	fs.StringVar(&f.aSecret, "a-secret-key", "", "secret of -a-access-key (default -secret-key)")
	fs.StringVar(&f.bKey, "b-access-key", "", "access key B's requests are signed with (default -access-key)")
	fs.StringVar(&f.bSecret, "b-secret-key", "", "secret of -b-access-key (default -secret-key)")
	fs.StringVar(&f.aName, "a-name", "a", "A's name in the report")
	fs.StringVar(&f.bName, "b-name", "b", "B's name in the report")
	fs.DurationVar(&f.slice, "slice", 250*time.Millisecond, "length of one slice of load on one side")
	fs.BoolVar(&f.setup, "setup", true, "create each side's table and load its data first")
}

// cmdAB runs the ab mode: -duration is the measured time of each side,
// -warmup the unmeasured load of each before the first slice.
func cmdAB(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ab", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg LoadConfig
	cfg.register(fs)
	var f abFlags
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if f.a == "" || f.b == "" {
		return fmt.Errorf("ab needs -a and -b")
	}
	if f.slice < 10*time.Millisecond || f.slice > cfg.Duration {
		return fmt.Errorf("-slice %s: want 10ms..-duration (%s)", f.slice, cfg.Duration)
	}
	wls, err := ParseWorkloads(cfg.Workloads)
	if err != nil {
		return err
	}
	if len(wls) != 1 {
		return fmt.Errorf("-workload %q: ab compares one workload", cfg.Workloads)
	}
	wl := wls[0]
	open := func(name, endpoint string, pid int, key, secret string) (*abSide, error) {
		c := cfg
		if key != "" {
			c.Creds.AccessKey = key
		}
		if secret != "" {
			c.Creds.SecretKey = secret
		}
		b, err := NewBench(c, endpoint, stderr)
		if err != nil {
			return nil, err
		}
		s := &abSide{name: name, bench: b, pid: pid}
		for range cfg.Concurrency {
			s.workers = append(s.workers, b.load.NewWorker())
		}
		return s, nil
	}
	a, err := open(f.aName, f.a, f.aPID, f.aKey, f.aSecret)
	if err != nil {
		return err
	}
	defer a.bench.Close()
	b, err := open(f.bName, f.b, f.bPID, f.bKey, f.bSecret)
	if err != nil {
		return err
	}
	defer b.bench.Close()
	if f.setup {
		for _, s := range []*abSide{a, b} {
			if err := s.bench.Prepare(ctx, wls); err != nil {
				return fmt.Errorf("%s: %w", s.name, err)
			}
		}
	}

	fmt.Fprintf(stdout, "# %s\n# %s: %s, %s: %s; %s, %d clients, slices of %s, %s measured each after %s warm-up, %d keys, %s client\n",
		MachineLine(), a.name, f.a, b.name, f.b, wl.Name, cfg.Concurrency, f.slice, cfg.Duration, cfg.Warmup, cfg.Keys, cfg.Client)
	ks := Keyspace{Items: cfg.Keys}
	seed := cfg.Seed
	for _, s := range []*abSide{a, b} {
		s.slice(ctx, wl, ks, cfg.Warmup, seed, false)
	}
	slicesEach := int((cfg.Duration + f.slice - 1) / f.slice)
	for i := range slicesEach {
		order := []*abSide{a, b}
		if i%2 == 1 {
			order = []*abSide{b, a}
		}
		for _, s := range order {
			seed += uint64(cfg.Concurrency)
			s.slice(ctx, wl, ks, f.slice, seed, true)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	printAB(stdout, a, b)
	for _, s := range []*abSide{a, b} {
		if s.errors > 0 {
			return fmt.Errorf("%s: %d errors, first: %v", s.name, s.errors, s.firstErr)
		}
	}
	return nil
}

// slice loads s with every worker for d and, when measured, adds what it
// saw: the requests answered, the time until the last of them was, and
// the server's CPU over that time.
func (s *abSide) slice(ctx context.Context, wl *Workload, ks Keyspace, d time.Duration, seed uint64, measured bool) {
	var stop atomic.Bool
	var mu sync.Mutex
	var n, errs uint64
	var firstErr error
	var wg sync.WaitGroup
	cpu0 := procCPU(s.pid)
	start := time.Now()
	for i, w := range s.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed+uint64(i), seed^0xda3e39cb94b95bdb))
			var ok, failed uint64
			var err1 error
			for !stop.Load() && ctx.Err() == nil {
				if _, err := w.Do(ctx, wl.Next(rng, ks)); err != nil {
					failed++
					if err1 == nil {
						err1 = err
					}
					time.Sleep(time.Millisecond) // as runWorker: no spinning on errors
					continue
				}
				ok++
			}
			mu.Lock()
			n, errs = n+ok, errs+failed
			if firstErr == nil {
				firstErr = err1
			}
			mu.Unlock()
		}()
	}
	sleep(ctx, d)
	stop.Store(true)
	wg.Wait()
	// Until the last answer: every request counted was answered within
	// it, and the server's CPU for them is spent.
	elapsed := time.Since(start)
	cpu := procCPU(s.pid) - cpu0
	if !measured {
		return
	}
	s.requests += n
	s.errors += errs
	if s.firstErr == nil {
		s.firstErr = firstErr
	}
	s.elapsed += elapsed
	s.cpu += cpu
	s.rates = append(s.rates, float64(n)/elapsed.Seconds())
}

func (s *abSide) reqPerSec() float64 { return ratio(float64(s.requests), s.elapsed.Seconds()) }

func (s *abSide) serverCPUPerReq() time.Duration {
	if s.pid == 0 || s.requests == 0 {
		return 0
	}
	return s.cpu / time.Duration(s.requests)
}

// printAB reports each side's totals, then B against A: the ratio of
// the totals, and the median and quartiles of the ratios of adjacent
// slices (slice i of A and slice i of B were run one after the other).
func printAB(w io.Writer, a, b *abSide) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "target\tslices\trequests\treq/s\terrors\tserver µs/req\t")
	for _, s := range []*abSide{a, b} {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%d\t%s\t\n", s.name, len(s.rates), s.requests, fmtRate(s.reqPerSec()), s.errors, fmtCPU(s.serverCPUPerReq()))
	}
	tw.Flush()
	var pairs []float64
	for i := range min(len(a.rates), len(b.rates)) {
		if a.rates[i] > 0 {
			pairs = append(pairs, 100*b.rates[i]/a.rates[i])
		}
	}
	q1, med, q3 := quartiles(pairs)
	fmt.Fprintf(w, "%s/%s throughput: %.1f %% of totals; slice pairs: median %.1f %%, quartiles %.1f-%.1f %% (%d pairs)",
		b.name, a.name, 100*ratio(b.reqPerSec(), a.reqPerSec()), med, q1, q3, len(pairs))
	if ac, bc := a.serverCPUPerReq(), b.serverCPUPerReq(); ac > 0 && bc > 0 {
		fmt.Fprintf(w, "; server CPU/req %.1f %%", 100*float64(bc)/float64(ac))
	}
	fmt.Fprintln(w)
}

// quartiles returns the first quartile, median and third quartile of xs
// (nearest rank), zeros when it is empty.
func quartiles(xs []float64) (q1, med, q3 float64) {
	if len(xs) == 0 {
		return 0, 0, 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	at := func(p float64) float64 { return s[min(len(s)-1, int(p*float64(len(s))))] }
	return at(0.25), at(0.5), at(0.75)
}
