package integration

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/dynagotest"
	"github.com/dynago/dynago/internal/sdkhttp"
)

// testAuthFile is the auth file of the security tests: account A's admin
// may do anything but delete tables named prod-*; its reader may only
// GetItem and Query table "books" (and its indexes), and only items whose
// partition key is its user name; account B's admin may do anything in
// its own account.
const testAuthFile = `{
  "accounts": {
    "111111111111": {
      "users": {
        "admin": {
          "accessKeys": [{"id": "AKIAADMINA", "secret": "secret-admin-a"},
                         {"id": "ASIAADMINA", "secret": "secret-temp-a", "sessionToken": "token-a"}],
          "policies": [{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "dynamodb:DeleteTable", "Resource": "arn:aws:dynamodb:*:111111111111:table/prod-*"}]}]
        },
        "reader": {
          "accessKeys": [{"id": "AKIAREADERA", "secret": "secret-reader-a"}],
          "policies": [{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Query"],
             "Resource": ["arn:aws:dynamodb:*:111111111111:table/books", "arn:aws:dynamodb:*:111111111111:table/books/index/*"],
             "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["${aws:username}"]}}}]}]
        },
        "pq": {
          "accessKeys": [{"id": "AKIAPQA", "secret": "secret-pq-a"}],
          "policies": [{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["dynamodb:PartiQLSelect", "dynamodb:PartiQLInsert"],
             "Resource": "arn:aws:dynamodb:*:111111111111:table/books",
             "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["${aws:username}"]}}},
            {"Effect": "Deny", "Action": "dynamodb:PartiQLSelect", "Resource": "*",
             "Condition": {"Bool": {"dynamodb:FullTableScan": "true"}}}]}]
        },
        "tagged": {
          "accessKeys": [{"id": "AKIATAGGEDA", "secret": "secret-tagged-a"}],
          "policies": [{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PartiQLSelect"], "Resource": "*",
             "Condition": {"StringEquals": {"aws:ResourceTag/team": "blue"}}}]}]
        },
        "tagger": {
          "accessKeys": [{"id": "AKIATAGGERA", "secret": "secret-tagger-a"}],
          "policies": [{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "dynamodb:CreateTable", "Resource": "*",
             "Condition": {"StringEquals": {"aws:RequestTag/team": "blue"}, "ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}}},
            {"Effect": "Deny", "Action": "dynamodb:CreateTable", "Resource": "*", "Condition": {"Null": {"aws:RequestTag/team": "true"}}},
            {"Effect": "Allow", "Action": ["dynamodb:TagResource", "dynamodb:UntagResource"], "Resource": "*",
             "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["env"]}, "StringEquals": {"aws:ResourceTag/team": "blue"}}},
            {"Effect": "Allow", "Action": "dynamodb:DescribeTable", "Resource": "*",
             "Condition": {"StringEquals": {"aws:ResourceTag/team": "blue"}}}]}]
        },
        "attrs": {
          "accessKeys": [{"id": "AKIAATTRSA", "secret": "secret-attrs-a"}],
          "policies": [{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Query"],
             "Resource": "arn:aws:dynamodb:*:111111111111:table/books",
             "Condition": {"ForAllValues:StringEquals": {"dynamodb:Attributes": ["pk", "sk", "g"]},
                           "StringEquals": {"dynamodb:Select": "SPECIFIC_ATTRIBUTES"}}},
            {"Effect": "Allow", "Action": ["dynamodb:PutItem", "dynamodb:UpdateItem"],
             "Resource": "arn:aws:dynamodb:*:111111111111:table/books",
             "Condition": {"ForAllValues:StringEquals": {"dynamodb:Attributes": ["pk", "sk", "g", "n"]},
                           "StringEqualsIfExists": {"dynamodb:ReturnValues": ["NONE", "UPDATED_NEW"]}}}]}]
        }
      }
    },
    "222222222222": {
      "users": {
        "admin": {
          "accessKeys": [{"id": "AKIAADMINB", "secret": "secret-admin-b"}],
          "policies": [{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}]
        }
      }
    }
  }
}`

// authServer starts a server with testAuthFile and returns it with the
// path of its auth file.
func authServer(t *testing.T) (*dynagotest.Server, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "auth.json")
	if err := os.WriteFile(path, []byte(testAuthFile), 0o600); err != nil {
		t.Fatal(err)
	}
	return dynagotest.New(t, dynagotest.WithAuthFile(path)), path
}

// keyClient is a client of s signing with id and secret, without retries
// (so an error is the server's first answer).
func keyClient(s *dynagotest.Server, id, secret, token string, opts ...func(*dynamodb.Options)) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		BaseEndpoint:     aws.String(s.URL()),
		Region:           dynagotest.Region,
		Credentials:      credentials.NewStaticCredentialsProvider(id, secret, token),
		RetryMaxAttempts: 1,
		HTTPClient:       sdkhttp.Client(),
	}, opts...)
}

func TestAuthRightKeyIsServed(t *testing.T) {
	s, _ := authServer(t)
	ctx := context.Background()
	c := keyClient(s, "AKIAADMINA", "secret-admin-a", "")
	makeTable(t, c, "books", hashS)
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("books"), Item: item{"pk": S("reader")}}); err != nil {
		t.Fatal(err)
	}
	tmp := keyClient(s, "ASIAADMINA", "secret-temp-a", "token-a")
	out, err := tmp.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("books"), Key: item{"pk": S("reader")}})
	if err != nil || out.Item == nil {
		t.Fatalf("GetItem with a temporary key: %v, %v", out, err)
	}
}

