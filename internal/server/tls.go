package server

// HTTPS (`--tls-cert FILE --tls-key FILE`): the API port serves TLS 1.2
// and later with the certificate in force, which ReloadTLS (SIGHUP)
// replaces without dropping connections; a pair that does not load
// refuses to start, or to reload (the old pair stays in force). Requests
// that arrive over TLS have aws:SecureTransport true. ALPN offers h2 and
// http/1.1; h2.go serves HTTP/2 with the same handler fasthttp runs.

import (
	"crypto/tls"
	"errors"
	"fmt"
	"sync/atomic"
)

// tlsState is a server's certificate in force.
type tlsState struct {
	certFile, keyFile string
	current           atomic.Pointer[tls.Certificate]
}

// newTLSState loads the pair.
func newTLSState(certFile, keyFile string) (*tlsState, error) {
	if (certFile == "") != (keyFile == "") {
		return nil, errors.New("TLS needs both a certificate (--tls-cert) and its key (--tls-key)")
	}
	t := &tlsState{certFile: certFile, keyFile: keyFile}
	if err := t.load(); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *tlsState) load() error {
	cert, err := tls.LoadX509KeyPair(t.certFile, t.keyFile)
	if err != nil {
		return fmt.Errorf("TLS certificate %s and key %s: %w", t.certFile, t.keyFile, err)
	}
	t.current.Store(&cert)
	return nil
}

// config is the listener's TLS configuration, which always hands out the
// certificate in force.
func (t *tlsState) config() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"h2", "http/1.1"},
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return t.current.Load(), nil
		},
	}
}

// errNoTLS is ReloadTLS's answer on a server started without TLS.
var errNoTLS = errors.New("no TLS certificate to reload: the server was started without --tls-cert")

// ReloadTLS loads the certificate and key files again and puts them in
// force for new connections. When they do not load, the error says why
// and the old pair stays in force.
func (s *Server) ReloadTLS() error {
	if s.tls == nil {
		return errNoTLS
	}
	return s.tls.load()
}

// TLS reports whether the server serves HTTPS.
func (s *Server) TLS() bool { return s.tls != nil }
