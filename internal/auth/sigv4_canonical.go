package auth

// The SigV4 canonical request and string to sign, built from what the
// client says it signed.
//
// Why not aws-sdk-go-v2's signer (aws/signer/v4)? A verifier must
// reproduce the client's SignedHeaders exactly, and that signer cannot be
// told which headers to sign: it always signs host plus every header the
// request carries except a fixed ignore list (User-Agent, X-Amzn-Trace-Id,
// Expect, Transfer-Encoding), so a client that signed User-Agent (some
// do), or left a header unsigned (botocore leaves several), could never
// be verified with it. It also takes Content-Length from
// http.Request.ContentLength rather than the header, overwrites
// X-Amz-Date from a time.Time (the client may have sent fractional
// seconds, or only a Date header), and caches derived keys per
// region/service for a single access key, which thrashes with many users.
// The SDK signer is therefore the oracle the tests sign with (header and
// presigned, with botocore's signer beside it), and this file follows
// the SigV4 specification and those signers' behaviour: the path escaped
// once more (the escaping of smithy-go's httpbinding, as the SDK does),
// query parameters decoded, re-encoded and sorted after encoding, header
// values trimmed with inner runs of spaces folded to one, and repeated
// headers joined with commas.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"

	"github.com/aws/smithy-go/encoding/httpbinding"
)

// canonicalRequest writes the canonical request of r as c describes it
// and returns its SHA-256, hex-encoded. ix, when not nil, is r's header
// block split (SignedRequest.index), which the signed headers are read
// from.
func canonicalRequest(r *SignedRequest, c *Credentials, params []queryParam, ix *headerIndex) (hexSum [2 * sha256.Size]byte) {
	b := make([]byte, 0, 1024)
	b = append(b, r.Method...)
	b = append(b, '\n')
	b = append(b, canonicalURI(r.Path)...)
	b = append(b, '\n')
	b = appendCanonicalQuery(b, params, c.Presigned)
	b = append(b, '\n')
	for name := range c.signedHeaderNames() {
		b = append(b, name...)
		b = append(b, ':')
		b = r.appendHeader(b, name, ix)
		b = append(b, '\n')
	}
	b = append(b, '\n')
	b = append(b, c.signedHeaders...)
	b = append(b, '\n')
	b = r.appendPayloadHash(b)
	sum := sha256.Sum256(b)
	hex.Encode(hexSum[:], sum[:])
	return hexSum
}

// canonicalURI escapes the path as it arrived (already percent-encoded
// once) a second time, keeping slashes, as SigV4 asks of every service
// but S3.
func canonicalURI(path string) string {
	if path == "" {
		return "/"
	}
	for i := 0; i < len(path); i++ {
		if !unreservedOrSlash(path[i]) {
			return httpbinding.EscapePath(path, false)
		}
	}
	return path
}

func unreservedOrSlash(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~' || c == '/'
}

// appendCanonicalQuery appends the parameters URI-encoded and sorted by
// encoded name, then encoded value. A presigned request's X-Amz-Signature
// is not part of what it signed.
func appendCanonicalQuery(b []byte, params []queryParam, presigned bool) []byte {
	if len(params) == 0 {
		return b
	}
	enc := make([]queryParam, 0, len(params))
	for _, p := range params {
		if presigned && p.key == "X-Amz-Signature" {
			continue
		}
		enc = append(enc, queryParam{encodeQueryPart(p.key), encodeQueryPart(p.value)})
	}
	sort.Slice(enc, func(i, j int) bool {
		if enc[i].key != enc[j].key {
			return enc[i].key < enc[j].key
		}
		return enc[i].value < enc[j].value
	})
	for i, p := range enc {
		if i > 0 {
			b = append(b, '&')
		}
		b = append(b, p.key...)
		b = append(b, '=')
		b = append(b, p.value...)
	}
	return b
}

func encodeQueryPart(s string) string {
	for i := 0; i < len(s); i++ {
		if !unreservedOrSlash(s[i]) || s[i] == '/' {
			return httpbinding.EscapePath(s, true)
		}
	}
	return s
}

// appendHeaderValues appends a signed header's values: each trimmed,
// inner runs of spaces folded to one, joined with commas.
func appendHeaderValues(b []byte, values []string) []byte {
	for i, v := range values {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendHeaderValue(b, v)
	}
	return b
}

// appendHeaderValue appends one value trimmed, inner runs of spaces
// folded to one.
func appendHeaderValue[S string | []byte](b []byte, s S) []byte {
	v := trimSpace(s)
	// Up to the first run of spaces there is nothing to fold, and most
	// values have none: that part is appended whole.
	plain := doubleSpace(v)
	if plain < 0 {
		return append(b, v...)
	}
	b = append(b, v[:plain]...)
	v = v[plain:]
	space := false
	for j := 0; j < len(v); j++ {
		if v[j] == ' ' {
			if !space {
				b = append(b, ' ')
			}
			space = true
			continue
		}
		space = false
		b = append(b, v[j])
	}
	return b
}

// doubleSpace returns the index of the first run of two spaces in v, or
// -1. It hops from space to space with the vectorised IndexByte: most
// signed values have no space at all, and a two-byte Index costs twice
// as much on values this short.
func doubleSpace[S string | []byte](v S) int {
	for i := 0; ; {
		j := spaceIndex(v[i:])
		if j < 0 || i+j+1 >= len(v) {
			return -1
		}
		if i += j; v[i+1] == ' ' {
			return i
		}
		i += 2
	}
}

// spaceIndex is strings.IndexByte or bytes.IndexByte for ' '.
func spaceIndex[S string | []byte](v S) int {
	switch v := any(v).(type) {
	case string:
		return strings.IndexByte(v, ' ')
	case []byte:
		return bytes.IndexByte(v, ' ')
	}
	return -1 // unreachable: S is one of the two
}

// trimSpace is strings.TrimSpace for strings and byte slices, without
// allocating unless a value starts or ends with a non-ASCII byte.
func trimSpace[S string | []byte](s S) S {
	i, j := 0, len(s)
	for i < j && asciiSpace(s[i]) {
		i++
	}
	for j > i && asciiSpace(s[j-1]) {
		j--
	}
	if i < j && (s[i] >= 0x80 || s[j-1] >= 0x80) {
		return S(strings.TrimSpace(string(s[i:j]))) // Unicode white space, as the SDK trims it
	}
	return s[i:j]
}

func asciiSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// appendStringToSign appends SigV4's string to sign.
func appendStringToSign(b []byte, c *Credentials, canonicalHash []byte) []byte {
	b = append(b, algorithm+"\n"...)
	b = append(b, c.Timestamp...)
	b = append(b, '\n')
	b = append(b, c.ScopeDate...)
	b = append(b, '/')
	b = append(b, c.Region...)
	b = append(b, '/')
	b = append(b, c.Service...)
	b = append(b, '/')
	b = append(b, c.Terminator...)
	b = append(b, '\n')
	return append(b, canonicalHash...)
}
