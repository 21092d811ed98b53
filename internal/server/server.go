// Package server assembles a running Dynago: it opens the store and the
// engine over it, puts the wire handler in front, listens, and shuts all of
// it down in order. cmd/dynago is a thin shell over it, and Go tests use it
// to run Dynago in-process.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"

	"github.com/dynago/dynago/internal/engine"
	"github.com/dynago/dynago/internal/kv"
	"github.com/dynago/dynago/internal/metrics"
	"github.com/dynago/dynago/internal/s3store"
	"github.com/dynago/dynago/internal/wire"
)

// Defaults of Config, which are also the documented defaults of the
// `dynago serve` flags.
const (
	DefaultHost      = "127.0.0.1"
	DefaultPort      = 8000
	DefaultDataDir   = "./dynago-data"
	DefaultLogLevel  = "info"
	DefaultRegion    = "us-east-1"
	DefaultAccountID = "000000000000"
)

// Connection limits: how long a client may take to send a request once it
// has started one, how long a keep-alive connection may sit idle (so that
// abandoned connections cannot pile up), and the largest request head
// (request line and headers; SDK requests are 1-3 KB).
const (
	readTimeout     = 30 * time.Second
	idleTimeout     = 2 * time.Minute
	readBufferBytes = 16 << 10 // 16 KB
)

// DefaultMaxConns bounds the connections a server serves at once, and
// separately those it holds before their first byte (Config.MaxConns), so
// that thousands of idle connections cannot starve the process of
// descriptors and memory.
const DefaultMaxConns = 10_000

