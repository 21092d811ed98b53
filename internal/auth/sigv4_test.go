package auth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/cockroachdb/datadriven"

	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/sdkhttp"
)

// signTime is the fixed time the signer tests sign at.
var signTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestDynamoDBClientSigns points aws-sdk-go-v2's DynamoDB client at a
// verifying server: every request an application makes must verify, and
// every wrong credential must come back as DynamoDB's error, through
// the SDK's own error parsing.
func TestDynamoDBClientSigns(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	skew := time.Duration(0)
	srv := newVerifyServer(t, NewVerifier(VerifierOptions{}), cfg, func() time.Time { return time.Now().Add(skew) })
	client := func(id, secret, token string) *dynamodb.Client {
		return dynamodb.New(dynamodb.Options{
			Region:           "eu-west-3",
			BaseEndpoint:     aws.String(srv.URL),
			Credentials:      credentials.NewStaticCredentialsProvider(id, secret, token),
			RetryMaxAttempts: 1,
			HTTPClient:       sdkhttp.Client(),
		})
	}
	put := func(c *dynamodb.Client) error {
		_, err := c.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String("Books"),
			Item: map[string]types.AttributeValue{
				"pk":    &types.AttributeValueMemberS{Value: "a b\tc/é"},
				"count": &types.AttributeValueMemberN{Value: "42"},
			},
		})
		return err
	}

	if err := put(client("AKIDALICE", "alice/secret+key", "")); err != nil {
		t.Fatalf("PutItem as alice: %v", err)
	}
	r := srv.results()
	if len(r) != 1 || r[0].id.Principal.ARN() != "arn:aws:iam::111122223333:user/alice" || r[0].id.Region != "eu-west-3" || r[0].id.Presigned {
		t.Fatalf("alice's identity: %+v", r)
	}
	if _, err := client("ASIATEMP", "temp-secret", "session-token-value").ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
		t.Fatalf("ListTables with a session token: %v", err)
	}
	if r := srv.results(); len(r) != 1 || !r[0].id.Principal.Temporary || r[0].id.Principal.User != "temp" {
		t.Fatalf("temporary identity: %+v", r)
	}
	if err := put(client("AKIDBOB", "bob-secret", "")); err != nil {
		t.Fatalf("PutItem as bob: %v", err)
	}
	if r := srv.results(); r[0].id.Principal.Account != "444455556666" {
		t.Fatalf("bob's account: %+v", r)
	}

	for _, tc := range []struct {
		name, id, secret, token string
		code                    apierr.Code
		msg                     string
	}{
		{"wrong secret", "AKIDALICE", "wrong", "", apierr.InvalidSignatureException, msgSignatureWrong},
		{"unknown key", "AKIDNOBODY", "x", "", apierr.UnrecognizedClientException, msgInvalidToken},
		{"token on a long-term key", "AKIDALICE", "alice/secret+key", "tok", apierr.UnrecognizedClientException, msgInvalidToken},
		{"temporary key without its token", "ASIATEMP", "temp-secret", "", apierr.UnrecognizedClientException, msgInvalidToken},
		{"wrong token", "ASIATEMP", "temp-secret", "session-token-valuf", apierr.UnrecognizedClientException, msgInvalidToken},
		{"expired temporary key", "ASIAOLD", "old-secret", "old-token", apierr.ExpiredTokenException, msgExpiredToken},
	} {
		err := put(client(tc.id, tc.secret, tc.token))
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != string(tc.code) || api.ErrorMessage() != tc.msg {
			t.Errorf("%s: got %v, want %s: %s", tc.name, err, tc.code, tc.msg)
		}
		var re interface{ HTTPStatusCode() int }
		if errors.As(err, &re) && re.HTTPStatusCode() != 400 {
			t.Errorf("%s: HTTP %d, want 400", tc.name, re.HTTPStatusCode())
		}
	}

	skew = 20 * time.Minute
	err := put(client("AKIDALICE", "alice/secret+key", ""))
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "InvalidSignatureException" ||
		!strings.HasPrefix(api.ErrorMessage(), "Signature expired: ") || !strings.HasSuffix(api.ErrorMessage(), " - 15 min.)") {
		t.Errorf("server clock 20 minutes ahead: got %v", err)
	}
	skew = -20 * time.Minute
	err = put(client("AKIDALICE", "alice/secret+key", ""))
	if !errors.As(err, &api) || !strings.HasPrefix(api.ErrorMessage(), "Signature not yet current: ") || !strings.HasSuffix(api.ErrorMessage(), " + 15 min.)") {
		t.Errorf("server clock 20 minutes behind: got %v", err)
	}
}

