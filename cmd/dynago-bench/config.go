package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

const (
	// defaultItemSize is the item size the targets of issue 7 are set for
	// (bytes, DynamoDB's item size rule).
	defaultItemSize = 250
	// defaultKeys is the number of items loaded and addressed.
	defaultKeys = 10000
	// defaultConcurrency is the number of closed-loop clients.
	defaultConcurrency = 16
	// maxDuration bounds any one measured window.
	maxDuration = 10 * time.Minute
	// maxKeys bounds the keyspace (the scale mode loads 10^6 items).
	maxKeys = 10_000_000
)

// LoadConfig is the flags shared by every mode that drives load.
type LoadConfig struct {
	Concurrency int
	Duration    time.Duration
	Warmup      time.Duration
	ItemSize    int
	Keys        int
	Workloads   string
	Table       string
	Client      string
	Seed        uint64
	// Creds sign the requests; empty fields are the tool's own.
	Creds Credentials
}

// register adds the shared load flags to fs.
func (c *LoadConfig) register(fs *flag.FlagSet) {
	fs.IntVar(&c.Concurrency, "concurrency", defaultConcurrency, "closed-loop clients, each with one request in flight")
	fs.DurationVar(&c.Duration, "duration", 5*time.Second, "measured window of each workload")
	fs.DurationVar(&c.Warmup, "warmup", time.Second, "unmeasured load before each window")
	fs.IntVar(&c.ItemSize, "item-size", defaultItemSize, "approximate item size in bytes (DynamoDB's size rule)")
	fs.IntVar(&c.Keys, "keys", defaultKeys, "distinct items, in 10-item partitions; loaded first for get/query/update/scan/mixed")
	fs.StringVar(&c.Workloads, "workload", "all", "comma-separated: put, get, query, update, batchwrite, scan, batchget, mixed, transact, getrecords, partiql, put-stream, put-pitr, or all (compare runs the last five against dynago only)")
	fs.StringVar(&c.Table, "table", "dynago_bench", "table the tool creates (deleting any old one) and loads")
	fs.StringVar(&c.Client, "client", "lean", "lean (fasthttp + own SigV4 signer, checked against the SDK's) or sdk (aws-sdk-go-v2 DynamoDB client over net/http)")
	fs.Uint64Var(&c.Seed, "seed", 1, "seed of the key sequence")
	fs.StringVar(&c.Creds.AccessKey, "access-key", benchAccessKey, "access key id requests are signed with (a key of the auth file for a server started with --auth)")
	fs.StringVar(&c.Creds.SecretKey, "secret-key", benchSecretKey, "secret of -access-key")
	fs.StringVar(&c.Creds.Region, "region", benchRegion, "region of the credential scope")
}

// validate checks the bounds that keep every run finite and sane.
func (c *LoadConfig) validate() error {
	switch {
	case c.Concurrency < 1 || c.Concurrency > 1024:
		return fmt.Errorf("-concurrency %d: want 1..1024", c.Concurrency)
	case c.Duration <= 0 || c.Duration > maxDuration:
		return fmt.Errorf("-duration %s: want >0 and <= %s", c.Duration, maxDuration)
	case c.Warmup < 0 || c.Warmup > maxDuration:
		return fmt.Errorf("-warmup %s: want 0..%s", c.Warmup, maxDuration)
	case c.ItemSize < 50 || c.ItemSize > 350_000:
		return fmt.Errorf("-item-size %d: want 50..350000", c.ItemSize)
	case c.Keys < batchSize || c.Keys > maxKeys:
		return fmt.Errorf("-keys %d: want %d..%d", c.Keys, batchSize, maxKeys)
	case c.Client != "lean" && c.Client != "sdk":
		return fmt.Errorf("-client %q: want lean or sdk", c.Client)
	}
	return nil
}

// Bench is a configured load generator against one endpoint.
type Bench struct {
	cfg      LoadConfig
	endpoint string
	enc      *Encoder
	setup    *LeanClient
	load     Client
	log      io.Writer
}

// NewBench checks cfg and endpoint and builds the clients.
func NewBench(cfg LoadConfig, endpoint string, log io.Writer) (*Bench, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	enc, err := NewEncoder(cfg.Table, cfg.ItemSize, Keyspace{Items: cfg.Keys})
	if err != nil {
		return nil, err
	}
	setup, err := NewLeanClient(endpoint, enc, cfg.Concurrency)
	if err != nil {
		return nil, err
	}
	setup.SetCredentials(cfg.Creds)
	var load Client = setup
	if cfg.Client == "sdk" {
		if load, err = NewSDKClient(endpoint, cfg.Table, enc, cfg.Concurrency, cfg.Creds); err != nil {
			return nil, err
		}
	}
	return &Bench{cfg: cfg, endpoint: endpoint, enc: enc, setup: setup, load: load, log: log}, nil
}

// Close releases the clients' connections.
func (b *Bench) Close() {
	b.setup.Close()
	b.load.Close()
}

// Prepare creates the tables the workloads use afresh (-table always) and,
// when any workload reads data or uses a table besides -table, loads
// cfg.Keys items into each (together, LoadItems), so a put to a stream or
// PITR table replaces an item as a put to -table does. It then reads the
// stream GetRecords uses.
func (b *Bench) Prepare(ctx context.Context, wls []*Workload) error {
	kinds, load := tablesOf(wls)
	var names []string
	for _, k := range kinds {
		name := b.enc.TableName(k)
		if err := RecreateTable(ctx, b.setup, name, k); err != nil {
			return fmt.Errorf("table %s: %w", name, err)
		}
		names = append(names, name)
	}
	if load {
		t0 := time.Now()
		if err := LoadItems(ctx, b.setup, kinds, 0, b.cfg.Keys, b.cfg.Concurrency, b.log); err != nil {
			return err
		}
		fmt.Fprintf(b.log, "  loaded %d items into %s in %s\n", b.cfg.Keys, strings.Join(names, ", "), time.Since(t0).Round(time.Millisecond))
	}
	for _, wl := range wls {
		if wl.Weights[OpGetRecords] > 0 {
			s, err := ReadStream(ctx, b.setup, b.enc.TableName(TableStream))
			if err != nil {
				return err
			}
			b.enc.SetStream(s)
			break
		}
	}
	return nil
}

// tablesOf returns the tables wls use, TableMain first and always, and
// whether they need loaded items.
func tablesOf(wls []*Workload) (kinds []TableKind, load bool) {
	used := [numTableKinds]bool{TableMain: true}
	for _, wl := range wls {
		used[wl.Table] = true
		load = load || wl.NeedsData() || wl.Table != TableMain
	}
	for k, u := range used {
		if u {
			kinds = append(kinds, TableKind(k))
		}
	}
	return kinds, load
}

// RunWorkload measures one workload over the configured keyspace.
func (b *Bench) RunWorkload(ctx context.Context, target string, wl *Workload, serverPID int) *Result {
	return b.RunWorkloadKeys(ctx, target, wl, serverPID, b.cfg.Keys)
}

// RunWorkloadKeys measures one workload addressing only the first keys
// items.
func (b *Bench) RunWorkloadKeys(ctx context.Context, target string, wl *Workload, serverPID, keys int) *Result {
	return Run(ctx, b.load, wl, RunOptions{
		Target:      target,
		Concurrency: b.cfg.Concurrency,
		Warmup:      b.cfg.Warmup,
		Duration:    b.cfg.Duration,
		Keyspace:    Keyspace{Items: keys},
		ServerPID:   serverPID,
		Seed:        b.cfg.Seed,
	})
}