// Config is everything a Dynago server needs to start.
type Config struct {
	// Host and Port to listen on. Port 0 picks a free port; Addr and URL
	// report the one chosen.
	Host string
	Port int

	// DataDir holds the database. Ignored when InMemory, TiKV or Store
	// is set.
	DataDir string

	// TiKV, when set, serves from a TiKV cluster instead of Pebble: PD
	// endpoints, comma separated, or TiKVMock for client-go's in-process
	// mock cluster (`--tikv`). A build without the tikv tag refuses it
	// with ErrNoTiKV (backend.go).
	TiKV string

	// Store, when set, is the store to serve from, opened by the caller,
	// who closes it after the Server. It is treated as shared with other
	// processes (as a TiKV store is): tests hand several Servers one
	// store of one mock cluster to run them as API nodes.
	Store kv.Store

	// InMemory keeps all data in memory: nothing survives Close.
	InMemory bool

	// LogLevel is debug, info, warn or error. Empty means info.
	LogLevel string

	// LogFormat is text or json (logging.go). Empty means text.
	LogFormat string

	// Logger, when set, receives all logs instead of a LogFormat logger
	// on stderr at LogLevel.
	Logger *slog.Logger

	// NoAccessLog turns the per-request info lines off (`--access-log=false`):
	// requests are then logged at debug only (wire/access_log.go).
	NoAccessLog bool

	// CORSOrigins are the origins browsers may call the API from
	// (`--cors`, DynamoDB Local's -cors). Empty, or holding "*", means any.
	CORSOrigins []string

	// NoCORS allows browsers no origin (wire.Options.NoCORS): the
	// default with AuthFile unless --cors is given.
	NoCORS bool

	// Transient, when set, makes tables and indexes pass through
	// CREATING, UPDATING and DELETING for these delays
	// (`-delayTransientStatuses`; engine/transient_status.go).
	Transient *engine.TransientDelays

	// Region and AccountID appear in ARNs and in the health check.
	Region    string
	AccountID string

	// TTLInterval is how often expired items are deleted. Zero means
	// DefaultTTLInterval; negative turns TTL deletion off.
	TTLInterval time.Duration

	// StreamRetention is how long stream records are kept (zero: 24
	// hours) and StreamRollover how often open stream shards roll over to
	// child shards (zero: 4 hours; negative: never), as
	// engine.Options says. Tests shorten them (`--stream-retention`,
	// `--stream-rollover`).
	StreamRetention time.Duration
	StreamRollover  time.Duration
	// StreamWebhook, when set, is a URL that gets every enabled stream's
	// records POSTed as Lambda's DynamoDB events (`--stream-webhook`).
	StreamWebhook string
	// StreamShardReaders, when positive, is how many readers may read one
	// stream shard at the same time before GetRecords answers
	// LimitExceededException (`--stream-shard-readers`; DynamoDB: 2).
	StreamShardReaders int
	// StreamPartitionBytes is the table size per stream shard past which
	// shards split (zero: 10 GB), as engine.Options says; for tests.
	StreamPartitionBytes int64

	// TiKVGC tunes the GC job of a TiKV store (tikv_gc.go); the zero
	// value is its defaults. Tests shorten it.
	TiKVGC TiKVGCConfig

	// CatalogStaleness is engine.Options.CatalogStaleness over a shared
	// store (TiKV): how late a read may see a table deleted or changed
	// through another node, to save the catalog check each request
	// makes. Zero checks on every request. On Pebble the check is a
	// memory read and this is not used.
	CatalogStaleness time.Duration

	// Now, when set, is the engine's clock (engine.Options.Now): what TTL
	// expiry, transient statuses and throughput accounting read. Tests set
	// it (dynagotest.WithClock); nil is time.Now.
	Now func() time.Time

	// NoThrottle turns provisioned-throughput enforcement off, as in
	// DynamoDB Local: requests are never refused with
	// ProvisionedThroughputExceededException.
	NoThrottle bool

	// CacheBytes is the storage block cache's capacity; zero means
	// pebble.DefaultCacheSize. The cache fills only as data is read.
	CacheBytes int64

	// Pprof serves Go's runtime profiles under /debug/pprof/ on the API
	// port, or on AdminAddr when set (see withPprof), for performance
	// work. Off by default; refused unless the port it is served on
	// listens on a loopback address.
	Pprof bool

	// AdminAddr, when set (host:port, `--admin-addr`), is where /metrics
	// and /debug/pprof/ are served instead of the API port (admin.go).
	AdminAddr string

	// StoreFS, when set, is the filesystem the store's files go through
	// (pebble.Options.FS), for tests that inject disk faults (Pebble's
	// errorfs). Nil is the operating system's.
	StoreFS vfs.FS

	// S3Endpoint is the S3-compatible endpoint exports are written to and
	// imports read from (`--s3-endpoint`), through aws-sdk-go-v2's client
	// with path-style addressing and credentials from the standard AWS
	// chain. Empty means a directory under DataDir (<DataDir>/s3/<bucket>/…,
	// S3's layout), or memory for an InMemory server.
	S3Endpoint string

	// Objects, when set, is the object store itself (tests), overriding
	// S3Endpoint.
	Objects s3store.Store

	// KinesisEndpoint is the Kinesis Data Streams endpoint Kinesis
	// streaming destinations deliver to (`--kinesis-endpoint`: kinesalite,
	// LocalStack; "aws" for AWS's own), through aws-sdk-go-v2's client
	// with credentials from the standard AWS chain. Empty: no Kinesis, and
	// every destination goes ENABLE_FAILED. Kinesis, when set, is the sink
	// itself (tests), overriding it.
	KinesisEndpoint string
	Kinesis         engine.KinesisSink
	// AuthFile, when set, is the auth file (`--auth`, auth.Load): every
	// request's SigV4 signature is verified against its access keys and
	// authorized with its users' policies (docs/security.md). Empty
	// accepts any credentials, as DynamoDB Local does. ReloadAuth reads
	// it again.
	AuthFile string

	// TLSCert and TLSKey, when set, are the PEM files of the certificate
	// and key the port serves HTTPS with (`--tls-cert`, `--tls-key`;
	// tls.go). ReloadTLS reads them again.
	TLSCert, TLSKey string

	// MaxConns bounds the connections served at once (fasthttp's
	// Concurrency: more are answered 503 and closed) and, separately,
	// those accepted but silent so far (past it the one silent longest is
	// closed to make room). Zero means DefaultMaxConns.
	MaxConns int

	// Nodes, when above 1, runs that many engines over the one store and
	// hands requests to them in turn, as that many API nodes over one
	// shared store (TiKV) would serve them: a test of everything that must
	// hold across nodes (the catalog, background jobs, transactions).
	Nodes int
}

