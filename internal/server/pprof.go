package server

import (
	"net/http"
	"net/http/pprof"
	"strings"
)

// pprofPrefix is the path under which Config.Pprof serves Go's profiles,
// the one `go tool pprof` and net/http/pprof's documentation use.
const pprofPrefix = "/debug/pprof/"

// withPprof serves Go's runtime profiles (net/http/pprof) under
// /debug/pprof/ on the API port, and everything else from next. DynamoDB's
// API is POST to "/", so the two never overlap. It is off by default
// (Config.Pprof): a profile endpoint lets anyone who reaches the port
// spend the server's CPU, so it is for performance work on a loopback
// address, never for an exposed server.
func withPprof(next http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(pprofPrefix, pprof.Index)
	mux.HandleFunc(pprofPrefix+"cmdline", pprof.Cmdline)
	mux.HandleFunc(pprofPrefix+"profile", pprof.Profile)
	mux.HandleFunc(pprofPrefix+"symbol", pprof.Symbol)
	mux.HandleFunc(pprofPrefix+"trace", pprof.Trace)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, pprofPrefix) && r.Method != http.MethodPost {
			mux.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// withPprofIf is withPprof when on is set, and next unchanged otherwise.
func withPprofIf(on bool, next http.Handler) http.Handler {
	if !on {
		return next
	}
	return withPprof(next)
}
