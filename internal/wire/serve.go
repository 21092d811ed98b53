package wire

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"encoding/json"
	"errors"
	"hash/crc32"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime"
	"net/http"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/auth"
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

// errBadEncoding is a request body in a Content-Encoding Dynago cannot
// decode.
var errBadEncoding = errors.New("wire: unsupported Content-Encoding")

// serve answers one request in the order DynamoDB checks things: body
// size, CORS, method and content type, JSON syntax, target,
// authentication, then the operation itself; and writes its access-log
// line (access_log.go) when the logger takes it.
func (h *Handler) serve(ctx context.Context, ex exchange) {
	level := h.logLevel()
	if !h.log.Enabled(ctx, level) {
		h.answer(ctx, ex, nil)
		return
	}
	start := time.Now()
	var rec requestRecord
	stats := new(api.RequestStats)
	h.answer(api.WithRequestStats(ctx, stats), ex, &rec)
	if rec.health {
		level = slog.LevelDebug
		if !h.log.Enabled(ctx, level) {
			return
		}
	}
	h.logRequest(ctx, ex, level, &rec, stats, time.Since(start))
}

// answer answers the request. rec, when not nil, receives what the access
// log reports.
func (h *Handler) answer(ctx context.Context, ex exchange, rec *requestRecord) {
	if rec == nil {
		rec = &requestRecord{} // stays on the stack: nothing keeps it
	}
	rec.status, rec.op, rec.reqID = h.answerRecorded(ctx, ex, rec)
}

// answerRecorded answers the request and returns the status, the
// operation name (if any) and the request id; rec receives the rest.
func (h *Handler) answerRecorded(ctx context.Context, ex exchange, rec *requestRecord) (status int, op string, reqID string) {
	hold := &bodyHold{h: h}
	defer hold.release()
	sent, body, err := h.readBody(ex, hold)
	busy, badBody := false, false
	if err != nil {
		switch {
		case errors.Is(err, errBusy):
			busy = true
		case errors.Is(err, errTooLarge):
			ex.closeConnection()
			ex.respond(http.StatusRequestEntityTooLarge, nil)
			return http.StatusRequestEntityTooLarge, "", ""
		default:
			// A body in an unknown Content-Encoding, or one that does
			// not decode as its encoding says, is an InternalServerError
			// (HTTP 500) in DynamoDB, and nothing is done (ScyllaDB's
			// test_compressed_request.py, run against DynamoDB).
			badBody = true
		}
	}
	reqID = requestID()
	ex.setHeader(headerRequestID, reqID)
	ex.setHeader(headerServer, serverName)

	method := ex.method()
	if ex.hasHeader("Origin") && h.setCORS(ex, method) {
		return http.StatusOK, "", reqID
	}

	if method == http.MethodGet && ex.path() == "/" {
		rec.health = true
		return h.write(ex, "text/plain", http.StatusOK, h.healthAnswer(ex.host())), "", reqID
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
		return h.write(ex, "", http.StatusNotFound, []byte(notFoundBody)), "", reqID
	}
	contentType := contentTypeAmzJSON
	if mediaType == contentTypeJSON {
		contentType = contentTypeJSON
	}
	fail := func(op string, err error) (int, string, string) {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			// The client hung up (hangup.go): nobody reads an answer.
			h.log.DebugContext(ctx, "request cancelled: the client hung up", "op", op, "request_id", reqID)
			ex.closeConnection()
			return 499, op, reqID
		}
		rec.setError(err)
		status, b := errorBody(err)
		if status >= 500 {
			h.log.ErrorContext(ctx, "request failed", "op", op, "request_id", reqID, "error", err)
		}
		return h.write(ex, contentType, status, b), op, reqID
	}
	if busy {
		return fail("", errThrottledBodies)
	}

	if badBody {
		// The client's fault, not the server's: not logged as a failure.
		e := apierr.New(apierr.InternalServerError, internalErrorMessage)
		rec.setError(e)
		status, b := errorBody(e)
		return h.write(ex, contentType, status, b), "", reqID
	}

	id, ok := ex.route(&h.handlers)
	if !ok {
		if len(body) > 0 && !json.Valid(body) {
			return fail("", apierr.New(apierr.SerializationException, ""))
		}
		return fail("", apierr.New(apierr.UnknownOperationException, ""))
	}
	name := id.String()
	authErr := error(nil)
	if h.opts.Authenticate != nil {
		ctx, authErr = h.authenticate(ctx, ex, sent)
		if c := auth.CallerFrom(ctx); c != nil && c.Principal != nil {
			rec.principal, rec.region = c.Principal.ARN(), c.Region
		}
	} else {
		authErr = ex.checkAuth()
	}
	if err := authErr; err != nil {
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
		caller := auth.CallerFrom(ctx)
		ctx, stop = ex.untilHangup(ctx, &h.hangups)
		defer stop()
		if caller != nil {
			// The watched context starts empty: the verified caller
			// rides on, or the engine could not authorize the request.
			ctx = auth.WithCaller(ctx, caller)
		}
	}
	var raw api.RawItems
	out, err := h.dispatch(api.WithRawItems(ctx, &raw), id, body, reqID, rec)
	if err != nil {
		return fail(name, err)
	}
	buf := h.buffers.get()
	defer h.buffers.put(buf)
	*buf, err = appendOutputRaw(*buf, out, &raw)
	if err != nil {
		return fail(name, err)
	}
	if len(*buf) >= compressThreshold {
		if enc := responseEncoding(ex.header("Accept-Encoding")); enc != "" {
			var z bytes.Buffer
			if err := compressBody(&z, enc, *buf); err == nil {
				ex.setHeader("Content-Encoding", enc)
				return h.write(ex, contentType, http.StatusOK, z.Bytes()), name, reqID
			}
		}
	}
	return h.write(ex, contentType, http.StatusOK, *buf), name, reqID
}

