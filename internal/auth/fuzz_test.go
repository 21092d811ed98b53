package auth

import (
	"bufio"
	"context"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/dynago/dynago/internal/apierr"
)

// FuzzParseAuthorization checks that no Authorization header, X-Amz-Date
// or Date crashes the parser or the verifier, that every refusal is one
// of DynamoDB's authentication errors, and that what is accepted is
// consistent: five credential parts, a signature and signed headers
// without spaces, a time the string to sign can carry.
func FuzzParseAuthorization(f *testing.F) {
	const good = "AWS4-HMAC-SHA256 Credential=AKIDALICE/20260101/us-east-1/dynamodb/aws4_request, " +
		"SignedHeaders=host;x-amz-date;x-amz-target, Signature=" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	f.Add(good, "20260101T000000Z", "")
	f.Add(good, "", "Thu, 01 Jan 2026 00:00:00 GMT")
	f.Add("AWS4-HMAC-SHA256 Credential= a/b/c/d/e/ ,\tSignedHeaders=h , Signature=s,Signature=", "20240229T235959Z", "x")
	f.Add("\u00a0AWS4-X Credential=a/b/c/d/e, SignedHeaders=h, Signature=s\u2003", "20260101T000000.5Z", "")
	f.Add("AWS4-HMAC-SHA256", "", "")
	f.Add("AWS4-HMAC-SHA256 Credential=////, SignedHeaders=;;, Signature==", "20261301T000000Z", "")
	cfg := testConfig(f)
	v := NewVerifier(VerifierOptions{})
	now := time.Date(2026, 1, 1, 0, 5, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, authorization, amzDate, date string) {
		c, err := ParseAuthorization(authorization, amzDate, date)
		if err != nil {
			e := apierr.As(err)
			if e == nil || (e.Code != apierr.MissingAuthenticationTokenException && e.Code != apierr.IncompleteSignatureException) || e.Message == "" {
				t.Fatalf("refusal %v (%T)", err, err)
			}
		} else {
			cred := c.AccessKeyID + "/" + c.scope()
			if strings.Count(cred, "/") != 4 || strings.ContainsRune(c.Signature, ' ') || c.Signature == "" ||
				len(c.SignedHeaders) == 0 || strings.ContainsRune(c.signedHeaders, ' ') {
				t.Fatalf("accepted inconsistent credentials %+v", c)
			}
			if _, perr := time.Parse(amzDateFormat, c.Timestamp); perr != nil {
				t.Fatalf("timestamp %q: %v", c.Timestamp, perr)
			}
		}
		h := http.Header{}
		h.Set("Authorization", authorization)
		h.Set("X-Amz-Date", amzDate)
		h.Set("Date", date)
		id, verr := v.Verify(cfg, &SignedRequest{Method: "POST", Path: "/", Host: "h", Header: h, Body: []byte(date)}, now)
		switch {
		case verr == nil && id.Principal == nil:
			t.Fatal("verified without a principal")
		case verr != nil && apierr.As(verr) == nil:
			t.Fatalf("verify error %v is not DynamoDB's", verr)
		case err != nil && verr == nil:
			t.Fatalf("the parser refused (%v) what the verifier accepted", err)
		}
	})
}

