package main

// The security flags of `dynago serve` (docs/security.md): --auth turns
// signature verification and authorization on, and with it CORS off
// unless --cors is given; --tls-cert/--tls-key serve HTTPS.

import (
	"context"
	"flag"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/dynago/dynago/internal/server"
)

func init() {
	registerServeFlags(func(f *serveFlags) func(*server.Config) error {
		path := f.String("auth", "DYNAGO_AUTH", "",
			"auth file (JSON or YAML) of accounts, users, access keys and policies: verify every request's signature and authorize it; reloaded on SIGHUP; without it any credentials are accepted")
		cert := f.String("tls-cert", "DYNAGO_TLS_CERT", "",
			"PEM certificate (chain) to serve HTTPS with, with --tls-key; reloaded on SIGHUP")
		key := f.String("tls-key", "DYNAGO_TLS_KEY", "",
			"PEM private key of --tls-cert")
		maxConns := f.Int("max-conns", "DYNAGO_MAX_CONNS", 0, "a number of connections",
			"connections served at once (more are answered 503), and separately connections held before their first byte (past it the longest idle is closed) (0: 10000)")
		admin := f.String("admin-addr", "DYNAGO_ADMIN_ADDR", "",
			"host:port to serve /metrics and /debug/pprof/ on instead of the API port (keep it private: neither is covered by --auth)")
		return func(cfg *server.Config) error {
			cfg.AdminAddr = *admin
			cfg.MaxConns = *maxConns
			cfg.TLSCert, cfg.TLSKey = *cert, *key
			cfg.AuthFile = *path
			if cfg.AuthFile != "" && !corsGiven(f) {
				cfg.NoCORS = true
			}
			return nil
		}
	})
}

// corsGiven reports whether --cors (or DYNAGO_CORS) was set; without it,
// --auth allows browsers no origin.
func corsGiven(f *serveFlags) bool {
	given := f.getenv("DYNAGO_CORS") != ""
	f.fs.Visit(func(fl *flag.Flag) {
		if fl.Name == "cors" {
			given = true
		}
	})
	return given
}

// reloadOnHangup reloads the auth file and the TLS certificate on every
// SIGHUP until the returned function is called. A file that does not load
// is logged with its file, line and reason, and the old one stays in
// force.
func reloadOnHangup(ctx context.Context, s *server.Server, log *slog.Logger) (stop func()) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-sig:
				if s.AuthConfig() != nil {
					if err := s.ReloadAuth(); err != nil {
						log.Error("SIGHUP: the auth file was not reloaded; the old one stays in force", "error", err)
					} else {
						log.Info("SIGHUP: auth file reloaded")
					}
				}
				if s.TLS() {
					if err := s.ReloadTLS(); err != nil {
						log.Error("SIGHUP: the TLS certificate was not reloaded; the old one stays in force", "error", err)
					} else {
						log.Info("SIGHUP: TLS certificate reloaded")
					}
				}
			case <-done:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() {
		signal.Stop(sig)
		close(done)
	}
}
