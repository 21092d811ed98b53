package wire

import (
	"bytes"
	"compress/gzip"
	"context"
	"hash/crc32"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/valyala/fasthttp"
)

const (
	testAuth = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/dynamodb/aws4_request, " +
		"SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0123456789abcdef"
	testDate = "20260101T000000Z"
)

var requestIDRE = regexp.MustCompile(`^[0-9A-Z]{52}$`)

// req describes one raw HTTP request to the handler.
type req struct {
	method  string // default POST
	path    string // default /
	target  string // operation name; "" sends no X-Amz-Target
	rawTgt  string // a verbatim X-Amz-Target, when set
	ctype   string // default application/x-amz-json-1.0; "-" sends none
	noAuth  bool
	auth    string // a verbatim Authorization, when set
	noDate  bool
	headers map[string]string
	body    string
	host    string // the Host; default example.com, "-" none
}

func newTestHandler(t testing.TB, opts Options) http.Handler {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return New(newFakeEngine(), opts)
}

func (r req) build() *http.Request {
	method := r.method
	if method == "" {
		method = http.MethodPost
	}
	path := r.path
	if path == "" {
		path = "/"
	}
	hr := httptest.NewRequest(method, path, strings.NewReader(r.body))
	switch r.host {
	case "":
	case "-":
		hr.Host = ""
	default:
		hr.Host = r.host
	}
	switch r.ctype {
	case "":
		hr.Header.Set("Content-Type", contentTypeAmzJSON)
	case "-":
	default:
		hr.Header.Set("Content-Type", r.ctype)
	}
	if r.target != "" {
		hr.Header.Set("X-Amz-Target", "DynamoDB_20120810."+r.target)
	}
	if r.rawTgt != "" {
		hr.Header.Set("X-Amz-Target", r.rawTgt)
	}
	if !r.noAuth {
		a := r.auth
		if a == "" {
			a = testAuth
		}
		hr.Header.Set("Authorization", a)
	}
	if !r.noDate && !r.noAuth {
		hr.Header.Set("X-Amz-Date", testDate)
	}
	for k, v := range r.headers {
		hr.Header.Set(k, v)
	}
	return hr
}

// do serves r and checks the headers every answer carries. A *Handler
// serves r twice, through ServeHTTP and through ServeFast, and the two
// answers must agree in status, body and headers (request id and Date
// aside).
func do(t testing.TB, h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if fh, ok := h.(*Handler); ok {
		compareFast(t, fh, r, body, rec)
	}
	if id := rec.Header().Get("x-amzn-RequestId"); rec.Code != http.StatusRequestEntityTooLarge && !requestIDRE.MatchString(id) {
		t.Errorf("x-amzn-RequestId = %q, want 52 characters of [0-9A-Z]", id)
	}
	if rec.Body.Len() > 0 || rec.Header().Get("x-amz-crc32") != "" {
		want := strconv.FormatUint(uint64(crc32.ChecksumIEEE(rec.Body.Bytes())), 10)
		if got := rec.Header().Get("x-amz-crc32"); got != want {
			t.Errorf("x-amz-crc32 = %q, want %q (CRC32 of %q)", got, want, rec.Body.String())
		}
		if got := rec.Header().Get("Content-Length"); got != strconv.Itoa(rec.Body.Len()) {
			t.Errorf("Content-Length = %q, body is %d bytes", got, rec.Body.Len())
		}
	}
	return rec
}

