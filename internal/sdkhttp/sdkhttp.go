// Package sdkhttp holds the HTTP client Dynago's own Go clients (tests,
// the in-process test server, the reliability campaigns) give
// aws-sdk-go-v2: the SDK's default client with one workaround.
//
// The workaround is for a race in the SDK's client that breaks an answer
// mid-read against a fast server (docs/reliability.md, bug 6). smithy-go
// wraps a request body in a reader whose WriteTo answers io.EOF as an
// error once the body is closed, and it closes the body as soon as the
// response arrives. net/http writes a body of known length and then reads
// the body again to check it ends; io.Copy uses WriteTo for that check.
// When the server answers before the transport's write goroutine gets
// there (a server answering in a millisecond on a busy machine), the check
// fails, the transport closes the connection, and the SDK, reading the
// answer, gets "use of closed network connection" once the answer is
// longer than what was already buffered (about 4 KB). The SDK retries the
// error by default; a client with retries off, as many tests use, fails.
// Without WriteTo the check reads the closed body, which answers
// (0, io.EOF): the end it expects.
package sdkhttp

import (
	"io"
	"net/http"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// Doer is what the SDK's clients send requests with (its HTTPClient
// option).
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Client is the SDK's default HTTP client with SafeBodies.
func Client() Doer { return SafeBodies(awshttp.NewBuildableClient()) }

// SafeBodies sends requests through d with their bodies as plain
// io.ReadClosers, hiding the SDK body's WriteTo (see the package comment).
func SafeBodies(d Doer) Doer { return safeBodies{d} }

// Transport is SafeBodies over an http.Client with transport t, for tests
// that need their own transport (TLS roots, a forced protocol).
func Transport(t http.RoundTripper) Doer { return SafeBodies(&http.Client{Transport: t}) }

type safeBodies struct{ d Doer }

// Do sends req with its body as a plain io.ReadCloser.
func (s safeBodies) Do(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		req.Body = readCloserOnly{req.Body}
	}
	return s.d.Do(req)
}

// readCloserOnly is an io.ReadCloser and nothing else.
type readCloserOnly struct{ io.ReadCloser }
