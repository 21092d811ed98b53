package server

// The admin port (`--admin-addr`): /metrics and /debug/pprof/ (with
// --pprof) on a listener of their own, so the API port can be exposed
// while they stay private. Without it they share the API port, as
// before. Neither is covered by --auth.

import (
	"net"
	"net/http"

	"github.com/dynago/dynago/internal/console"
	"github.com/dynago/dynago/internal/metrics"
	"github.com/dynago/dynago/internal/wire"
)

// apiHandler is what the API port serves besides the DynamoDB API (which
// ServeFast answers first): the console, and /metrics and the profiles
// unless an admin port has them.
func apiHandler(cfg Config, api *wire.Handler, m *metrics.Metrics) http.Handler {
	if cfg.AdminAddr != "" {
		return withConsole(api, console.Handler())
	}
	return withPprofIf(cfg.Pprof, withConsole(withMetrics(api, m.Handler()), console.Handler()))
}

// adminHandler serves the admin port.
func adminHandler(cfg Config, m *metrics.Metrics) http.Handler {
	return withPprofIf(cfg.Pprof, withMetrics(http.NotFoundHandler(), m.Handler()))
}

// startAdmin listens on cfg.AdminAddr, when set, and serves it.
func (s *Server) startAdmin() error {
	if s.cfg.AdminAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", s.cfg.AdminAddr)
	if err != nil {
		return err
	}
	s.adminLn = ln
	s.admin = &http.Server{Handler: adminHandler(s.cfg, s.metrics), ReadHeaderTimeout: readTimeout, IdleTimeout: idleTimeout}
	go s.admin.Serve(ln)
	return nil
}

// AdminAddr is the address of the admin port, or "" without one.
func (s *Server) AdminAddr() string {
	if s.adminLn == nil {
		return ""
	}
	return s.adminLn.Addr().String()
}
