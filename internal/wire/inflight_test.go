package wire

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// gzipped returns a gzip PutItem body that inflates to about n bytes.
func gzipped(n int) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(`{"TableName":"tbl","Item":{"pk":{"S":"` + strings.Repeat("x", n) + `"}}}`))
	zw.Close()
	return buf.Bytes()
}

// TestInflightBodiesAreBounded: small gzip bodies that inflate to much
// more are held against one budget across requests. A request whose body
// does not fit while another holds the budget is refused with
// ThrottlingException, before it reaches the engine; once the first is
// answered, the budget is free again.
func TestInflightBodiesAreBounded(t *testing.T) {
	const inflated = 600 << 10
	entered, proceed := make(chan struct{}), make(chan struct{})
	var once sync.Once
	h := newTestHandler(t, Options{
		MaxInflightBytes: 1 << 20, // room for one inflated body, not two
		BeforeOperation: func(_ context.Context, op string) {
			once.Do(func() {
				close(entered)
				<-proceed
			})
		},
	})
	send := func() (int, string) {
		r := req{target: "PutItem", headers: map[string]string{"Content-Encoding": "gzip"}}.build()
		b := gzipped(inflated)
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec.Code, rec.Body.String()
	}
	first := make(chan int, 1)
	go func() {
		code, _ := send()
		first <- code
	}()
	<-entered // the first request holds its inflated body in the engine
	code, body := send()
	if code != 400 || !strings.Contains(body, "ThrottlingException") || !strings.Contains(body, "Rate of requests exceeds the allowed throughput.") {
		t.Errorf("a second body beyond the budget: %d %s, want ThrottlingException", code, body)
	}
	close(proceed)
	if c := <-first; c != 200 {
		t.Fatalf("the first request: %d", c)
	}
	// Released: the same request now reaches the engine.
	code, body = send()
	if code != 200 {
		t.Errorf("after the first request finished: %d %s", code, body)
	}
}

// TestStreamedBodyBeyondTheBudget: served by fasthttp streaming bodies, as
// the server serves the port, a plain body that does not fit the budget
// while another holds it is refused with ThrottlingException (its bytes
// are taken from the budget before it is read, so 64 such bodies at once
// hold no more than the budget: reliability/overload), the rest of it is
// read into nothing, and the same connection then carries the next
// request.
func TestStreamedBodyBeyondTheBudget(t *testing.T) {
	const size = 600 << 10
	entered, proceed := make(chan struct{}), make(chan struct{})
	var once sync.Once
	h := New(newFakeEngine(), Options{
		Logger:           slog.New(slog.NewTextHandler(io.Discard, nil)),
		MaxInflightBytes: 1 << 20, // room for one body, not two
		BeforeOperation: func(_ context.Context, op string) {
			once.Do(func() {
				close(entered)
				<-proceed
			})
		},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: h.ServeFast, StreamRequestBody: true, MaxRequestBodySize: 16 << 20}
	go srv.Serve(ln)
	defer srv.Shutdown()

	body := `{"TableName":"tbl","Item":{"pk":{"S":"` + strings.Repeat("x", size) + `"}}}`
	send := func(c net.Conn, br *bufio.Reader, body string) (int, string) {
		t.Helper()
		fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: DynamoDB_20120810.PutItem\r\n"+
			"X-Amz-Date: 20260101T000000Z\r\nAuthorization: AWS4-HMAC-SHA256 Credential=k/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=s\r\n"+
			"Content-Length: %d\r\n\r\n%s", len(body), body)
		c.SetReadDeadline(time.Now().Add(30 * time.Second)) // a failure, not a measurement
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("no answer: %v", err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(b)
	}
	dial := func() (net.Conn, *bufio.Reader) {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c, bufio.NewReader(c)
	}
	first := make(chan int, 1)
	c1, br1 := dial()
	go func() {
		code, _ := send(c1, br1, body)
		first <- code
	}()
	<-entered // the first request holds its body in the engine
	c2, br2 := dial()
	code, got := send(c2, br2, body)
	if code != 400 || !strings.Contains(got, "ThrottlingException") {
		t.Errorf("a second body beyond the budget: %d %s, want ThrottlingException", code, got)
	}
	close(proceed)
	if c := <-first; c != 200 {
		t.Fatalf("the first request: %d", c)
	}
	if code, got := send(c2, br2, body); code != 200 {
		t.Errorf("the next request on the refused body's connection: %d %s, want 200", code, got)
	}
}
