// Package dynagotest runs a Dynago server inside a Go test, so code that
// talks to DynamoDB through aws-sdk-go-v2 can be tested without Docker, a
// JVM or a network: each call to New starts a fresh server on in-memory
// storage, listening on a free loopback port, and stops it when the test
// ends.
//
//	func TestSaveUser(t *testing.T) {
//		db := dynagotest.New(t)
//		client := db.Client() // a *dynamodb.Client pointed at the server
//		// ... CreateTable, PutItem, Query as against DynamoDB ...
//	}
//
// Every server is independent: tests may call New in parallel, and tables
// created by one test are never seen by another.
//
// As with DynamoDB Local, which it replaces, provisioned throughput is not
// enforced by default: a suite that creates the tutorials' tables with 1-5
// read and write units is never throttled. WithThrottling turns
// enforcement on, for a test of the application's back-off. WithClock
// gives the server a clock the test moves, for TTL tests.
package dynagotest

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/dynago/dynago/internal/kv"
	"github.com/dynago/dynago/internal/s3store"
	"github.com/dynago/dynago/internal/sdkhttp"
	"github.com/dynago/dynago/internal/server"
)

// Region is the AWS region the client from Client uses. Dynago accepts any
// region; this one appears in the ARNs of the tables it describes.
const Region = "us-east-1"

// shutdownTimeout bounds how long t.Cleanup waits for the server to stop,
// so a stuck request cannot hang the whole test binary.
const shutdownTimeout = 10 * time.Second

// Server is a Dynago server started for one test. It is safe for
// concurrent use by the test's goroutines.
type Server struct {
	srv    *server.Server
	client *dynamodb.Client
	stop   func() error // runs once, from Stop or the test's cleanup
}

// Option changes how New starts a server.
type Option func(*options)

type options struct {
	dataDir     string
	logger      *slog.Logger
	ttlInterval time.Duration
	throttle    bool

	streamRetention, streamRollover time.Duration
	streamWebhook                   string
	streamShardReaders              int
	streamPartitionBytes            int64
	now                             func() time.Time
	nodes                           int

	// tikv serves from a mock TiKV cluster of the server's own
	// (StoreEnv, WithTiKV); store, when set, opens the store the server
	// runs on and is closed after it (WithTiKVCluster).
	tikv     bool
	store    func(context.Context) (kv.Store, error)
	objects  s3store.Store
	authFile string
}

// WithObjects makes store the server's S3 (what ExportTableToPointInTime
// writes and ImportTable reads); s3store.NewMemory() lets a test read an
// export's files directly. Without it an in-memory server has a memory
// store of its own, and one WithDataDir a directory under its data.
func WithObjects(store s3store.Store) Option {
	return func(o *options) { o.objects = store }
}

// StoreEnv names the environment variable that, set to "tikv", makes every
// server New starts without WithDataDir serve from client-go's in-process
// mock TiKV cluster instead of in-memory Pebble: `DYNAGOTEST_STORE=tikv go
// test -tags tikv ./integration/` runs a suite on the TiKV backend without
// changing it. A test binary built without the tikv tag fails such a
// server at start, saying so. "pebble" or unset is the default.
const StoreEnv = "DYNAGOTEST_STORE"

// NodesEnv names the environment variable that, set to a number above 1,
// makes every server New starts run as that many API nodes over one
// store (see WithNodes): `DYNAGOTEST_NODES=2 go test ./...` runs a whole
// test suite against a multi-node Dynago without changing it.
const NodesEnv = "DYNAGOTEST_NODES"

// WithNodes runs the server as n engine instances (API nodes) over one
// shared store, handing requests to them in turn, as n stateless Dynago
// nodes behind a load balancer would serve them. Everything a client sees
// must be the same as with one node; a test suite run this way checks
// that it does not depend on one node's memory. It overrides NodesEnv.
func WithNodes(n int) Option {
	return func(o *options) { o.nodes = n }
}

