package auth

// Reading a request's headers for verification. Three forms of header
// reach the verifier: net/http's http.Header, fasthttp's (a BytesHeader,
// whose lookups give byte slices of its own buffers) and, on fasthttp,
// the header block as it arrived (a RawHeader). A verification reads
// Authorization, X-Amz-Date, X-Amz-Security-Token and every signed
// header, a dozen lookups; each of fasthttp's copies and normalises the
// name and scans every header, which was a quarter of a verification
// (0.5 µs of 2 in BenchmarkGetItemAuthFastHandler's profile). From a
// RawHeader the block is split once into a headerIndex on the stack and
// every read is a scan of a dozen slices.

import (
	"bytes"
	"net/http"
	"net/textproto"
)

// Header reads a request's header values by name, case-insensitively.
// http.Header satisfies it; a fasthttp server wraps its request header
// with RequestHeader.PeekAll, which also answers Host and Content-Length
// (headers fasthttp keeps outside its map, and which SDKs sign), and
// whose buffers are reused, so the wrapper must copy them into strings.
type Header interface {
	Values(name string) []string
}

// BytesHeader is a Header that also gives its values as byte slices,
// valid until its next call, which the canonical request is built from
// without copying them (fasthttp's RequestHeader.PeekAll does).
type BytesHeader interface {
	PeekAll(name string) [][]byte
}

// RawHeader is a Header that also gives the request's header block as
// it arrived (fasthttp's RequestHeader.RawHeaders): "Name: value" lines,
// each ending in CRLF or LF, then the empty line; nil when there is none
// to give. It must hold every header Values answers, Host included: the
// verifier reads nothing else when the block is understood (see
// headerIndex.parse), and falls back to lookups when it is not.
type RawHeader interface {
	RawHeaders() []byte
}

// maxIndexedHeaders bounds the fields a headerIndex holds; a request
// with more is read through its Header's lookups. SDKs send 8 to 12.
const maxIndexedHeaders = 32

// headerIndex is a request's header block split into fields: names as
// sent (any case), values without the white space around them, both
// slices of the block. It lives
// on the verifying goroutine's stack.
type headerIndex struct {
	n      int
	fields [maxIndexedHeaders]headerField
	// tags are the fields' nameTags, apart so that a lookup's scan
	// reads one cache line rather than every field.
	tags [maxIndexedHeaders]uint16
}

// nameTag is a header name's length and last byte, lower-cased: equal
// for equal names, so a lookup compares names only where tags match.
// The empty name (a SignedHeaders list may hold one) has tag 0, which
// no field has.
func nameTag[S string | []byte](name S) uint16 {
	if len(name) == 0 {
		return 0
	}
	c := name[len(name)-1]
	if 'A' <= c && c <= 'Z' {
		c += 'a' - 'A'
	}
	return uint16(len(name))<<8 | uint16(c)
}

type headerField struct{ name, value []byte }

// parse splits raw into fields and reports whether it understood all of
// it: false for an empty block, a line without a colon or with an empty
// name, an obsolete folded continuation line, or more fields than the
// index holds, and the index must then not be used.
func (ix *headerIndex) parse(raw []byte) bool {
	ix.n = 0
	for len(raw) > 0 {
		line := raw
		raw = nil
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			line, raw = line[:i], line[i+1:]
		}
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		if len(line) == 0 {
			return ix.n > 0 // the empty line that ends the block
		}
		if line[0] == ' ' || line[0] == '\t' || ix.n == len(ix.fields) {
			return false
		}
		colon := bytes.IndexByte(line, ':')
		name := line[:max(colon, 0)]
		for len(name) > 0 && (name[len(name)-1] == ' ' || name[len(name)-1] == '\t') {
			name = name[:len(name)-1] // "Content-Length :", which fasthttp accepts
		}
		if len(name) == 0 {
			return false
		}
		ix.fields[ix.n] = headerField{name, trimOWS(line[colon+1:])}
		ix.tags[ix.n] = nameTag(name)
		ix.n++
	}
	return false // no empty line: not a whole block
}

// trimOWS strips the optional white space around a field value (RFC
// 9110: spaces and tabs), as fasthttp does before it shows a value.
func trimOWS(v []byte) []byte {
	for len(v) > 0 && (v[0] == ' ' || v[0] == '\t') {
		v = v[1:]
	}
	for len(v) > 0 && (v[len(v)-1] == ' ' || v[len(v)-1] == '\t') {
		v = v[:len(v)-1]
	}
	return v
}

// first returns the first value of the header lower (a lower-case name).
func (ix *headerIndex) first(lower string) []byte {
	tag := nameTag(lower)
	for i := range ix.n {
		if f := &ix.fields[i]; ix.tags[i] == tag && nameIs(f.name, lower) {
			return f.value
		}
	}
	return nil
}

