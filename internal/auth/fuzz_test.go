package auth

import (
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

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
