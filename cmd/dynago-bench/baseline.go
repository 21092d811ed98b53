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
		h["X-Amzn-Requestid"] = []string{"BASELINE00000000000000000000000000000000000000000000"}
		_, _ = w.Write(body)
	})
}

// ServeBaseline listens on 127.0.0.1:port and serves NewBaselineHandler
// until ctx ends.
func ServeBaseline(ctx context.Context, port int) error {
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: NewBaselineHandler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
