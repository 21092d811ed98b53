package server

import (
	"net/http"
	"strings"

	"github.com/dynago/dynago/internal/console"
)

// withConsole serves the web console (GET and HEAD of /console and below)
// from consoleHandler and everything else from next. The console is static
// files; its pages call the same API on the same port, so it needs no CORS
// and no access of its own to the engine.
func withConsole(next, consoleHandler http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) &&
			(r.URL.Path == "/console" || strings.HasPrefix(r.URL.Path, console.Prefix)) {
			consoleHandler.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}
