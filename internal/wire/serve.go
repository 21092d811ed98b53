package wire

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
)

// Content types DynamoDB accepts; the response echoes the request's.
const (
	contentTypeAmzJSON = "application/x-amz-json-1.0"
	contentTypeJSON    = "application/json"
)

// notFoundBody is what DynamoDB answers a request that is not a JSON POST.
const notFoundBody = "<UnknownOperationException/>\n"

// corsMaxAge is how long browsers may cache a preflight answer.
const corsMaxAge = "172800" // 2 days, in seconds

// errTooLarge marks a body over the size limit.
var errTooLarge = errors.New("wire: request body too large")

// ServeHTTP answers one request in the order DynamoDB checks things: body
// size, CORS, method and content type, JSON syntax, target, authentication,
// then the operation itself.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	op, status := h.serve(w, r)
	h.log.DebugContext(r.Context(), "request",
		"op", op, "status", status, "duration", time.Since(start),
		"request_id", w.Header().Get("x-amzn-RequestId"))
}

// serve answers r and returns the operation name (if any) and the status,
// for the request log.
func (h *handler) serve(w http.ResponseWriter, r *http.Request) (string, int) {
	body, err := h.readBody(r)
	if err != nil {
		if errors.Is(err, errTooLarge) {
			w.Header().Set("Connection", "close")
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			return "", http.StatusRequestEntityTooLarge
		}
		// A body that ends early or is not gzip is not JSON either.
		body = []byte{0}
	}
	hdr := w.Header()
	reqID := requestID()
	hdr.Set("x-amzn-RequestId", reqID)

	if r.Header.Get("Origin") != "" {
		hdr.Set("Access-Control-Allow-Origin", "*")
		if r.Method == http.MethodOptions {
			if v := r.Header.Get("Access-Control-Request-Headers"); v != "" {
				hdr.Set("Access-Control-Allow-Headers", v)
			}
			if v := r.Header.Get("Access-Control-Request-Method"); v != "" {
				hdr.Set("Access-Control-Allow-Methods", v)
			}
			hdr.Set("Access-Control-Max-Age", corsMaxAge)
			hdr.Set("Content-Length", "0")
			w.WriteHeader(http.StatusOK)
			return "", http.StatusOK
		}
	}

	if r.Method == http.MethodGet && r.URL.Path == "/" {
		return "", h.write(w, "text/plain", http.StatusOK, h.health)
	}

	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if r.Method != http.MethodPost ||
		(len(body) > 0 && mediaType != contentTypeJSON && mediaType != contentTypeAmzJSON) {
		return "", h.write(w, "", http.StatusNotFound, []byte(notFoundBody))
	}
	contentType := contentTypeAmzJSON
	if mediaType == contentTypeJSON {
		contentType = contentTypeJSON
	}
	fail := func(op string, err error) (string, int) {
		status, b := errorBody(err)
		if status >= 500 {
			h.log.ErrorContext(r.Context(), "request failed", "op", op, "request_id", reqID, "error", err)
		}
		return op, h.write(w, contentType, status, b)
	}

	name, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	op := h.ops[name]
	if !ok || op == nil {
		if len(body) > 0 && !json.Valid(body) {
			return fail("", apierr.New(apierr.SerializationException, ""))
		}
		return fail("", apierr.New(apierr.UnknownOperationException, ""))
	}
	if err := checkAuth(r); err != nil {
		if len(body) > 0 && !json.Valid(body) {
			return fail(name, apierr.New(apierr.SerializationException, ""))
		}
		return fail(name, err)
	}
	if len(body) == 0 {
		return fail(name, apierr.New(apierr.SerializationException, ""))
	}

	var raw api.RawItems
	out, err := h.dispatch(api.WithRawItems(r.Context(), &raw), name, op, body, reqID)
	if err != nil {
		return fail(name, err)
	}
	buf := h.buffers.get()
	defer h.buffers.put(buf)
	*buf, err = appendOutputRaw(*buf, out, &raw)
	if err != nil {
		return fail(name, err)
	}
	return name, h.write(w, contentType, http.StatusOK, *buf)
}

// readBody reads the request body, gunzipping it when the client says so,
// and refuses one over the size limit.
func (h *handler) readBody(r *http.Request) ([]byte, error) {
	var src io.Reader = http.MaxBytesReader(nil, r.Body, h.opts.MaxBodyBytes+1)
	if strings.EqualFold(strings.TrimSpace(r.Header.Get("Content-Encoding")), "gzip") {
		zr, err := gzip.NewReader(src)
		if err != nil {
			var maxErr *http.MaxBytesError
			if errors.As(err, &maxErr) {
				return nil, errTooLarge
			}
			return nil, err
		}
		defer zr.Close()
		src = zr
	}
	var buf bytes.Buffer
	if r.ContentLength > 0 && r.ContentLength <= h.opts.MaxBodyBytes {
		buf.Grow(int(r.ContentLength))
	}
	_, err := io.Copy(&buf, io.LimitReader(src, h.opts.MaxBodyBytes+1))
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) || int64(buf.Len()) > h.opts.MaxBodyBytes {
		return nil, errTooLarge
	}
	return buf.Bytes(), err
}

// write sends a response with the headers DynamoDB always sets: the CRC32
// of the body (the SDKs verify it) and its length.
func (h *handler) write(w http.ResponseWriter, contentType string, status int, body []byte) int {
	hdr := w.Header()
	if contentType != "" {
		hdr.Set("Content-Type", contentType)
	}
	hdr.Set("x-amz-crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body) //nolint:errcheck // the client went away; nothing to do
	return status
}

// requestIDAlphabet is the character set of DynamoDB's request ids.
const requestIDAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// requestIDLen is the length of DynamoDB's request ids.
const requestIDLen = 52

// requestID returns a fresh request id shaped like DynamoDB's: 52
// characters of [0-9A-Z]. It only needs to be unique enough to find a
// request in logs, so math/rand suffices.
func requestID() string {
	var b [requestIDLen]byte
	for i := 0; i < requestIDLen; i += 8 {
		v := rand.Uint64()
		for j := i; j < i+8 && j < requestIDLen; j++ {
			b[j] = requestIDAlphabet[v%36]
			v /= 36
		}
	}
	return string(b[:])
}
