package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/valyala/fasthttp"
)

// Client opens workers that issue Ops against one endpoint. Each load
// goroutine gets its own Worker so buffers are reused without locks.
type Client interface {
	NewWorker() Worker
	// Close releases idle connections.
	Close()
}

// Worker issues one Op at a time and returns the items it read or wrote.
type Worker interface {
	Do(ctx context.Context, op Op) (items int, err error)
}

// APIError is a DynamoDB error response: its __type's short name and its
// message.
type APIError struct {
	Status  int
	Type    string
	Message string
}

// Error implements error.
func (e *APIError) Error() string {
	return fmt.Sprintf("HTTP %d %s: %s", e.Status, e.Type, e.Message)
}

const (
	// benchRegion and the credentials below sign requests unless -region,
	// -access-key and -secret-key say otherwise; the emulators check a
	// signature's shape, not its secret.
	benchRegion    = "us-east-1"
	benchAccessKey = "AKIDBENCHEXAMPLE"
	benchSecretKey = "benchsecretbenchsecretbenchsecret"
	// requestTimeout bounds one request, so a stuck server cannot hold a
	// run past its duration by more than this.
	requestTimeout = 10 * time.Second
	// targetPrefix is the X-Amz-Target prefix of DynamoDB operations.
	targetPrefix = "DynamoDB_20120810."
	// streamsTargetPrefix is that of DynamoDB Streams operations
	// (isStreamsOp), signed for the same service.
	streamsTargetPrefix = "DynamoDBStreams_20120810."
)

// Credentials are what a client signs its requests with: an access key,
// its secret and the region of the credential scope. A server that
// verifies signatures (dynago serve --auth FILE) needs a key of its file;
// the emulators accept any.
type Credentials struct {
	AccessKey string
	SecretKey string
	Region    string
}

// orDefault fills the fields left empty with the tool's own credentials.
func (c Credentials) orDefault() Credentials {
	if c.AccessKey == "" {
		c.AccessKey = benchAccessKey
	}
	if c.SecretKey == "" {
		c.SecretKey = benchSecretKey
	}
	if c.Region == "" {
		c.Region = benchRegion
	}
	return c
}

// CheckLoopback refuses any endpoint whose host is not a loopback address:
// this tool only ever loads servers on this machine.
func CheckLoopback(endpoint string) (*url.URL, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, fmt.Errorf("endpoint %q: %w", endpoint, err)
	}
	if u.Scheme != "http" {
		return nil, fmt.Errorf("endpoint %q: want http://127.0.0.1:PORT", endpoint)
	}
	host := u.Hostname()
	if host == "localhost" {
		return u, nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("endpoint %q: only loopback targets (127.0.0.0/8, ::1, localhost) are allowed", endpoint)
	}
	return u, nil
}

// LeanClient speaks DynamoDB's JSON 1.0 protocol over fasthttp's
// HostClient: bodies appended into reused buffers by Encoder, each request
// signed by a requestSigner (SigV4, byte for byte what the AWS SDK's signer
// produces). It sends what an SDK client sends on the wire at a fraction of
// its CPU cost, which matters when the client and the server share two
// cores (see README in bench/): net/http's client runs two goroutines per
// connection and hands every request and response over channels, and the
// SDK's signer allocates maps and strings per request; HostClient writes
// and reads on the calling goroutine with pooled buffers, and neither it
// nor the signer allocates per request once warm.
type LeanClient struct {
	http *fasthttp.HostClient
	// host is the Host header as sent and signed.
	host string
	enc  *Encoder
	// creds sign every request (the tool's own unless SetCredentials).
	creds Credentials
	// timeout bounds one request (requestTimeout; shorter for probes).
	timeout time.Duration
}