// DefaultTTLInterval is how often, by default, the TTL job deletes expired
// items.
const DefaultTTLInterval = 10 * time.Second

// Server is a running Dynago.
type Server struct {
	cfg      Config
	log      *slog.Logger
	backend  *backend
	db       *engine.DB
	nodes    []*engine.DB // db first; more with Config.Nodes
	metrics  *metrics.Metrics
	handler  http.Handler
	api      *wire.Handler
	ln       net.Listener
	ready    *readyListener // ln, as fasthttp is given it
	http     *fasthttp.Server
	serveErr chan error
	// serveDone is closed when fasthttp's Serve has returned, conns
	// counts the connections it serves: shutdownHTTP waits for both.
	serveDone chan struct{}
	conns     connCounter // newConnCounter

	// authn is the auth file's verification state; nil without AuthFile.
	authn *authState

	// admin serves AdminAddr; nil without it.
	admin   *http.Server
	adminLn net.Listener

	// tls is the certificate in force; nil without TLSCert.
	tls *tlsState
	// h2 serves the HTTP/2 connections of a TLS port; nil without TLS.
	h2 *h2Server

	// ns serves each account and region its own tables; nil without
	// AuthFile (namespaces.go).
	ns *namespaces
}

// ParseLogLevel turns a level name (debug, info, warn, error; any case)
// into a slog.Level.
func ParseLogLevel(s string) (slog.Level, error) {
	var l slog.Level
	if s == "" {
		return slog.LevelInfo, nil
	}
	if err := l.UnmarshalText([]byte(strings.ToUpper(s))); err != nil {
		return 0, fmt.Errorf("unknown log level %q (want debug, info, warn or error)", s)
	}
	return l, nil
}

func (cfg *Config) fill() error {
	if cfg.Host == "" {
		cfg.Host = DefaultHost
	}
	if cfg.DataDir == "" {
		cfg.DataDir = DefaultDataDir
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	if cfg.AccountID == "" {
		cfg.AccountID = DefaultAccountID
	}
	if cfg.Port < 0 || cfg.Port > 65535 {
		return fmt.Errorf("port %d out of range", cfg.Port)
	}
	if cfg.Pprof {
		if cfg.AdminAddr != "" {
			host, _, err := net.SplitHostPort(cfg.AdminAddr)
			if err != nil {
				return fmt.Errorf("--admin-addr %q: %w", cfg.AdminAddr, err)
			}
			if !loopbackHost(host) {
				return fmt.Errorf("--pprof serves profiles to anyone who reaches the port: it needs a loopback --admin-addr (127.0.0.1, ::1 or localhost), not %s", host)
			}
		} else if !loopbackHost(cfg.Host) {
			return fmt.Errorf("--pprof serves profiles to anyone who reaches the port: it needs a loopback --host (127.0.0.1, ::1 or localhost), not %s", cfg.Host)
		}
	}
	if cfg.Logger == nil {
		level, err := ParseLogLevel(cfg.LogLevel)
		if err != nil {
			return err
		}
		if cfg.Logger, err = NewLogger(os.Stderr, cfg.LogFormat, level); err != nil {
			return err
		}
	}
	return nil
}

// loopbackHost reports whether host only listens on the loopback
// interface.
func loopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Open opens the store and the engine and builds the handler, without
// listening: tests serve s.Handler() with httptest or call it directly.
// DescribeEndpoints then answers cfg's host:port.
func Open(ctx context.Context, cfg Config) (*Server, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	return open(ctx, cfg, net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)))
}

