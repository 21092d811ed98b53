package wire

// Cancelling requests whose client hung up. net/http cancels a request's
// context when its connection closes; fasthttp, which serves the port,
// does not, and its RequestCtx as a context would start a goroutine for
// every context derived from it. So the handler gives the operations that
// can run long (scans, batches, transactions: hangupOps) a context of its
// own, watched by one goroutine that checks their connections every
// hangupPoll for an orderly close or a reset, without reading what a client
// may have sent next, and cancels the context of one that is gone. The
// watcher runs only while such a request is in flight.
//
// Cancelling is safe wherever it lands: a store write waiting for its locks
// gives up without writing, one that has begun committing finishes (kv
// Store.Update), and a read simply stops.

import (
	"context"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/dynago/dynago/internal/api"
)

// hangupPoll is how often the watcher checks the connections of requests
// in flight.
const hangupPoll = 20 * time.Millisecond

// hangupOps are the operations whose requests are watched: those that can
// read or wait long enough for a client to give up on them.
var hangupOps = func() (ops [api.NumOperations]bool) {
	for _, id := range []api.OpID{api.OpQuery, api.OpScan, api.OpBatchGetItem, api.OpBatchWriteItem,
		api.OpTransactGetItems, api.OpTransactWriteItems, api.OpExecuteStatement, api.OpBatchExecuteStatement,
		api.OpExecuteTransaction, api.OpGetRecords} {
		ops[id] = true
	}
	return ops
}()

// hangupWatcher watches the connections of requests in flight.
type hangupWatcher struct {
	mu       sync.Mutex
	inFlight map[*connContext]struct{}
	running  bool
}

// connContext is a request's context, cancelled when its client hangs up.
// It carries no values and no deadline; values are layered on top with
// context.WithValue as usual.
type connContext struct {
	raw syscall.RawConn

	mu   sync.Mutex
	err  error
	done chan struct{}
}

func (c *connContext) Deadline() (time.Time, bool) { return time.Time{}, false }
func (c *connContext) Value(any) any               { return nil }

func (c *connContext) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Done returns a channel closed when the client hangs up, made on first
// use (most requests never ask).
func (c *connContext) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done == nil {
		c.done = make(chan struct{})
		if c.err != nil {
			close(c.done)
		}
	}
	return c.done
}

func (c *connContext) cancel() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return
	}
	c.err = context.Canceled
	if c.done != nil {
		close(c.done)
	}
}

// watch returns a context for a request on conn that is cancelled if the
// client hangs up, and the function that ends the watch. A connection the
// watcher cannot inspect gets context.Background().
func (w *hangupWatcher) watch(conn net.Conn) (context.Context, func()) {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return context.Background(), func() {}
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return context.Background(), func() {}
	}
	c := &connContext{raw: raw}
	w.mu.Lock()
	if w.inFlight == nil {
		w.inFlight = map[*connContext]struct{}{}
	}
	w.inFlight[c] = struct{}{}
	if !w.running {
		w.running = true
		go w.loop()
	}
	w.mu.Unlock()
	return c, func() {
		w.mu.Lock()
		delete(w.inFlight, c)
		w.mu.Unlock()
	}
}

// loop checks every request's connection each hangupPoll, until none is in
// flight.
func (w *hangupWatcher) loop() {
	t := time.NewTicker(hangupPoll)
	defer t.Stop()
	var batch []*connContext
	for range t.C {
		w.mu.Lock()
		if len(w.inFlight) == 0 {
			w.running = false
			w.mu.Unlock()
			return
		}
		batch = batch[:0]
		for c := range w.inFlight {
			batch = append(batch, c)
		}
		w.mu.Unlock()
		for _, c := range batch {
			if peerGone(c.raw) {
				c.cancel()
			}
		}
	}
}
