package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/dynago/dynago/internal/sdkhttp"
	"github.com/dynago/dynago/internal/testcert"
)

// tlsAuthFile lets its user list tables only over TLS.
const tlsAuthFile = `{"accounts": {"111111111111": {"users": {"app": {
  "accessKeys": [{"id": "AKIAAPP", "secret": "secret-app"}],
  "policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:ListTables", "Resource": "*",
    "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]}]}}}}}`

func TestTLSServesHTTPSAndSecureTransport(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	certFile, keyFile, authFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), filepath.Join(dir, "auth.json")
	pool := testcert.Write(t, certFile, keyFile, 1)
	if err := os.WriteFile(authFile, []byte(tlsAuthFile), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Start(ctx, Config{Port: 0, InMemory: true, Logger: quietLogger(), AuthFile: authFile, TLSCert: certFile, TLSKey: keyFile})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	if got := s.URL(); got != "https://"+s.Addr() {
		t.Fatalf("URL = %s", got)
	}
	client := func(url string, pool *x509.CertPool) *dynamodb.Client {
		return dynamodb.New(dynamodb.Options{
			Region:           "us-east-1",
			BaseEndpoint:     aws.String(url),
			Credentials:      credentials.NewStaticCredentialsProvider("AKIAAPP", "secret-app", ""),
			HTTPClient:       sdkhttp.Transport(&http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}),
			RetryMaxAttempts: 1,
		})
	}
	if _, err := client(s.URL(), pool).ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
		t.Fatalf("ListTables over TLS, allowed only with aws:SecureTransport: %v", err)
	}

	// The same file over plain HTTP: aws:SecureTransport is false.
	plain, err := Start(ctx, Config{Port: 0, InMemory: true, Logger: quietLogger(), AuthFile: authFile})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close(ctx)
	_, err = client(plain.URL(), nil).ListTables(ctx, &dynamodb.ListTablesInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" {
		t.Fatalf("ListTables over HTTP: %v, want AccessDeniedException", err)
	}

	// A broken pair is refused and the old one stays; a new pair is served
	// to new connections.
	if err := os.WriteFile(keyFile, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.ReloadTLS(); err == nil {
		t.Fatal("ReloadTLS of a broken key succeeded")
	}
	if got := peerSerial(t, s.Addr(), pool); got != 1 {
		t.Fatalf("after a refused reload the server presents serial %d", got)
	}
	pool2 := testcert.Write(t, certFile, keyFile, 2)
	if err := s.ReloadTLS(); err != nil {
		t.Fatal(err)
	}
	if got := peerSerial(t, s.Addr(), pool2); got != 2 {
		t.Fatalf("after reload the server presents serial %d, want 2", got)
	}
	if _, err := client(s.URL(), pool2).ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
		t.Fatalf("ListTables after the certificate changed: %v", err)
	}

	// A certificate without its key refuses to start.
	if _, err := Start(ctx, Config{Port: 0, InMemory: true, Logger: quietLogger(), TLSCert: certFile}); err == nil {
		t.Fatal("Start with --tls-cert alone succeeded")
	}
}

// peerSerial dials addr over TLS and returns the serial number of the
// certificate the server presents.
func peerSerial(t *testing.T, addr string, pool *x509.CertPool) int64 {
	t.Helper()
	c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0].SerialNumber.Int64()
}