// Connection settings of the lean client.
const (
	// leanReadBufferSize holds a Scan page of 100 default items in one read.
	leanReadBufferSize = 32 << 10 // 32 KB
	// leanWriteBufferSize holds a 25-item BatchWriteItem with its headers,
	// so it goes out in one write.
	leanWriteBufferSize = 16 << 10 // 16 KB
	// leanIdleConnDuration is how long an idle connection is kept open. It
	// is shorter than any server's keep-alive timeout (Node's, dynalite's,
	// is 5 s): HostClient, unlike net/http's per-connection reader, does
	// not notice a server closing an idle connection, and a POST sent on
	// one fails instead of being retried. compare leaves each server idle
	// while it measures the others.
	leanIdleConnDuration = 2 * time.Second
)

// NewLeanClient returns a LeanClient for endpoint with room for conns
// concurrent connections.
func NewLeanClient(endpoint string, enc *Encoder, conns int) (*LeanClient, error) {
	u, err := CheckLoopback(endpoint)
	if err != nil {
		return nil, err
	}
	// As the SDK does, the Host header drops http's default port.
	host := strings.TrimSuffix(u.Host, ":80")
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	hc := &fasthttp.HostClient{
		Addr: addr,
		// Name is the User-Agent header.
		Name:                   "dynago-bench",
		MaxConns:               conns * 2,
		MaxConnWaitTimeout:     requestTimeout,
		MaxIdleConnDuration:    leanIdleConnDuration,
		ReadBufferSize:         leanReadBufferSize,
		WriteBufferSize:        leanWriteBufferSize,
		DisablePathNormalizing: true,
		// A failed request is counted, not retried (POST is not retried
		// anyway; this makes it explicit).
		MaxIdemponentCallAttempts: 1,
	}
	return &LeanClient{http: hc, host: host, enc: enc, creds: Credentials{}.orDefault(), timeout: requestTimeout}, nil
}

// SetCredentials makes workers opened from now on sign with creds (its
// empty fields keep the tool's own).
func (c *LeanClient) SetCredentials(creds Credentials) { c.creds = creds.orDefault() }

// Close implements Client.
func (c *LeanClient) Close() { c.http.CloseIdleConnections() }

// NewWorker implements Client.
func (c *LeanClient) NewWorker() Worker { return c.newWorker() }

func (c *LeanClient) newWorker() *leanWorker {
	w := &leanWorker{
		c:      c,
		signer: newRequestSigner(c.creds.AccessKey, c.creds.SecretKey, c.creds.Region, c.host),
		body:   make([]byte, 0, 16<<10),
		target: make([]byte, 0, 64),
	}
	// The headers that never change are set once; Do rewrites the others
	// in place.
	w.req.Header.SetMethod(fasthttp.MethodPost)
	w.req.Header.SetRequestURI("/")
	w.req.Header.SetHost(c.host)
	w.req.UseHostHeader = true
	w.req.Header.SetContentType(jsonContentType)
	w.req.Header.Set(fasthttp.HeaderAcceptEncoding, identityEncoding)
	return w
}

// leanWorker is one load goroutine's request state, reused for every
// request so that none allocates.
type leanWorker struct {
	c      *LeanClient
	signer *requestSigner
	req    fasthttp.Request
	resp   fasthttp.Response
	body   []byte
	target []byte
	// iterator is the shard iterator the next GetRecords reads from;
	// empty when a new one must be got.
	iterator []byte
}

// Do implements Worker.
func (w *leanWorker) Do(ctx context.Context, op Op) (int, error) {
	if op.Kind == OpGetRecords {
		return w.getRecords(ctx, op)
	}
	w.body = w.c.enc.AppendBody(w.body[:0], op)
	body, err := w.call(ctx, op.Kind.Target(), w.body)
	if err != nil {
		return 0, err
	}
	return responseItems(op.Kind, body), nil
}

