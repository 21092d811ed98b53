package wire

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/dynago/dynago/internal/api"
)

// blockingEngine's Query waits until its context ends and reports it.
type blockingEngine struct{ cancelled chan error }

func (e blockingEngine) Handler(id api.OpID) api.Handler {
	switch id {
	case api.OpQuery:
		return func(ctx context.Context, in any) (any, error) {
			select {
			case <-ctx.Done():
				e.cancelled <- ctx.Err()
				return nil, ctx.Err()
			case <-time.After(30 * time.Second):
				e.cancelled <- nil
				return &api.QueryOutput{}, nil
			}
		}
	case api.OpGetItem:
		return func(ctx context.Context, in any) (any, error) { return &api.GetItemOutput{}, nil }
	}
	return nil
}

// A Query whose client closes the connection mid-request is cancelled,
// served by fasthttp as the server serves the port.
func TestHangupCancelsRequest(t *testing.T) {
	eng := blockingEngine{cancelled: make(chan error, 1)}
	h := New(eng, Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: h.ServeFast}
	go srv.Serve(ln)
	defer srv.Shutdown()

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	body := `{"TableName":"music","KeyConditionExpression":"a = :a","ExpressionAttributeValues":{":a":{"S":"x"}}}`
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: DynamoDB_20120810.Query\r\n"+
		"X-Amz-Date: 20260101T000000Z\r\nAuthorization: AWS4-HMAC-SHA256 Credential=k/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=s\r\n"+
		"Content-Length: %d\r\n\r\n%s", len(body), body)
	time.Sleep(50 * time.Millisecond) // the request is in the engine
	begin := time.Now()
	conn.Close()
	select {
	case err := <-eng.cancelled:
		if err == nil {
			t.Fatal("the request ran to its end although its client hung up")
		}
		t.Logf("cancelled %v after the client hung up", time.Since(begin))
	case <-time.After(20 * time.Second):
		t.Fatal("the request was not cancelled")
	}
	// The engine reports the cancellation before its handler returns and
	// the request stops being watched: wait for that, not for a time.
	watched := func() int {
		h.hangups.mu.Lock()
		defer h.hangups.mu.Unlock()
		return len(h.hangups.inFlight)
	}
	deadline := time.Now().Add(20 * time.Second)
	for watched() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests still watched 20 s after the answer", watched())
		}
		time.Sleep(time.Millisecond)
	}
}
