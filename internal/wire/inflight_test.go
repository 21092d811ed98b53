package wire

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
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