func TestProtocol(t *testing.T) {
	h := newTestHandler(t, Options{Region: "eu-west-1"})
	incomplete := "Authorization header requires 'Credential' parameter. " +
		"Authorization header requires 'Signature' parameter. " +
		"Authorization header requires 'SignedHeaders' parameter. " +
		"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-"
	tests := []struct {
		name   string
		req    req
		status int
		ctype  string
		body   string
	}{
		{"health check", req{method: "GET", noAuth: true, ctype: "-", host: "localhost:8000"}, 200, "text/plain",
			"healthy: localhost:8000 "},
		{"health check without a Host", req{method: "GET", noAuth: true, ctype: "-", host: "-"}, 200, "text/plain",
			"healthy: dynamodb.eu-west-1.amazonaws.com "},
		{"GET elsewhere", req{method: "GET", path: "/x", noAuth: true}, 404, "", notFoundBody},
		{"PUT", req{method: "PUT", noAuth: true}, 404, "", notFoundBody},
		{"DELETE", req{method: "DELETE", noAuth: true}, 404, "", notFoundBody},
		{"OPTIONS without origin", req{method: "OPTIONS", noAuth: true}, 404, "", notFoundBody},
		{"body without content type", req{body: "hi", ctype: "-", noAuth: true}, 404, "", notFoundBody},
		{"body with other content type", req{body: "hi", ctype: "whatever", noAuth: true}, 404, "", notFoundBody},
		{"not JSON (application/json)", req{body: "hi", ctype: "application/json", noAuth: true}, 400, "application/json",
			`{"__type":"com.amazon.coral.service#SerializationException"}`},
		{"not JSON", req{body: "hi", noAuth: true}, 400, contentTypeAmzJSON,
			`{"__type":"com.amazon.coral.service#SerializationException"}`},
		{"not JSON with target and auth", req{body: `{"TableName":`, target: "ListTables"}, 400, contentTypeAmzJSON,
			`{"__type":"com.amazon.coral.service#SerializationException"}`},
		{"no target", req{noAuth: true}, 400, contentTypeAmzJSON,
			`{"__type":"com.amazon.coral.service#UnknownOperationException"}`},
		{"no target, JSON body", req{body: "{}", ctype: "application/json", noAuth: true}, 400, "application/json",
			`{"__type":"com.amazon.coral.service#UnknownOperationException"}`},
		{"wrong target", req{rawTgt: "whatever", noAuth: true}, 400, contentTypeAmzJSON,
			`{"__type":"com.amazon.coral.service#UnknownOperationException"}`},
		{"unknown operation", req{target: "ListTable", body: "{}"}, 400, contentTypeAmzJSON,
			`{"__type":"com.amazon.coral.service#UnknownOperationException"}`},
		{"wrong API version", req{rawTgt: "DynamoDB_20991231.ListTables", body: "{}"}, 400, contentTypeAmzJSON,
			`{"__type":"com.amazon.coral.service#UnknownOperationException"}`},
		{"no Authorization", req{target: "ListTables", noAuth: true}, 400, contentTypeAmzJSON,
			`{"__type":"com.amazon.coral.service#MissingAuthenticationTokenException","message":"Request is missing Authentication Token"}`},
		{"Authorization AWS4", req{target: "ListTables", auth: "AWS4", noDate: true}, 400, contentTypeAmzJSON,
			`{"__type":"com.amazon.coral.service#MissingAuthenticationTokenException","message":"Request is missing Authentication Token"}`},
		{"Authorization AWS4-", req{target: "ListTables", auth: "AWS4-", noDate: true}, 400, contentTypeAmzJSON,
			`{"__type":"com.amazon.coral.service#IncompleteSignatureException","message":"` + incomplete + `"}`},
		{"no date", req{target: "ListTables", noDate: true, body: "{}"}, 400, contentTypeAmzJSON,
			`{"__type":"com.amazon.coral.service#IncompleteSignatureException","message":"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=` + testAuth + `"}`},
		{"Date header suffices", req{target: "ListTables", noDate: true, headers: map[string]string{"Date": "Thu, 01 Jan 2026 00:00:00 GMT"}, body: "{}"}, 200, contentTypeAmzJSON,
			`{"TableNames":[]}`},
		{"bad X-Amz-Date", req{target: "ListTables", headers: map[string]string{"X-Amz-Date": "201"}, body: "{}"}, 400, contentTypeAmzJSON,
			`{"__type":"com.amazon.coral.service#IncompleteSignatureException","message":"Date must be in ISO-8601 'basic format'. Got '201'. See http://en.wikipedia.org/wiki/ISO_8601"}`},
		{"bad algorithm", req{target: "ListTables", auth: strings.Replace(testAuth, "SHA256", "SHA25", 1), body: "{}"}, 400, contentTypeAmzJSON,
			`{"__type":"com.amazon.coral.service#IncompleteSignatureException","message":"Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA25' (only AWS4-HMAC-SHA256 for now). "}`},
		{"short credential", req{target: "ListTables", auth: "AWS4-HMAC-SHA256 Credential=a/b/c/d/, SignedHeaders=host, Signature=x", body: "{}"}, 400, contentTypeAmzJSON,
			`{"__type":"com.amazon.coral.service#IncompleteSignatureException","message":"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'a/b/c/d'"}`},
		{"empty body", req{target: "ListTables"}, 400, contentTypeAmzJSON,
			`{"__type":"com.amazon.coral.service#SerializationException"}`},
		{"ok", req{target: "ListTables", body: "{}"}, 200, contentTypeAmzJSON, `{"TableNames":[]}`},
		{"ok, application/json", req{target: "ListTables", body: "{}", ctype: "application/json"}, 200, "application/json", `{"TableNames":[]}`},
		{"content type with charset", req{target: "ListTables", body: "{}", ctype: "application/x-amz-json-1.0; charset=utf-8"}, 200, contentTypeAmzJSON, `{"TableNames":[]}`},
		{"coerced boolean", req{target: "GetItem", body: `{"TableName":"abc","Key":{},"ConsistentRead":"true"}`}, 200, contentTypeAmzJSON, `{}`},
		{"null output", req{target: "DeleteItem", body: `{"TableName":"abc","Key":{}}`}, 200, contentTypeAmzJSON, `{}`},
		{"engine error", req{target: "DescribeTable", body: `{"TableName":"abc"}`}, 400, contentTypeAmzJSON,
			`{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"}`},
		{"conditional check", req{target: "UpdateItem", body: `{"TableName":"abc","Key":{}}`}, 400, contentTypeAmzJSON,
			`{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}`},
		{"wrong member type", req{target: "DescribeTable", body: `{"TableName":5}`}, 400, contentTypeAmzJSON,
			`{"__type":"com.amazon.coral.service#SerializationException","Message":"class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String"}`},
		{"missing required member", req{target: "GetItem", body: `{"Key":{}}`}, 400, contentTypeAmzJSON,
			`{"__type":"com.amazon.coral.validate#ValidationException","message":"1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null"}`},
		{"CORS on a request", req{rawTgt: "x", noAuth: true, headers: map[string]string{"Origin": "whatever"}}, 400, contentTypeAmzJSON,
			`{"__type":"com.amazon.coral.service#UnknownOperationException"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(t, h, tt.req.build())
			if rec.Code != tt.status {
				t.Errorf("status = %d, want %d", rec.Code, tt.status)
			}
			if got := rec.Header().Get("Content-Type"); tt.ctype != "" && got != tt.ctype {
				t.Errorf("Content-Type = %q, want %q", got, tt.ctype)
			}
			if got := rec.Body.String(); got != tt.body {
				t.Errorf("body =\n%s\nwant\n%s", got, tt.body)
			}
		})
	}
}

func TestNotFoundChecksumMatchesDynamoDB(t *testing.T) {
	rec := do(t, newTestHandler(t, Options{}), req{method: "GET", path: "/nope", noAuth: true}.build())
	// DynamoDB's own header for this body, as recorded by dynalite's tests.
	if got := rec.Header().Get("x-amz-crc32"); got != "3552371480" || rec.Header().Get("Content-Length") != "29" {
		t.Errorf("crc32 %s, length %s; want 3552371480, 29", got, rec.Header().Get("Content-Length"))
	}
}

func TestCORSPreflight(t *testing.T) {
	rec := do(t, newTestHandler(t, Options{}), req{method: "OPTIONS", noAuth: true, headers: map[string]string{
		"Origin": "x", "Access-Control-Request-Headers": "a, b, c", "Access-Control-Request-Method": "d",
	}}.build())
	want := map[string]string{
		"Access-Control-Allow-Origin":  "*",
		"Access-Control-Allow-Headers": "a, b, c",
		"Access-Control-Allow-Methods": "d",
		"Access-Control-Max-Age":       "172800",
		"Content-Length":               "0",
	}
	if rec.Code != 200 || rec.Body.Len() != 0 {
		t.Errorf("status %d body %q, want 200 and empty", rec.Code, rec.Body.String())
	}
	for k, v := range want {
		if got := rec.Header().Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}

func TestGzipBody(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(`{"TableName":5}`))
	zw.Close()
	r := req{target: "DescribeTable", headers: map[string]string{"Content-Encoding": "gzip"}}.build()
	r.Body = io.NopCloser(bytes.NewReader(buf.Bytes()))
	rec := do(t, newTestHandler(t, Options{}), r)
	// The body was read through gzip: the member type error proves it.
	want := `{"__type":"com.amazon.coral.service#SerializationException","Message":"class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String"}`
	if rec.Code != 400 || rec.Body.String() != want {
		t.Errorf("got %d %s, want 400 %s", rec.Code, rec.Body.String(), want)
	}

	// A body that is not what its Content-Encoding says, or in an
	// encoding DynamoDB does not know, is an InternalServerError (HTTP
	// 500), as DynamoDB answers (ScyllaDB's test_compressed_request.py).
	const internal = `{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}`
	for _, tc := range []struct {
		name, encoding string
		body           []byte
	}{
		{"plain JSON marked gzip", "gzip", []byte(`{}`)},
		{"empty body marked gzip", "gzip", nil},
		{"gzip cut short", "gzip", buf.Bytes()[:buf.Len()-1]},
		{"garbage encoding", "garbage", []byte(`{}`)},
		{"brotli", "br", []byte(`{}`)},
	} {
		bad := req{target: "ListTables", headers: map[string]string{"Content-Encoding": tc.encoding}}.build()
		bad.Body = io.NopCloser(bytes.NewReader(tc.body))
		rec = do(t, newTestHandler(t, Options{}), bad)
		if rec.Code != 500 || rec.Body.String() != internal {
			t.Errorf("%s: got %d %s, want 500 %s", tc.name, rec.Code, rec.Body.String(), internal)
		}
	}

	// Two gzip members are one body; junk after a complete member is
	// ignored, as DynamoDB ignores it.
	var two bytes.Buffer
	for _, part := range []string{`{"Lim`, `it":0}`} {
		zw := gzip.NewWriter(&two)
		zw.Write([]byte(part))
		zw.Close()
	}
	for name, body := range map[string][]byte{"two members": two.Bytes(), "trailing junk": append(append([]byte{}, two.Bytes()...), "junk"...)} {
		r := req{target: "ListTables", headers: map[string]string{"Content-Encoding": "gzip"}}.build()
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec = do(t, newTestHandler(t, Options{}), r)
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), "Value at 'Limit'") {
			t.Errorf("%s: got %d %s, want the Limit constraint of the decoded body", name, rec.Code, rec.Body.String())
		}
	}
	for _, enc := range []string{"identity", "IDENTITY"} {
		r := req{target: "ListTables", body: "{}", headers: map[string]string{"Content-Encoding": enc}}.build()
		if rec = do(t, newTestHandler(t, Options{}), r); rec.Code != 200 {
			t.Errorf("Content-Encoding %s: got %d %s, want 200", enc, rec.Code, rec.Body.String())
		}
	}
}

func TestBodyLimit(t *testing.T) {
	h := newTestHandler(t, Options{MaxBodyBytes: 64})
	tests := []struct {
		size   int
		status int
	}{
		{64, 400}, // at the limit: read, then refused as unknown JSON (not a size error)
		{65, 413},
	}
	for _, tt := range tests {
		body := `{"TableName":"` + strings.Repeat("a", tt.size-16) + `"}`
		body += strings.Repeat(" ", tt.size-len(body))
		rec := do(t, h, req{target: "DescribeTable", body: body}.build())
		if rec.Code == 200 {
			t.Fatalf("size %d: unexpected 200", tt.size)
		}
		if (rec.Code == 413) != (tt.status == 413) {
			t.Errorf("size %d: status %d, want %d", tt.size, rec.Code, tt.status)
		}
	}

	// The limit applies to the decompressed body too.
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(`{"TableName":"` + strings.Repeat("a", 1000) + `"}`))
	zw.Close()
	r := req{target: "DescribeTable", headers: map[string]string{"Content-Encoding": "gzip"}}.build()
	r.Body = io.NopCloser(bytes.NewReader(buf.Bytes()))
	if rec := do(t, h, r); rec.Code != 413 {
		t.Errorf("gzip bomb: status %d, want 413", rec.Code)
	}
}

// syncBuffer is a bytes.Buffer safe for a logger's concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestPanicBecomesInternalServerError(t *testing.T) {
	var logs syncBuffer
	h := New(newFakeEngine(), Options{
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		BeforeOperation: func(_ context.Context, op string) {
			if op == "GetItem" {
				panic("boom")
			}
		},
	})
	rec := do(t, h, req{target: "GetItem", body: `{"TableName":"abc","Key":{}}`}.build())
	want := `{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}`
	if rec.Code != 500 || rec.Body.String() != want {
		t.Errorf("got %d %s, want 500 %s", rec.Code, rec.Body.String(), want)
	}
	out := logs.String()
	for _, s := range []string{`"level":"ERROR"`, `"panic":"boom"`, `"op":"GetItem"`, "runtime/debug.Stack", `"msg":"request"`, `"status":500`} {
		if !strings.Contains(out, s) {
			t.Errorf("log lacks %s:\n%s", s, out)
		}
	}
	// The server keeps serving.
	if rec := do(t, h, req{target: "ListTables", body: "{}"}.build()); rec.Code != 200 {
		t.Errorf("after a panic: status %d, want 200", rec.Code)
	}
}

func TestRequestIDsDiffer(t *testing.T) {
	h := newTestHandler(t, Options{})
	seen := map[string]bool{}
	for range 100 {
		id := do(t, h, req{target: "ListTables", body: "{}"}.build()).Header().Get("x-amzn-RequestId")
		if seen[id] {
			t.Fatalf("request id %s repeated", id)
		}
		seen[id] = true
	}
}

// compareFast serves the request r (whose body is body) through ServeFast
// and reports where its answer differs from rec, net/http's answer.
func compareFast(t testing.TB, h *Handler, r *http.Request, body []byte, rec *httptest.ResponseRecorder) {
	t.Helper()
	var fr fasthttp.Request
	fr.Header.SetMethod(r.Method)
	fr.SetRequestURI(r.URL.RequestURI())
	fr.Header.SetHost(r.Host)
	for k, vs := range r.Header {
		for _, v := range vs {
			fr.Header.Add(k, v)
		}
	}
	fr.SetBody(body)
	var ctx fasthttp.RequestCtx
	ctx.Init(&fr, nil, nil)
	h.ServeFast(&ctx)
	resp := &ctx.Response
	if got := resp.StatusCode(); got != rec.Code {
		t.Errorf("ServeFast status %d, ServeHTTP %d", got, rec.Code)
	}
	if got := string(resp.Body()); got != rec.Body.String() {
		t.Errorf("ServeFast body %q, ServeHTTP %q", got, rec.Body.String())
	}
	for _, name := range []string{"Content-Type", "x-amz-crc32", "Connection",
		"Access-Control-Allow-Origin", "Access-Control-Allow-Headers", "Access-Control-Allow-Methods", "Access-Control-Max-Age"} {
		want := rec.Header().Get(name)
		if name == "Content-Type" && rec.Body.String() == notFoundBody {
			continue // net/http sniffs a type for the bare 404; DynamoDB's has none
		}
		got := string(resp.Header.Peek(name))
		if name == "Connection" && want == "" && got == "keep-alive" {
			continue
		}
		if got != want {
			t.Errorf("ServeFast header %s = %q, ServeHTTP %q", name, got, want)
		}
	}
	if id := string(resp.Header.Peek("x-amzn-RequestId")); rec.Code != http.StatusRequestEntityTooLarge && !requestIDRE.MatchString(id) {
		t.Errorf("ServeFast x-amzn-RequestId = %q", id)
	}
}
