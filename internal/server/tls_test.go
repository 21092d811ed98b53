package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go"
)

// tlsAuthFile lets its user list tables only over TLS.
const tlsAuthFile = `{"accounts": {"111111111111": {"users": {"app": {
  "accessKeys": [{"id": "AKIAAPP", "secret": "secret-app"}],
  "policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:ListTables", "Resource": "*",
    "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]}]}}}}}`

// writeCert writes a self-signed certificate for 127.0.0.1 with the given
// serial number and returns the pool that trusts it.
func writeCert(t *testing.T, certFile, keyFile string, serial int64) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial),
		Subject:               pkix.Name{CommonName: "dynago test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}

func TestTLSServesHTTPSAndSecureTransport(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	certFile, keyFile, authFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), filepath.Join(dir, "auth.json")
	pool := writeCert(t, certFile, keyFile, 1)
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
			HTTPClient:       &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}},
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
	pool2 := writeCert(t, certFile, keyFile, 2)
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
