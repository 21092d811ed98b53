package wire

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/valyala/fasthttp"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/auth"
)

// exchange is one HTTP request and its response as the API handler sees
// them, whichever HTTP server parsed the request. Dynago serves its port
// with fasthttp (ServeFast): net/http's server costs about 8 µs more CPU per
// request on this workload (measured: 24 vs 16 µs for a fixed-body answer
// under 16 clients), a third of a GetItem. ServeHTTP keeps the handler
// usable as an http.Handler, for httptest and for embedding Dynago in a
// net/http mux; both go through Handler.serve, so they answer alike.
type exchange interface {
	// method and path of the request ("POST", "/").
	method() string
	path() string
	// header returns the request header's first value, or "". Under
	// fasthttp it copies the value, so the request path reads this way
	// only what it keeps or what is rare; the methods below look at a
	// header in place.
	header(name string) string
	// host is the host the client addressed (the Host header, with its
	// port), or "".
	host() string
	// hasHeader reports whether the request header has a non-empty value.
	hasHeader(name string) bool
	// headerIs reports whether the request header's value is value.
	headerIs(name, value string) bool
	// headerIsToken reports whether the request header's value, less
	// surrounding whitespace, is token in any case (as Content-Encoding:
	// gzip is checked).
	headerIsToken(name, token string) bool
	// route returns the operation the X-Amz-Target header names, if the
	// engine serves it (see served).
	route(handlers *[api.NumOperations]api.Handler) (api.OpID, bool)

	// untilHangup returns a context derived from ctx that ends when the
	// client hangs up, and the function ending the watch (hangup.go).
	untilHangup(ctx context.Context, w *hangupWatcher) (context.Context, func())
	// checkAuth is the package's checkAuth over the request's headers.
	checkAuth() error
	// signedRequest is what signature verification reads of the request;
	// raw is its body as sent (verify.go).
	signedRequest(raw []byte) auth.SignedRequest
	// source is the client's address, as text or as an address (one of
	// them; see auth.Caller); secure says it came over TLS.
	source() (ip string, addr netip.Addr)
	secure() bool
	// rawBody returns the request body as sent (before gzip decoding), or
	// errTooLarge when it exceeds limit bytes; it takes the body's bytes
	// from the budget of bodies in flight with hold.reserve, before
	// reading them when their length is known, and answers errBusy when
	// the budget refuses.
	rawBody(limit int64, hold *bodyHold) ([]byte, error)
	// setHeader sets a response header.
	setHeader(name, value string)
	// setCRC32 sets the x-amz-crc32 response header to sum, in decimal.
	setCRC32(sum uint32)
	// closeConnection asks the server to close the connection after the
	// response.
	closeConnection()
	// respond sends the status and body; headers set so far go with them.
	// Content-Length is the body's length.
	respond(status int, body []byte)
}

// netExchange is an exchange over net/http.
type netExchange struct {
	w http.ResponseWriter
	r *http.Request
}

func (e netExchange) method() string             { return e.r.Method }
func (e netExchange) path() string               { return e.r.URL.Path }
func (e netExchange) header(name string) string  { return e.r.Header.Get(name) }
func (e netExchange) host() string               { return e.r.Host }
func (e netExchange) hasHeader(name string) bool { return e.r.Header.Get(name) != "" }
func (e netExchange) headerIs(name, value string) bool {
	return e.r.Header.Get(name) == value
}
func (e netExchange) headerIsToken(name, token string) bool {
	return isToken(e.r.Header.Get(name), token)
}
func (e netExchange) route(handlers *[api.NumOperations]api.Handler) (api.OpID, bool) {
	id, ok := api.OperationByTarget(e.r.Header.Get("X-Amz-Target"))
	return served(id, ok, handlers)
}
func (e netExchange) checkAuth() error             { return checkAuth(e.r.Header.Get) }
func (e netExchange) setHeader(name, value string) { e.w.Header().Set(name, value) }
func (e netExchange) setCRC32(sum uint32) {
	e.w.Header().Set(headerCRC32, strconv.FormatUint(uint64(sum), 10))
}
func (e netExchange) closeConnection() { e.w.Header().Set("Connection", "close") }

func (e netExchange) rawBody(limit int64, hold *bodyHold) ([]byte, error) {
	n := e.r.ContentLength
	if n == 0 {
		n = -1 // with a Body, 0 may mean unknown (http.Request.ContentLength)
	}
	return readReserved(http.MaxBytesReader(nil, e.r.Body, limit), n, limit, hold)
}

func (e netExchange) respond(status int, body []byte) {
	e.w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	e.w.WriteHeader(status)
	e.w.Write(body) //nolint:errcheck // the client went away; nothing to do
}

// fastExchange is an exchange over fasthttp. fasthttp has read the whole
// body already (refusing one over Server.MaxRequestBodySize itself) and
// writes the response after the handler returns.
type fastExchange struct {
	ctx *fasthttp.RequestCtx
}

