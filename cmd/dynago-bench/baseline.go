package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/valyala/fasthttp"
)

// Kinds of baseline server (baseline-server -http).
const (
	baselineNetHTTP  = "nethttp"
	baselineFastHTTP = "fasthttp"
)

// Fixed parts of every baseline answer.
const (
	baselineRequestID = "BASELINE00000000000000000000000000000000000000000000"
	// baselineReadTimeout bounds reading one request, as a real server
	// would.
	baselineReadTimeout = 10 * time.Second
	// baselineShutdownGrace is how long in-flight requests may finish once
	// the server is told to stop.
	baselineShutdownGrace = 2 * time.Second
)

// baselineBody is a GetItem answer for one bench item of about 250 bytes,
// the body the baseline server returns to every request.
func baselineBody() []byte {
	enc, _ := NewEncoder("bench", defaultItemSize, Keyspace{Items: batchSize})
	b := []byte(`{"Item":`)
	b = enc.appendItem(b, 7)
	return append(b, '}')
}

// NewBaselineHandler answers every request with baselineBody after reading
// the request body, as any DynamoDB server must. It is the ceiling: the
// most requests per second any Go net/http server can answer on this
// machine with this client, doing no work of its own.
func NewBaselineHandler() http.Handler {
	body := baselineBody()
	length := strconv.Itoa(len(body))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		h := w.Header()
		h["Content-Type"] = []string{"application/x-amz-json-1.0"}
		h["Content-Length"] = []string{length}
		h["X-Amzn-Requestid"] = []string{baselineRequestID}
		_, _ = w.Write(body)
	})
}

// NewFastBaselineHandler answers like NewBaselineHandler, with the same
// headers and body, on fasthttp: the ceiling of a server built on fasthttp,
// as Dynago's is. fasthttp has read the whole request body before it calls
// a handler (the server does not stream bodies), so the handler need not.
func NewFastBaselineHandler() fasthttp.RequestHandler {
	body := baselineBody()
	return func(ctx *fasthttp.RequestCtx) {
		h := &ctx.Response.Header
		h.SetContentType(jsonContentType)
		h.Set("X-Amzn-Requestid", baselineRequestID)
		// The body never changes, so it is handed over without a copy.
		ctx.Response.SetBodyRaw(body)
	}
}

// ServeBaseline listens on 127.0.0.1:port and serves the baseline of kind
// (baselineNetHTTP or baselineFastHTTP) until ctx ends.
func ServeBaseline(ctx context.Context, port int, kind string) error {
	if kind != baselineNetHTTP && kind != baselineFastHTTP {
		return fmt.Errorf("-http %q: want %s or %s", kind, baselineNetHTTP, baselineFastHTTP)
	}
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return err
	}
	if kind == baselineFastHTTP {
		return serveFastBaseline(ctx, ln)
	}
	srv := &http.Server{Handler: NewBaselineHandler(), ReadHeaderTimeout: baselineReadTimeout}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), baselineShutdownGrace)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// serveFastBaseline serves NewFastBaselineHandler on ln until ctx ends.
// Like net/http's server it sends a Date header and no Server header.
func serveFastBaseline(ctx context.Context, ln net.Listener) error {
	srv := &fasthttp.Server{
		Handler:               NewFastBaselineHandler(),
		ReadTimeout:           baselineReadTimeout,
		NoDefaultServerHeader: true,
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
		case <-done:
			return
		}
		shutdown, cancel := context.WithTimeout(context.Background(), baselineShutdownGrace)
		defer cancel()
		_ = srv.ShutdownWithContext(shutdown)
	}()
	return srv.Serve(ln)
}