func open(ctx context.Context, cfg Config, endpoint string) (*Server, error) {
	log := cfg.Logger
	b, err := openBackend(ctx, cfg)
	if err != nil {
		return nil, err
	}
	objects, err := openObjects(ctx, cfg)
	if err != nil {
		b.Close()
		return nil, err
	}
	kinesisSink, err := openKinesis(ctx, cfg)
	if err != nil {
		b.Close()
		return nil, err
	}
	m := metrics.New()
	ttl := cfg.TTLInterval
	if ttl == 0 {
		ttl = DefaultTTLInterval
	}
	store := b.engineStore()
	engineOptions := func(account, region string) engine.Options {
		opts := engine.Options{
			Region:      region,
			AccountID:   account,
			Endpoint:    endpoint,
			Logger:      log.With("component", "engine"),
			TTLInterval: ttl,
			NoThrottle:  cfg.NoThrottle,
			Observer:    m,
			Transient:   cfg.Transient,
			Now:         cfg.Now,
			Objects:     objects,

			StreamRetention: cfg.StreamRetention,
			StreamRollover:  cfg.StreamRollover,
			StreamWebhook:   cfg.StreamWebhook,
			Kinesis:         kinesisSink,

			StreamShardReaders:   cfg.StreamShardReaders,
			StreamPartitionBytes: cfg.StreamPartitionBytes,

			SharedCapacity:    cfg.Nodes > 1 || b.shared,
			SharedCollections: cfg.Nodes > 1 || b.shared,
			SharedStats:       cfg.Nodes > 1 || b.shared,
			SharedWrites:      cfg.Nodes > 1 || b.shared,
			StoreError:        storeErrors(b.store),
		}
		if b.shared {
			opts.CatalogStaleness = cfg.CatalogStaleness
		}
		return opts
	}
	var nodes []*engine.DB
	for i := range max(cfg.Nodes, 1) {
		opts := engineOptions(cfg.AccountID, cfg.Region)
		opts.Logger = log.With("component", "engine", "node", i)
		db, err := engine.Open(ctx, store, opts)
		if err != nil {
			for _, n := range nodes {
				n.Close()
			}
			b.Close()
			return nil, err
		}
		nodes = append(nodes, db)
	}
	db := nodes[0]
	m.SetSource(db)
	var authn *authState
	if cfg.AuthFile != "" {
		if authn, err = newAuthState(cfg.AuthFile); err != nil {
			for _, n := range nodes {
				n.Close()
			}
			b.Close()
			return nil, err
		}
	}
	var served wire.Engine = db
	if len(nodes) > 1 {
		served = newRoundRobin(nodes)
	}
	var ns *namespaces
	if authn != nil {
		nsOptions := func(account, region string) engine.Options {
			opts := engineOptions(account, region)
			opts.Observer = newNSObserver(m, account, region)
			return opts
		}
		ns = &namespaces{root: served, store: store, options: nsOptions, view: b.namespaceView,
			known: func(account string) bool { return authn.current.Load().HasAccount(account) }}
		m.SetSource(nsSource{ns})
		if err := ns.openExisting(ctx); err != nil {
			for _, err := range ns.close() {
				log.Error("closing a namespace", "error", err)
			}
			for _, n := range nodes {
				n.Close()
			}
			b.Close()
			return nil, err
		}
		served = ns
	}
	api := wire.New(served, wire.Options{
		Logger:      log,
		AccessLog:   !cfg.NoAccessLog,
		CORSOrigins: cfg.CORSOrigins,
		NoCORS:      cfg.NoCORS,
		Region:      cfg.Region,
		Middleware:  m.Observe,

		Authenticate: authn.authenticator(),
	})
	return &Server{
		cfg:     cfg,
		log:     log,
		backend: b,
		db:      db,
		nodes:   nodes,
		metrics: m,
		handler: apiHandler(cfg, api, m),
		api:     api,
		authn:   authn,
		ns:      ns,
		conns:   newConnCounter(),
	}, nil
}