// WithTTLInterval makes the server look for expired TTL items every d
// instead of every 10 s, so a TTL test need not wait long.
func WithTTLInterval(d time.Duration) Option {
	return func(o *options) { o.ttlInterval = d }
}

// WithStreamRetention keeps stream records for d instead of 24 hours, and
// WithStreamRollover rolls open stream shards over to child shards every d
// instead of every 4 hours, so a test sees trimming and child shards
// without waiting (the stream job runs on real time, a few times per d).
func WithStreamRetention(d time.Duration) Option {
	return func(o *options) { o.streamRetention = d }
}

// WithStreamRollover: see WithStreamRetention.
func WithStreamRollover(d time.Duration) Option {
	return func(o *options) { o.streamRollover = d }
}

// WithStreamShardReaders lets n readers (iterator chains) read one stream
// shard at the same time; GetRecords of one more answers
// LimitExceededException (`dynago serve --stream-shard-readers`).
func WithStreamShardReaders(n int) Option {
	return func(o *options) { o.streamShardReaders = n }
}

// WithStreamPartitionBytes splits a table's stream shards once the table
// holds more than n bytes a shard, instead of 10 GB, so a test sees a
// table's growth split its shards.
func WithStreamPartitionBytes(n int64) Option {
	return func(o *options) { o.streamPartitionBytes = n }
}

// WithStreamWebhook makes the server POST every enabled stream's records
// to url as Lambda's DynamoDB events (`dynago serve --stream-webhook`).
func WithStreamWebhook(url string) Option {
	return func(o *options) { o.streamWebhook = url }
}

// WithThrottling enforces provisioned throughput as DynamoDB does: a
// request beyond a provisioned table's or index's capacity (after burst
// capacity) gets ProvisionedThroughputExceededException. Without it, as
// in DynamoDB Local, no request is throttled (consumed capacity is still
// computed and returned).
func WithThrottling() Option {
	return func(o *options) { o.throttle = true }
}

// WithoutThrottling is the default; it is kept so that callers written
// when throttling was on by default still compile and mean what they said.
func WithoutThrottling() Option {
	return func(o *options) { o.throttle = false }
}

// WithClock makes now the server's clock: what TTL expiry, transient
// statuses and throughput accounting read (Clock is one a test moves).
// The TTL job still runs on real time, every WithTTLInterval; it deletes
// the items expired by now's time.
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.now = now }
}

// WithLogger sends the server's logs to l. By default warnings and errors
// go to t.Log, so they show up only for a failing test (or with -v).
func WithLogger(l *slog.Logger) Option {
	return func(o *options) { o.logger = l }
}

// WithDataDir stores the server's data in dir instead of in memory. Use it
// to test what survives a restart: start a second server on the same dir
// after the first has closed. The directory is not removed afterwards;
// t.TempDir() is the usual choice.
func WithDataDir(dir string) Option {
	return func(o *options) { o.dataDir = dir }
}

// WithAuthFile makes the server verify signatures and authorize requests
// with the auth file at path, as `dynago serve --auth path` does
// (docs/security.md). Server.Client's dummy credentials are then refused:
// sign with a key of the file (NewClientWithKey).
func WithAuthFile(path string) Option {
	return func(o *options) { o.authFile = path }
}

