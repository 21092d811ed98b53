package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/testcert"
)

// TestServeReloadsTLSOnSIGHUP runs serve with --tls-cert/--tls-key, swaps
// the certificate's files and sends the process SIGHUP: new connections
// get the new certificate, over HTTP/2 and HTTP/1.1 alike.
func TestServeReloadsTLSOnSIGHUP(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	pool := testcert.Write(t, certFile, keyFile, 1)
	// The test's own subscription keeps a SIGHUP sent before serve
	// subscribes from ending the process.
	hup := make(chan os.Signal, 16)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	ctx, cancel := context.WithCancel(context.Background())
	var errOut syncWriter
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"--port", "0", "--in-memory", "--tls-cert", certFile, "--tls-key", keyFile}, envFrom(nil), io.Discard, &errOut)
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("exit %d: %s", code, errOut.String())
		}
	}()
	url := regexp.MustCompile(`url=https://(127\.0\.0\.1:\d+)`)
	var addr string
	for deadline := time.Now().Add(10 * time.Second); addr == ""; {
		if m := url.FindStringSubmatch(errOut.String()); m != nil {
			addr = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("no HTTPS url logged: %s", errOut.String())
		}
		time.Sleep(time.Millisecond)
	}
	serial := func(pool *x509.CertPool, proto string) int64 {
		t.Helper()
		c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, NextProtos: []string{proto}})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if got := c.ConnectionState().NegotiatedProtocol; got != proto {
			t.Errorf("ALPN negotiated %q, want %q", got, proto)
		}
		return c.ConnectionState().PeerCertificates[0].SerialNumber.Int64()
	}
	if got := serial(pool, "h2"); got != 1 {
		t.Fatalf("serial %d before the reload", got)
	}
	pool2 := testcert.Write(t, certFile, keyFile, 2)
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(errOut.String(), "SIGHUP: TLS certificate reloaded"); {
		if time.Now().After(deadline) {
			t.Fatalf("no reload logged: %s", errOut.String())
		}
		syscall.Kill(os.Getpid(), syscall.SIGHUP)
		time.Sleep(50 * time.Millisecond)
	}
	for _, proto := range []string{"h2", "http/1.1"} {
		if got := serial(pool2, proto); got != 2 {
			t.Errorf("%s: serial %d after SIGHUP, want 2", proto, got)
		}
	}
	// And the health check answers over HTTP/2 with the new certificate.
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool2}, ForceAttemptHTTP2: true}}
	resp, err := hc.Get("https://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.ProtoMajor != 2 {
		t.Errorf("GET / after the reload: %s %s", resp.Proto, resp.Status)
	}
}