// bodyHold is what one request's body holds of the budget of bodies in
// flight (Options.MaxInflightBytes): reserve takes from it, release, once
// the request is answered, gives it all back. (A struct rather than two
// closures over a counter: those cost every request two allocations.)
type bodyHold struct {
	h    *Handler
	held int64
}

// reserve takes n bytes from the budget for this body; false when the
// budget cannot hold them.
func (b *bodyHold) reserve(n int64) bool {
	if !b.h.reserve(n) {
		return false
	}
	b.held += n
	return true
}

func (b *bodyHold) release() { b.h.inflight.Add(-b.held) }

// readBody reads the request body, decoding it (gzip, deflate) when the
// client says so, and refuses one over the size limit, before or after
// decoding. It returns the body as sent (raw, what a signature covers) and
// as decoded; their memory is taken from the budget of bodies in flight
// through hold, which the caller releases once the request is answered. A
// body the budget cannot hold is errBusy.
func (h *Handler) readBody(ex exchange, hold *bodyHold) (raw, body []byte, err error) {
	limit := h.opts.MaxBodyBytes
	raw, err = ex.rawBody(limit, hold)
	if err != nil {
		return raw, raw, err
	}
	switch {
	case !ex.hasHeader("Content-Encoding") || ex.headerIsToken("Content-Encoding", "identity"):
		return raw, raw, nil
	case ex.headerIsToken("Content-Encoding", "gzip"):
		w := &budgetWriter{hold: hold}
		err = gunzip(w, raw, limit)
		return raw, w.buf.Bytes(), err
	case ex.headerIsToken("Content-Encoding", "deflate"):
		zr, err := deflateReader(raw)
		if err != nil {
			return raw, nil, err
		}
		defer zr.Close()
		w := &budgetWriter{hold: hold}
		_, err = io.Copy(w, io.LimitReader(zr, limit+1))
		if int64(w.buf.Len()) > limit {
			return raw, nil, errTooLarge
		}
		return raw, w.buf.Bytes(), err
	}
	return raw, nil, errBadEncoding
}

// gunzip decodes a gzip body of one or more members into w, refusing one
// that decodes to more than limit bytes. Bytes after a complete member
// that do not start another are ignored, as DynamoDB ignores them
// (ScyllaDB's test_compressed_request.py records it, calling it a bug).
func gunzip(w *budgetWriter, raw []byte, limit int64) error {
	br := bytes.NewReader(raw)
	zr, err := gzip.NewReader(br)
	if err != nil {
		return err
	}
	for {
		zr.Multistream(false)
		if _, err := io.Copy(w, io.LimitReader(zr, limit+1-int64(w.buf.Len()))); err != nil {
			return err
		}
		if int64(w.buf.Len()) > limit {
			return errTooLarge
		}
		if br.Len() == 0 || zr.Reset(br) != nil {
			return nil
		}
	}
}

// deflateReader decodes a Content-Encoding: deflate body: the zlib format
// HTTP names deflate, or the raw deflate stream some clients send instead.
func deflateReader(raw []byte) (io.ReadCloser, error) {
	if zr, err := zlib.NewReader(bytes.NewReader(raw)); err == nil {
		return zr, nil
	}
	return flate.NewReader(bytes.NewReader(raw)), nil
}

// errBusy marks a body the budget of bodies in flight cannot hold.
var errBusy = errors.New("wire: too many request bytes in flight")

// errThrottledBodies is the answer to a request refused by the budget:
// DynamoDB's ThrottlingException, which every SDK retries with back-off.
var errThrottledBodies = apierr.New(apierr.ThrottlingException, "Rate of requests exceeds the allowed throughput.")

// reserve takes n bytes from the budget of bodies in flight, or reports
// that they do not fit.
func (h *Handler) reserve(n int64) bool {
	if h.inflight.Add(n) > h.opts.MaxInflightBytes {
		h.inflight.Add(-n)
		return false
	}
	return true
}

// budgetWriter inflates into a buffer whose bytes are taken from the
// budget of bodies in flight, so a small gzip body that inflates to 16 MB
// is bounded while it streams, not after.
type budgetWriter struct {
	hold *bodyHold
	buf  bytes.Buffer
}

// Write counts the bytes inflated (the buffer holding them is at most
// about twice that), refusing the write that would overdraw the budget.
func (w *budgetWriter) Write(p []byte) (int, error) {
	if !w.hold.reserve(int64(len(p))) {
		return 0, errBusy
	}
	return w.buf.Write(p)
}

// write sends a response with the headers DynamoDB always sets: the CRC32
// of the body (the SDKs verify it) and its length.
func (h *Handler) write(ex exchange, contentType string, status int, body []byte) int {
	if contentType != "" {
		ex.setHeader(headerContentType, contentType)
	}
	ex.setCRC32(crc32.ChecksumIEEE(body))
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

// healthAnswer is the health check's body: "healthy: <host> ", naming the
// host the client addressed as DynamoDB does (its endpoint's name there,
// "localhost:8000" here), or the region's endpoint when the request has no
// Host.
func (h *Handler) healthAnswer(host string) []byte {
	if host == "" {
		host = h.health
	}
	return []byte("healthy: " + host + " ")
}
