package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"strconv"
	"time"
)

// SigV4 constants of the one request shape the lean client sends.
const (
	sigAlgorithm = "AWS4-HMAC-SHA256"
	sigService   = "dynamodb"
	// sigTimeFormat and sigDateFormat are SigV4's X-Amz-Date and scope date.
	sigTimeFormat = "20060102T150405Z"
	sigDateFormat = "20060102"
	// jsonContentType and identityEncoding are the values of the signed
	// Content-Type and Accept-Encoding headers every request carries.
	jsonContentType  = "application/x-amz-json-1.0"
	identityEncoding = "identity"
	// signedHeaders lists what the AWS SDK's signer signs on such a request:
	// every header it is given (content-type, accept-encoding, x-amz-target,
	// x-amz-date) plus host, and content-length when the body is not empty.
	signedHeaders        = "accept-encoding;content-length;content-type;host;x-amz-date;x-amz-target"
	signedHeadersNoBody  = "accept-encoding;content-type;host;x-amz-date;x-amz-target"
	sigScopeTerminator   = "aws4_request"
	sigBufferInitialSize = 1 << 10 // 1 KB: a canonical request without its body
)

// requestSigner computes the SigV4 Authorization header of a DynamoDB JSON
// request: POST / with the headers above. The SDK's general signer builds
// maps, sorts header names and allocates strings on every call, which cost
// a sixth of this tool's CPU per request; this one appends into buffers it
// reuses and keeps the derived signing key per date, as the SDK caches it,
// so steady-state signing does not allocate. It is not safe for concurrent
// use: each load worker owns one. TestSignerMatchesSDK checks it against
// the SDK's signer byte for byte.
type requestSigner struct {
	accessKey string
	secretKey string
	region    string
	host      string

	// keyDate is the scope date (YYYYMMDD) mac is keyed for; mac is
	// HMAC-SHA256 with that date's derived signing key.
	keyDate []byte
	mac     hash.Hash

	// amzDate holds the X-Amz-Date value and auth the Authorization value
	// of the last Sign; buf is scratch for the canonical request and the
	// string to sign.
	amzDate []byte
	auth    []byte
	buf     []byte
	sum     []byte
}

// newRequestSigner returns a signer for requests to host (the Host header
// as sent) in region.
func newRequestSigner(accessKey, secretKey, region, host string) *requestSigner {
	return &requestSigner{
		accessKey: accessKey,
		secretKey: secretKey,
		region:    region,
		host:      host,
		keyDate:   make([]byte, 0, len(sigDateFormat)),
		amzDate:   make([]byte, 0, len(sigTimeFormat)),
		auth:      make([]byte, 0, 256),
		buf:       make([]byte, 0, sigBufferInitialSize),
		sum:       make([]byte, 0, sha256.Size),
	}
}

// Sign signs a request made at t with X-Amz-Target target and body, and
// returns its X-Amz-Date and Authorization values. Both slices are reused
// by the next Sign.
func (s *requestSigner) Sign(t time.Time, target, body []byte) (amzDate, auth []byte) {
	t = t.UTC()
	s.amzDate = t.AppendFormat(s.amzDate[:0], sigTimeFormat)
	date := s.amzDate[:len(sigDateFormat)]
	if s.mac == nil || string(date) != string(s.keyDate) {
		s.keyDate = append(s.keyDate[:0], date...)
		s.mac = hmac.New(sha256.New, s.deriveKey(date))
	}
	headers := signedHeaders
	if len(body) == 0 {
		headers = signedHeadersNoBody
	}

	// Canonical request: method, path, query, headers, signed headers,
	// payload hash.
	b := append(s.buf[:0], "POST\n/\n\naccept-encoding:"+identityEncoding+"\n"...)
	if len(body) > 0 {
		b = append(b, "content-length:"...)
		b = strconv.AppendInt(b, int64(len(body)), 10)
		b = append(b, '\n')
	}
	b = append(b, "content-type:"+jsonContentType+"\nhost:"...)
	b = append(b, s.host...)
	b = append(b, "\nx-amz-date:"...)
	b = append(b, s.amzDate...)
	b = append(b, "\nx-amz-target:"...)
	b = append(b, target...)
	b = append(b, "\n\n"...)
	b = append(b, headers...)
	b = append(b, '\n')
	payload := sha256.Sum256(body)
	b = hex.AppendEncode(b, payload[:])
	canonical := sha256.Sum256(b)

	// String to sign: algorithm, time, scope, canonical request's hash.
	b = append(b[:0], sigAlgorithm+"\n"...)
	b = append(b, s.amzDate...)
	b = append(b, '\n')
	b = s.appendScope(b, date)
	b = append(b, '\n')
	b = hex.AppendEncode(b, canonical[:])
	s.mac.Reset()
	s.mac.Write(b)
	s.sum = s.mac.Sum(s.sum[:0])
	s.buf = b

	a := append(s.auth[:0], sigAlgorithm+" Credential="...)
	a = append(a, s.accessKey...)
	a = append(a, '/')
	a = s.appendScope(a, date)
	a = append(a, ", SignedHeaders="...)
	a = append(a, headers...)
	a = append(a, ", Signature="...)
	a = hex.AppendEncode(a, s.sum)
	s.auth = a
	return s.amzDate, s.auth
}

// appendScope appends the credential scope date/region/service/aws4_request.
func (s *requestSigner) appendScope(b, date []byte) []byte {
	b = append(b, date...)
	b = append(b, '/')
	b = append(b, s.region...)
	return append(b, "/"+sigService+"/"+sigScopeTerminator...)
}

// deriveKey computes the signing key of date: HMAC chained over the date,
// region, service and "aws4_request", keyed first with "AWS4"+secret.
func (s *requestSigner) deriveKey(date []byte) []byte {
	key := hmacSHA256([]byte("AWS4"+s.secretKey), date)
	key = hmacSHA256(key, []byte(s.region))
	key = hmacSHA256(key, []byte(sigService))
	return hmacSHA256(key, []byte(sigScopeTerminator))
}

func hmacSHA256(key, data []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(data)
	return m.Sum(nil)
}