// FuzzParsePolicy checks that no document crashes the policy parser or,
// once accepted, the evaluator; that errors carry a position inside the
// document; and that parsing is deterministic.
func FuzzParsePolicy(f *testing.F) {
	for _, seed := range policySeeds(f) {
		f.Add(seed)
	}
	const table = "arn:aws:dynamodb:us-east-1:111122223333:table/Books"
	cfg := testConfig(f)
	alice, _ := cfg.Principal("111122223333", "alice")
	bob, _ := cfg.Principal("444455556666", "bob")
	f.Fuzz(func(t *testing.T, doc string) {
		lines := strings.Count(doc, "\n") + 1
		p, err := ParsePolicy(doc)
		if err != nil {
			pe, ok := err.(*PolicyError)
			if !ok || pe.Reason == "" || pe.Line < 0 || pe.Line > lines {
				t.Fatalf("error %#v for a %d-line document", err, lines)
			}
		} else {
			again, _ := ParsePolicy(doc)
			if !reflect.DeepEqual(p, again) {
				t.Fatal("parsing is not deterministic")
			}
		}
		rp, rerr := ParseResourcePolicy(doc, table)
		if rerr != nil && apierr.As(rerr) == nil {
			t.Fatalf("resource policy error %v is not DynamoDB's", rerr)
		}
		for _, pr := range []*Principal{alice, bob} {
			user := *pr.user
			if p != nil {
				user.policies = []*Policy{p}
			}
			who := *pr
			who.user = &user
			req := &Request{Principal: &who, Action: "dynamodb:GetItem", SourceIP: "10.1.2.3", Region: "us-east-1",
				Resources: []Resource{{ARN: table, Policy: rp}, {ARN: table + "/index/I", Policy: rp}, {ARN: "*"}},
				Time:      time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
			req.Keys.Set(KeyLeadingKeys, "alice", "x*")
			req.Keys.Set(KeyAttributes)
			first := Evaluate(req)
			if second := Evaluate(req); first != second {
				t.Fatalf("evaluation is not deterministic: %+v then %+v", first, second)
			}
			_ = Authorize(req)
		}
	})
}

// FuzzParseAuthFile checks that no auth file, JSON or YAML, crashes the
// loader and that every refusal is a *FileError.
func FuzzParseAuthFile(f *testing.F) {
	f.Add("auth.json", testAuthFile)
	for _, name := range []string{"testdata/example-auth.json", "testdata/example-auth.yaml"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(name, string(b))
	}
	f.Add("a.yaml", "a: &x [*x]")
	f.Fuzz(func(t *testing.T, name, data string) {
		_, err := Parse(name, []byte(data))
		if err != nil {
			if _, ok := err.(*FileError); !ok {
				t.Fatalf("error %v (%T)", err, err)
			}
		}
	})
}

// policySeeds are the documents of the policy testdata, a start for
// FuzzParsePolicy.
func policySeeds(f *testing.F) []string {
	b, err := os.ReadFile("testdata/policy_parse")
	if err != nil {
		f.Fatal(err)
	}
	var seeds []string
	for block := range strings.SplitSeq(string(b), "\nparse\n") {
		doc, _, _ := strings.Cut(block, "\n----\n")
		if strings.HasPrefix(doc, "{") || strings.HasPrefix(doc, "[") {
			seeds = append(seeds, doc)
		}
	}
	return append(seeds,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::444455556666:user/bob"]},`+
			`"Action":"dynamodb:Get*","Resource":["arn:aws:dynamodb:us-east-1:111122223333:table/Books","arn:aws:dynamodb:us-east-1:111122223333:table/Books/index/*"],`+
			`"Condition":{"ForAllValues:StringLike":{"dynamodb:LeadingKeys":["${aws:username}","${test:k, 'd'}*"]},"IpAddressIfExists":{"aws:SourceIp":"10.0.0.0/8"}}}}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotPrincipal":"*","NotAction":"s3:*","NotResource":"arn:aws:s3:::${aws:username}/${*}?"}]}`,
	)
}

// FuzzPresigned checks the presigned (query-string) path: no raw query
// crashes the verifier and every refusal is DynamoDB's; and a request
// presigned by aws-sdk-go-v2 with a fuzzed extra query parameter and
// path verifies, so the canonical query and URI agree with the SDK's for
// any bytes a client can put there.
func FuzzPresigned(f *testing.F) {
	f.Add("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDALICE%2F20260101%2Fus-east-1%2Fdynamodb%2Faws4_request"+
		"&X-Amz-Date=20260101T000000Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host&X-Amz-Signature=00", "b", "2", "/")
	f.Add("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=-1&X-Amz-Date=x", "a b", "c+d=e&f", "/a%2Fb")
	f.Add("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Algorithm=x&%zz=%&=&&", "~é", "\x00/", "/ü/%7E")
	cfg := testConfig(f)
	v := NewVerifier(VerifierOptions{})
	now := signTime.Add(30 * time.Second)
	creds := aws.Credentials{AccessKeyID: "AKIDALICE", SecretAccessKey: "alice/secret+key"}
	f.Fuzz(func(t *testing.T, rawQuery, key, value, path string) {
		id, err := v.Verify(cfg, &SignedRequest{Method: "POST", Path: "/", RawQuery: rawQuery, Host: "h", Header: http.Header{}}, now)
		switch {
		case err == nil && id.Principal == nil:
			t.Fatal("verified without a principal")
		case err != nil && apierr.As(err) == nil:
			t.Fatalf("verify error %v is not DynamoDB's", err)
		}

		if key == "" || strings.HasPrefix(strings.ToLower(key), "x-amz-") || !utf8.ValidString(key+value+path) {
			return
		}
		u := &url.URL{Scheme: "http", Host: "h", Path: "/" + strings.TrimPrefix(path, "/")}
		if u.EscapedPath() != u.Path && strings.ContainsAny(path, "%") {
			return // an escaped path whose decoding differs is the HTTP layer's, not the signer's
		}
		q := url.Values{}
		q.Set(key, value)
		u.RawQuery = q.Encode()
		req, rerr := http.NewRequest("POST", u.String(), strings.NewReader("{}"))
		if rerr != nil {
			return
		}
		su, signedHeader, serr := v4.NewSigner().PresignHTTP(context.Background(), creds, req, sha256Hex([]byte("{}")),
			"dynamodb", "us-east-1", signTime)
		if serr != nil {
			t.Fatal(serr)
		}
		parsed, perr := url.Parse(su)
		if perr != nil {
			t.Fatal(perr)
		}
		h := http.Header(signedHeader).Clone()
		h.Set("Content-Length", "2") // the SDK signs it from the request; a server has it as a header
		if _, err := v.Verify(cfg, &SignedRequest{Method: "POST", Path: parsed.EscapedPath(), RawQuery: parsed.RawQuery,
			Host: "h", Header: h, Body: []byte("{}")}, now); err != nil {
			t.Fatalf("the SDK's presigned %s does not verify: %v", su, err)
		}
	})
}

// FuzzEvaluate checks the policy evaluator on fuzzed requests (action,
// resource, condition key values, source IP, region) against the
// documents of the policy testdata: no crash; evaluation deterministic;
// adding a statement denying everything always gives an explicit deny,
// and an identity policy allowing everything (with no deny) an allow in
// the caller's own account.
func FuzzEvaluate(f *testing.F) {
	seeds := policySeeds(f)
	var policies []*Policy
	for _, doc := range seeds {
		if p, err := ParsePolicy(doc); err == nil {
			policies = append(policies, p)
		}
	}
	if len(policies) == 0 {
		f.Fatal("no seed policy parses")
	}
	allowAll, err := ParsePolicy(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`)
	if err != nil {
		f.Fatal(err)
	}
	denyAll, err := ParsePolicy(`{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}`)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(uint8(0), "dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:111122223333:table/Books", "alice", "10.1.2.3", "us-east-1", "ALL_ATTRIBUTES")
	f.Add(uint8(3), "dynamodb:Query", "arn:aws:dynamodb:us-east-1:111122223333:table/Books/index/*", "x*", "::1", "", "")
	f.Add(uint8(7), "s3:GetObject", "*", "${aws:username}", "not-an-ip", "eu-west-1", "COUNT")
	f.Add(uint8(9), "DYNAMODB:getitem", "arn:aws:dynamodb:*:*:table/?", "", "2001:db8::/32", "ap", "SPECIFIC_ATTRIBUTES")
	cfg := testConfig(f)
	alice, _ := cfg.Principal("111122223333", "alice")
	f.Fuzz(func(t *testing.T, pick uint8, action, resource, leading, sourceIP, region, sel string) {
		p := policies[int(pick)%len(policies)]
		eval := func(identity []*Policy) Verdict {
			user := *alice.user
			user.policies = identity
			who := *alice
			who.user = &user
			req := &Request{Principal: &who, Action: action, SourceIP: sourceIP, Region: region,
				Resources: []Resource{{ARN: resource}, {ARN: resource + "/index/I", Policy: policies[int(pick/2)%len(policies)]}},
				Time:      time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
			req.Keys.Set(KeyLeadingKeys, leading, sel)
			req.Keys.Set(KeySelect, sel)
			req.Keys.Set(KeyAttributes, strings.Fields(leading)...)
			v := Evaluate(req)
			if again := Evaluate(req); again != v {
				t.Fatalf("evaluation is not deterministic: %+v then %+v", v, again)
			}
			if err := Authorize(req); (err == nil) != (v.Decision == Allow) {
				t.Fatalf("Authorize %v for verdict %+v", err, v)
			}
			return v
		}
		eval([]*Policy{p})
		if v := eval([]*Policy{p, denyAll}); v.Decision != ExplicitDeny {
			t.Fatalf("a deny-all statement gave %+v", v)
		}
		if v := eval([]*Policy{allowAll}); v.Decision == ImplicitDeny && v.Policy == "identity-based" {
			t.Fatalf("an allow-all identity policy gave %+v", v)
		}
	})
}

// FuzzHeaderIndex splits arbitrary header blocks as the verifier does
// for fasthttp's requests: it must never panic, and where it and
// net/textproto's MIME reader both accept a block, every header's
// canonical values must be the same from either.
func FuzzHeaderIndex(f *testing.F) {
	f.Add("Host: localhost:8000\r\nX-Amz-Date: 20260101T000000Z\r\nContent-Length: 2\r\n\r\n")
	f.Add("x-foo:  a  b \r\nX-FOO:\tc\r\nContent-Length :7\r\n\r\n")
	f.Add("X-A: 1\r\n 2\r\n\r\n")
	f.Add("Host: h\nX-A: 1\n\n")
	f.Fuzz(func(t *testing.T, raw string) {
		var ix headerIndex
		if !ix.parse([]byte(raw)) {
			return
		}
		for i := range ix.n {
			if len(ix.fields[i].name) == 0 {
				t.Fatalf("field %d has no name", i)
			}
		}
		mh, err := textproto.NewReader(bufio.NewReader(strings.NewReader(raw))).ReadMIMEHeader()
		if err != nil {
			return // a block fasthttp would have refused before the verifier saw it
		}
		for name := range mh {
			if strings.ContainsAny(name, " \t") {
				// "Content-Length :": textproto keeps the space in the
				// name, fasthttp (whose blocks these are) trims it, as
				// the index does, so the two disagree by design.
				return
			}
		}
		for name, values := range mh {
			lower := strings.ToLower(name)
			if got, want := string(ix.appendValues(nil, lower)), string(appendHeaderValues(nil, values)); got != want {
				t.Fatalf("%s: index %q, textproto %q", name, got, want)
			}
		}
	})
}
