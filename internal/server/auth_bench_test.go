package server

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/valyala/fasthttp"
)

// benchAuthFile has a user allowed everything and a user allowed only
// its own partition of table tbl (three conditions' worth of work).
const benchAuthFile = `{"accounts": {"111111111111": {"users": {
  "admin": {"accessKeys": [{"id": "AKIABENCHADMIN", "secret": "bench-admin"}],
    "policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}]},
  "k1": {"accessKeys": [{"id": "AKIABENCHK1", "secret": "bench-k1"}],
    "policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Query"],
      "Resource": "arn:aws:dynamodb:*:111111111111:table/tbl",
      "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["${aws:username}"]},
                    "Bool": {"aws:SecureTransport": "false"},
                    "StringEqualsIfExists": {"dynamodb:Select": "ALL_ATTRIBUTES"}}}]}]}}}}}`

// BenchmarkGetItemAuth measures GetItem over HTTP (the fasthttp path)
// without --auth, with --auth and a user allowed everything, and with a
// fine-grained policy: the cost of verifying a signature and authorizing
// the item, as throughput (ns/op over parallel clients). The requests are
// signed once, so only the server's work differs.
func BenchmarkGetItemAuth(b *testing.B) {
	for _, mode := range []string{"none", "auth-admin", "auth-fine-grained"} {
		b.Run(mode, func(b *testing.B) { benchGetItemAuth(b, mode) })
	}
}

// BenchmarkGetItemAuthHandler is BenchmarkGetItemAuth without the
// network: one goroutine calls the server's handler, so ns/op is the
// server's CPU per GetItem, which a shared machine disturbs less.
func BenchmarkGetItemAuthHandler(b *testing.B) {
	for _, mode := range []string{"none", "auth-admin", "auth-fine-grained"} {
		b.Run(mode, func(b *testing.B) { benchGetItemAuthHandler(b, mode) })
	}
}

// BenchmarkGetItemAuthFastHandler is BenchmarkGetItemAuthHandler on the
// path `dynago serve` takes: the request is a fasthttp.RequestCtx served
// by the API's fasthttp handler (ServeFast), whose headers are fasthttp's
// byte slices, not an http.Header.
func BenchmarkGetItemAuthFastHandler(b *testing.B) {
	for _, mode := range []string{"none", "auth-admin", "auth-fine-grained"} {
		b.Run(mode, func(b *testing.B) { benchGetItemAuthFastHandler(b, mode) })
	}
}

func benchGetItemAuthFastHandler(b *testing.B, mode string) {
	get := newFastGetItem(b, mode)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	for range b.N {
		if err := get(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
}

// BenchmarkGetItemAuthFastInterleaved serves GetItem on the fasthttp
// path from a server without --auth and one with it (a user allowed
// dynamodb:*) in alternating blocks of interleaveBlock requests,
// measuring the process's CPU time over each block: both modes see the
// same neighbours on a machine shared with other work, so the ratio it
// reports (auth-throughput-%, the throughput with --auth as a share of
// that without, both CPU-bound) is steadier than that of separate runs.
func BenchmarkGetItemAuthFastInterleaved(b *testing.B) {
	const interleaveBlock = 500
	none, authed := newFastGetItem(b, "none"), newFastGetItem(b, "auth-admin")
	var cpu [2]time.Duration
	b.ResetTimer()
	for done := 0; done < b.N; done += interleaveBlock {
		for i, get := range []func() error{none, authed} {
			t0 := processCPU()
			for range interleaveBlock {
				if err := get(); err != nil {
					b.Fatal(err)
				}
			}
			cpu[i] += processCPU() - t0
		}
	}
	n := float64((b.N + interleaveBlock - 1) / interleaveBlock * interleaveBlock)
	b.ReportMetric(float64(cpu[0])/n, "none-cpu-ns/op")
	b.ReportMetric(float64(cpu[1])/n, "auth-cpu-ns/op")
	b.ReportMetric(100*float64(cpu[0])/float64(cpu[1]), "auth-throughput-%")
}

// openAuthBenchServer opens an in-memory server, closed when b ends, with
// benchAuthFile as its auth file unless mode is "none".
func openAuthBenchServer(b *testing.B, mode string) *Server {
	ctx := context.Background()
	cfg := Config{InMemory: true, TTLInterval: -1, NoThrottle: true, Logger: quietLogger(), NoAccessLog: true}
	if mode != "none" {
		path := filepath.Join(b.TempDir(), "auth.json")
		if err := os.WriteFile(path, []byte(benchAuthFile), 0o600); err != nil {
			b.Fatal(err)
		}
		cfg.AuthFile = path
	}
	s, err := Open(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close(ctx) })
	return s
}

// newFastGetItem opens a server in mode (none, auth-admin,
// auth-fine-grained), loads one item, and returns a function that
// serves one GetItem of it through the fasthttp handler, signed as the
// mode's user signs it (once: only the server's work is repeated).
func newFastGetItem(b *testing.B, mode string) func() error {
	ctx := context.Background()
	s := openAuthBenchServer(b, mode)
	h := fastHandler(s.api, s.handler)
	// signed returns a request as a client sends it over HTTP/1.1, signed
	// by the SDK's signer, on a RequestCtx as fasthttp's server makes one.
	signed := func(op, body, key, secret string) *fasthttp.RequestCtx {
		req, _ := http.NewRequest("POST", "http://127.0.0.1:8000/", bytes.NewReader([]byte(body)))
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
		req.Header.Set("Accept-Encoding", "identity")
		sum := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}, req,
			hex.EncodeToString(sum[:]), "dynamodb", "us-east-1", time.Now()); err != nil {
			b.Fatal(err)
		}
		var wire bytes.Buffer
		if err := req.Write(&wire); err != nil {
			b.Fatal(err)
		}
		var r fasthttp.Request
		if err := r.Read(bufio.NewReader(&wire)); err != nil {
			b.Fatal(err)
		}
		var fctx fasthttp.RequestCtx
		fctx.Init(&r, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}, nil)
		return &fctx
	}
	do := func(fctx *fasthttp.RequestCtx) error {
		fctx.Response.Reset()
		h(fctx)
		if code := fctx.Response.StatusCode(); code != http.StatusOK {
			return fmt.Errorf("%d %s", code, fctx.Response.Body())
		}
		return nil
	}
	for _, c := range [][2]string{{"CreateTable", benchCreate}, {"PutItem", benchPut}} {
		if err := do(signed(c[0], c[1], "AKIABENCHADMIN", "bench-admin")); err != nil {
			b.Fatal(c[0], err)
		}
	}
	key, secret := "AKIABENCHADMIN", "bench-admin"
	if mode == "auth-fine-grained" {
		key, secret = "AKIABENCHK1", "bench-k1"
	}
	fctx := signed("GetItem", benchGet, key, secret)
	return func() error { return do(fctx) }
}

