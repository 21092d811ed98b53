package server

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

const rawListTables = "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\n" +
	"X-Amz-Target: DynamoDB_20120810.ListTables\r\nX-Amz-Date: 20260101T000000Z\r\n" +
	"Authorization: AWS4-HMAC-SHA256 Credential=k/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=s\r\n" +
	"Content-Length: 2\r\n\r\n{}"

// TestCloseDoesNotWaitForSilentConnections: a connection a client opened
// and never used, and an idle keep-alive connection, must not hold up
// Close; fasthttp alone would wait for the silent one's read timeout.
func TestCloseDoesNotWaitForSilentConnections(t *testing.T) {
	s, err := Start(context.Background(), Config{InMemory: true, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	silent, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	used, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer used.Close()
	if _, err := used.Write([]byte(rawListTables)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(used), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("ListTables: %d", resp.StatusCode)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Fatalf("Close with a silent and an idle connection open: %v", err)
	}
	if err := <-s.ServeErr(); err != nil {
		t.Errorf("ServeErr after Close: %v", err)
	}
}

// TestRequestByteByByte: a client that sends its request one byte per
// write (the first byte is read ahead by readyListener) is answered.
func TestRequestByteByByte(t *testing.T) {
	status, body := rawRoundTrip(t, byteByByte(rawListTables)...)
	if status != 200 || body != `{"TableNames":[]}` {
		t.Errorf("ListTables byte by byte: %d %s", status, body)
	}
}

// TestOversizedBodyIs413: a body declared over the 16 MB limit is refused
// by fasthttp before it is read and before the API handler sees it; the
// answer is still 413, as the handler answers a body it measures itself.
func TestOversizedBodyIs413(t *testing.T) {
	head := strings.Replace(rawListTables, "Content-Length: 2\r\n\r\n{}", "Content-Length: 16777217\r\n\r\n", 1)
	if status, _ := rawRoundTrip(t, head); status != http.StatusRequestEntityTooLarge {
		t.Errorf("Content-Length 16 MB + 1: status %d, want 413", status)
	}
}

// flakyListener fails its first n Accepts with EMFILE, as a listener does
// when the process is out of file descriptors, then accepts normally.
type flakyListener struct {
	net.Listener
	n int
}

func (l *flakyListener) Accept() (net.Conn, error) {
	if l.n > 0 {
		l.n--
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: syscall.EMFILE}
	}
	return l.Listener.Accept()
}

// TestAcceptSurvivesTemporaryErrors: running out of file descriptors for a
// moment must not stop the server accepting connections.
func TestAcceptSurvivesTemporaryErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rl := newReadyListener(&flakyListener{Listener: ln, n: 3}, time.Minute)
	defer rl.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	accepted := make(chan error, 1)
	go func() {
		sc, err := rl.Accept()
		if err == nil {
			sc.Close()
		}
		accepted <- err
	}()
	select {
	case err := <-accepted:
		if err != nil {
			t.Fatalf("Accept after 3 EMFILE errors: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no connection accepted after 3 EMFILE errors")
	}
}

// TestChunkedRequestBody: a request body sent with chunked transfer
// encoding (no Content-Length) is read whole.
func TestChunkedRequestBody(t *testing.T) {
	req := strings.Replace(rawListTables, "Content-Length: 2\r\n\r\n{}", "Transfer-Encoding: chunked\r\n\r\n1\r\n{\r\n1\r\n}\r\n0\r\n\r\n", 1)
	status, body := rawRoundTrip(t, req)
	if status != 200 || body != `{"TableNames":[]}` {
		t.Errorf("chunked ListTables: %d %s", status, body)
	}
}

// rawRoundTrip starts an in-memory server, sends it request over a raw
// connection in the pieces given (each written alone, with a pause between
// the first few so the server reads them apart), and returns the status
// and body of the answer.
func rawRoundTrip(t *testing.T, pieces ...string) (int, string) {
	t.Helper()
	s, err := Start(context.Background(), Config{InMemory: true, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i, p := range pieces {
		if _, err := c.Write([]byte(p)); err != nil {
			t.Fatal(err)
		}
		if i < 3 {
			time.Sleep(5 * time.Millisecond)
		}
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	bufio.NewReader(resp.Body).WriteTo(&b)
	return resp.StatusCode, b.String()
}

// byteByByte splits s into one-byte pieces.
func byteByByte(s string) []string {
	out := make([]string, len(s))
	for i := range s {
		out[i] = s[i : i+1]
	}
	return out
}

// TestSilentConnectionsAreBounded: past MaxConns connections that have
// sent nothing, the one silent longest is closed to make room (instead of
// each costing a goroutine for the whole first-byte timeout), and a new
// connection that sends a request is served: silent connections held by
// one client cannot lock the others out.
func TestSilentConnectionsAreBounded(t *testing.T) {
	ctx := context.Background()
	s, err := Start(ctx, Config{InMemory: true, Logger: quietLogger(), MaxConns: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	var silent []net.Conn
	for i := range 3 {
		c, err := net.Dial("tcp", s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		silent = append(silent, c)
		for s.ready.waitingCount() < i+1 {
			time.Sleep(time.Millisecond) // accepted in this order
		}
	}
	used, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer used.Close()
	silent[0].SetReadDeadline(time.Now().Add(30 * time.Second)) // a failure, not a measurement
	var b [1]byte
	if _, err := silent[0].Read(b[:]); err == nil || isTimeout(err) {
		t.Fatalf("the oldest silent connection was kept open past MaxConns: %v", err)
	}
	if n := s.ready.waitingCount(); n != 3 {
		t.Fatalf("%d silent connections held, want MaxConns (3)", n)
	}
	if _, err := used.Write([]byte(rawListTables)); err != nil {
		t.Fatal(err)
	}
	used.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(used), nil)
	if err != nil {
		t.Fatalf("ListTables on a new connection with MaxConns silent ones held: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("ListTables on a new connection with MaxConns silent ones held: %d", resp.StatusCode)
	}
	for _, c := range silent[1:] {
		c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		if _, err := c.Read(b[:]); !isTimeout(err) {
			t.Fatalf("a newer silent connection was closed: %v", err)
		}
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
