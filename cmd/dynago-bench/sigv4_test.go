package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// sdkSign signs the request the lean client sends (POST / with
// Content-Type, Accept-Encoding, X-Amz-Target and the body's length) with
// the AWS SDK's signer and returns its X-Amz-Date and Authorization.
func sdkSign(t *testing.T, accessKey, secretKey, region, host, target string, body []byte, at time.Time) (amzDate, auth string) {
	t.Helper()
	req := &http.Request{
		Method:        http.MethodPost,
		URL:           &url.URL{Scheme: "http", Host: host, Path: "/"},
		Host:          host,
		Header:        http.Header{},
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
	}
	req.Header["Content-Type"] = []string{jsonContentType}
	req.Header["Accept-Encoding"] = []string{identityEncoding}
	req.Header["X-Amz-Target"] = []string{target}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: accessKey, SecretAccessKey: secretKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), sigService, region, at); err != nil {
		t.Fatal(err)
	}
	return req.Header.Get("X-Amz-Date"), req.Header.Get("Authorization")
}

// TestSignerMatchesSDK is what justifies a hand-written signer: for
// different bodies, targets, dates, regions, hosts and keys, one signer
// (reused, so its per-date key cache is exercised across date changes)
// produces exactly the SDK signer's X-Amz-Date and Authorization.
func TestSignerMatchesSDK(t *testing.T) {
	day := time.Date(2026, 11, 21, 7, 30, 5, 0, time.UTC)
	enc, err := NewEncoder("bench", defaultItemSize, Keyspace{Items: 1000})
	if err != nil {
		t.Fatal(err)
	}
	getBody := enc.AppendBody(nil, Op{Kind: OpGet, Item: 17})
	batchBody := enc.AppendBody(nil, Op{Kind: OpBatchWrite, Item: 100})
	tests := []struct {
		name                 string
		accessKey, secret    string
		region, host, target string
		body                 []byte
		at                   time.Time
	}{
		{"get", benchAccessKey, benchSecretKey, benchRegion, "127.0.0.1:8000", "DynamoDB_20120810.GetItem", getBody, day},
		{"same day, later", benchAccessKey, benchSecretKey, benchRegion, "127.0.0.1:8000", "DynamoDB_20120810.GetItem", getBody, day.Add(3 * time.Hour)},
		{"next day", benchAccessKey, benchSecretKey, benchRegion, "127.0.0.1:8000", "DynamoDB_20120810.Query", []byte(`{"TableName":"t"}`), day.Add(17 * time.Hour)},
		{"batch write, 25 items", benchAccessKey, benchSecretKey, benchRegion, "127.0.0.1:8000", "DynamoDB_20120810.BatchWriteItem", batchBody, day.Add(17 * time.Hour)},
		{"other region", benchAccessKey, benchSecretKey, "eu-west-3", "127.0.0.1:8000", "DynamoDB_20120810.PutItem", getBody, day},
		{"other host", benchAccessKey, benchSecretKey, benchRegion, "localhost:45123", "DynamoDB_20120810.UpdateItem", getBody, day},
		{"ipv6 host", benchAccessKey, benchSecretKey, benchRegion, "[::1]:8000", "DynamoDB_20120810.ListTables", []byte(`{}`), day},
		{"other keys", "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-west-2", "127.0.0.1:8000", "DynamoDB_20120810.Scan", []byte(`{"TableName":"ü"}`), day},
		{"empty body", benchAccessKey, benchSecretKey, benchRegion, "127.0.0.1:8000", "DynamoDB_20120810.ListTables", nil, day},
		{"year end, local time given", benchAccessKey, benchSecretKey, benchRegion, "127.0.0.1:8000", "DynamoDB_20120810.GetItem", getBody,
			time.Date(2026, 12, 31, 23, 59, 59, 0, time.FixedZone("UTC-5", -5*3600))},
	}
	signers := map[[4]string]*requestSigner{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := [4]string{tt.accessKey, tt.secret, tt.region, tt.host}
			s := signers[id]
			if s == nil {
				s = newRequestSigner(tt.accessKey, tt.secret, tt.region, tt.host)
				signers[id] = s
			}
			date, auth := s.Sign(tt.at, []byte(tt.target), tt.body)
			wantDate, wantAuth := sdkSign(t, tt.accessKey, tt.secret, tt.region, tt.host, tt.target, tt.body, tt.at)
			if string(date) != wantDate {
				t.Errorf("X-Amz-Date %s, SDK %s", date, wantDate)
			}
			if string(auth) != wantAuth {
				t.Errorf("Authorization\n  %s\nSDK\n  %s", auth, wantAuth)
			}
		})
	}
}

// TestSignerDoesNotAllocate checks that signing in steady state (same
// date) allocates nothing: the point of not using the SDK's signer.
func TestSignerDoesNotAllocate(t *testing.T) {
	s := newRequestSigner(benchAccessKey, benchSecretKey, benchRegion, "127.0.0.1:8000")
	enc, err := NewEncoder("bench", defaultItemSize, Keyspace{Items: 1000})
	if err != nil {
		t.Fatal(err)
	}
	body := enc.AppendBody(nil, Op{Kind: OpPut, Item: 5})
	target := []byte("DynamoDB_20120810.PutItem")
	at := time.Date(2026, 11, 21, 7, 30, 5, 0, time.UTC)
	s.Sign(at, target, body)
	allocs := testing.AllocsPerRun(200, func() {
		at = at.Add(time.Millisecond)
		s.Sign(at, target, body)
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per Sign, want 0", allocs)
	}
}

// TestLeanRequestVerifiesWithSDK signs what the server received — every
// header the lean client put on the wire, its Host and its body — again
// with the SDK's signer, and checks the client's Authorization is exactly
// the SDK's: the signed headers and their values are the ones sent.
func TestLeanRequestVerifiesWithSDK(t *testing.T) {
	var mu sync.Mutex
	var got *http.Request
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got, body = r, b
		mu.Unlock()
		_, _ = io.WriteString(w, `{}`)
	}))
	defer srv.Close()
	b := newTestBench(t, srv.URL)
	w := b.load.NewWorker()
	for _, op := range []Op{{Kind: OpPut, Item: 3}, {Kind: OpBatchWrite, Item: 50}} {
		if _, err := w.Do(context.Background(), op); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		at, err := time.Parse(sigTimeFormat, got.Header.Get("X-Amz-Date"))
		if err != nil {
			t.Fatal(err)
		}
		req := &http.Request{Method: got.Method, URL: &url.URL{Scheme: "http", Host: got.Host, Path: got.URL.Path},
			Host: got.Host, Header: got.Header.Clone(), Body: io.NopCloser(bytes.NewReader(body)), ContentLength: got.ContentLength}
		sent := req.Header.Get("Authorization")
		req.Header.Del("Authorization")
		req.Header.Del("X-Amz-Date")
		sum := sha256.Sum256(body)
		creds := aws.Credentials{AccessKeyID: benchAccessKey, SecretAccessKey: benchSecretKey}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), sigService, benchRegion, at); err != nil {
			t.Fatal(err)
		}
		if want := req.Header.Get("Authorization"); sent != want {
			t.Errorf("%s: sent Authorization\n  %s\nSDK signs the received request as\n  %s\nheaders received: %v", op.Kind.Target(), sent, want, got.Header)
		}
		if !strings.Contains(sent, "SignedHeaders="+signedHeaders+",") {
			t.Errorf("%s: Authorization %s does not sign %s", op.Kind.Target(), sent, signedHeaders)
		}
		mu.Unlock()
	}
}
