package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"

	"github.com/dynago/dynago/internal/kv/pebble"
	"github.com/dynago/dynago/internal/server"
)

// shutdownTimeout bounds how long a shutdown waits for requests in flight.
const shutdownTimeout = 30 * time.Second

// serve parses the serve flags, starts the server and blocks until ctx is
// done (a signal) or serving fails, then shuts down cleanly.
func serve(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	cfg, err := parseServeFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	if !cfg.InMemory {
		ensureProcs(getenv)
	}
	level, err := server.ParseLogLevel(cfg.LogLevel)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	cfg.Logger = log

	s, err := server.Start(ctx, cfg)
	if err != nil {
		return err
	}
	dataDir := cfg.DataDir
	if cfg.InMemory {
		dataDir = "(in memory)"
	}
	log.Info("dynago serving the DynamoDB API", "url", s.URL(), "data_dir", dataDir, "version", version)

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

// parseServeFlags reads the serve flags. Each flag's default comes from its
// DYNAGO_* environment variable when set, so a flag beats the environment,
// which beats the built-in default.
func parseServeFlags(args []string, getenv func(string) string, stderr io.Writer) (server.Config, error) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	var cfg server.Config
	fs := flag.NewFlagSet("dynago serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Host, "host", env("DYNAGO_HOST", server.DefaultHost), "address to listen on; 0.0.0.0 to expose (env DYNAGO_HOST)")
	portDef, err := strconv.Atoi(env("DYNAGO_PORT", strconv.Itoa(server.DefaultPort)))
	if err != nil {
		return cfg, fmt.Errorf("DYNAGO_PORT: %q is not a port number", getenv("DYNAGO_PORT"))
	}
	fs.IntVar(&cfg.Port, "port", portDef, "port to listen on; 0 picks a free one (env DYNAGO_PORT)")
	fs.StringVar(&cfg.DataDir, "data-dir", env("DYNAGO_DATA_DIR", server.DefaultDataDir), "directory holding the data (env DYNAGO_DATA_DIR)")
	memDef := false
	if v := getenv("DYNAGO_IN_MEMORY"); v != "" {
		if memDef, err = strconv.ParseBool(v); err != nil {
			return cfg, fmt.Errorf("DYNAGO_IN_MEMORY: %q is not a boolean", v)
		}
	}
	fs.BoolVar(&cfg.InMemory, "in-memory", memDef, "keep all data in memory; nothing survives a restart (env DYNAGO_IN_MEMORY)")
	fs.StringVar(&cfg.LogLevel, "log-level", env("DYNAGO_LOG_LEVEL", server.DefaultLogLevel), "debug, info, warn or error (env DYNAGO_LOG_LEVEL)")
	fs.StringVar(&cfg.Region, "region", env("DYNAGO_REGION", server.DefaultRegion), "region named in ARNs and the health check (env DYNAGO_REGION)")
	fs.StringVar(&cfg.AccountID, "account-id", env("DYNAGO_ACCOUNT_ID", server.DefaultAccountID), "account id named in ARNs (env DYNAGO_ACCOUNT_ID)")
	ttlDef := server.DefaultTTLInterval
	if v := getenv("DYNAGO_TTL_INTERVAL"); v != "" {
		if ttlDef, err = time.ParseDuration(v); err != nil || ttlDef <= 0 {
			return cfg, fmt.Errorf("DYNAGO_TTL_INTERVAL: %q is not a positive duration such as 10s", v)
		}
	}
	fs.DurationVar(&cfg.TTLInterval, "ttl-interval", ttlDef, "how often items whose TTL attribute has passed are deleted (env DYNAGO_TTL_INTERVAL)")
	cacheDef := int(pebble.DefaultCacheSize >> 20)
	if v := getenv("DYNAGO_CACHE_MB"); v != "" {
		if cacheDef, err = strconv.Atoi(v); err != nil || cacheDef <= 0 {
			return cfg, fmt.Errorf("DYNAGO_CACHE_MB: %q is not a positive number of megabytes", v)
		}
	}
	cacheMB := fs.Int("cache-mb", cacheDef, "block cache size in MB: decoded storage blocks kept for reads; it fills only as data is read, so raise it to the working set of a large table (env DYNAGO_CACHE_MB)")
	throttleDef := true
	if v := getenv("DYNAGO_THROTTLE"); v != "" {
		if throttleDef, err = strconv.ParseBool(v); err != nil {
			return cfg, fmt.Errorf("DYNAGO_THROTTLE: %q is not a boolean", v)
		}
	}
	throttle := fs.Bool("throttle", throttleDef, "enforce provisioned throughput with ProvisionedThroughputExceededException; -throttle=false behaves like DynamoDB Local (env DYNAGO_THROTTLE)")
	pprofDef := false
	if v := getenv("DYNAGO_PPROF"); v != "" {
		if pprofDef, err = strconv.ParseBool(v); err != nil {
			return cfg, fmt.Errorf("DYNAGO_PPROF: %q is not a boolean", v)
		}
	}
	fs.BoolVar(&cfg.Pprof, "pprof", pprofDef, "serve Go's CPU and heap profiles under /debug/pprof/ on the API port, for performance work; never on an exposed port (env DYNAGO_PPROF)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	cfg.NoThrottle = !*throttle
	if *cacheMB <= 0 {
		return cfg, fmt.Errorf("-cache-mb %d: want a positive number of megabytes", *cacheMB)
	}
	cfg.CacheBytes = int64(*cacheMB) << 20
	if cfg.TTLInterval <= 0 {
		return cfg, fmt.Errorf("-ttl-interval %s: want a positive duration such as 10s", cfg.TTLInterval)
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if _, err := server.ParseLogLevel(cfg.LogLevel); err != nil {
		return cfg, err
	}
	if cfg.Port < 0 || cfg.Port > 65535 {
		return cfg, fmt.Errorf("port %d out of range", cfg.Port)
	}
	return cfg, nil
}