// getRecords reads the next page of the stream from the worker's shard
// iterator and moves on to the page's NextShardIterator. A page with no
// records means the reader has caught up with the writes (or the shard
// closed): the next call starts the shard again from TRIM_HORIZON, so a
// run keeps reading the loaded records however long it lasts. Getting the
// new iterator is part of that call's time.
func (w *leanWorker) getRecords(ctx context.Context, op Op) (int, error) {
	if len(w.iterator) == 0 {
		w.body = w.c.enc.AppendGetShardIterator(w.body[:0], op.Item)
		body, err := w.call(ctx, "GetShardIterator", w.body)
		if err != nil {
			return 0, fmt.Errorf("GetShardIterator: %w", err)
		}
		it, ok := jsonStringField(body, `"ShardIterator":`)
		if !ok {
			return 0, fmt.Errorf("GetShardIterator: no ShardIterator in %.200q", body)
		}
		w.iterator = append(w.iterator[:0], it...)
	}
	w.body = w.c.enc.AppendGetRecords(w.body[:0], w.iterator)
	body, err := w.call(ctx, op.Kind.Target(), w.body)
	if err != nil {
		// An expired or trimmed iterator is not worth keeping.
		w.iterator = w.iterator[:0]
		return 0, err
	}
	n := responseItems(OpGetRecords, body)
	next, ok := jsonStringField(body, `"NextShardIterator":`)
	if n == 0 || !ok {
		w.iterator = w.iterator[:0]
	} else {
		w.iterator = append(w.iterator[:0], next...)
	}
	return n, nil
}

// Call sends one operation with a body given as JSON and decodes the
// response into out (when out is not nil). Setup and probes use it; the
// load loop uses workers.
func (c *LeanClient) Call(ctx context.Context, target string, in any, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	resp, err := c.newWorker().call(ctx, target, body)
	if err != nil || out == nil {
		return err
	}
	return json.Unmarshal(resp, out)
}

// call signs and sends one request and reads the whole response; it
// returns the response body, valid until the next call.
func (w *leanWorker) call(ctx context.Context, target string, body []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	timeout := w.c.timeout
	if d, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(d))
	}
	prefix := targetPrefix
	if isStreamsOp(target) {
		prefix = streamsTargetPrefix
	}
	w.target = append(append(w.target[:0], prefix...), target...)
	amzDate, auth := w.signer.Sign(time.Now(), w.target, body)
	h := &w.req.Header
	h.SetBytesV("X-Amz-Target", w.target)
	h.SetBytesV("X-Amz-Date", amzDate)
	h.SetBytesV(fasthttp.HeaderAuthorization, auth)
	w.req.SetBodyRaw(body)
	if err := w.c.http.DoTimeout(&w.req, &w.resp, timeout); err != nil {
		return nil, err
	}
	if status := w.resp.StatusCode(); status != fasthttp.StatusOK {
		return nil, decodeAPIError(status, w.resp.Body())
	}
	return w.resp.Body(), nil
}

// isStreamsOp reports whether target is an operation of the DynamoDB
// Streams API rather than DynamoDB's.
func isStreamsOp(target string) bool {
	switch target {
	case "DescribeStream", "GetShardIterator", "GetRecords", "ListStreams":
		return true
	}
	return false
}

// decodeAPIError reads DynamoDB's error envelope: {"__type":
// "com.amazonaws.dynamodb.v20120810#Code","message":"..."}.
func decodeAPIError(status int, body []byte) *APIError {
	var env struct {
		Type     string `json:"__type"`
		Message  string `json:"message"`
		MessageU string `json:"Message"`
	}
	_ = json.Unmarshal(body, &env)
	e := &APIError{Status: status, Type: env.Type, Message: env.Message}
	if e.Message == "" {
		e.Message = env.MessageU
	}
	if i := strings.LastIndexByte(e.Type, '#'); i >= 0 {
		e.Type = e.Type[i+1:]
	}
	if e.Type == "" && e.Message == "" {
		e.Message = strings.TrimSpace(string(body))
	}
	return e
}