// signedRequest builds a request with awkward but legal parts: a query
// that needs escaping, a path with an escaped character, a repeated
// header and a header with runs of spaces.
func signedRequest(t *testing.T, url, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest("POST", url+"/some%20path/x?b=2&a=%2F&a=1&empty=&sp=a+b", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.PutItem")
	req.Header.Add("X-Custom", "one")
	req.Header.Add("X-Custom", "  two   words  ")
	return req
}

func send(t *testing.T, req *http.Request) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// TestSDKSignerHeader signs with aws-sdk-go-v2's v4.Signer, sends over
// HTTP, and checks that each signed part, when tampered with, is caught.
func TestSDKSignerHeader(t *testing.T) {
	cfg := testConfig(t)
	now := signTime.Add(3 * time.Minute)
	srv := newVerifyServer(t, NewVerifier(VerifierOptions{}), cfg, func() time.Time { return now })
	signer := v4.NewSigner()
	body := `{"TableName":"Books","Item":{"pk":{"S":"x"}}}`
	sign := func(req *http.Request, token string) {
		err := signer.SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKIDALICE", SecretAccessKey: "alice/secret+key", SessionToken: token},
			req, sha256Hex([]byte(body)), "dynamodb", "us-east-1", signTime)
		if err != nil {
			t.Fatal(err)
		}
	}
	verdict := func(name string, tamper func(*http.Request), code apierr.Code, msg string) {
		t.Helper()
		req := signedRequest(t, srv.URL, body)
		sign(req, "")
		tamper(req)
		send(t, req)
		r := srv.results()
		if len(r) != 1 {
			t.Fatalf("%s: %d requests reached the server", name, len(r))
		}
		if code == "" {
			if r[0].err != nil {
				t.Errorf("%s: %v", name, r[0].err)
			}
			return
		}
		wantAPIError(t, name, r[0].err, code, msg)
	}
	none := func(*http.Request) {}
	verdict("as signed", none, "", "")
	verdict("unsigned header added", func(r *http.Request) { r.Header.Set("X-Unsigned", "1") }, "", "")
	verdict("user agent changed (not signed)", func(r *http.Request) { r.Header.Set("User-Agent", "other") }, "", "")
	bad := apierr.InvalidSignatureException
	verdict("body changed", func(r *http.Request) {
		b := strings.Replace(body, "x", "y", 1)
		r.Body, r.ContentLength = io.NopCloser(strings.NewReader(b)), int64(len(b))
	}, bad, msgSignatureWrong)
	verdict("signed header changed", func(r *http.Request) { r.Header.Set("X-Amz-Target", "DynamoDB_20120810.DeleteItem") }, bad, msgSignatureWrong)
	verdict("repeated header reordered", func(r *http.Request) { r.Header["X-Custom"] = []string{"two words", "one"} }, bad, msgSignatureWrong)
	verdict("query changed", func(r *http.Request) { r.URL.RawQuery += "&c=3" }, bad, msgSignatureWrong)
	verdict("path changed", func(r *http.Request) { r.URL.Path, r.URL.RawPath = "/some path/y", "" }, bad, msgSignatureWrong)
	verdict("method changed", func(r *http.Request) { r.Method = "PUT" }, bad, msgSignatureWrong)
	verdict("signature changed", func(r *http.Request) {
		a := r.Header.Get("Authorization")
		last := a[len(a)-1]
		r.Header.Set("Authorization", a[:len(a)-1]+string("01"[(last-'0'+1)%2]))
	}, bad, msgSignatureWrong)
	verdict("host not signed", func(r *http.Request) {
		r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "SignedHeaders=", "SignedHeaders=x-;", 1))
		r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), ";host;", ";", 1))
	}, bad, msgHostNotSigned)

	// A session token is signed as a header.
	req := signedRequest(t, srv.URL, body)
	sign(req, "ignored")
	send(t, req)
	wantAPIError(t, "token on a long-term key", srv.results()[0].err, apierr.UnrecognizedClientException, msgInvalidToken)
}