func TestAuthWrongCredentialsAreRefused(t *testing.T) {
	s, _ := authServer(t)
	ctx := context.Background()
	list := func(c *dynamodb.Client) error {
		_, err := c.ListTables(ctx, &dynamodb.ListTablesInput{})
		return err
	}
	wantAPIErrorPrefix(t, list(keyClient(s, "AKIAADMINA", "not-the-secret", "")),
		"InvalidSignatureException", "The request signature we calculated does not match the signature you provided.")
	wantAPIErrorPrefix(t, list(keyClient(s, "AKIANOBODY", "secret-admin-a", "")),
		"UnrecognizedClientException", "The security token included in the request is invalid.")
	wantAPIErrorPrefix(t, list(keyClient(s, "ASIAADMINA", "secret-temp-a", "wrong-token")),
		"UnrecognizedClientException", "The security token included in the request is invalid.")
	wantAPIErrorPrefix(t, list(s.Client()), "UnrecognizedClientException", "The security token included in the request is invalid.")

	// A signer whose clock is 20 minutes slow: beyond the 15-minute skew.
	slow := keyClient(s, "AKIAADMINA", "secret-admin-a", "", func(o *dynamodb.Options) {
		o.HTTPSignerV4 = shiftedSigner{v4.NewSigner(), -20 * time.Minute}
	})
	wantAPIErrorPrefix(t, list(slow), "InvalidSignatureException", "Signature expired: ")
	fast := keyClient(s, "AKIAADMINA", "secret-admin-a", "", func(o *dynamodb.Options) {
		o.HTTPSignerV4 = shiftedSigner{v4.NewSigner(), 20 * time.Minute}
	})
	wantAPIErrorPrefix(t, list(fast), "InvalidSignatureException", "Signature not yet current: ")
	// Within the skew, a shifted clock is fine.
	if err := list(keyClient(s, "AKIAADMINA", "secret-admin-a", "", func(o *dynamodb.Options) {
		o.HTTPSignerV4 = shiftedSigner{v4.NewSigner(), -10 * time.Minute}
	})); err != nil {
		t.Fatalf("10 minutes of skew: %v", err)
	}
}

// shiftedSigner signs as if its clock were off by shift.
type shiftedSigner struct {
	s     *v4.Signer
	shift time.Duration
}

func (s shiftedSigner) SignHTTP(ctx context.Context, creds aws.Credentials, r *http.Request, payloadHash, service, region string, t time.Time, opts ...func(*v4.SignerOptions)) error {
	return s.s.SignHTTP(ctx, creds, r, payloadHash, service, region, t.Add(s.shift), opts...)
}

func TestAuthPresignedURL(t *testing.T) {
	s, _ := authServer(t)
	ctx := context.Background()
	body := `{}`
	send := func(secret string, signedAt time.Time) (int, string) {
		req, err := http.NewRequest(http.MethodPost, s.URL()+"/?X-Amz-Expires=300", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
		url, hdr, err := v4.NewSigner().PresignHTTP(ctx, aws.Credentials{AccessKeyID: "AKIAADMINA", SecretAccessKey: secret},
			req, sha256Hex(body), "dynamodb", dynagotest.Region, signedAt)
		if err != nil {
			t.Fatal(err)
		}
		signed, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		signed.Header = hdr.Clone()
		signed.Header.Set("Content-Type", "application/x-amz-json-1.0")
		signed.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
		resp, err := http.DefaultClient.Do(signed)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, b := send("secret-admin-a", time.Now()); status != http.StatusOK || !strings.Contains(b, "TableNames") {
		t.Fatalf("presigned with the right secret: %d %s", status, b)
	}
	if status, b := send("wrong", time.Now()); status != http.StatusBadRequest || !strings.Contains(b, "InvalidSignatureException") {
		t.Fatalf("presigned with a wrong secret: %d %s", status, b)
	}
	if status, b := send("secret-admin-a", time.Now().Add(-10*time.Minute)); status != http.StatusBadRequest || !strings.Contains(b, "Signature expired") {
		t.Fatalf("presigned 10 minutes ago for 5: %d %s", status, b)
	}
}

func TestAuthReload(t *testing.T) {
	s, path := authServer(t)
	ctx := context.Background()
	newKey := keyClient(s, "AKIANEW", "secret-new", "")
	if _, err := newKey.ListTables(ctx, &dynamodb.ListTablesInput{}); err == nil {
		t.Fatal("a key not yet in the file was accepted")
	}
	// A broken file is refused with its line, and the old one stays.
	if err := os.WriteFile(path, []byte("{\n  \"accounts\": {\n    \"12\": {}\n  }\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := s.ReloadAuth()
	if err == nil || !strings.Contains(err.Error(), "auth.json:3:") {
		t.Fatalf("reloading a bad file: %v, want an error at auth.json:3", err)
	}
	admin := keyClient(s, "AKIAADMINA", "secret-admin-a", "")
	if _, err := admin.ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
		t.Fatalf("after a refused reload: %v", err)
	}
	withNew := strings.Replace(testAuthFile, `{"id": "AKIAADMINA", "secret": "secret-admin-a"}`, `{"id": "AKIANEW", "secret": "secret-new"}`, 1)
	if err := os.WriteFile(path, []byte(withNew), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.ReloadAuth(); err != nil {
		t.Fatal(err)
	}
	if _, err := newKey.ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
		t.Fatalf("the new key after reload: %v", err)
	}
	_, err = admin.ListTables(ctx, &dynamodb.ListTablesInput{})
	wantAPIErrorPrefix(t, err, "UnrecognizedClientException", "The security token included in the request is invalid.")
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

var _ = types.ScalarAttributeTypeS