// method returns the common methods as constants: converting fasthttp's
// bytes cost every request an allocation.
func (e fastExchange) method() string {
	switch m := e.ctx.Method(); string(m) {
	case http.MethodPost:
		return http.MethodPost
	case http.MethodGet:
		return http.MethodGet
	case http.MethodOptions:
		return http.MethodOptions
	default:
		return string(m)
	}
}
func (e fastExchange) path() string { return string(e.ctx.Path()) }
func (e fastExchange) host() string { return string(e.ctx.Request.Host()) }
func (e fastExchange) header(name string) string {
	return string(e.ctx.Request.Header.Peek(name))
}
func (e fastExchange) hasHeader(name string) bool {
	return len(e.ctx.Request.Header.Peek(name)) > 0
}
func (e fastExchange) headerIs(name, value string) bool {
	return string(e.ctx.Request.Header.Peek(name)) == value
}
func (e fastExchange) headerIsToken(name, token string) bool {
	return isToken(e.ctx.Request.Header.Peek(name), token)
}

// untilHangup implements exchange: net/http already ends a request's
// context when its connection closes.
func (e netExchange) untilHangup(ctx context.Context, _ *hangupWatcher) (context.Context, func()) {
	return ctx, func() {}
}

// untilHangup implements exchange: the watcher checks the connection.
// ctx is the background context ServeFast starts from.
//
// A RequestCtx whose connection has no file descriptor (the h2 bridge's)
// keeps ctx, which its own server ends.
func (e fastExchange) untilHangup(ctx context.Context, w *hangupWatcher) (context.Context, func()) {
	if _, ok := e.ctx.Conn().(syscall.Conn); !ok {
		return ctx, func() {}
	}
	return w.watch(e.ctx.Conn())
}

func (e fastExchange) route(handlers *[api.NumOperations]api.Handler) (api.OpID, bool) {
	id, ok := api.OperationByTargetBytes(e.ctx.Request.Header.Peek("X-Amz-Target"))
	return served(id, ok, handlers)
}
func (e fastExchange) checkAuth() error { return checkAuth(e.ctx.Request.Header.Peek) }
func (e fastExchange) setHeader(name, value string) {
	// The headers of every answer are set by their canonical names, which
	// skips fasthttp's per-call normalisation of the name and its scan of
	// the value for line breaks (our values never hold any).
	switch name {
	case headerRequestID:
		e.ctx.Response.Header.SetCanonical([]byte(canonicalRequestID), []byte(value))
	case headerCRC32:
		e.ctx.Response.Header.SetCanonical([]byte(canonicalCRC32), []byte(value))
	case headerServer:
		e.ctx.Response.Header.SetCanonical([]byte(headerServer), []byte(value))
	case headerContentType:
		e.ctx.Response.Header.SetContentType(value)
	default:
		e.ctx.Response.Header.Set(name, value)
	}
}

// setCRC32 formats the checksum into a buffer on the stack: fasthttp
// copies it, so, unlike setHeader's string, nothing is allocated.
func (e fastExchange) setCRC32(sum uint32) {
	var buf [10]byte // 2^32 has 10 digits
	e.ctx.Response.Header.SetCanonical([]byte(canonicalCRC32), strconv.AppendUint(buf[:0], uint64(sum), 10))
}

// The response headers every answer carries, as serve names them and as
// fasthttp (like net/http) normalises them on the wire.
const (
	headerRequestID    = "x-amzn-RequestId"
	canonicalRequestID = "X-Amzn-Requestid"
	headerCRC32        = "x-amz-crc32"
	canonicalCRC32     = "X-Amz-Crc32"
	headerContentType  = "Content-Type"
	headerServer       = "Server"
)

// serverName is what DynamoDB's answers name in their Server header.
const serverName = "Server"

func (e fastExchange) closeConnection() { e.ctx.SetConnectionClose() }

// The fasthttp server streams request bodies (Server.StreamRequestBody):
// it reads the head and up to fastPrefetch bytes of the body before the
// handler runs, so that the budget of bodies in flight is taken before a
// large body is read, not after it sits in memory.
func (e fastExchange) rawBody(limit int64, hold *bodyHold) ([]byte, error) {
	if len(e.ctx.Request.Header.Peek(headerOversized)) > 0 {
		return nil, errTooLarge // HeaderReceived
	}
	n := int64(e.ctx.Request.Header.ContentLength())
	stream := e.ctx.RequestBodyStream()
	if stream == nil || (n >= 0 && n <= fastPrefetch) {
		// Read whole with the head: no allocation of ours.
		if n > limit {
			return nil, errTooLarge
		}
		body := e.ctx.PostBody()
		if int64(len(body)) > limit {
			return nil, errTooLarge
		}
		if !hold.reserve(int64(len(body))) {
			return nil, errBusy
		}
		return body, nil
	}
	body, err := readReserved(stream, n, limit, hold)
	if errors.Is(err, errBusy) {
		// Refused by the budget: read the rest into nothing (it costs
		// no memory), so that the client, still sending, reads the
		// answer, and the connection carries its next request.
		if _, derr := io.Copy(io.Discard, io.LimitReader(stream, limit+1)); derr != nil {
			e.ctx.SetConnectionClose()
		}
		return nil, err
	}
	if err != nil {
		// The rest of the body is unread: the connection cannot carry
		// another request.
		e.ctx.SetConnectionClose()
	}
	return body, err
}