// TestTLSServesHTTP2 drives the API with aws-sdk-go-v2 over HTTP/2 (the
// transport forced to it, trusting the test CA) and over HTTP/1.1 on the
// same port: both are verified and authorized alike (aws:SecureTransport
// true), a write over one is read over the other, a body over the size
// limit is refused as over HTTP/1.1, and non-API paths are served too.
func TestTLSServesHTTP2(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	certFile, keyFile, authFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), filepath.Join(dir, "auth.json")
	pool := testcert.Write(t, certFile, keyFile, 1)
	const file = `{"accounts": {"111111111111": {"users": {"app": {
  "accessKeys": [{"id": "AKIAAPP", "secret": "secret-app"}],
  "policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*",
    "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]}]}}}}}`
	if err := os.WriteFile(authFile, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Start(ctx, Config{Port: 0, InMemory: true, Logger: quietLogger(), AuthFile: authFile, TLSCert: certFile, TLSKey: keyFile})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	var protos []string
	var mu sync.Mutex
	transport := func(h2 bool) *http.Transport {
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: h2}
		if !h2 {
			tr.TLSClientConfig.NextProtos = []string{"http/1.1"}
		}
		return tr
	}
	client := func(h2 bool) *dynamodb.Client {
		tr := transport(h2)
		return dynamodb.New(dynamodb.Options{
			Region:       "us-east-1",
			BaseEndpoint: aws.String(s.URL()),
			Credentials:  credentials.NewStaticCredentialsProvider("AKIAAPP", "secret-app", ""),
			HTTPClient: sdkhttp.SafeBodies(smithyhttp.ClientDoFunc(func(r *http.Request) (*http.Response, error) {
				resp, err := tr.RoundTrip(r)
				if err == nil {
					mu.Lock()
					protos = append(protos, resp.Proto)
					mu.Unlock()
				}
				return resp, err
			})),
			RetryMaxAttempts: 1,
		})
	}
	h2, h1 := client(true), client(false)
	if _, err := h2.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("tbl"),
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		BillingMode:          types.BillingModePayPerRequest,
	}); err != nil {
		t.Fatalf("CreateTable over HTTP/2: %v", err)
	}
	big := strings.Repeat("x", 100<<10) // over the 8 KB read with the head: streamed
	if _, err := h2.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "a"}, "v": &types.AttributeValueMemberS{Value: big}}}); err != nil {
		t.Fatalf("PutItem of 100 KB over HTTP/2: %v", err)
	}
	got, err := h1.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("tbl"), Key: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "a"}}})
	if err != nil {
		t.Fatalf("GetItem over HTTP/1.1: %v", err)
	}
	if v, _ := got.Item["v"].(*types.AttributeValueMemberS); v == nil || v.Value != big {
		t.Fatalf("GetItem over HTTP/1.1 read %d attributes, not the item written over HTTP/2", len(got.Item))
	}
	got, err = h2.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("tbl"), Key: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "a"}}})
	if v, _ := got.Item["v"].(*types.AttributeValueMemberS); err != nil || v == nil || v.Value != big {
		t.Fatalf("GetItem over HTTP/2: %v", err)
	}
	// A wrong secret over HTTP/2 is DynamoDB's error, as over HTTP/1.1.
	bad := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.URL()),
		Credentials: credentials.NewStaticCredentialsProvider("AKIAAPP", "wrong", ""),
		HTTPClient:  sdkhttp.Transport(transport(true)), RetryMaxAttempts: 1})
	var ae smithy.APIError
	if _, err := bad.ListTables(ctx, &dynamodb.ListTablesInput{}); !errors.As(err, &ae) || ae.ErrorCode() != "InvalidSignatureException" {
		t.Fatalf("a wrong secret over HTTP/2: %v", err)
	}
	mu.Lock()
	want := []string{"HTTP/2.0", "HTTP/2.0", "HTTP/1.1", "HTTP/2.0"}
	if strings.Join(protos, " ") != strings.Join(want, " ") {
		t.Errorf("protocols %v, want %v", protos, want)
	}
	mu.Unlock()

	// A body over 16 MB is refused over HTTP/2 with 413, and the health
	// check (a GET, not the API) is served.
	hc := &http.Client{Transport: transport(true)}
	req, _ := http.NewRequest("POST", s.URL(), io.LimitReader(zeros{}, 17<<20))
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || resp.ProtoMajor != 2 {
		t.Errorf("17 MB body over HTTP/2: %s %s", resp.Proto, resp.Status)
	}
	resp, err = hc.Get(s.URL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.ProtoMajor != 2 {
		t.Errorf("GET / over HTTP/2: %s %s", resp.Proto, resp.Status)
	}

	// curl --http2, when the machine has a curl built with HTTP/2.
	if out, err := exec.Command("curl", "--version").Output(); err == nil && strings.Contains(string(out), "HTTP2") {
		caFile := filepath.Join(dir, "ca.pem")
		if err := os.Link(certFile, caFile); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("curl", "-sS", "--http2", "--cacert", caFile, "-o", "/dev/null",
			"-w", "%{http_version} %{http_code}", "-X", "POST", "-H", "X-Amz-Target: DynamoDB_20120810.ListTables", "-H", "Content-Type: application/x-amz-json-1.0",
			"-d", "{}", s.URL()).CombinedOutput()
		if err != nil || string(out) != "2 400" { // unsigned: MissingAuthenticationTokenException
			t.Errorf("curl --http2: %q %v", out, err)
		}
	}
}

// zeros reads as an endless run of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
