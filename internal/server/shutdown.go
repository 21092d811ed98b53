package server

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// shutdownPoll is how often Close looks whether the last connection has
// closed. fasthttp's own ShutdownWithContext looks every 100 ms, and it
// always waits at least once: the idle keep-alive connection every SDK
// client leaves open is closed by the shutdown and gone a few
// microseconds later, yet each server a test suite stops (dynagotest.New
// registers one Close per test) took 100 ms.
const shutdownPoll = 200 * time.Microsecond

// connCounter counts the connections fasthttp serves, from its ConnState
// callbacks: a connection counts from its acceptance (StateNew) until it
// is closed or hijacked, and fasthttp reports the close only after the
// connection's handler has returned.
type connCounter struct {
	open atomic.Int64
}

func (c *connCounter) state(_ net.Conn, st fasthttp.ConnState) {
	switch st {
	case fasthttp.StateNew:
		c.open.Add(1)
	case fasthttp.StateClosed, fasthttp.StateHijacked:
		c.open.Add(-1)
	}
}

// shutdownHTTP stops the HTTP server as fasthttp's ShutdownWithContext
// does (stop accepting, close idle connections, let requests in flight
// finish), but returns as soon as the last connection has closed rather
// than on fasthttp's next 100 ms tick. Once Serve has returned no
// connection can be accepted any more, so from then on the count is
// exact.
func (s *Server) shutdownHTTP(ctx context.Context) error {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	drained := make(chan struct{})
	go func() {
		t := time.NewTicker(shutdownPoll)
		defer t.Stop()
		for {
			select {
			case <-sctx.Done():
				return
			case <-t.C:
			}
			select {
			case <-s.serveDone:
			default:
				continue
			}
			if s.conns.open.Load() <= 0 {
				close(drained)
				cancel()
				return
			}
		}
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