// appendValues appends the canonical values of the header lower (a
// lower-case name), joined with commas in the order they came.
func (ix *headerIndex) appendValues(b []byte, lower string) []byte {
	sep := false
	tag := nameTag(lower)
	for i := range ix.n {
		if f := &ix.fields[i]; ix.tags[i] == tag && nameIs(f.name, lower) {
			if sep {
				b = append(b, ',')
			}
			b, sep = appendHeaderValue(b, f.value), true
		}
	}
	return b
}

// nameIs reports whether the header name name is lower, a lower-case
// name, ignoring ASCII case (header names are ASCII tokens).
func nameIs(name []byte, lower string) bool {
	if len(name) != len(lower) {
		return false
	}
	for i := range len(name) {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// index splits r's header block into ix when r's Header gives one, and
// reports whether ix is to be read instead of the Header.
func (r *SignedRequest) index(ix *headerIndex) bool {
	rh, ok := r.Header.(RawHeader)
	return ok && ix.parse(rh.RawHeaders())
}

func (r *SignedRequest) header(name string) string {
	if r.Header == nil {
		return ""
	}
	if v := r.Header.Values(name); len(v) > 0 {
		return v[0]
	}
	return ""
}

// textHeaderBuffer is the room on the stack textHeaders gathers header
// values in; a request whose values are longer costs one more
// allocation.
const textHeaderBuffer = 512 // bytes: an SDK's Authorization is ~200

// textHeaders returns what Verify reads of the headers as text: the
// first values of Authorization, X-Amz-Date, Date (read only without
// X-Amz-Date, which is all it is used for) and X-Amz-Security-Token, ""
// when absent. From an index (ix non-nil) or a BytesHeader, whose
// buffers the request reuses, they are copied into one string, so the
// request costs one allocation rather than two a header, and the
// credentials parsed from them are substrings of it.
func (r *SignedRequest) textHeaders(ix *headerIndex) (authz, amzDate, date, token string) {
	bh, ok := r.Header.(BytesHeader)
	if !ok && ix == nil {
		authz, amzDate = r.header("Authorization"), r.header("X-Amz-Date")
		if amzDate == "" {
			date = r.header("Date")
		}
		return authz, amzDate, date, r.header("X-Amz-Security-Token")
	}
	var stack [textHeaderBuffer]byte
	b := stack[:0]
	var ends [4]int
	for i, name := range [...]string{"authorization", "x-amz-date", "date", "x-amz-security-token"} {
		if i != 2 || ends[1] == ends[0] {
			if ix != nil {
				b = append(b, ix.first(name)...)
			} else if v := bh.PeekAll(name); len(v) > 0 {
				b = append(b, v[0]...)
			}
		}
		ends[i] = len(b)
	}
	s := string(b)
	return s[:ends[0]], s[ends[0]:ends[1]], s[ends[1]:ends[2]], s[ends[2]:ends[3]]
}

func (r *SignedRequest) headerValues(name string) []string {
	if name == ":authority" {
		name = "host" // HTTP/2's name for it
	}
	if name == "host" && r.Host != "" {
		return []string{r.Host}
	}
	if r.Header == nil {
		return nil
	}
	return r.Header.Values(name)
}

// appendHeader appends the canonical values of the signed header name
// (lower-case), from ix when it is not nil, otherwise looking them up
// without allocating where the Header allows it.
func (r *SignedRequest) appendHeader(b []byte, name string, ix *headerIndex) []byte {
	if name == ":authority" {
		name = "host" // HTTP/2's name for it
	}
	if name == "host" && r.Host != "" {
		return appendHeaderValue(b, r.Host)
	}
	if ix != nil {
		return ix.appendValues(b, name)
	}
	switch h := r.Header.(type) {
	case BytesHeader:
		for i, v := range h.PeekAll(name) {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendHeaderValue(b, v)
		}
		return b
	case http.Header:
		return appendHeaderValues(b, h[canonicalHeaderKey(name)])
	}
	return appendHeaderValues(b, r.headerValues(name))
}

// canonicalKeys are the MIME forms of the headers SDKs sign, so that
// looking them up in an http.Header does not allocate.
var canonicalKeys = map[string]string{
	"content-length": "Content-Length", "content-type": "Content-Type", "content-encoding": "Content-Encoding",
	"x-amz-date": "X-Amz-Date", "x-amz-target": "X-Amz-Target", "x-amz-security-token": "X-Amz-Security-Token",
	"x-amz-content-sha256": "X-Amz-Content-Sha256", "x-amz-user-agent": "X-Amz-User-Agent",
	"amz-sdk-invocation-id": "Amz-Sdk-Invocation-Id", "amz-sdk-request": "Amz-Sdk-Request",
	"accept-encoding": "Accept-Encoding", "user-agent": "User-Agent", "date": "Date", "host": "Host",
	"x-amz-api-version": "X-Amz-Api-Version", "accept": "Accept",
}

func canonicalHeaderKey(name string) string {
	if k, ok := canonicalKeys[name]; ok {
		return k
	}
	return textproto.CanonicalMIMEHeaderKey(name)
}
