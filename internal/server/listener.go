package server

import (
	"container/list"
	"errors"
	"net"
	"sync"
	"syscall"
	"time"
)

// readyListener hands a connection to the HTTP server only once the client
// has sent its first byte, and closes the ones still silent when it is
// closed.
//
// Why: fasthttp counts a connection as busy from the moment it is accepted
// until its first request is answered, and a graceful shutdown waits for
// busy connections. HTTP clients open connections they never use (Go's
// transport dials one for a request, then sends the request on another
// that became free first, and parks the new one), so Close would wait for
// such a connection's read timeout. Held here until its first byte, a
// connection reaches fasthttp only with a request arriving, and one that
// never sends anything never blocks a shutdown.
type readyListener struct {
	net.Listener
	firstByteTimeout time.Duration
	// maxWaiting bounds the connections held before their first byte
	// (each costs a goroutine and a descriptor): past it, the one silent
	// longest is closed to make room for the new one. Zero means no bound.
	//
	// Why the oldest and not the new one: a client that holds maxWaiting
	// silent connections (and opens new ones before the first-byte
	// timeout) would otherwise lock every other client out. A silent
	// connection carries no request, so closing it loses nothing (HTTP
	// clients dial again), and a real client's new connection sends its
	// request long before maxWaiting newer ones push it out.
	maxWaiting int

	ready     chan net.Conn
	done      chan struct{}
	closeOnce sync.Once

	mu      sync.Mutex
	waiting map[net.Conn]*list.Element // accepted, no byte yet; in order of acceptance
	order   list.List                  // of net.Conn, oldest first
	err     error                      // why the accept loop stopped
}

// newReadyListener starts accepting on ln. A connection silent for
// firstByteTimeout is closed.
func newReadyListener(ln net.Listener, firstByteTimeout time.Duration) *readyListener {
	return newBoundedReadyListener(ln, firstByteTimeout, 0)
}

// newBoundedReadyListener is newReadyListener holding at most maxWaiting
// silent connections (zero: no bound).
func newBoundedReadyListener(ln net.Listener, firstByteTimeout time.Duration, maxWaiting int) *readyListener {
	l := &readyListener{
		Listener:         ln,
		firstByteTimeout: firstByteTimeout,
		maxWaiting:       maxWaiting,
		ready:            make(chan net.Conn),
		done:             make(chan struct{}),
		waiting:          map[net.Conn]*list.Element{},
	}
	go l.acceptLoop()
	return l
}

// acceptTempDelayMax caps the back-off after a temporary accept error
// (such as running out of file descriptors), as net/http does.
const acceptTempDelayMax = time.Second

func (l *readyListener) acceptLoop() {
	var delay time.Duration
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				l.mu.Lock()
				l.err = err
				l.mu.Unlock()
				l.Close()
				return
			}
			// Anything else (out of file descriptors, a connection
			// aborted before it was accepted) passes: back off and accept
			// again, as net/http does, rather than stop serving.
			delay = min(max(2*delay, 5*time.Millisecond), acceptTempDelayMax)
			select {
			case <-time.After(delay):
				continue
			case <-l.done:
				return
			}
		}
		delay = 0
		evicted, ok := l.track(c)
		if evicted != nil {
			evicted.Close() // too many silent connections: the oldest goes
		}
		if !ok {
			c.Close()
			return
		}
		go l.awaitFirstByte(c)
	}
}

// track records c as waiting, unless the listener is closed (ok false).
// When it already holds maxWaiting silent connections it stops tracking
// the oldest and returns it, for the caller to close.
func (l *readyListener) track(c net.Conn) (evicted net.Conn, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case <-l.done:
		return nil, false
	default:
	}
	if l.maxWaiting > 0 && len(l.waiting) >= l.maxWaiting {
		evicted = l.order.Remove(l.order.Front()).(net.Conn)
		delete(l.waiting, evicted)
	}
	l.waiting[c] = l.order.PushBack(c)
	return evicted, true
}

func (l *readyListener) untrack(c net.Conn) {
	l.mu.Lock()
	if e, ok := l.waiting[c]; ok {
		l.order.Remove(e)
		delete(l.waiting, c)
	}
	l.mu.Unlock()
}

// awaitFirstByte reads c's first byte and then hands c, that byte put back
// in front, to Accept.
func (l *readyListener) awaitFirstByte(c net.Conn) {
	var b [1]byte
	_ = c.SetReadDeadline(time.Now().Add(l.firstByteTimeout))
	n, err := c.Read(b[:])
	l.untrack(c)
	if n == 0 || err != nil {
		c.Close()
		return
	}
	_ = c.SetReadDeadline(time.Time{})
	select {
	case l.ready <- &firstByteConn{Conn: c, first: b[0], pending: true}:
	case <-l.done:
		c.Close()
	}
}

// Accept implements net.Listener.
func (l *readyListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ready:
		return c, nil
	case <-l.done:
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.err != nil {
			return nil, l.err
		}
		return nil, net.ErrClosed
	}
}

// Close implements net.Listener: it stops accepting and closes every
// connection that has not sent a byte yet.
func (l *readyListener) Close() error {
	var err error
	l.closeOnce.Do(func() {
		l.mu.Lock()
		close(l.done)
		for c := range l.waiting {
			c.Close()
		}
		clear(l.waiting)
		l.order.Init()
		l.mu.Unlock()
		err = l.Listener.Close()
	})
	return err
}

// firstByteConn is a connection whose first byte was read ahead of the
// HTTP server; its first Read returns that byte.
type firstByteConn struct {
	net.Conn
	first   byte
	pending bool
}

// SyscallConn exposes the connection's file descriptor, so that the API
// handler can tell when a client hangs up during a request (wire's
// hangupWatcher).
func (c *firstByteConn) SyscallConn() (syscall.RawConn, error) {
	sc, ok := c.Conn.(syscall.Conn)
	if !ok {
		return nil, errors.New("server: connection without a file descriptor")
	}
	return sc.SyscallConn()
}

// Read returns the byte read ahead alone (more may not have arrived yet),
// then reads from the connection.
func (c *firstByteConn) Read(p []byte) (int, error) {
	if c.pending && len(p) > 0 {
		c.pending = false
		p[0] = c.first
		return 1, nil
	}
	return c.Conn.Read(p)
}

// waitingCount is how many accepted connections have sent nothing yet.
func (l *readyListener) waitingCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.waiting)
}