func benchGetItemAuthHandler(b *testing.B, mode string) {
	ctx := context.Background()
	s := openAuthBenchServer(b, mode)
	h := s.Handler()
	signed := func(op, body, key, secret string) *http.Request {
		req := httptest.NewRequest("POST", "http://127.0.0.1:8000/", bytes.NewReader([]byte(body)))
		req.Header.Set("Content-Length", strconv.Itoa(len(body))) // as a server's request has it
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
		sum := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}, req,
			hex.EncodeToString(sum[:]), "dynamodb", "us-east-1", time.Now()); err != nil {
			b.Fatal(err)
		}
		return req
	}
	do := func(req *http.Request, body string) error {
		r := req.Clone(ctx)
		r.Body = io.NopCloser(bytes.NewReader([]byte(body)))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			return fmt.Errorf("%d %s", w.Code, w.Body)
		}
		return nil
	}
	for _, c := range [][2]string{{"CreateTable", benchCreate}, {"PutItem", benchPut}} {
		if err := do(signed(c[0], c[1], "AKIABENCHADMIN", "bench-admin"), c[1]); err != nil {
			b.Fatal(c[0], err)
		}
	}
	key, secret := "AKIABENCHADMIN", "bench-admin"
	if mode == "auth-fine-grained" {
		key, secret = "AKIABENCHK1", "bench-k1"
	}
	req := signed("GetItem", benchGet, key, secret)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	for range b.N {
		if err := do(req, benchGet); err != nil {
			b.Fatal(err)
		}
	}
	// CPU time is steadier than wall time on a machine shared with other
	// work: report both.
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
}

// processCPU is the user and system CPU time the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

var (
	benchCreate = `{"TableName":"tbl","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}`
	benchPut    = `{"TableName":"tbl","Item":{"pk":{"S":"k1"},"v":{"S":"` + string(bytes.Repeat([]byte("x"), 200)) + `"}}}`
	benchGet    = `{"TableName":"tbl","Key":{"pk":{"S":"k1"}}}`
)

func benchGetItemAuth(b *testing.B, mode string) {
	ctx := context.Background()
	cfg := Config{InMemory: true, TTLInterval: -1, NoThrottle: true, Logger: quietLogger(), NoAccessLog: true}
	key, secret := "AKIABENCHADMIN", "bench-admin"
	if mode != "none" {
		path := filepath.Join(b.TempDir(), "auth.json")
		if err := os.WriteFile(path, []byte(benchAuthFile), 0o600); err != nil {
			b.Fatal(err)
		}
		cfg.AuthFile = path
	}
	s, err := Start(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close(ctx)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	signed := func(op, body, key, secret string) *http.Request {
		req, _ := http.NewRequest("POST", s.URL(), bytes.NewReader([]byte(body)))
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
		sum := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}, req,
			hex.EncodeToString(sum[:]), "dynamodb", "us-east-1", time.Now()); err != nil {
			b.Fatal(err)
		}
		return req
	}
	do := func(req *http.Request, body string) error {
		r := req.Clone(ctx)
		r.Body = io.NopCloser(bytes.NewReader([]byte(body)))
		resp, err := client.Do(r)
		if err != nil {
			return err
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%d %s", resp.StatusCode, out)
		}
		return nil
	}
	for _, c := range [][2]string{{"CreateTable", benchCreate}, {"PutItem", benchPut}} {
		if err := do(signed(c[0], c[1], "AKIABENCHADMIN", "bench-admin"), c[1]); err != nil {
			b.Fatal(c[0], err)
		}
	}
	if mode == "auth-fine-grained" {
		key, secret = "AKIABENCHK1", "bench-k1"
	}
	getItem := benchGet
	req := signed("GetItem", getItem, key, secret)
	b.ResetTimer()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := do(req, getItem); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
