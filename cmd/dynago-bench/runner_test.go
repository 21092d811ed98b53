package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func newTestBench(t *testing.T, url string) *Bench {
	t.Helper()
	cfg := LoadConfig{Concurrency: 2, Duration: 200 * time.Millisecond, Warmup: 50 * time.Millisecond,
		ItemSize: defaultItemSize, Keys: 100, Workloads: "get", Table: "bench_t", Client: "lean", Seed: 1}
	b, err := NewBench(cfg, url, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// startBaseline serves the baseline of kind on a free loopback port for
// the rest of the test and returns its URL.
func startBaseline(t *testing.T, kind string) string {
	t.Helper()
	if kind == baselineNetHTTP {
		srv := httptest.NewServer(NewBaselineHandler())
		t.Cleanup(srv.Close)
		return srv.URL
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveFastBaseline(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("fasthttp baseline: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

// TestRunAgainstBaseline drives each baseline server for a short window
// and checks that requests are counted, timed and read as GetItem hits.
func TestRunAgainstBaseline(t *testing.T) {
	for _, kind := range []string{baselineNetHTTP, baselineFastHTTP} {
		t.Run(kind, func(t *testing.T) {
			b := newTestBench(t, startBaseline(t, kind))
			wl, _ := LookupWorkload("get")
			r := b.RunWorkload(context.Background(), "baseline", wl, 0)
			if r.Requests == 0 || r.Errors != 0 {
				t.Fatalf("requests %d errors %d (first %v)", r.Requests, r.Errors, r.FirstErr)
			}
			if r.Items != r.Requests {
				t.Errorf("items %d, want one per GetItem hit (%d)", r.Items, r.Requests)
			}
			if r.Latency.Count() != r.Requests {
				t.Errorf("histogram holds %d latencies for %d requests", r.Latency.Count(), r.Requests)
			}
			if r.Elapsed < 200*time.Millisecond || r.Elapsed > 2*time.Second {
				t.Errorf("measured window %s, want about 200ms", r.Elapsed)
			}
			if r.Latency.Percentile(50) <= 0 || r.Latency.Percentile(99) < r.Latency.Percentile(50) {
				t.Errorf("p50 %d p99 %d", r.Latency.Percentile(50), r.Latency.Percentile(99))
			}
		})
	}
}

// TestBaselinesAnswerAlike checks that the net/http and fasthttp baselines
// send the same status, headers (but Date) and body, so they differ only
// in the library serving them.
func TestBaselinesAnswerAlike(t *testing.T) {
	answer := func(kind string) (int, http.Header, string) {
		req, err := http.NewRequest(http.MethodPost, startBaseline(t, kind), strings.NewReader(`{"TableName":"t"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810.GetItem")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		if res.Header.Get("Date") == "" {
			t.Errorf("%s: no Date header", kind)
		}
		res.Header.Del("Date")
		return res.StatusCode, res.Header, string(body)
	}
	netStatus, netHeader, netBody := answer(baselineNetHTTP)
	fastStatus, fastHeader, fastBody := answer(baselineFastHTTP)
	if netStatus != http.StatusOK || fastStatus != http.StatusOK {
		t.Errorf("status net/http %d, fasthttp %d, want 200", netStatus, fastStatus)
	}
	if !reflect.DeepEqual(netHeader, fastHeader) {
		t.Errorf("headers differ:\n net/http %v\n fasthttp %v", netHeader, fastHeader)
	}
	if netBody != fastBody || !strings.HasPrefix(netBody, `{"Item":`) {
		t.Errorf("bodies differ or are not GetItem answers:\n net/http %s\n fasthttp %s", netBody, fastBody)
	}
}

// TestRunCountsErrors checks that DynamoDB error answers are counted as
// errors with their type, not as throughput.
func TestRunCountsErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"}`)
	}))
	defer srv.Close()
	b := newTestBench(t, srv.URL)
	wl, _ := LookupWorkload("get")
	r := b.RunWorkload(context.Background(), "broken", wl, 0)
	if r.Requests != 0 || r.Errors == 0 {
		t.Fatalf("requests %d errors %d, want only errors", r.Requests, r.Errors)
	}
	if !isAPIError(r.FirstErr, "ResourceNotFoundException") {
		t.Errorf("first error %v, want ResourceNotFoundException", r.FirstErr)
	}
}

// TestLeanClientSpeaksDynamoDB checks the wire form of a request: POST /,
// the JSON 1.0 content type, the operation in X-Amz-Target, and a SigV4
// Authorization header scoped to dynamodb that signs the target.
func TestLeanClientSpeaksDynamoDB(t *testing.T) {
	var mu sync.Mutex
	var got *http.Request
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got, body = r, string(b)
		mu.Unlock()
		_, _ = io.WriteString(w, `{}`)
	}))
	defer srv.Close()
	b := newTestBench(t, srv.URL)
	w := b.load.NewWorker()
	if _, err := w.Do(context.Background(), Op{Kind: OpQuery, Item: 42}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if got.Method != http.MethodPost || got.URL.Path != "/" {
		t.Errorf("%s %s, want POST /", got.Method, got.URL.Path)
	}
	if ct := got.Header.Get("Content-Type"); ct != "application/x-amz-json-1.0" {
		t.Errorf("Content-Type %q", ct)
	}
	if tg := got.Header.Get("X-Amz-Target"); tg != "DynamoDB_20120810.Query" {
		t.Errorf("X-Amz-Target %q", tg)
	}
	auth := got.Header.Get("Authorization")
	for _, want := range []string{"AWS4-HMAC-SHA256 Credential=" + benchAccessKey + "/", "/" + benchRegion + "/dynamodb/aws4_request",
		"SignedHeaders=", "x-amz-target", "host", "Signature="} {
		if !strings.Contains(auth, want) {
			t.Errorf("Authorization %q lacks %q", auth, want)
		}
	}
	if got.Header.Get("X-Amz-Date") == "" {
		t.Error("no X-Amz-Date")
	}
	if !strings.Contains(body, `"p4"`) {
		t.Errorf("query body %s does not name partition p4", body)
	}
}

func TestNewBenchRefusesRemoteEndpoints(t *testing.T) {
	cfg := LoadConfig{Concurrency: 1, Duration: time.Second, ItemSize: 250, Keys: 100, Table: "bench_t", Client: "lean"}
	if _, err := NewBench(cfg, "http://10.1.2.3:8000", io.Discard); err == nil {
		t.Error("a non-loopback endpoint was accepted")
	}
	cfg.Duration = time.Hour
	if _, err := NewBench(cfg, "http://127.0.0.1:8000", io.Discard); err == nil {
		t.Error("an hour-long window was accepted")
	}
}
