package console_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/internal/server"
)

// The auth file of TestBrowserAuth: one account whose user "admin" may do
// anything, and a user "reader" who may only read.
const (
	authAdminKey     = "AKIDCONSOLEADMIN"
	authAdminSecret  = "admin-secret-for-the-console-test"
	authReaderKey    = "AKIDCONSOLEREADER"
	authReaderSecret = "reader-secret-for-the-console-test"
	authFile         = `{"accounts": {"111122223333": {"users": {
  "admin": {"accessKeys": [{"id": "` + authAdminKey + `", "secret": "` + authAdminSecret + `"}],
            "policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}]},
  "reader": {"accessKeys": [{"id": "` + authReaderKey + `", "secret": "` + authReaderSecret + `"}],
             "policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
               "Action": ["dynamodb:ListTables", "dynamodb:DescribeTable", "dynamodb:DescribeTimeToLive", "dynamodb:Scan", "dynamodb:Query", "dynamodb:GetItem"],
               "Resource": "*"}]}]}
}}}}`
)

// TestBrowserAuth runs the console against a server started with an auth
// file (`dynago serve --auth FILE`), which verifies every request's
// signature: the console's placeholder key is refused and the page asks
// for one, a wrong secret is refused with DynamoDB's signature error, the
// right one shows the account's tables and items, every request the page
// sends from then on signed with that key; and a user whose policies only
// allow reading browses the table and is refused a delete in IAM's words.
func TestBrowserAuth(t *testing.T) {
	findChromium(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "auth.json")
	if err := os.WriteFile(path, []byte(authFile), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startBrowserServer(t, server.Config{NoThrottle: true, AuthFile: path})

	// The account's table, made by a program with the admin's key.
	ddb := dynamodb.NewFromConfig(aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider(authAdminKey, authAdminSecret, ""),
		BaseEndpoint: aws.String(srv.URL()),
	})
	if _, err := ddb.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("Secured"),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("Secured"),
		Item: map[string]types.AttributeValue{"id": str("only-for-the-account"), "note": str("signed in")}}); err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, srv.URL()+"/console/")
	signIn := func(key, secret string) {
		t.Helper()
		b.typeInto("input[name=accessKeyId]", key)
		b.typeInto("input[name=secretAccessKey]", secret)
		b.click(".modal-foot .btn.primary")
	}

	// The placeholder key is not in the auth file: the page asks for one,
	// showing the server's answer.
	b.open("/tables")
	b.waitFor("the credentials dialog", `!!document.querySelector('#credentials-form')`)
	b.waitText("#credentials-form .alert.error", "UnrecognizedClientException")
	b.waitText("#credentials-form .alert.error", "The security token included in the request is invalid.")
	b.shot("auth-sign-in", false)

	// A known key with a wrong secret: the signature does not match.
	signIn(authAdminKey, "not-the-secret")
	b.waitFor("the dialog again", `!!document.querySelector('#credentials-form .alert.error')`)
	b.waitText("#credentials-form .alert.error", "InvalidSignatureException")
	b.waitText("#credentials-form .alert.error", "The request signature we calculated does not match the signature you provided.")

	// The right secret: the account's table and its item.
	signIn(authAdminKey, authAdminSecret)
	b.waitFor("the dialog to close", `!document.querySelector('#credentials-form')`)
	b.waitText("#credentials-btn", authAdminKey)
	b.takeRequests()
	b.route("/tables?signed")
	b.waitFor("the account's table", `!!document.querySelector('#tables-grid tr[data-table=Secured]')`)
	b.route("/tables/Secured/items?mode=scan")
	b.waitFor("the scan", `!!document.querySelector('#results[data-run]')`)
	b.waitText("#items-grid", "only-for-the-account")
	b.shot("auth-signed-in", false)
	reqs := b.awaitRequests(2)
	if len(reqs) < 2 {
		t.Errorf("%d API requests seen after signing in", len(reqs))
	}
	for _, r := range reqs {
		if a := r.headers["authorization"]; !strings.Contains(a, "Credential="+authAdminKey+"/") {
			t.Errorf("%s after signing in signed %q, want the admin's key", r.headers["x-amz-target"], a)
		}
	}

	// The metrics page names the account's table by name, region and
	// account: /metrics labels a namespaced table with its ARN.
	b.route("/metrics?interval=1")
	const securedARN = "arn:aws:dynamodb:us-east-1:111122223333:table/Secured"
	b.waitFor("the table's row", `!!document.querySelector('#tables-metrics-grid tr[data-table="`+securedARN+`"]')`)
	b.waitText(`#tables-metrics-grid tr[data-table="`+securedARN+`"] td`, "Secured us-east-1 · 111122223333")

	// The reader browses, and is refused a delete.
	b.click("#credentials-btn")
	b.waitFor("the credentials dialog", `!!document.querySelector('#credentials-form')`)
	signIn(authReaderKey, authReaderSecret)
	b.waitText("#credentials-btn", authReaderKey)
	b.route("/tables/Secured/items?mode=scan&as=reader")
	b.waitFor("the scan, as the reader", `!!document.querySelector('#results[data-run]')`)
	b.waitText("#items-grid", "only-for-the-account")
	b.click("#items-grid tbody tr [data-action=delete]")
	b.waitText(".modal", "Delete the item with key id = only-for-the-account?")
	b.click("[data-confirm=yes]")
	b.waitFor("IAM's refusal", `document.body.innerText.includes('AccessDeniedException')`)
	b.waitFor("IAM's words", `document.body.innerText.includes('User: arn:aws:iam::111122223333:user/reader is not authorized to perform: dynamodb:DeleteItem on resource: arn:aws:dynamodb:us-east-1:111122223333:table/Secured because no identity-based policy allows the dynamodb:DeleteItem action')`)
	b.shot("auth-access-denied", false)
	got, err := ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("Secured"), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"id": str("only-for-the-account")}})
	if err != nil || got.Item == nil {
		t.Errorf("the item after the reader's refused delete: %v, %v", got, err)
	}
	b.checkProblems()
}
