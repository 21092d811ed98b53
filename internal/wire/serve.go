package wire

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"hash/crc32"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime"
	"net/http"
	"strconv"
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

// serve answers one request in the order DynamoDB checks things: body
// size, CORS, method and content type, JSON syntax, target,
// authentication, then the operation itself.
func (h *Handler) serve(ctx context.Context, ex exchange) {
	var start time.Time
	debug := h.log.Enabled(ctx, slog.LevelDebug)
	if debug {
		start = time.Now()
	}
	op, status, reqID := h.answer(ctx, ex)
	if debug {
		h.log.DebugContext(ctx, "request",
			"op", op, "status", status, "duration", time.Since(start), "request_id", reqID)
	}
}

// answer answers the request and returns the operation name (if any), the
// status and the request id, for the request log.
func (h *Handler) answer(ctx context.Context, ex exchange) (op string, status int, reqID string) {
	body, err := h.readBody(ex)
	if err != nil {
		if errors.Is(err, errTooLarge) {
			ex.closeConnection()
			ex.respond(http.StatusRequestEntityTooLarge, nil)
			return "", http.StatusRequestEntityTooLarge, ""
		}
		// A body that ends early or is not gzip is not JSON either.
		body = []byte{0}
	}
	reqID = requestID()
	ex.setHeader(headerRequestID, reqID)

	method := ex.method()
	if ex.hasHeader("Origin") {
		ex.setHeader("Access-Control-Allow-Origin", "*")
		if method == http.MethodOptions {
			if v := ex.header("Access-Control-Request-Headers"); v != "" {
				ex.setHeader("Access-Control-Allow-Headers", v)
			}
			if v := ex.header("Access-Control-Request-Method"); v != "" {
				ex.setHeader("Access-Control-Allow-Methods", v)
			}
			ex.setHeader("Access-Control-Max-Age", corsMaxAge)
			ex.respond(http.StatusOK, nil)
			return "", http.StatusOK, reqID
		}
	}

	if method == http.MethodGet && ex.path() == "/" {
		return "", h.write(ex, "text/plain", http.StatusOK, h.health), reqID
	}

	var mediaType string
	switch {
	case ex.headerIs("Content-Type", contentTypeAmzJSON):
		mediaType = contentTypeAmzJSON
	case ex.headerIs("Content-Type", contentTypeJSON):
		mediaType = contentTypeJSON
	default:
		mediaType, _, _ = mime.ParseMediaType(ex.header("Content-Type"))
	}
	if method != http.MethodPost ||
		(len(body) > 0 && mediaType != contentTypeJSON && mediaType != contentTypeAmzJSON) {
		return "", h.write(ex, "", http.StatusNotFound, []byte(notFoundBody)), reqID
	}
	contentType := contentTypeAmzJSON
	if mediaType == contentTypeJSON {
		contentType = contentTypeJSON
	}
	fail := func(op string, err error) (string, int, string) {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			// The client hung up (hangup.go): nobody reads an answer.
			h.log.DebugContext(ctx, "request cancelled: the client hung up", "op", op, "request_id", reqID)
			ex.closeConnection()
			return op, 499, reqID
		}
		status, b := errorBody(err)
		if status >= 500 {
			h.log.ErrorContext(ctx, "request failed", "op", op, "request_id", reqID, "error", err)
		}
		return op, h.write(ex, contentType, status, b), reqID
	}

	id, ok := ex.route(&h.handlers)
	if !ok {
		if len(body) > 0 && !json.Valid(body) {
			return fail("", apierr.New(apierr.SerializationException, ""))
		}
		return fail("", apierr.New(apierr.UnknownOperationException, ""))
	}
	name := id.String()
	if err := ex.checkAuth(); err != nil {
		if len(body) > 0 && !json.Valid(body) {
			return fail(name, apierr.New(apierr.SerializationException, ""))
		}
		return fail(name, err)
	}
	if len(body) == 0 {
		return fail(name, apierr.New(apierr.SerializationException, ""))
	}

	if hangupOps[id] {
		var stop func()
		ctx, stop = ex.untilHangup(ctx, &h.hangups)
		defer stop()
	}
	var raw api.RawItems
	out, err := h.dispatch(api.WithRawItems(ctx, &raw), id, body, reqID)
	if err != nil {
		return fail(name, err)
	}
	buf := h.buffers.get()
	defer h.buffers.put(buf)
	*buf, err = appendOutputRaw(*buf, out, &raw)
	if err != nil {
		return fail(name, err)
	}
	return name, h.write(ex, contentType, http.StatusOK, *buf), reqID
}

// readBody reads the request body, gunzipping it when the client says so,
// and refuses one over the size limit, before or after decoding.
func (h *Handler) readBody(ex exchange) ([]byte, error) {
	limit := h.opts.MaxBodyBytes
	body, err := ex.rawBody(limit)
	if err != nil || !ex.headerIsToken("Content-Encoding", "gzip") {
		return body, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	var buf bytes.Buffer
	_, err = io.Copy(&buf, io.LimitReader(zr, limit+1))
	if int64(buf.Len()) > limit {
		return nil, errTooLarge
	}
	return buf.Bytes(), err
}

// write sends a response with the headers DynamoDB always sets: the CRC32
// of the body (the SDKs verify it) and its length.
func (h *Handler) write(ex exchange, contentType string, status int, body []byte) int {
	if contentType != "" {
		ex.setHeader(headerContentType, contentType)
	}
	ex.setHeader(headerCRC32, strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
	ex.respond(status, body)
	return status
}

// requestIDAlphabet is the character set of DynamoDB's request ids.
const requestIDAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// requestIDLen is the length of DynamoDB's request ids.
const requestIDLen = 52

// requestIDCharsPerDraw is how many base-36 characters one 64-bit random
// draw yields (36^12 < 2^64).
const requestIDCharsPerDraw = 12

// requestID returns a fresh request id shaped like DynamoDB's: 52
// characters of [0-9A-Z]. It only needs to be unique enough to find a
// request in logs, so math/rand suffices.
func requestID() string {
	var b [requestIDLen]byte
	for i := 0; i < requestIDLen; i += requestIDCharsPerDraw {
		v := rand.Uint64()
		for j := i; j < i+requestIDCharsPerDraw && j < requestIDLen; j++ {
			b[j] = requestIDAlphabet[v%36]
			v /= 36
		}
	}
	return string(b[:])
}
