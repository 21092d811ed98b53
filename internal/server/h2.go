package server

// HTTP/2 over TLS. fasthttp speaks HTTP/1.1 only, so the TLS listener
// offers both "h2" and "http/1.1" by ALPN and splits the connections after
// their handshake: HTTP/1.1 ones (and clients that name no protocol) go
// to fasthttp as before; h2 ones are served by golang.org/x/net/http2,
// whose handler (h2Handler) runs the very same fasthttp handler on a
// fasthttp.RequestCtx built from the HTTP/2 request and copies its answer
// back. So both protocols share one code path for the API: signature
// verification, authorization, body limits and the budget of bodies in
// flight (the request body is handed over as a stream, read by wire as
// from fasthttp), and the answer, streamed when it is a stream.
//
// An h2 connection is one of the port's connections: the connection
// limit (--max-conns) counts them apart from fasthttp's (each bound by
// it), HTTP/2's own limits bound the streams of one (MaxConcurrentStreams),
// and Close waits for the requests in flight on them, then closes them.

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
	"golang.org/x/net/http2"

	"github.com/dynago/dynago/internal/wire"
)

// h2MaxConcurrentStreams bounds the requests one HTTP/2 connection runs
// at once (the same as Go's default), so one connection cannot take
// more of the server than a hundred HTTP/1.1 ones.
const h2MaxConcurrentStreams = 100

// alpnListener performs the TLS handshake of every connection that inner
// accepts, off the accept path, and hands it by its negotiated protocol
// to h2 (serveH2) or to Accept (fasthttp).
type alpnListener struct {
	inner  net.Listener
	config *tls.Config
	h2     *h2Server

	conns     chan net.Conn
	done      chan struct{}
	closeOnce sync.Once
	errMu     sync.Mutex
	err       error
}

func newALPNListener(inner net.Listener, config *tls.Config, h2 *h2Server) *alpnListener {
	l := &alpnListener{inner: inner, config: config, h2: h2, conns: make(chan net.Conn), done: make(chan struct{})}
	go l.acceptLoop()
	return l
}

func (l *alpnListener) acceptLoop() {
	for {
		c, err := l.inner.Accept()
		if err != nil {
			l.errMu.Lock()
			l.err = err
			l.errMu.Unlock()
			l.Close()
			return
		}
		go l.handshake(c)
	}
}

// handshake runs the TLS handshake within readTimeout and routes the
// connection.
func (l *alpnListener) handshake(c net.Conn) {
	tc := tls.Server(c, l.config)
	_ = tc.SetDeadline(time.Now().Add(readTimeout))
	if err := tc.HandshakeContext(context.Background()); err != nil {
		tc.Close()
		return
	}
	_ = tc.SetDeadline(time.Time{})
	if tc.ConnectionState().NegotiatedProtocol == http2.NextProtoTLS {
		l.h2.serve(tc)
		return
	}
	select {
	case l.conns <- tc:
	case <-l.done:
		tc.Close()
	}
}

// Accept implements net.Listener: the next HTTP/1.1 connection.
func (l *alpnListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		l.errMu.Lock()
		defer l.errMu.Unlock()
		if l.err != nil && !errors.Is(l.err, net.ErrClosed) {
			return nil, l.err
		}
		return nil, net.ErrClosed
	}
}

// Close implements net.Listener.
func (l *alpnListener) Close() error {
	var err error
	l.closeOnce.Do(func() {
		close(l.done)
		err = l.inner.Close()
	})
	return err
}

// Addr implements net.Listener.
func (l *alpnListener) Addr() net.Addr { return l.inner.Addr() }

// h2Server serves the port's HTTP/2 connections.
type h2Server struct {
	srv      http2.Server
	base     *http.Server
	handler  http.Handler
	maxConns int64

	open   atomic.Int64
	active atomic.Int64 // requests in flight
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

// newH2Server serves HTTP/2 with api, the port's fasthttp handler, for
// the API (POST and OPTIONS) and next for everything else, as
// fastHandler splits them.
func newH2Server(api *wire.Handler, next http.Handler, maxConns int, logger fasthttp.Logger) *h2Server {
	s := &h2Server{
		srv:      http2.Server{MaxConcurrentStreams: h2MaxConcurrentStreams, IdleTimeout: idleTimeout},
		base:     &http.Server{ReadHeaderTimeout: readTimeout, IdleTimeout: idleTimeout},
		maxConns: int64(maxConns),
		conns:    map[net.Conn]struct{}{},
	}
	h := h2Handler(api, next, logger)
	s.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.active.Add(1)
		defer s.active.Add(-1)
		h.ServeHTTP(w, r)
	})
	return s
}

// serve serves one h2 connection until it ends.
func (s *h2Server) serve(c *tls.Conn) {
	s.mu.Lock()
	if s.closed || s.maxConns > 0 && s.open.Load() >= s.maxConns {
		s.mu.Unlock()
		c.Close()
		return
	}
	s.conns[c] = struct{}{}
	s.open.Add(1)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.open.Add(-1)
		s.mu.Unlock()
		c.Close()
	}()
	s.srv.ServeConn(c, &http2.ServeConnOpts{BaseConfig: s.base, Handler: s.handler})
}

