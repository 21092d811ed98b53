package server

import (
	"context"
	"errors"
	"net"
	"sync/atomic"

	"github.com/valyala/fasthttp"
)

// connCounter counts the connections fasthttp serves, from its ConnState
// callbacks: a connection counts from its acceptance (StateNew) until it
// is closed or hijacked, and fasthttp reports the close only after the
// connection's handler has returned.
//
// Each close that brings the count to zero leaves a token in closed, so
// that shutdownHTTP waits on it rather than on a timer. It used to poll
// every 200 µs; but the Go runtime, idle in its network poller, sleeps in
// whole milliseconds (epoll's timeout), so every tick took ~1.1 ms and
// each server a test suite stopped paid it.
type connCounter struct {
	open   atomic.Int64
	closed chan struct{} // capacity 1; see newConnCounter
}

func newConnCounter() connCounter {
	return connCounter{closed: make(chan struct{}, 1)}
}

func (c *connCounter) state(_ net.Conn, st fasthttp.ConnState) {
	switch st {
	case fasthttp.StateNew:
		c.open.Add(1)
	case fasthttp.StateClosed, fasthttp.StateHijacked:
		if c.open.Add(-1) == 0 {
			select {
			case c.closed <- struct{}{}:
			default: // a token is already there
			}
		}
	}
}

// shutdownHTTP stops the HTTP server as fasthttp's ShutdownWithContext
// does (stop accepting, close idle connections, let requests in flight
// finish), but returns as soon as the last connection has closed rather
// than on fasthttp's next 100 ms tick. Once Serve has returned no
// connection can be accepted any more, so from then on the count is
// exact, and a count of zero cannot rise again.
func (s *Server) shutdownHTTP(ctx context.Context) error {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	drained := make(chan struct{})
	go func() {
		select {
		case <-sctx.Done():
			return
		case <-s.serveDone:
		}
		// A token left by an earlier drop to zero is stale; the loop
		// then only looks at the count once more.
		for s.conns.open.Load() > 0 {
			select {
			case <-sctx.Done():
				return
			case <-s.conns.closed:
			}
		}
		close(drained)
		cancel()
	}()
	err := s.http.ShutdownWithContext(sctx)
	if errors.Is(err, context.Canceled) && ctx.Err() == nil {
		select {
		case <-drained:
			return nil
		default:
		}
	}
	return err
}