// HeaderReceived is the fasthttp server's hook (Server.HeaderReceived)
// that refuses a body declared over the size limit before fasthttp reads
// any of it: streaming, fasthttp would first wait for up to fastPrefetch
// bytes of it (a client that declares 16 MB and sends nothing would get
// a 408 after the read timeout, not a 413 at once). The request goes on
// with no body and a mark that rawBody answers errTooLarge to (413, the
// connection closed).
func (h *Handler) HeaderReceived(header *fasthttp.RequestHeader) fasthttp.RequestConfig {
	if n := header.ContentLength(); n > 0 && int64(n) > h.opts.MaxBodyBytes {
		header.SetContentLength(0)
		header.Set(headerOversized, "1")
	} else if len(header.Peek(headerOversized)) > 0 {
		header.Del(headerOversized) // sent by the client: not ours
	}
	return fasthttp.RequestConfig{}
}

// headerOversized marks a request whose declared body HeaderReceived refused.
const headerOversized = "X-Dynago-Oversized-Body"

// fastPrefetch is how much of a body fasthttp reads with the request head
// when it streams bodies (readBodyWithStreaming's pre-read).
const fastPrefetch = 8 << 10

// readReserved reads a body of n bytes (n < 0: unknown, up to EOF) from r,
// taking its bytes from the budget with hold.reserve before it holds them: n at
// once when known, else as they arrive. A body over limit is errTooLarge,
// one the budget cannot hold errBusy (both before reading any of it when n
// is known).
func readReserved(r io.Reader, n, limit int64, hold *bodyHold) ([]byte, error) {
	if n > limit {
		return nil, errTooLarge
	}
	if n >= 0 {
		if !hold.reserve(n) {
			return nil, errBusy
		}
		buf := make([]byte, n)
		_, err := io.ReadFull(r, buf)
		return buf, err
	}
	var buf bytes.Buffer
	chunk := make([]byte, 32<<10)
	for {
		k, err := r.Read(chunk)
		if k > 0 {
			if int64(buf.Len()+k) > limit {
				return nil, errTooLarge
			}
			if !hold.reserve(int64(k)) {
				return nil, errBusy
			}
			buf.Write(chunk[:k])
		}
		var maxErr *http.MaxBytesError
		switch {
		case errors.As(err, &maxErr):
			return nil, errTooLarge
		case err == io.EOF:
			return buf.Bytes(), nil
		case err != nil:
			return buf.Bytes(), err
		}
	}
}

func (e fastExchange) respond(status int, body []byte) {
	e.ctx.SetStatusCode(status)
	e.ctx.SetBody(body) // copies: body goes back to a pool when serve returns
}

// isToken reports whether v, less surrounding whitespace, is token in any
// case, as strings.EqualFold(strings.TrimSpace(v), token) does. Only
// non-ASCII text, which a real token never matches, takes that slow way.
func isToken[T headerText](v T, token string) bool {
	v = trimSpace(v)
	if len(v) != len(token) {
		for i := 0; i < len(v); i++ {
			if v[i] >= utf8.RuneSelf {
				return strings.EqualFold(string(v), token)
			}
		}
		return false
	}
	for i := 0; i < len(v); i++ {
		c, t := v[i], token[i]
		if c >= utf8.RuneSelf {
			return strings.EqualFold(string(v), token)
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if 'A' <= t && t <= 'Z' {
			t += 'a' - 'A'
		}
		if c != t {
			return false
		}
	}
	return true
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.serve(r.Context(), netExchange{w: w, r: r})
}

// ServeFast is the fasthttp.RequestHandler of the API. Operations run under
// a background context: fasthttp's RequestCtx is a context too, but one
// whose Done channel makes every context derived from it start a goroutine.
func (h *Handler) ServeFast(ctx *fasthttp.RequestCtx) {
	h.ServeFastContext(context.Background(), ctx)
}

// ServeFastContext is ServeFast for a request that has a context of its
// own, which ends it: an HTTP/2 stream's (the server's h2 bridge), whose
// RequestCtx has no connection of its own to watch for a hang-up.
func (h *Handler) ServeFastContext(base context.Context, ctx *fasthttp.RequestCtx) {
	// An answer without a body has no Content-Type, as with net/http.
	ctx.Response.Header.SetNoDefaultContentType(true)
	h.serve(base, fastExchange{ctx: ctx})
}
