package auth

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// sdkRequest is a PutItem as aws-sdk-go-v2 sends it, signed.
func sdkRequest(b *testing.B, token string) *SignedRequest {
	body := []byte(`{"TableName":"Books","Item":{"pk":{"S":"user#1234"},"sk":{"S":"order#0001"},"total":{"N":"42.50"},"status":{"S":"PENDING"}}}`)
	req, _ := http.NewRequest("POST", "http://127.0.0.1:8000/", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.PutItem")
	req.Header.Set("Accept-Encoding", "identity")
	req.Header.Set("Amz-Sdk-Invocation-Id", "0a1b2c3d-4e5f-6789-abcd-ef0123456789")
	req.Header.Set("Amz-Sdk-Request", "attempt=1; max=3")
	req.Header.Set("User-Agent", "aws-sdk-go-v2/1.47.6 os/linux lang/go#1.26 api/dynamodb#1.73.0")
	id, secret := "AKIDALICE", "alice/secret+key"
	if token != "" {
		id, secret = "ASIATEMP", "temp-secret"
	}
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: token},
		req, sha256Hex(body), "dynamodb", "us-east-1", signTime); err != nil {
		b.Fatal(err)
	}
	h := req.Header.Clone()
	h.Set("Content-Length", fmt.Sprint(len(body)))
	return &SignedRequest{Method: "POST", Path: "/", Host: req.URL.Host, Header: h, Body: body}
}

// BenchmarkVerify measures one verification of an SDK's PutItem: with
// the signing key cached (every request but a day's first), its headers
// as net/http and as fasthttp show them, and the key derivation a cache
// miss adds. (The fasthttp forms are the test's imitation of
// fasthttp's lookups, slower than fasthttp's own; the header block is
// what the server reads.)
func BenchmarkVerify(b *testing.B) {
	cfg := testConfig(b)
	for _, bm := range []struct {
		name  string
		token string
		form  func(*SignedRequest) *SignedRequest
	}{
		{"long-term key", "", nil},
		{"session token", "session-token-value", nil},
		{"long-term key, fasthttp's headers", "", asFastRequest},
		{"long-term key, fasthttp's header block", "", asRawRequest},
	} {
		b.Run(bm.name, func(b *testing.B) {
			v := NewVerifier(VerifierOptions{})
			r := sdkRequest(b, bm.token)
			if bm.form != nil {
				r = bm.form(r)
			}
			if _, err := v.Verify(cfg, r, signTime); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(cfg, r, signTime); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("derive signing key", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			deriveSigningKey("alice/secret+key", "20260101", "us-east-1", "dynamodb")
		}
	})
}

// BenchmarkAuthorize measures policy evaluation for a typical policy
// set: an application user with a broad read policy, a fine-grained
// policy on its own items and an explicit Deny, against a table that
// has a resource-based policy.
func BenchmarkAuthorize(b *testing.B) {
	cfg, err := Parse("bench.json", []byte(`{"accounts": {"111122223333": {"users": {"app": {"policies": [
	  {"Version": "2012-10-17", "Statement": [
	    {"Sid": "Read", "Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem"],
	     "Resource": ["arn:aws:dynamodb:*:111122223333:table/catalog", "arn:aws:dynamodb:*:111122223333:table/catalog/index/*"]},
	    {"Sid": "NoDrops", "Effect": "Deny", "Action": ["dynamodb:DeleteTable", "dynamodb:UpdateTable"], "Resource": "*"}]},
	  {"Version": "2012-10-17", "Statement": [
	    {"Sid": "OwnOrders", "Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"],
	     "Resource": "arn:aws:dynamodb:*:111122223333:table/orders",
	     "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["${aws:username}"]},
	                   "StringEqualsIfExists": {"dynamodb:ReturnValues": ["NONE", "UPDATED_NEW"]},
	                   "IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]}}}]}]}}}}}`))
	if err != nil {
		b.Fatal(err)
	}
	p, _ := cfg.Principal("111122223333", "app")
	orders := TableARN("us-east-1", "111122223333", "orders")
	rp, err := ParseResourcePolicy(`{"Version": "2012-10-17", "Statement": [
	  {"Effect": "Deny", "Principal": "*", "Action": "dynamodb:DeleteItem", "Resource": "`+orders+`", "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
	  {"Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "dynamodb:GetItem", "Resource": "`+orders+`"}]}`, orders)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, bm := range []struct {
		name string
		req  Request
	}{
		{"read allowed", Request{Principal: p, Action: "dynamodb:Query", Resources: []Resource{{ARN: TableARN("us-east-1", "111122223333", "catalog") + "/index/byName"}}}},
		{"fine-grained with resource policy", func() Request {
			r := Request{Principal: p, Action: "dynamodb:PutItem", Resources: []Resource{{ARN: orders, Policy: rp}}, SourceIP: "10.1.2.3", SecureTransport: true}
			r.Keys.Set(KeyLeadingKeys, "app")
			r.Keys.Set(KeyReturnValues, "NONE")
			return r
		}()},
		{"implicit deny", Request{Principal: p, Action: "dynamodb:PutItem", Resources: []Resource{{ARN: TableARN("us-east-1", "111122223333", "catalog")}}}},
	} {
		b.Run(bm.name, func(b *testing.B) {
			req := bm.req
			req.Time = now
			b.ReportAllocs()
			for b.Loop() {
				Evaluate(&req)
			}
		})
	}
}
