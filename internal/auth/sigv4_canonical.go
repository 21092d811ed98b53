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
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"

	"github.com/aws/smithy-go/encoding/httpbinding"
)

// canonicalRequest writes the canonical request of r as c describes it
// and returns its SHA-256, hex-encoded.
func canonicalRequest(r *SignedRequest, c *Credentials, params []queryParam) string {
	var b strings.Builder
	b.Grow(512)
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(r.Path))
	b.WriteByte('\n')
	writeCanonicalQuery(&b, params, c.Presigned)
	b.WriteByte('\n')
	for _, name := range c.SignedHeaders {
		b.WriteString(name)
		b.WriteByte(':')
		writeHeaderValues(&b, r.headerValues(name))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(c.signedHeaders)
	b.WriteByte('\n')
	b.WriteString(r.payloadHash())
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
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

// writeCanonicalQuery writes the parameters URI-encoded and sorted by
// encoded name, then encoded value. A presigned request's X-Amz-Signature
// is not part of what it signed.
func writeCanonicalQuery(b *strings.Builder, params []queryParam, presigned bool) {
	if len(params) == 0 {
		return
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
			b.WriteByte('&')
		}
		b.WriteString(p.key)
		b.WriteByte('=')
		b.WriteString(p.value)
	}
}

func encodeQueryPart(s string) string {
	for i := 0; i < len(s); i++ {
		if !unreservedOrSlash(s[i]) || s[i] == '/' {
			return httpbinding.EscapePath(s, true)
		}
	}
	return s
}

// writeHeaderValues writes a signed header's values: each trimmed, inner
// runs of spaces folded to one, joined with commas.
func writeHeaderValues(b *strings.Builder, values []string) {
	for i, v := range values {
		if i > 0 {
			b.WriteByte(',')
		}
		v = strings.TrimSpace(v)
		space := false
		for j := 0; j < len(v); j++ {
			if v[j] == ' ' {
				if !space {
					b.WriteByte(' ')
				}
				space = true
				continue
			}
			space = false
			b.WriteByte(v[j])
		}
	}
}

// stringToSign is the second step of SigV4.
func stringToSign(c *Credentials, canonicalHash string) string {
	return algorithm + "\n" + c.Timestamp + "\n" + c.scope() + "\n" + canonicalHash
}