// TestSDKSignerPresigned verifies requests presigned by aws-sdk-go-v2,
// with the X-Amz headers hoisted into the query (the SDK's default) and
// kept as headers, with and without a session token.
func TestSDKSignerPresigned(t *testing.T) {
	cfg := testConfig(t)
	now := signTime.Add(30 * time.Second)
	srv := newVerifyServer(t, NewVerifier(VerifierOptions{}), cfg, func() time.Time { return now })
	signer := v4.NewSigner()
	body := `{"TableName":"Books"}`
	presign := func(expires string, creds aws.Credentials, hoist bool) (string, http.Header) {
		req := signedRequest(t, srv.URL, body)
		if expires != "" {
			req.URL.RawQuery += "&X-Amz-Expires=" + expires
		}
		u, h, err := signer.PresignHTTP(context.Background(), creds, req, sha256Hex([]byte(body)), "dynamodb", "ap-south-1", signTime,
			func(o *v4.SignerOptions) { o.DisableHeaderHoisting = !hoist })
		if err != nil {
			t.Fatal(err)
		}
		return u, h
	}
	do := func(u string, h http.Header, mutate func(*http.Request)) result {
		t.Helper()
		req, err := http.NewRequest("POST", u, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range h {
			if !strings.EqualFold(k, "host") {
				req.Header[k] = v
			}
		}
		if mutate != nil {
			mutate(req)
		}
		send(t, req)
		r := srv.results()
		if len(r) != 1 {
			t.Fatalf("%d requests", len(r))
		}
		return r[0]
	}
	alice := aws.Credentials{AccessKeyID: "AKIDALICE", SecretAccessKey: "alice/secret+key"}
	temp := aws.Credentials{AccessKeyID: "ASIATEMP", SecretAccessKey: "temp-secret", SessionToken: "session-token-value"}
	for _, hoist := range []bool{false, true} {
		u, h := presign("300", alice, hoist)
		if hoist != strings.Contains(u, "X-Amz-Target") {
			t.Fatalf("hoist=%v: X-Amz-Target in the query is %v: %s", hoist, !hoist, u)
		}
		if r := do(u, h, nil); r.err != nil || !r.id.Presigned || r.id.Region != "ap-south-1" {
			t.Errorf("hoist=%v: %+v", hoist, r)
		}
		u, h = presign("", temp, hoist)
		if r := do(u, h, nil); r.err != nil || r.id.Principal.User != "temp" {
			t.Errorf("hoist=%v, session token: %+v", hoist, r)
		}
		if r := do(strings.Replace(u, "session-token-value", "session-token-valuf", 1), h, nil); r.err == nil {
			t.Errorf("hoist=%v: a wrong token verified", hoist)
		} else {
			wantAPIError(t, "wrong presigned token", r.err, apierr.UnrecognizedClientException, msgInvalidToken)
		}
		u, h = presign("300", alice, hoist)
		r := do(strings.Replace(u, "b=2", "b=3", 1), h, nil)
		wantAPIError(t, "presigned query changed", r.err, apierr.InvalidSignatureException, msgSignatureWrong)
		r = do(u, h, func(req *http.Request) { req.Body = io.NopCloser(strings.NewReader(`{"TableName":"Other"}`)) })
		wantAPIError(t, "presigned body changed", r.err, apierr.InvalidSignatureException, msgSignatureWrong)
		r = do(u, h, func(req *http.Request) {
			req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDALICE/20260101/ap-south-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00")
		})
		wantAPIError(t, "two signatures", r.err, apierr.InvalidSignatureException, msgSignatureWrong)
	}

	// X-Amz-Expires shorter than the skew window is honoured.
	u, h := presign("10", alice, false)
	r := do(u, h, nil)
	wantAPIError(t, "presigned request past X-Amz-Expires", r.err, apierr.InvalidSignatureException,
		"Signature expired: 20260101T000000Z is now earlier than 20260101T000020Z (20260101T000030Z - 10 sec.)")
	u, h = presign("604801", alice, false)
	wantAPIError(t, "X-Amz-Expires over a week", do(u, h, nil).err, apierr.IncompleteSignatureException,
		"X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds")
	u, h = presign("soon", alice, false)
	wantAPIError(t, "X-Amz-Expires not a number", do(u, h, nil).err, apierr.IncompleteSignatureException, "X-Amz-Expires should be a number")
	u, h = presign("-1", alice, false)
	wantAPIError(t, "X-Amz-Expires negative", do(u, h, nil).err, apierr.IncompleteSignatureException, "X-Amz-Expires must be non-negative")
}

// TestVerifyErrors checks each error's exact code and message on requests
// written by hand.
func TestVerifyErrors(t *testing.T) {
	cfg := testConfig(t)
	v := NewVerifier(VerifierOptions{})
	const date = "20260101T000000Z"
	const scope = "/20260101/us-east-1/dynamodb/aws4_request"
	header := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	authz := func(cred, signed string) string {
		return "AWS4-HMAC-SHA256 Credential=" + cred + ", SignedHeaders=" + signed + ", Signature=" + strings.Repeat("0", 64)
	}
	for _, tc := range []struct {
		name  string
		h     http.Header
		query string
		now   time.Time
		opts  VerifierOptions
		code  apierr.Code
		msg   string
	}{
		{name: "no credentials", h: header(), code: apierr.MissingAuthenticationTokenException, msg: msgMissingToken},
		{name: "signature version 2", h: header("Authorization", "AWS AKID:sig"), code: apierr.MissingAuthenticationTokenException, msg: msgMissingToken},
		{name: "no date", h: header("Authorization", authz("AKIDALICE"+scope, "host")), code: apierr.IncompleteSignatureException,
			msg: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=" + authz("AKIDALICE"+scope, "host")},
		{name: "bad date", h: header("Authorization", authz("AKIDALICE"+scope, "host"), "X-Amz-Date", "2026-01-01"), code: apierr.IncompleteSignatureException,
			msg: "Date must be in ISO-8601 'basic format'. Got '2026-01-01'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{name: "bad Date header", h: header("Authorization", authz("AKIDALICE"+scope, "host"), "Date", "soon"), code: apierr.IncompleteSignatureException,
			msg: "Date must be in ISO-8601 'basic format'. Got 'soon'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{name: "four credential parts", h: header("Authorization", authz("AKIDALICE/20260101/us-east-1/dynamodb", "host"), "X-Amz-Date", date),
			code: apierr.IncompleteSignatureException, msg: "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDALICE/20260101/us-east-1/dynamodb'"},
		{name: "host not signed", h: header("Authorization", authz("AKIDALICE"+scope, "x-amz-date"), "X-Amz-Date", date),
			code: apierr.InvalidSignatureException, msg: msgHostNotSigned},
		{name: "expired", h: header("Authorization", authz("AKIDNOBODY/20250101/x/y/z", "host"), "X-Amz-Date", date), now: signTime.Add(16 * time.Minute),
			code: apierr.InvalidSignatureException, msg: "Signature expired: 20260101T000000Z is now earlier than 20260101T000100Z (20260101T001600Z - 15 min.)"},
		{name: "not yet current", h: header("Authorization", authz("AKIDALICE"+scope, "host"), "X-Amz-Date", "20260101T003000Z"),
			code: apierr.InvalidSignatureException, msg: "Signature not yet current: 20260101T003000Z is still later than 20260101T001500Z (20260101T000000Z + 15 min.)"},
		{name: "skew of 90 seconds", h: header("Authorization", authz("AKIDALICE"+scope, "host"), "X-Amz-Date", date), now: signTime.Add(2 * time.Minute),
			opts: VerifierOptions{MaxSkew: 90 * time.Second},
			code: apierr.InvalidSignatureException, msg: "Signature expired: 20260101T000000Z is now earlier than 20260101T000030Z (20260101T000200Z - 90 sec.)"},
		{name: "every scope problem", h: header("Authorization", authz("AKIDALICE/20250101//s3/aws5_request", "host"), "X-Amz-Date", date),
			code: apierr.InvalidSignatureException, msg: "Credential should be scoped to a valid region, not ''. " +
				"Credential should be scoped to correct service: 'dynamodb'. " +
				"Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. " +
				"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20250101' != '20260101', from '20260101T000000Z'. "},
		{name: "region not served", h: header("Authorization", authz("AKIDALICE"+scope, "host"), "X-Amz-Date", date),
			opts: VerifierOptions{Regions: []string{"eu-west-1"}},
			code: apierr.InvalidSignatureException, msg: "Credential should be scoped to a valid region, not 'us-east-1'. "},
		{name: "date from the Date header", h: header("Authorization", authz("AKIDALICE/20251231/us-east-1/dynamodb/aws4_request", "host;date"), "Date", "Thu, 01 Jan 2026 00:00:00 GMT"),
			code: apierr.InvalidSignatureException, msg: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20251231' != '20260101', from '20260101T000000Z'. "},
		{name: "unknown key", h: header("Authorization", authz("AKIDNOBODY"+scope, "host"), "X-Amz-Date", date),
			code: apierr.UnrecognizedClientException, msg: msgInvalidToken},
		{name: "bad signature", h: header("Authorization", authz("AKIDALICE"+scope, "host;x-amz-date"), "X-Amz-Date", date),
			code: apierr.InvalidSignatureException, msg: msgSignatureWrong},
		{name: "x-amz-target required and unsigned", h: header("Authorization", authz("AKIDALICE"+scope, "host"), "X-Amz-Date", date, "X-Amz-Target", "DynamoDB_20120810.GetItem"),
			opts: VerifierOptions{RequireSigned: []string{"X-Amz-Target"}},
			code: apierr.InvalidSignatureException, msg: "'x-amz-target' must be a 'SignedHeader' in the AWS Authorization."},
		{name: "presigned, other algorithm", h: header(), query: "X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256&X-Amz-Credential=x",
			code: apierr.MissingAuthenticationTokenException, msg: msgMissingToken},
		{name: "presigned, parameters missing", h: header(), query: "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDALICE%2F20260101%2Fus-east-1%2Fdynamodb%2Faws4_request",
			code: apierr.IncompleteSignatureException, msg: "AWS query-string parameters must include 'X-Amz-Signature'. " +
				"AWS query-string parameters must include 'X-Amz-SignedHeaders'. AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters."},
		{name: "presigned, bad date", h: header(), query: "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a&X-Amz-Signature=b&X-Amz-SignedHeaders=host&X-Amz-Date=yesterday",
			code: apierr.IncompleteSignatureException, msg: "Date must be in ISO-8601 'basic format'. Got 'yesterday'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{name: "presigned, short credential", h: header(), query: "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2Fb&X-Amz-Signature=b&X-Amz-SignedHeaders=host&X-Amz-Date=" + date,
			code: apierr.IncompleteSignatureException, msg: "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'a/b'"},
	} {
		now := tc.now
		if now.IsZero() {
			now = signTime
		}
		vv := v
		if tc.opts.MaxSkew != 0 || tc.opts.Regions != nil || tc.opts.RequireSigned != nil {
			vv = NewVerifier(tc.opts)
		}
		r := &SignedRequest{Method: "POST", Path: "/", RawQuery: tc.query, Host: "localhost", Header: tc.h}
		_, err := vv.Verify(cfg, r, now)
		wantAPIError(t, tc.name, err, tc.code, tc.msg)
		if e := apierr.As(err); e != nil && e.Code.Status() != http.StatusBadRequest {
			t.Errorf("%s: status %d", tc.name, e.Code.Status())
		}
		for form, fr := range fastForms(r) {
			_, err = vv.Verify(cfg, fr, now)
			wantAPIError(t, tc.name+", "+form, err, tc.code, tc.msg)
		}
	}
}

// TestSigningKey checks the key derivation against the example in
// AWS's SigV4 documentation.
func TestSigningKey(t *testing.T) {
	got := hex.EncodeToString(deriveSigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam"))
	if want := "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"; got != want {
		t.Errorf("signing key %s, want %s", got, want)
	}
}

// TestKeyCacheBounded checks that the cache serves a day's key from
// memory and never holds more than its bound.
func TestKeyCacheBounded(t *testing.T) {
	c := newKeyCache(8)
	k := keyCacheKey{secret: "s", date: "20260101", region: "us-east-1", service: "dynamodb"}
	first := c.get(k)
	if second := c.get(k); &first[0] != &second[0] {
		t.Error("the same key was derived twice")
	}
	for i := range 100 {
		c.get(keyCacheKey{secret: "s", date: fmt.Sprint(20260101 + i), region: "r", service: "dynamodb"})
		if c.len() > 8 {
			t.Fatalf("%d keys cached, bound 8", c.len())
		}
	}
	// A changed secret is a different key, never the old one's.
	if bytes.Equal(c.get(k), c.get(keyCacheKey{secret: "t", date: k.date, region: k.region, service: k.service})) {
		t.Error("two secrets share a signing key")
	}
}

// TestSigningKeyPerAccessKey: an access key's last signing key serves
// the next request of the same scope, and a request of another day,
// region or service gets its own scope's key, never the last one.
func TestSigningKeyPerAccessKey(t *testing.T) {
	c := newKeyCache(8)
	ak := &AccessKey{id: "AKID", secret: "s"}
	first := c.signingFor(ak, "20260101", "us-east-1", "dynamodb")
	if again := c.signingFor(ak, "20260101", "us-east-1", "dynamodb"); again != first {
		t.Error("the same scope got another signing key")
	}
	for _, scope := range [][3]string{
		{"20260102", "us-east-1", "dynamodb"}, {"20260101", "eu-west-1", "dynamodb"}, {"20260101", "us-east-1", "s3"},
		{"20260101", "us-east-1", "dynamodb"},
	} {
		sk := c.signingFor(ak, scope[0], scope[1], scope[2])
		if want := deriveSigningKey("s", scope[0], scope[1], scope[2]); !bytes.Equal(sk.key, want) {
			t.Errorf("scope %v: signing key %x, want %x", scope, sk.key, want)
		}
	}
	// Another key of the same scope has its own secret's key.
	other := &AccessKey{id: "AKID2", secret: "t"}
	if sk := c.signingFor(other, "20260101", "us-east-1", "dynamodb"); !bytes.Equal(sk.key, deriveSigningKey("t", "20260101", "us-east-1", "dynamodb")) {
		t.Error("a second access key got the first one's signing key")
	}
}

// TestSDKSignerRandomRequests signs random requests with the SDK and
// checks that each verifies and that any one-byte change to a signed
// part does not: the canonical request must agree with the SDK's on
// every header set it can produce.
func TestSDKSignerRandomRequests(t *testing.T) {
	cfg := testConfig(t)
	v := NewVerifier(VerifierOptions{})
	signer := v4.NewSigner()
	rng := rand.New(rand.NewPCG(1, 2))
	word := func() string {
		const chars = "abcXYZ019 -_.~/%+=&?:;,é\t"
		b := make([]rune, 1+rng.IntN(8))
		for i := range b {
			b[i] = []rune(chars)[rng.IntN(len([]rune(chars)))]
		}
		return string(b)
	}
	for i := range 300 {
		body := []byte(word())
		req, _ := http.NewRequest("POST", "http://127.0.0.1:8000/", bytes.NewReader(body))
		q := req.URL.Query()
		for range rng.IntN(4) {
			q.Add(word(), word())
		}
		req.URL.RawQuery = q.Encode()
		names := []string{"X-Amz-Target", "Content-Type", "X-Foo", "X-Amz-Meta-A", "Accept"}
		for range rng.IntN(len(names) + 1) {
			req.Header.Add(names[rng.IntN(len(names))], strings.TrimSpace(strings.ReplaceAll(word(), "\t", " ")))
		}
		ts := signTime.Add(time.Duration(rng.IntN(600)) * time.Second)
		if err := signer.SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKIDALICE", SecretAccessKey: "alice/secret+key"},
			req, sha256Hex(body), "dynamodb", "us-west-1", ts); err != nil {
			t.Fatal(err)
		}
		h := req.Header.Clone()
		if req.ContentLength > 0 {
			h.Set("Content-Length", fmt.Sprint(req.ContentLength))
		}
		sr := &SignedRequest{Method: "POST", Path: req.URL.EscapedPath(), RawQuery: req.URL.RawQuery, Host: req.URL.Host, Header: h, Body: body}
		if _, err := v.Verify(cfg, sr, ts); err != nil {
			t.Fatalf("request %d did not verify: %v\nquery %q headers %v", i, err, req.URL.RawQuery, req.Header)
		}
		for form, fr := range fastForms(sr) {
			if _, err := v.Verify(cfg, fr, ts); err != nil {
				t.Fatalf("request %d did not verify with %s: %v\nquery %q headers %v", i, form, err, req.URL.RawQuery, req.Header)
			}
		}
		// Change one byte of the body, of a signed header, or of the query.
		mutated := *sr
		switch rng.IntN(3) {
		case 0:
			b := append([]byte(nil), body...)
			b[rng.IntN(len(b))] ^= 0x20
			mutated.Body = b
		case 1:
			mh := h.Clone()
			mh.Set("X-Amz-Date", ts.Add(time.Second).Format(amzDateFormat))
			mutated.Header = mh
		case 2:
			mutated.RawQuery += "&z=1"
		}
		if _, err := v.Verify(cfg, &mutated, ts); err == nil {
			t.Fatalf("request %d verified after a change", i)
		}
		for form, fr := range fastForms(&mutated) {
			if _, err := v.Verify(cfg, fr, ts); err == nil {
				t.Fatalf("request %d verified with %s after a change", i, form)
			}
		}
	}
}

// TestParseAuthorization runs testdata/authorization:
//
//	parse
//	Authorization: <value>      (each line optional)
//	X-Amz-Date: <value>
//	Date: <value>
//	----
//	<the credentials read, or the error>
func TestParseAuthorization(t *testing.T) {
	datadriven.RunTest(t, "testdata/authorization", func(t *testing.T, d *datadriven.TestData) string {
		var authz, amzDate, date string
		for _, line := range strings.Split(d.Input, "\n") {
			if line == "" {
				continue
			}
			name, value, _ := strings.Cut(line, ": ")
			switch name {
			case "Authorization":
				authz = value
			case "X-Amz-Date":
				amzDate = value
			case "Date":
				date = value
			default:
				t.Fatalf("line %q", line)
			}
		}
		c, err := ParseAuthorization(authz, amzDate, date)
		if err != nil {
			e := apierr.As(err)
			return string(e.Code) + ": " + e.Message
		}
		return fmt.Sprintf("key=%s date=%s region=%s service=%s terminator=%s\nsigned=%s signature=%s\ntime=%s timestamp=%s",
			c.AccessKeyID, c.ScopeDate, c.Region, c.Service, c.Terminator,
			strings.Join(c.SignedHeaders, ","), c.Signature, c.Time.Format(time.RFC3339Nano), c.Timestamp)
	})
}

// TestParseAmzDate checks the fast path against time.Parse on every
// boundary: what it accepts, time.Parse accepts with the same time; what
// it leaves to time.Parse is anything but the plain 16-character form or
// a date that does not exist.
func TestParseAmzDate(t *testing.T) {
	for _, s := range []string{"20260101T000000Z", "20241231T235959Z", "20240229T120000Z", "20230229T120000Z",
		"20261301T000000Z", "20260100T000000Z", "20260431T000000Z", "20260101T240000Z", "20260101T006000Z",
		"20260101T000060Z", "2026010IT000000Z", "20260101t000000Z", "20260101T000000z", "20260101T000000.5Z",
		"00000101T000000Z", "99991231T235959Z", "+2026101T000000Z", "2026-1-1T000000Z"} {
		want, werr := time.Parse(amzDateFormat, s)
		got, ok := parseAmzDate(s)
		if ok && (werr != nil || !got.Equal(want)) {
			t.Errorf("%s: fast path %v, time.Parse %v %v", s, got, want, werr)
		}
		if !ok && werr == nil && len(s) == 16 {
			t.Errorf("%s: the fast path refused what time.Parse reads as %v", s, want)
		}
	}
}