// New starts a Dynago server on 127.0.0.1 at a free port, on in-memory
// storage unless WithDataDir says otherwise, and registers its shutdown
// with t.Cleanup. It fails the test at once if the server cannot start.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	var o options
	if n, err := strconv.Atoi(os.Getenv(NodesEnv)); err == nil {
		o.nodes = n
	}
	switch env := os.Getenv(StoreEnv); env {
	case "", "pebble":
	case "tikv":
		o.tikv = true
	default:
		t.Fatalf("dynagotest: %s=%q: want tikv or pebble", StoreEnv, env)
	}
	for _, opt := range opts {
		opt(&o)
	}
	var tl *testLog
	if o.logger == nil {
		tl = &testLog{t: t}
		o.logger = slog.New(slog.NewTextHandler(tl, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	cfg := server.Config{
		Host:     "127.0.0.1",
		Port:     0,
		DataDir:  o.dataDir,
		InMemory: o.dataDir == "",
		Logger:   o.logger,

		TTLInterval: o.ttlInterval,
		NoThrottle:  !o.throttle,

		StreamRetention: o.streamRetention,
		StreamRollover:  o.streamRollover,
		StreamWebhook:   o.streamWebhook,

		StreamShardReaders:   o.streamShardReaders,
		StreamPartitionBytes: o.streamPartitionBytes,
		Now:                  o.now,
		Nodes:                o.nodes,
		Objects:              o.objects,
		AuthFile:             o.authFile,
	}
	var store kv.Store
	switch {
	case o.dataDir != "": // what survives a restart: Pebble, whatever StoreEnv says
	case o.store != nil:
		var err error
		if store, err = o.store(context.Background()); err != nil {
			t.Fatalf("dynagotest: opening the store: %v", err)
		}
		cfg.Store, cfg.InMemory = store, false
	case o.tikv:
		cfg.TiKV, cfg.InMemory = server.TiKVMock, false
	}
	srv, err := server.Start(context.Background(), cfg)
	if err != nil {
		if store != nil {
			store.Close()
		}
		t.Fatalf("dynagotest: starting server: %v", err)
	}
	s := &Server{srv: srv}
	s.client = NewClient(srv.URL())
	s.stop = sync.OnceValue(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		err := srv.Close(ctx)
		if store != nil {
			err = errors.Join(err, store.Close())
		}
		if tl != nil {
			tl.closed.Store(true)
		}
		return err
	})
	t.Cleanup(func() {
		if err := s.stop(); err != nil {
			t.Errorf("dynagotest: closing server: %v", err)
		}
	})
	return s
}

// Stop stops the server before the test ends, as an API node that goes
// away: its requests in flight finish, its background jobs are cancelled
// (another node over the same store takes them over once their leases
// lapse), and its store is closed if New opened it. Calling it again, or
// the test's cleanup after it, does nothing; its error is the one closing
// returned.
func (s *Server) Stop() error { return s.stop() }

// URL returns the server's base URL, such as "http://127.0.0.1:41234", for
// clients other than the one Client returns (boto3 in a subprocess, the AWS
// CLI's --endpoint-url, a hand-written HTTP request).
func (s *Server) URL() string { return s.srv.URL() }

// Client returns an aws-sdk-go-v2 DynamoDB client pointed at the server,
// with static dummy credentials and region us-east-1, so nothing from the
// environment or ~/.aws leaks into the test. Every call returns the same
// client.
func (s *Server) Client() *dynamodb.Client { return s.client }

// NewClient returns a DynamoDB client for the Dynago server at url, with
// static dummy credentials (Dynago accepts any) and region us-east-1. It
// reads no environment variables or shared config files. Its HTTP client
// works around an SDK race that a fast local server exposes
// (internal/sdkhttp).
func NewClient(url string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		BaseEndpoint: aws.String(url),
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider("dynago", "dynago", ""),
		HTTPClient:   sdkhttp.Client(),
	})
}

// NewClientWithKey returns a DynamoDB client for the Dynago server at url
// signing with the access key id and secret (and session token, for a
// temporary key) in region, reading nothing from the environment.
func NewClientWithKey(url, region, id, secret, token string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		BaseEndpoint: aws.String(url),
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider(id, secret, token),
		HTTPClient:   sdkhttp.Client(),
	})
}

// ReloadAuth reads the server's auth file again, as SIGHUP does for
// `dynago serve`; on error the old file stays in force.
func (s *Server) ReloadAuth() error { return s.srv.ReloadAuth() }

// testLog writes log lines to t.Log until the server has closed: logging
// to a finished test panics, and a stray background line must not.
type testLog struct {
	t      testing.TB
	closed atomic.Bool
}

func (l *testLog) Write(p []byte) (int, error) {
	if !l.closed.Load() {
		l.t.Log("dynago: " + strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}