// h2DrainPoll is how often close looks whether the HTTP/2 requests in
// flight have been answered. It polls only while some are: an idle
// server's close does not wait.
const h2DrainPoll = time.Millisecond

// close refuses new connections, waits until the requests in flight are
// answered (or ctx is done), then closes every connection.
func (s *h2Server) close(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	var err error
	t := time.NewTicker(h2DrainPoll)
	defer t.Stop()
	for err == nil && s.active.Load() > 0 {
		select {
		case <-t.C:
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	return err
}

// h2Handler runs api's fasthttp path (ServeFastContext) for HTTP/2
// requests: the request becomes a fasthttp.Request on a RequestCtx whose
// connection (h2Conn) has the TLS connection's state and the peer's
// address (so IsTLS, RemoteIP and aws:SecureTransport read as over
// HTTP/1.1), and the response is copied back, its body streamed.
// Requests that are not the API's (GET /, /metrics, /console/) go to
// next, as fastHandler sends them.
func h2Handler(api *wire.Handler, next http.Handler, logger fasthttp.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost && r.Method != http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		var fctx fasthttp.RequestCtx
		fctx.Init2(h2Conn{r}, logger, true)
		if err := fromH2Request(&fctx.Request, r); err != nil {
			http.Error(w, "could not read the request body", http.StatusBadRequest)
			return
		}
		api.ServeFastContext(r.Context(), &fctx)
		toH2Response(w, &fctx.Response)
		fctx.Request.Reset()
		fctx.Response.Reset()
	})
}

// fromH2Request fills req from r: method, URI, Host, headers, and the
// body, read here when it is small (as fasthttp reads it with the head)
// and otherwise handed over as a stream for the API handler to read
// within its limits.
func fromH2Request(req *fasthttp.Request, r *http.Request) error {
	req.Header.DisableNormalizing()
	req.Header.SetMethod(r.Method)
	req.Header.SetRequestURI(r.URL.RequestURI())
	req.Header.SetHost(r.Host)
	for name, values := range r.Header {
		for _, v := range values {
			req.Header.Add(name, v)
		}
	}
	req.Header.EnableNormalizing()
	n := r.ContentLength
	if n >= 0 && n <= fastPrefetchBytes {
		body := make([]byte, n)
		if _, err := io.ReadFull(r.Body, body); err != nil {
			return err
		}
		req.SetBodyRaw(body)
		req.Header.SetContentLength(int(n))
		return nil
	}
	req.SetBodyStream(r.Body, int(n)) // n < 0: until the stream ends
	return nil
}

// fastPrefetchBytes is the size up to which a body is read with the
// request head, as fasthttp does when it streams bodies (wire's
// fastPrefetch).
const fastPrefetchBytes = 8 << 10

// toH2Response copies resp to w: status, headers (but those HTTP/2 does
// not carry, and Content-Length, which it computes) and the body.
func toH2Response(w http.ResponseWriter, resp *fasthttp.Response) {
	h := w.Header()
	for name, value := range resp.Header.All() {
		switch string(name) {
		case fasthttp.HeaderContentLength, fasthttp.HeaderConnection, fasthttp.HeaderTransferEncoding, "Keep-Alive":
			continue
		}
		h.Add(string(name), string(value))
	}
	if !resp.IsBodyStream() {
		h.Set(fasthttp.HeaderContentLength, strconv.Itoa(len(resp.Body())))
	}
	w.WriteHeader(resp.StatusCode())
	_ = resp.BodyWriteTo(w)
}

// h2Conn is what the fasthttp handler sees of an HTTP/2 request's
// connection: its addresses and TLS state. It is not the connection
// itself (HTTP/2 multiplexes it), so it does not read, write or close:
// wire's hang-up watcher, finding no file descriptor, keeps the
// request's context (ServeFastContext), which HTTP/2 cancels when the
// client resets the stream or the connection ends.
type h2Conn struct{ r *http.Request }

func (c h2Conn) Read([]byte) (int, error)         { return 0, io.EOF }
func (c h2Conn) Write(p []byte) (int, error)      { return len(p), nil }
func (c h2Conn) Close() error                     { return nil }
func (c h2Conn) SetDeadline(time.Time) error      { return nil }
func (c h2Conn) SetReadDeadline(time.Time) error  { return nil }
func (c h2Conn) SetWriteDeadline(time.Time) error { return nil }
func (c h2Conn) Handshake() error                 { return nil }

// ConnectionState makes fasthttp's IsTLS true.
func (c h2Conn) ConnectionState() tls.ConnectionState { return *c.r.TLS }

func (c h2Conn) LocalAddr() net.Addr {
	if a, ok := c.r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		return a
	}
	return &net.TCPAddr{}
}

func (c h2Conn) RemoteAddr() net.Addr {
	if a, err := net.ResolveTCPAddr("tcp", c.r.RemoteAddr); err == nil {
		return a
	}
	return &net.TCPAddr{}
}