// Start opens Dynago as Open does and serves it on cfg.Host:cfg.Port until
// Close. It returns once the port is bound, so a client may connect as soon
// as Start returns.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	var tlsState *tlsState
	if cfg.TLSCert != "" || cfg.TLSKey != "" {
		var err error
		if tlsState, err = newTLSState(cfg.TLSCert, cfg.TLSKey); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)))
	if err != nil {
		return nil, err
	}
	endpoint := ln.Addr().String()
	if ip := ln.Addr().(*net.TCPAddr).IP; ip.IsUnspecified() {
		endpoint = net.JoinHostPort("localhost", strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	}
	s, err := open(ctx, cfg, endpoint)
	if err != nil {
		ln.Close()
		return nil, err
	}
	s.ln = ln
	s.tls = tlsState
	if err := s.startAdmin(); err != nil {
		ln.Close()
		s.Close(ctx) // the engine and the store; nothing serves yet
		return nil, err
	}
	maxConns := cfg.MaxConns
	if maxConns <= 0 {
		maxConns = DefaultMaxConns
	}
	s.http = &fasthttp.Server{
		Concurrency:           maxConns,
		CloseOnShutdown:       true,
		Handler:               fastHandler(s.api, s.handler),
		ReadTimeout:           readTimeout,
		IdleTimeout:           idleTimeout,
		ReadBufferSize:        readBufferBytes,
		MaxRequestBodySize:    int(s.api.MaxBodyBytes()),
		NoDefaultServerHeader: true,
		NoDefaultContentType:  true,
		Logger:                fastLogger{s.log},
		ErrorHandler:          fastError,
		ConnState:             s.conns.state,
		// Bodies are read by the API handler (wire's rawBody), which
		// takes their bytes from the budget of bodies in flight first:
		// fasthttp buffering every body whole would hold 64 × 16 MB.
		StreamRequestBody: true,
		HeaderReceived:    s.api.HeaderReceived,
	}
	s.ready = newBoundedReadyListener(ln, idleTimeout, maxConns)
	var served net.Listener = s.ready
	if s.tls != nil {
		// HTTP/2 and HTTP/1.1 by ALPN: h2.go.
		s.h2 = newH2Server(s.api, s.handler, maxConns, fastLogger{s.log})
		served = newALPNListener(s.ready, s.tls.config(), s.h2)
	}
	s.serveErr = make(chan error, 1)
	s.serveDone = make(chan struct{})
	done := make(chan error, 1)
	go func() {
		err := s.http.Serve(served)
		close(s.serveDone)
		done <- err
	}()
	go s.watch(done)
	return s, nil
}

// ErrStorageFailed is wrapped by the error ServeErr delivers when the
// store failed (a WAL write or fsync error, or a fatal error in Pebble:
// see pebble.ErrFailed).
var ErrStorageFailed = errors.New("the storage failed")

// watch delivers on ServeErr why serving ended: fasthttp's Serve returned
// (nil after Close), or the store failed. A failed store can neither make
// a write durable nor be trusted to read (a failed write may be in its
// memtable), and it refuses every call, so a server that stayed up would
// only be half alive: the owner of the Server (dynago serve) stops it on
// this error and exits non-zero, and the next start recovers every
// acknowledged write from the WAL. The failure is logged here, once.
func (s *Server) watch(served <-chan error) {
	defer close(s.serveErr)
	select {
	case err := <-served:
		s.serveErr <- err
	case <-s.backend.failed: // nil, so never, for a store without the signal
		err := fmt.Errorf("%w: %w", ErrStorageFailed, s.backend.err())
		s.log.Error("the storage failed: every request is refused and the server stops; restart it once the disk is healthy (acknowledged writes are kept)",
			"error", s.backend.err())
		s.serveErr <- err
	}
}

// fastHandler serves the port: DynamoDB's API (every POST, and CORS
// preflights) straight from api on fasthttp, the hot path; everything else
// (the health check, /metrics, /console/, /debug/pprof/) through next, the same
// http.Handler that Handler returns, adapted to fasthttp.
func fastHandler(api *wire.Handler, next http.Handler) fasthttp.RequestHandler {
	slow := fasthttpadaptor.NewFastHTTPHandler(next)
	return func(ctx *fasthttp.RequestCtx) {
		if ctx.IsPost() || ctx.IsOptions() {
			api.ServeFast(ctx)
			return
		}
		slow(ctx)
	}
}

