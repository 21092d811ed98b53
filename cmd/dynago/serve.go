package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/dynago/dynago/internal/kv/pebble"
	"github.com/dynago/dynago/internal/server"
)

// shutdownTimeout bounds how long a shutdown waits for requests in flight.
const shutdownTimeout = 30 * time.Second

// errVersion is parseServeFlags' answer to -version: print the version
// and exit 0, as DynamoDB Local's -version does.
var errVersion = errors.New("version requested")

// serveSetup is what the serve flags ask for.
type serveSetup struct {
	cfg server.Config
	// notes are info lines logged at start-up: how DynamoDB Local flags
	// without a Dynago effect were taken (local_flags.go).
	notes []string
}

// serve parses the serve flags, starts the server and blocks until ctx is
// done (a signal) or serving fails, then shuts down cleanly.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	setup, err := parseServeFlags(args, getenv, stderr)
	if errors.Is(err, errVersion) {
		printVersion(stdout)
		return nil
	}
	if err != nil {
		return err
	}
	cfg := setup.cfg
	if !cfg.InMemory {
		ensureProcs(getenv)
	}
	level, err := server.ParseLogLevel(cfg.LogLevel)
	if err != nil {
		return err
	}
	log, err := server.NewLogger(stderr, cfg.LogFormat, level)
	if err != nil {
		return err
	}
	cfg.Logger = log
	for _, n := range setup.notes {
		log.Info(n)
	}

	s, err := server.Start(ctx, cfg)
	if err != nil {
		return err
	}
	dataDir := cfg.DataDir
	switch {
	case cfg.TiKV != "":
		dataDir = "(TiKV " + cfg.TiKV + ")"
	case cfg.InMemory:
		dataDir = "(in memory)"
	}
	log.Info("dynago serving the DynamoDB API", "url", s.URL(), "data_dir", dataDir, "version", version)
	if cfg.AuthFile != "" {
		log.Info("verifying signatures and authorizing requests", "auth_file", cfg.AuthFile)
	}
	if cfg.AuthFile != "" || s.TLS() {
		defer reloadOnHangup(ctx, s, log)()
	}

	var failed error // why serving ended early, if it did
	select {
	case <-ctx.Done():
		log.Info("shutting down", "reason", context.Cause(ctx))
	case failed = <-s.ServeErr():
		// A storage failure is logged by the server itself.
		if failed != nil && !errors.Is(failed, server.ErrStorageFailed) {
			log.Error("serving failed", "error", failed)
		}
	}
	closeCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err = s.Close(closeCtx)
	if failed != nil {
		return failed // exit non-zero; Close's error repeats the failure
	}
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// parseServeFlags reads the serve flags: Dynago's own, DynamoDB Local's
// (local_flags.go) and those of registered hooks (serve_flags.go). Each
// flag's default comes from its DYNAGO_* environment variable when set,
// so a flag beats the environment, which beats the built-in default.
func parseServeFlags(args []string, getenv func(string) string, stderr io.Writer) (serveSetup, error) {
	var setup serveSetup
	cfg := &setup.cfg
	fs := flag.NewFlagSet("dynago serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := &serveFlags{fs: fs, getenv: getenv}

	f.StringVar(&cfg.Host, "host", "DYNAGO_HOST", server.DefaultHost, "address to listen on; 0.0.0.0 to expose")
	f.IntVar(&cfg.Port, "port", "DYNAGO_PORT", server.DefaultPort, "a port number", "port to listen on; 0 picks a free one")
	f.StringVar(&cfg.DataDir, "data-dir", "DYNAGO_DATA_DIR", server.DefaultDataDir, "directory holding the data")
	f.BoolVar(&cfg.InMemory, "in-memory", "DYNAGO_IN_MEMORY", false, "keep all data in memory; nothing survives a restart")
	f.StringVar(&cfg.LogLevel, "log-level", "DYNAGO_LOG_LEVEL", server.DefaultLogLevel, "debug, info, warn or error")
	f.StringVar(&cfg.LogFormat, "log-format", "DYNAGO_LOG_FORMAT", server.DefaultLogFormat, "text (key=value lines) or json (one object a line)")
	accessLog := f.Bool("access-log", "DYNAGO_ACCESS_LOG", true, "log one line per request at info: operation, table, status, error type, latency, consumed capacity, request id; false logs them at debug only")
	cors := f.String("cors", "DYNAGO_CORS", "*", "origins browsers may call the API from: * (any) or a comma-separated list, as DynamoDB Local's -cors")
	f.StringVar(&cfg.Region, "region", "DYNAGO_REGION", server.DefaultRegion, "region named in ARNs and the health check")
	f.StringVar(&cfg.AccountID, "account-id", "DYNAGO_ACCOUNT_ID", server.DefaultAccountID, "account id named in ARNs")
	f.DurationVar(&cfg.TTLInterval, "ttl-interval", "DYNAGO_TTL_INTERVAL", server.DefaultTTLInterval, "how often items whose TTL attribute has passed are deleted")
	cacheMB := f.Int("cache-mb", "DYNAGO_CACHE_MB", int(pebble.DefaultCacheSize>>20), "a positive number of megabytes",
		"block cache size in MB: decoded storage blocks kept for reads; it fills only as data is read, so raise it to the working set of a large table")
	throttle := f.Bool("throttle", "DYNAGO_THROTTLE", true, "enforce provisioned throughput with ProvisionedThroughputExceededException; -throttle=false behaves like DynamoDB Local")
	f.BoolVar(&cfg.Pprof, "pprof", "DYNAGO_PPROF", false, "serve Go's CPU and heap profiles under /debug/pprof/ on the API port, for performance work; never on an exposed port")
	local := defineLocalFlags(f, cfg)
	var applies []func(*server.Config) error
	for _, h := range serveFlagHooks {
		if apply := h(f); apply != nil {
			applies = append(applies, apply)
		}
	}
	if err := f.envErr(); err != nil {
		return setup, err
	}
	if err := fs.Parse(args); err != nil {
		return setup, err
	}
	if fs.NArg() > 0 {
		return setup, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}

	cfg.NoThrottle = !*throttle
	cfg.NoAccessLog = !*accessLog
	cfg.CORSOrigins = parseOrigins(*cors)
	if *cacheMB <= 0 {
		return setup, fmt.Errorf("-cache-mb %d: want a positive number of megabytes", *cacheMB)
	}
	cfg.CacheBytes = int64(*cacheMB) << 20
	if cfg.TTLInterval <= 0 {
		return setup, fmt.Errorf("-ttl-interval %s: want a positive duration such as 10s", cfg.TTLInterval)
	}
	if _, err := server.ParseLogLevel(cfg.LogLevel); err != nil {
		return setup, err
	}
	format, err := server.ParseLogFormat(cfg.LogFormat)
	if err != nil {
		return setup, err
	}
	cfg.LogFormat = format
	if cfg.Port < 0 || cfg.Port > 65535 {
		return setup, fmt.Errorf("port %d out of range", cfg.Port)
	}
	notes, err := local.apply(cfg)
	if err != nil {
		return setup, err
	}
	setup.notes = notes
	for _, apply := range applies {
		if err := apply(cfg); err != nil {
			return setup, err
		}
	}
	return setup, nil
}
