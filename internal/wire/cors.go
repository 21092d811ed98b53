package wire

// Cross-origin resource sharing, as DynamoDB Local's -cors sets it: by
// default every origin may call the API from a browser (the answer to a
// request with an Origin header carries Access-Control-Allow-Origin: *);
// with Options.CORSOrigins listing origins, only those are allowed, each
// echoed back with Vary: Origin, and a request from any other origin gets
// no CORS headers, so the browser refuses to hand the answer to its page.
// The server still answers it: CORS is the browser's protection, not
// authentication. Options.NoCORS (the default of `--auth` without
// `--cors`) allows no origin at all: a page on another origin can neither
// read an answer nor pass a preflight.

import "net/http"

// corsExposeHeaders are the answer headers a page may read, as DynamoDB
// (and every Coral service) lists them.
const corsExposeHeaders = "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date"

// allowedOrigin returns the Access-Control-Allow-Origin value for origin,
// or "" when it is not allowed.
func (h *Handler) allowedOrigin(origin string) string {
	if h.opts.NoCORS {
		return ""
	}
	if h.anyOrigin {
		return "*"
	}
	for _, o := range h.opts.CORSOrigins {
		if o == origin {
			return origin
		}
	}
	return ""
}

// anyOriginAllowed reports whether origins allows every origin: empty, or
// holding "*".
func anyOriginAllowed(origins []string) bool {
	if len(origins) == 0 {
		return true
	}
	for _, o := range origins {
		if o == "*" {
			return true
		}
	}
	return false
}

// setCORS sets the CORS headers of a request with an Origin header, and
// answers a preflight (OPTIONS) itself: it returns true when it did.
func (h *Handler) setCORS(ex exchange, method string) bool {
	allow := h.allowedOrigin(ex.header("Origin"))
	if allow != "" {
		ex.setHeader("Access-Control-Allow-Origin", allow)
		ex.setHeader("Access-Control-Expose-Headers", corsExposeHeaders)
		if allow != "*" {
			ex.setHeader("Vary", "Origin")
		}
	}
	if method != http.MethodOptions {
		return false
	}
	if allow != "" {
		if v := ex.header("Access-Control-Request-Headers"); v != "" {
			ex.setHeader("Access-Control-Allow-Headers", v)
		}
		if v := ex.header("Access-Control-Request-Method"); v != "" {
			ex.setHeader("Access-Control-Allow-Methods", v)
		}
		ex.setHeader("Access-Control-Max-Age", corsMaxAge)
	}
	ex.respond(http.StatusOK, nil)
	return true
}