// fastError answers a request fasthttp could not read: 413 for a body over
// the limit (as the API handler answers one it measures itself), 431 for
// headers over the read buffer, 408 for a timeout, else 400. fasthttp
// closes the connection after it.
func fastError(ctx *fasthttp.RequestCtx, err error) {
	var small *fasthttp.ErrSmallBuffer
	var netErr *net.OpError
	switch {
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		ctx.Error("", http.StatusRequestEntityTooLarge)
	case errors.As(err, &small):
		ctx.Error("Too big request header", http.StatusRequestHeaderFieldsTooLarge)
	case errors.As(err, &netErr) && netErr.Timeout():
		ctx.Error("Request timeout", http.StatusRequestTimeout)
	default:
		ctx.Error("Error when parsing request", http.StatusBadRequest)
	}
}

// fastLogger sends fasthttp's own messages (connection and parse errors,
// which clients cause) to the log at debug level.
type fastLogger struct{ log *slog.Logger }

// Printf implements fasthttp.Logger.
func (l fastLogger) Printf(format string, args ...any) {
	if l.log.Enabled(context.Background(), slog.LevelDebug) {
		l.log.Debug(fmt.Sprintf(format, args...), "component", "http")
	}
}

// withMetrics serves GET /metrics (Prometheus' scrape path) from
// metricsHandler and everything else from the DynamoDB API handler, on the
// same port. DynamoDB's API is POST-only, so the two never overlap.
func withMetrics(api, metricsHandler http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			metricsHandler.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
}

// Metrics is this server's metrics, whose registry tests can gather
// directly.
func (s *Server) Metrics() *metrics.Metrics { return s.metrics }

// Handler is the DynamoDB API handler over this server's engine.
func (s *Server) Handler() http.Handler { return s.handler }

// Addr is the address the server listens on ("127.0.0.1:8000"), or "" when
// it was opened without listening.
func (s *Server) Addr() string {
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// URL is the endpoint URL clients use ("http://127.0.0.1:8000", https
// with TLS), or ""
// when the server was opened without listening.
func (s *Server) URL() string {
	if s.ln == nil {
		return ""
	}
	if s.tls != nil {
		return "https://" + s.Addr()
	}
	return "http://" + s.Addr()
}

// ServeErr delivers the error that stopped serving early (nil after a
// clean Close), or one wrapping ErrStorageFailed as soon as the store
// fails (the server must then be closed), and is then closed. It is nil
// for a server that was opened without listening.
func (s *Server) ServeErr() <-chan error { return s.serveErr }

// Close stops accepting connections, waits for requests in flight (until
// ctx is done), then closes the engine and the store, in that order, so
// that every acknowledged write is on disk when Close returns.
func (s *Server) Close(ctx context.Context) error {
	var errs []error
	if s.admin != nil {
		if err := s.admin.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("admin shutdown: %w", err))
		}
	}
	if s.http != nil {
		// Closed here and not only by fasthttp's shutdown, which skips a
		// listener that its Serve, started by Start's goroutine, has not
		// registered yet: a Close right after Start would leave it serving.
		s.ready.Close()
		if err := s.shutdownHTTP(ctx); err != nil {
			errs = append(errs, fmt.Errorf("http shutdown: %w", err))
		}
		if s.h2 != nil {
			if err := s.h2.close(ctx); err != nil {
				errs = append(errs, fmt.Errorf("http/2 shutdown: %w", err))
			}
		}
	}
	if s.ns != nil {
		for _, err := range s.ns.close() {
			errs = append(errs, fmt.Errorf("engine: %w", err))
		}
	}
	for _, n := range s.nodes {
		if err := n.Close(); err != nil {
			errs = append(errs, fmt.Errorf("engine: %w", err))
		}
	}
	if err := s.backend.Close(); err != nil {
		errs = append(errs, fmt.Errorf("store: %w", err))
	}
	return errors.Join(errs...)
}
