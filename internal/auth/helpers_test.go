package auth

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/apierr"
)

// testAuthFile has a long-term key, a temporary key and an expired
// temporary key, in two accounts.
const testAuthFile = `{
  "accounts": {
    "111122223333": {
      "users": {
        "alice": {
          "accessKeys": [{"id": "AKIDALICE", "secret": "alice/secret+key"}],
          "policies": [{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}}]
        },
        "temp": {
          "accessKeys": [
            {"id": "ASIATEMP", "secret": "temp-secret", "sessionToken": "session-token-value", "expiration": "2099-01-01T00:00:00Z"},
            {"id": "ASIAOLD", "secret": "old-secret", "sessionToken": "old-token", "expiration": "2001-01-01T00:00:00Z"}
          ]
        }
      }
    },
    "444455556666": {
      "users": {"bob": {"accessKeys": [{"id": "AKIDBOB", "secret": "bob-secret"}]}}
    }
  }
}`

func testConfig(t testing.TB) *Config {
	t.Helper()
	cfg, err := Parse("test.json", []byte(testAuthFile))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// verifyServer is an HTTP server that verifies every request as Dynago
// will: it answers {} on success and DynamoDB's error envelope otherwise,
// so SDK clients pointed at it see DynamoDB's codes and messages.
type verifyServer struct {
	*httptest.Server
	mu   sync.Mutex
	last []result
}

type result struct {
	id  Identity
	err error
}

func newVerifyServer(t testing.TB, v *Verifier, cfg *Config, now func() time.Time) *verifyServer {
	s := &verifyServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Error(err)
		}
		id, err := v.Verify(cfg, &SignedRequest{
			Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery,
			Host: r.Host, Header: r.Header, Body: body,
		}, now())
		s.mu.Lock()
		s.last = append(s.last, result{id, err})
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		if err != nil {
			e := apierr.As(err)
			w.WriteHeader(e.Code.Status())
			json.NewEncoder(w).Encode(map[string]string{"__type": e.Code.Namespace() + string(e.Code), "message": e.Message})
			return
		}
		io.WriteString(w, "{}")
	}))
	t.Cleanup(s.Close)
	return s
}

// results returns and forgets what the server has verified.
func (s *verifyServer) results() []result {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.last
	s.last = nil
	return r
}

// wantAPIError fails unless err is the DynamoDB error code with msg.
func wantAPIError(t *testing.T, what string, err error, code apierr.Code, msg string) {
	t.Helper()
	e := apierr.As(err)
	if e == nil || e.Code != code || e.Message != msg {
		t.Errorf("%s: got %v\nwant %s: %s", what, err, code, msg)
	}
}

// reusingHeader is an http.Header as fasthttp's server shows a request's
// headers to the verifier (a BytesHeader, wire's fastHeader): PeekAll's
// values live in one buffer that the next call scribbles over, so a
// verifier that keeps them past it reads garbage and fails.
type reusingHeader struct {
	h    http.Header
	buf  []byte
	vals [][]byte
}

func newReusingHeader(h http.Header) *reusingHeader {
	return &reusingHeader{h: h, buf: make([]byte, 0, 1<<16)}
}

// Values implements Header.
func (r *reusingHeader) Values(name string) []string { return r.h.Values(name) }

// PeekAll implements BytesHeader.
func (r *reusingHeader) PeekAll(name string) [][]byte {
	for i := range r.buf {
		r.buf[i] = '#'
	}
	r.buf, r.vals = r.buf[:0], r.vals[:0]
	for _, v := range r.h.Values(name) {
		start := len(r.buf)
		r.buf = append(r.buf, v...)
		r.vals = append(r.vals, r.buf[start:len(r.buf):len(r.buf)])
	}
	return r.vals
}

// rawHeader is reusingHeader that also gives its header block as
// fasthttp's server keeps it (RawHeader): what the verifier then reads.
type rawHeader struct {
	*reusingHeader
	raw []byte
}

// RawHeaders implements RawHeader.
func (r rawHeader) RawHeaders() []byte { return r.raw }

// asFastRequest is r as wire's fasthttp path builds it: the headers a
// BytesHeader, and Host left to the header.
func asFastRequest(r *SignedRequest) *SignedRequest {
	f := *r
	h := http.Header{}
	if r.Header != nil {
		h = r.Header.(http.Header).Clone()
	}
	if r.Host != "" {
		h.Set("Host", r.Host)
	}
	f.Host, f.Header = "", newReusingHeader(h)
	return &f
}

// asRawRequest is asFastRequest with the header block too, as wire's
// fastHeader gives it.
func asRawRequest(r *SignedRequest) *SignedRequest {
	f := asFastRequest(r)
	rh := f.Header.(*reusingHeader)
	var raw bytes.Buffer
	if err := rh.h.Write(&raw); err != nil {
		panic(err)
	}
	raw.WriteString("\r\n")
	f.Header = rawHeader{rh, raw.Bytes()}
	return f
}

// fastForms are r as the fasthttp path may give it to the verifier.
func fastForms(r *SignedRequest) map[string]*SignedRequest {
	return map[string]*SignedRequest{"fasthttp's headers": asFastRequest(r), "fasthttp's header block": asRawRequest(r)}
}
