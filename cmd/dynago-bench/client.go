package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
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
	// benchRegion and the credentials below sign requests; the emulators
	// check a signature's shape, not its secret.
	benchRegion    = "us-east-1"
	benchAccessKey = "AKIDBENCHEXAMPLE"
	benchSecretKey = "benchsecretbenchsecretbenchsecret"
	// requestTimeout bounds one request, so a stuck server cannot hold a
	// run past its duration by more than this.
	requestTimeout = 10 * time.Second
	// targetPrefix is the X-Amz-Target prefix of DynamoDB operations.
	targetPrefix = "DynamoDB_20120810."
)

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

// newTransport returns an HTTP/1.1 keep-alive transport with room for one
// idle connection per load goroutine, as an SDK client is configured for
// load.
func newTransport(conns int) *http.Transport {
	return &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns * 2,
		MaxIdleConnsPerHost: conns * 2,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
}

// LeanClient speaks DynamoDB's JSON 1.0 protocol with net/http directly:
// bodies appended into reused buffers by Encoder, each request signed with
// the AWS SDK's own SigV4 signer. It does what an SDK client does on the
// wire at a fraction of its CPU cost, which matters when the client and the
// server share two cores (see README in bench/).
type LeanClient struct {
	url       *url.URL
	enc       *Encoder
	http      *http.Client
	transport *http.Transport
	signer    *v4.Signer
	creds     aws.Credentials
}

// NewLeanClient returns a LeanClient for endpoint with room for conns
// concurrent connections.
func NewLeanClient(endpoint string, enc *Encoder, conns int) (*LeanClient, error) {
	u, err := CheckLoopback(endpoint)
	if err != nil {
		return nil, err
	}
	tr := newTransport(conns)
	return &LeanClient{
		url:       u,
		enc:       enc,
		http:      &http.Client{Transport: tr, Timeout: requestTimeout},
		transport: tr,
		signer:    v4.NewSigner(),
		creds:     aws.Credentials{AccessKeyID: benchAccessKey, SecretAccessKey: benchSecretKey, Source: "dynago-bench"},
	}, nil
}

// Close implements Client.
func (c *LeanClient) Close() { c.transport.CloseIdleConnections() }

// NewWorker implements Client.
func (c *LeanClient) NewWorker() Worker {
	return &leanWorker{c: c, body: make([]byte, 0, 16<<10), resp: bytes.NewBuffer(make([]byte, 0, 64<<10))}
}

type leanWorker struct {
	c    *LeanClient
	body []byte
	resp *bytes.Buffer
}

// Do implements Worker.
func (w *leanWorker) Do(ctx context.Context, op Op) (int, error) {
	w.body = w.c.enc.AppendBody(w.body[:0], op)
	if err := w.c.call(ctx, op.Kind.Target(), w.body, w.resp); err != nil {
		return 0, err
	}
	return responseItems(op.Kind, w.resp.Bytes()), nil
}

// Call sends one operation with a body given as JSON and decodes the
// response into out (when out is not nil). Setup and probes use it; the
// load loop uses workers.
func (c *LeanClient) Call(ctx context.Context, target string, in any, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	var resp bytes.Buffer
	if err := c.call(ctx, target, body, &resp); err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(resp.Bytes(), out)
}

// call signs and sends one request and reads the whole response into resp,
// so the connection goes back to the pool.
func (c *LeanClient) call(ctx context.Context, target string, body []byte, resp *bytes.Buffer) error {
	req := &http.Request{
		Method:        http.MethodPost,
		URL:           c.url,
		Host:          c.url.Host,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        make(http.Header, 8),
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
	}
	req = req.WithContext(ctx)
	req.Header["Content-Type"] = []string{"application/x-amz-json-1.0"}
	req.Header["X-Amz-Target"] = []string{targetPrefix + target}
	req.Header["Accept-Encoding"] = []string{"identity"}
	sum := sha256.Sum256(body)
	if err := c.signer.SignHTTP(ctx, c.creds, req, hex.EncodeToString(sum[:]), "dynamodb", benchRegion, time.Now()); err != nil {
		return err
	}
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	resp.Reset()
	_, err = resp.ReadFrom(res.Body)
	res.Body.Close()
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return decodeAPIError(res.StatusCode, resp.Bytes())
	}
	return nil
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
