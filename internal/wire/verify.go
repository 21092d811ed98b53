package wire

// Signature verification (`dynago serve --auth FILE`). When
// Options.Authenticate is set it replaces checkAuth's well-formedness
// check: every routed request's SigV4 signature, in the Authorization
// header or the query string (presigned), is verified before the
// operation is decoded, and the verified Caller rides in the context the
// engine authorizes with (engine/authorize.go). The verifier's own
// errors are DynamoDB's (MissingAuthenticationTokenException,
// UnrecognizedClientException, InvalidSignatureException, ...), all 400.

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/dynago/dynago/internal/auth"
)

// Authenticator verifies a request's signature and returns who signed it.
// The server's verifies against the auth file in force (reloaded on
// SIGHUP), at the time now. It takes the request by value: through a
// pointer, which a func value's callee might keep, every request would
// allocate its SignedRequest.
type Authenticator func(r auth.SignedRequest, now time.Time) (auth.Identity, error)

// authenticate verifies the request and returns ctx carrying its Caller.
// raw is the body as sent (before gzip decoding), which is what a client
// signs.
func (h *Handler) authenticate(ctx context.Context, ex exchange, raw []byte) (context.Context, error) {
	now := time.Now()
	id, err := h.opts.Authenticate(ex.signedRequest(raw), now)
	if err != nil {
		return ctx, err
	}
	ip, addr := ex.source()
	return auth.ContextWithCaller(ctx, auth.Caller{
		Identity:        id,
		SourceIP:        ip,
		SourceAddr:      addr,
		SecureTransport: ex.secure(),
		Time:            now,
	}), nil
}

func (e netExchange) signedRequest(raw []byte) auth.SignedRequest {
	return auth.SignedRequest{
		Method:   e.r.Method,
		Path:     e.r.URL.EscapedPath(),
		RawQuery: e.r.URL.RawQuery,
		Host:     e.r.Host,
		Header:   e.r.Header,
		Body:     raw,
	}
}

func (e netExchange) source() (string, netip.Addr) {
	host, _, err := net.SplitHostPort(e.r.RemoteAddr)
	if err != nil {
		return e.r.RemoteAddr, netip.Addr{}
	}
	return host, netip.Addr{}
}

func (e netExchange) secure() bool { return e.r.TLS != nil }

// signedRequest leaves Host empty: the verifier then reads it from the
// header (fastHeader.PeekAll answers Host), in place. The method and a
// root path, what nearly every request has, are constants rather than
// copies.
func (e fastExchange) signedRequest(raw []byte) auth.SignedRequest {
	uri := e.ctx.Request.URI()
	r := auth.SignedRequest{
		Method: knownString(e.ctx.Method(), fasthttp.MethodPost, fasthttp.MethodGet),
		Path:   knownString(uri.PathOriginal(), "/", ""),
		Header: fastHeader{&e.ctx.Request.Header},
		Body:   raw,
	}
	if q := uri.QueryString(); len(q) > 0 {
		r.RawQuery = string(q)
	}
	return r
}

// knownString returns b as a string: the constant x or y when b spells
// one of them, else a copy.
func knownString(b []byte, x, y string) string {
	switch string(b) {
	case x:
		return x
	case y:
		return y
	}
	return string(b)
}

// source gives the address unformatted: most requests are governed by
// no policy that tests aws:SourceIp.
func (e fastExchange) source() (string, netip.Addr) {
	ip := e.ctx.RemoteIP()
	if addr, ok := netip.AddrFromSlice(ip); ok {
		return "", addr.Unmap()
	}
	return ip.String(), netip.Addr{}
}
func (e fastExchange) secure() bool { return e.ctx.IsTLS() }

// fastHeader is fasthttp's request header as auth.Header: PeekAll also
// answers the headers fasthttp keeps outside its map (Host,
// Content-Length, Content-Type), and its buffers are reused, so values
// are copied.
type fastHeader struct{ h *fasthttp.RequestHeader }

// Values implements auth.Header.
func (f fastHeader) Values(name string) []string {
	all := f.h.PeekAll(name)
	if len(all) == 0 {
		return nil
	}
	out := make([]string, len(all))
	for i, v := range all {
		out[i] = string(v)
	}
	return out
}

var _ auth.Header = http.Header(nil)

// PeekAll implements auth.BytesHeader: the canonical request is built
// from fasthttp's own buffers, without copies.
func (f fastHeader) PeekAll(name string) [][]byte { return f.h.PeekAll(name) }

// RawHeaders implements auth.RawHeader: fasthttp keeps the header block
// of every request it parses (Host and Content-Length included), valid
// until the handler returns, and the verifier reads it in one pass.
func (f fastHeader) RawHeaders() []byte { return f.h.RawHeaders() }
